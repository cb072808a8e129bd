# %% [markdown]
# # Lesson 24 — Missing values, scaling, and transfer
#
# Three things an autoencoder meets before and after the model itself: data that arrive unscaled, data with
# holes in them, and a task with too few labels.
#
# 1. **Scaling.** Binary cross-entropy is a loss for targets y ∈ [0, 1]. Feed it raw pixels (0…16 here) and it
#    has no minimum at all; we show the failure, the package's guards, and the two usual scalings (min-max and
#    standardisation) with the traps of each.
# 2. **Missing values.** An autoencoder can fill holes if it is trained on incomplete data with a **masked
#    reconstruction loss**, which counts only the observed entries (mᵢⱼ = 1 where xᵢⱼ is observed, 0 where it
#    is missing): the mean squared error over the observed entries alone,
# BEGIN SOLUTION masked_reduction
#
#        L = Σᵢⱼ mᵢⱼ (xᵢⱼ − x̂ᵢⱼ)² / Σᵢⱼ mᵢⱼ,     ∂L/∂x̂ᵢⱼ = 2mᵢⱼ(x̂ᵢⱼ − xᵢⱼ)/Σm,
#
# END SOLUTION
#    with the missing inputs filled (by the column mean) before encoding. `F.mse_loss(x̂, x, mask=m)` computes it
#    (as do `l1_loss` and both BCEs); a missing entry gets no gradient. We compare
#    it with mean imputation on digits with entries missing completely at random (MCAR) at several rates and with
#    a missing 4×4 block, measuring the RMSE on the missing entries only.
# 3. **Transfer.** An encoder pretrained without labels on digits 0–4, reused with a small softmax head for
#    digits 5–9 from 1 to 50 labels per class — frozen, or fine-tuned — against the same network trained from
#    scratch on those labels.
#
# Every number the text quotes is from the default run (seed 0) and is measured again when you run the lesson.

# %%
import warnings

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
from minigrad_ae import stand_ins
import matplotlib.pyplot as plt
from minigrad_ae.lesson import load_lesson_data
from minigrad_ae.models import Autoencoder, StackedAutoencoder
from minigrad_ae.nn import functional as F
from minigrad_ae.pretraining import fine_tune, pretrain

lesson = kit.start("Lesson 24: missing values and transfer — unscaled inputs and BCE, min-max vs standardisation, "
                   "imputation with a masked reconstruction loss, and a pretrained encoder reused with few labels")
X_train, y_train, X_test, y_test = load_lesson_data("digits", lesson.rng)
RAW_MAX = 16   # the bundled digits are the UCI counts 0…16 divided by 16
print(f"digits: {len(X_train)} training / {len(X_test)} held-out images of 8×8 pixels in [0, 1]")


def train(model, X, loss_fn=None, epochs=25, lr=1e-2, batch_size=128, y=None):
    """Adam through mg.fit, shuffled by the lesson's generator; returns the History."""
    return mg.fit(model, loss_fn, X, epochs=epochs, batch_size=batch_size, y=y, progress=False, rng=lesson.rng,
                  optimizer=mg.optim.Adam(model.parameters(), lr=lr))


# %% [markdown]
# ## 1. Unscaled inputs break BCE
# Per element, BCE(p; y) = −[y log p + (1 − y) log(1 − p)], with ∂/∂p = (p − y) / (p(1 − p)).
# For y ∈ [0, 1] the derivative is zero at p = y, the minimum, where the loss equals the entropy of y (≥ 0).
# For y > 1 the derivative is negative for every p ∈ (0, 1): the loss keeps falling as p → 1, and since the
# term (y − 1)·log(1 − p) goes to −∞ it is **unbounded below**. Training then has no answer to converge to: it
# pushes every output towards 1 and the loss towards −∞.
#
# The package refuses such targets, naming the fix:

# %%
X_raw_train, X_raw_test = X_train * RAW_MAX, X_test * RAW_MAX   # the data as they come: counts 0…16
p_half = np.full_like(X_raw_train[:4], 0.5)
try:
    F.binary_cross_entropy(p_half, X_raw_train[:4])
    refused = ""
except ValueError as error:
    refused = str(error)
print("F.binary_cross_entropy(p, raw pixels) →", refused)
lesson.checks.add("BCE refuses targets outside [0, 1], naming the scaling", "refused",
                  "needs targets in [0, 1]" in refused and "Scale" in refused)


# %% [markdown]
# To watch what would happen without the guard we write BCE from autodiff ops ourselves, with no range check,
# and train the same autoencoder (64 → 32 → 16 → 32 → 64, sigmoid output) twice: on the raw counts, and on the
# counts divided by 16 (the fix: min-max scaling with the known range 0…16). We write it from the decoder's
# logits z, p = σ(z), in the stable form BCE = softplus(z) − y·z = max(z, 0) + log(1 + e^{−|z|}) − y·z; the
# naive y·log p form dies sooner, at the first batch, when float32 rounds σ(z) to exactly 1 and log 0 = −∞.
# For y > 1 it falls like (1 − y)·z as z grows: linearly, forever. `fit` itself warns that a sigmoid output can
# never reach values above 1.

# %%
def bce_by_hand(model, xb):
    """mean[softplus(z) − y·z] over the logits z = decoder(encoder(x)): BCE of σ(z), no range check on y."""
    z = model.decoder(model.encode(xb))
    return (z.relu() + (1 + (-z.abs()).exp()).log() - xb * z).mean()


BCE_EPOCHS = lesson.pick(full=8, quick=4)
bce_runs = {}
for name, X, X_held_out in (("raw 0…16", X_raw_train, X_raw_test), ("scaled to [0, 1]", X_train, X_test)):
    model = Autoencoder([64, 32, 16], rng=np.random.default_rng(lesson.args.seed))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = train(model, X, bce_by_hand, epochs=BCE_EPOCHS, lr=3e-3)
    with mg.no_grad():
        output = model(X_held_out).data
    bce_runs[name] = dict(loss=np.array(history.train_loss), stop=history.stop_reason, output=output,
                          warned=[str(w.message) for w in caught])
    print(f"{name:>16}: BCE per epoch " + ", ".join(f"{v:.3g}" for v in history.train_loss)
          + (f"\n{'':>18}stopped: {history.stop_reason[:110]}…" if history.stopped_early else ""))
    for message in bce_runs[name]["warned"][:1]:
        print(f"{'':>18}warning: {message[:150]}…")

raw, scaled = bce_runs["raw 0…16"], bce_runs["scaled to [0, 1]"]
saturated = float((raw["output"] > 0.99).mean())
scaled_rmse = float(np.sqrt(((scaled["output"] - X_test) ** 2).mean()))
print(f"raw targets: the loss ends at {raw['loss'][-1]:.3g} (negative), {saturated:.0%} of the outputs are > 0.99; "
      f"scaled targets: loss {scaled['loss'][-1]:.3f}, held-out RMSE {scaled_rmse:.3f}")
lesson.checks.add("raw targets: hand-written BCE goes negative (last epoch)", float(raw["loss"][-1]),
                  raw["loss"][-1] < 0)
lesson.checks.add("raw targets: the loss only falls (each epoch below the one before)",
                  float(np.diff(raw["loss"]).max()), np.all(np.diff(raw["loss"]) < 0))
lesson.checks.add("raw targets: share of held-out outputs pushed above 0.99", saturated, saturated > 0.5)
lesson.checks.add("raw data: fit warns that a sigmoid output cannot reach them", len(raw["warned"]),
                  any("can never reconstruct" in m for m in raw["warned"]))
lesson.checks.add("scaled targets: BCE stays positive and converges", float(scaled["loss"][-1]),
                  0 < scaled["loss"][-1] < scaled["loss"][0])
lesson.record("held-out RMSE, BCE autoencoder on scaled digits", scaled_rmse)

# %%
fig, (ax_curve, ax_train) = plt.subplots(1, 2, figsize=(12, 4.3))
p = np.linspace(1e-3, 1 - 1e-3, 400)
for y, style in ((0.25, "-"), (0.75, "-"), (2.0, "--"), (16.0, "--")):
    ax_curve.plot(p, -(y * np.log(p) + (1 - y) * np.log(1 - p)), style, label=f"y = {y:g}")
    if y <= 1:
        ax_curve.plot([y], [-(y * np.log(y) + (1 - y) * np.log(1 - y))], "ko", ms=4)
ax_curve.set(xlabel="prediction p", ylabel="BCE(p; y)", ylim=(-40, 12),
             title="y in [0, 1]: a minimum at p = y (dots); y > 1: none")
ax_curve.axhline(0, color="k", lw=0.6)
for (name, run), colour in zip(bce_runs.items(), ("tab:red", "tab:blue")):
    ax_train.plot(range(1, len(run["loss"]) + 1), run["loss"], "-o", color=colour, ms=3, label=f"targets {name}")
ax_train.axhline(0, color="k", lw=0.6)
ax_train.set(xlabel="epoch", ylabel="training BCE, hand-written (symmetric log scale)", yscale="symlog",
             ylim=(2 * raw["loss"].min(), 3), title="training: the raw loss falls without bound")
for ax in (ax_curve, ax_train):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
lesson.show(fig, "24_bce_unscaled")

# %% [markdown]
# ## 2. Min-max scaling or standardisation?
# Both are fitted on the **training** data only and then applied to any data:
#
#     min-max:          x' = (x − minⱼ) / (maxⱼ − minⱼ)      → [0, 1] on the training data
#     standardisation:  x' = (x − μⱼ) / σⱼ                   → mean 0, variance 1 per feature j
#
# For a sigmoid output and BCE only min-max will do: standardised data are negative half the time. Each has its
# trap on the digits, measured below: three border pixels are 0 in every image (σ = 0, max − min = 0: a
# division by zero), a pixel that is rarely on has a tiny σ and standardises to huge values, and a per-pixel
# maximum taken from the training images can be exceeded by a test image (min-max then leaves [0, 1], and BCE
# refuses it). The range the data are *known* to have (0…16 here) avoids the last trap.

# %%
low, high = X_raw_train.min(axis=0), X_raw_train.max(axis=0)
mu, sigma = X_raw_train.mean(axis=0), X_raw_train.std(axis=0)
constant = int((sigma == 0).sum())
with np.errstate(divide="ignore", invalid="ignore"):
    naive = (X_raw_test - mu) / sigma
non_finite = int((~np.isfinite(naive)).sum())
safe_sigma = np.where(sigma > 0, sigma, 1.0)   # a constant pixel carries no information: leave it at 0
scalings = {
    "raw counts": X_raw_test,
    "min-max, per pixel": (X_raw_test - low) / np.where(high > low, high - low, 1.0),
    "min-max, known range /16": X_raw_test / RAW_MAX,
    "standardised": (X_raw_test - mu) / safe_sigma,
}
outside = int((scalings["min-max, per pixel"] > 1).sum())
z_max = float(scalings["standardised"].max())
print(f"{constant} constant pixels: dividing by their σ = 0 gives {non_finite} NaN/Inf values in the held-out set")
print(f"per-pixel min-max: {outside} held-out values above 1 (largest {scalings['min-max, per pixel'].max():.2f}); "
      f"standardised values up to {z_max:.1f}")
lesson.checks.add("standardisation: constant pixels give NaN/Inf without a guard", non_finite, non_finite > 0)
lesson.checks.add("standardisation: a rare pixel reaches > 10 standard deviations", z_max, z_max > 10)
lesson.checks.add("per-pixel min-max from training data: held-out values above 1", outside, outside > 0)

# %%
fig, ax = plt.subplots(figsize=(9, 4))
bins = np.arange(-3, z_max + 1, 0.5)
labels = {"min-max, per pixel": "min-max, per pixel (under the blue line but for the values > 1)"}
for (name, values), colour in zip(scalings.items(), ("0.5", "tab:orange", "tab:blue", "tab:green")):
    ax.hist(values.ravel(), bins=bins, histtype="step", lw=1.5, color=colour, label=labels.get(name, name))
ax.axvspan(0, 1, color="tab:blue", alpha=0.1, label="[0, 1]: what BCE and a sigmoid output take")
ax.set(yscale="log", xlabel="value of a held-out pixel after scaling", ylabel="count (log scale)",
       title="held-out pixels under each scaling (fitted on the training images)")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
lesson.show(fig, "24_scalings")

# %% [markdown]
# ## 3. The masked loss, checked
# Before training on it, `gradcheck` compares the backward of `F.mse_loss(x̂, x, mask=m)` with float64 central
# differences, for a mask of shape (features,) broadcast over the rows and a random upstream gradient. (The test
# suite does the same over random shapes, masks and reductions for all four masked losses.)

# %%
check_rng = np.random.default_rng(1)
x_hat, x_true = check_rng.random((5, 6)), check_rng.random((5, 6))
column_mask = np.array([1, 0, 1, 1, 0, 1], dtype=bool)
report = mg.gradcheck(lambda a, b: F.mse_loss(a, b, mask=column_mask), [x_hat, x_true])
print(report)
solved = not stand_ins.used("masked_reduction")   # False in a student copy until you write the masked reduction
lesson.checks.add("gradcheck mse_loss(mask=) rel err", report.max_rel_error if solved else "not solved yet",
                  not solved or (report.passed and report.max_rel_error < 1e-8))
t = mg.tensor(x_hat, requires_grad=True)
F.mse_loss(t, x_true, mask=column_mask).backward()
hidden_grad = float(np.abs(t.grad[:, ~column_mask]).max())
lesson.checks.add("masked columns get exactly zero gradient", hidden_grad if solved else "not solved yet",
                  not solved or hidden_grad == 0)

# %% [markdown]
# ## 4. Imputation: a masked autoencoder against the column means
# The setting: the training images are themselves incomplete (the same pattern as the test images), so the
# model never sees a complete image. For each pattern:
#
# * **mean imputation** fills a missing pixel with that pixel's mean over the observed training entries;
# * the **autoencoder** (64 → 32 → 16 → 32 → 64) reads the mean-filled image and is trained with the masked loss,
#   `mg.fit(model, loss_fn, X_filled, y=mask)`: the mask travels with its rows as fit's `y`, and
#   `loss_fn(model, xb, mb) = F.mse_loss(model(xb), xb, mask=mb)`. A missing pixel's guess is x̂ᵢⱼ; observed
#   pixels are kept as they are;
# * at 50 % missing, the same autoencoder trained with the **plain** loss, which also asks it to reproduce the
#   mean-filled values at the holes.
#
# The score is the RMSE over the missing test entries only (pixels in [0, 1]).

# %%
def mcar(shape, rate, rng):
    """True where observed: each entry is missing with probability ``rate``, independently of everything."""
    return rng.random(shape) >= rate


def missing_block(n, rng, size=4):
    """True where observed: one size×size square per 8×8 image is missing, at a random place."""
    observed = np.ones((n, 8, 8), dtype=bool)
    rows, cols = rng.integers(0, 8 - size + 1, size=(2, n))
    for image, (r, c) in enumerate(zip(rows, cols)):
        observed[image, r:r + size, c:c + size] = False
    return observed.reshape(n, 64)


def rmse_missing(X_imputed, X_true, observed):
    return float(np.sqrt(((X_imputed - X_true)[~observed] ** 2).mean()))


def impute(model, X_filled, observed, rounds=1):
    """Observed pixels kept, missing ones replaced by the model's output; ``rounds`` > 1 feeds the result back in.
    Returns the imputed data after each round."""
    rounds_out, x = [], X_filled
    for _ in range(rounds):
        with mg.no_grad():
            x = np.where(observed, X_filled, model(x).data).astype(np.float32)
        rounds_out.append(x)
    return rounds_out


def masked_loss(model, xb, mb):
    return F.mse_loss(model(xb), xb, mask=mb)


def plain_loss(model, xb, mb):
    return F.mse_loss(model(xb), xb)


IMPUTE_EPOCHS = lesson.pick(full=15, quick=6)
ROUNDS = 4
patterns = {f"MCAR {rate:.0%}": (lambda n, rate=rate: mcar((n, 64), rate, lesson.rng)) for rate in (0.1, 0.3, 0.5)}
patterns["4×4 block"] = lambda n: missing_block(n, lesson.rng)
imputation = {}
for name, draw_mask in patterns.items():
    observed_train, observed_test = draw_mask(len(X_train)), draw_mask(len(X_test))
    column_means = (X_train * observed_train).sum(axis=0) / np.maximum(observed_train.sum(axis=0), 1)
    filled_train = np.where(observed_train, X_train, column_means).astype(np.float32)
    filled_test = np.where(observed_test, X_test, column_means).astype(np.float32)
    result = dict(missing=float(1 - observed_test.mean()), mean=rmse_missing(filled_test, X_test, observed_test),
                  observed=observed_test, filled=filled_test)
    losses = {"masked": masked_loss} | ({"plain": plain_loss} if name == "MCAR 50%" else {})
    for loss_name, loss_fn in losses.items():
        model = Autoencoder([64, 32, 16], rng=np.random.default_rng(lesson.args.seed))
        train(model, filled_train, loss_fn, epochs=IMPUTE_EPOCHS, y=observed_train.astype(np.float32))
        rounds = impute(model, filled_test, observed_test, ROUNDS)
        result[loss_name] = [rmse_missing(x, X_test, observed_test) for x in rounds]
        result[f"{loss_name} images"] = rounds[0]
    imputation[name] = result
    print(f"{name:>10} ({result['missing']:.0%} of the test pixels missing): RMSE mean {result['mean']:.3f}, "
          f"masked AE {result['masked'][0]:.3f}"
          + (f", plain-loss AE {result['plain'][0]:.3f}" if "plain" in result else "")
          + f"; masked AE fed its own output, rounds 1…{ROUNDS}: {np.round(result['masked'], 3)}")

for name, result in imputation.items():   # a block leaves less context around each hole: a smaller edge there
    bound = lesson.pick(full=0.95 if "block" in name else 0.9, quick=1.0)
    lesson.checks.add(f"{name}: masked AE RMSE / mean imputation's (< {bound:g})", result["masked"][0] / result["mean"],
                      result["masked"][0] < bound * result["mean"])
    lesson.record(f"imputation RMSE, {name}, mean", result["mean"])
    lesson.record(f"imputation RMSE, {name}, masked AE", result["masked"][0])
ratios = [imputation[name]["masked"][0] / imputation[name]["mean"] for name in imputation if name.startswith("MCAR")]
lesson.checks.add("MCAR: the AE's edge over the mean shrinks as the rate grows (ratios increase)",
                  " < ".join(f"{r:.2f}" for r in ratios), np.all(np.diff(ratios) > 0))
half = imputation["MCAR 50%"]
lesson.checks.add("MCAR 50%: plain loss RMSE − masked loss RMSE", half["plain"][0] - half["masked"][0],
                  half["plain"][0] > half["masked"][0])
lesson.checks.add(f"MCAR 50%: {ROUNDS} rounds of feeding back worse than one (RMSE change)",
                  half["masked"][-1] - half["masked"][0], half["masked"][-1] > half["masked"][0])

# %%
fig, (ax_rate, ax_rounds) = plt.subplots(1, 2, figsize=(12, 4.3))
mcar_names = [n for n in imputation if n.startswith("MCAR")]
rates = [imputation[n]["missing"] for n in mcar_names]
ax_rate.plot(rates, [imputation[n]["mean"] for n in mcar_names], "-o", color="0.4", label="MCAR: column mean")
ax_rate.plot(rates, [imputation[n]["masked"][0] for n in mcar_names], "-o", color="tab:blue",
             label="MCAR: autoencoder, masked loss")
ax_rate.plot([half["missing"]], [half["plain"][0]], "s", color="tab:red", label="MCAR: autoencoder, plain loss")
block = imputation["4×4 block"]
ax_rate.plot([block["missing"]], [block["mean"]], "^", ms=9, color="0.4", label="4×4 block: column mean")
ax_rate.plot([block["missing"]], [block["masked"][0]], "^", ms=9, color="tab:blue",
             label="4×4 block: autoencoder, masked loss")
ax_rate.set(xlabel="share of the pixels missing", ylabel="RMSE on the missing pixels (pixels in [0, 1])",
            title="imputation error on held-out digits", ylim=(0, None))
ax_rate.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
for name, colour in zip(imputation, ("tab:cyan", "tab:blue", "tab:purple", "tab:orange")):
    ax_rounds.plot(range(1, ROUNDS + 1), imputation[name]["masked"], "-o", color=colour, label=name)
ax_rounds.set(xlabel="rounds (round k reads round k − 1's imputed image)", ylabel="RMSE on the missing pixels",
              title="feeding the autoencoder its own guesses")
ax_rounds.set_xticks(range(1, ROUNDS + 1))
for ax in (ax_rate, ax_rounds):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
lesson.show(fig, "24_imputation")

# %%
SHOWN = 6


def strip(images):
    """SHOWN 8×8 images side by side as one 8 × 8·SHOWN array (masked entries stay masked), for one imshow."""
    return np.ma.concatenate(list(np.ma.asarray(images).reshape(SHOWN, 8, 8)), axis=1)


fig, axes = plt.subplots(8, 1, figsize=(SHOWN * 1.1, 8 * 1.25))
rows = []
for name in ("MCAR 30%", "4×4 block"):
    result = imputation[name]
    with_holes = np.ma.masked_array(X_test[:SHOWN], ~result["observed"][:SHOWN])
    rows += [(f"{name}\nobserved", with_holes), ("column mean", result["filled"][:SHOWN]),
             ("masked AE", result["masked images"][:SHOWN]), ("original", X_test[:SHOWN])]
cmap = plt.get_cmap("gray_r").copy()
cmap.set_bad("tab:red")   # missing pixels
for ax, (label, images) in zip(axes, rows):
    ax.imshow(strip(images), cmap=cmap, vmin=0, vmax=1)
    for edge in range(1, SHOWN):
        ax.axvline(8 * edge - 0.5, color="k", lw=1.5)
    ax.set(xticks=[], yticks=[])
    ax.set_ylabel(label, fontsize=8)
fig.suptitle("held-out digits: missing pixels in red, then filled")
lesson.show(fig, "24_imputation_examples")

# %% [markdown]
# **What the measurements say.** The autoencoder beats the column means at every rate and for the block, because
# it fills a hole from the pixels around it *in this image*, which the column mean ignores; its edge shrinks as
# more is missing (less context to read), and it is smallest for the block, where the pixels next to a hole are
# missing too. The masked loss beats the plain one: the plain loss also rewards reproducing the mean-filled holes,
# pulling the guesses back towards mean imputation. Feeding the imputed image back in does not refine it: at 10 %
# missing it barely moves, at 50 % and for the block it gets worse round after round. The model was trained on
# mean-filled holes, so its own guesses are inputs it never saw, and it reads them as observed pixels. Iterating
# can only help a model trained that way (refill the training inputs with its guesses between epochs); here one
# pass is the answer.
#
# ## 5. Transfer: an encoder pretrained on digits 0–4, reused for 5–9
# `StackedAutoencoder([64, 48, 32], n_classes=5)` is pretrained layer by layer (`pretraining.pretrain`, no labels)
# on the training images of digits 0–4 only. Then, for digits 5–9, `pretraining.fine_tune` trains a softmax head
# on k labelled images per class (k = 1, 5, 10, 50, drawn at random; several draws), in four ways:
#
# * **frozen**: the pretrained encoder is kept as it is, only the head learns (`freeze_encoder=True`);
# * **fine-tuned**: the pretrained encoder learns too;
# * **from scratch**: the same network from random weights, everything trained on the k labels;
# * **random frozen**: a random encoder kept frozen — what the head gets without pretraining.
#
# Every run gets the same number of full-batch Adam steps. Accuracy is measured on the held-out digits 5–9.

# %%
source, target = y_train < 5, y_train >= 5
X_target, y_target = X_train[target], y_train[target] - 5
X_eval, y_eval = X_test[y_test >= 5], y_test[y_test >= 5] - 5
SIZES = [64, 48, 32]
PRETRAIN_EPOCHS, STEPS, DRAWS = lesson.pick(full=(20, 60, 3), quick=(10, 30, 2))
LABELS_PER_CLASS = (1, 5, 10, 50)
METHODS = ("frozen", "fine-tuned", "from scratch", "random frozen")

pretrained = StackedAutoencoder(SIZES, n_classes=5, activation="leaky_relu", rng=lesson.rng)
pretrain(pretrained, X_train[source], epochs=PRETRAIN_EPOCHS, batch_size=64, lr=1e-2, rng=lesson.rng)
with mg.no_grad():
    recon_source = F.mse_loss(pretrained(X_test[y_test < 5]), X_test[y_test < 5]).item()
    recon_target = F.mse_loss(pretrained(X_eval), X_eval).item()
print(f"pretrained on {source.sum()} images of 0–4: reconstruction MSE {recon_source:.4f} on held-out 0–4, "
      f"{recon_target:.4f} on 5–9 (never seen)")

accuracy = {method: np.zeros((len(LABELS_PER_CLASS), DRAWS)) for method in METHODS}
for i, k in enumerate(LABELS_PER_CLASS):
    for draw in range(DRAWS):
        labelled = np.concatenate([lesson.rng.choice(np.flatnonzero(y_target == c), k, replace=False)
                                   for c in range(5)])
        init_seed = int(lesson.rng.integers(2**31))
        for method in METHODS:
            model = StackedAutoencoder(SIZES, n_classes=5, activation="leaky_relu",
                                       rng=np.random.default_rng(init_seed))   # same head start for all four
            if method in ("frozen", "fine-tuned"):
                model.encoder.load_state_dict(pretrained.encoder.state_dict())
            fine_tune(model, X_target[labelled], y_target[labelled], epochs=STEPS, batch_size=len(labelled),
                      lr=2e-2, freeze_encoder=method.endswith("frozen"), rng=lesson.rng)
            accuracy[method][i, draw] = model.accuracy(X_eval, y_eval)
    print(f"{k:>2} labels per class: " + ", ".join(
        f"{method} {np.median(accuracy[method][i]):.1%}" for method in METHODS) + f" (median of {DRAWS} draws)")

median = {method: np.median(values, axis=1) for method, values in accuracy.items()}
for i, k in enumerate(LABELS_PER_CLASS):
    for method in METHODS[:3]:
        lesson.record(f"transfer accuracy, {k} labels per class, {method}", float(median[method][i]))
few = np.array(LABELS_PER_CLASS) >= 5   # with one label per class every method is at the mercy of the draw
pretraining_gain = float((median["frozen"] - median["random frozen"])[few].mean())
lesson.checks.add("k ≥ 5: pretrained frozen encoder − random frozen one (mean gap of medians)", pretraining_gain,
                  pretraining_gain > lesson.pick(full=0.05, quick=0.0))
transfer_gap = float(np.abs(median["fine-tuned"] - median["from scratch"])[few].max())
lesson.checks.add("k ≥ 5: fine-tuned within 5 points of from-scratch (largest gap of medians)", transfer_gap,
                  transfer_gap < lesson.pick(full=0.05, quick=0.2))   # --quick: a barely pretrained encoder
lesson.checks.add("50 labels per class: fine-tuned − frozen", float(median["fine-tuned"][-1] - median["frozen"][-1]),
                  median["fine-tuned"][-1] > median["frozen"][-1])
lesson.checks.add("50 labels per class: fine-tuned and from scratch reach > 90 %",
                  float(min(median["fine-tuned"][-1], median["from scratch"][-1])),
                  min(median["fine-tuned"][-1], median["from scratch"][-1]) > lesson.pick(full=0.9, quick=0.6))

# %%
fig, ax = plt.subplots(figsize=(8, 4.8))
for (method, values), colour, shift in zip(accuracy.items(), ("tab:blue", "tab:green", "tab:red", "0.5"),
                                           (0.94, 0.98, 1.02, 1.06)):
    x = np.array(LABELS_PER_CLASS) * shift   # a small sideways shift so the ranges do not hide each other
    ax.errorbar(x, median[method], yerr=[median[method] - values.min(axis=1), values.max(axis=1) - median[method]],
                fmt="-o", color=colour, capsize=3, label=method)
ax.axhline(0.2, color="k", ls=":", lw=1, label="chance (5 classes)")
ax.set_xscale("log")
ax.set_xticks(LABELS_PER_CLASS, [str(k) for k in LABELS_PER_CLASS])
ax.set(xlabel="labelled images per class (digits 5–9)", ylabel="held-out accuracy on digits 5–9", ylim=(0, 1.02),
       title=f"encoder pretrained on digits 0–4: median and range of {DRAWS} label draws")
ax.grid(alpha=0.3)
ax.legend(fontsize=8, loc="lower right")
lesson.show(fig, "24_transfer")

# %% [markdown]
# **What the measurements say.** The codes learnt by reconstructing 0–4 carry much of what is needed to tell 5–9
# apart: from 5 labels per class on, a head on the frozen pretrained encoder is far better than a head on a frozen
# random one (with one label per class, every method is at the mercy of which images were drawn). But a frozen
# code caps what the head can do, and fine-tuning passes it once labels are plentiful. And on these 8×8 digits
# transfer does not beat training from scratch: the same small network from random weights stays within a few
# points of the fine-tuned one from 5 labels per class on, because this task needs no features a few labelled
# images cannot teach. Transfer pays where features are expensive to learn from the labels at hand — larger
# images, deeper encoders, classes whose distinguishing features are shared with the pretraining data — and the
# frozen-vs-random gap above is the quick test of whether the pretrained features carry anything at all.

# %%
lesson.finish()
