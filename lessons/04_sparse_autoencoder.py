# %% [markdown]
# # Lesson 4 — Overcomplete autoencoders and sparsity
#
# Overcomplete AEs can learn to copy; the sparsity penalty, its hand gradient, its effect.
#
# An autoencoder with **more code units than inputs** (overcomplete) has room to spare: nothing forces
# it to find structure, and a (nearly) linear one can simply learn x̂ ≈ x for *any* x — the identity.
# The sparse autoencoder (Ng's UFLDL notes) keeps the large code but asks each sigmoid unit to be
# off most of the time: its mean activation over a batch, ρ̂ⱼ, should stay near a small target ρ.
#
#     a² = σ(W1 x + b1)   (the code, each unit in (0, 1))       x̂ = a³ = σ(W2 a² + b2)
#     ρ̂ⱼ = (1/m) Σₙ a²ₙⱼ                                         (mean activation of unit j over a batch)
#     J = (1/2m) Σₙ ‖xₙ − x̂ₙ‖²  +  β Σⱼ KL(ρ ‖ ρ̂ⱼ)  +  (λ/2)(‖W1‖² + ‖W2‖²)
#     KL(ρ ‖ ρ̂) = ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂))
#     ∂KL/∂ρ̂ = −ρ/ρ̂ + (1 − ρ)/(1 − ρ̂)
#
# We show the identity trap, derive the sparse AE's backprop by hand (and check it three ways, plus a
# widely copied wrong version), see why the KL term needs sigmoid units, and measure what β does.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae import nn
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 4: overcomplete autoencoders, the identity trap, the sparse autoencoder's KL "
                   "penalty and its hand-derived gradient")

# Quick mode trains for fewer epochs at a larger step, and checks weaker (but still meaningful) claims.
LINEAR_EPOCHS, LINEAR_LR = lesson.pick(full=(60, 1e-2), quick=(30, 1e-2))
SPARSE_EPOCHS, SPARSE_LR = lesson.pick(full=(60, 1e-2), quick=(12, 3e-2))
N_HIDDEN, RHO, LAMBDA, BATCH = 100, 0.05, 1e-4, 100

# %% [markdown]
# ## 0. Data
# The bundled 8×8 digits (64 pixels in [0, 1]): 1500 to train on, 297 held out. Everything below is
# sized for them: 100 code units is overcomplete for 64 pixels.

# %%
X, labels = mg.data.load_digits()
X_train, X_test, y_train, y_test = mg.data.train_test_split(X, labels, test_fraction=297 / 1797, rng=lesson.rng)
n_in, side = X.shape[1], 8
print(f"train {X_train.shape}, held out {X_test.shape}, pixels in [{X.min():.0f}, {X.max():.0f}]")


def relative_error(model, inputs):
    """Σ‖x − x̂‖² / Σ‖x‖² over a batch: 0 is a perfect copy, 1 is as bad as answering x̂ = 0."""
    with mg.no_grad():
        reconstruction = model(inputs).numpy()
    return float(np.sum((reconstruction - inputs) ** 2) / np.sum(inputs ** 2))


# %% [markdown]
# ## 1. The identity trap
# Take the simplest overcomplete AE: linear, 64 → 100 → 64, no constraint (`Autoencoder([64, 100],
# recon="mse")`: one Linear each way, no output activation). Then x̂ = W2 W1 x + (W2 b1 + b2), and W2 W1 = I is a
# perfect solution — a copy machine. Beside it, an undercomplete one (64 → 16 → 64) that *must* compress.
#
# To tell "learned digits" from "learned to copy", feed both something that is not a digit: uniform noise
# on the pixels digits use (3 border pixels are 0 in every training digit, so no model can learn
# anything about them — leaving them at 0 keeps the question about structure, not about unseen pixels).

# %%
overcomplete = mg.models.Autoencoder([n_in, N_HIDDEN], recon="mse", rng=lesson.rng)
undercomplete = mg.models.Autoencoder([n_in, 16], recon="mse", rng=lesson.rng)
print(f"overcomplete.overcomplete = {overcomplete.overcomplete} ({N_HIDDEN} code units > {n_in} pixels), "
      f"undercomplete.undercomplete = {undercomplete.undercomplete} (16 < {n_in})")
for model in (overcomplete, undercomplete):
    mg.fit(model, X=X_train, epochs=LINEAR_EPOCHS, batch_size=BATCH, progress=False, rng=lesson.rng,
           optimizer=mg.optim.Adam(model.parameters(), lr=LINEAR_LR))  # Adam on the model's own loss

used_pixels = X_train.max(axis=0) > 0
noise = (lesson.rng.uniform(0, 1, X_test.shape) * used_pixels).astype(np.float32)
errors = {name: {"train digits": relative_error(m, X_train), "held-out digits": relative_error(m, X_test),
                 "noise": relative_error(m, noise)}
          for name, m in (("linear 64→100 (overcomplete)", overcomplete),
                          ("linear 64→16 (undercomplete)", undercomplete))}
print(f"\nrelative error Σ‖x − x̂‖²/Σ‖x‖²   {'train digits':>13}{'held-out':>10}{'noise':>8}")
for name, e in errors.items():
    print(f"  {name:<31}{e['train digits']:>13.2e}{e['held-out digits']:>10.2e}{e['noise']:>8.3f}")
over_err, under_err = errors["linear 64→100 (overcomplete)"], errors["linear 64→16 (undercomplete)"]

# %% [markdown]
# The overcomplete model's training error is tiny — and it gives back about 95% of noise it has never
# seen (relative error ≈ 0.06), where the undercomplete model loses about half of it and turns noise into
# digit-like blurs. The undercomplete model learned a subspace of digits; the overcomplete one learned
# to copy.
#
# A linear AE can be read off directly. Along each principal direction vₖ of the training digits, the
# gain vₖᵀ (W2 W1) vₖ says how much of that direction passes through: 1 = copied, 0 = thrown away.
# The overcomplete model copies every direction except those the digits almost never use (variance
# below ~1e-3, where gradient descent got almost no signal); the undercomplete one keeps about 16.

# %%
components = mg.models.pca(X_train, n_in)


def gains(model):
    """vₖᵀ W2 W1 vₖ for every principal direction vₖ of the training digits."""
    product = model.decoder[0].weight.data @ model.encoder[0].weight.data   # (n_in, n_in): linear part of x ↦ x̂
    return np.einsum("ki,ij,kj->k", components.components, product, components.components)


over_gain, under_gain = gains(overcomplete), gains(undercomplete)
n_live = int(np.sum(components.explained_variance > 1e-12))
print(f"directions with gain within 0.05 of 1: overcomplete {np.sum(np.abs(over_gain - 1) < 0.05)} of "
      f"{n_live} with variance, undercomplete {np.sum(np.abs(under_gain - 1) < 0.05)}")

fig, ax = plt.subplots(figsize=(8, 4.4))
k = np.arange(1, n_in + 1)
ax.plot(k, over_gain, "o-", ms=3, label=f"linear 64→{N_HIDDEN} (overcomplete)")
ax.plot(k, under_gain, "s-", ms=3, label="linear 64→16 (undercomplete)")
ax.axhline(1, color="grey", lw=0.8, ls="--")
ax.set(xlabel="principal direction k of the training digits (by decreasing variance)",
       ylabel=r"gain $v_k^\top W_2 W_1 v_k$  (1 = copied)", ylim=(-0.3, 1.3),
       title="The identity trap: the overcomplete AE passes almost every direction through")
variance_axis = ax.twinx()
variance_axis.semilogy(k[:n_live], components.explained_variance[:n_live], color="black", alpha=0.3, lw=1,
                       label=r"variance of the digits along $v_k$ (right, log)")
variance_axis.set_ylabel(r"variance of the digits along $v_k$ (log scale)")
ax.legend(handles=ax.get_lines()[:2] + variance_axis.get_lines(), loc="center")
lesson.show(fig, "04_identity_trap")

show = 6
with mg.no_grad():
    grid = [X_test[:show], overcomplete(X_test[:show]).numpy(), undercomplete(X_test[:show]).numpy(),
            noise[:show], overcomplete(noise[:show]).numpy(), undercomplete(noise[:show]).numpy()]
mg.viz.image_grid(np.clip(np.concatenate(grid), 0, 1), (side, side), lesson.path("04_noise_reconstructions"),
                  title="Digits and noise, and what each linear AE makes of them (clipped to [0, 1])",
                  row_titles=["digits", "overcomplete", "undercomplete", "noise", "overcomplete", "undercomplete"])

tiny = lesson.pick(full=1e-3, quick=1e-2)
lesson.checks.add("overcomplete AE: train rel. error is tiny", over_err["train digits"],
                  over_err["train digits"] < tiny)
lesson.checks.add("overcomplete AE copies noise: noise rel. error", over_err["noise"],
                  over_err["noise"] < lesson.pick(full=0.15, quick=0.4))
ratio = under_err["noise"] / over_err["noise"]
lesson.checks.add("noise rel. error, undercomplete / overcomplete", ratio, ratio > lesson.pick(full=5, quick=2))

# %% [markdown]
# ## 2. The KL sparsity penalty
# With sigmoid code units every a²ₙⱼ and so every mean ρ̂ⱼ lies in (0, 1), and KL(ρ ‖ ρ̂ⱼ) is the
# divergence between two coins: one that comes up 1 with probability ρ, one with ρ̂ⱼ. It is 0 at ρ̂ⱼ = ρ
# and grows without bound as ρ̂ⱼ → 0 or 1 — towards 1 like (1 − ρ)·ln(1/(1 − ρ̂ⱼ)), but towards 0 only
# like ρ·ln(1/ρ̂ⱼ), which is slow for a small ρ (its values near 10⁻⁶ and 1 − 10⁻⁶ are printed below). So
# the figure stretches both ends on a logit axis, where ρ̂ = 10⁻⁶ and 1 − 10⁻⁶ are as far from ½ as each
# other. Its derivative, written by hand, against `F.kl_sparsity`'s backward:

# %%
rho_hat = lesson.rng.uniform(0.01, 0.99, 6)
rho_hat_tensor = mg.tensor(rho_hat, requires_grad=True, dtype=np.float64)
kl = F.kl_sparsity(rho_hat_tensor, RHO)
kl.backward()
kl_by_hand = np.sum(RHO * np.log(RHO / rho_hat) + (1 - RHO) * np.log((1 - RHO) / (1 - rho_hat)))
dkl_by_hand = -RHO / rho_hat + (1 - RHO) / (1 - rho_hat)
kl_err = max(abs(kl.item() - kl_by_hand) / kl_by_hand, mg.relative_error(dkl_by_hand, rho_hat_tensor.grad))
print(f"KL = {kl.item():.6f} (by hand {kl_by_hand:.6f}); ∂KL/∂ρ̂ by hand {np.round(dkl_by_hand, 3)}")
lesson.checks.add("KL and ∂KL/∂ρ̂ by hand vs F.kl_sparsity", kl_err, kl_err < 1e-12)

# %%
grid_rho_hat = 1 / (1 + np.exp(-np.linspace(-14, 14, 600)))   # evenly spaced in logit(ρ̂): 8e-7 … 1 − 8e-7
with mg.no_grad():
    kl_curve = [F.kl_sparsity(np.array([r]), RHO).item() for r in grid_rho_hat]
print(f"KL(ρ ‖ ρ̂) at ρ̂ = {grid_rho_hat[0]:.1g}: {kl_curve[0]:.2f}; at ρ̂ = ρ: 0; "
      f"at ρ̂ = 1 − {1 - grid_rho_hat[-1]:.1g}: {kl_curve[-1]:.1f}")
fig, (ax_kl, ax_slope) = plt.subplots(1, 2, figsize=(11, 4.4))
ax_kl.plot(grid_rho_hat, kl_curve)
ax_kl.set_xscale("logit")
ax_kl.set_xticks([1e-6, 1e-4, 1e-2, 0.5, 1 - 1e-2, 1 - 1e-4, 1 - 1e-6],
                 ["$10^{-6}$", "$10^{-4}$", "0.01", "0.5", "0.99", "$1 - 10^{-4}$", "$1 - 10^{-6}$"])
ax_kl.minorticks_off()
ax_kl.set(xlabel=r"mean activation $\hat\rho$ of one unit (logit scale: both ends stretched)",
          ylabel=r"KL$(\rho\,\|\,\hat\rho)$",
          title=r"The penalty: 0 at $\hat\rho = \rho$, unbounded towards 0 and 1" "\n"
                r"(towards 0 only slowly: KL $\approx \rho\,\ln(1/\hat\rho)$)")
# the same grid, crowded at both ends, keeps the steep parts of the slope smooth on a linear axis
ax_slope.plot(grid_rho_hat, -RHO / grid_rho_hat + (1 - RHO) / (1 - grid_rho_hat))
ax_slope.axhline(0, color="grey", lw=0.8)
ax_slope.set(xlabel=r"mean activation $\hat\rho$ of one unit", ylim=(-30, 30),
             ylabel=r"$\partial\mathrm{KL}/\partial\hat\rho = -\rho/\hat\rho + (1-\rho)/(1-\hat\rho)$",
             title=r"Its slope: pushes $\hat\rho$ back towards $\rho$" "\n"
                   r"($\to -\infty$ as $\hat\rho \to 0$, $+\infty$ as $\hat\rho \to 1$: off the plot)")
for ax in (ax_kl, ax_slope):
    ax.axvline(RHO, color="grey", ls="--", lw=0.8, label=rf"target $\rho$ = {RHO}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center")
lesson.show(fig, "04_kl_penalty")

# %% [markdown]
# ## 3. Backpropagation by hand (UFLDL notation)
# For one sample (columns), with δˡ = ∂J/∂zˡ up to the 1/m of the batch average:
#
#     δ³ = (a³ − x) ⊙ a³(1 − a³)                                  (σ′(z³) = a³(1 − a³))
#     δ² = ( W2ᵀ δ³  +  β(−ρ/ρ̂ + (1 − ρ)/(1 − ρ̂)) ) ⊙ a²(1 − a²)
#     ∂J/∂W2 = (1/m) Σₙ δ³ a²ᵀ + λ W2         ∂J/∂b2 = (1/m) Σₙ δ³
#     ∂J/∂W1 = (1/m) Σₙ δ² xᵀ + λ W1          ∂J/∂b1 = (1/m) Σₙ δ²
#
# Why the sparsity term sits **inside** the bracket: J depends on z²ₙ only through a²ₙ = σ(z²ₙ), and a²ₙ
# enters J twice — through the decoder (giving W2ᵀδ³) and through ρ̂ = (1/m) Σₙ a²ₙ (giving
# (β/m)·∂KL/∂ρ̂). The chain rule multiplies the *whole* ∂J/∂a²ₙ by σ′(z²ₙ) = a²(1 − a²). (The 1/m of ρ̂
# is the same 1/m as the batch average, which is why β appears unscaled in δ².)
#
# Many write-ups print δ² = (W2ᵀ δ³) ⊙ a²(1 − a²) + β(…) — the sparsity term outside σ′, as if the
# penalty were on z² instead of a². `SparseAutoencoder.manual_grads(x, misprinted=True)` computes that
# version. Both against autodiff and central differences, in float64:

# %%
check_hidden, check_batch = lesson.pick(full=(16, 20), quick=(8, 10))
check_model = mg.models.SparseAutoencoder(n_in, check_hidden, rho=RHO, beta=3.0, weight_decay=1e-3,
                                          rng=lesson.rng, dtype=np.float64)
X_check = X_train[:check_batch].astype(np.float64)
names = [name for name, _ in check_model.named_parameters()]
params = check_model.parameters()

check_model.zero_grad()
check_model.loss(X_check).backward()
autodiff = [p.grad for p in params]
hand = list(check_model.manual_grads(X_check).values())
misprinted = list(check_model.manual_grads(X_check, misprinted=True).values())
# ε = 3e-5 (lesson 1's trade-off, measured here): J ≈ 30 (the KL of units at ρ̂ ≈ 0.5), so rounding error
# ~1e-16·30/ε dominates for ε ≤ 1e-5 (decoder.weight: 1e-9 at ε = 1e-5), truncation ~ε² for ε ≥ 1e-4
numerical = mg.numerical_grad(lambda *_: check_model.loss(X_check), params, eps=3e-5)

print(f"{'parameter':<16}{'hand vs auto':>14}{'auto vs num':>14}{'hand vs num':>14}{'misprinted vs num':>19}")
for name, h, a, n, w in zip(names, hand, autodiff, numerical, misprinted):
    errs = [mg.relative_error(h, a), mg.relative_error(a, n), mg.relative_error(h, n), mg.relative_error(w, n)]
    print(f"{name:<16}{errs[0]:>14.1e}{errs[1]:>14.1e}{errs[2]:>14.1e}{errs[3]:>19.1e}")


def unrolled(grads):
    return np.concatenate([g.ravel() for g in grads])


for label, first, second in (("hand δ vs autodiff", hand, autodiff),
                             ("autodiff vs numerical", autodiff, numerical),
                             ("hand δ vs numerical", hand, numerical)):
    err = mg.relative_error(unrolled(first), unrolled(second))
    lesson.checks.add(f"{label} (all params, float64)", err, err < 1e-9)
misprint_err = mg.relative_error(unrolled(misprinted), unrolled(numerical))
print(f"misprinted δ² (sparsity term outside σ′) vs numerical: rel err {misprint_err:.3g}")
lesson.checks.add("misprinted δ² vs numerical FAILS", misprint_err, misprint_err > 1e-4)

# %% [markdown]
# The misprint leaves the decoder's gradients alone (its rel. err is at rounding level) and corrupts
# only the encoder's. Why does it survive in so many write-ups? Because training with it still
# "works". Train two models with Adam on the hand-written gradients — correct and misprinted — and
# compare them on J itself:

# %%
def train_with_hand_gradients(misprinted_delta):
    """Adam steps on manual_grads (no autodiff at all); returns the trained model."""
    model = mg.models.SparseAutoencoder(n_in, N_HIDDEN, rho=RHO, beta=3.0, weight_decay=LAMBDA, rng=lesson.rng)
    parameters = dict(model.named_parameters())
    optimizer = mg.optim.Adam(parameters.values(), lr=SPARSE_LR)
    for _ in range(SPARSE_EPOCHS):
        for xb in mg.data.batches(X_train, batch_size=BATCH, shuffle=True, rng=lesson.rng):
            for name, grad in model.manual_grads(xb, misprinted=misprinted_delta).items():
                parameters[name].grad = grad   # what loss.backward() would have written
            optimizer.step()
    return model


by_hand = {label: train_with_hand_gradients(flag) for label, flag in (("correct", False), ("misprinted", True))}
held_out_J = {}
for label, model in by_hand.items():
    with mg.no_grad():
        held_out_J[label] = model.loss(X_test).item()
    print(f"trained on {label:>10} δ²: mean ρ̂ {model.mean_activation(X_test).mean():.4f}, held-out J "
          f"{held_out_J[label]:.4f}, rel. error {relative_error(model, X_test):.4f}")
misprinted_rho = float(by_hand["misprinted"].mean_activation(X_test).mean())
lesson.checks.add("misprinted δ² still trains: mean ρ̂", misprinted_rho, abs(misprinted_rho - RHO) < 0.5 * RHO)
lesson.checks.add("…but ends at a higher J than the correct δ²", held_out_J["misprinted"] - held_out_J["correct"],
                  held_out_J["misprinted"] > held_out_J["correct"])

# %% [markdown]
# Both reach ρ̂ ≈ ρ, so nothing looks broken; but the misprinted direction is not the gradient of J,
# and it settles at a worse J. Only a gradient check tells you.
#
# ## 4. Why the KL term needs sigmoid units
# KL(ρ ‖ ρ̂) takes log ρ̂ and log(1 − ρ̂). Averaged **ReLU** activations break both: a unit that never
# fires averages to exactly 0 (log 0 = −∞), a strongly active one averages above 1 (log of a negative
# number = NaN). Written naively, the penalty quietly becomes inf or NaN and poisons every weight at the
# next step; `F.kl_sparsity` refuses with a message instead.

# %%
relu_layer = nn.Linear(n_in, N_HIDDEN, rng=lesson.rng)
nn.init.kaiming_normal_(relu_layer.weight, nonlinearity="relu", rng=lesson.rng)   # the usual init for a ReLU layer
with mg.no_grad():
    relu_rho_hat = F.relu(relu_layer(X_train[:BATCH])).numpy().mean(axis=0)
n_dead, n_above = int(np.sum(relu_rho_hat <= 0)), int(np.sum(relu_rho_hat >= 1))
print(f"averaged ReLU units: {n_dead} at exactly 0, {n_above} at 1 or above (range {relu_rho_hat.min():.3g} "
      f"to {relu_rho_hat.max():.3g})")
with np.errstate(divide="ignore", invalid="ignore"):
    naive = np.sum(RHO * np.log(RHO / relu_rho_hat) + (1 - RHO) * np.log((1 - RHO) / (1 - relu_rho_hat)))
print(f"the formula written naively: {naive}")
try:
    F.kl_sparsity(relu_rho_hat, RHO)
    message = None
except ValueError as error:
    message = str(error)
    print(f"F.kl_sparsity refuses:\n  ValueError: {message}")
lesson.checks.add("averaged ReLU → kl_sparsity raises a clear ValueError", f"{n_dead} at 0, {n_above} ≥ 1",
                  message is not None and "sigmoid" in message)

# %% [markdown]
# ## 5. What β does, measured; and the L1 alternative
# Same 64 → 100 → 64 sigmoid model, ρ = 0.05, λ = 1e-4, Adam, batches of 100, trained three ways:
# β = 3, β = 0 (no sparsity at all), and the **L1 penalty** instead of KL,
#
#     l1_weight · (1/m) Σₙ Σⱼ |a²ₙⱼ|        (for sigmoid units |a| = a; its δ² term is l1_weight · sign(a²))
#
# which pushes every single activation towards 0 rather than each unit's *average* towards ρ.

# %%
sparse_settings = {"KL, β = 3": dict(beta=3.0), "KL, β = 0": dict(beta=0.0),
                   "L1, weight 0.05": dict(penalty="l1", l1_weight=0.05)}
sparse = {}
for label, settings in sparse_settings.items():
    model = mg.models.SparseAutoencoder(n_in, N_HIDDEN, rho=RHO, weight_decay=LAMBDA, rng=lesson.rng, **settings)
    tic = time.perf_counter()
    mg.fit(model, X=X_train, epochs=SPARSE_EPOCHS, batch_size=BATCH, progress=False, rng=lesson.rng,
           optimizer=mg.optim.Adam(model.parameters(), lr=SPARSE_LR))
    sparse[label] = model
    print(f"trained {label:<16} {SPARSE_EPOCHS} epochs in {time.perf_counter() - tic:.1f} s")

codes = {}
print(f"\non the held-out digits  {'mean ρ̂':>7} {'unit ρ̂ⱼ range':>14} {'median a²':>10} {'a² < 0.01':>10} "
      f"{'dead units':>10} {'rel. err':>9}")
for label, model in sparse.items():
    with mg.no_grad():
        codes[label] = model.encode(X_test).numpy()
    unit_means = codes[label].mean(axis=0)   # = model.mean_activation(X_test)
    print(f"  {label:<21}{unit_means.mean():>7.4f} {unit_means.min():>6.3f} – {unit_means.max():<5.3f} "
          f"{np.median(codes[label]):>10.4f} {np.mean(codes[label] < 0.01):>10.0%} "
          f"{np.sum(unit_means < 0.01):>10d} {relative_error(model, X_test):>9.4f}")
print("  (dead unit: ρ̂ⱼ < 0.01, off for almost every digit)")

kl_rho = float(sparse["KL, β = 3"].mean_activation(X_test).mean())
free_rho = float(sparse["KL, β = 0"].mean_activation(X_test).mean())
tolerance = lesson.pick(full=0.25, quick=0.5)
lesson.record("mean activation, β = 3", kl_rho)
lesson.record("mean activation, β = 0", free_rho)
lesson.checks.add(f"β = 3: mean ρ̂ within {tolerance:.0%} of ρ = {RHO}", kl_rho, abs(kl_rho - RHO) < tolerance * RHO)
lesson.checks.add("β = 0: mean ρ̂ far from ρ (> 4ρ)", free_rho, free_rho > 4 * RHO)
kl_min_unit = float(codes["KL, β = 3"].mean(axis=0).min())
lesson.checks.add("β = 3 keeps every unit in use: min ρ̂ⱼ > ρ/2", kl_min_unit, kl_min_unit > RHO / 2)
kl_off, l1_off = (float(np.mean(codes[name] < 0.01)) for name in ("KL, β = 3", "L1, weight 0.05"))
lesson.checks.add("L1 turns more single activations off than KL", f"{l1_off:.0%} vs {kl_off:.0%}", l1_off > kl_off)

# %% [markdown]
# Read the table with the histograms below. β = 3 holds **every unit's average** at ρ — exactly what
# the KL term asks, and no more: it does not ask each activation to be 0 or 1. The median activation
# is close to ρ and few are below 0.01, so a typical unit is "dimly on" for most digits rather than off
# for most and fully on for a few. The L1 penalty acts on each activation, and most of them really are
# off — but it also switches whole units off for good (dead units), which the KL term forbids
# (KL → ∞ as ρ̂ⱼ → 0). Without any penalty (β = 0) the units hover around 0.5.

# %%
colors = {"KL, β = 3": "C0", "KL, β = 0": "C1", "L1, weight 0.05": "C2"}
fig, (ax_units, ax_all) = plt.subplots(1, 2, figsize=(12, 4.4))
bins = np.linspace(0, 1, 51)
for label, code in codes.items():
    ax_units.hist(code.mean(axis=0), bins=bins, histtype="step", lw=1.8, color=colors[label], label=label)
    ax_all.hist(code.ravel(), bins=bins, histtype="step", lw=1.8, color=colors[label], label=label)
for ax in (ax_units, ax_all):
    ax.axvline(RHO, color="grey", ls="--", lw=0.8, label=rf"target $\rho$ = {RHO}")
    ax.legend()
ax_units.set(xlabel=r"mean activation $\hat\rho_j$ of a unit over the held-out digits",
             ylabel=f"number of units (of {N_HIDDEN})", title=r"Per unit: KL pins every unit's average at $\rho$")
ax_all.set_yscale("log")
ax_all.set(xlabel=r"activation $a^2_{nj}$ (every unit, every held-out digit)", ylabel="count (log scale)",
           title="Per activation: L1 switches most of them fully off")
lesson.show(fig, "04_activations")

# %% [markdown]
# ## 6. What the sparse units look for, respond to, and draw
# Row j of W1 is the input pattern that turns unit j on most strongly (for a fixed ‖x‖): light = ink
# there turns the unit on, dark = ink there turns it off. The mean of the 10 held-out digits that turn
# unit j on most shows what it responds to in practice, and column j of W2 is what unit j adds to the
# reconstruction when it switches on. Weights are scaled per image to their own largest |w| (mid-grey = 0).

# %%
kl_model = sparse["KL, β = 3"]
W1 = kl_model.encoder.weight.data          # (100, 64): one row per unit
W2_columns = kl_model.decoder.weight.data.T   # (100, 64): column j of W2 as row j
top_digits = np.argsort(codes["KL, β = 3"], axis=0)[-10:]         # (10, 100): indices of each unit's top digits
fires_on = X_test[top_digits].mean(axis=0)                          # (100, 64): their mean, per unit


def label_purity(code):
    """Per live unit (ρ̂ⱼ ≥ 0.01), the share of its 10 top digits that carry the commonest label among them;
    the mean over those units."""
    live = code[:, code.mean(axis=0) >= 0.01]
    top_labels = y_test[np.argsort(live, axis=0)[-10:]]                 # (10, live units)
    return float(np.mean([np.bincount(column).max() / 10 for column in top_labels.T]))


purity = {label: label_purity(code) for label, code in codes.items()}
purity_by_chance = label_purity(lesson.rng.permutation(codes["KL, β = 3"]))   # each unit paired with random digits
print("share of a unit's 10 top digits with one label (live units): " + ", ".join(
    f"{label} {value:.0%}" for label, value in purity.items()) + f"; random digits {purity_by_chance:.0%}")
lesson.checks.add("β = 3 units fire on one kind of digit: top-10 label share", purity["KL, β = 3"],
                  purity["KL, β = 3"] > 1.5 * purity_by_chance)
per_image = lambda w: w / np.abs(w).max(axis=1, keepdims=True)  # noqa: E731
units = slice(0, 12)
mg.viz.image_grid(np.concatenate([per_image(W1[units]), 2 * fires_on[units] - 1, per_image(W2_columns[units])]),
                  (side, side), lesson.path("04_filters"),
                  row_titles=["looks for\n($W_1$ rows)", "fires on\n(mean of its\ntop 10 digits)",
                              "draws\n($W_2$ columns)"],
                  title=rf"Sparse AE ($\beta$ = 3, $\rho$ = {RHO}), units 1–12: $W_1$ rows, the digits each unit "
                        r"fires on, $W_2$ columns")

# %% [markdown]
# The W1 rows are detectors, not pictures, and are the hardest to read at 8×8. The other two rows are
# easier: most β = 3 units fire on one kind of digit (their top digits mostly share a label, measured
# above against units paired with random digits), and draw a rough version of it. (Pixels of the
# "fires on" row are mapped from [0, 1] to [−1, 1] so that one grey scale fits all rows: black = no ink.)
#
# ## 7. Back to the trap
# Does the sparse code still copy noise? The same noise as in section 1, through every model:

# %%
print(f"{'model':<31}{'held-out digits':>16}{'noise':>8}   (relative error)")
every_model = [("linear 64→100 (overcomplete)", overcomplete), ("linear 64→16 (undercomplete)", undercomplete),
               *[(f"sigmoid 64→100, {name}", m) for name, m in sparse.items()]]
for label, model in every_model:
    print(f"{label:<31}{relative_error(model, X_test):>16.4f}{relative_error(model, noise):>8.3f}")
sparse_noise = relative_error(kl_model, noise)
lesson.checks.add("sparse AE (β = 3) no longer copies noise: ×overcomplete's error", sparse_noise / over_err["noise"],
                  sparse_noise > lesson.pick(full=3, quick=2) * over_err["noise"])

# %% [markdown]
# ## What held
# An overcomplete linear AE fits the training digits almost exactly and copies noise just as readily:
# it passes nearly every direction through. The sparse AE keeps 100 units but constrains how they are
# used; its δ² — sparsity term inside σ′ — agrees with autodiff and central differences to ~1e-10,
# while the misprinted one fails the same check although it trains. The KL term needs means in (0, 1),
# i.e. sigmoid units, and with β = 3 pins every unit's average activation at ρ (β = 0: near 0.5).
# Read the last table with care: the squashing sigmoid code alone (β = 0) already stops pure copying;
# β = 3 goes further — noise comes back worse, and its units are more selective (their top digits share
# a label more often) — at the price of a larger reconstruction error on digits.

# %%
lesson.finish()
