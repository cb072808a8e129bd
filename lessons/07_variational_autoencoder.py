# %% [markdown]
# # Lesson 7 — The variational autoencoder
#
# Reparameterization, the closed-form KL, and an ELBO-trained VAE that samples new digits.
#
# A plain autoencoder maps x to one code z. A **variational** autoencoder (Kingma & Welling, 2014)
# maps x to a *distribution* over codes, q(z|x) = N(μ(x), diag σ²(x)) with σ² = e^logvar, and
# learns a decoder p(x|z) such that codes drawn from the prior p(z) = N(0, I) decode to new data.
# It is trained by maximising the **evidence lower bound** (ELBO) on log p(x):
#
#     log p(x) ≥ ELBO(x) = E_{z~q(z|x)}[ log p(x|z) ]  −  KL( q(z|x) ‖ p(z) )
#
#     loss(x) = −ELBO(x) = reconstruction error (BCE summed over pixels, z sampled)
#                        + KL = −½ Σⱼ (1 + logvarⱼ − μⱼ² − e^logvarⱼ)       (closed form)
#
# Two ingredients make this trainable by backprop, and we check both before training anything:
# the **reparameterization trick** z = μ + σ ⊙ ε (a gradient *through* a random sample), and the
# **closed-form KL** (no sampling needed for the second term). Then we train a VAE, look at its ELBO
# curves, draw new digits from the prior, map a 2-D latent space and walk between two digits.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae.models import VAE, kl_grads, reparam_grads
from minigrad_ae.nn import functional as F

# a VAE's samples are worth looking at at 28×28, so this lesson defaults to the bundled MNIST sample
lesson = kit.start("Lesson 7: the variational autoencoder — reparameterization, closed-form KL, ELBO, "
                   "samples, a 2-D latent space, interpolation", data=True, default_data="mnist-sample")

# %% [markdown]
# ## 1. Why sampling needs a trick
# Inside the loss we need a z ~ N(μ, σ²). Drawn as `rng.normal(mu, sigma)` it is just a number: the
# graph ends there, and nothing tells μ or σ how moving them would change the loss. Yet we need
#
#     ∇_θ E_{z~N(μ,σ²)}[ f(z) ]        θ = (μ, logvar)
#
# There are two unbiased ways to estimate this gradient from samples.
#
# **Score function** (REINFORCE): differentiate the density, not the sample,
#
#     ∇_θ E[f(z)] = E[ f(z) ∇_θ log q(z) ],   ∇_μ log q = ε/σ,   ∇_logvar log q = ½(ε² − 1)
#
# (from log q(z) = −½ log 2π − ½ logvar − (z − μ)² / 2e^logvar, with ε = (z − μ)/σ). It needs only
# values of f — but it weighs each sample's f(z) by random signs, so its variance is large.
#
# **Pathwise** (reparameterization): write the sample as a differentiable function of θ and of noise
# that does not depend on θ,
#
#     z = μ + e^{½ logvar} ⊙ ε,   ε ~ N(0, I)     ⇒     ∇_θ E[f(z)] = E_ε[ ∇_θ f(μ + σε) ]
#
# Now z is an ordinary node of the graph: `backward()` gives ∂f/∂μ = f′(z) and
# ∂f/∂logvar = f′(z) · ½σε — exactly `reparam_grads(g_z = f′(z), logvar, ε)`.
#
# A tiny objective where we know the answer: f(z) = Σⱼ (zⱼ − cⱼ)² over d dimensions, so
# E[f] = Σⱼ (μⱼ − cⱼ)² + σⱼ², and the exact gradients are ∂/∂μⱼ = 2(μⱼ − cⱼ), ∂/∂logvarⱼ = σⱼ².

# %%
def pathwise_and_score(mu0, logvar0, target, n):
    """Per-sample gradient estimates of E[Σ (z − c)²] for n draws of ε: pathwise (autodiff) and score function.

    Returns dicts name -> (n, d) arrays for 'mu' and 'logvar', and the per-row ε and z.
    """
    # one leaf row per ε, so each row's .grad is that sample's own gradient estimate
    mu = mg.tensor(np.tile(mu0, (n, 1)), requires_grad=True)
    logvar = mg.tensor(np.tile(logvar0, (n, 1)), requires_grad=True)
    z, eps = F.reparameterize(mu, logvar, rng=lesson.rng)
    ((z - target) ** 2).sum().backward()
    pathwise = {"mu": mu.grad, "logvar": logvar.grad}
    f = ((z.data - target) ** 2).sum(axis=1, keepdims=True)  # the score function only needs f's values
    score = {"mu": f * eps / np.exp(0.5 * logvar0), "logvar": f * 0.5 * (eps ** 2 - 1)}
    return pathwise, score, eps, z.data


D = 4
N_DRAWS = lesson.pick(full=100_000, quick=20_000)
mu0, logvar0 = lesson.rng.normal(size=D), lesson.rng.uniform(-1.0, 0.5, size=D)
target = lesson.rng.normal(size=D)
exact = {"mu": 2 * (mu0 - target), "logvar": np.exp(logvar0)}
pathwise, score, eps, z_draws = pathwise_and_score(mu0, logvar0, target, N_DRAWS)

# the pathwise rows are the reparameterization chain rule with g_z = f'(z) = 2(z − c)
by_hand = reparam_grads(2 * (z_draws - target), logvar0, eps)
rel_path_hand = max(mg.relative_error(by_hand[0], pathwise["mu"]), mg.relative_error(by_hand[1], pathwise["logvar"]))
lesson.checks.add("pathwise autodiff rows = reparam_grads(f′(z)) rel err", rel_path_hand, rel_path_hand < 1e-12)

print(f"{N_DRAWS:,} draws, d = {D}; mean ± standard error of each estimator, coordinate j = 1:")
print(f"{'':14}{'exact':>10}{'pathwise':>22}{'score function':>24}{'variance ratio':>18}")
for name in ("mu", "logvar"):
    mean_p, mean_s = pathwise[name].mean(axis=0), score[name].mean(axis=0)
    se_p, se_s = pathwise[name].std(axis=0) / np.sqrt(N_DRAWS), score[name].std(axis=0) / np.sqrt(N_DRAWS)
    var_ratio = score[name].var(axis=0) / pathwise[name].var(axis=0)
    print(f"  ∂E[f]/∂{name:<6}{exact[name][0]:>10.4f}{mean_p[0]:>12.4f} ± {se_p[0]:.4f}"
          f"{mean_s[0]:>14.4f} ± {se_s[0]:.4f}{var_ratio[0]:>14.0f}×")
    z_path = np.abs(mean_p - exact[name]) / se_p
    z_score = np.abs(mean_s - exact[name]) / se_s
    z_agree = np.abs(mean_p - mean_s) / np.sqrt(se_p ** 2 + se_s ** 2)
    lesson.checks.add(f"pathwise ∂/∂{name} unbiased: max |mean − exact| / SE", float(z_path.max()), z_path.max() < 4)
    lesson.checks.add(f"score-fn ∂/∂{name} unbiased: max |mean − exact| / SE", float(z_score.max()), z_score.max() < 4)
    lesson.checks.add(f"pathwise = score-fn ∂/∂{name} within MC error (in SE)", float(z_agree.max()), z_agree.max() < 4)
    lesson.checks.add(f"score-fn / pathwise variance ∂/∂{name} (min over j)", float(var_ratio.min()),
                      var_ratio.min() > 5)

# %% [markdown]
# Both estimators centre on the exact gradient — both are unbiased — but the score function's single-sample
# estimates are spread far wider. The gap grows with the dimension: the score estimate for μ₁ is
# f(z)·ε₁/σ₁, and f sums *all* d coordinates, so every other coordinate's noise leaks into it, while the
# pathwise estimate 2(z₁ − c₁) only sees its own. A VAE has tens of latent units and a loss summed over
# hundreds of pixels: the pathwise estimator is what makes its training practical.

# %%
dims = [1, 4, 16, 64]
var_by_dim = {"pathwise": [], "score function": []}
for d in dims:
    mu_d, logvar_d = np.full(d, mu0[0]), np.full(d, logvar0[0])  # same first coordinate, more of them
    p, s, _, _ = pathwise_and_score(mu_d, logvar_d, np.full(d, target[0]), N_DRAWS // 4)
    var_by_dim["pathwise"].append(p["mu"][:, 0].var())
    var_by_dim["score function"].append(s["mu"][:, 0].var())
print("variance of the ∂/∂μ₁ estimate vs d: "
      + ", ".join(f"d={d}: {vp:.2f} vs {vs:.0f}" for d, vp, vs in zip(dims, *var_by_dim.values())))
lesson.checks.add("score-fn variance grows with d, pathwise stays (d=64 vs d=1)",
                  f"{var_by_dim['score function'][-1] / var_by_dim['score function'][0]:.0f}× vs "
                  f"{var_by_dim['pathwise'][-1] / var_by_dim['pathwise'][0]:.2f}×",
                  var_by_dim["score function"][-1] > 10 * var_by_dim["score function"][0]
                  and 0.8 < var_by_dim["pathwise"][-1] / var_by_dim["pathwise"][0] < 1.25)

# %%
fig, (ax_hist, ax_dim) = plt.subplots(1, 2, figsize=(12, 4.4))
spread = np.percentile(score["mu"][:, 0], [1, 99])
bins = np.linspace(*spread, 120)
ax_hist.hist(score["mu"][:, 0], bins=bins, alpha=0.6, density=True, color="tab:red",
             label=f"score function, var {score['mu'][:, 0].var():.1f}")
ax_hist.hist(pathwise["mu"][:, 0], bins=bins, alpha=0.7, density=True, color="tab:blue",
             label=f"pathwise, var {pathwise['mu'][:, 0].var():.2f}")
ax_hist.axvline(exact["mu"][0], color="k", ls="--", label=f"exact ∂E[f]/∂μ₁ = {exact['mu'][0]:.2f}")
ax_hist.set(xlabel="single-sample estimate of ∂E[f]/∂μ₁", ylabel="density",
            title=f"{N_DRAWS:,} one-sample gradient estimates, d = {D}\n(both unbiased; 1st–99th percentile shown)")
ax_hist.legend(fontsize=9)
for name, values in var_by_dim.items():
    ax_dim.plot(dims, values, marker="o", label=name, color="tab:blue" if name == "pathwise" else "tab:red")
ax_dim.set(xscale="log", yscale="log", xlabel="latent dimension d (log scale)",
           ylabel="variance of the ∂/∂μ₁ estimate (log scale)",
           title="f(z) = Σⱼ (zⱼ − cⱼ)²: the score function's variance grows with d")
ax_dim.set_xticks(dims, [str(d) for d in dims])
ax_dim.grid(alpha=0.3)
ax_dim.legend()
lesson.show(fig, "07_gradient_estimators")

# %% [markdown]
# ## 2. The KL term in closed form, against Monte Carlo
# For q = N(μ, diag σ²) and p = N(0, I) the KL divergence has a closed form, summed over latent units:
#
#     KL(q ‖ p) = E_q[ log q(z) − log p(z) ] = −½ Σⱼ (1 + logvarⱼ − μⱼ² − e^logvarⱼ)
#
# (each unit: E_q[−½ logvar − ½ε² + ½z²] = −½ logvar − ½ + ½(μ² + σ²); the ½ log 2π terms cancel).
# We write it by hand, compare with `F.gaussian_kl`, and estimate the same expectation by sampling:
# the mean of log q(z) − log p(z) over n draws, with standard error s/√n. The closed form should sit
# within a few standard errors — and it is exact, while the MC estimate is noisy; that is why the VAE
# loss samples only the reconstruction term.

# %%
N_KL = lesson.pick(full=200_000, quick=50_000)
mu_q, logvar_q = lesson.rng.normal(size=6), lesson.rng.uniform(-1.5, 1.0, size=6)
kl_by_hand = -0.5 * np.sum(1 + logvar_q - mu_q ** 2 - np.exp(logvar_q))
kl_package = F.gaussian_kl(mu_q[None], logvar_q[None]).item()

z_q, eps_q = F.reparameterize(mu_q + np.zeros((N_KL, 6)), logvar_q + np.zeros((N_KL, 6)), rng=lesson.rng)
log_ratio = (-0.5 * logvar_q - 0.5 * eps_q ** 2 + 0.5 * z_q.data ** 2).sum(axis=1)  # log q(z) − log p(z)
kl_mc, kl_se = log_ratio.mean(), log_ratio.std() / np.sqrt(N_KL)
print(f"KL closed form: by hand {kl_by_hand:.6f}, F.gaussian_kl {kl_package:.6f}; "
      f"Monte Carlo ({N_KL:,} draws) {kl_mc:.4f} ± {kl_se:.4f}")
lesson.checks.add("F.gaussian_kl = −½Σ(1 + logvar − μ² − e^logvar) by hand", abs(kl_package - kl_by_hand),
                  abs(kl_package - kl_by_hand) < 1e-12)
lesson.checks.add("closed-form KL vs MC: |difference| / SE (< 4)", abs(kl_mc - kl_package) / kl_se,
                  abs(kl_mc - kl_package) < 4 * kl_se)

# %% [markdown]
# ## 3. The hand-derived gradients, three ways
# `vae.py` writes the two gradients a VAE adds to an ordinary autoencoder from their formulas:
#
#     kl_grads:      ∂KL/∂μ = μ,           ∂KL/∂logvar = ½(e^logvar − 1)
#     reparam_grads: ∂L/∂μ = g_z,          ∂L/∂logvar = g_z ⊙ ½ e^{½ logvar} ⊙ ε      (g_z = ∂L/∂z)
#
# We hold each against `backward()` and against central differences, in float64, with a random upstream
# gradient (a weight per sample for the KL, a random g_z for z) so a gradient that ignored its upstream
# would fail.

# %%
B, K = 5, 3
mu_h, logvar_h = lesson.rng.normal(size=(B, K)), lesson.rng.uniform(-1.5, 1.0, size=(B, K))
weight_per_sample = lesson.rng.normal(size=B)
eps_h, g_z = lesson.rng.standard_normal((B, K)), lesson.rng.standard_normal((B, K))


def weighted_kl(mu, logvar):
    return (F.gaussian_kl(mu, logvar, reduction="none") * weight_per_sample).sum()


def z_of(mu, logvar):
    return F.reparameterize(mu, logvar, eps=eps_h)[0]


for label, fn, grad_output, hand in [
        ("kl_grads", weighted_kl, None, [weight_per_sample[:, None] * g for g in kl_grads(mu_h, logvar_h)]),
        ("reparam_grads", z_of, g_z, list(reparam_grads(g_z, logvar_h, eps_h)))]:
    mu_t, logvar_t = mg.tensor(mu_h, requires_grad=True), mg.tensor(logvar_h, requires_grad=True)
    fn(mu_t, logvar_t).backward(grad_output)
    auto = [mu_t.grad, logvar_t.grad]
    numeric = mg.numerical_grad(fn, [mu_h, logvar_h], grad_output=grad_output)
    errors = {"hand vs autodiff": max(mg.relative_error(h, a) for h, a in zip(hand, auto)),
              "hand vs finite diff": max(mg.relative_error(h, n) for h, n in zip(hand, numeric)),
              "autodiff vs finite diff": max(mg.relative_error(a, n) for a, n in zip(auto, numeric))}
    for pair, err in errors.items():
        lesson.checks.add(f"{label}: {pair} rel err", err, err < 1e-9)
    print(f"{label:<14}" + "   ".join(f"{pair} {err:.1e}" for pair, err in errors.items()))

# %% [markdown]
# The two pieces assemble the gradient of the whole loss with respect to the encoder's outputs. With a
# batch of B samples, loss = 1/B Σ (reconstruction + KL) and z = μ + σε, so
#
#     ∂loss/∂μ = g_z + μ/B,     ∂loss/∂logvar = g_z ⊙ ½σε + ½(e^logvar − 1)/B,     g_z = ∂loss/∂z
#
# Build the loss from a small float64 VAE's own pieces, run one `backward()`, read g_z off the z node
# (intermediate tensors keep their `.grad`), and compare with the encoder outputs' gradients.

# %%
small = VAE(12, 8, K, rng=lesson.rng, dtype=np.float64)
x_small, eps_small = lesson.rng.uniform(size=(B, 12)), lesson.rng.standard_normal((B, K))
mu_t, logvar_t = small.encode(x_small)
z_t, _ = F.reparameterize(mu_t, logvar_t, eps=eps_small)
recon_t = F.binary_cross_entropy_with_logits(small.decoder(z_t), x_small, reduction="none").sum(axis=-1)
loss_t = (recon_t + F.gaussian_kl(mu_t, logvar_t, reduction="none")).mean()
loss_t.backward()
g_mu_path, g_logvar_path = reparam_grads(z_t.grad, logvar_t.data, eps_small)
g_mu_kl, g_logvar_kl = kl_grads(mu_t.data, logvar_t.data)
assembled_error = max(mg.relative_error(g_mu_path + g_mu_kl / B, mu_t.grad),
                      mg.relative_error(g_logvar_path + g_logvar_kl / B, logvar_t.grad))
package_loss = small.loss(x_small, eps=eps_small).item()
print(f"loss built by hand {loss_t.item():.10f} = VAE.loss {package_loss:.10f}; "
      f"assembled ∂loss/∂(μ, logvar) vs autodiff rel err {assembled_error:.1e}")
lesson.checks.add("loss from the pieces = VAE.loss(x, eps)", abs(loss_t.item() - package_loss),
                  np.isclose(loss_t.item(), package_loss, rtol=1e-12))
lesson.checks.add("reparam_grads(g_z) + kl_grads/B = autodiff ∂loss/∂(μ, logvar)", assembled_error,
                  assembled_error < 1e-9)

# %% [markdown]
# ## 4. Training a VAE: the ELBO curves
# The data: the bundled 5,000-image MNIST sample by default (4,000 training, 1,000 held-out images),
# the 8×8 digits with `--data digits` (with smaller nets), or full MNIST with `--data mnist`
# (downloaded once; a random 10,000 training images keep it short).
#
# The model is the classic one from pytorch/examples: 784 → 400 → (μ, logvar) ∈ ℝ²⁰ → 400 → 784, ReLU,
# a Bernoulli decoder (logits, BCE), Adam η = 10⁻³, batch 64 (on the 8×8 digits: 64 → 128 → ℝ⁸ → 128 → 64).
# After every epoch we measure the held-out −ELBO and its two parts. The −ELBO per image is in nats: BCE
# summed over the pixels plus the KL.

# %%
SETTINGS = {  # hidden width, latent size, epochs (default, quick); the same for the 2-D model of section 6
    "digits": dict(hidden=128, latent=8, epochs=(40, 3), hidden_2d=[64, 16], epochs_2d=(40, 6), shape=(8, 8)),
    "mnist-sample": dict(hidden=400, latent=20, epochs=(10, 1), hidden_2d=[256, 64], epochs_2d=(12, 3),
                         shape=(28, 28)),
    "mnist": dict(hidden=400, latent=20, epochs=(10, 1), hidden_2d=[256, 64], epochs_2d=(12, 3), shape=(28, 28)),
}
setting = SETTINGS[lesson.args.data]
X_train, y_train, X_test, y_test = kit.load_lesson_data(lesson.args.data, lesson.rng)
if lesson.args.data == "mnist":
    X_test, y_test = X_test[:2000], y_test[:2000]  # enough for the curves and the scatter, and quick to score
if lesson.args.quick:  # a slice: one short epoch still has to lower the held-out −ELBO
    X_train, y_train, X_test, y_test = X_train[:1000], y_train[:1000], X_test[:500], y_test[:500]

SHAPE, N_PIXELS = setting["shape"], X_train.shape[1]
EPOCHS = lesson.pick(full=setting["epochs"][0], quick=setting["epochs"][1])
BATCH, LR = 64, 1e-3
print(f"{lesson.args.data}: {len(X_train)} training and {len(X_test)} held-out images of {N_PIXELS} pixels; "
      f"VAE {N_PIXELS}-{setting['hidden']}-{setting['latent']}, {EPOCHS} epochs")


def heldout_terms(model, X):
    """Mean reconstruction error and mean KL per image (one ε per image), without a graph."""
    with mg.no_grad():
        recon, kl = model.per_sample_terms(X)
    return float(recon.data.mean()), float(kl.data.mean())


def train_vae(model, epochs, X_fit, X_eval, lr=LR):
    """Train with Adam and record the held-out terms after every epoch (fit's on_epoch)."""
    curves = {"train": [], "held-out": [], "held-out reconstruction": [], "held-out KL": []}

    def record(train_value):
        recon, kl = heldout_terms(model, X_eval)
        curves["train"].append(train_value)
        curves["held-out"].append(recon + kl)
        curves["held-out reconstruction"].append(recon)
        curves["held-out KL"].append(kl)

    def after_epoch(model, history):
        record(history.train_loss[-1])
        if epochs > 15 and history.epochs % 5 and history.epochs != epochs:  # long runs (digits): every 5th epoch
            return
        print(f"  epoch {history.epochs:2d}: train −ELBO {curves['train'][-1]:7.2f}   held-out −ELBO "
              f"{curves['held-out'][-1]:7.2f} = reconstruction {curves['held-out reconstruction'][-1]:7.2f} "
              f"+ KL {curves['held-out KL'][-1]:5.2f}   ({history.time[-1]:.1f} s)")

    record(-model.elbo(X_fit).mean())  # epoch 0: the untrained model
    print(f"  epoch  0: −ELBO train {curves['train'][0]:7.2f}, held-out {curves['held-out'][0]:7.2f} (untrained)")
    mg.fit(model, X=X_fit, epochs=epochs, batch_size=BATCH, optimizer=mg.optim.Adam(model.parameters(), lr=lr),
           progress=False, rng=lesson.rng, on_epoch=after_epoch)
    return curves


vae = VAE(N_PIXELS, setting["hidden"], setting["latent"], rng=lesson.rng)
train_started = time.perf_counter()
curves = train_vae(vae, EPOCHS, X_train, X_test)
print(f"trained in {time.perf_counter() - train_started:.1f} s")

start_value, end_value = curves["held-out"][0], curves["held-out"][-1]
# quick mode is one epoch on 1,000 images: a real but smaller drop
threshold = lesson.pick(full=0.6, quick=0.9)
lesson.checks.add(f"held-out −ELBO: final / epoch 0 (< {threshold})", f"{end_value:.0f}/{start_value:.0f} = "
                  f"{end_value / start_value:.2f}", end_value < threshold * start_value)
lesson.record("VAE data", lesson.args.data)
lesson.record("VAE sizes", f"{N_PIXELS}-{setting['hidden']}-{setting['latent']}")
lesson.record("VAE epochs", EPOCHS)
lesson.record("VAE held-out negative ELBO, untrained (nats)", start_value)
lesson.record("VAE held-out negative ELBO, trained (nats)", end_value)

# %%
epochs_axis = np.arange(len(curves["train"]))
fig, (ax_elbo, ax_parts) = plt.subplots(1, 2, figsize=(12, 4.4))
ax_elbo.plot(epochs_axis, curves["train"], marker="o", label="train (mean over the epoch's batches)")
ax_elbo.plot(epochs_axis, curves["held-out"], marker="o", label="held-out (after the epoch)")
ax_elbo.set(xlabel="epoch (0 = untrained)", ylabel="−ELBO per image (nats, log scale)", yscale="log",
            title=f"VAE {N_PIXELS}-{setting['hidden']}-{setting['latent']} on {lesson.args.data}: −ELBO per epoch")
# one log axis for both terms: twin axes would scale them separately and make unequal values look alike
ax_parts.plot(epochs_axis, curves["held-out"], ls="--", color="tab:orange", label="held-out −ELBO (their sum)")
ax_parts.plot(epochs_axis, curves["held-out reconstruction"], marker="o", color="tab:green",
              label="reconstruction (BCE summed over pixels)")
ax_parts.plot(epochs_axis, curves["held-out KL"], marker="s", color="tab:purple", label="KL(q(z|x) ‖ N(0, I))")
ax_parts.set(xlabel="epoch (0 = untrained)", ylabel="nats per image (log scale)", yscale="log",
             title="held-out −ELBO = reconstruction + KL")
ax_parts.legend(loc="lower right")
# plain numbers on the log axis: the curve spans a few hundred nats, not decades
nice = [t for t in (10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 1500)
        if 0.9 * min(curves["train"] + curves["held-out"]) <= t <= 1.1 * max(curves["train"] + curves["held-out"])]
ax_elbo.set_yticks(nice, [str(t) for t in nice])
ax_elbo.minorticks_off()
for ax in (ax_elbo, ax_parts):
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax_elbo.legend()
lesson.show(fig, "07_elbo_curves")

# %% [markdown]
# Read the two panels together (the right one on a log scale: the KL is an order of magnitude smaller than
# the reconstruction term, and one axis keeps the two comparable). At epoch 0 the KL is near 0 — the
# untrained encoder outputs μ ≈ 0, logvar ≈ 0, which *is* the prior — and the reconstruction term is worse
# than the N_pixels · log 2 nats of a decoder that outputs 0.5 for every pixel (printed below). Training
# buys reconstruction with KL: the codes move away from the prior so that they carry information about x,
# and the KL — the price, in nats, of that information — rises while the total falls. The training curve
# is the mean over each epoch's batches while the weights still move, so in the first epochs it lies above
# the held-out one; by the last epochs it sits a few nats below it, the first sign of fitting the training
# images more than new ones.
#
# How many of the latent units does the model use? A unit whose KL is ≈ 0 on every image is switched
# off (its q(zⱼ|x) is the prior, whatever x): the VAE spends information only where it pays. The run
# prints how many carry information; lesson 15 makes the KL dearer (β-VAE) until units switch off.

# %%
print(f"epoch 0: held-out reconstruction {curves['held-out reconstruction'][0]:.0f} nats vs "
      f"N_pixels · log 2 = {N_PIXELS * np.log(2):.0f} for a constant 0.5; KL {curves['held-out KL'][0]:.2f}")
with mg.no_grad():
    mu_test, logvar_test = (t.data.astype(np.float64) for t in vae.encode(X_test))
kl_per_unit = (-0.5 * (1 + logvar_test - mu_test ** 2 - np.exp(logvar_test))).mean(axis=0)
active = kl_per_unit > 0.05
print("mean KL per latent unit (nats): " + " ".join(f"{v:.2f}" for v in np.sort(kl_per_unit)[::-1]))
n_active, n_latent = int(active.sum()), setting["latent"]
print(f"{n_active} of {n_latent} units carry more than 0.05 nats: "
      + (f"the other {n_latent - n_active} stay at the prior" if n_active < n_latent else "none is switched off"))

# %% [markdown]
# ## 5. New digits from the prior
# Generation is the decoder alone: z ~ N(0, I), x = decode(z) (we show the pixel probabilities
# σ(logits), not binary samples from them). Above them, for comparison, held-out digits and their
# reconstructions decode(μ(x)).

# %%
N_SHOW = 10
SAMPLE_ROWS = lesson.pick(full=4, quick=2)  # --quick trains one short epoch: its samples are mostly noise
samples = vae.sample(SAMPLE_ROWS * N_SHOW, lesson.rng)
with mg.no_grad():
    reconstructions = vae(X_test[:N_SHOW]).data
mg.viz.image_grid(np.concatenate([X_test[:N_SHOW], reconstructions, samples]), SHAPE,
                  lesson.path("07_samples"), nrow=N_SHOW,
                  row_titles=["held-out x", "decode(μ(x))"] + ["decode(z)"] * SAMPLE_ROWS,
                  title=f"VAE on {lesson.args.data}: held-out digits and their reconstructions (rows 1–2); "
                        f"{len(samples)} new samples, z ~ N(0, I) (rows 3–{2 + SAMPLE_ROWS})")


def mean_pairwise_distance(images):
    """Mean Euclidean distance between all pairs of rows."""
    squared = (images ** 2).sum(axis=1)
    d2 = np.maximum(squared[:, None] + squared[None, :] - 2 * images @ images.T, 0)
    return np.sqrt(d2[np.triu_indices(len(images), 1)]).mean()


spread_samples = mean_pairwise_distance(samples.astype(np.float64))
spread_real = mean_pairwise_distance(X_test[:len(samples)].astype(np.float64))
print(f"mean pairwise distance: samples {spread_samples:.2f}, real held-out digits {spread_real:.2f}")
lesson.checks.add("samples are pixel probabilities in [0, 1]", f"[{samples.min():.2g}, {samples.max():.2g}]",
                  samples.min() >= 0 and samples.max() <= 1)
lesson.checks.add("samples differ: pairwise distance / real digits' (> 0.3)", spread_samples / spread_real,
                  spread_samples > 0.3 * spread_real)

# %% [markdown]
# What the grid shows (default run, seed 0). The reconstructions keep each digit's identity and slant but
# are softer than the inputs: thin strokes come back thicker and grey at the edges, and an unusual 8 comes
# back as a vaguer loop. The 40 samples from the prior are all stroke images on a dark background, about
# half to two thirds of them readable as a digit (3s, 5s, 7s, 8s, 9s, 0s, 6s), blurrier than the
# reconstructions; the rest are blends of two digits or broken strokes, with faint speckle around them.
# Two reasons, both about the VAE rather than a bug:
#
# * the decoder outputs pixel *probabilities*: where it is unsure whether a stroke passes, it paints grey, the
#   average of the possibilities (a factorised likelihood cannot say "either here or there");
# * the KL pulls each q(z|x) towards N(0, I), but the codes of all training images together do not fill
#   N(0, I) evenly: some prior draws land between the clusters, where the decoder has seen few codes and
#   mixes digits.
#
# The samples are also less varied than real digits (their mean pairwise distance, measured above, is about
# two thirds of the real digits'): blur pulls images towards the average. (With `--quick`, one epoch on
# 1,000 images, the reconstructions are one grey average digit and the samples mostly noise.)
#
# ## 6. A 2-D latent space you can see
# With n_latent = 2 the whole code space fits on a page. We train a second VAE and scatter the held-out
# codes μ(x), coloured by digit — labels the VAE never saw. Two latent units squeeze 784 pixels hard and
# learn slowly, so this one gets a two-layer encoder and decoder and a larger step, η = 3·10⁻³ (measured
# on this data: more held-out ELBO and better-separated digits after the same number of epochs).
#
# How well do the 2-D codes group the digits? We classify each held-out code by a vote of its 5 nearest
# training codes: chance is 10%.

# %%
LR_2D = 3e-3
vae_2d = VAE(N_PIXELS, setting["hidden_2d"], 2, rng=lesson.rng)
epochs_2d = lesson.pick(full=setting["epochs_2d"][0], quick=setting["epochs_2d"][1])
print(f"2-D VAE {N_PIXELS}-{'-'.join(map(str, setting['hidden_2d']))}-2, η = {LR_2D}, {epochs_2d} epochs")
curves_2d = train_vae(vae_2d, epochs_2d, X_train, X_test, lr=LR_2D)
with mg.no_grad():
    codes_test = vae_2d.encode(X_test)[0].data
    codes_train = vae_2d.encode(X_train)[0].data
mg.viz.latent_scatter(codes_test, y_test, lesson.path("07_latent_2d_scatter"),
                      title="2-D VAE: held-out codes μ(x), coloured by digit")

reference, reference_labels = codes_train[:4000], y_train[:4000]  # at most 4,000 neighbours to search
squared_distances = ((codes_test[:, None, :] - reference[None, :, :]) ** 2).sum(axis=-1)
nearest = np.argpartition(squared_distances, 5, axis=1)[:, :5]
votes = np.apply_along_axis(np.bincount, 1, reference_labels[nearest], minlength=10)
knn_accuracy = float(np.mean(votes.argmax(axis=1) == y_test))
print(f"5-nearest-neighbour digit accuracy from the 2-D codes: {knn_accuracy:.1%} (chance 10%)")
# quick mode: 3 epochs on 1,000 images, measured ≈ 31–36%; default ≈ 60%
knn_needed = lesson.pick(full=0.45, quick=0.2)
lesson.checks.add(f"2-D codes group digits: 5-NN accuracy (> {knn_needed:.0%}; chance 10%)", f"{knn_accuracy:.1%}",
                  knn_accuracy > knn_needed)

# %% [markdown]
# In the default run (seed 0) the 1s sit apart in their own cluster, the 0s below the middle and the 6s
# next to them; 3, 5 and 8 overlap on the left and 4, 7 and 9 on the right — the digits that share strokes
# share codes. The VAE was never told the labels: this grouping is what reconstruction under a KL budget
# of a few nats found on its own.
#
# Then we decode a grid of z values: the **manifold** the decoder has learned, each point of the plane
# one image. Compare it with the scatter: each region of the plane decodes to the digit whose codes live there.

# %%
GRID = 12
# equally spaced in z over ±2 standard deviations of the prior (about 95% of its mass per axis)
z_axis = np.linspace(-2, 2, GRID)
z1, z2 = np.meshgrid(z_axis, z_axis[::-1])  # z₂ grows upwards, as on the scatter plot
with mg.no_grad():
    decoded = vae_2d.decode(np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)).data
# one image per tile, with a 1-pixel gap (NaN, drawn white) so small 8×8 tiles do not run together
h, w = SHAPE
tiles = np.pad(decoded.reshape(GRID, GRID, h, w), ((0, 0), (0, 0), (0, 1), (0, 1)), constant_values=np.nan)
mosaic = tiles.transpose(0, 2, 1, 3).reshape(GRID * (h + 1), GRID * (w + 1))[:-1, :-1]
grey_with_gaps = plt.get_cmap("gray").with_extremes(bad="white")
fig, ax = plt.subplots(figsize=(6.6, 6.2))
step = z_axis[1] - z_axis[0]
ax.imshow(mosaic, cmap=grey_with_gaps, vmin=0, vmax=1, interpolation="nearest",
          extent=[-2 - step / 2, 2 + step / 2, -2 - step / 2, 2 + step / 2])
ax.set(xlabel="$z_1$", ylabel="$z_2$", title=f"2-D VAE: decode(z) on a {GRID}×{GRID} grid, z ∈ [−2, 2]²")
lesson.show(fig, "07_latent_2d_manifold")

# %% [markdown]
# ## 7. Walking between two digits
# Encode two held-out digits of different classes, take their means μ₀, μ₁, and decode points on the
# line z = (1 − t) μ₀ + t μ₁ (`interpolate`). For contrast, the bottom row blends the two *images*
# directly, (1 − t) x₀ + t x₁: a cross-fade with two ghosts, where the latent path passes through
# shapes the decoder considers digits.

# %%
STEPS = 10
pair_labels = (0, 6)
i0, i1 = (int(np.flatnonzero(y_test == label)[0]) for label in pair_labels)
mu_pair = vae.encode(X_test[[i0, i1]])[0].data.astype(np.float64)
latent_path = vae.interpolate(mu_pair[0], mu_pair[1], STEPS)
t = np.linspace(0, 1, STEPS)[:, None]
pixel_path = (1 - t) * X_test[i0] + t * X_test[i1]
mg.viz.image_grid(np.concatenate([latent_path, pixel_path]), SHAPE, lesson.path("07_interpolation"),
                  nrow=STEPS, row_titles=["decode((1−t)μ₀ + tμ₁)", "(1−t)x₀ + tx₁"],
                  title=f"from a held-out {pair_labels[0]} to a {pair_labels[1]}, t = 0 … 1: "
                        "latent interpolation (top) vs pixel cross-fade (bottom)")
with mg.no_grad():
    ends = vae(X_test[[i0, i1]]).data
lesson.checks.add("interpolate: the ends are decode(μ₀), decode(μ₁)", float(np.abs(latent_path[[0, -1]] - ends).max()),
                  np.allclose(latent_path[[0, -1]], ends, atol=1e-5))

# %% [markdown]
# In the default run the latent path from 0 to 6 stays one clean stroke at every step: the 0's top right
# opens and its lower half curls into the 6's small loop. The cross-fade instead shows both digits at half
# brightness in the middle — two ghosts, an image no one would write. Nearby codes decode to similar
# images, and the line between two codes passes through plausible digits: that smoothness is what the
# KL term buys (a plain autoencoder's code space has no reason to be smooth between training codes).
#
# ## What held
# The pathwise and score-function estimators agree on the gradient of an expectation, and the pathwise one —
# the reparameterization trick — has far lower variance; the closed-form KL matches its Monte-Carlo
# estimate; the hand-derived KL and reparameterization gradients agree with autodiff and with finite
# differences. Trained on the ELBO, the VAE cuts its held-out −ELBO by trading a little KL for much better
# reconstructions, and its decoder turns samples from N(0, I) into new digits.

# %%
lesson.finish()
