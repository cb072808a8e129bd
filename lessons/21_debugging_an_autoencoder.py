# %% [markdown]
# # Lesson 21 — Debugging an autoencoder
#
# A troubleshooting table is a set of claims: reproduce each symptom, change only its stated cause, and measure.
#
# Tutorials end with a table like this one, and a checklist:
#
# | symptom                     | stated cause                   | stated fix        |
# |-----------------------------|--------------------------------|-------------------|
# | blurry output               | latent space too large         | a smaller code    |
# | loss flat from the start    | vanishing gradients / bad init | a proper init     |
# | overfitting                 | (too much capacity)            | dropout           |
# | discontinuous latent space  | too little nonlinearity        | a deeper network  |
#
# Checklist: inputs normalised · the gradient reaches every layer · latent size suited to the data ·
# train and validation curves watched.
#
# Each row is a causal claim, so each becomes an experiment: **reproduce the symptom, change the stated cause and
# nothing else, measure.** Two rows do not survive it. Then three bugs from the same tutorials' code, each shown
# as the failure you would meet and the measurement that gives it away.
#
# All models are small and train for seconds on the bundled 8×8 digits (pixels in [0, 1]); every number the
# text quotes is from the default run (seed 0) and is measured again when you run the lesson.

# %%
import warnings

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from minigrad_ae import nn
from minigrad_ae.lesson import load_lesson_data
from minigrad_ae.models import VAE, Autoencoder, pca
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.diagnostics import gradient_norms
from minigrad_ae.nn.quantize import nearest_codes

lesson = kit.start("Lesson 21: debugging an autoencoder — the troubleshooting table as experiments, the checklist, "
                   "and three bugs (softmax twice, sigmoid on ReLU targets, VQ distance without keepdims)")
X_train, y_train, X_test, y_test = load_lesson_data("digits", lesson.rng)
mean_image_loss = float(((X_train - X_train.mean(axis=0)) ** 2).mean())   # MSE of always answering the mean digit
print(f"digits: {len(X_train)} training / {len(X_test)} held-out images; MSE of predicting the mean image "
      f"{mean_image_loss:.4f} per pixel")


def train(model, X=X_train, epochs=20, lr=1e-2, batch_size=64, **options):
    """Adam on the model's own loss (or ``loss_fn``); returns the History."""
    return mg.fit(model, X=X, epochs=epochs, batch_size=batch_size, progress=False, rng=lesson.rng,
                  optimizer=options.pop("optimizer", None) or mg.optim.Adam(model.parameters(), lr=lr), **options)


def reconstruct(model, X):
    """decode(code(x)) as a float64 array (for a VAE, from the posterior mean μ(x))."""
    with mg.no_grad():
        return model(X).data.astype(np.float64)


# %% [markdown]
# ## 1. "Loss flat ↔ vanishing gradients / init"
# **Symptom.** A ten-layer LeakyReLU autoencoder (64 → 32 → 32 → 32 → 32 → 8 and back) whose weights start as
# "small random numbers", N(0, 0.01²) — a common default in older code. Its loss sits at the mean-image level.
#
# **Stated cause.** Each layer multiplies the forward signal by about 0.01·√32 ≈ 0.06, so after a few layers the
# activations are ~0, the output is a constant, and in the backward pass every weight gradient δₖ aₖ₋₁ᵀ is the
# product of a shrunken δ (from above) and a shrunken activation (from below). We measure ‖∂L/∂Wₖ‖ per layer
# (`nn.diagnostics.gradient_norms(model, loss)`: one backward, each layer's weight gradient) and change *only*
# the initialisation, to Kaiming's N(0, 2/((1 + a²)·fan_in)), the package's default.

# %%
FLAT_SIZES = [64, 32, 32, 32, 32, 8]
FLAT_EPOCHS = lesson.pick(full=10, quick=5)
flat = {}
for init in ("N(0, 0.01²)", "Kaiming"):
    model = Autoencoder(FLAT_SIZES, rng=np.random.default_rng(lesson.args.seed))
    if init != "Kaiming":
        for layer in (m for m in model.modules() if isinstance(m, nn.Linear)):
            nn.init.normal_(layer.weight, 0.0, 0.01, rng=lesson.rng)
    gradients = np.array(list(gradient_norms(model, model.loss(X_train[:256])).values()))
    history = train(model, epochs=FLAT_EPOCHS, lr=3e-3)
    flat[init] = dict(gradients=gradients, loss=np.array(history.train_loss) / mean_image_loss)
    print(f"{init:>12}: ‖∂L/∂W‖ per layer from {gradients.min():.1e} to {gradients.max():.1e}; training loss / "
          f"mean-image loss by epoch: {np.round(flat[init]['loss'], 2)}")

small, kaiming = flat["N(0, 0.01²)"], flat["Kaiming"]
lesson.checks.add("flat: small init, loss stays at the mean image (loss / mean-image loss, last epoch)",
                  float(small["loss"][-1]), small["loss"][-1] > 0.95)
lesson.checks.add("flat: small init, every layer's gradient < 1e-4 × Kaiming's (largest ratio)",
                  float((small["gradients"] / kaiming["gradients"]).max()),
                  np.all(small["gradients"] < 1e-4 * kaiming["gradients"]))
lesson.checks.add("flat: Kaiming init alone makes it learn (loss / mean-image loss)", float(kaiming["loss"][-1]),
                  kaiming["loss"][-1] < lesson.pick(full=0.6, quick=0.8))

# %%
fig, (ax_grad, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.3))
layer_names = [f"enc {k}" for k in range(1, len(FLAT_SIZES))] + [f"dec {k}" for k in range(1, len(FLAT_SIZES))]
for (init, result), colour in zip(flat.items(), ("tab:red", "tab:blue")):
    ax_grad.semilogy(range(len(layer_names)), result["gradients"], "-o", color=colour, label=f"init {init}")
    ax_loss.plot(range(1, FLAT_EPOCHS + 1), result["loss"], "-o", color=colour, label=f"init {init}")
ax_grad.set_xticks(range(len(layer_names)), layer_names, rotation=45)
ax_grad.set(ylabel="‖∂L/∂W‖ at initialisation (log scale)", xlabel="Linear layer, input side first",
            title="the gradient every layer gets at the start")
ax_loss.axhline(1, color="k", ls=":", lw=1, label="predict the mean image")
ax_loss.set(xlabel="epoch", ylabel="training loss / mean-image loss", title="the symptom: a flat loss",
            ylim=(0, max(2.0, float(np.nanmax([r["loss"][1:].max() for r in flat.values()])) * 1.05)))
for ax in (ax_grad, ax_loss):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
lesson.show(fig, "21_flat_loss")

# %% [markdown]
# **Verdict: the row holds.** With the small init every layer's gradient is about 10⁻¹² of what Kaiming's init
# gives (left: the whole profile is shifted down, not tilted — every layer is starved, not just the first),
# and the loss stays at the level of painting the mean digit (Adam's per-parameter scaling eventually drags it
# off); with Kaiming's init and nothing else changed it learns at once. Lesson 20 shows the other way a
# gradient vanishes — through many sigmoid layers, each costing a factor σ′ ≤ ¼ — and the residual
# connections that cure it.
#
# ## 2. "Blurry output ↔ latent space too large"
# **Measuring blur.** A blurred image has weaker edges. The *detail kept* by a model is the mean squared
# difference between neighbouring pixels of its reconstructions, over the same for the images themselves:
#
#     detail = E‖∇x̂‖² / E‖∇x‖²,     ∇ = differences of horizontally and vertically adjacent pixels
#
# 1 means edges as strong as the data's, smaller means blurrier. (MSE also goes up with blur, but also with
# wrong-but-sharp digits; this one only sees blur.)
#
# **Testing the stated cause.** If a larger latent space blurred, detail would *fall* as the code grows. Three
# plain autoencoders 64 → 32 → k → 32 → 64 with k = 2, 8, 32. Then the other suspect, the **rate**: three VAEs
# (64 → 32 → k = 8, BCE + β·KL, lesson 7) with the same code size and β = 0, 1, 3, for which we measure
# R = E KL(q(z|x) ‖ p(z)), the nats the code carries per image (a small version of lesson 15's sweep).

# %%
BLUR_EPOCHS, BLUR_BATCH = lesson.pick(full=(15, 64), quick=(12, 128))   # quick: fewer, larger steps


def edge_energy(X):
    """Mean over images of Σ (differences of adjacent pixels)², rows and columns, for 8×8 images."""
    images = np.asarray(X, dtype=np.float64).reshape(-1, 8, 8)
    return float(((np.diff(images, axis=1) ** 2).sum(axis=(1, 2)) + (np.diff(images, axis=2) ** 2).sum(axis=(1, 2)))
                 .mean())


def detail_kept(model):
    return edge_energy(reconstruct(model, X_test)) / edge_energy(X_test)


def rate(vae):
    """Held-out R = mean KL(q(z|x) ‖ N(0, I)) in nats (closed form)."""
    with mg.no_grad():
        return float(vae.per_sample_terms(X_test)[1].data.mean())


autoencoders, vaes = {}, {}
for k in (2, 8, 32):
    autoencoders[k] = Autoencoder([64, 32, k], rng=np.random.default_rng(lesson.args.seed))
    train(autoencoders[k], epochs=BLUR_EPOCHS, batch_size=BLUR_BATCH)
BETAS = (0.0, 1.0, 3.0)
for beta in BETAS:
    vaes[beta] = VAE(64, 32, 8, beta=beta, rng=np.random.default_rng(lesson.args.seed))
    train(vaes[beta], epochs=BLUR_EPOCHS, batch_size=BLUR_BATCH)

ae_detail = {k: detail_kept(model) for k, model in autoencoders.items()}
vae_detail = {beta: detail_kept(model) for beta, model in vaes.items()}
vae_rate = {beta: rate(model) for beta, model in vaes.items()}
for k, detail in ae_detail.items():
    print(f"AE  k = {k:>2}:         detail kept {detail:.2f}")
for beta, detail in vae_detail.items():
    print(f"VAE k =  8, β = {beta:g}:  detail kept {detail:.2f}, rate R = {vae_rate[beta]:5.2f} nats")
components_90 = int(np.searchsorted(np.cumsum(pca(X_train, 64).explained_variance_ratio), 0.9) + 1)
print(f"(PCA: the digits need {components_90} principal directions for 90% of their variance)")

# %%
ks = sorted(autoencoders)
lesson.checks.add("blur: plain AE keeps more detail as the code grows (k = 2 → 8 → 32)",
                  " < ".join(f"{ae_detail[k]:.2f}" for k in ks), ae_detail[2] < ae_detail[8] < ae_detail[32])
lesson.checks.add("blur: VAE, same code, β = 0 → 1 → 3: the rate falls (nats)",
                  " > ".join(f"{vae_rate[b]:.2f}" for b in BETAS), vae_rate[0.0] > vae_rate[1.0] > vae_rate[3.0])
lesson.checks.add("blur: …and the detail falls with it", " > ".join(f"{vae_detail[b]:.2f}" for b in BETAS),
                  vae_detail[0.0] > vae_detail[1.0] > vae_detail[3.0])
lesson.record("detail_ae_k2", ae_detail[2])
lesson.record("detail_ae_k32", ae_detail[32])

# %%
fig, (ax_k, ax_r) = plt.subplots(1, 2, figsize=(12, 4.3))
ax_k.plot(ks, [ae_detail[k] for k in ks], "-o", color="tab:blue", label="plain AE")
ax_k.axvline(components_90, color="0.5", ls=":", label=f"PCA: {components_90} directions hold 90% of the variance")
ax_k.set(xscale="log", xlabel="code size k (log scale)", ylabel="detail kept  E‖∇x̂‖² / E‖∇x‖²", ylim=(0, 1.05),
         title="the stated cause: a larger code does not blur")
ax_k.set_xticks(ks, [str(k) for k in ks])
ax_k.minorticks_off()
ax_r.plot([vae_rate[b] for b in BETAS], [vae_detail[b] for b in BETAS], "-o", color="tab:orange", ms=7)
for beta in BETAS:
    ax_r.annotate(f"β = {beta:g}", (vae_rate[beta], vae_detail[beta]), textcoords="offset points", xytext=(6, -12),
                  fontsize=9)
ax_r.set(xscale="symlog", xlabel="rate R = E KL(q(z|x) ‖ p(z))  (nats per image, held-out; log scale above 1)",
         ylabel="detail kept", ylim=(0, 1.05), title="what blur follows: the rate (VAEs, k = 8, β = 0, 1, 3)")
ax_r.set_xlim(-0.1, vae_rate[0.0] * 3)   # room for the label of the rightmost point
for ax in (ax_k, ax_r):
    ax.axhline(1, color="k", lw=0.6, ls=":")
    ax.grid(alpha=0.3)
ax_k.legend(fontsize=8, loc="lower right")
lesson.show(fig, "21_blur")

shown = np.arange(10)
models_shown = [(f"AE k={k}", autoencoders[k]) for k in ks] + [(f"VAE k=8\nβ={b:g}", vaes[b]) for b in BETAS]
mg.viz.image_grid(np.concatenate([X_test[shown]] + [reconstruct(m, X_test[shown]) for _, m in models_shown]),
                  (8, 8), lesson.path("21_blur_reconstructions"), nrow=len(shown),
                  row_titles=["held-out x"] + [name for name, _ in models_shown],
                  title="reconstructions: blur comes with a small code or a small rate (large β), not a large code")

# %% [markdown]
# **Verdict: the row is backwards.** The plain autoencoder keeps *more* detail as its code grows (0.51 → 0.75 →
# 0.86 in the default run). The VAEs all have the same 8-number code, yet raising β takes the rate from 63 nats
# to 2.5 to 0 and the detail with it (0.72 → 0.43 → 0.24), down to the same mean digit for every input at
# β = 3. Blur is **too little rate**: too few numbers, or numbers the KL term makes too expensive to use. The
# fix for blur is *more* rate (a larger code, a smaller β), or a decoder that does not average over what the
# code leaves open. Lesson 15 traces the whole rate–distortion curve.
#
# The checklist's *latent size suited to the data*: the digits need about 20 principal directions for 90% of
# their variance, so a code of 2 is a very lossy summary — sharp only on average.
#
# ## 3. "Discontinuous latent space ↔ too little nonlinearity"
# A decoder is a composition of continuous functions, so decode(z) can have no jumps. What people see is
# **holes**: codes in the region the training codes occupy that decode to something unlike any digit. Two
# measurements, for four models with an 8-number code:
#
# * **jumps**: along the line between two held-out codes, the biggest of 32 steps ‖x̂(tᵢ₊₁) − x̂(tᵢ)‖ over the mean
#   step (lesson 12); 1 is constant speed, a jump between two of the 32 steps would give about 32;
# * **holes**: draw 500 codes from a Gaussian fitted to the training codes (their mean and covariance), decode
#   them, and count how many land farther from every training image than 95% of the model's own held-out
#   reconstructions do.
#
# The models: the plain AE k = 8 from section 2 (shallow), a **deeper** one (64 → 64 → 64 → 32 → 16 → 8, twice
# the nonlinear layers: the stated fix), and the two VAEs from section 2 with k = 8 that differ *only* in the
# KL term: β = 0 (none) and β = 1.

# %%
deep = Autoencoder([64, 64, 64, 32, 16, 8], rng=np.random.default_rng(lesson.args.seed))
train(deep, epochs=BLUR_EPOCHS, batch_size=BLUR_BATCH, lr=3e-3)
latent_models = {"shallow AE": autoencoders[8], "deep AE": deep, "VAE, β = 0": vaes[0.0], "VAE, β = 1": vaes[1.0]}
X_train64 = X_train.astype(np.float64)


def as_code(encoded):
    """The code as float64: z for an AE; for a VAE, whose encode gives (μ, logvar), the mean μ."""
    return (encoded[0] if isinstance(encoded, tuple) else encoded).data.astype(np.float64)


def decode(model, Z):
    return model.decode(mg.tensor(Z, dtype=np.float32)).data.astype(np.float64)


def distance_to_data(images):
    """Euclidean distance from each image to its nearest training image (‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b)."""
    squared = (images ** 2).sum(1)[:, None] + (X_train64 ** 2).sum(1)[None] - 2 * images @ X_train64.T
    return np.sqrt(np.maximum(squared.min(axis=1), 0))


N_SAMPLES, N_LINES = 500, lesson.pick(full=20, quick=10)
t_line = np.linspace(0, 1, 33)[:, None]
line_pairs = [lesson.rng.choice(len(X_test), size=2, replace=False) for _ in range(N_LINES)]
holes, jumps, samples = {}, {}, {}
for name, model in latent_models.items():
    with mg.no_grad():   # measurements only: no graph
        Z_train, Z_test = as_code(model.encode(X_train)), as_code(model.encode(X_test))
        Z_drawn = lesson.rng.multivariate_normal(Z_train.mean(axis=0), np.cov(Z_train.T), size=N_SAMPLES)
        samples[name] = decode(model, Z_drawn)
        threshold = np.percentile(distance_to_data(decode(model, Z_test)), 95)
        paths = [decode(model, (1 - t_line) * Z_test[i] + t_line * Z_test[j]) for i, j in line_pairs]
    holes[name] = float((distance_to_data(samples[name]) > threshold).mean())
    steps = [np.linalg.norm(np.diff(path, axis=0), axis=1) for path in paths]
    jumps[name] = float(max(s.max() / s.mean() for s in steps))
    print(f"{name:>11}: worst jump ratio over {N_LINES} lines {jumps[name]:.2f};  holes: {holes[name]:.0%} of "
          f"{N_SAMPLES} drawn codes decode off the data")

lesson.checks.add("latent: no decoder jumps (worst max/mean step over all lines and models < 4)",
                  max(jumps.values()), max(jumps.values()) < 4)
for other in ("VAE, β = 0", "shallow AE"):
    lesson.checks.add(f"latent: VAE β = 1 has under half the holes of the {other}",
                      f"{holes['VAE, β = 1']:.2f} vs {holes[other]:.2f}", holes["VAE, β = 1"] < 0.5 * holes[other])
lesson.record("holes", holes)

# %%
mg.viz.image_grid(np.concatenate([samples[name][:12] for name in latent_models]), (8, 8),
                  lesson.path("21_latent_holes"), nrow=12,
                  row_titles=[f"{name}\nholes {holes[name]:.0%}" for name in latent_models],
                  title="decoded codes drawn from a Gaussian fitted to each model's training codes")

# %% [markdown]
# **Verdict: the symptom is misnamed, and depth is not the main cure.** No decoder jumps: the worst step along any
# line is less than twice the mean step, for every model. Holes there are: in the default run 48% of the codes
# drawn around the shallow AE's codes decode to something farther from every digit than its reconstructions
# ever are. More nonlinear layers do reduce that, to 20%; the **KL term** takes the same network from 33%
# (β = 0) to 9% (β = 1), the fewest of the four. It makes each code a cloud q(z|x) that overlaps its
# neighbours and pulls all of them towards N(0, I), so the decoder is *trained on* the spaces between codes
# instead of guessing there. Two caveats the pictures show: the VAE's samples are also the blurriest (which is
# why each model is judged against its own reconstructions, not a fixed distance), and that blur is the price
# from section 2 — the KL term costs rate.
#
# ## 4. "Overfitting ↔ dropout" — and the checklist's train and validation curves
# **Symptom.** The validation loss turns up while the training loss keeps falling. An autoencoder can memorise a
# small training set through even a tiny code, so: **50** training images, a 64 → 128 → 2 → 128 → 64 network, 150
# epochs, validation on the held-out images after every epoch. Then the same network with
# `nn.Dropout(0.2)` after each hidden activation, and nothing else changed.

# %%
OVERFIT_EPOCHS = lesson.pick(full=150, quick=80)
X_small = X_train[:50]


def with_dropout(model, p, rng):
    """The same model with nn.Dropout(p) inserted after every activation of its encoder and decoder."""
    for part in ("encoder", "decoder"):
        layers = []
        for layer in getattr(model, part):
            layers.append(layer)
            if not isinstance(layer, nn.Linear):
                layers.append(nn.Dropout(p, rng=rng))
        setattr(model, part, nn.Sequential(*layers))
    return model


curves = {}
for p in (0.0, 0.2):
    model = Autoencoder([64, 128, 2], rng=np.random.default_rng(lesson.args.seed))
    if p:
        model = with_dropout(model, p, lesson.rng)
    history = train(model, X=X_small, epochs=OVERFIT_EPOCHS, batch_size=25, val=X_test)
    curves[p] = dict(train=mg.evaluate(model, X=X_small), history=history)   # training loss in eval mode
    val = np.array(history.val_loss)
    print(f"dropout {p}: training loss {curves[p]['train']:.4f}, validation loss best {val.min():.4f} at epoch "
          f"{val.argmin() + 1}, last {val[-1]:.4f}")

val_plain, val_dropout = (np.array(curves[p]["history"].val_loss) for p in (0.0, 0.2))
lesson.checks.add("overfit: without dropout, validation loss ≥ 1.5 × training loss (last epoch)",
                  float(val_plain[-1] / curves[0.0]["train"]), val_plain[-1] > 1.5 * curves[0.0]["train"])
lesson.checks.add("overfit: dropout lowers the last validation loss", f"{val_dropout[-1]:.4f} < {val_plain[-1]:.4f}",
                  val_dropout[-1] < val_plain[-1])

# %%
fig, ax = plt.subplots(figsize=(8.5, 4.3))
for p, colour in ((0.0, "tab:red"), (0.2, "tab:blue")):
    history = curves[p]["history"]
    label = "no dropout" if p == 0 else f"dropout {p}"
    ax.plot(range(1, history.epochs + 1), history.train_loss, color=colour, alpha=0.5, lw=1,
            label=f"{label}: training (mean over the epoch's batches{', dropout on' if p else ''})")
    ax.plot(range(1, history.epochs + 1), history.val_loss, color=colour, lw=2, label=f"{label}: validation")
ax.set(yscale="log", xlabel="epoch", ylabel="MSE per pixel (log scale)",
       title="50 training images, a 2-number code: train and validation curves")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
lesson.show(fig, "21_overfitting")

# %% [markdown]
# **Verdict: the row holds here.** Without dropout the validation loss bottoms out and climbs while the training
# loss keeps falling; with dropout it ends lower. Two cautions the curves also teach. Read the training curve
# with dropout *on* for what it is — the loss of a noisier network than the one you evaluate. And dropout is
# one regulariser among several (more data, noise on the input as in lesson 5, early stopping at the bottom of
# the validation curve, lesson 10). Try `[64, 128, 32]` above: in our runs the wide code reached a validation
# loss about a third of the narrow one's, with a *larger* ratio to its training loss, and dropout changed it by
# under 3%. The gap between the curves is not the symptom; a validation curve that turns up is.
#
# ## 5. The rest of the checklist
# **Inputs normalised.** The same 64 → 32 → 8 autoencoder on the digits as stored (pixels k/16 in [0, 1]) and
# on the raw counts 0…16. With a sigmoid output, `fit` refuses to stay silent: the output cannot reach 16. With a
# linear output (`recon='mse'`) the model can reach any value, and then the *optimiser* decides: SGD with
# momentum (η = 0.2, which learns on the [0, 1] data), against Adam at its usual 3·10⁻³.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    train(Autoencoder([64, 32, 8], rng=lesson.rng), X=16 * X_train, epochs=1)
range_warning = next((str(w.message) for w in caught if "can never reconstruct" in str(w.message)), "")
print("sigmoid output, raw counts:", range_warning)
lesson.checks.add("inputs: a sigmoid model on 0…16 data is warned about", "warned", bool(range_warning))

relative_error = {}
for scale in (1, 16):
    for optimiser in ("SGD", "Adam"):
        model = Autoencoder([64, 32, 8], recon="mse", rng=np.random.default_rng(lesson.args.seed))
        make = (lambda m: mg.optim.SGD(m.parameters(), lr=0.2, momentum=0.9)) if optimiser == "SGD" else \
               (lambda m: mg.optim.Adam(m.parameters(), lr=3e-3))
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")   # a diverging run warns and stops; its history says why
            history = train(model, X=scale * X_train, epochs=lesson.pick(full=10, quick=5), optimizer=make(model))
        relative_error[scale, optimiser] = (history.train_loss[-1] / (scale ** 2 * mean_image_loss)
                                            if not history.stopped_early else float("inf"))
        print(f"{optimiser:>4} on data × {scale:>2}: " + (f"training loss / mean-image loss "
              f"{relative_error[scale, optimiser]:.3f}" if not history.stopped_early else history.stop_reason.split(";")[0]))
lesson.checks.add("inputs: SGD that learns on [0, 1] data diverges on 0…16", "diverged",
                  relative_error[16, "SGD"] == float("inf") and relative_error[1, "SGD"] < 1)
adam_ratio = relative_error[16, "Adam"] / relative_error[1, "Adam"]
lesson.checks.add("inputs: Adam + LeakyReLU barely care (relative error, raw / scaled)", adam_ratio,
                  0.8 < adam_ratio < 1.25)

# %% [markdown]
# Adam divides each step by the gradient's running size, and a LeakyReLU network without its biases scales
# exactly with its input, so here scaling hardly matters; plain SGD multiplies its step by gradients 16² times
# larger and blows up within a few batches (`fit` stops before the bad update and says where). Normalise
# anyway: it is what makes a learning rate, an init and an output activation mean what they say.
#
# **The gradient reaches every layer.** A classic slip: a `.detach()` (or `.data`, or a NumPy round trip) in the
# middle of the model. The loss still falls — the decoder learns to decode the encoder's random features — so
# the curve alone does not show it. One backward pass and a look at every layer's gradient does
# (`nn.diagnostics.gradient_norms`, the tool of section 1: a layer it reports at 0 got no gradient at all).

# %%
detached_loss = lambda m, xb: F.mse_loss(m.decode(m.encode(xb).detach()), xb)   # noqa: E731  (the bug)
no_gradient, final_loss = {}, {}
for name, loss_fn in (("correct", None), ("detached code", detached_loss)):
    model = Autoencoder([64, 32, 8], rng=np.random.default_rng(lesson.args.seed))
    loss = model.loss(X_train[:64]) if loss_fn is None else loss_fn(model, X_train[:64])
    no_gradient[name] = [layer for layer, norm in gradient_norms(model, loss).items() if norm == 0]
    final_loss[name] = train(model, loss_fn=loss_fn, epochs=lesson.pick(full=15, quick=6), lr=3e-3).train_loss[-1]
    print(f"{name:>14}: layers without a gradient {no_gradient[name] or 'none'}; training loss / mean-image "
          f"loss {final_loss[name] / mean_image_loss:.3f}")
lesson.checks.add("gradient check finds the detached encoder (layers without a gradient)",
                  ", ".join(no_gradient["detached code"]),
                  no_gradient == {"correct": [], "detached code": ["encoder.0", "encoder.2"]})

# %% [markdown]
# ## 6. Three bugs from the tutorials' code
# ### Softmax, then a cross-entropy that applies softmax again
# `F.cross_entropy` (like PyTorch's) takes **logits** and applies log-softmax itself. Putting `nn.Softmax` at the
# end of the classifier feeds it probabilities, which it softmaxes a second time. For 3 classes and a confident,
# correct answer (logits 10, 0, 0):

# %%
logits = mg.tensor([[10.0, 0.0, 0.0]], dtype=np.float64)
label = np.array([0])
right = F.cross_entropy(logits, label).item()
twice = F.cross_entropy(nn.Softmax(dim=1)(logits), label).item()
print(f"cross_entropy(logits) = {right:.2e};  cross_entropy(softmax(logits)) = {twice:.3f}")
lesson.checks.add("softmax twice: a confident right answer costs 0.55 instead of 9e-5",
                  f"{twice:.3f} vs {right:.1e}", abs(twice - 0.5515) < 1e-3 and abs(right - 9.08e-5) < 1e-6)

# %% [markdown]
# Probabilities lie in [0, 1], so the second softmax sees logits at most 1 apart: even a perfect classifier pays
# at least −log(e / (e + K − 1)) = log(1 + (K − 1)/e) — **0.55 for K = 3, 1.46 for K = 10**. That floor is the
# tell. A linear classifier on the digits (K = 10), trained the right way and with the extra softmax:

# %%
CLASSES = 10
floor = float(np.log(1 + (CLASSES - 1) / np.e))
classifier_curves, accuracy = {}, {}
for name in ("logits → cross_entropy", "softmax → cross_entropy"):
    classifier = nn.Sequential(nn.Linear(64, CLASSES, rng=np.random.default_rng(lesson.args.seed)))
    if name.startswith("softmax"):
        classifier.append(nn.Softmax(dim=1))
    history = train(classifier, y=y_train, epochs=lesson.pick(full=20, quick=8),
                    loss_fn=lambda m, xb, yb: F.cross_entropy(m(xb), yb))
    with mg.no_grad():
        accuracy[name] = float((classifier(X_test).data.argmax(axis=1) == y_test).mean())
    classifier_curves[name] = history.train_loss
    print(f"{name}: training loss {history.train_loss[0]:.3f} → {history.train_loss[-1]:.3f}, held-out accuracy "
          f"{accuracy[name]:.1%}  (floor of the bug: {floor:.3f})")
buggy = classifier_curves["softmax → cross_entropy"]
lesson.checks.add("softmax twice: the loss never goes below log(1 + 9/e) = 1.46 (lowest epoch loss)",
                  float(min(buggy)), min(buggy) >= floor)
lesson.checks.add("…while the correct loss goes far below it", float(classifier_curves["logits → cross_entropy"][-1]),
                  classifier_curves["logits → cross_entropy"][-1] < 0.5 * floor)

# %% [markdown]
# The accuracy barely suffers (softmax is monotone, so the arg-max is the same), which is why the bug survives:
# the symptom is a loss that levels off at a suspicious constant, and a classifier whose probabilities are
# never confident. Use logits with `F.cross_entropy` (or `nn.CrossEntropyLoss`), softmax only to read
# probabilities.
#
# ### A sigmoid decoder trained on unbounded ReLU targets
# In greedy layer-wise training (lesson 8) the second autoencoder reconstructs the first one's **ReLU codes**,
# which are not bounded by 1. A sigmoid output cannot exceed 1, so every target t > 1 costs at least (t − 1)²
# whatever the network learns: a floor, computable from the data alone before any training.

# %%
first = Autoencoder([64, 32], activation="relu", rng=np.random.default_rng(lesson.args.seed))
train(first, epochs=lesson.pick(full=10, quick=5), lr=3e-3)
with mg.no_grad():
    H = first.encode(X_train).relu().data             # the first layer's ReLU features: the next layer's data
sigmoid_floor = float(((H - np.clip(H, 0, 1)) ** 2).mean())
print(f"ReLU features: values in [{H.min():.1f}, {H.max():.2f}], {np.mean(H > 1):.0%} above 1; "
      f"floor of a sigmoid output {sigmoid_floor:.4f}")
relu_curves, relu_warnings = {}, {}
for recon in ("sigmoid_mse", "mse"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Autoencoder([32, 16], recon=recon, rng=np.random.default_rng(lesson.args.seed))
        relu_curves[recon] = train(model, X=H, epochs=lesson.pick(full=20, quick=8), lr=3e-3).train_loss
    relu_warnings[recon] = any("can never reconstruct" in str(w.message) for w in caught)
    print(f"recon={recon!r}: training loss {relu_curves[recon][-1]:.4f}; fit warned: {relu_warnings[recon]}")
lesson.checks.add("sigmoid on ReLU targets: loss stays above the floor from the data (last / floor)",
                  relu_curves["sigmoid_mse"][-1] / sigmoid_floor, relu_curves["sigmoid_mse"][-1] >= sigmoid_floor)
lesson.checks.add("…a linear output goes below it, and only the sigmoid model was warned",
                  f"{relu_curves['mse'][-1]:.4f}", relu_curves["mse"][-1] < sigmoid_floor
                  and relu_warnings == {"sigmoid_mse": True, "mse": False})

# %%
fig, (ax_ce, ax_relu) = plt.subplots(1, 2, figsize=(12, 4.3))
for name, colour in (("logits → cross_entropy", "tab:blue"), ("softmax → cross_entropy", "tab:red")):
    ax_ce.plot(range(1, len(classifier_curves[name]) + 1), classifier_curves[name], "-o", ms=3, color=colour,
               label=f"{name} (accuracy {accuracy[name]:.1%})")
ax_ce.axhline(floor, color="tab:red", ls=":", label=f"floor of the bug, log(1 + 9/e) = {floor:.2f}")
ax_ce.set(xlabel="epoch", ylabel="training cross-entropy", ylim=(0, None),
          title="softmax twice: the loss levels off at a floor")
for recon, colour in (("sigmoid_mse", "tab:red"), ("mse", "tab:blue")):
    ax_relu.plot(range(1, len(relu_curves[recon]) + 1), relu_curves[recon], "-o", ms=3, color=colour,
                 label=f"recon={recon!r}")
ax_relu.axhline(sigmoid_floor, color="tab:red", ls=":", label=f"floor: mean of max(t − 1, 0)² = {sigmoid_floor:.3f}")
ax_relu.set(xlabel="epoch", ylabel="training MSE on the ReLU features (log scale)", yscale="log",
            title="a sigmoid decoder on ReLU targets: a floor set by the data")
for ax in (ax_ce, ax_relu):
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
lesson.show(fig, "21_code_bugs")

# %% [markdown]
# `fit` warns about this one (the package checks the data's range against the output activation); the
# tutorial's code did not. The fix is an output that can reach the data: `recon='mse'` (linear), or scale
# the features into [0, 1] first.
#
# ### The VQ distance without `keepdims`
# Nearest-code search computes all N × K squared distances at once (lesson 14):
# ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖². The ‖z‖² term must be a **column** (N, 1) so it broadcasts along each row.
# Written without `keepdims`, it is a vector (N,), and NumPy aligns it with the *last* axis — the K codes:

# %%
def distances_without_keepdims(z, codebook):
    """The bug: (z * z).sum(axis=1) has shape (N,), so it is added along the codebook axis."""
    return (z * z).sum(axis=1) - 2 * z @ codebook.T + (codebook * codebook).sum(axis=1)


dim = 4
codebook = lesson.rng.standard_normal((16, dim))
z_batch = lesson.rng.standard_normal((10, dim))
print(f"shapes: ‖z‖² {(z_batch * z_batch).sum(axis=1).shape}, z eᵀ {(z_batch @ codebook.T).shape}, "
      f"‖e‖² {(codebook * codebook).sum(axis=1).shape}")
try:
    distances_without_keepdims(z_batch, codebook)
    loud_error = ""
except ValueError as error:
    loud_error = str(error)
print(f"N = 10, K = 16: {loud_error}")

z_square = lesson.rng.standard_normal((16, dim))  # N = K: the shapes happen to fit
wrong = distances_without_keepdims(z_square, codebook).argmin(axis=1)
brute_force = ((z_square[:, None, :] - codebook[None]) ** 2).sum(axis=2).argmin(axis=1)
wrong_share = float(np.mean(wrong != brute_force))
package_agrees = np.array_equal(nearest_codes(z_square, codebook), brute_force)
print(f"N = K = 16: no error, and {wrong_share:.0%} of the vectors get the wrong code; "
      f"the package's nearest_codes agrees with brute force: {package_agrees}")
lesson.checks.add("VQ without keepdims: N ≠ K fails loudly (broadcast error)", "ValueError",
                  "broadcast" in loud_error)
lesson.checks.add("VQ without keepdims: N = K runs and picks wrong codes (share wrong)", wrong_share,
                  wrong_share > 0.2 and package_agrees)

# %% [markdown]
# With N = K the sum adds ‖z_k‖² — the norm of *another* vector — to column k, so the arg-min is pulled towards
# codes whose index matches a short vector in the batch. Nothing crashes and the VQ-VAE still trains, badly.
# Two defences: keep reductions 2-D (`keepdims=True`), and test a shape-polymorphic function at a shape where
# the axes cannot be confused (N ≠ K) and against a brute-force reference, as the package's tests do.
#
# ## What held
# Measured, row by row: a **flat loss** does come from a gradient that never arrives (here, a too-small init;
# Kaiming's fixes it alone). **Blur** comes from too little rate — a small code or a large β — never from a large
# code. **Overfitting** of a tiny training set through a small code is real and dropout reduces it. Latent
# **holes** (there are no jumps) are closed by the KL term far more than by depth. And three bugs show up as
# numbers you can check: a loss floor of log(1 + (K − 1)/e), a loss floor of Σ(t − 1)² over targets above 1,
# and codes that disagree with a brute-force search.

# %%
verdicts = [("blurry output", "latent too large", "too little rate: detail rises with k, falls with β"),
            ("loss flat", "vanishing gradients / init", "holds: every gradient ~1e-12 of Kaiming's"),
            ("overfitting", "→ dropout", "holds here: validation loss lower with dropout"),
            ("discontinuous latent", "too little nonlinearity", "no jumps; holes: depth helps, the KL term more")]
for symptom, claim, measured in verdicts:
    print(f"{symptom:>22} | {claim:<27} | {measured}")
lesson.finish()
