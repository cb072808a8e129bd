# %% [markdown]
# # Lesson 23 — Hierarchical latents and the information bottleneck
#
# Two codes, a coarse z₁ and a fine z₂ drawn given z₁: measure what each one carries. Then the objective behind
# every code of this course, the information bottleneck, and the β-VAE sweep of lesson 15 as its measurement.
#
# **Hierarchical latents.** Tutorials sketch an autoencoder with two codes: z₁ for the big decisions (which digit)
# and z₂ for the details (how it is written). As a generative model, top-down:
#
#     z₁ ~ N(0, I),     z₂ | z₁ ~ p(z₂|z₁) = N(μₚ(z₁), e^{logvarₚ(z₁)}),     x ~ p(x | z₁, z₂)
#
# with the encoder q(z₁|x) and q(z₂|x, z₁), and the negative ELBO per image
#
#     −log p(x|z₁, z₂) + KL(q(z₁|x) ‖ N(0, I)) + KL(q(z₂|x, z₁) ‖ p(z₂|z₁))
#
# The second KL is measured against a prior that already knows z₁, so z₂ pays only for what z₁ does not say.
# Each KL bounds an information: KL₁ ≥ I(x; z₁) and KL₂ ≥ I(x; z₂ | z₁), and by the chain rule
# I(x; z₁, z₂) = I(x; z₁) + I(x; z₂ | z₁): the rate of the code splits into the rate of each level.
# But nothing in the formula says *which* information goes to which level. We build the model, then measure it.
#
# **The information bottleneck** (Tishby, Pereira & Bialek 1999) asks of a code Z of X (Y — X — Z, a Markov
# chain: Z sees only X) that it keep what matters about a target Y and forget the rest:
#
#     min over q(z|x) of   I(X; Z) − β_IB · I(Z; Y)
#
# For an autoencoder the target is the input itself, Y = X, and the material writes the second term I(Z; X̂):
# the information the code passes on to the reconstruction. Neither mutual information can be computed for a
# neural code, but both have variational bounds, and they are the two terms of the β-VAE loss (Alemi et al. 2017,
# "Deep variational information bottleneck"; 2018, "Fixing a broken ELBO"):
#
#     I(X; Z) ≤ R = E_x KL(q(z|x) ‖ p(z))                       the rate: an upper bound for any prior p(z)
#     I(Z; X) ≥ H(X) − D,   D = E_x E_{z~q(z|x)}[−log p(x|z)]   the distortion: a lower bound for any decoder
#
# so  I(X; Z) − β_IB·I(Z; X) ≤ R − β_IB (H(X) − D) = β_IB · (D + R/β_IB) − β_IB H(X).
# H(X) is a constant: minimising the β-VAE loss D + β·R with **β = 1/β_IB** minimises an upper bound on the
# information bottleneck objective. Lesson 15's sweep of β is a sweep of the bottleneck's trade-off, and each
# model's β is its exchange rate: it gives up one nat of rate only for more than β nats less distortion.
# (On grey-level pixels the Bernoulli "−log p" is a cross-entropy, not a normalised log-density, so H(X) − D is
# a bound only in form; the trade-off it describes is the same. With a label Y the bound on I(Z; Y) is exact:
# I(Z; Y) ≥ H(Y) − E[−log q(y|z)] for any classifier q — we use it in section 5.)

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
from minigrad_ae import stand_ins
import matplotlib.pyplot as plt
from minigrad_ae.models import VAE, HierarchicalVAE, gaussian_kl_between, mutual_information, rate_distortion
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 23: hierarchical latents and the information bottleneck — a two-level VAE, what z₁ and "
                   "z₂ carry, I(X;Z) − β·I(Z;Y) and the β-VAE sweep")
X_train, y_train, X_test, y_test = kit.load_lesson_data("digits", lesson.rng)
SHAPE, N_PIXELS, N_CLASSES = (8, 8), X_train.shape[1], 10
print(f"digits: {len(X_train)} training and {len(X_test)} held-out 8×8 images, pixels in [0, 1]")

# %% [markdown]
# ## 1. The new loss term, checked
# `gaussian_kl_between(μ, logvar, μₚ, logvarₚ)` is the closed form of KL(N(μ, σ²) ‖ N(μₚ, σₚ²)):
# BEGIN SOLUTION gaussian_kl_between
# KL(N(μ, σ²) ‖ N(μₚ, σₚ²)) = ½ Σⱼ (logvarₚ − logvar + (σ² + (μ − μₚ)²)/σₚ² − 1).
# END SOLUTION
# It is built from autodiff ops, so its gradient reaches the *prior's* parameters as well: the prior network
# p(z₂|z₁) learns through this term.
# We check the backward of all four inputs against central differences in float64 (the test suite does it over
# random shapes with hypothesis), and that with the prior N(0, I) it is the VAE's `F.gaussian_kl`.

# %%
four = [lesson.rng.standard_normal((3, 4)) for _ in range(4)]
report = mg.gradcheck(lambda *t: gaussian_kl_between(*t, reduction="sum"), four)
print(report)
solved = not stand_ins.used("gaussian_kl_between")   # False in a student copy until you write the closed form
lesson.checks.add("gaussian_kl_between passes gradcheck (float64): rel err",
                  report.max_rel_error if solved else "not solved yet", not solved or bool(report))
zeros = np.zeros((3, 4))
standard_gap = abs(gaussian_kl_between(four[0], four[1], zeros, zeros).item() - F.gaussian_kl(*four[:2]).item())
lesson.checks.add("against N(0, I) it equals F.gaussian_kl: |difference|",
                  standard_gap if solved else "not solved yet", not solved or standard_gap < 1e-12)

# %% [markdown]
# ## 2. The two-level model, term by term
# `HierarchicalVAE(n_in, hidden, n_coarse, n_fine)`: one encoder MLP gives features h; q(z₁|x) reads h,
# q(z₂|x, z₁) reads [h, z₁]; a small prior network maps z₁ to p(z₂|z₁); the decoder reads [z₁, z₂]. Its code is
# z = [z₁ | z₂], so it is a VAE of the family like any other (`encode`, `decode`, `loss`, `elbo`, `mg.fit`);
# `level_terms` gives the reconstruction and the two KLs apart. The loss must be exactly their sum, with the
# same ε.

# %%
HIDDEN, BETA_LEVELS, LR, BATCH = 64, 0.3, 5e-3, 128
EPOCHS_LEVELS = lesson.pick(full=12, quick=8)
probe_model = HierarchicalVAE(N_PIXELS, HIDDEN, 6, 2, beta=BETA_LEVELS, rng=lesson.rng)
eps_probe = lesson.rng.standard_normal((64, probe_model.n_latent))
with mg.no_grad():
    recon_p, kl1_p, kl2_p = (t.data for t in probe_model.level_terms(X_train[:64], eps=eps_probe))
    loss_p = probe_model.loss(X_train[:64], eps=eps_probe).item()
by_hand = float(np.mean(recon_p + BETA_LEVELS * (kl1_p + kl2_p)))
print(f"loss {loss_p:.6f} vs mean(recon + β·(KL₁ + KL₂)) by hand {by_hand:.6f}")
lesson.checks.add("HierarchicalVAE.loss = recon + β·(KL₁ + KL₂), term by term", abs(loss_p - by_hand),
                  np.isclose(loss_p, by_hand, rtol=1e-5))

# %% [markdown]
# ## 3. Train two of them
# Same data, same β = 0.3 (a cheap rate, so both levels have room), same training; only the widths differ:
#
# * **A**: z₁ of 6 units, z₂ of 2 — the usual picture, a rich top level and a small detail code;
# * **B**: z₁ of 2 units, z₂ of 6 — the same hierarchy with the widths swapped.

# %%
WIDTHS = {"A": (6, 2), "B": (2, 6)}


def train_hierarchical(n_coarse, n_fine):
    model = HierarchicalVAE(N_PIXELS, HIDDEN, n_coarse, n_fine, beta=BETA_LEVELS, rng=lesson.rng)
    mg.fit(model, X=X_train, epochs=EPOCHS_LEVELS, batch_size=BATCH, progress=False, rng=lesson.rng,
           optimizer=mg.optim.Adam(model.parameters(), lr=LR))
    return model


levels = {name: train_hierarchical(*widths) for name, widths in WIDTHS.items()}
for name, model in levels.items():
    with mg.no_grad():
        recon, kl1, kl2 = (float(t.data.mean()) for t in model.level_terms(X_test))
    print(f"model {name} (z₁: {model.n_coarse}, z₂: {model.n_fine} units): held-out distortion {recon:.2f}, "
          f"KL₁ {kl1:.2f}, KL₂ {kl2:.2f} nats")
    lesson.record(f"model {name}: held-out KL₁ (coarse rate), nats", kl1)
    lesson.record(f"model {name}: held-out KL₂ (fine rate), nats", kl2)

# %% [markdown]
# ## 4. What each level carries
# Three measurements, on held-out digits, each from one level at a time:
#
# 1. **Which digit can be read from each code.** A classifier that sees only μ₁(x), or only μ₂(x): a Gaussian
#    class model (linear discriminant analysis) fitted in closed form on the training codes. Its held-out accuracy
#    says how much of the digit's identity each code holds; its cross-entropy gives the bound
#    I(z; y) ≥ H(y) − E[−log q(y|z)] of section 5.
# 2. **Swap the codes of two digits.** Decode [z₁ of a, z₂ of b]: does the result look like a's digit or b's?
#    "Looks like" is measured by the same kind of classifier fitted on the training *images* (its held-out accuracy
#    is printed below), applied to the decoded image, and compared with its reading of a's and b's own
#    reconstructions (pairs whose reconstructions it reads as different digits).
# 3. **Resample one level.** Keep z₁ and draw z₂ ~ p(z₂|z₁) from the learned prior; or keep z₂ and draw
#    z₁ ~ N(0, I). How much does the image change (‖Δx̂‖², summed over pixels), and does it stay the same digit?

# %%
def gaussian_classifier(Z, y, ridge=1e-2):
    """Linear discriminant analysis: class means, one shared covariance (plus ``ridge`` × the mean variance on the
    diagonal, for pixels that never vary), class frequencies. Returns log q(y|z) for new rows, (n, N_CLASSES)."""
    Z = np.asarray(Z, np.float64)
    means = np.stack([Z[y == k].mean(axis=0) for k in range(N_CLASSES)])
    centred = Z - means[y]
    covariance = centred.T @ centred / len(Z)
    covariance += ridge * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
    precision_means = np.linalg.solve(covariance, means.T)                       # Σ⁻¹ mₖ, (K, classes)
    log_prior = np.log(np.bincount(y, minlength=N_CLASSES) / len(y))

    def log_posterior(Z_new):
        scores = np.asarray(Z_new, np.float64) @ precision_means - 0.5 * np.sum(means.T * precision_means, axis=0)
        scores += log_prior
        return scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)

    return log_posterior


label_frequencies = np.bincount(y_test, minlength=N_CLASSES) / len(y_test)
label_entropy = float(-np.sum(label_frequencies * np.log(label_frequencies)))   # H(y), nats


def label_information(Z_train, Z_test):
    """(held-out accuracy, lower bound H(y) − E[−log q(y|z)] on I(z; y) in nats) of a classifier fitted on codes."""
    log_q = gaussian_classifier(Z_train, y_train)(Z_test)
    accuracy = float(np.mean(log_q.argmax(axis=1) == y_test))
    cross_entropy = -float(np.mean(log_q[np.arange(len(y_test)), y_test]))
    return accuracy, label_entropy - cross_entropy


read_digit = gaussian_classifier(X_train, y_train)
image_accuracy = float(np.mean(read_digit(X_test).argmax(axis=1) == y_test))
print(f"the digit reader (LDA on pixels): held-out accuracy {image_accuracy:.1%}")
lesson.checks.add("the digit reader reads held-out digits: accuracy > 90%", image_accuracy, image_accuracy > 0.9)


def digit_of(images):
    return read_digit(images).argmax(axis=1)


def codes(model, X):
    """Posterior means (μ₁, μ₂) of the rows of X, NumPy."""
    with mg.no_grad():
        return model.split(model.encode(X)[0].data)


carries = {}
partner = lesson.rng.permutation(len(X_test))   # image i swaps codes with image partner[i]
for name, model in levels.items():
    z1, z2 = codes(model, X_test)
    z1_train, z2_train = codes(model, X_train)
    reconstruction = model.decode_levels(z1, z2)
    reads = digit_of(reconstruction)
    swapped = digit_of(model.decode_levels(z1, z2[partner]))   # z₁ of i, z₂ of its partner
    different = reads != reads[partner]                          # pairs the reader tells apart
    resampled_fine = model.decode_levels(z1, model.sample_fine(z1, lesson.rng))
    resampled_coarse = model.decode_levels(lesson.rng.standard_normal(z1.shape), z2)
    carries[name] = dict(
        accuracy=(label_information(z1_train, z1)[0], label_information(z2_train, z2)[0]),
        follows=(float(np.mean(swapped[different] == reads[different])),
                 float(np.mean(swapped[different] == reads[partner][different]))),
        change=(float(np.mean(np.sum((resampled_coarse - reconstruction) ** 2, axis=1))),
                float(np.mean(np.sum((resampled_fine - reconstruction) ** 2, axis=1)))),
        kept=(float(np.mean(digit_of(resampled_coarse) == reads)), float(np.mean(digit_of(resampled_fine) == reads))),
        pairs=int(different.sum()))

print(f"{'':>8} | {'digit read from':^19} | {'swap: looks like':^23} | {'resample one level: Δx̂²':^27} | "
      f"{'…same digit':^15}")
print(f"{'model':>8} | {'z₁':>8} {'z₂':>9} | {'z₁ donor':>10} {'z₂ donor':>11} | {'z₁ new':>12} {'z₂ new':>13} | "
      f"{'z₁ new':>6} {'z₂ new':>7}")
for name, c in carries.items():
    print(f"{name + ' ' + str(WIDTHS[name]):>8} | {c['accuracy'][0]:8.1%} {c['accuracy'][1]:9.1%} | "
          f"{c['follows'][0]:10.1%} {c['follows'][1]:11.1%} | {c['change'][0]:12.2f} {c['change'][1]:13.2f} | "
          f"{c['kept'][0]:6.1%} {c['kept'][1]:7.1%}")
    for level, i in (("z₁", 0), ("z₂", 1)):
        lesson.record(f"model {name}: digit accuracy from {level} alone", c["accuracy"][i])
        lesson.record(f"model {name}: swapped image reads as the {level} donor's digit", c["follows"][i])
        lesson.record(f"model {name}: pixel change when {level} is resampled", c["change"][i])
print(f"(swaps over the {carries['A']['pairs']} and {carries['B']['pairs']} pairs whose reconstructions read as "
      f"different digits; chance: 10% of digits)")

# %% [markdown]
# In model A the levels split as the sketch says. The digit can be read from z₁ and hardly from z₂; a swapped
# image takes the digit of its z₁ donor; a new z₁ makes a different digit, while a new z₂ drawn from p(z₂|z₁)
# moves a few pixels and leaves the digit alone: z₂ holds the handwriting. Model B has the same hierarchy and the
# roles **reversed**: the 6-unit z₂ holds the digit (a swap follows z₂), and the 2-unit z₁ holds only part of it.
# The order of the levels does not decide what they carry — the conditional prior only makes z₂ pay for what z₁ does not already
# say, and the optimiser puts the information wherever it is cheapest to send. Which level is "coarse" is a
# measurement, not a name: here the widths decided it.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
width = 0.36
for ax, key, ylabel, title in (
        (axes[0], "accuracy", "held-out accuracy", "digit read from one code alone (LDA)"),
        (axes[1], "follows", "share of swapped images", "decode [z₁ of a, z₂ of b]: reads as the digit of …"),
        (axes[2], "change", r"mean $\|\Delta\hat{x}\|^2$ (sum over 64 pixels)", "resample one level, keep the other")):
    positions = np.arange(len(levels))
    for i, (level, colour) in enumerate((("z₁", "tab:blue"), ("z₂", "tab:orange"))):
        values = [carries[name][key][i] for name in levels]
        label = {"accuracy": f"from {level}", "follows": f"… the {level} donor",
                 "change": f"new {level}" + (" ~ N(0, I)" if level == "z₁" else r" ~ p(z₂|z₁)")}[key]
        bars = ax.bar(positions + (i - 0.5) * width, values, width, color=colour, label=label)
        ax.bar_label(bars, fmt="%.0f%%" if key != "change" else "%.2f", fontsize=8,
                     labels=[f"{100 * v:.0f}%" for v in values] if key != "change" else None)
    ax.set_xticks(positions, [f"model {name}\nz₁: {w[0]}, z₂: {w[1]} units" for name, w in WIDTHS.items()])
    ax.set(ylabel=ylabel, title=title, ylim=(0, 1.12 if key != "change" else 1.2 * max(
        max(c["change"]) for c in carries.values())))
    if key != "change":
        ax.axhline(0.1, color="k", ls=":", lw=1, label="chance (10%)")
    ax.legend(fontsize=8, loc="upper center")
    ax.grid(alpha=0.3, axis="y")
lesson.show(fig, "23_what_each_level_carries")

# %% [markdown]
# The pictures, for model A. Top: ten held-out digits and their reconstructions; then three rows with z₂ drawn
# again from p(z₂|z₁) (z₁ kept), then three with z₁ drawn again from N(0, I) (z₂ kept).

# %%
model_a = levels["A"]
z1_show, z2_show = codes(model_a, X_test[:10])
rows = [X_test[:10], model_a.decode_levels(z1_show, z2_show)]
rows += [model_a.decode_levels(z1_show, model_a.sample_fine(z1_show, lesson.rng)) for _ in range(3)]
rows += [model_a.decode_levels(lesson.rng.standard_normal(z1_show.shape), z2_show) for _ in range(3)]
mg.viz.image_grid(np.concatenate(rows), SHAPE, lesson.path("23_resample_one_level"), nrow=10,
                  row_titles=["held-out x", "reconstruction"] + ["new z₂ ~ p(z₂|z₁)"] * 3 + ["new z₁ ~ N(0, I)"] * 3,
                  title="model A: a new fine code z₂ restyles the digit; a new coarse code z₁ changes it")

# %% [markdown]
# And the swap itself as a table of images: row r decodes [z₁ of digit r, z₂ of digit c] for column c. The
# first row and column are the donors' own reconstructions. Along a row the digit stays and the writing changes
# (thicker, slanted, shifted); down a column the writing stays and the digit changes.

# %%
donors = np.array([np.flatnonzero(y_test == k)[0] for k in range(8)])   # one held-out image of digits 0-7
z1_d, z2_d = codes(model_a, X_test[donors])
own = model_a.decode_levels(z1_d, z2_d)
table = [np.concatenate([np.zeros((1, N_PIXELS)), own])]      # corner blank, then the z₂ donors
for r in range(len(donors)):
    mixed = model_a.decode_levels(np.repeat(z1_d[r:r + 1], len(donors), axis=0), z2_d)
    table.append(np.concatenate([own[r:r + 1], mixed]))
mg.viz.image_grid(np.concatenate(table), SHAPE, lesson.path("23_swap_table"), nrow=len(donors) + 1,
                  row_titles=["z₂ donors →"] + [f"z₁ of a {y_test[d]}" for d in donors],
                  title="model A: decode [z₁ of the row's digit, z₂ of the column's digit]\n"
                        "(first row and column: the donors' own reconstructions)")

# %% [markdown]
# ## 5. The information bottleneck, measured: the β sweep
# Lesson 15's VAE (64 → 64 → z ∈ ℝ⁸ → 64 → 64, Bernoulli decoder, Adam, the same initial weights for every β),
# trained here as the two-level models above (batch 128, learning rate 5·10⁻³, fewer epochs than lesson 15), at β
# from cheap to dear rate. For each model, on held-out images,
# with the package's measures (`rate_distortion`, `mutual_information`, written for lesson 15):
#
# * R and D: the two terms of the loss, the bottleneck's two bounds;
# * I(X; Z): the Monte-Carlo estimate for X uniform over the N held-out images (≤ R, and ≤ log N);
# * the Tishby form with the label as Y: I(Z; Y) ≥ H(Y) − E[−log q(y|z)], with q the LDA classifier of section 4
#   fitted on sampled training codes z ~ q(z|x) and scored on sampled held-out codes.

# %%
BETAS = lesson.pick(full=[0.1, 0.3, 1.0, 3.0, 10.0], quick=[0.1, 1.0, 10.0])
EPOCHS_SWEEP = lesson.pick(full=10, quick=6)
LATENT = 8
initial_weights = VAE(N_PIXELS, HIDDEN, LATENT, rng=lesson.rng).state_dict()


def sampled_codes(mu, logvar):
    return mu + np.exp(0.5 * logvar) * lesson.rng.standard_normal(mu.shape)


sweep = {}
for beta in BETAS:
    model = VAE(N_PIXELS, HIDDEN, LATENT, beta=beta, rng=lesson.rng)
    model.load_state_dict(initial_weights)
    mg.fit(model, X=X_train, epochs=EPOCHS_SWEEP, batch_size=BATCH, progress=False, rng=lesson.rng,
           optimizer=mg.optim.Adam(model.parameters(), lr=LR))
    measured = rate_distortion(model, X_test, draws=10)
    with mg.no_grad():
        mu_train, logvar_train = (t.data.astype(np.float64) for t in model.encode(X_train))
    accuracy, label_bound = label_information(sampled_codes(mu_train, logvar_train),
                                              sampled_codes(measured["mu"], measured["logvar"]))
    sweep[beta] = dict(D=measured["D"], R=measured["R"], accuracy=accuracy, label_bound=label_bound,
                       information=mutual_information(measured["mu"], measured["logvar"], 10, lesson.rng))
    s = sweep[beta]
    print(f"β = {beta:<4g} (β_IB = {1 / beta:<5.3g})  D = {s['D']:6.2f}  R = {s['R']:6.2f}  I(X;Z) = "
          f"{s['information']:5.2f}  I(Z;Y) ≥ {s['label_bound']:5.2f}  (digit accuracy from z {accuracy:.1%})")
    for what, key in (("distortion D", "D"), ("rate R", "R"), ("I(X;Z)", "information"),
                      ("I(Z;Y) lower bound", "label_bound")):
        lesson.record(f"β={beta:g}: {what}, nats", s[key])

D, R, information, label_bound = (np.array([sweep[b][k] for b in BETAS])
                                  for k in ("D", "R", "information", "label_bound"))
log_n = float(np.log(len(X_test)))
print(f"H(Y) = {label_entropy:.2f} nats (10 digits, held-out frequencies); log N = {log_n:.2f} nats")

# %% [markdown]
# **β is the exchange rate.** Model i minimised D + βᵢR, so no other model j can beat it at its own β:
# Dᵢ + βᵢRᵢ ≤ Dⱼ + βᵢRⱼ. For two neighbours βᵢ < βⱼ the two inequalities together pin the slope of the chord
# between them: βᵢ ≤ (Dⱼ − Dᵢ)/(Rᵢ − Rⱼ) ≤ βⱼ — a nat of rate bought back costs between βᵢ and βⱼ nats of
# distortion. In the bottleneck's terms: β_IB = 1/β nats of rate per nat of relevant information. We check it on
# the chords where the rate changes by more than half a nat (at the collapsed end both R are ≈ 0 and the chord
# is noise), allowing 10% for training that stopped short of each model's optimum.

# %%
chords = []
for i in range(len(BETAS) - 1):
    rate_saved, distortion_paid = R[i] - R[i + 1], D[i + 1] - D[i]
    if rate_saved > 0.5:
        exchange = distortion_paid / rate_saved
        chords.append((BETAS[i], exchange, BETAS[i + 1]))
        print(f"β {BETAS[i]:g} → {BETAS[i + 1]:g}: {rate_saved:.2f} nats of rate cost {distortion_paid:.2f} nats of "
              f"distortion: {exchange:.2f} nats per nat (between {BETAS[i]:g} and {BETAS[i + 1]:g}?)")
lesson.checks.add("chord slopes βᵢ ≤ ΔD/ΔR ≤ βⱼ (±10%) for every chord with ΔR > 0.5",
                  ", ".join(f"{e:.2f}" for _, e, _ in chords),
                  len(chords) >= 2 and all(0.9 * lo <= e <= 1.1 * hi for lo, e, hi in chords))

# %%
fig, (ax_rate, ax_dist, ax_plane) = plt.subplots(1, 3, figsize=(15, 4.5))
ax_rate.plot(BETAS, R, "-o", color="tab:blue", label="rate R = E KL (upper bound)")
ax_rate.plot(BETAS, information, "-s", color="tab:green", label="I(X; Z), Monte Carlo")
ax_rate.plot(BETAS, label_bound, "-^", color="tab:red", label="I(Z; Y) ≥ H(Y) − CE (lower bound)")
ax_rate.axhline(log_n, color="tab:green", ls=":", lw=1, label=f"log N = {log_n:.2f} (N held-out images)")
ax_rate.axhline(label_entropy, color="tab:red", ls=":", lw=1, label=f"H(Y) = {label_entropy:.2f}")
ax_rate.set(xscale="log", xlabel=r"β (log scale;  $\beta_{\mathrm{IB}} = 1/\beta$)", ylabel="nats per image",
            title="what the code keeps, per β")
ax_dist.plot(BETAS, D, "-o", color="tab:purple")
ax_dist.set(xscale="log", xlabel="β (log scale)", ylabel="distortion D = E[−log p(x|z)]  (nats per image)",
            title="what the reconstruction loses, per β")
for ax in (ax_rate, ax_dist):
    ax.set_xticks(BETAS, [f"{b:g}" for b in BETAS])
    ax.minorticks_off()
    ax.grid(alpha=0.3)
ax_rate.legend(fontsize=7.5, loc="upper right")
ax_plane.plot(information, label_bound, "-o", color="tab:red", label="I(X; Z) (Monte Carlo)")
ax_plane.plot(R, label_bound, "--o", color="tab:blue", mfc="none", label="R (its upper bound)")
collapsed = [b for b, r in zip(BETAS, R) if r < 0.1]   # these sit on one point at the origin: one label
for beta, x_info, y_info in zip(BETAS, information, label_bound):
    if beta not in collapsed[1:]:
        text = f"β={beta:g}" if beta not in collapsed else "β=" + ", ".join(f"{b:g}" for b in collapsed) + " (collapsed)"
        ax_plane.annotate(text, (x_info, y_info), textcoords="offset points", xytext=(6, -12), fontsize=8)
ax_plane.axhline(label_entropy, color="k", ls=":", lw=1, label=f"H(Y) = {label_entropy:.2f}: all of the label")
ax_plane.set(xlabel="compression: I(X; Z)  (nats; less is more compressed)",
             ylabel="relevance: I(Z; Y) lower bound  (nats)", title="the information plane (Tishby's Y = the digit)",
             xlim=(-0.3, 1.05 * R.max()), ylim=(-0.3, 1.12 * label_entropy))
ax_plane.legend(fontsize=8, loc="center right")
ax_plane.grid(alpha=0.3)
lesson.show(fig, "23_information_bottleneck")

# %% [markdown]
# Read the information plane from the right. At small β the code spends many nats (R), of which about log N are
# information about which image it was (I(X; Z) saturates there: N held-out images cannot be told apart by more
# than log N nats); the label bound holds most of its ceiling H(Y). Raising β squeezes I(X; Z), and the relevant
# information goes last: at β = 1 the code has lost most of what distinguishes one image from another but keeps
# a larger share of the digit's identity — the first nats a compressed code keeps are about what the digit *is*.
# At large β both fall to zero: the posterior collapse of lesson 15, the bottleneck closed.

# %%
middle = BETAS.index(1.0)
share_input, share_label = information[middle] / information[0], label_bound[middle] / label_bound[0]
print(f"at β = 1 the code keeps {share_input:.0%} of the I(X;Z) of β = {BETAS[0]:g} and {share_label:.0%} of its "
      "I(Z;Y) bound")
lesson.record("β=1: share of I(X;Z) kept (vs smallest β)", share_input)
lesson.record("β=1: share of I(Z;Y) bound kept (vs smallest β)", share_label)

# %% [markdown]
# ## 6. What held

# %%
a, b = carries["A"], carries["B"]
need = lesson.pick(full=0.6, quick=0.4)
lesson.checks.add("A: digit readable from z₁ (6 units) far better than from z₂ (accuracy)",
                  f"{a['accuracy'][0]:.0%} vs {a['accuracy'][1]:.0%}", a["accuracy"][0] > a["accuracy"][1] + 0.3)
lesson.checks.add(f"A: swapped image reads as the z₁ donor's digit (> {need:.0%}; z₂ donor's less)",
                  f"{a['follows'][0]:.0%} vs {a['follows'][1]:.0%}",
                  a["follows"][0] > need and a["follows"][0] > 2 * a["follows"][1])
lesson.checks.add("A: a new z₂ ~ p(z₂|z₁) changes the image < ¼ as much as a new z₁ (Δx̂²)",
                  f"{a['change'][1]:.2f} vs {a['change'][0]:.2f}", a["change"][1] < 0.25 * a["change"][0])
lesson.checks.add("A: a new z₂ keeps the digit more often than a new z₁",
                  f"{a['kept'][1]:.0%} vs {a['kept'][0]:.0%}", a["kept"][1] > a["kept"][0] + 0.3)
lesson.checks.add("B (widths swapped): the roles reverse — digit read from z₂ better than z₁",
                  f"{b['accuracy'][1]:.0%} vs {b['accuracy'][0]:.0%}", b["accuracy"][1] > b["accuracy"][0] + 0.15)
lesson.checks.add("B: swapped image reads as the z₂ donor's digit more than the z₁ donor's",
                  f"{b['follows'][1]:.0%} vs {b['follows'][0]:.0%}", b["follows"][1] > b["follows"][0])
lesson.checks.add("I(X;Z) ≤ R for every β (min of R − I, nats)", float((R - information).min()),
                  bool(np.all(information <= R + 0.05)))
lesson.checks.add("I(X;Z) ≤ log N for every β", f"{information.max():.2f} ≤ {log_n:.2f}",
                  bool(np.all(information <= log_n + 0.01)))
lesson.checks.add("rate falls and distortion grows with β (monotone, 0.1-nat noise)",
                  f"R {R[0]:.1f}→{R[-1]:.2f}, D {D[0]:.1f}→{D[-1]:.1f}",
                  bool(np.all(np.diff(R) < 0.1) and np.all(np.diff(D) > -0.1) and D[-1] > D[0] + 2))
lesson.checks.add("I(Z;Y) bound: near H(Y) at the smallest β, ≈ 0 at the largest (nats)",
                  f"{label_bound[0]:.2f} / {label_bound[-1]:.2f} of {label_entropy:.2f}",
                  label_bound[0] > lesson.pick(full=0.6, quick=0.4) * label_entropy and label_bound[-1] < 0.2)
lesson.checks.add("β = 1 keeps a larger share of I(Z;Y) than of I(X;Z)", f"{share_label:.0%} vs {share_input:.0%}",
                  share_label > share_input)
lesson.finish()
