# %% [markdown]
# # Lesson 11 — Anomaly detection with reconstruction error
#
# An autoencoder trained on normal digits only flags what it cannot reconstruct.
#
# An autoencoder learns to reproduce the data it was trained on, and only that data: its narrow code
# keeps what the training samples have in common. Train it on **normal** samples only, and a sample
# of a kind it has never seen comes back blurred into something familiar. The reconstruction error
# is then an **anomaly score**, with no labelled anomalies needed for training:
#
#     s(x) = ‖x − x̂‖² / d,      x̂ = decoder(encoder(x)),   d = number of pixels
#     flag x as anomalous when s(x) > τ
#
# We train on the digits 0–4 and hold out 5–9 as the "anomalies". Three questions, each measured:
#
# * **Where to put τ?** At a high quantile of the scores of normal samples the model did not train
#   on: τ = 95th percentile flags about 5% of normal data — the false-positive rate we accept.
# * **How good is the score, whatever τ?** The ROC curve: for every τ, the false-positive rate
#   FPR = FP / (FP + TN) against the detection rate TPR = TP / (TP + FN). The area under it is
#
#       AUC = P(s(anomaly) > s(normal)) + ½ P(tie)      (1 = perfect ranking, 0.5 = a coin)
#
# * **What does the detector actually see?** Per-class scores, and the samples it ranks highest and lowest.

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

lesson = kit.start("Lesson 11: anomaly detection with an autoencoder's reconstruction error", data=True)

# %% [markdown]
# ## 1. Normal data, anomalies, and five disjoint sets
# The normal digits are split three ways: **train** (the only data the model ever sees), **validation**
# (to set τ) and **test** (to measure the false-positive rate τ really gives). The held-out digits are
# split in two: a **test** half, and a pool we leave aside until section 7.

# %%
NORMAL_CLASSES = (0, 1, 2, 3, 4)   # change these to ask which digits look unusual to a model of the others


def load_data(name):
    """(X, y, image shape): every image one row in [0, 1]."""
    if name == "digits":
        X, y = mg.data.load_digits()
        return X, y, (8, 8)
    if name == "mnist-sample":
        X_train, y_train, X_test, y_test = mg.data.load_mnist_sample()
        return np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test]), (28, 28)
    X, y = mg.data.load_mnist("train", download=True)
    keep = lesson.rng.choice(len(X), 10_000, replace=False)   # a 10k subset: a few minutes on 2 cores
    return X[keep], y[keep], (28, 28)


X, y, image_shape = load_data(lesson.args.data)
is_normal = np.isin(y, NORMAL_CLASSES)
X_fit, X_rest, y_fit, y_rest = mg.data.train_test_split(X[is_normal], y[is_normal], test_fraction=0.4,
                                                        rng=lesson.rng, stratify=True)
X_val, X_normal, y_val, y_normal = mg.data.train_test_split(X_rest, y_rest, test_fraction=0.5, rng=lesson.rng,
                                                            stratify=True)
X_pool, X_anomaly, y_pool, y_anomaly = mg.data.train_test_split(X[~is_normal], y[~is_normal], test_fraction=0.5,
                                                                rng=lesson.rng, stratify=True)
anomaly_classes = tuple(int(c) for c in np.unique(y[~is_normal]))


def digit_list(classes):
    """'0–4' for a run of consecutive digits, else '0, 1, 3' (for the figure labels)."""
    classes = sorted(classes)
    run = list(range(classes[0], classes[-1] + 1))
    return f"{classes[0]}–{classes[-1]}" if list(classes) == run and len(run) > 2 else ", ".join(map(str, classes))


print(f"data: {lesson.args.data}, {X.shape[1]} pixels; normal digits {NORMAL_CLASSES}, anomalies {anomaly_classes}")
print(f"normal: train {len(X_fit)}, validation {len(X_val)}, test {len(X_normal)}; "
      f"anomalies: test {len(X_anomaly)}, pool {len(X_pool)} (unused until section 7)")

# %% [markdown]
# ## 2. An autoencoder of normal digits
# An undercomplete MLP, d-32-8-32-d on the 8×8 digits (d-128-32-128-d on MNIST), trained with Adam on
# the mean squared error — on the normal training digits and nothing else.

# %%
CONFIG = {  # data -> encoder sizes, epochs, batch size, the AUC the check asks for (default run, --quick)
    "digits": ([64, 32, 8], 60, 32, (0.9, 0.75)),
    "mnist-sample": ([784, 128, 32], 10, 64, (0.75, 0.65)),
    "mnist": ([784, 128, 32], 10, 64, (0.75, 0.65)),
}
SIZES, EPOCHS, BATCH, (MIN_AUC, MIN_AUC_QUICK) = CONFIG[lesson.args.data]
EPOCHS = lesson.pick(full=EPOCHS, quick=max(2, EPOCHS // 6))
LR = 3e-3


def train_autoencoder(X_train, seed):
    """A fresh Autoencoder(SIZES) fitted to X_train; `seed` fixes its initial weights and batch order."""
    model_rng = np.random.default_rng(seed)
    model = mg.models.Autoencoder(SIZES, rng=model_rng)
    history = mg.fit(model, lambda m, xb: m.loss(xb), X_train, EPOCHS, BATCH,
                     mg.optim.Adam(model.parameters(), lr=LR), rng=model_rng, progress=False)
    return model, history


model_seed = int(lesson.rng.integers(2 ** 31))   # reused in section 7: the same init and batch order
model, history = train_autoencoder(X_fit, model_seed)
print(f"{model}\n{EPOCHS} epochs: training loss {history.train_loss[0]:.4f} → {history.train_loss[-1]:.4f}")

# %% [markdown]
# ## 3. The score
# `mg.models.anomaly_scores(model, X)` is the per-sample mean squared reconstruction error. Written by
# hand from the formula, it is one line; the two must agree.

# %%
with mg.no_grad():
    X_hat = model(X_anomaly).numpy()
by_hand = np.mean((X_anomaly - X_hat) ** 2, axis=1)   # s(x) = ‖x − x̂‖² / d, one per row
scores = {name: mg.models.anomaly_scores(model, data) for name, data in
          [("train", X_fit), ("validation", X_val), ("normal test", X_normal), ("anomaly test", X_anomaly)]}
score_error = float(np.abs(scores["anomaly test"] - by_hand).max())
lesson.checks.add("anomaly_scores vs ‖x − x̂‖²/d by hand (max err)", score_error, score_error < 1e-6)

for name, s in scores.items():
    print(f"  {name:<13} mean score {s.mean():.4f}   median {np.median(s):.4f}")
ratio = scores["anomaly test"].mean() / scores["normal test"].mean()
print(f"anomalies are reconstructed {ratio:.1f}× worse than normal digits the model never saw")
lesson.checks.add("mean score: anomalies > held-out normals", f"{ratio:.2f}×", ratio > 1)

# %% [markdown]
# ## 4. A threshold from the validation scores, and what it catches
# τ = the 95th percentile of the validation scores, so about 5% of normal samples score above it.
# On the test sets the flags give the **confusion counts**:
#
#     TP = anomalies flagged   FN = anomalies missed   FP = normals flagged   TN = normals passed
#
# The validation set is not the test set, so the test FPR is 5% only up to sampling error: τ is
# itself estimated from n_val scores, and the test rate from n_test, so its standard deviation is
# about σ = √(q(1 − q)(1/n_val + 1/n_test)) with q = 0.05. We accept |FPR − 5%| < 3σ.

# %%
QUANTILE = 0.95
tau = mg.models.threshold_from_scores(scores["validation"], quantile=QUANTILE)
flag_normal, flag_anomaly = scores["normal test"] > tau, scores["anomaly test"] > tau
tp, fn = int(flag_anomaly.sum()), int((~flag_anomaly).sum())
fp, tn = int(flag_normal.sum()), int((~flag_normal).sum())
fpr_at_tau, tpr_at_tau = fp / (fp + tn), tp / (tp + fn)
print(f"τ = {tau:.4f} (the {QUANTILE:.0%} quantile of {len(X_val)} validation scores)")
print("                   flagged   passed")
print(f"  anomalies (test) {tp:>7}  {fn:>7}    detection rate TPR = {tpr_at_tau:.1%}")
print(f"  normals (test)   {fp:>7}  {tn:>7}    false-positive rate FPR = {fpr_at_tau:.1%}")

q = 1 - QUANTILE
sigma = np.sqrt(q * (1 - q) * (1 / len(X_val) + 1 / len(X_normal)))
lesson.checks.add(f"τ flags ≈ {q:.0%} of held-out normals (3σ = {3 * sigma:.1%})", f"{fpr_at_tau:.1%}",
                  abs(fpr_at_tau - q) < 3 * sigma)

# %% [markdown]
# Why not set τ on the training scores? The model has fitted those very samples, so they score lower
# than new normal data, and a τ taken from them comes out too low (the more the model over-fits, the
# lower):

# %%
tau_train = mg.models.threshold_from_scores(scores["train"], quantile=QUANTILE)
fpr_train_tau = float(np.mean(scores["normal test"] > tau_train))
relation = "<" if tau_train < tau else "≥"
print(f"τ from the training scores = {tau_train:.4f} {relation} τ from validation = {tau:.4f}: it flags "
      f"{fpr_train_tau:.1%} of test normals (the validation τ: {fpr_at_tau:.1%}; the target: {q:.0%})")

# %% [markdown]
# A detection rate and a 5% false-positive rate are not the whole story: in practice anomalies are
# rare. If a fraction π of incoming samples is anomalous, the share of flags that are real is the
# precision TPR·π / (TPR·π + FPR·(1 − π)) — at π = 1% most flags are false alarms, however good TPR.

# %%
for base_rate in (0.5, 0.1, 0.01):
    precision = tpr_at_tau * base_rate / (tpr_at_tau * base_rate + fpr_at_tau * (1 - base_rate))
    print(f"  anomalies {base_rate:>4.0%} of the data: {precision:.0%} of the flags are real anomalies")

# %% [markdown]
# ## 5. Per-class scores: which digits are "most anomalous"?
# The mean score of each test digit class. Normal classes differ too (a 1 is one stroke and easy to
# reconstruct; a 2 or a 3 can be written in more ways), and held-out digits that share strokes with a
# normal one (a 9 with a 4, an 8 with a 3) are the hardest to tell apart: in the default run they are
# the held-out digits flagged least often.

# %%
all_scores = np.concatenate([scores["normal test"], scores["anomaly test"]])
all_labels = np.concatenate([y_normal, y_anomaly])
classes = np.unique(all_labels)
class_mean = {int(c): float(all_scores[all_labels == c].mean()) for c in classes}
class_flagged = {int(c): float(np.mean(all_scores[all_labels == c] > tau)) for c in classes}
print("digit  kind      mean score  flagged")
for c in sorted(class_mean, key=class_mean.get, reverse=True):
    kind = "normal " if c in NORMAL_CLASSES else "anomaly"
    print(f"  {c}    {kind}   {class_mean[c]:.4f}     {class_flagged[c]:>5.0%}")

# %%
fig, (ax_hist, ax_class) = plt.subplots(1, 2, figsize=(13, 4.6), gridspec_kw=dict(width_ratios=[3, 2]))
# the scores are squared errors spread over a decade or more: log-spaced bins show both groups' shapes
bins = np.geomspace(all_scores.min(), all_scores.max(), 50)
ax_hist.hist(scores["normal test"], bins=bins, alpha=0.6, color="tab:blue",
             label=f"normal test, digits {digit_list(NORMAL_CLASSES)} (n = {len(X_normal)})")
ax_hist.hist(scores["anomaly test"], bins=bins, alpha=0.6, color="tab:red",
             label=f"anomalies, digits {digit_list(anomaly_classes)} (n = {len(X_anomaly)})")
ax_hist.axvline(tau, color="k", ls="--",
                label=f"τ = {tau:.4f} ({QUANTILE:.0%} of validation normals):\nFPR {fpr_at_tau:.1%}, "
                      f"detection rate {tpr_at_tau:.1%}")
ax_hist.set(xscale="log", xlabel="anomaly score ‖x − x̂‖²/d (log scale)", ylabel="number of test samples",
            title="reconstruction error of an autoencoder trained on normal digits only")
# ticks at 1, 2 and 5 × 10ᵏ written as plain decimals: the default log labels collide on a narrow range
ax_hist.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
ax_hist.xaxis.set_major_formatter(FormatStrFormatter("%g"))
ax_hist.xaxis.set_minor_formatter(NullFormatter())
ax_hist.legend(fontsize=9)
colours = ["tab:blue" if c in NORMAL_CLASSES else "tab:red" for c in classes]
ax_class.bar([str(c) for c in classes], [class_mean[int(c)] for c in classes], color=colours, alpha=0.8)
ax_class.axhline(tau, color="k", ls="--", label=f"threshold τ = {tau:.4f}")
ax_class.set(xlabel="digit (blue: normal, red: held out)", ylabel="mean anomaly score of its test samples",
             title="which digits does the model find unusual?")
ax_class.set_ylim(0, 1.2 * max(tau, max(class_mean.values())))   # room above τ for the legend
ax_class.legend(loc="upper left")
for ax in (ax_hist, ax_class):
    ax.grid(alpha=0.3, axis="y")
lesson.show(fig, "11_score_histograms")

# %% [markdown]
# ## 6. The ROC curve and its area
# `roc_curve` lowers τ past every score in turn and records (FPR, TPR); `auc` integrates the curve with
# the trapezoid rule. The same number, by its probabilistic definition: compare every anomaly with
# every normal sample and count how often the anomaly scores higher (ties ½) — the Mann–Whitney
# statistic. Two sanity checks: the confusion counts of section 4 are a point on the curve, and a score
# that knows nothing (uniform random numbers) gives AUC ≈ 0.5. With these set sizes its standard
# deviation is √((n_a + n_n + 1) / (12 n_a n_n)) ≈ 0.02–0.03, so ±0.1 is a safe band.

# %%
is_anomaly = np.r_[np.zeros(len(X_normal), bool), np.ones(len(X_anomaly), bool)]
fpr, tpr, thresholds = mg.models.roc_curve(all_scores, is_anomaly)
roc_auc = mg.models.auc(fpr, tpr)

s_anomaly, s_normal = scores["anomaly test"][:, None], scores["normal test"][None, :]
pairwise_auc = float(np.mean((s_anomaly > s_normal) + 0.5 * (s_anomaly == s_normal)))
print(f"AUC: trapezoid under the ROC curve {roc_auc:.6f}, P(anomaly scores higher) {pairwise_auc:.6f}")
lesson.checks.add("AUC: trapezoid vs pairwise P(s_a > s_n)", abs(roc_auc - pairwise_auc),
                  abs(roc_auc - pairwise_auc) < 1e-9)

# flagging s > τ flags exactly the samples with s ≥ (the smallest score above τ): the ROC point with that threshold
on_curve = np.flatnonzero(thresholds > tau)[-1]
point_error = abs(fpr[on_curve] - fpr_at_tau) + abs(tpr[on_curve] - tpr_at_tau)
lesson.checks.add("confusion counts at τ = a point of roc_curve", point_error, point_error < 1e-12)

random_scores = lesson.rng.random(len(all_scores))
random_fpr, random_tpr, _ = mg.models.roc_curve(random_scores, is_anomaly)
random_auc = mg.models.auc(random_fpr, random_tpr)
print(f"random scores: AUC {random_auc:.3f}")
lesson.checks.add("random score: AUC ≈ 0.5 (±0.1)", random_auc, abs(random_auc - 0.5) < 0.1)

# measured, seeds 0–7: digits 0.956–0.974 (--quick 0.884–0.935); mnist-sample, seed 0: 0.82 (--quick 0.70)
MIN_AUC = lesson.pick(full=MIN_AUC, quick=MIN_AUC_QUICK)
lesson.checks.add(f"autoencoder AUC > {MIN_AUC}", roc_auc, roc_auc > MIN_AUC)
lesson.record("anomaly detection data", lesson.args.data)
lesson.record("anomaly detection normal digits", digit_list(NORMAL_CLASSES))
lesson.record("anomaly detection held-out digits", digit_list(anomaly_classes))
lesson.record("anomaly detection AUC", roc_auc)

# %% [markdown]
# ## 7. The model must not have learned the anomalies
# The whole idea rests on the training set being normal. Mix in some held-out digits from the pool
# (never the test ones) and train again from the same initial weights: the model learns to
# reconstruct those digits too, and the score loses its power to separate them.

# %%
CONTAMINATION = lesson.pick(full=(0.0, 0.1, 0.4), quick=(0.0, 0.4))   # wanted share of anomalies in the training set
contaminated_auc, contaminated_roc = {}, {}
for wanted in CONTAMINATION:
    # n anomalies beside the normal training digits make a share n / (n_fit + n); the pool caps n
    n_mixed = min(round(wanted * len(X_fit) / (1 - wanted)), len(X_pool))
    share = n_mixed / (len(X_fit) + n_mixed)
    if n_mixed == 0:
        mixed_model = model   # the clean model of section 2, same seed
    else:
        mixed_model, _ = train_autoencoder(np.concatenate([X_fit, X_pool[:n_mixed]]), model_seed)
    mixed_scores = mg.models.anomaly_scores(mixed_model, np.concatenate([X_normal, X_anomaly]))
    contaminated_roc[share] = mg.models.roc_curve(mixed_scores, is_anomaly)[:2]
    contaminated_auc[share] = mg.models.auc(*contaminated_roc[share])
    print(f"  {share:>4.0%} anomalies in training ({n_mixed} of {len(X_fit) + n_mixed}): "
          f"AUC {contaminated_auc[share]:.3f}")
heaviest = max(contaminated_auc)
drop = contaminated_auc[0.0] - contaminated_auc[heaviest]
lesson.checks.add(f"{heaviest:.0%} contamination lowers the AUC by > 0.1", drop, drop > 0.1)

# %%
fig, (ax_roc, ax_mix) = plt.subplots(1, 2, figsize=(11, 5.3))
ax_roc.plot(fpr, tpr, color="tab:red", lw=2, label=f"autoencoder score (AUC = {roc_auc:.3f})")
ax_roc.plot(random_fpr, random_tpr, color="0.5", lw=1, label=f"random score (AUC = {random_auc:.3f})")
ax_roc.plot([0, 1], [0, 1], "k:", lw=1, label="chance (the diagonal, AUC = 0.5)")
ax_roc.plot(fpr_at_tau, tpr_at_tau, "ko", ms=7,
            label=f"τ from validation: FPR {fpr_at_tau:.1%}, TPR {tpr_at_tau:.1%}")
ax_roc.set(xlabel="false-positive rate (normals flagged)", ylabel="detection rate TPR (anomalies flagged)",
           title="ROC curve on the test sets", xlim=(-0.01, 1.01), ylim=(-0.01, 1.01), aspect="equal")
ax_roc.legend(loc="lower right", fontsize=9)
for share, style in zip(contaminated_auc, ["-", "--", ":"]):
    ax_mix.plot(*contaminated_roc[share], style, lw=2,
                label=f"{share:.0%} anomalies in training (AUC = {contaminated_auc[share]:.3f})")
ax_mix.plot([0, 1], [0, 1], ls=":", lw=1, color="0.6")
ax_mix.set(xlabel="false-positive rate", ylabel="detection rate TPR", aspect="equal",
           title="contaminated training data: the score loses its edge", xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
ax_mix.legend(loc="lower right", fontsize=9)
for ax in (ax_roc, ax_mix):
    ax.grid(alpha=0.3)
lesson.show(fig, "11_roc")

# %% [markdown]
# ## 8. The samples behind the numbers
# The test samples the clean model ranks highest and lowest, each above its reconstruction, plus the
# two kinds of mistake at τ: the normal digits it flags (false alarms, highest scores first) and the
# anomalies it passes (misses, lowest scores first) — as many of each as fit in a row. Each image is
# captioned with its true digit and its score against τ, so every row can be checked. An anomaly comes
# back as the normal digit it resembles — the model can only draw what it has learned.

# %%
N_SHOW = lesson.pick(full=10, quick=6)
order = np.argsort(all_scores)
flagged = all_scores > tau
false_alarms, misses = np.flatnonzero(~is_anomaly & flagged), np.flatnonzero(is_anomaly & ~flagged)
groups = {
    "most anomalous": order[::-1][:N_SHOW],
    "false alarms": false_alarms[np.argsort(all_scores[false_alarms])[::-1][:N_SHOW]],
    "misses": misses[np.argsort(all_scores[misses])[:N_SHOW]],
    "least anomalous": order[:N_SHOW],
}
X_test = np.concatenate([X_normal, X_anomaly])
with mg.no_grad():
    X_test_hat = model(X_test).numpy()
print(f"false alarms: {len(false_alarms)} of {len(X_normal)} test normals; misses: {len(misses)} of "
      f"{len(X_anomaly)} test anomalies")
for name, idx in groups.items():
    print(f"  {name:<16} digits {' '.join(str(d) for d in all_labels[idx])}; scores "
          f"{all_scores[idx].min():.4f}–{all_scores[idx].max():.4f}")


def caption(i):
    """True digit and kind, and the score against τ, of test sample i."""
    kind = "anomaly" if is_anomaly[i] else "normal"
    return f"{all_labels[i]} ({kind})\ns = {all_scores[i]:.4f} {'>' if flagged[i] else '≤'} τ"


height, width = image_shape
gap = max(1, width // 8)   # blank columns between images, drawn white


def strip(images):
    """The images side by side in one array, N_SHOW places wide, with NaN (white) gaps: one imshow per row."""
    row = np.full((height, N_SHOW * (width + gap) - gap), np.nan)
    for k, image in enumerate(images):
        row[:, k * (width + gap):k * (width + gap) + width] = image.reshape(image_shape)
    return row


# one axes per row of images (an axes per image makes this figure several times slower to lay out);
# constrained layout spaces the rows by what they carry, so a reconstruction sits right under its image
fig, axes = plt.subplots(2 * len(groups), 1, figsize=(1.25 * N_SHOW + 1.5, 2.8 * len(groups)), layout="constrained")
for (name, idx), ax_input, ax_output in zip(groups.items(), axes[::2], axes[1::2]):
    for ax, images, label in ((ax_input, X_test[idx], name), (ax_output, X_test_hat[idx], "reconstruction")):
        ax.imshow(strip(images), cmap=plt.get_cmap("gray").with_extremes(bad="white"), vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set(xticks=[], yticks=[], frame_on=False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10)
    for k, i in enumerate(idx):
        ax_input.text(k * (width + gap) + (width - 1) / 2, -1, caption(i), ha="center", va="bottom", fontsize=8,
                      color="tab:red" if is_anomaly[i] else "tab:blue")
fig.suptitle(f"test samples ranked by reconstruction error s (model trained on digits {digit_list(NORMAL_CLASSES)}; "
             f"flagged when s > τ = {tau:.4f})\ncaptions: true digit (blue: normal, red: anomaly) and its score")
lesson.show(fig, "11_examples")

# %% [markdown]
# ## What held
# The score is the reconstruction error, computed as the formula says. A model trained on normal
# digits reconstructs held-out digit classes worse than normal digits it never saw (measured: 2.6–3.1×
# on the 8×8 digits over seeds 0–7, 1.7× on the MNIST sample), so ranking by that error separates them far
# better than chance (a random score sits on the diagonal); the trapezoid AUC is the probability that
# an anomaly outranks a normal sample. A threshold at the 95th percentile of held-out normal scores
# flags about 5% of new normal data, as designed, while one taken from the training scores would flag
# more. And it all depends on clean training data: the more anomalies the model has learned to
# reconstruct, the closer the score gets to a coin.

# %%
lesson.finish()
