# %% [markdown]
# # Lesson 22 — Contrastive, adversarial and perceptual losses
#
# Three losses that look past a pixel-by-pixel comparison: one arranges the codes, one asks a critic whether the
# reconstruction looks real, one compares images through the eyes of a trained network.
#
# Every autoencoder so far was trained on a distance between x and x̂, pixel by pixel (plus a regulariser on the
# code). The material lists three losses that add something else:
#
# 1. a **contrastive loss on codes** (the asymmetric-autoencoder section): codes of similar inputs close, of
#    dissimilar inputs at least a margin apart;
# 2. an **adversarial reconstruction loss**: a discriminator D judges x̂ against real images, and the autoencoder
#    is also trained to fool it — in two forms, one of which passes the autoencoder almost nothing while D
#    rejects its output;
# 3. a **perceptual loss**: x and x̂ compared through Φ, the features of a frozen network trained earlier.
#
# Each is one function in `minigrad_ae.nn.functional` (and a loss module in `nn`), composed from autodiff ops, so
# autodiff differentiates it; we check each gradient against finite differences, then train with it and
# measure what it changes. Data: the bundled 8×8 digits (pixels in [0, 1]), 80 % to train, 20 % held out; every
# number quoted is measured again when you run the lesson.

# %%
import copy

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae import nn, stand_ins
from minigrad_ae.lesson import load_lesson_data
from minigrad_ae.models import Autoencoder, mlp
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 22: contrastive, adversarial and perceptual losses — codes arranged by pairs, a critic "
                   "on the reconstruction (saturating vs non-saturating), features of a frozen network")
X_train, y_train, X_test, y_test = load_lesson_data("digits", lesson.rng)
BATCH = 64
print(f"digits: {len(X_train)} training / {len(X_test)} held-out images of 8×8 pixels")


def seeded(offset):
    """A generator of its own for each model, so that two models compared start from the same weights."""
    return np.random.default_rng(lesson.args.seed + offset)


def reconstruct(model, X):
    with mg.no_grad():
        return model(X).data.astype(np.float64)


# %% [markdown]
# ## 1. A contrastive loss on codes
# Give the loss **pairs** of codes z₁, z₂ (batch, latent) and a label y (batch,) per pair (1: similar, e.g. the same
# digit; 0: dissimilar); d = ‖z₁ − z₂‖ is a pair's distance and m > 0 a margin (Hadsell, Chopra & LeCun 2006). A
# similar pair is pulled together; a dissimilar pair is pushed apart until it is m apart, and then left alone —
# without the margin, pushing apart would have no end. Each pair's term is a square:
# BEGIN SOLUTION contrastive_pair_loss
#
#     ℓ = y·d² + (1 − y)·max(0, m − d)²:   the pull is 2d, the push 2(m − d) while d < m.
#
# END SOLUTION
# `F.contrastive_loss(z1, z2, similar, margin)` computes d as √(‖z₁ − z₂‖² + 10⁻²⁴): at d = 0 the
# square root's derivative is infinite, and the tiny constant makes the gradient there 0 instead of 0/0 = NaN.
# (InfoNCE, the loss of SimCLR, compares each pair against all others in the batch through a softmax instead of
# a margin; the margin form is the material's, and needs no batch of negatives.)
#
# **Check.** Its gradient against central differences, in float64, off the two points where it has none
# (d = 0 and d = m):

# %%
z1, z2 = lesson.rng.standard_normal((2, 6, 3))
pair_labels = np.array([1, 0, 1, 0, 0, 1])
report = mg.gradcheck(lambda a, b: F.contrastive_loss(a, b, pair_labels, margin=2.0), [z1, z2])
print(f"contrastive_loss gradcheck: max relative error {report.max_rel_error:.1e}")
solved = not stand_ins.used("contrastive_pair_loss")   # False in a student copy until you write the pair's loss
lesson.checks.add("contrastive_loss passes gradcheck (float64): rel err",
                  report.max_rel_error if solved else "not solved yet", not solved or bool(report))

# %% [markdown]
# **Training with it.** Two autoencoders 64 → 32 → 2 → 32 → 64 (a 2-D code, to look at) from the same start:
# one on the reconstruction error alone, one on L_recon + α·L_contrastive with α = 0.1 and margin m = 2. Each image
# of a batch is paired with another training image — the same digit half the time, any image otherwise — so
# labels are used only through "same or not". Two scale-free measures of how the held-out codes are arranged
# (the plain autoencoder's code has no fixed scale, so raw distances would not compare):
#
# - **5-NN accuracy**: each held-out code takes the majority digit of its 5 nearest training codes;
# - **separation**: mean distance between codes of different digits / mean distance between codes of one digit.

# %%
CONTRASTIVE_EPOCHS = lesson.pick(full=10, quick=5)
ALPHA, MARGIN = 0.1, 2.0
images_of_digit = [np.flatnonzero(y_train == digit) for digit in range(10)]


def partners(labels, rng):
    """For each label, a training image: of the same digit with probability ½, else any; and 'same digit or not'."""
    same_digit = np.array([rng.choice(images_of_digit[label]) for label in labels])
    index = np.where(rng.random(len(labels)) < 0.5, same_digit, rng.integers(len(y_train), size=len(labels)))
    return index, y_train[index] == labels


def train_with_pairs(alpha):
    rng = seeded(1)
    model = Autoencoder([64, 32, 2], rng=rng)
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(CONTRASTIVE_EPOCHS):
        for xb, yb in mg.data.batches(X_train, y_train, BATCH, rng=rng):
            z = model.encode(xb)
            loss = model.recon_loss(model.decoder(z), xb)
            if alpha:
                index, similar = partners(yb, rng)
                loss = loss + alpha * F.contrastive_loss(z, model.encode(X_train[index]), similar, margin=MARGIN)
            model.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def codes(model, X):
    with mg.no_grad():
        return model.encode(X).data.astype(np.float64)


def knn_accuracy(Z_train, Z_test, k=5):
    squared = ((Z_test[:, None, :] - Z_train[None, :, :]) ** 2).sum(axis=-1)
    votes = y_train[np.argsort(squared, axis=1)[:, :k]]
    predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
    return float(np.mean(predicted == y_test))


def separation(Z, labels):
    distances = np.linalg.norm(Z[:, None, :] - Z[None, :, :], axis=-1)
    same = labels[:, None] == labels[None, :]
    return float(distances[~same].mean() / distances[same & ~np.eye(len(Z), dtype=bool)].mean())


pairs_result = {}
for name, alpha in (("reconstruction only", 0.0), (f"+ {ALPHA}·contrastive", ALPHA)):
    model = train_with_pairs(alpha)
    Z_test = codes(model, X_test)
    pairs_result[name] = dict(codes=Z_test, knn=knn_accuracy(codes(model, X_train), Z_test),
                              separation=separation(Z_test, y_test),
                              mse=float(np.mean((reconstruct(model, X_test) - X_test) ** 2)))
    print(f"{name:>22}: 5-NN accuracy {pairs_result[name]['knn']:.3f}, separation "
          f"{pairs_result[name]['separation']:.2f}, held-out MSE {pairs_result[name]['mse']:.4f}")
plain, paired = pairs_result.values()
lesson.checks.add("contrastive: 5-NN accuracy of the 2-D codes rises by > 0.15 (gain)", paired["knn"] - plain["knn"],
                  paired["knn"] - plain["knn"] > 0.15)
lesson.checks.add("contrastive: separation of the digits' codes rises by > 1.3× (ratio)",
                  paired["separation"] / plain["separation"], paired["separation"] > 1.3 * plain["separation"])
lesson.checks.add("contrastive: held-out MSE within 10 % of reconstruction only (ratio)", paired["mse"] / plain["mse"],
                  paired["mse"] < 1.1 * plain["mse"])
lesson.record("contrastive_knn_plain", plain["knn"])
lesson.record("contrastive_knn_paired", paired["knn"])

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 5.2))
for ax, (name, result) in zip(axes, pairs_result.items()):
    scatter = ax.scatter(*result["codes"].T, c=y_test, cmap="tab10", s=9, vmin=-0.5, vmax=9.5)
    ax.set(title=f"{name}: 5-NN accuracy {result['knn']:.2f}, separation {result['separation']:.2f}",
           xlabel="$z_1$", ylabel="$z_2$")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
fig.colorbar(scatter, ax=axes, ticks=range(10), label="digit", fraction=0.03)
fig.suptitle("held-out codes of two 64-32-2 autoencoders from the same start")
fig.set_layout_engine("constrained")
lesson.show(fig, "22_contrastive_codes")

# %% [markdown]
# The contrastive term turns the reconstruction-only code — where digits overlap in smears — into clusters, at
# almost no cost in reconstruction: the decoder needs the code to tell digits apart anyway, and the term says
# which differences matter. With labels for only some images, this is a way to use them (pairs need only "same
# or not", which is also what augmentations of one image give, the idea behind SimCLR).
#
# ## 2. The adversarial reconstruction loss, and why the non-saturating form trains
# A discriminator D gets an image and returns the probability D(x) = σ(ℓ(x)) that it is real (ℓ: its logit). It
# is trained to tell data from reconstructions, min −log D(x) − log(1 − D(x̂)) (binary cross-entropy). The
# autoencoder is trained to reconstruct *and* to fool D:
#
#     saturating:       ℓ = mean |x − x̂| + λ·log(1 − D(x̂))     the minimax game's own term
#     non-saturating:   ℓ = mean |x − x̂| − λ·log D(x̂)          Goodfellow et al. 2014's replacement
#
# Both adversarial terms fall as D(x̂) rises, and both are satisfied by the same thing, a D fooled. The
# difference is the slope. With D(x̂) = σ(ℓ), per sample
#
#     ∂/∂ℓ [λ·log(1 − σ(ℓ))] = −λ·D(x̂)          ∂/∂ℓ [−λ·log σ(ℓ)] = −λ·(1 − D(x̂))
#
# Early in training x̂ is poor and D rejects it confidently, D(x̂) ≈ 0: the saturating form's gradient is ≈ 0
# exactly when the autoencoder has most to learn from D, and the non-saturating form's is ≈ λ, its largest.
# `F.adversarial_reconstruction_loss(x̂, x, fake_logits, weight=λ, form=…)` takes D's logits, so both are
# computed stably: log(1 − σ(ℓ)) = −softplus(ℓ), −log σ(ℓ) = softplus(−ℓ).
#
# **Check.** Both forms' gradients (with respect to x̂, x and the logits) against central differences:

# %%
x_hat, x, logits = lesson.rng.uniform(size=(5, 4)), lesson.rng.uniform(size=(5, 4)), lesson.rng.normal(0, 3, 5)
for form in ("saturating", "non_saturating"):
    report = mg.gradcheck(lambda a, b, c: F.adversarial_reconstruction_loss(a, b, c, weight=0.5, form=form),
                          [x_hat, x, logits])
    print(f"adversarial_reconstruction_loss ({form}) gradcheck: max relative error {report.max_rel_error:.1e}")
    lesson.checks.add(f"adversarial ({form}) passes gradcheck (float64): rel err", report.max_rel_error, bool(report))

# %% [markdown]
# **A discriminator that confidently rejects.** An autoencoder 64 → 32 → 8 → 32 → 64 at its initialisation, and a
# discriminator 64 → 64 → 1 (LeakyReLU) trained for a few dozen steps to tell the data from its reconstructions:
# the situation early in training. Then, from that one state, the gradient each form sends into the autoencoder
# (λ = 0.05; λ·∂(adversarial term)/∂x̂, over the held-out images).

# %%
LAMBDA = 0.05
D_WARMUP, GAME_STEPS = lesson.pick(full=60, quick=40), lesson.pick(full=80, quick=40)
FORMS = ("saturating", "non_saturating")
real, fake = np.ones((BATCH, 1), np.float32), np.zeros((BATCH, 1), np.float32)


def endless_batches(rng):
    while True:
        yield from mg.data.batches(X_train, None, BATCH, rng=rng, drop_last=True)


def discriminator_step(autoencoder, discriminator, optimizer, xb):
    """One step of min BCE(D(x), 1) + BCE(D(x̂), 0); x̂ is data here (no gradient into the autoencoder)."""
    x_hat = reconstruct(autoencoder, xb).astype(np.float32)
    loss = 0.5 * (F.binary_cross_entropy_with_logits(discriminator(xb), real)
                  + F.binary_cross_entropy_with_logits(discriminator(x_hat), fake))
    discriminator.zero_grad()
    loss.backward()
    optimizer.step()


def split_gradient(autoencoder, discriminator, xb, form, weight=None):
    """x̂ = autoencoder(xb); the gradient of the whole loss (λ = ``weight``, LAMBDA if None) with respect to x̂,
    and its adversarial and L1 parts."""
    x_hat = autoencoder(xb)
    leaf = mg.tensor(x_hat.data, requires_grad=True)   # x̂ as a leaf: the two terms' gradients are read off at x̂
    weight = LAMBDA if weight is None else weight
    (total,) = mg.grad(F.adversarial_reconstruction_loss(leaf, xb, discriminator(leaf), weight, form), [leaf])
    (l1,) = mg.grad(F.l1_loss(leaf, xb), [leaf])
    return x_hat, total.data, total.data - l1.data, l1.data


rng = seeded(2)
start_autoencoder, start_discriminator = Autoencoder([64, 32, 8], rng=rng), mlp([64, 64, 1], rng=rng)
warmup = mg.optim.Adam(start_discriminator.parameters(), lr=3e-3, betas=(0.5, 0.999))
stream = endless_batches(seeded(3))
for _ in range(D_WARMUP):
    discriminator_step(start_autoencoder, start_discriminator, warmup, next(stream))
start_discriminator.freeze()   # from here on only read, until each game copies and trains it
with mg.no_grad():
    start_logits = start_discriminator(reconstruct(start_autoencoder, X_test).astype(np.float32)).data[:, 0]
    real_verdict = float(start_discriminator(X_test).sigmoid().data.mean())
start_verdict = 1 / (1 + np.exp(-start_logits.astype(np.float64)))
start_gradient = {form: split_gradient(start_autoencoder, start_discriminator, X_test, form)[2] for form in FORMS}
adversarial_norm = {form: float(np.linalg.norm(gradient)) for form, gradient in start_gradient.items()}
start_ratio = adversarial_norm["saturating"] / adversarial_norm["non_saturating"]
# sample by sample: both are the sample's ∂/∂ℓ times the same ∂ℓ/∂x̂, so their ratio is D(x̂) / (1 − D(x̂))
per_sample = (np.linalg.norm(start_gradient["saturating"], axis=1)
              / np.linalg.norm(start_gradient["non_saturating"], axis=1))
odds_deviation = float(np.max(np.abs(per_sample / (start_verdict / (1 - start_verdict)) - 1)))
print(f"after {D_WARMUP} steps D says real with mean probability {real_verdict:.3f} on the data, "
      f"{start_verdict.mean():.4f} on the reconstructions")
print(f"‖λ·∂(adversarial)/∂x̂‖: saturating {adversarial_norm['saturating']:.2e}, non-saturating "
      f"{adversarial_norm['non_saturating']:.2e}; ratio {start_ratio:.2e}")
print(f"per sample, the ratio is D(x̂) / (1 − D(x̂)) to within a relative {odds_deviation:.1e} (float32)")
lesson.checks.add("adversarial: D confidently rejects the first reconstructions (mean D(x̂))",
                  float(start_verdict.mean()), start_verdict.mean() < 0.02)
lesson.checks.add("adversarial: saturating / non-saturating gradient into x̂ at that point < 0.02 (ratio)",
                  start_ratio, start_ratio < 0.02)
lesson.checks.add("adversarial: per sample the ratio is D(x̂)/(1 − D(x̂)) (largest relative deviation)",
                  odds_deviation, odds_deviation < 1e-3)
lesson.record("adversarial_start_gradient_ratio", start_ratio)

# %% [markdown]
# Sample by sample the two gradients at x̂ are the sample's ∂/∂ℓ times the same ∂ℓ/∂x̂ (D's own gradient), so
# they differ by exactly the factor D(x̂) / (1 − D(x̂)): a few thousandths here.
#
# **The training curves.** From that state, the game itself, once per form, and once with λ = 0 (L1 alone) for
# reference: each step one discriminator step, then one autoencoder step on its loss (Adam, lr 2·10⁻³, β₁ = 0.5,
# as GANs are usually trained; the runs share the start, the batches and every setting but the loss). We follow
# D's verdict on the reconstructions and the **adversarial share** of the autoencoder's gradient,
# ‖λ·∂adv/∂x̂‖ / ‖∂L1/∂x̂‖: how much of what the autoencoder learns comes from D. And after step
# COMPARE_STEP = 20 we ask how far each run's held-out reconstructions have moved from the λ = 0 run's.

# %%
COMPARE_STEP = 20
RUNS = {"λ = 0 (L1 only)": ("saturating", 0.0), "saturating": ("saturating", LAMBDA),
        "non_saturating": ("non_saturating", LAMBDA)}
game = {}
for run, (form, weight) in RUNS.items():
    autoencoder, discriminator = copy.deepcopy(start_autoencoder), copy.deepcopy(start_discriminator).unfreeze()
    optimizer = mg.optim.Adam(autoencoder.parameters(), lr=2e-3, betas=(0.5, 0.999))
    critic_optimizer = mg.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    stream, verdicts, shares, l1 = endless_batches(seeded(4)), [], [], []
    for step in range(GAME_STEPS):
        xb = next(stream)
        discriminator_step(autoencoder, discriminator, critic_optimizer, xb)
        discriminator.freeze()   # the autoencoder's step must not train D
        x_hat, total, adversarial, reconstruction = split_gradient(autoencoder, discriminator, xb, form, weight)
        autoencoder.zero_grad()
        x_hat.backward(total)
        optimizer.step()
        discriminator.unfreeze()
        if step + 1 == COMPARE_STEP:
            early_images = reconstruct(autoencoder, X_test)
        with mg.no_grad():
            verdicts.append(float(discriminator(x_hat.data).sigmoid().data.mean()))
        shares.append(np.linalg.norm(adversarial) / np.linalg.norm(reconstruction))
        l1.append(float(np.abs(x_hat.data - xb).mean()))
    game[run] = dict(verdict=np.array(verdicts), share=np.array(shares), l1=np.array(l1), early_images=early_images)

reference = game["λ = 0 (L1 only)"]["early_images"]
moved = {form: float(np.linalg.norm(game[form]["early_images"] - reference)) for form in FORMS}
moved_ratio = moved["saturating"] / moved["non_saturating"]
print(f"after {COMPARE_STEP} steps, held-out reconstructions differ from the λ = 0 run's by (Frobenius norm): "
      f"saturating {moved['saturating']:.3f}, non-saturating {moved['non_saturating']:.3f}")
early = game["saturating"]["verdict"] < 0.1   # while D still rejects the saturating run's reconstructions
share_ratio = float(np.median(game["saturating"]["share"][early] / game["non_saturating"]["share"][early]))
print(f"while D(x̂) < 0.1 ({early.sum()} of {GAME_STEPS} steps): median adversarial share saturating / "
      f"non-saturating {share_ratio:.3f}")
for form in FORMS:
    print(f"{form:>15}: adversarial share at steps 1, 10, 20: {np.round(game[form]['share'][[0, 9, 19]], 4)}; "
          f"mean D(x̂) over the last 10 steps {game[form]['verdict'][-10:].mean():.2f}")
lesson.checks.add("adversarial: while D rejects, the saturating form's adversarial share is < 0.1× the other's "
                  "(median ratio)", share_ratio, early.sum() >= 10 and share_ratio < 0.1)
lesson.checks.add(f"adversarial: after {COMPARE_STEP} steps the saturating run is the λ = 0 run, nearly (its distance "
                  "from it / the non-saturating run's)", moved_ratio, moved_ratio < 0.2)
lesson.record("adversarial_early_share_ratio", share_ratio)
lesson.record("adversarial_moved_ratio", moved_ratio)

# %%
fig, (ax_slope, ax_verdict, ax_share) = plt.subplots(1, 3, figsize=(16, 4.6))
d = np.linspace(0, 1, 201)
ax_slope.plot(d, LAMBDA * d, color="tab:red", label=r"saturating: $\lambda\,D(\hat{x})$")
ax_slope.plot(d, LAMBDA * (1 - d), color="tab:blue", label=r"non-saturating: $\lambda\,(1 - D(\hat{x}))$")
ax_slope.axvspan(0, max(0.02, float(start_verdict.max())), color="0.85", label="D(x̂) of the first reconstructions")
ax_slope.set(xlabel=r"$D(\hat{x})$, the discriminator's probability that $\hat{x}$ is real",
             ylabel=r"$|\partial\,$adversarial term$/\partial \ell|$ per sample",
             title=f"the slope each form gives the logit ℓ (λ = {LAMBDA})", xlim=(0, 1), ylim=(0, LAMBDA * 1.05))
steps = np.arange(1, GAME_STEPS + 1)
for run, colour in zip(RUNS, ("0.5", "tab:red", "tab:blue")):
    label = run.replace("_", "-")
    ax_verdict.plot(steps, game[run]["verdict"], color=colour, label=label, ls=":" if run not in FORMS else "-")
    if run in FORMS:   # the λ = 0 run has no adversarial part
        ax_share.semilogy(steps, game[run]["share"], color=colour, label=label)
for ax in (ax_verdict, ax_share):
    ax.axvline(COMPARE_STEP, color="k", lw=0.8, ls="--", label=f"step {COMPARE_STEP}: runs compared")
ax_verdict.set(xlabel="training step (one D step, then one autoencoder step)",
               ylabel=r"mean $D(\hat{x})$ on the batch", title="D's verdict on the reconstructions", ylim=(0, 1))
ax_share.set(xlabel="training step", ylabel=r"$\|\lambda\,\partial \mathrm{adv}/\partial\hat{x}\| \;/\; "
             r"\|\partial L_1/\partial\hat{x}\|$ (log scale)", title="how much of the update comes from D")
for ax in (ax_slope, ax_verdict, ax_share):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
lesson.show(fig, "22_adversarial_saturation")

# %% [markdown]
# Left: the two slopes. Middle and right: the game. While D rejects the reconstructions (the first ~30 steps),
# the saturating form's adversarial part is a few hundredths of the L1 part or less, and the autoencoder trains as
# the λ = 0 run does: its held-out reconstructions after 20 steps are a few percent as far from that run's as the
# non-saturating run's are (printed above), and its verdict curve lies on the λ = 0 one. The non-saturating form
# is a full partner from the first step (share between 1 and 2.5). That is the measured reason it trains better: the
# saturating form wastes the phase where the autoencoder has most to learn from D. Both forms have the same fixed
# point (D fooled), which is why the replacement is legitimate.
#
# What the curves do *not* show is the non-saturating run fooling D sooner: here the L1 term alone soon makes
# the reconstructions pass part of the time, and from then on the saturating form's slope λ·D(x̂) grows and the
# shares meet (its run even fools this D more later, when its slope is the larger one). With an L1 term to fall
# back on, the saturating form only delays the adversarial signal; a GAN's generator, which has nothing else,
# would not learn at all while D rejects.
#
# ## 3. A perceptual loss through a frozen network
# Pixel distances treat every pixel error alike; a network trained to recognise digits weighs errors by whether
# they change what the image shows. Compare x and x̂ through its features Φ as well:
#
#     ℓ = mean_k (Φ(x̂)ₖ − Φ(x)ₖ)² + λ·mean_j (x̂ⱼ − xⱼ)²          x, x̂ (batch, 64), Φ(·) (batch, 32)
#
# (Johnson et al. 2016 use a VGG network trained on ImageNet; here a classifier trained a moment ago on the same
# digits.) Φ must be **frozen**: trained along with the autoencoder, it could shrink its features until the loss
# says nothing. `F.perceptual_loss` refuses a Φ with trainable parameters, and `nn.PerceptualLoss(Φ, weight=λ)`
# freezes it (`Module.freeze()`: requires_grad off, no gradient computed for its weights). The gradient still
# flows *through* Φ to x̂.
#
# Φ: the two hidden layers of a classifier 64 → 64 → 32 → 10 (LeakyReLU), trained here with cross-entropy. Its
# accuracy on reconstructions would be a biased judge of a loss built on its own features, so a second
# classifier, 64 → 48 → 10 from another seed, judges.

# %%
CLASSIFIER_EPOCHS = lesson.pick(full=6, quick=4)
PERCEPTUAL_EPOCHS = 10   # also under --quick: fewer epochs leave too little between the two losses to measure


def train_classifier(sizes, rng):
    classifier = mlp(sizes, rng=rng)
    optimizer = mg.optim.Adam(classifier.parameters(), lr=3e-3)
    for _ in range(CLASSIFIER_EPOCHS):
        for xb, yb in mg.data.batches(X_train, y_train, BATCH, rng=rng):
            loss = F.cross_entropy(classifier(xb), yb)
            classifier.zero_grad()
            loss.backward()
            optimizer.step()
    return classifier.eval()


def predictions(classifier, X):
    with mg.no_grad():
        return classifier(np.asarray(X, np.float32)).data.argmax(axis=1)


classifier, judge = train_classifier([64, 64, 32, 10], seeded(5)), train_classifier([64, 48, 10], seeded(6))
features = classifier[:4].freeze()   # Linear, LeakyReLU, Linear, LeakyReLU: 32 features
accuracy = {name: float(np.mean(predictions(net, X_test) == y_test)) for name, net in
            (("classifier", classifier), ("judge", judge))}
print(f"held-out accuracy: classifier (Φ's) {accuracy['classifier']:.3f}, judge {accuracy['judge']:.3f}")

phi64 = copy.deepcopy(features).double()   # the check runs in float64
report = mg.gradcheck(lambda a, b: F.perceptual_loss(a, b, phi64, weight=0.5), [X_test[:4], X_test[4:8] * 0.9])
print(f"perceptual_loss gradcheck: max relative error {report.max_rel_error:.1e}")
lesson.checks.add("perceptual_loss passes gradcheck (float64, through Φ): rel err", report.max_rel_error, bool(report))
lesson.checks.add("perceptual: the judge classifies held-out digits (accuracy)", accuracy["judge"],
                  accuracy["judge"] > 0.9)

# %% [markdown]
# Two autoencoders 64 → 32 → 4 → 32 → 64 from the same start — a code of 4 numbers, small enough that the
# reconstructions must give something up: one on the pixel MSE, one on the perceptual loss with λ = 1.

# %%
PERCEPTUAL_WEIGHT = 1.0
criteria = {"pixel MSE": nn.MSELoss(), "perceptual": nn.PerceptualLoss(features, weight=PERCEPTUAL_WEIGHT)}
perceptual_result = {}
for name, criterion in criteria.items():
    rng = seeded(7)
    model = Autoencoder([64, 32, 4], rng=rng)
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(PERCEPTUAL_EPOCHS):
        for xb in mg.data.batches(X_train, None, BATCH, rng=rng):
            loss = criterion(model(xb), xb)
            model.zero_grad()
            loss.backward()
            optimizer.step()
    X_hat = reconstruct(model, X_test)
    with mg.no_grad():
        feature_error = float(np.mean((features(X_hat.astype(np.float32)).data - features(X_test).data) ** 2))
    perceptual_result[name] = dict(images=X_hat, mse=float(np.mean((X_hat - X_test) ** 2)), features=feature_error,
                                   judged=predictions(judge, X_hat),
                                   judge=float(np.mean(predictions(judge, X_hat) == y_test)),
                                   classifier=float(np.mean(predictions(classifier, X_hat) == y_test)))
    print(f"{name:>10}: pixel MSE {perceptual_result[name]['mse']:.4f}, feature error {feature_error:.3f}, "
          f"reconstructions recognised by the judge {perceptual_result[name]['judge']:.3f} "
          f"(by Φ's classifier {perceptual_result[name]['classifier']:.3f})")
pixel, perceptual = perceptual_result.values()
assert all(p.grad is None for p in features.parameters())   # frozen: Φ got no gradient in either run
lesson.checks.add("perceptual: the judge recognises more of its reconstructions (accuracy gain > 0.04)",
                  perceptual["judge"] - pixel["judge"], perceptual["judge"] - pixel["judge"] > 0.04)
lesson.checks.add("perceptual: feature error below 0.7× pixel-MSE training's (ratio)",
                  perceptual["features"] / pixel["features"], perceptual["features"] < 0.7 * pixel["features"])
lesson.checks.add("perceptual: the price, a higher pixel MSE (ratio > 1)", perceptual["mse"] / pixel["mse"],
                  perceptual["mse"] > pixel["mse"])
lesson.record("perceptual_judge_accuracy_pixel", pixel["judge"])
lesson.record("perceptual_judge_accuracy_perceptual", perceptual["judge"])

# %%
SHOWN = 12
shown = np.arange(SHOWN)   # the first held-out images, not chosen to flatter either loss
rows = [("original", X_test, y_test), ("pixel MSE", pixel["images"], pixel["judged"]),
        (f"perceptual (λ = {PERCEPTUAL_WEIGHT:g})", perceptual["images"], perceptual["judged"])]
fig, axes = plt.subplots(3, SHOWN, figsize=(1.3 * SHOWN, 4.6))
for row, (name, images, labels) in enumerate(rows):
    for col, i in enumerate(shown):
        ax = axes[row, col]
        ax.imshow(images[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        right = labels[i] == y_test[i]
        ax.set_title(f"{'digit' if row == 0 else 'judge:'} {labels[i]}", fontsize=9,
                     color="k" if row == 0 or right else "tab:red")
    axes[row, 0].set_ylabel(name, fontsize=9)
fig.suptitle(f"the first {SHOWN} held-out digits and their reconstructions from a 4-number code; the judge's "
             "reading above each (red: wrong)", fontsize=10)
lesson.show(fig, "22_perceptual_reconstructions")

# %%
fig, ax = plt.subplots(figsize=(10, 3.8))
digits = np.arange(10)
for offset, (name, result), colour in zip((-0.2, 0.2), perceptual_result.items(), ("tab:gray", "tab:green")):
    per_digit = [np.mean(result["judged"][y_test == digit] == digit) for digit in digits]
    ax.bar(digits + offset, per_digit, width=0.4, color=colour,
           label=f"{name}: {result['judge']:.2f} over all {len(X_test)} held-out digits")
ax.set(xticks=digits, xlabel="digit shown", ylabel="share of reconstructions the judge reads right", ylim=(0, 1.05),
       title="which digits survive the 4-number code, by training loss")
ax.grid(alpha=0.3, axis="y")
ax.legend(fontsize=8, loc="lower right")
lesson.show(fig, "22_perceptual_accuracy")

# %% [markdown]
# The pixel-MSE autoencoder spends its four numbers on what lowers the average pixel error and draws smooth
# averages; on the default run it gives up almost every 5 (the bars), which it draws as a blend the judge reads
# as another digit. The perceptual one spends them on what Φ — a network that tells digits apart — responds to:
# the judge, which never saw the loss, reads its reconstructions right more often, most of all on the digits the
# pixel loss loses. The price shows in the images: a grey haze where the digit's background should be blank.
# Φ barely responds to those pixels, so only the λ·pixel term holds them down, and the pixel MSE is higher. A
# perceptual loss changes *which* errors the autoencoder makes, not only how many; λ sets the trade.
#
# ## Summary
# | loss | compares | what it changed here |
# |---|---|---|
# | contrastive, margin m | pairs of codes | digit clusters in a 2-D code (5-NN accuracy up), reconstruction unchanged |
# | adversarial, saturating λ·log(1 − D(x̂)) | x̂ through a critic | no signal while D rejects: trains as if λ = 0 |
# | adversarial, non-saturating −λ·log D(x̂) | x̂ through a critic | full signal from the first step |
# | perceptual ‖Φ(x̂) − Φ(x)‖² + λ‖x̂ − x‖² | x̂ through a frozen Φ | reconstructions recognised more often, higher pixel error |

# %%
lesson.finish()
