"""t-SNE's two O(N²) computations: the input affinities (once per run) and the gradient of KL(P‖Q) (every iteration).

Affinities, ``tsne_perplexity_search``: for squared distances D (N, N), row i of P_cond is
p_{j|i} = exp(−βᵢ Dᵢⱼ) / Σ_{k≠i} exp(−βᵢ Dᵢₖ) (p_{i|i} = 0), with βᵢ found by bisection so that the row's entropy
Hᵢ = −Σⱼ p_{j|i} log p_{j|i} is log(perplexity).

Gradient, ``tsne_gradient``: for N points yᵢ ∈ ℝᵈ (Y, shape (N, d)) and P (N, N) symmetric, zero on the diagonal,
summing to 1 (``tsne.joint_probabilities``), the gradient ∂C/∂Y (N, d) of

    wᵢⱼ = 1 / (1 + ‖yᵢ − yⱼ‖²)  (Student-t, one degree of freedom),   Z = Σ_{i≠j} wᵢⱼ,   qᵢⱼ = wᵢⱼ / Z
    C = KL(P‖Q) = Σ_{i≠j} pᵢⱼ log(pᵢⱼ / qᵢⱼ)     (early exaggeration α: P scaled by α in the gradient, 1 for C itself)

The reference builds the N×N arrays (26 MB each in float64 for N = 1,797) and makes ~15 passes over them. The
numba loop visits each pair i < j once, two rows at a time, and keeps nothing of size N² but P. Both compute in float64
whatever the input type (each sum runs over N terms) and return the gradient in Y's type.
"""
import numpy as np

from .jit import Kernel, lazy_njit

PERPLEXITY_TOLERANCE = 1e-5   # |Hᵢ − log perplexity| in nats, as scikit-learn
MAX_BISECTION_STEPS = 100


# ---------------------------------------------------------------- input affinities
def tsne_perplexity_search_reference(D, perplexity):
    """(P_cond (N, N), β (N,)) from squared distances D (N, N), every row at once.

    scikit-learn's search: start at β = 1, double or halve until the target is bracketed, then halve the
    bracket; a row stops when |Hᵢ − log perplexity| ≤ 1e-5, or after 100 steps. Hᵢ falls as βᵢ grows: a larger
    precision concentrates the row on fewer neighbours. Hᵢ = log Sᵢ + βᵢ Σⱼ p_{j|i} Dᵢⱼ, Sᵢ = Σⱼ exp(−βᵢ Dᵢⱼ).
    """
    D = np.asarray(D, np.float64)
    n = len(D)
    diagonal = np.eye(n, dtype=bool)                                # j = i is not a neighbour
    off_diagonal = np.where(diagonal, np.inf, D)
    # Dᵢⱼ − minₖ Dᵢₖ: the same p_{j|i} (the shift cancels in the normalisation), but the nearest neighbour's
    # weight is exp(0) = 1, so a large β cannot underflow a whole row to 0/0
    shifted = np.where(diagonal, 0, off_diagonal - off_diagonal.min(axis=1, keepdims=True))
    target = np.log(perplexity)
    beta, low, high = np.ones(n), np.zeros(n), np.full(n, np.inf)   # low = 0, high = ∞: no bound found yet
    done = np.zeros(n, bool)
    for step in range(MAX_BISECTION_STEPS):
        weights = np.where(diagonal, 0, np.exp(-beta[:, None] * shifted))
        total = weights.sum(axis=1)
        entropy = np.log(total) + beta * (weights * shifted).sum(axis=1) / total
        done |= np.abs(entropy - target) <= PERPLEXITY_TOLERANCE
        if done.all() or step == MAX_BISECTION_STEPS - 1:
            break
        too_flat = entropy > target                                 # too many neighbours: raise β
        low = np.where(too_flat & ~done, beta, low)
        high = np.where(~too_flat & ~done, beta, high)
        # the midpoint of the bracket ((0 + high)/2 halves β), or 2β while there is no upper bound
        beta = np.where(done, beta, np.where(np.isinf(high), 2 * beta, (low + high) / 2))
    return weights / total[:, None], beta


# A row at a time, in cache, and mostly without exp: bisecting β bisects the exponent,
#     exp(−(a + b)/2 · d) = √(exp(−a d) · exp(−b d)),
# so, keeping the weights at both ends of the bracket, a bisection step is a square root (a vector instruction)
# where NumPy's float64 exp is a scalar call (5 ns per element here; numba's 12 ns). Until β is bracketed (β
# doubling or halving) it takes exp: squaring would double the relative rounding error at each doubling, and a
# weight that underflowed to 0 at β stays 0 under roots, though at β/2ᵏ it matters. Roots average the errors.
@lazy_njit.summing
def _perplexity_search_loop(D, target, P, beta_out):
    n = D.shape[0]
    shifted, w, w_low, w_high = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        nearest = np.inf
        for j in range(n):
            if j != i:
                nearest = min(nearest, D[i, j])
        for j in range(n):
            shifted[j] = D[i, j] - nearest
        shifted[i] = 0.0
        beta, low, high = 1.0, 0.0, np.inf
        from_exp = True
        for step in range(MAX_BISECTION_STEPS):
            if from_exp:
                for j in range(n):
                    w[j] = np.exp(-beta * shifted[j])
                w[i] = 0.0                                          # j = i is not a neighbour
            total, moment = 0.0, 0.0
            for j in range(n):
                total += w[j]
                moment += w[j] * shifted[j]
            entropy = np.log(total) + beta * moment / total
            if abs(entropy - target) <= PERPLEXITY_TOLERANCE or step == MAX_BISECTION_STEPS - 1:
                break
            if entropy > target:                                    # the bound that moves keeps the weights
                low, w_low, w = beta, w, w_low
            else:
                high, w_high, w = beta, w, w_high
            beta = 2 * beta if high == np.inf else (low + high) / 2
            from_exp = low == 0.0 or high == np.inf                 # until β is bracketed
            if not from_exp:
                for j in range(n):
                    w[j] = np.sqrt(w_low[j] * w_high[j])
        for j in range(n):
            P[i, j] = w[j] / total
        beta_out[i] = beta


def tsne_perplexity_search_compiled(D, perplexity):
    n = len(D)
    P, beta = np.empty((n, n)), np.empty(n)
    _perplexity_search_loop(np.asarray(D, np.float64), np.log(perplexity), P, beta)
    return P, beta


# ---------------------------------------------------------------- the gradient
def tsne_gradient_reference(P, Y, exaggeration=1.0, with_kl=True):
    """(∂C/∂Y (N, d), C) with dense N×N arrays; C is NaN unless ``with_kl``. Assumes P as above."""
    P, Y64 = np.asarray(P, np.float64), np.asarray(Y, np.float64)
    differences = Y64[:, None, :] - Y64[None, :, :]                 # (N, N, d): yᵢ − yⱼ
    w = 1 / (1 + np.einsum("ijk,ijk->ij", differences, differences))
    np.fill_diagonal(w, 0)                                           # no pair (i, i)
    Z = w.sum()
    # BEGIN SOLUTION tsne_gradient
    # ∂C/∂yᵢ = 4 Σⱼ (α pᵢⱼ − qᵢⱼ) wᵢⱼ (yᵢ − yⱼ): C = −Σ pᵢⱼ log wᵢⱼ + log Z + const, and ∂wᵢⱼ/∂yᵢ = −2wᵢⱼ²(yᵢ − yⱼ);
    # each pair appears twice, as (i, j) and (j, i), hence 4, not 2
    forces = (exaggeration * P - w / Z) * w                          # (α pᵢⱼ − qᵢⱼ) wᵢⱼ
    grad = 4 * np.einsum("ij,ijk->ik", forces, differences)
    # END SOLUTION
    kl = np.nan
    if with_kl:
        linked = P > 0                                               # 0 · log 0 = 0
        kl = float(np.sum(P[linked] * np.log(P[linked] * Z / w[linked])))
    return grad.astype(Y.dtype, copy=False), kl


# BEGIN SOLUTION tsne_gradient
# ∂C/∂yᵢ = 4 Σⱼ (α pᵢⱼ − qᵢⱼ) wᵢⱼ (yᵢ − yⱼ). Z is only known after the last pair, so the loops split it into
# the two sums they can accumulate on the way,
#     Aᵢ = Σⱼ pᵢⱼ wᵢⱼ (yᵢ − yⱼ),   Rᵢ = Σⱼ wᵢⱼ² (yᵢ − yⱼ),   ∂C/∂yᵢ = 4 (α Aᵢ − Rᵢ / Z)   (as qᵢⱼ wᵢⱼ = wᵢⱼ² / Z)
# and a pair adds its terms to row i and subtracts them from row j.
#
# Loop indices are unsigned: numba wraps a negative signed index around (x[-1] is the last element), and LLVM
# cannot see through that select, so a loop that both reads and updates arrays by it stays scalar ("unsafe
# indirect dependence"). Unsigned, the j loops vectorise (4 pairs per AVX2 instruction): 3-4x faster.
@lazy_njit.summing
def _pairs_2d(P, y0, y1, with_kl, attract, repel):
    """The 2-d embedding: the gradient's sums in one fused pass over the pairs (KL's in another, when asked).
    Returns (Σ_{i<j} wᵢⱼ, Σ_{i<j} pᵢⱼ log(pᵢⱼ/wᵢⱼ), Σ_{i<j} pᵢⱼ) and adds Aᵢ, Rᵢ into attract, repel (2, N).

    Two rows, i and k = i + 1, share one pass over the columns j > i: the pass is bound by its four
    read-modify-writes of column j's sums, and this makes them one per two pairs (1.3x faster, measured). Its first
    column is j = k, where row k meets itself: v = 1 and e = 0, so the pair adds 1 to Σw and nothing else."""
    n = y0.size
    w_sum, kl_sum, p_sum = 0.0, 0.0, 0.0
    if with_kl:   # a log per pair: 4x the cost of the gradient, so only when asked
        for i in range(n - 1):
            p_row, yi0, yi1 = P[i], y0[i], y1[i]
            for j in range(np.uint64(i + 1), np.uint64(n)):
                p = p_row[j]
                if p > 0:
                    d0, d1 = yi0 - y0[j], yi1 - y1[j]
                    kl_sum += p * np.log(p * (1.0 + d0 * d0 + d1 * d1))
                p_sum += p
    a0, a1, r0, r1 = attract[0], attract[1], repel[0], repel[1]
    for i in range(0, n - 1, 2):
        k = i + 1
        p_row, yi0, yi1 = P[i], y0[i], y1[i]
        q_row, yk0, yk1 = P[k], y0[k], y1[k]
        sa0, sa1, sr0, sr1 = 0.0, 0.0, 0.0, 0.0          # row i's sums
        ta0, ta1, tr0, tr1 = 0.0, 0.0, 0.0, 0.0          # row k's
        for j in range(np.uint64(k), np.uint64(n)):
            d0, d1 = yi0 - y0[j], yi1 - y1[j]
            e0, e1 = yk0 - y0[j], yk1 - y1[j]
            w = 1.0 / (1.0 + d0 * d0 + d1 * d1)
            v = 1.0 / (1.0 + e0 * e0 + e1 * e1)
            w_sum += w + v
            pw, ww = p_row[j] * w, w * w
            pv, vv = q_row[j] * v, v * v
            sa0 += pw * d0
            sa1 += pw * d1
            sr0 += ww * d0
            sr1 += ww * d1
            ta0 += pv * e0
            ta1 += pv * e1
            tr0 += vv * e0
            tr1 += vv * e1
            a0[j] -= pw * d0 + pv * e0
            a1[j] -= pw * d1 + pv * e1
            r0[j] -= ww * d0 + vv * e0
            r1[j] -= ww * d1 + vv * e1
        w_sum -= 1.0                                      # the pair (k, k)
        a0[i] += sa0
        a1[i] += sa1
        r0[i] += sr0
        r1[i] += sr1
        a0[k] += ta0
        a1[k] += ta1
        r0[k] += tr0
        r1[k] += tr1
    return w_sum, kl_sum, p_sum


@lazy_njit.summing
def _pairs(P, Yt, with_kl, attract, repel, squared, p_w, w_w):
    """Any dimension d (Yt: (d, N)): per row, a pass per coordinate over the scratch rows ``squared`` (‖yᵢ − yⱼ‖²),
    ``p_w`` (pᵢⱼwᵢⱼ) and ``w_w`` (wᵢⱼ²), all (N,). A d-long loop inside the pair loop would not vectorise;
    these passes do (1.6x slower than the fused 2-d loop, measured). Returns what ``_pairs_2d`` returns."""
    d, n = Yt.shape
    w_sum, kl_sum, p_sum = 0.0, 0.0, 0.0
    for i in range(n - 1):
        start, p_row = np.uint64(i + 1), P[i]
        for k in range(d):
            y, yk = Yt[k, i], Yt[k]
            for j in range(start, np.uint64(n)):
                diff = y - yk[j]
                squared[j] = diff * diff if k == 0 else squared[j] + diff * diff
        if with_kl:
            for j in range(start, np.uint64(n)):
                p = p_row[j]
                if p > 0:
                    kl_sum += p * np.log(p * (1.0 + squared[j]))
                p_sum += p
        for j in range(start, np.uint64(n)):
            w = 1.0 / (1.0 + squared[j])
            w_sum += w
            p_w[j] = p_row[j] * w
            w_w[j] = w * w
        for k in range(d):
            y, yk, ak, rk = Yt[k, i], Yt[k], attract[k], repel[k]
            sa, sr = 0.0, 0.0
            for j in range(start, np.uint64(n)):
                diff = y - yk[j]
                sa += p_w[j] * diff
                sr += w_w[j] * diff
                ak[j] -= p_w[j] * diff
                rk[j] -= w_w[j] * diff
            ak[i] += sa
            rk[i] += sr
    return w_sum, kl_sum, p_sum


def tsne_gradient_compiled(P, Y, exaggeration=1.0, with_kl=True):
    P = np.ascontiguousarray(P)
    Yt = np.ascontiguousarray(Y.T, dtype=np.float64)          # coordinate-major: the pair loops read rows of it
    d, n = Yt.shape
    attract, repel = np.zeros((d, n)), np.zeros((d, n))
    if d == 2:
        w_sum, kl_sum, p_sum = _pairs_2d(P, Yt[0], Yt[1], with_kl, attract, repel)
    else:
        w_sum, kl_sum, p_sum = _pairs(P, Yt, with_kl, attract, repel, np.empty(n), np.empty(n), np.empty(n))
    Z = 2 * w_sum                                                   # both (i, j) and (j, i)
    grad = (4 * (exaggeration * attract - repel / Z)).T
    # C = Σ_{i≠j} pᵢⱼ log(pᵢⱼ (1 + ‖yᵢ − yⱼ‖²) Z) = 2 Σ_{i<j} pᵢⱼ log(pᵢⱼ (1 + ‖yᵢ − yⱼ‖²)) + (Σ_{i≠j} pᵢⱼ) log Z
    kl = 2 * kl_sum + 2 * p_sum * np.log(Z) if with_kl else np.nan
    return np.ascontiguousarray(grad, dtype=Y.dtype), float(kl)
# END SOLUTION


# what the compiled versions save per entry of their N×N input (measured: 180 and 60 ns), for kernels/jit.py's rule:
# at the default 1.5 ns per element, t-SNE would run its references for seconds before numba counted as paying
tsne_perplexity_search = Kernel(tsne_perplexity_search_reference, tsne_perplexity_search_compiled,
                                saving_per_element=180e-9)
tsne_gradient = Kernel(tsne_gradient_reference, tsne_gradient_compiled, saving_per_element=60e-9)
