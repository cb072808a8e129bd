"""t-SNE (van der Maaten & Hinton 2008): a map of N high-dimensional points in 2 (or d) dimensions that keeps
each point's neighbours near it. The exact method, O(N²) per iteration, with scikit-learn's schedule.

1. Input affinities. p_{j|i} = exp(−βᵢ ‖xᵢ − xⱼ‖²) / Σ_{k≠i} exp(−βᵢ ‖xᵢ − xₖ‖²), with βᵢ found by bisection so
   that row i's entropy Hᵢ = −Σⱼ p_{j|i} log p_{j|i} equals log(perplexity): every point gets the same
   effective number of neighbours, e^Hᵢ = perplexity, however dense its region (``kernels.tsne_perplexity_search``).
   Then pᵢⱼ = (p_{j|i} + p_{i|j}) / 2N: symmetric, summing to 1.
2. Map affinities, Student-t with one degree of freedom: qᵢⱼ = wᵢⱼ / Z, wᵢⱼ = 1 / (1 + ‖yᵢ − yⱼ‖²), Z = Σ_{k≠l} wₖₗ.
3. Minimise C = KL(P‖Q) = Σ pᵢⱼ log(pᵢⱼ / qᵢⱼ) by gradient descent (its gradient: ``kernels.tsne_gradient``,
   derived in lesson 17), with momentum and per-coordinate gains; P is multiplied by 12 ("early
   exaggeration") for the first 250 iterations so clusters form before they settle.
"""
import numpy as np

from . import kernels
from .validate import choice, generator, integer, number, numeric_array, positive_int

INIT_SCALE = 1e-4             # the initial map's spread: tiny, so every wᵢⱼ starts near 1
MIN_GAIN = 0.01
KL_EVERY = 50                 # iterations between the KL values passed to a callback


def squared_distances(X):
    """D (N, N) with Dᵢⱼ = ‖xᵢ − xⱼ‖² = ‖xᵢ‖² + ‖xⱼ‖² − 2 xᵢ·xⱼ (float64; rounding clipped at 0, zero diagonal)."""
    X = np.asarray(X, np.float64)
    norms = np.einsum("ij,ij->i", X, X)
    D = X @ X.T
    D *= -2                          # in place: each N×N temporary costs as much as the product (26 MB at N = 1,797)
    D += norms[:, None]
    D += norms[None, :]
    np.maximum(D, 0, out=D)
    np.fill_diagonal(D, 0)
    return D


def joint_probabilities(X, perplexity):
    """P (N, N) = (P_cond + P_condᵀ) / 2N for the rows of X: symmetric, zero diagonal, summing to 1."""
    P_cond, _ = kernels.tsne_perplexity_search(squared_distances(X), perplexity)
    P = P_cond + P_cond.T
    P /= P.sum()                     # = 2N: each row of P_cond sums to 1
    return P


def tsne(X, n_components=2, perplexity=30.0, n_iter=1000, rng=None, *, init="pca", learning_rate="auto",
         early_exaggeration=12.0, exaggeration_iter=250, callback=None):
    """Embed the rows of X (N, D) in ``n_components`` dimensions; returns (Y (N, n_components), KL(P‖Q) of Y).

    The schedule is scikit-learn's ``TSNE(method="exact")``: ``exaggeration_iter`` iterations on α·P (α =
    ``early_exaggeration``) with momentum 0.5, then the rest on P with momentum 0.8, each phase starting with
    zero velocity and unit gains; the gain of a coordinate grows by 0.2 while its gradient keeps its sign and
    shrinks ×0.8 when it flips (at least 0.01). Step: v ← m·v − η·gain⊙∇C, Y ← Y + v. η = ``learning_rate``;
    "auto" is max(N / α / 4, 50). ``init``: "pca" (the first principal components, scaled to standard
    deviation 1e-4 along the first; needs no rng) or "random" (N(0, 1e-4²) from ``rng``). Unlike scikit-learn
    it runs all ``n_iter`` iterations (no stop on a stalled KL) and keeps one degree of freedom in Q in any dimension
    (scikit-learn takes n_components − 1 from 3 dimensions on).
    ``callback(iteration, Y, kl)``, if given, is called every 50 iterations and at the end with a copy of Y and
    KL(P‖Q) of the plain P (also during the exaggeration, so the values compare).
    """
    func = "tsne"
    X = numeric_array(X, "X", func)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError(f"{func}: X must be 2-d (n_samples, n_features) with at least 2 rows, got shape "
                         f"{X.shape}; reshape it, e.g. X.reshape(len(X), -1).")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{func}: X has {np.size(X) - np.count_nonzero(np.isfinite(X))} NaN or infinite values; "
                         "remove or impute them first.")
    n = len(X)
    n_components = positive_int(n_components, "n_components", func)
    perplexity = number(perplexity, "perplexity", func, low=0, low_open=True)
    if perplexity >= n:
        raise ValueError(f"{func}: perplexity must be less than the number of samples ({n}), got {perplexity:g}; "
                         f"it is the effective number of neighbours of each point (typically 5-50).")
    n_iter = positive_int(n_iter, "n_iter", func)
    exaggeration_iter = integer(exaggeration_iter, "exaggeration_iter", func, low=0)
    if exaggeration_iter > n_iter:
        raise ValueError(f"{func}: n_iter ({n_iter}) must be at least exaggeration_iter ({exaggeration_iter}), the "
                         f"iterations with early exaggeration that come first; lower exaggeration_iter as well.")
    early_exaggeration = number(early_exaggeration, "early_exaggeration", func, low=1)
    if isinstance(learning_rate, str):
        choice(learning_rate, "learning_rate", func, ("auto",))
        learning_rate = max(n / early_exaggeration / 4, 50.0)
    else:
        learning_rate = number(learning_rate, "learning_rate", func, low=0, low_open=True)
    init = choice(init, "init", func, ("pca", "random"))
    rng = generator(rng, func)
    if callback is not None and not callable(callback):
        raise TypeError(f"{func}: callback must be callable as callback(iteration, Y, kl) or None, "
                        f"got {type(callback).__name__}.")

    P = joint_probabilities(X, perplexity)
    Y = _initial_embedding(X, n_components, init, rng)
    phases = [(0, exaggeration_iter, early_exaggeration, 0.5), (exaggeration_iter, n_iter, 1.0, 0.8)]
    for start, stop, exaggeration, momentum in phases:
        _descend(P, Y, range(start, stop), exaggeration, momentum, learning_rate, callback)
    _, kl = kernels.tsne_gradient(P, Y, 1.0, True)
    if callback is not None:
        callback(n_iter, Y.copy(), kl)
    return Y, kl


def _initial_embedding(X, n_components, init, rng):
    if init == "random":
        return INIT_SCALE * rng.standard_normal((len(X), n_components))
    if n_components > min(X.shape):
        raise ValueError(f"tsne: init='pca' needs n_components <= min(n_samples, n_features) = {min(X.shape)}, "
                         f"got {n_components}; use init='random'.")
    if np.all(X == X[0]):
        raise ValueError("tsne: init='pca' found no variance in X (every row is the same); use init='random'.")
    # the first principal components' scores, as models.pca(X, k).transform(X) (not imported: models sit a layer above)
    X = np.asarray(X, np.float64)
    centred = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    scores = centred @ Vt[:n_components].T
    return scores * (INIT_SCALE / scores[:, 0].std())


def _descend(P, Y, iterations, exaggeration, momentum, learning_rate, callback):
    """Gradient descent with momentum and gains on Y (in place), for the given iteration numbers."""
    velocity, gains = np.zeros_like(Y), np.ones_like(Y)
    for iteration in iterations:
        report = callback is not None and iteration % KL_EVERY == 0
        grad, kl = kernels.tsne_gradient(P, Y, exaggeration, report)
        if report:
            callback(iteration, Y.copy(), kl)
        # delta-bar-delta (Jacobs 1988): a coordinate still going the same way (velocity against the gradient)
        # speeds up, one whose gradient flipped slows down
        gains = np.where(velocity * grad < 0, gains + 0.2, gains * 0.8)
        np.maximum(gains, MIN_GAIN, out=gains)
        velocity = momentum * velocity - learning_rate * gains * grad
        Y += velocity


def trustworthiness(X, embedding, n_neighbors=5):
    """How well the embedding's neighbourhoods come from the data's (Venna & Kaski 2001), in [0, 1]:

        T(k) = 1 − 2 / (N k (2N − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢ} (r(i, j) − k)

    Uᵢ: the k nearest neighbours of i in the embedding that are not among its k nearest in X; r(i, j): the rank
    of j among i's neighbours in X (1 = nearest). 1 means no point gained a false neighbour. Euclidean in both
    spaces, as scikit-learn's ``trustworthiness``; needs k < N / 2.
    """
    func = "trustworthiness"
    X, embedding = numeric_array(X, "X", func), numeric_array(embedding, "embedding", func)
    if X.ndim != 2 or embedding.ndim != 2 or len(X) != len(embedding):
        raise ValueError(f"{func}: X and embedding must be 2-d with one row per point, got shapes {X.shape} and "
                         f"{embedding.shape}.")
    n = len(X)
    k = positive_int(n_neighbors, "n_neighbors", func)
    if k >= n / 2:
        raise ValueError(f"{func}: n_neighbors must be less than n_samples / 2 = {n / 2:g}, got {k}.")
    D_input, D_embedded = squared_distances(X), squared_distances(embedding)
    np.fill_diagonal(D_input, np.inf)                                 # a point is not its own neighbour
    np.fill_diagonal(D_embedded, np.inf)
    points = np.arange(n)
    total = 0
    # r(i, j) only for the k map neighbours, by counting instead of sorting all of row i (2.5x faster for the
    # 1,797 digits): 1 + the points nearer to i than j in X, ties going to the lower index, as a stable sort's
    for j in np.argpartition(D_embedded, k - 1, axis=1)[:, :k].T:   # (N,): one map neighbour of every point
        d = D_input[points, j][:, None]
        tied_before = (D_input == d) & (points < j[:, None])
        nearer = np.count_nonzero(D_input < d, axis=1) + np.count_nonzero(tied_before, axis=1)
        total += int(np.maximum(nearer + 1 - k, 0).sum())            # r(i, j) − k, for j ∈ Uᵢ only
    return 1 - 2 / (n * k * (2 * n - 3 * k - 1)) * total
