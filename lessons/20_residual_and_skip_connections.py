# %% [markdown]
# # Lesson 20 — Residual and skip connections
#
# An identity path lets the gradient reach every layer of a deep autoencoder; a path around the code lets the
# decoder ignore it.
#
# Tutorials offer two kinds of shortcut as the remedy for two problems:
#
# * **vanishing gradients** in a deep network → **residual connections** (He et al. 2016). A block learns a
#   *change* to its input instead of a new value:
#
#       y = x + f(x)            ∂y/∂x = I + J_f            ∂L/∂x = g + J_fᵀ g
#
#   where g = ∂L/∂y comes from above. The identity term hands g down unchanged, whatever f does. Through a
#   stack of L blocks the Jacobian is Π (I + Jₖ) instead of a plain stack's Π Jₖ — a product that shrinks
#   geometrically when every factor is small.
# * **blurry reconstructions** → **skip connections from the encoder to the decoder** (U-Net style): the
#   decoder layer of width hₖ also reads the encoder's activation of that width, [dₖ, hₖ]. Detail the code
#   could not hold travels around it.
#
# We build both (`nn.Residual`, `mg.models.ResidualAutoencoder`, `mg.models.SkipAutoencoder`), measure the
# gradient reaching each layer of a deep plain autoencoder and of the same one made residual, and measure
# what the second remedy costs: with skips, the code stops mattering.

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae import nn
from minigrad_ae.lesson import load_lesson_data
from minigrad_ae.models import Autoencoder, ResidualAutoencoder, SkipAutoencoder
from minigrad_ae.nn.diagnostics import gradient_norms

lesson = kit.start("Lesson 20: residual and skip connections — y = x + f(x), gradient flow per layer in a deep "
                   "autoencoder, encoder→decoder skips that bypass the code")
X_train, y_train, X_test, y_test = load_lesson_data("digits", lesson.rng)
X_batch = X_train[:256]   # one fixed batch on which every gradient norm below is measured
print(f"digits: {len(X_train)} training and {len(X_test)} held-out 8×8 images, pixels in [0, 1]")

# %% [markdown]
# ## 1. The residual block, checked
# `nn.Residual(fn)` computes x + fn(x) and refuses an fn that changes the shape (a residual branch must
# keep it; where the width changes, a plain layer does the job). It is built from existing ops, so its
# backward is theirs — but we check it anyway: `mg.gradcheck` in float64, then the Jacobian itself. For a
# pre-activation block y = x + W σ(x) + b (He et al.'s "identity mapping" order: activation, then the
# linear layer), J_f = W diag(σ′(x)), and the Jacobian of the block must be exactly I + J_f.

# %%
n = 5
block = nn.Residual(nn.Sequential(nn.Sigmoid(), nn.Linear(n, n, rng=lesson.rng, dtype=np.float64)))
x_check = lesson.rng.standard_normal((3, n))
report = mg.gradcheck(lambda x: block(x), [x_check])
print(report)
lesson.checks.add("Residual block passes gradcheck (float64): rel err", report.max_rel_error, bool(report))


def jacobian(fn, x):
    """∂fn(x)/∂x of one sample x (n,) by autodiff, one backward per output: row i = ∂fᵢ/∂x."""
    rows = []
    for i in range(len(x)):
        xt = mg.tensor(x, requires_grad=True)
        fn(xt)[i].backward()
        rows.append(xt.grad)
    return np.array(rows)


x0 = x_check[0]
W = block.fn[1].weight.data
sigma = 1 / (1 + np.exp(-x0))
expected = np.eye(n) + W * (sigma * (1 - sigma))   # I + W diag(σ′(x)): column j scaled by σ′(xⱼ)
jacobian_error = float(np.abs(jacobian(block, x0) - expected).max())
print(f"Jacobian of x + Wσ(x) + b vs I + W diag(σ′(x)): max |difference| {jacobian_error:.1e}")
lesson.checks.add("Jacobian of the block = I + W diag(σ′(x)): max |diff|", jacobian_error, jacobian_error < 1e-12)

try:
    nn.Residual(nn.Linear(n, 3, rng=lesson.rng))(np.zeros((2, n), np.float32))
    shape_message = ""
except mg.ShapeError as error:
    shape_message = str(error)
print("a branch that changes the width:", shape_message)
lesson.checks.add("a width-changing branch is refused, naming the shapes", "ShapeError",
                  "(2, 5)" in shape_message and "(2, 3)" in shape_message)

# %% [markdown]
# ## 2. Gradient flow through a deep autoencoder, at initialisation
# A deep plain autoencoder: 64 → 32 → 32 → 32 → 32 → 8 and back, **sigmoid** between the layers (the
# activation of the 1980s–2000s networks in which vanishing gradients were found), Kaiming-normal weights
# for it, sigmoid output, MSE: ten Linear layers. `ResidualAutoencoder` with the same arguments and the same
# seed has **the same weights**; it only turns every width-keeping layer into hₖ₊₁ = hₖ + Wₖ σ(hₖ) + bₖ
# (three blocks in the encoder, three in the decoder). For reference, the plain stack with **tanh** and its
# own Kaiming gain (5/3).
#
# We measure ‖∂L/∂Wₖ‖ for every Linear layer k, from the input side (encoder layer 1) to the output side
# (decoder layer 5), on one batch of 256 images: `nn.diagnostics.gradient_norms(model, loss)` runs one backward
# and reads each layer's weight gradient (and clears them again, so it can run in the middle of training).
#
# What to expect of the plain sigmoid stack: going down one layer, the backward pass multiplies the gradient
# by Wₖᵀ diag(σ′(hₖ)), and σ′ ≤ ¼ (its value at 0). With weights of scale 1/√fan_in, Wᵀ keeps the norm about
# the same, so each layer down divides the gradient by about 4: over ten layers, by about 4⁹ ≈ 3·10⁵.

# %%
SIZES = [64, 32, 32, 32, 32, 8]


def linear_layers(model):
    """The model's Linear layers in the order the data meets them: encoder first, input side first."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def layer_gradient_norms(model, X):
    """‖∂L/∂W‖ (Frobenius) of every Linear layer's weight, input side first, for the model's loss on X."""
    return np.array(list(gradient_norms(model, model.loss(X)).values()))


def build(kind):
    """The deep autoencoder: 'plain' or 'residual' (the same initial weights), or the plain one with tanh."""
    activation = "tanh" if kind == "plain tanh" else "sigmoid"
    cls = ResidualAutoencoder if kind == "residual" else Autoencoder
    return cls(SIZES, activation=activation, rng=np.random.default_rng(lesson.args.seed))


models = {kind: build(kind) for kind in ("plain", "residual", "plain tanh")}
same_weights = all(np.array_equal(a.weight.data, b.weight.data)
                   for a, b in zip(linear_layers(models["plain"]), linear_layers(models["residual"])))
lesson.checks.add("plain and residual start from the same weights", same_weights, same_weights)
at_init = {kind: layer_gradient_norms(model, X_batch) for kind, model in models.items()}
LAYER_NAMES = [f"enc {k}" for k in range(1, len(SIZES))] + [f"dec {k}" for k in range(1, len(SIZES))]
print(f"{'layer':>8} " + "".join(f"{kind:>14}" for kind in at_init))
for i, name in enumerate(LAYER_NAMES):
    print(f"{name:>8} " + "".join(f"{norms[i]:>14.2e}" for norms in at_init.values()))

first_to_last = {kind: float(norms[0] / norms[-1]) for kind, norms in at_init.items()}
shrink_per_layer = float((1 / first_to_last["plain"]) ** (1 / (len(LAYER_NAMES) - 1)))
print(f"first layer / last layer: plain {first_to_last['plain']:.1e}, residual {first_to_last['residual']:.2f}, "
      f"plain tanh {first_to_last['plain tanh']:.2f}; the plain sigmoid stack loses ×{shrink_per_layer:.1f} per layer")
lesson.checks.add("plain sigmoid: first/last layer gradient < 1e-4", first_to_last["plain"],
                  first_to_last["plain"] < 1e-4)
lesson.checks.add("…about ×4 lost per layer (σ′ ≤ ¼): measured", shrink_per_layer, 2.5 < shrink_per_layer < 6)
lesson.checks.add("residual, same weights: first/last layer gradient > 0.01", first_to_last["residual"],
                  first_to_last["residual"] > 0.01)

# %% [markdown]
# ## 3. …and during training
# Both sigmoid models train with Adam (η = 0.01, batch 64) for the same number of epochs; `mg.fit`'s
# `on_epoch` measures the per-layer gradient norms on the same batch after every epoch. Reference line: the
# loss of predicting the mean training image for every input (the per-pixel variance of the data) — the best
# a network can do that ignores its input.

# %%
EPOCHS = lesson.pick(full=12, quick=5)
mean_image_loss = float(((X_train - X_train.mean(axis=0)) ** 2).mean())
during, histories = {}, {}
for kind in ("plain", "residual"):
    model = models[kind]
    during[kind] = {0: at_init[kind]}
    histories[kind] = mg.fit(model, X=X_train, epochs=EPOCHS, batch_size=64, progress=False, rng=lesson.rng,
                             optimizer=mg.optim.Adam(model.parameters(), lr=1e-2),
                             on_epoch=lambda m, h, kind=kind: during[kind].update(
                                 {h.epochs: layer_gradient_norms(m, X_batch)}))
    print(f"{kind:>8}: training loss {histories[kind].train_loss[0]:.4f} → {histories[kind].train_loss[-1]:.4f}"
          f"  (mean image: {mean_image_loss:.4f})")

plain_final, residual_final = histories["plain"].train_loss[-1], histories["residual"].train_loss[-1]
lesson.checks.add("plain sigmoid AE stuck at the mean image: loss / mean-image loss", plain_final / mean_image_loss,
                  plain_final > 0.97 * mean_image_loss)
lesson.checks.add("residual AE learns: loss / mean-image loss", residual_final / mean_image_loss,
                  residual_final < lesson.pick(full=0.75, quick=0.95) * mean_image_loss)
after = {kind: during[kind][EPOCHS] for kind in during}
plain_after = float(after["plain"][0] / after["plain"][-1])
lesson.checks.add("after training, plain first/last layer gradient still < 1e-4", plain_after, plain_after < 1e-4)

# %%
fig, (ax_init, ax_train, ax_loss) = plt.subplots(1, 3, figsize=(17, 4.8), gridspec_kw=dict(width_ratios=[1, 1, 0.8]))
layers = np.arange(len(LAYER_NAMES))
styles = {"plain": dict(color="tab:red", marker="o"), "residual": dict(color="tab:blue", marker="s"),
          "plain tanh": dict(color="0.45", marker="^", ls="--")}
LABELS = {"plain": "plain, sigmoid", "residual": "residual, sigmoid", "plain tanh": "plain, tanh (for reference)"}
for kind, norms in at_init.items():
    ax_init.semilogy(layers, norms, label=LABELS[kind], **styles[kind])
ax_init.set_title("at initialisation: ‖∂L/∂Wₖ‖ per layer\n(plain and residual: identical weights)")
shown_epochs = sorted({1, EPOCHS // 3, EPOCHS})
shades = np.linspace(0.35, 1, len(shown_epochs))
for kind in ("plain", "residual"):
    for epoch, shade in zip(shown_epochs, shades):
        ax_train.semilogy(layers, during[kind][epoch], color=styles[kind]["color"], marker=styles[kind]["marker"],
                          alpha=shade, ms=4, label=f"{kind}, after epoch {epoch}")
ax_train.set_title("during training (sigmoid): the plain stack's profile\nstays a steep slope, the residual one flat")
for ax in (ax_init, ax_train):
    ax.set_xticks(layers, LAYER_NAMES, rotation=45)
    ax.axvline(len(SIZES) - 1.5, color="k", lw=0.6, ls=":")   # between the encoder and the decoder
    ax.set_xlabel("Linear layer (data flows left to right; the gradient right to left)")
    ax.set_ylabel("‖∂L/∂W‖  (log scale)")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=8)
for kind in ("plain", "residual"):
    ax_loss.plot(range(1, EPOCHS + 1), histories[kind].train_loss, color=styles[kind]["color"],
                 marker=styles[kind]["marker"], ms=4, label=LABELS[kind])
ax_loss.axhline(mean_image_loss, color="k", ls=":", label="predict the mean image")
ax_loss.set(xlabel="epoch", ylabel="training MSE per pixel", title="training loss, same weights at the start")
ax_loss.grid(alpha=0.3)
ax_loss.legend(fontsize=8)
lesson.show(fig, "20_gradient_flow")

# %% [markdown]
# Read the left panel from right to left, the way the gradient travels. The plain sigmoid stack's profile is
# a straight line on the log scale — the same factor lost at every layer, about 4, as σ′ ≤ ¼ predicted — so
# the encoder's first layer gets a gradient 10⁵ times smaller than the decoder's last. The residual model,
# with *identical weights*, keeps every layer within a factor of about 30 of the last: the identity paths
# carry the gradient past each σ′. Tanh with its Kaiming gain does not vanish at this depth either (tanh′(0)
# = 1, and the gain 5/3 makes up for its average below 1): vanishing is about the factors, and residual
# paths are the fix that does not depend on them.
#
# Training (middle, right): the plain sigmoid model cannot move its lower layers, learns a constant output —
# the mean digit — and its loss stops at the mean-image line. Adam rescales each parameter's step, which hides
# small gradients for a while, but not a gradient that carries no information about the input. The residual
# model trains.
#
# ## 4. Skip connections from the encoder to the decoder
# `SkipAutoencoder([64, 32, 16, 4])`: encoder 64 → 32 → 16 → code z ∈ ℝ⁴; the decoder reads z, then
# [d, h₂] (16 + 16 wide), then [d, h₁] (32 + 32). With `skip_connections=False` it is the plain mirrored
# autoencoder. A 4-number code is a tight bottleneck: the plain model must blur. Both train alike (Adam,
# η = 0.01, batch 64).
#
# Then the measurement. If the decoder really uses the code, replacing it must change the output. For each
# held-out image we decode, **keeping the skips from that image**:
#
# * its own code z (the reconstruction);
# * **zeros** in place of z;
# * **another image's code** (a random permutation of the codes);
# * **noise** with the codes' per-unit spread.
#
# The *code influence* is the mean squared change of the output when z is swapped for another image's code,
# as a fraction of the mean squared difference between two different images: ≈ 0.5 means the output follows
# the code about as far as one digit is from another, ≈ 0 means the code does not matter.

# %%
SKIP_SIZES = [64, 32, 16, 4]
SKIP_EPOCHS = lesson.pick(full=15, quick=6)
skip_models = {}
for skips in (False, True):
    model = SkipAutoencoder(SKIP_SIZES, skip_connections=skips, rng=np.random.default_rng(lesson.args.seed))
    mg.fit(model, X=X_train, epochs=SKIP_EPOCHS, batch_size=64, progress=False, rng=lesson.rng,
           optimizer=mg.optim.Adam(model.parameters(), lr=1e-2))
    skip_models["with skips" if skips else "no skips"] = model

permutation = lesson.rng.permutation(len(X_test))
pair_distance = float(((X_test - X_test[permutation]) ** 2).mean())


def decode_array(model, z, skips):
    with mg.no_grad():
        return model.decode(mg.tensor(z), skips).data


CODE_SWAPS = ("own code", "zeros", "another image's code", "noise")
errors, influence, outputs = {}, {}, {}
for name, model in skip_models.items():
    with mg.no_grad():
        z, skips = model.encode_with_skips(X_test)
    z = z.data
    codes = {"own code": z, "zeros": np.zeros_like(z), "another image's code": z[permutation],
             "noise": (lesson.rng.standard_normal(z.shape) * z.std(axis=0) + z.mean(axis=0)).astype(z.dtype)}
    outputs[name] = {swap: decode_array(model, code, skips) for swap, code in codes.items()}
    outputs[name]["code alone"] = decode_array(model, z, None)   # zeros in place of the skips
    errors[name] = {swap: float(((out - X_test) ** 2).mean()) for swap, out in outputs[name].items()}
    own = outputs[name]["own code"]
    influence[name] = float(((outputs[name]["another image's code"] - own) ** 2).mean()) / pair_distance
    print(f"{name:>10}: held-out MSE per pixel " + ", ".join(f"{swap} {e:.4f}" for swap, e in errors[name].items())
          + f";  code influence {influence[name]:.3f}")
print(f"(two different held-out images differ by {pair_distance:.4f} per pixel on average)")

own_code = {name: errors[name]["own code"] for name in errors}
lesson.checks.add("skips reconstruct better: MSE with / without", own_code["with skips"] / own_code["no skips"],
                  own_code["with skips"] < 0.5 * own_code["no skips"])
lesson.checks.add("with skips, another image's code still beats the plain AE's own code: MSE ratio",
                  errors["with skips"]["another image's code"] / own_code["no skips"],
                  errors["with skips"]["another image's code"] < own_code["no skips"])
lesson.checks.add("the code matters far less with skips: influence with / without",
                  influence["with skips"] / influence["no skips"],
                  influence["with skips"] < 0.3 * influence["no skips"])
lesson.checks.add("with skips, the code alone cannot reconstruct: MSE / own-code MSE",
                  errors["with skips"]["code alone"] / own_code["with skips"],
                  errors["with skips"]["code alone"] > 3 * own_code["with skips"])
lesson.record("code_influence_no_skips", influence["no skips"])
lesson.record("code_influence_with_skips", influence["with skips"])

# %%
shown = np.arange(10)
rows, titles = [X_test[shown]], ["held-out x"]
for name in skip_models:
    for swap in ("own code", "another image's code", "zeros"):
        rows.append(outputs[name][swap][shown])
        titles.append(f"{name}:\n{swap}")
rows.append(outputs["with skips"]["code alone"][shown])
titles.append("with skips:\ncode alone (no skips)")
mg.viz.image_grid(np.concatenate(rows), (8, 8), lesson.path("20_skip_swaps"), nrow=len(shown), row_titles=titles,
                  title="decode(code, skips of x): with another image's code the plain AE draws the other digit, "
                        "the skip AE still draws x")

fig, ax = plt.subplots(figsize=(9, 4.2))
swaps = (*CODE_SWAPS, "code alone")
positions = np.arange(len(swaps))
for offset, (name, colour) in zip((-0.2, 0.2), (("no skips", "tab:red"), ("with skips", "tab:blue"))):
    values = [errors[name][swap] for swap in swaps]
    bars = ax.bar(positions + offset, values, width=0.4, color=colour, label=f"{name} (code influence "
                  f"{influence[name]:.2f})")
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
ax.axhline(pair_distance, color="k", ls=":", lw=1, label="two different images")
ax.set_xticks(positions, ["own code", "zeros", "another image's\ncode", "noise", "code alone\n(skips zeroed)"])
ax.set(ylabel="held-out MSE per pixel against x", title="what the decoder gets → how well it reconstructs x "
       "(skips from x kept, except in the last group)")
ax.grid(alpha=0.3, axis="y")
ax.legend(fontsize=8)
lesson.show(fig, "20_code_influence")

# %% [markdown]
# The skip model reconstructs far better — and with **another image's code** it still reconstructs x better
# than the plain model does with x's own code. Its output hardly follows the code: swapping in another image's
# code moves it by 0.05 of the distance between two digits, against 0.64 for the plain model (default run).
# What it needs arrives through h₁, 32 numbers computed from the input, around the 4-number bottleneck.
# Decoding the code alone (zeros for the skips) gives nothing like x.
#
# So the two remedies are not alike. A **residual** connection stays inside the encoder or the decoder: it
# changes how the gradient flows, not what must pass through the code. An **encoder → decoder** skip goes
# around the code: the reconstruction gets sharp *because* the bottleneck no longer binds. For an autoencoder
# whose purpose is its code (compression, features, sampling, anomaly scores from a bottleneck) that defeats
# the point; U-Nets use such skips for image-to-image tasks, where nothing asks for a code. If you need both,
# measure the code's influence as above (or drop the outer skips, or drop skips at random during training).
#
# ## What held
# The residual block is x + f(x) with Jacobian I + J_f, checked by finite differences. In a ten-layer sigmoid
# autoencoder the gradient shrinks about fourfold per layer; the same weights in residual form pass it to
# every layer, and only that model trains. Encoder→decoder skips cut the reconstruction error but make the
# code nearly irrelevant.

# %%
lesson.finish()
