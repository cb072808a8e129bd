# %% [markdown]
# # Lesson 15 — Rate and distortion: the β-VAE sweep
#
# Sweep β in the VAE loss D + β·R and trace the rate–distortion curve of the code.
#
# Lesson 7 trained a VAE on the negative ELBO, reconstruction + KL. Read through the lens of
# **information theory** (the *information bottleneck*, Alemi et al. 2018 "Fixing a Broken ELBO"),
# the two terms are a **distortion** and a **rate**:
#
#     D = E_x E_{z~q(z|x)} [ −log p(x|z) ]          how badly x comes back (nats per image)
#     R = E_x KL( q(z|x) ‖ p(z) )                      how many nats the code spends per image
#
#     β-VAE loss = D + β·R        (β = 1: the negative ELBO; Higgins et al. 2017 use β > 1)
#
# The rate is an **upper bound on the information** the code carries about the input:
#
#     R = I(x; z) + KL( q(z) ‖ p(z) )  ≥  I(x; z),      q(z) = E_x q(z|x)  (the aggregate posterior)
#
# so a small R forces a code that says little about x, and then the decoder cannot reconstruct well:
# D goes up. β sets the exchange rate. Minimising D + β·R is a Lagrangian: of all (R, D) pairs the model
# can reach, it picks the one where a line of slope −β touches the curve from below. Sweeping β traces the
# **rate–distortion curve**. We train one VAE per β, measure R and D on held-out images, plot the curve, and
# count the latent units still in use: at large β, units **collapse** to the prior and carry nothing.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae.models import VAE

lesson = kit.start("Lesson 15: rate and distortion — a β-VAE sweep, the R–D curve, active units, "
                   "posterior collapse", data=True)

# %% [markdown]
# ## 1. The data and the sweep
# The bundled 8×8 digits by default (split 80/20, the sizes are printed below; pixels k/16 in [0, 1]),
# the 5,000-image MNIST sample with `--data mnist-sample`, or 10,000 full-MNIST images with `--data mnist`.
# Every VAE is the same small network (on digits 64 → 64 → (μ, logvar) ∈ ℝ⁸ → 64 → 64, Bernoulli decoder;
# on 28×28 images 784 → 128 → ℝ¹⁶ → 128 → 784),
# trained with Adam; only β changes. All start from the **same initial weights**, so the differences
# between them are β's doing, not the luck of the initialisation.

# %%
# hidden width, latent units, epochs and β values (default, quick), image shape. On 28×28 images D is ~100
# nats, not ~20, so the rate has to be made dearer (larger β) before the code collapses.
SETTINGS = {
    "digits": dict(hidden=64, latent=8, epochs=(30, 12), shape=(8, 8),
                   betas=([0.03, 0.1, 0.3, 1.0, 2.0, 3.0, 10.0], [0.1, 1.0, 10.0])),
    "mnist-sample": dict(hidden=128, latent=16, epochs=(5, 2), shape=(28, 28),
                         betas=([0.1, 0.3, 1.0, 3.0, 10.0, 30.0], [0.1, 1.0, 30.0])),
    "mnist": dict(hidden=128, latent=16, epochs=(3, 1), shape=(28, 28),
                  betas=([0.1, 0.3, 1.0, 3.0, 10.0, 30.0], [0.1, 1.0, 30.0])),
}
setting = SETTINGS[lesson.args.data]
X_train, y_train, X_test, y_test = kit.load_lesson_data(lesson.args.data, lesson.rng)
if lesson.args.data == "mnist":
    X_test, y_test = X_test[:1000], y_test[:1000]
if lesson.args.quick and lesson.args.data != "digits":  # digits are small enough to keep whole
    X_train, X_test = X_train[:1000], X_test[:300]

# quick mode keeps the two ends and the middle of the sweep: the checks compare the ends
BETAS = lesson.pick(full=setting["betas"][0], quick=setting["betas"][1])
EPOCHS = lesson.pick(full=setting["epochs"][0], quick=setting["epochs"][1])
SHAPE, N_PIXELS, LATENT = setting["shape"], X_train.shape[1], setting["latent"]
LR, BATCH = 3e-3, 64
print(f"{lesson.args.data}: {len(X_train)} training / {len(X_test)} held-out images of {N_PIXELS} pixels; "
      f"VAE {N_PIXELS}-{setting['hidden']}-{LATENT}, {EPOCHS} epochs per β, β ∈ {BETAS}")

# %% [markdown]
# ## 2. The loss is D + β·R, term by term
# `VAE.per_sample_terms(x, eps)` returns, per image, the reconstruction error −log p(x|z) (BCE summed over
# pixels, at one sampled z) and the closed-form KL(q(z|x) ‖ N(0, I)). Their batch means are D and R, and
# `VAE.loss` should be exactly D + β·R for the same ε — we check it on an untrained model.

# %%
template = VAE(N_PIXELS, setting["hidden"], LATENT, rng=lesson.rng)
initial_weights = template.state_dict()  # copies: every β starts here
probe = VAE(N_PIXELS, setting["hidden"], LATENT, beta=3.0, rng=lesson.rng)
eps_probe = lesson.rng.standard_normal((64, LATENT))
with mg.no_grad():
    recon_probe, kl_probe = probe.per_sample_terms(X_train[:64], eps=eps_probe)
    loss_probe = probe.loss(X_train[:64], eps=eps_probe).item()
by_hand = recon_probe.data.mean() + 3.0 * kl_probe.data.mean()
print(f"β = 3: VAE.loss {loss_probe:.6f}  vs  D + β·R by hand {by_hand:.6f}")
lesson.checks.add("VAE.loss = D + β·R from per_sample_terms (β = 3)", abs(loss_probe - by_hand),
                  np.isclose(loss_probe, by_hand, rtol=1e-5))

# %% [markdown]
# ## 3. Train one VAE per β and measure it on held-out images
# For each model, on the held-out set:
#
# * **R**: the mean closed-form KL — exact, no sampling;
# * **D**: the mean reconstruction error, averaged over 10 draws of ε per image (one draw is noisy);
# * **−ELBO = D + R** (the β = 1 loss, whatever β the model was trained with): the bound on −log p(x);
# * **active units**: unit j is active if its posterior mean moves with the input,
#   Varₓ[ μⱼ(x) ] > 0.01 (Burda et al. 2015). An inactive unit outputs the same μⱼ for every x: whatever
#   it samples, it tells the decoder nothing about x.

# %%
N_EVAL_DRAWS, ACTIVE_THRESHOLD = 10, 0.01


def measure(model, X):
    """Held-out D (mean over N_EVAL_DRAWS draws of ε), R (exact), Varₓ μⱼ(x) per unit, and the (μ, logvar)."""
    with mg.no_grad():
        distortion = np.mean([model.per_sample_terms(X)[0].data.mean() for _ in range(N_EVAL_DRAWS)])
        _, kl = model.per_sample_terms(X)  # the KL is closed-form: any draw of ε gives the same value
        mu, logvar = (t.data.astype(np.float64) for t in model.encode(X))
    return dict(D=float(distortion), R=float(kl.data.mean()), mu_variance=mu.var(axis=0), mu=mu, logvar=logvar)


results = {}
for beta in BETAS:
    tic = time.perf_counter()
    model = VAE(N_PIXELS, setting["hidden"], LATENT, beta=beta, rng=lesson.rng)
    model.load_state_dict(initial_weights)
    optimizer = mg.optim.Adam(model.parameters(), lr=LR)
    mg.fit(model, lambda m, xb: m.loss(xb), X_train, epochs=EPOCHS, batch_size=BATCH, optimizer=optimizer,
           progress=False, rng=lesson.rng)
    result = measure(model, X_test)
    result["active"] = int((result["mu_variance"] > ACTIVE_THRESHOLD).sum())
    with mg.no_grad():
        result["reconstructions"] = model(X_test[:10]).data
    results[beta] = result
    print(f"β = {beta:<5}  D = {result['D']:7.2f}  R = {result['R']:6.2f}  D + β·R = "
          f"{result['D'] + beta * result['R']:7.2f}  −ELBO = D + R = {result['D'] + result['R']:7.2f}  "
          f"active units {result['active']}/{LATENT}   ({time.perf_counter() - tic:.1f} s)")
    lesson.record(f"β={beta:g}: held-out distortion D, nats", result["D"])
    lesson.record(f"β={beta:g}: held-out rate R, nats", result["R"])
    lesson.record(f"β={beta:g}: active units of {LATENT}", result["active"])

D = np.array([results[b]["D"] for b in BETAS])
R = np.array([results[b]["R"] for b in BETAS])
active = np.array([results[b]["active"] for b in BETAS])

# %% [markdown]
# Two reference distortions frame the curve. The pixels of the digits are grey levels, not 0/1, so even a
# perfect decoder pays the pixels' own entropy, Σᵢ H(xᵢ) = −Σᵢ [xᵢ log xᵢ + (1 − xᵢ) log(1 − xᵢ)]:
# the floor of D at infinite rate. At zero rate the decoder cannot see x at all; the best it can do is paint the
# mean training image x̄ for every input, which costs Σᵢ BCE(xᵢ, x̄ᵢ). Every model lives between the two.

# %%
def binary_entropy_sum(p, x):
    """Σᵢ −[xᵢ log pᵢ + (1 − xᵢ) log(1 − pᵢ)] per row; p clipped away from 0 and 1 (0·log 0 = 0)."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)


X_test64 = X_test.astype(np.float64)
D_floor = float(binary_entropy_sum(X_test64, X_test64).mean())
D_zero_rate = float(binary_entropy_sum(X_train.astype(np.float64).mean(axis=0)[None], X_test64).mean())
print(f"D at infinite rate ≥ Σ H(xᵢ) = {D_floor:.2f} nats;  D at zero rate (decode the mean image) = "
      f"{D_zero_rate:.2f} nats")
lesson.record("distortion floor Σ H(xᵢ), nats", D_floor)
lesson.record("distortion at zero rate (the mean image), nats", D_zero_rate)

# %% [markdown]
# ## 4. The rate–distortion curve
# Each point is one model, labelled with its β. The dashed line through each point has slope −β: if each
# model really minimised its own D + β·R, no other model would lie below its line (the line touches the
# achievable region only at that model). We check it: at each β, the model trained for that β should have
# the smallest D + β·R of all the models, up to training noise (0.5 nats or 2%).

# %%
print(f"{'trained with':>14} | D + β·R at that β for each model: " + "  ".join(f"β={b:g}" for b in BETAS))
lagrangian_gaps = []
for i, beta in enumerate(BETAS):
    objective = D + beta * R
    gap = objective[i] - objective.min()  # 0 when this model is the best at its own β
    lagrangian_gaps.append(gap / objective.min())
    print(f"{'β = ' + format(beta, 'g'):>14} | " + "  ".join(f"{v:6.2f}" for v in objective)
          + f"   gap to the best {gap:.2f}")
worst = int(np.argmax(lagrangian_gaps))
worst_gap = (D + BETAS[worst] * R)[worst] - (D + BETAS[worst] * R).min()
lesson.checks.add("each model ≈ minimises its own D + β·R (worst gap, nats)",
                  f"{worst_gap:.2f} at β={BETAS[worst]:g}",
                  all(g < 0.02 or g * (D + b * R).min() < 0.5 for g, b in zip(lagrangian_gaps, BETAS)))

# %%
fig, (ax_rd, ax_elbo) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw=dict(width_ratios=[1.5, 1]))
ax_rd.plot(R, D, "-o", color="tab:blue", zorder=3, label="held-out (R, D), one VAE per β")
r_span = np.array([-0.05, 1.12]) * R.max()
for beta, r, d in zip(BETAS, R, D):
    ax_rd.plot(r_span, d - beta * (r_span - r), ls="--", lw=0.8, color="0.6", zorder=1)
# collapsed models sit on top of each other near R = 0: one label for each group of nearby points
groups = []
for beta, r, d in zip(BETAS, R, D):
    if groups and abs(r - groups[-1][1]) < 0.02 * R.max() and abs(d - groups[-1][2]) < 0.02 * (D.max() - D.min()):
        groups[-1][0].append(beta)
    else:
        groups.append(([beta], r, d))
for group_betas, r, d in groups:
    ax_rd.annotate("β=" + ", ".join(f"{b:g}" for b in group_betas), (r, d), textcoords="offset points",
                   xytext=(6, 6), fontsize=9)
ax_rd.axhline(D_zero_rate, color="tab:red", ls=":", label=f"zero rate: decode the mean image ({D_zero_rate:.1f})")
ax_rd.axhline(D_floor, color="tab:green", ls=":", label=f"floor: pixel entropy Σ H(xᵢ) ({D_floor:.1f})")
ax_rd.set(xlim=r_span, ylim=(D_floor - 0.08 * (D_zero_rate - D_floor), D_zero_rate + 0.25 * (D_zero_rate - D_floor)),
          xlabel="rate R = E KL(q(z|x) ‖ p(z))  (nats per image)",
          ylabel="distortion D = E[−log p(x|z)]  (nats per image)",
          title=f"rate–distortion curve of β-VAEs on {lesson.args.data} (held-out)\n"
                "dashed: lines of slope −β through each point")
ax_rd.grid(alpha=0.3)
ax_rd.legend(fontsize=8, loc="upper right")

neg_elbo = D + R
labels = [f"{b:g}" for b in BETAS]
bars = ax_elbo.bar(labels, neg_elbo, color=["tab:orange" if b == 1 else "tab:blue" for b in BETAS])
ax_elbo.bar_label(bars, fmt="%.1f", fontsize=8)
ax_elbo.axhline(neg_elbo.min(), color="k", ls=":", lw=1, label=f"lowest: {neg_elbo.min():.1f}")
ax_elbo.set(ylim=(0, 1.12 * neg_elbo.max()), xlabel="β the model was trained with",  # bars start at 0
            ylabel="held-out −ELBO = D + R  (nats per image)",
            title="the β = 1 bound on −log p(x), per model\n(orange: trained on the true ELBO)")
ax_elbo.legend(fontsize=8, loc="upper right")
ax_elbo.grid(alpha=0.3, axis="y")
lesson.show(fig, "15_rate_distortion")

best_elbo_beta = BETAS[int(np.argmin(neg_elbo))]
print(f"best held-out ELBO: the model trained with β = {best_elbo_beta:g} (−ELBO {neg_elbo.min():.2f})")
lesson.record("β of the model with the best held-out ELBO", best_elbo_beta)
lesson.record("best held-out −ELBO, nats", float(neg_elbo.min()))
elbo_of_beta_1 = neg_elbo[BETAS.index(1.0)]
lesson.checks.add("β = 1 model has the best held-out ELBO (within 0.5 nats)",
                  f"{elbo_of_beta_1:.2f} vs {neg_elbo.min():.2f}",
                  elbo_of_beta_1 < neg_elbo.min() + 0.5)

# %% [markdown]
# Read the curve from the left, where β is large. At β = 3 and 10 the rate is ≈ 0 and D sits on the
# zero-rate line: the encoder outputs the prior for every image (**posterior collapse**) and the decoder
# paints the mean digit. Lowering β buys information, and the first nats buy a lot: in the default run
# (seed 0) β = 1 spends 3 nats to cut D by about 5. Further right each extra nat buys less — from β = 0.1 to
# β = 0.03 the code spends 7 more nats for a fraction of a nat of distortion — and the curve flattens well
# above the entropy floor: there the small decoder (and what generalises to new images), not the code,
# is the limit.
# The ELBO is one point on this curve (β = 1), and the β = 1 model is the best of all the models on it, as
# the Lagrangian view says it must be: the small-β models reconstruct better but pay more in rate, the
# large-β ones pay almost no rate but reconstruct worse; both have a worse bound on −log p(x).
#
# ## 5. How many of the nats are information?
# R bounds I(x; z) from above. Here x is drawn from the N held-out images, so both sides can be computed:
# q(z) = (1/N) Σₘ q(z|xₘ) is a mixture of N Gaussians, and
#
#     I(x; z) = E_x E_{z~q(z|x)} [ log q(z|x) − log q(z) ]          (estimated with 10 draws of z per image)
#
# Because x takes only N values, I(x; z) ≤ H(x) = log N: the code cannot say more than *which* image it was.
# The rest of the rate, KL(q(z) ‖ p(z)) = R − I, is spent on making the aggregate posterior differ from the prior.

# %%
def gaussian_log_density(z, mu, logvar):
    """log N(z; μ, diag e^logvar), summed over the last axis (broadcasts)."""
    return -0.5 * (np.log(2 * np.pi) + logvar + (z - mu) ** 2 / np.exp(logvar)).sum(axis=-1)


def mutual_information(mu, logvar, draws, rng):
    """Monte-Carlo I(x; z) for x uniform over the N rows of (μ, logvar): mean of log q(z|x) − log q(z)."""
    n = len(mu)
    z = mu + np.exp(0.5 * logvar) * rng.standard_normal((draws, *mu.shape))  # (draws, N, K)
    log_q_own = gaussian_log_density(z, mu, logvar)  # (draws, N)
    log_q_all = gaussian_log_density(z[:, :, None, :], mu[None, None], logvar[None, None])  # (draws, N, N)
    log_q_aggregate = np.logaddexp.reduce(log_q_all, axis=2) - np.log(n)
    return float((log_q_own - log_q_aggregate).mean())


information = np.array([mutual_information(results[b]["mu"], results[b]["logvar"], 10, lesson.rng) for b in BETAS])
log_n = np.log(len(X_test))
print(f"{'β':>6} {'R':>7} {'I(x;z)':>8} {'R − I':>7}   (log N = {log_n:.2f})")
for beta, r, info in zip(BETAS, R, information):
    print(f"{beta:>6g} {r:7.2f} {info:8.2f} {r - info:7.2f}")
    lesson.record(f"β={beta:g}: I(x; z), nats", info)
lesson.checks.add("I(x; z) ≤ R for every model (min of R − I, nats)", float((R - information).min()),
                  np.all(information <= R + 0.05))

# %% [markdown]
# At small β the information saturates at log N — the codes of different images barely overlap, so z
# identifies the image — while R keeps growing: those extra nats only move the aggregate posterior away
# from N(0, I) (on a larger held-out set log N would be larger and I could grow further). Around β = 1 and
# above, almost all of the rate is information (R − I is a fraction of a nat), and at large β both are ≈ 0.
#
# ## 6. Active units and posterior collapse
# The KL is a sum over latent units, and each unit can pay its share or switch off. As β grows, more units
# find it cheaper to switch off: μⱼ(x) stops depending on x and q(zⱼ|x) becomes the prior.
# The 0.01 threshold is a convention, and the right panel shows why it is not the whole story: in the
# default run the β = 3 model still counts 4 "active" units whose means move just above the threshold,
# yet its rate is 0.06 nats — they move, but too little compared with their posterior width to say anything.

# %%
fig, (ax_count, ax_var) = plt.subplots(1, 2, figsize=(12, 4.4))
ax_count.plot(BETAS, active, "-o", color="tab:purple")
ax_count.set(xscale="log", xlabel="β (log scale)", ylabel=f"active units (of {LATENT})", ylim=(-0.5, LATENT + 0.5),
             title=r"active units: $\mathrm{Var}_x\,\mu_j(x) > 0.01$ (Burda et al. 2015)")
ax_count.set_xticks(BETAS, [f"{b:g}" for b in BETAS])
ax_count.minorticks_off()
ax_count.grid(alpha=0.3)
colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(BETAS)))
for beta, colour in zip(BETAS, colours):
    variances = np.sort(results[beta]["mu_variance"])[::-1]
    ax_var.plot(np.arange(1, LATENT + 1), np.maximum(variances, 1e-8), "-o", ms=3, color=colour, label=f"β={beta:g}")
ax_var.axhline(ACTIVE_THRESHOLD, color="k", ls="--", lw=1, label="threshold 0.01")
ax_var.set(yscale="log", xlabel="latent unit, sorted by activity",
           ylabel=r"$\mathrm{Var}_x\,\mu_j(x)$  (log scale, floor $10^{-8}$)",
           title="how much each unit's posterior mean moves with x")
ax_var.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: no curve hidden
ax_var.grid(alpha=0.3)
lesson.show(fig, "15_active_units")

# %% [markdown]
# ## 7. What the rate buys: reconstructions per β
# The top row is ten held-out digits; each row below is decode(μ(x)) from the model trained with that β.

# %%
rows = np.concatenate([X_test[:10]] + [results[b]["reconstructions"] for b in BETAS])
mg.viz.image_grid(rows, SHAPE, lesson.path("15_reconstructions"), nrow=10,
                  row_titles=["held-out x"] + [f"β={b:g}\nR={results[b]['R']:.1f}" for b in BETAS],
                  title="reconstructions decode(μ(x)) per β: less rate, blurrier digits, down to the mean digit")

# %% [markdown]
# In the default run the small-β rows keep each digit's identity and most of its strokes; at β = 1 they
# soften and the less typical digits blur into vaguer shapes; at β = 2 (0.9 nats) only the distinctive shapes
# (the 0, the 1) survive; at β = 3 and 10 every reconstruction is the same blurred average digit, whatever the
# input — the code carries nothing, exactly what the zero-rate line of the curve predicted.
#
# ## 8. What held
# The checks compare the two ends of the sweep. They use the measured held-out values; quick mode trains
# three models for fewer epochs, so its thresholds are the same inequalities with a smaller factor for the rate.

# %%
rate_factor = lesson.pick(full=20, quick=5)
lesson.checks.add("R ≥ 0 for every model (min R, nats)", float(R.min()), bool(np.all(R >= 0)))
lesson.checks.add(f"rate falls with β: R(β={BETAS[0]:g}) / R(β={BETAS[-1]:g}) > {rate_factor}",
                  f"{R[0]:.2f}/{R[-1]:.3f}", R[0] > rate_factor * R[-1])
increases = int(np.sum(np.diff(R) > 0.05))  # a rise of more than 0.05 nats between neighbouring β
lesson.checks.add("rate nearly monotone: rises between neighbouring β (> 0.05 nats)", increases, increases == 0)
lesson.checks.add(f"distortion grows with β: D(β={BETAS[-1]:g}) − D(β={BETAS[0]:g}) > 1 nat",
                  f"{D[-1]:.2f} − {D[0]:.2f}", D[-1] > D[0] + 1)
lesson.checks.add(f"active units: β={BETAS[-1]:g} fewer than β={BETAS[0]:g}", f"{active[-1]} < {active[0]}",
                  active[-1] < active[0])
lesson.finish()
