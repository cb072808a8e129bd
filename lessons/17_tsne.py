# %% [markdown]
# # Lesson 17 — t-SNE: a map that keeps neighbours
#
# PCA (lessons 2 and 12) projects the data onto the plane of largest variance: a linear map that keeps the
# *large* distances and lets neighbours fall on top of each other. t-SNE (van der Maaten & Hinton, 2008) turns
# this around: it keeps each point's **neighbours** and gives up on everything else. It works with
# probabilities instead of distances:
#
# 1. **In the data**, point i picks point j as its neighbour with probability
#
#        p_{j|i} = exp(−βᵢ ‖xᵢ − xⱼ‖²) / Σ_{k≠i} exp(−βᵢ ‖xᵢ − xₖ‖²),
#
#    a Gaussian around xᵢ (βᵢ = 1/2σᵢ²) whose width is tuned per point so that its entropy is
#    Hᵢ = −Σⱼ p_{j|i} log p_{j|i} = log(perplexity): every point gets the same *effective number of neighbours*
#    e^H = perplexity, whether it sits in a dense region or a sparse one. Symmetrised: pᵢⱼ = (p_{j|i} + p_{i|j}) / 2N.
# 2. **In the map** y₁ … y_N ∈ ℝ², the same question with a heavy-tailed Student-t kernel:
#
#        qᵢⱼ = wᵢⱼ / Z,   wᵢⱼ = 1 / (1 + ‖yᵢ − yⱼ‖²),   Z = Σ_{k≠l} wₖₗ.
#
# 3. **Move the map** to make Q like P, minimising C = KL(P‖Q) = Σ pᵢⱼ log(pᵢⱼ / qᵢⱼ) by gradient descent:
# BEGIN SOLUTION tsne_gradient
#
#        ∂C/∂yᵢ = 4 Σⱼ (pᵢⱼ − qᵢⱼ) wᵢⱼ (yᵢ − yⱼ):
#
# END SOLUTION
#    pairs that are neighbours in the data (pᵢⱼ > qᵢⱼ) attract, all others repel. KL punishes a neighbour placed
#    far away (large pᵢⱼ, small qᵢⱼ) much more than a far point placed near, so the map is faithful about
#    neighbourhoods and free about the rest. That freedom is the second half of this lesson.
#
# `mg.tsne(X, n_components=2, perplexity=30.0, n_iter=1000, rng=None)` returns `(Y, KL)`. It runs
# scikit-learn's exact schedule: 250 iterations with P multiplied by 12 ("early exaggeration": tight clusters
# form first), then 750 on P, with momentum and per-coordinate gains, starting from the PCA map shrunk to a
# spread of 10⁻⁴. Each iteration touches all N² pairs: for the 1,797 digits that is 1.6 million pairs, in one
# numba loop (`kernels.tsne_gradient`, 2–3 ms per iteration; its NumPy reference takes ~50x longer).

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
from minigrad_ae import stand_ins
import matplotlib.pyplot as plt
from minigrad_ae.kernels import tsne_gradient, tsne_perplexity_search
from minigrad_ae.models import Autoencoder, pca
from minigrad_ae.tsne import joint_probabilities, squared_distances

lesson = kit.start("Lesson 17: t-SNE — perplexity, the KL gradient, PCA vs t-SNE, and what a t-SNE map's "
                   "distances do not mean")

X_all, y_all = mg.data.load_digits()
N_POINTS = lesson.pick(full=len(X_all), quick=500)      # --quick: a subset and shorter runs
TSNE_RUN = lesson.pick(full={}, quick=dict(n_iter=300, exaggeration_iter=100))
EXAGGERATION_ITER = TSNE_RUN.get("exaggeration_iter", 250)   # mg.tsne's default
keep = np.sort(lesson.rng.choice(len(X_all), N_POINTS, replace=False))
X, y = X_all[keep].astype(np.float64), y_all[keep]
print(f"{N_POINTS} digits of 64 pixels; t-SNE runs of {TSNE_RUN.get('n_iter', 1000)} iterations")

# %% [markdown]
# ## 1. Perplexity: a different width for every point
# `kernels.tsne_perplexity_search(D, perplexity)` finds each βᵢ by bisection (scikit-learn's search: double or
# halve β until Hᵢ is bracketed, then halve the bracket, to |Hᵢ − log perplexity| ≤ 10⁻⁵). We check every row's
# entropy, and look at what the search found: σᵢ = 1/√(2βᵢ) against the local spacing. Which spacing? In 64
# dimensions every digit is far from every other, and a constant added to all of row i's squared distances cancels
# in p_{j|i}; what the Gaussian must resolve is how much *further* the 30th neighbour is than the nearest,
# sᵢ = √(D₍₃₀₎ − D₍₁₎). If the widths adapt to the local density, σᵢ and sᵢ grow together.

# %%
D = squared_distances(X)
PERPLEXITIES = (5.0, 30.0, 100.0)
searches = {perplexity: tsne_perplexity_search(D, perplexity) for perplexity in PERPLEXITIES}
for perplexity, (P_cond, beta) in searches.items():
    logs = np.log(np.where(P_cond > 0, P_cond, 1))
    gap = float(np.abs(-(P_cond * logs).sum(axis=1) - np.log(perplexity)).max())
    lesson.checks.add(f"perplexity {perplexity:g}: every row's entropy = log(perplexity) (max gap, nats)", gap, gap <= 1e-5)

sigma = 1 / np.sqrt(2 * searches[30.0][1])
ranked_D = np.partition(D, (1, 30), axis=1)      # columns 1 and 30 as in a sorted row (column 0: the point itself)
spacing = np.sqrt(ranked_D[:, 30] - ranked_D[:, 1])
correlation = float(np.corrcoef(sigma, spacing)[0, 1])
print(f"σᵢ at perplexity 30: {sigma.min():.2f} … {sigma.max():.2f}; correlation with the spacing sᵢ {correlation:.2f}")
lesson.checks.add("σᵢ grows with the local spacing sᵢ (correlation > 0.8)", correlation, correlation > 0.8)

fig, (ax_row, ax_sigma) = plt.subplots(1, 2, figsize=(12, 4.4))
point = int(np.argmin(np.abs(spacing - np.median(spacing))))             # a typical point
order = np.argsort(D[point])[1:]                                          # its neighbours, nearest first
for k, (perplexity, (P_cond, _)) in enumerate(searches.items()):
    ax_row.plot(np.arange(1, len(order) + 1), P_cond[point, order], color=plt.cm.tab10(k),
                label=f"perplexity {perplexity:g} (dotted: rank {perplexity:g})")
    ax_row.axvline(perplexity, color=plt.cm.tab10(k), ls=":", lw=1)
ax_row.set(xscale="log", yscale="log", ylim=(1e-8, 1), xlabel="neighbour rank (1 = nearest)",
           ylabel="$p_{j|i}$", title=f"one digit's neighbour probabilities (a '{y[point]}')")
ax_row.grid(alpha=0.3)
ax_row.legend(fontsize=8)
ax_sigma.scatter(spacing, sigma, s=4, alpha=0.5)
ax_sigma.set(xlabel="local spacing sᵢ = √(D₍₃₀₎ − D₍₁₎) (pixel-value units)",
             ylabel="σᵢ = 1/√(2βᵢ) (pixel-value units)",
             title=f"perplexity 30: each point's Gaussian width (corr. {correlation:.2f})")
ax_sigma.grid(alpha=0.3)
lesson.show(fig, "17_affinities")

# %% [markdown]
# A larger perplexity spreads a point's probability over more neighbours (the curves fall later). And σᵢ follows
# the local spacing: a digit in a crowded region gets a narrow Gaussian, an unusual one a wide one, so that each
# has about 30 effective neighbours. That is why a t-SNE map gives dense and sparse clusters about the same
# size — we come back to it in section 5.
#
# ## 2. The gradient, proven four ways
# On 40 digits with a random map: the numba kernel, its NumPy reference (dense N×N arrays), autodiff through
# C written with the package's Tensor ops, and central differences of that C in float64. The differences use
# ε = 10⁻⁵ rather than the default 10⁻⁶: C sums 1,560 terms, and its rounding (~10⁻¹⁵) divided by 2ε is not
# small next to a gradient whose largest entry is 0.03 (relative error 1.4·10⁻⁸ at ε = 10⁻⁶, 1.4·10⁻⁹ at 10⁻⁵).

# %%
def kl_autodiff(P, Y):
    """C = Σ pᵢⱼ log pᵢⱼ + Σ pᵢⱼ log(1 + ‖yᵢ − yⱼ‖²) + log Z (Σ pᵢⱼ = 1), as a Tensor of Y (n, d)."""
    n, d = Y.shape
    diff = Y.reshape(n, 1, d) - Y.reshape(1, n, d)
    one_plus = 1 + (diff * diff).sum(axis=2)
    Z = (one_plus ** -1 * (1 - np.eye(n))).sum()
    entropy_part = float(np.sum(P[P > 0] * np.log(P[P > 0])))
    return (P * one_plus.log()).sum() + Z.log() + entropy_part


P_small = joint_probabilities(X[:40], 10.0)
Y_small = lesson.rng.standard_normal((40, 2))
grad_numba, kl_numba = tsne_gradient(P_small, Y_small)
grad_numpy, kl_numpy = tsne_gradient.reference(P_small, Y_small)
Y_tensor = mg.tensor(Y_small, requires_grad=True)
C = kl_autodiff(P_small, Y_tensor)
C.backward()
numeric = mg.numerical_grad(lambda Y: kl_autodiff(P_small, Y), [Y_small], eps=1e-5)[0]
print(f"KL: numba {kl_numba:.12f}, NumPy {kl_numpy:.12f}, autodiff {C.item():.12f}")
solved = not stand_ins.used("tsne_gradient")   # False in a student copy until you write the gradient
for name, a, b, bound in [("numba kernel vs NumPy reference", grad_numba, grad_numpy, 1e-12),
                          ("numba kernel vs autodiff", grad_numba, Y_tensor.grad, 1e-12),
                          ("numba kernel vs central differences", grad_numba, numeric, 1e-8)]:
    error = mg.relative_error(a, b)
    lesson.checks.add(f"gradient, {name} (rel. error)", error if solved else "not solved yet",
                      not solved or error < bound)
lesson.checks.add("KL: kernel = autodiff's C", abs(kl_numba - C.item()), abs(kl_numba - C.item()) < 1e-12)

# %% [markdown]
# ## 3. PCA against t-SNE on the digits, and on an autoencoder's codes
# One t-SNE run at perplexity 30, recording the KL every 50 iterations (`callback`). We score each map by its
# **trustworthiness** (Venna & Kaski 2001; `mg.trustworthiness`): of each point's 10 nearest neighbours in
# the map, how many are also near in the 64 pixels, with a penalty growing with the rank they really have;
# 1 means no point gained a false neighbour.
#
# And a third map: the 10-number codes of a small autoencoder (64 → 32 → 10, LeakyReLU, trained briefly as in
# lesson 3), laid out by t-SNE. Trustworthiness is still measured against the pixels: how much of the pixel
# neighbourhoods survive encoding *and* mapping.

# %%
history = []
tic = time.perf_counter()
Y_tsne, kl_tsne = mg.tsne(X, perplexity=30.0, callback=lambda it, Y, kl: history.append((it, kl)), **TSNE_RUN)
tsne_seconds = time.perf_counter() - tic
print(f"t-SNE, perplexity 30: {tsne_seconds:.1f} s, final KL {kl_tsne:.4f}")
pixels_pca = pca(X, 2)
Y_pca = pixels_pca.transform(X)

ae = Autoencoder([64, 32, 10], rng=lesson.rng)
fit = mg.fit(ae, lambda m, xb: m.loss(xb), X.astype(np.float32), epochs=lesson.pick(full=30, quick=8), batch_size=64,
             optimizer=mg.optim.Adam(ae.parameters(), lr=3e-3), progress=False, rng=lesson.rng)
with mg.no_grad():
    codes = ae.encode(X.astype(np.float32)).data.astype(np.float64)
Y_codes, kl_codes = mg.tsne(codes, perplexity=30.0, **TSNE_RUN)
print(f"autoencoder: training loss {fit.train_loss[0]:.4f} -> {fit.train_loss[-1]:.4f} in {sum(fit.time):.1f} s")

maps = {"PCA of the pixels": Y_pca, "t-SNE of the pixels": Y_tsne, "t-SNE of 10-d autoencoder codes": Y_codes}
trust = {name: mg.trustworthiness(X, Y, 10) for name, Y in maps.items()}
for name, value in trust.items():
    print(f"trustworthiness (k = 10, against the pixels), {name:<32} {value:.4f}")
needed = lesson.pick(full=0.95, quick=0.9)
lesson.checks.add(f"t-SNE map trustworthiness > {needed:g}", trust["t-SNE of the pixels"],
                  trust["t-SNE of the pixels"] > needed)
lesson.checks.add("t-SNE map more trustworthy than PCA's", trust["t-SNE of the pixels"] - trust["PCA of the pixels"],
                  trust["t-SNE of the pixels"] > trust["PCA of the pixels"] + 0.05)
iterations, kls = np.array(history).T
end_exaggeration = kls[iterations == EXAGGERATION_ITER][0]
lesson.checks.add("KL falls after the exaggeration (final < at its end)", kl_tsne, kl_tsne < end_exaggeration)
largest_rise = float(np.diff(kls[iterations >= EXAGGERATION_ITER]).max())   # < 0: every step went down
lesson.checks.add("KL falls all through the second phase (largest change)", largest_rise, largest_rise < 0)
lesson.record("digits embedded", N_POINTS)
lesson.record("t-SNE seconds, perplexity 30", tsne_seconds)
for name, value in trust.items():
    lesson.record(f"trustworthiness k=10, {name}", value)
lesson.record("PCA plane: share of the pixels' variance", float(pixels_pca.explained_variance_ratio[:2].sum()))
lesson.record("KL at iteration 0", kls[0])
lesson.record("KL at the end of the exaggeration", end_exaggeration)
lesson.record("KL 50 iterations after the exaggeration", kls[iterations == EXAGGERATION_ITER + 50][0])


def scatter_digits(ax, Y, labels, title):
    for digit in range(10):
        chosen = labels == digit
        ax.scatter(Y[chosen, 0], Y[chosen, 1], s=4, color=plt.cm.tab10(digit), label=str(digit))
    ax.set_title(title, fontsize=10)
    ax.set_aspect("equal", adjustable="datalim")   # one unit is one unit both ways, or shapes would be distorted
    ax.set_xticks([])
    ax.set_yticks([])


fig, axes = plt.subplots(1, 3, figsize=(15, 5))
for ax, (name, Y) in zip(axes, maps.items()):
    scatter_digits(ax, Y, y, f"{name}\ntrustworthiness {trust[name]:.3f}")
axes[0].set(xlabel="principal component 1", ylabel="principal component 2")
axes[1].set(xlabel="t-SNE 1 (no units)", ylabel="t-SNE 2")
axes[2].set(xlabel="t-SNE 1 (no units)", ylabel="t-SNE 2")
axes[2].legend(title="digit", markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
lesson.show(fig, "17_pca_vs_tsne")

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(iterations, kls, "o-", ms=3)
ax.axvline(EXAGGERATION_ITER, color="k", ls=":", lw=1)
ax.text(EXAGGERATION_ITER, kls.max(), "  exaggeration off", va="top", fontsize=9)
ax.set(xlabel="iteration", ylabel="KL(P‖Q) (nats)", ylim=(0, None),
       title=f"t-SNE of {N_POINTS:,} digits, perplexity 30: the objective while it runs")
ax.grid(alpha=0.3)
lesson.show(fig, "17_kl_curve")

# %% [markdown]
# What the default run shows (all 1,797 digits, seed 0). PCA's plane keeps the 0s, 6s and 4s apart but piles
# the other digits on top of each other: its two directions hold 28% of the pixels' variance, and its
# trustworthiness is 0.830. t-SNE lays out one island per digit (the 1s in two or three, a few digits in a
# neighbour's island) at trustworthiness 0.992, the same as scikit-learn's exact method on the same data. The map
# of the autoencoder's codes scores 0.988: the 10-number code kept most of the pixel neighbourhoods.
#
# The KL curve has two phases. Under the exaggeration (P × 12) the true KL falls from 4.0 to 2.7 in 100
# iterations and then stalls: the map is fitting 12·P, not P, and the clusters are pulled tight. Once P is back
# to itself the clusters relax: the KL drops to 1.3 in 50 iterations, then creeps down to 0.681.
#
# ## 4. Perplexity 5, 30, 100
# The one knob that matters: how many neighbours each point tries to keep.

# %%
runs = {30.0: (Y_tsne, kl_tsne)}
for perplexity in (5.0, 100.0):
    runs[perplexity] = mg.tsne(X, perplexity=perplexity, **TSNE_RUN)
fig, axes = plt.subplots(1, 3, figsize=(15, 5))
for ax, perplexity in zip(axes, PERPLEXITIES):
    Y, kl = runs[perplexity]
    score = trust["t-SNE of the pixels"] if perplexity == 30.0 else mg.trustworthiness(X, Y, 10)
    print(f"perplexity {perplexity:>5g}: final KL {kl:.3f}, trustworthiness {score:.4f}")
    scatter_digits(ax, Y, y, f"perplexity {perplexity:g}: KL {kl:.3f}, trustworthiness {score:.3f}")
    lesson.checks.add(f"perplexity {perplexity:g}: trustworthiness > {needed:g}", score, score > needed)
    lesson.record(f"perplexity {perplexity:g}: final KL", kl)
    lesson.record(f"perplexity {perplexity:g}: trustworthiness k=10", score)
    ax.set(xlabel="t-SNE 1 (no units)", ylabel="t-SNE 2")
axes[2].legend(title="digit", markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
lesson.show(fig, "17_perplexity")

# %% [markdown]
# At perplexity 5 each point only cares about its 5 nearest digits: the islands are loose, and some split into
# clumps. At 100 they are compact and rounder. The KL values (0.881, 0.681, 0.527) do **not** compare across
# perplexities — each run matches a different P — and trustworthiness at k = 10 hardly moves (0.991, 0.992,
# 0.992). There is no single right perplexity; 5–50 is the usual range, and it is worth looking at more than one.
#
# ## 5. What the distances in a t-SNE map do not mean
# Two synthetic data sets whose geometry we know exactly (150 points per cluster, 10 dimensions):
#
# * **(a) two clusters of different spread**: one with standard deviation 1, one with 10, far apart;
# * **(b) three clusters at unequal distances**: centres A, B, C at 0, 10 and 100 along one axis, spread 1,
#   so B is 10 from A and C is 100 from A.
#
# PCA is linear: it keeps both the size ratio (10) and the distance ratio AC / AB (10). What does t-SNE keep?

# %%
PER_CLUSTER, DIMS = 150, 10
axis = np.eye(DIMS)[0]
spread_data = np.concatenate([lesson.rng.standard_normal((PER_CLUSTER, DIMS)),
                              100 * axis + 10 * lesson.rng.standard_normal((PER_CLUSTER, DIMS))])
spread_labels = np.repeat([0, 1], PER_CLUSTER)
distance_data = np.concatenate([c * axis + lesson.rng.standard_normal((PER_CLUSTER, DIMS)) for c in (0, 10, 100)])
distance_labels = np.repeat([0, 1, 2], PER_CLUSTER)


def size_ratio(Y):
    """RMS radius of the wide cluster over that of the tight one."""
    radius = [np.sqrt(((Y[spread_labels == k] - Y[spread_labels == k].mean(axis=0)) ** 2).sum(axis=1).mean())
              for k in (0, 1)]
    return radius[1] / radius[0]


def distance_ratio(Y):
    """‖centre C − centre A‖ / ‖centre B − centre A‖ (10 in the data)."""
    a, b, c = (Y[distance_labels == k].mean(axis=0) for k in range(3))
    return np.linalg.norm(c - a) / np.linalg.norm(b - a)


synthetic_runs = {"(a)": {}, "(b)": {}}
for perplexity in PERPLEXITIES:
    synthetic_runs["(a)"][perplexity] = mg.tsne(spread_data, perplexity=perplexity, **TSNE_RUN)[0]
    synthetic_runs["(b)"][perplexity] = mg.tsne(distance_data, perplexity=perplexity, **TSNE_RUN)[0]
pca_maps = {"(a)": pca(spread_data, 2).transform(spread_data), "(b)": pca(distance_data, 2).transform(distance_data)}

print(f"(a) size ratio: data {size_ratio(spread_data):.1f}, PCA {size_ratio(pca_maps['(a)']):.1f}, t-SNE "
      + ", ".join(f"{size_ratio(Y):.2f} (perplexity {p:g})" for p, Y in synthetic_runs["(a)"].items()))
print(f"(b) distance ratio AC/AB: data {distance_ratio(distance_data):.1f}, PCA {distance_ratio(pca_maps['(b)']):.1f}, "
      "t-SNE " + ", ".join(f"{distance_ratio(Y):.2f} (perplexity {p:g})" for p, Y in synthetic_runs["(b)"].items()))
lesson.checks.add("(a) PCA keeps the 10x size ratio (> 5)", size_ratio(pca_maps["(a)"]), size_ratio(pca_maps["(a)"]) > 5)
worst_size = max(size_ratio(Y) for Y in synthetic_runs["(a)"].values())
lesson.checks.add("(a) t-SNE draws both clusters the same size (ratio < 2)", worst_size, worst_size < 2)
lesson.checks.add("(b) PCA keeps the 10x distance ratio (> 5)", distance_ratio(pca_maps["(b)"]),
                  distance_ratio(pca_maps["(b)"]) > 5)
ratio_30 = distance_ratio(synthetic_runs["(b)"][30.0])
lesson.checks.add("(b) t-SNE at perplexity 30 loses it (AC/AB < 3)", ratio_30, ratio_30 < 3)
lesson.record("(a) size ratio, PCA", size_ratio(pca_maps["(a)"]))
lesson.record("(b) AC/AB, PCA", distance_ratio(pca_maps["(b)"]))
for perplexity in PERPLEXITIES:
    lesson.record(f"(a) size ratio, t-SNE perplexity {perplexity:g}", size_ratio(synthetic_runs["(a)"][perplexity]))
    lesson.record(f"(b) AC/AB, t-SNE perplexity {perplexity:g}", distance_ratio(synthetic_runs["(b)"][perplexity]))

fig, axes = plt.subplots(2, 4, figsize=(17, 8))
panels = {"(a)": (spread_labels, ["sd 1", "sd 10"], size_ratio, "size ratio"),
          "(b)": (distance_labels, ["A (at 0)", "B (at 10)", "C (at 100)"], distance_ratio, "AC/AB")}
for row, (name, (labels, names, measure, what)) in zip(axes, panels.items()):
    data = spread_data if name == "(a)" else distance_data
    shown = [("PCA", pca_maps[name])] + [(f"t-SNE, perplexity {p:g}", Y) for p, Y in synthetic_runs[name].items()]
    for ax, (title, Y) in zip(row, shown):
        for k, label in enumerate(names):
            ax.scatter(Y[labels == k, 0], Y[labels == k, 1], s=4, color=plt.cm.tab10(k), label=label)
        ax.set_title(f"{name} {title}\n{what} {measure(Y):.2f} (data: {measure(data):.1f})", fontsize=10)
        ax.set_aspect("equal", adjustable="datalim")   # sizes and distances are the point here: equal axes
        ax.set_xticks([])
        ax.set_yticks([])
    row[-1].legend(markerscale=3, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
fig.suptitle("each panel on its own scale, the same in x and y: compare the ratios in the titles, not the "
             "panels' sizes", fontsize=11)
lesson.show(fig, "17_distances")

# %% [markdown]
# **Cluster sizes mean nothing.** In (a) the wide cluster is 10 times larger in the data, and PCA draws it so
# (11.1); t-SNE draws the two the same size at every perplexity (1.01–1.04). Section 1 is why: each point's Gaussian is
# widened or narrowed until it has the same number of effective neighbours, so density is normalised away.
#
# **Distances between clusters mean little.** In (b) C is ten times further from A than B is. At perplexity 5
# t-SNE places the three clusters at about equal distances (AC/AB 0.91); at 30 it even changes their order,
# putting A in the middle (1.00); only at 100, when each point's neighbourhood reaches into the next cluster,
# does B come back between A and C — at about the midpoint (1.96), not ten times nearer to A. What t-SNE keeps is
# *which* points are near each other; how far apart two islands are, and how big each one is, are artefacts of
# the optimisation.
#
# So: read a t-SNE map for its neighbourhoods and its clusters (checked against labels or trustworthiness),
# never for sizes or between-cluster distances; try several perplexities; and keep PCA for a picture whose
# distances mean something.

# %%
lesson.finish()
