# %% [markdown]
# # Lesson 5 — The denoising autoencoder
#
# Corrupt the input, score against the clean image: the autoencoder learns to remove noise.
#
# A plain autoencoder is asked to copy: L(x, g(f(x))). Give it enough capacity and copying is exactly
# what it learns, noise and all. The **denoising autoencoder** (Vincent et al. 2008, 2010) changes one
# thing — what it sees. Each training image is first damaged by a random corruption q, and the model
# must rebuild the *clean* original from the damaged copy:
#
#     x̃ ~ q(x̃ | x)                  corrupt: add noise, blank out pixels, …
#     x̂ = g(f(x̃))                   encode and decode the corrupted copy
#     L = ℓ(x, x̂) = mean (x − x̂)²    the target is the clean x, not x̃
#
# Copying x̃ is now a bad answer (it keeps all the noise). To do well the model must learn what digits
# look like, so that it can move a damaged image back to the nearest plausible digit. After training
# it is an ordinary autoencoder: `forward` takes whatever it is given and never adds noise.
#
# We look at three corruptions, check the package's loss against the formula, derive what Gaussian
# noise does to a linear model's loss (it becomes weight decay), train a DAE for each corruption
# next to a plain AE, and measure the denoising across noise levels.

# %%
import copy
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae.models import Autoencoder, DenoisingAutoencoder
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 5: the denoising autoencoder — corruptions, the denoising criterion, Gaussian noise "
                   "as weight decay, and denoising measured against a plain autoencoder", data=True)

# %% [markdown]
# ## 0. The data and the model
# Bundled 8×8 digits by default (80/20 split), the bundled 5,000-image MNIST sample with
# `--data mnist-sample`, or full MNIST with `--data mnist` (downloaded once; a random 10,000 of its
# training images). Pixels are in [0, 1]. The autoencoder is the undercomplete one of lesson 3
# (LeakyReLU hidden layers, linear code, sigmoid output), trained with Adam on the MSE.

# %%
SETTINGS = {  # encoder sizes, epochs (default, --quick), Adam η, image shape
    "digits": dict(sizes=[64, 32, 16], epochs=(60, 12), lr=(3e-3, 1e-2), shape=(8, 8)),
    "mnist-sample": dict(sizes=[784, 256, 64], epochs=(15, 3), lr=(1e-3, 3e-3), shape=(28, 28)),
    "mnist": dict(sizes=[784, 256, 64], epochs=(10, 2), lr=(1e-3, 3e-3), shape=(28, 28)),
}
setting = SETTINGS[lesson.args.data]
X_train, y_train, X_test, y_test = kit.load_lesson_data(lesson.args.data, lesson.rng)

SIZES, SHAPE = setting["sizes"], setting["shape"]
EPOCHS, LR = lesson.pick(full=(setting["epochs"][0], setting["lr"][0]),
                         quick=(setting["epochs"][1], setting["lr"][1]))
BATCH = 64
print(f"{lesson.args.data}: {len(X_train)} training and {len(X_test)} held-out images of {X_train.shape[1]} pixels; "
      f"encoder {SIZES}, {EPOCHS} epochs, Adam η = {LR:g}")

# %% [markdown]
# ## 1. Three corruptions q(x̃ | x)
# All three live in `mg.data` and return a new array (x itself is never touched):
#
# * **Gaussian**: x̃ = x + σ·ε, ε ~ N(0, I) — every pixel jitters.
# * **masking**: each pixel is set to 0 with probability ν — parts of the stroke vanish.
# * **salt and pepper**: exactly round(ν·n) of each image's n pixels are set to 0 or 1 (a fair coin) —
#   speckles. The fraction actually hit is ν′ = round(ν·n)/n (for 8×8 digits and ν = 0.1: 6/64, not 0.1).
#
# How much damage does each do? The mean squared distance from the clean image follows from q alone:
#
#     Gaussian:          E (x̃ − x)² = σ²
#     masking:           E (x̃ − x)² = ν · E x²                   (a masked pixel loses all of x)
#     salt and pepper:   E (x̃ − x)² = ν′ · E[x² + (1 − x)²] / 2  (pepper costs x², salt (1 − x)²)
#
# We train at levels chosen to do similar damage on digits (an input MSE near 0.1), then sweep the
# level at test time.

# %%
CORRUPTIONS = {  # name -> (mg.data function, training level, test levels swept, symbol)
    "gaussian": (mg.data.gaussian_noise, 0.3, np.round(np.linspace(0, 0.6, 7), 2), "σ"),
    "masking": (mg.data.masking_noise, 0.5, np.round(np.linspace(0, 0.9, 10), 2), "ν"),
    "salt_and_pepper": (mg.data.salt_and_pepper, 0.25, np.round(np.linspace(0, 0.5, 6), 2), "ν"),
}
LABEL = {"gaussian": "Gaussian", "masking": "masking", "salt_and_pepper": "salt & pepper"}


def level_done(noise, level, n_pixels):
    """The level the damage formula needs: σ or ν as asked for, but for salt and pepper the fraction of each
    image's pixels actually hit, ν′ = round(ν·n)/n (it hits a whole number of them)."""
    return round(level * n_pixels) / n_pixels if noise == "salt_and_pepper" else level


def expected_damage(noise, level, X):
    """E mean (x̃ − x)² over the images X, from the formulas above (``level``: σ, ν, or ν′ for salt and pepper)."""
    if noise == "gaussian":
        return level ** 2
    if noise == "masking":
        return level * float(np.mean(X ** 2))
    return level * float(np.mean(X ** 2 + (1 - X) ** 2)) / 2


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def reconstruct(model, X_in):
    """x̂ = g(f(X_in)) as a NumPy array, without recording a graph (forward never corrupts)."""
    with mg.no_grad():
        return model(X_in).numpy()


one_per_class = np.array([np.flatnonzero(y_test == digit)[0] for digit in range(10)])
examples = X_test[one_per_class]
examples_before = examples.copy()
corrupted_examples, damage_rows = {}, []
for noise, (corrupt, level, sweep, symbol) in CORRUPTIONS.items():
    corrupted_examples[noise] = corrupt(examples, level, rng=lesson.rng)
    for test_level in sweep[1:]:  # level 0 does no damage (and no noise to measure)
        squared = (corrupt(X_test, test_level, rng=lesson.rng) - X_test) ** 2
        # how many standard errors of the noise's own randomness the measurement sits from the formula
        standard_error = squared.std() / np.sqrt(squared.size)
        formula = expected_damage(noise, level_done(noise, test_level, X_test.shape[1]), X_test)
        damage_rows.append(abs(squared.mean() - formula) / standard_error)
    measured = mse(corrupt(X_test, level, rng=lesson.rng), X_test)
    print(f"{LABEL[noise]:<14} {symbol} = {level}: input MSE {measured:.4f}, formula "
          f"{expected_damage(noise, level_done(noise, level, X_test.shape[1]), X_test):.4f}")
lesson.checks.add("mg.data noise functions leave x unchanged", "unchanged", np.array_equal(examples, examples_before))
lesson.checks.add(f"input MSE = damage formula ({len(damage_rows)} levels), std errors",
                  float(max(damage_rows)), max(damage_rows) < 4)

# %% [markdown]
# The same ten held-out digits under each corruption. (Gaussian noise can push a pixel below 0 or
# above 1; the figure shows every image clipped to [0, 1] so all rows share one grey scale.)

# %%
mg.viz.image_grid(np.clip(np.concatenate([examples] + list(corrupted_examples.values())), 0, 1), SHAPE,
                  lesson.path("05_corruptions"),
                  row_titles=["clean"] + [f"{LABEL[n]}\n{c[3]} = {c[1]}" for n, c in CORRUPTIONS.items()],
                  title="three corruptions q(x̃ | x) of the same held-out digits (shown clipped to [0, 1])")

# %% [markdown]
# ## 2. The denoising criterion, in the package and by hand
# `DenoisingAutoencoder(sizes, noise, noise_level)` is an `Autoencoder` whose `loss(x)` corrupts x with
# its own generator and scores the reconstruction against the clean x. A twin of that generator, in
# the same state, draws the same noise — so we can recompute the loss by hand:
#
#     x̃ = q(x),   x̂ = σ(s) with s = W_out h + b_out (the last layer),   L = 1/(B·n) Σ (x − x̂)²
#
# and its gradient. The output gradient ∂L/∂x̂ = 2(x̂ − x)/(B·n) pulls towards the clean x — x̃ only
# enters through x̂. Through the sigmoid (σ′ = x̂(1 − x̂)) to the last bias, summed over the batch:
#
#     ∂L/∂b_out = Σ_batch 2(x̂ − x) ⊙ x̂(1 − x̂) / (B·n)

# %%
probe = DenoisingAutoencoder(SIZES, noise="masking", noise_level=0.5, rng=lesson.rng)
X_probe = X_train[:256]
X_probe_before = X_probe.copy()
twin = copy.deepcopy(probe.rng)  # same state: its next draws are the ones probe.loss is about to make
package_loss = probe.loss(X_probe)
package_loss.backward()
X_tilde = mg.data.masking_noise(X_probe, 0.5, rng=twin)
X_hat = reconstruct(probe, X_tilde)
hand_loss = mse(X_hat, X_probe)
hand_bias_grad = np.sum(2 * (X_hat - X_probe) * X_hat * (1 - X_hat), axis=0) / X_probe.size
wrong_bias_grad = np.sum(2 * (X_hat - X_tilde) * X_hat * (1 - X_hat), axis=0) / X_probe.size  # x̃ as target
autodiff_bias_grad = probe.decoder[-1].bias.grad
bias_grad_err = mg.relative_error(hand_bias_grad, autodiff_bias_grad)
forward_is_clean = np.array_equal(reconstruct(probe, X_probe), reconstruct(probe, X_probe))
print(f"package loss {package_loss.item():.6f}, by hand {hand_loss:.6f}; scored against x̃ instead it would be "
      f"{mse(X_hat, X_tilde):.6f}")
print(f"∂L/∂b_out: by hand vs autodiff rel. error {bias_grad_err:.2g}; the x̃-target version is off by "
      f"{mg.relative_error(wrong_bias_grad, autodiff_bias_grad):.2g}")
lesson.checks.add("DAE.loss = mean (x − g(f(x̃)))² by hand", abs(package_loss.item() - hand_loss),
                  abs(package_loss.item() - hand_loss) <= 1e-6 * hand_loss)
lesson.checks.add("∂L/∂b_out by hand vs autodiff (float32)", float(bias_grad_err), bias_grad_err < 1e-4)
lesson.checks.add("DAE.loss leaves the batch unchanged", "unchanged", np.array_equal(X_probe, X_probe_before))
lesson.checks.add("forward never corrupts (two calls agree)", "identical", forward_is_clean)

# %% [markdown]
# ## 3. Why it works, for a linear model: Gaussian noise is weight decay
# Take a model with no nonlinearity, x̂ = A x̃ + c (here `DenoisingAutoencoder([n, k],
# recon="mse")`: A = W₂W₁). With x̃ = x + ε, ε ~ N(0, σ²I),
#
#     ‖x − A(x + ε) − c‖² = ‖x − Ax − c‖² − 2 (x − Ax − c)ᵀ A ε + ‖A ε‖²
#
# and averaging over the noise (E ε = 0, E εεᵀ = σ²I, so E‖Aε‖² = σ² ‖A‖²_F):
#
#     E_ε L_DAE = L_AE(clean x) + σ² ‖A‖²_F / n        (L = mean over the n pixels; Bishop 1995)
#
# The noise adds a weight-decay penalty on the end-to-end map A: copying (A = I) now costs σ²,
# so the model keeps only the directions the data needs. The gradient obeys the same identity,
# because the expectation and the derivative commute. We check both by Monte Carlo: the mean of many
# `loss(x)` values and of their autodiff gradients, against the right-hand side built with autodiff.
# (For a nonlinear model the same expansion holds to second order in σ, with the Jacobian of the
# model in place of A — the idea the contractive autoencoder of lesson 6 makes explicit.)

# %%
SIGMA, DRAWS = 0.3, lesson.pick(full=400, quick=100)
linear_dae = DenoisingAutoencoder([SIZES[0], SIZES[-1]], noise="gaussian", noise_level=SIGMA, recon="mse",
                                  rng=lesson.rng, dtype=np.float64)
params = list(linear_dae.parameters())
X_mc = X_train[:200].astype(np.float64)
loss_draws = []
mean_grads, mean_squared_grads = [np.zeros_like(p.data) for p in params], [np.zeros_like(p.data) for p in params]
for _ in range(DRAWS):
    linear_dae.zero_grad()
    loss = linear_dae.loss(X_mc)  # a fresh x̃ every call
    loss.backward()
    loss_draws.append(loss.item())
    for grad_mean, grad_squared_mean, p in zip(mean_grads, mean_squared_grads, params):
        grad_mean += p.grad / DRAWS
        grad_squared_mean += p.grad ** 2 / DRAWS

linear_dae.zero_grad()
A = linear_dae.decoder[0].weight @ linear_dae.encoder[0].weight  # (n, n): x̂ = A x + c
clean_loss = F.mse_loss(linear_dae(X_mc), X_mc)
penalty = SIGMA ** 2 * (A ** 2).sum() / SIZES[0]
predicted = clean_loss + penalty
predicted.backward()
mc_mean, mc_se = float(np.mean(loss_draws)), float(np.std(loss_draws) / np.sqrt(DRAWS))
grad_rel_err = max(np.linalg.norm(g - p.grad) / np.linalg.norm(p.grad) for g, p in zip(mean_grads, params))
# the size that distance should have if the identity holds: the Monte Carlo standard error of the mean
# gradient, E‖mean − truth‖² = Σᵢ Var(gᵢ) / draws, so the ratio below should come out near 1
grad_distance = np.sqrt(sum(np.sum((g - p.grad) ** 2) for g, p in zip(mean_grads, params)))
grad_noise = np.sqrt(sum(np.sum(m2 - m ** 2) for m, m2 in zip(mean_grads, mean_squared_grads)) / (DRAWS - 1))
print(f"{DRAWS} noise draws: mean DAE loss {mc_mean:.4f} ± {mc_se:.4f} (standard error); clean loss "
      f"{clean_loss.item():.4f} + σ²‖A‖²_F/n {penalty.item():.4f} = {predicted.item():.4f}")
print(f"mean of the {DRAWS} autodiff gradients vs the gradient of (clean loss + penalty): worst relative "
      f"difference over W₁, b₁, W₂, b₂ {grad_rel_err:.2g}; distance / Monte Carlo standard error "
      f"{grad_distance / grad_noise:.2f} (the distance shrinks as 1/√draws; the ratio stays near 1 only if "
      "the identity holds)")
lesson.checks.add("E[DAE loss] = clean + σ²‖A‖²/n (in std errors)", abs(mc_mean - predicted.item()) / mc_se,
                  abs(mc_mean - predicted.item()) < 4 * mc_se)
lesson.checks.add("E[DAE gradient] = that gradient (in std errors)", float(grad_distance / grad_noise),
                  grad_distance < 1.5 * grad_noise)

# %% [markdown]
# ## 4. Training: a plain AE and one DAE per corruption
# Four models, the same initial weights and the same minibatches; the only difference is what they
# see during training (clean images, or a fresh corruption of each batch at every step). `mg.fit`
# calls `model.loss(xb)`, so the DAE's corruption happens inside the training loop for free.

# %%
init_seed, batch_seed = (int(s) for s in lesson.rng.integers(2 ** 31, size=2))


def train(model):
    start = time.perf_counter()
    history = mg.fit(model, lambda m, xb: m.loss(xb), X_train, EPOCHS, BATCH,
                     mg.optim.Adam(model.parameters(), lr=LR), rng=np.random.default_rng(batch_seed),
                     progress=False)
    print(f"  {type(model).__name__:<22} {getattr(model, 'noise', 'no corruption'):<16} "
          f"train loss {history.train_loss[0]:.4f} → {history.train_loss[-1]:.4f} "
          f"({time.perf_counter() - start:.1f} s)")
    return model


plain_ae = train(Autoencoder(SIZES, rng=np.random.default_rng(init_seed)))
daes = {noise: train(DenoisingAutoencoder(SIZES, noise=noise, noise_level=level,
                                          rng=np.random.default_rng(init_seed)))
        for noise, (_, level, _, _) in CORRUPTIONS.items()}

# %% [markdown]
# ## 5. Clean, corrupted, denoised
# One fresh corruption of the whole held-out set at each DAE's training level, fed to its DAE and to
# the plain AE; every error is against the clean images.

# %%
at_training_level, untouched = {}, []
for noise, (_, level, _, symbol) in CORRUPTIONS.items():
    X_test_before = X_test.copy()
    X_noisy = daes[noise].corrupt(X_test)  # the DAE's own q(x̃ | x), at its training level
    untouched.append(np.array_equal(X_test, X_test_before))
    errors = dict(input=mse(X_noisy, X_test), plain=mse(reconstruct(plain_ae, X_noisy), X_test),
                  dae=mse(reconstruct(daes[noise], X_noisy), X_test))
    at_training_level[noise] = errors
    print(f"{LABEL[noise]:<14} {symbol} = {level}: MSE vs clean — corrupted input {errors['input']:.4f}, "
          f"plain AE {errors['plain']:.4f}, DAE {errors['dae']:.4f} ({errors['dae'] / errors['input']:.2f}× the "
          "input's)")
    noisy = corrupted_examples[noise]
    mg.viz.image_grid(np.clip(np.concatenate([examples, noisy, reconstruct(plain_ae, noisy),
                                              reconstruct(daes[noise], noisy)]), 0, 1), SHAPE,
                      lesson.path(f"05_denoised_{noise}"),
                      row_titles=["clean x", f"corrupted x̃\n({symbol} = {level})", "plain AE\ng(f(x̃))",
                                  "DAE\ng(f(x̃))"],
                      title=f"{LABEL[noise]} noise, held-out MSE vs clean: input {errors['input']:.3f}, "
                            f"plain AE {errors['plain']:.3f}, DAE {errors['dae']:.3f}")

lesson.checks.add("DAE.corrupt() leaves its input unchanged (3 kinds)", f"{sum(untouched)}/3", all(untouched))
lesson.record("data", lesson.args.data)
for noise, errors in at_training_level.items():
    at_level = f"{LABEL[noise]} {CORRUPTIONS[noise][3]} = {CORRUPTIONS[noise][1]}"
    lesson.record(f"{at_level}: corrupted input MSE", errors["input"])
    lesson.record(f"{at_level}: DAE MSE", errors["dae"])
    lesson.record(f"{at_level}: DAE MSE / corrupted input's", errors["dae"] / errors["input"])
# in --quick the models have had a few epochs only: hold them to a weaker (but still real) bar
denoise_bar, plain_bar = lesson.pick(full=(0.5, 0.8), quick=(0.6, 0.9))
for noise, errors in at_training_level.items():
    lesson.checks.add(f"{LABEL[noise]}: DAE error < {denoise_bar}× corrupted input's",
                      errors["dae"] / errors["input"], errors["dae"] < denoise_bar * errors["input"])
for noise, errors in at_training_level.items():
    lesson.checks.add(f"{LABEL[noise]}: DAE error < {plain_bar}× plain AE's", errors["dae"] / errors["plain"],
                      errors["dae"] < plain_bar * errors["plain"])

# %% [markdown]
# The plain AE does remove some noise — its small code cannot hold every speckle — but it was never
# asked to fix damage: fed a damaged digit it often returns a grey smear, or confidently a different
# digit. The DAE fills in masked strokes and drops speckles, because that is exactly what its loss paid
# for; what it cannot recover it leaves blurred rather than invents. (In the figures every image is
# clipped to [0, 1], which only affects the Gaussian-corrupted row.)
#
# ## 6. Error against the noise level
# Each DAE is trained at one level. At test time we sweep the level and measure, against the clean
# images, (a) the corrupted input itself (the formula of section 1, dashed), (b) the DAE's
# reconstruction, and (c) the plain AE's reconstruction of the same corrupted images. Salt and pepper
# is drawn against the fraction of pixels it actually hits, ν′ = round(ν·n)/n: its damage is a
# straight line in ν′ (in ν it would be a staircase, one step per extra pixel hit).

# %%
sweep_errors = {}
for noise, (corrupt, level, sweep, symbol) in CORRUPTIONS.items():
    rows = []
    for test_level in sweep:
        X_noisy = corrupt(X_test, float(test_level), rng=lesson.rng)
        rows.append((mse(X_noisy, X_test), mse(reconstruct(daes[noise], X_noisy), X_test),
                     mse(reconstruct(plain_ae, X_noisy), X_test)))
    sweep_errors[noise] = np.array(rows)  # (levels, 3): input, DAE, plain AE

fig, axes = plt.subplots(1, 3, figsize=(14, 4.6))
for ax, (noise, (_, level, sweep, symbol)) in zip(axes, CORRUPTIONS.items()):
    errors = sweep_errors[noise]
    done = [level_done(noise, s, X_test.shape[1]) for s in sweep]   # where each level's points go
    fine = np.linspace(0, done[-1], 200)
    ax.plot(done, errors[:, 0], "o", color="0.3", ms=4, label="(a) corrupted input x̃")
    ax.plot(fine, [expected_damage(noise, s, X_test) for s in fine], "--", color="0.5", lw=1,
            label="(a) by the formula of section 1")
    ax.plot(done, errors[:, 1], "-^", color="tab:blue", ms=4, label="(b) DAE g(f(x̃))")
    ax.plot(done, errors[:, 2], "-s", color="tab:orange", ms=4, label="(c) plain AE g(f(x̃))")
    ax.axvline(level_done(noise, level, X_test.shape[1]), color="tab:blue", ls=":", lw=1,
               label=f"the DAE's training level, {symbol} = {level}")
    ax.set(xlabel=("fraction of pixels hit ν′ = round(ν·n)/n" if noise == "salt_and_pepper"
                   else f"test noise level {symbol}"),
           ylabel="MSE against the clean images", title=f"{LABEL[noise]} noise")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle(f"held-out {lesson.args.data}: how far each image is from the clean one, as the noise grows")
lesson.show(fig, "05_error_vs_noise_level")

holds_above = []
for noise, (_, level, sweep, symbol) in CORRUPTIONS.items():
    errors = sweep_errors[noise]
    first_win = sweep[np.argmax(errors[:, 1] < errors[:, 0])] if np.any(errors[:, 1] < errors[:, 0]) else None
    print(f"{LABEL[noise]:<14} DAE first closer to the clean image than its input at {symbol} = {first_win} "
          f"(of the levels tested); on clean input ({symbol} = 0) it costs {errors[0, 1]:.4f}, the plain AE "
          f"{errors[0, 2]:.4f}")
    above = sweep >= level
    beats_plain = lesson.args.quick or np.all(errors[above, 1] < errors[above, 2])
    holds_above.append(np.all(errors[above, 1] < errors[above, 0]) and beats_plain)
# --quick: a few epochs leave the DAE undertrained far beyond its training level (on MNIST it can lose to
# the plain AE at twice that level), so there we ask only that it still beats its corrupted input
lesson.checks.add("test level ≥ training level: DAE < input" + ("" if lesson.args.quick else " and < plain"),
                  f"{sum(holds_above)}/3 kinds", all(holds_above))

# %% [markdown]
# The corrupted input's error grows as the formula says; the DAE's grows much more slowly, so the
# gap widens with the noise. At level 0 the order flips: a clean image is already perfect, and the
# DAE, which always expects damage, can only make it a little worse. On clean input the plain AE is
# the better of the two — that is the job it was trained for — but once there is noise it removes
# only what its small code cannot hold, and it falls further behind the DAE as the noise grows.
#
# ## What held
# The three corruptions do the damage their formulas predict and never touch their input. The
# package's loss is mean (x − g(f(x̃)))² against the clean x; for a linear model Gaussian corruption
# is exactly a weight-decay penalty σ²‖A‖²_F/n on the end-to-end map (loss and gradient). Trained that
# way, the same architecture that a plain autoencoder uses to reconstruct learns to denoise: its output
# is far closer to the clean images than its input was, and closer than the plain autoencoder's.

# %%
lesson.finish()
