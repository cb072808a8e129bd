"""t-SNE: both kernels against their NumPy references; the gradient against finite differences of the objective;
P's perplexity, symmetry and normalisation; trustworthiness against a brute force; the whole method on clusters;
determinism; errors."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae import kernels as K
from minigrad_ae.tsne import joint_probabilities, squared_distances

SEEDS = st.integers(0, 2**32 - 1)
needs_numba = pytest.mark.skipif(not K.NUMBA_INSTALLED, reason="numba is not installed: no compiled kernel to compare")


def both(kernel):
    """The kernel's NumPy reference and, where numba is installed, its compiled version."""
    return [kernel.reference] + ([kernel.compiled] if K.NUMBA_INSTALLED else [])


def random_P(rng, n, zero_share=0.3, dtype=np.float64):
    """A symmetric P with zero diagonal summing to 1, some entries exactly 0 (pᵢⱼ log pᵢⱼ = 0 there)."""
    P = rng.random((n, n)) * (rng.random((n, n)) > zero_share)
    P = P + P.T
    np.fill_diagonal(P, 0)
    if P.sum() == 0:
        P[0, 1] = P[1, 0] = 1.0
    return (P / P.sum()).astype(dtype)


def exaggerated_objective(P, Y, alpha):
    """C_α(Y) = −α Σ_{i≠j} pᵢⱼ log wᵢⱼ + log Z + α Σ pᵢⱼ log pᵢⱼ, whose gradient the kernels compute with P scaled
    by α; at α = 1 it is KL(P‖Q). Written from the definitions, independently of both kernels."""
    n = len(Y)
    off = ~np.eye(n, dtype=bool)
    squared = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(axis=2)
    w = 1 / (1 + squared[off])
    p = P[off]
    linked = p > 0
    return float(-alpha * np.sum(p * np.log(w)) + np.log(w.sum()) + alpha * np.sum(p[linked] * np.log(p[linked])))


@pytest.mark.tsne_gradient
# ---------------------------------------------------------------- the gradient kernel
@needs_numba
@given(n=st.integers(2, 40), d=st.integers(1, 4), dtype=st.sampled_from([np.float32, np.float64]), seed=SEEDS,
       exaggeration=st.floats(1.0, 12.0), scale=st.sampled_from([1e-4, 1.0, 30.0]), with_kl=st.booleans(),
       fortran=st.booleans())
def test_gradient_kernel_matches_its_reference(n, d, dtype, seed, exaggeration, scale, with_kl, fortran):
    rng = np.random.default_rng(seed)
    P = random_P(rng, n, dtype=dtype)
    Y = (scale * rng.standard_normal((n, d))).astype(dtype)
    if fortran:   # a column-major embedding: the kernel must still read it by coordinate
        Y = np.asfortranarray(Y)
    want_grad, want_kl = K.tsne_gradient.reference(P, Y, exaggeration, with_kl)
    got_grad, got_kl = K.tsne_gradient.compiled(P, Y, exaggeration, with_kl)
    assert got_grad.shape == Y.shape and got_grad.dtype == want_grad.dtype == Y.dtype
    # the gradient is a difference of attractive and repulsive sums: compare against the size of the largest
    # (when they cancel exactly, e.g. two points, one kernel's 0.0 is the other's rounding residue 3e-20)
    tol = 2e-6 if dtype == np.float32 else 1e-11
    attractive = 4 * exaggeration * np.abs(P[:, :, None] * (Y[:, None, :] - Y[None, :, :])).sum(axis=1).max()
    np.testing.assert_allclose(got_grad, want_grad, rtol=tol, atol=tol * max(np.abs(want_grad).max(), attractive))
    if with_kl:
        assert got_kl == pytest.approx(want_kl, rel=1e-10, abs=1e-12)   # both from the same values, in float64
    else:
        assert np.isnan(got_kl) and np.isnan(want_kl)


@pytest.mark.tsne_gradient
@settings(max_examples=15)
@given(n=st.integers(2, 7), d=st.integers(1, 3), seed=SEEDS, exaggeration=st.sampled_from([1.0, 4.0, 12.0]))
def test_gradient_is_the_derivative_of_the_objective(n, d, seed, exaggeration):
    """∂C/∂Y of both kernels against float64 central differences of C (KL(P‖Q) at α = 1, its exaggerated form
    otherwise), and the kernels' KL against the objective written out."""
    rng = np.random.default_rng(seed)
    P = random_P(rng, n)
    Y = rng.standard_normal((n, d))
    objective = lambda y: mg.tensor(exaggerated_objective(P, y.data, exaggeration), dtype=np.float64)
    numeric = mg.numerical_grad(objective, [Y])[0]
    for kernel in both(K.tsne_gradient):
        grad, kl = kernel(P, Y, exaggeration)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
        if np.abs(numeric).max() > 1e-3:   # (two points at α = 1: P = Q whatever Y, the gradient is 0)
            assert mg.relative_error(grad, numeric) < 1e-8
        assert kl == pytest.approx(exaggerated_objective(P, Y, 1.0), rel=1e-12, abs=1e-14)


@pytest.mark.tsne_gradient
def test_kl_is_zero_when_q_equals_p():
    """Q is P exactly when P is made from the embedding's own Student-t affinities."""
    Y = np.random.default_rng(0).standard_normal((12, 2))
    w = 1 / (1 + squared_distances(Y))
    np.fill_diagonal(w, 0)
    for kernel in both(K.tsne_gradient):
        grad, kl = kernel(w / w.sum(), Y)
        assert abs(kl) < 1e-14 and np.abs(grad).max() < 1e-14


# ---------------------------------------------------------------- the perplexity search
@needs_numba
@given(n=st.integers(3, 40), d=st.integers(1, 5), seed=SEEDS, share=st.floats(0.05, 0.95),
       scale=st.sampled_from([1e-3, 1.0, 1e3]))
def test_perplexity_search_kernel_matches_its_reference(n, d, seed, share, scale):
    rng = np.random.default_rng(seed)
    D = squared_distances(scale * rng.standard_normal((n, d)))
    perplexity = 1 + share * (n - 2)   # between 1 and n − 1 neighbours
    want_P, want_beta = K.tsne_perplexity_search.reference(D, perplexity)
    got_P, got_beta = K.tsne_perplexity_search.compiled(D, perplexity)
    np.testing.assert_allclose(got_beta, want_beta, rtol=1e-13)
    np.testing.assert_allclose(got_P, want_P, rtol=1e-12, atol=1e-15)


def entropy(P):
    logs = np.log(np.where(P > 0, P, 1))
    return -(P * logs).sum(axis=1)


@pytest.mark.parametrize("search", both(K.tsne_perplexity_search))
@pytest.mark.parametrize("perplexity", [2.0, 10.0, 30.0])
def test_every_row_has_the_requested_perplexity(search, perplexity):
    X, _ = mg.data.load_digits()
    P, beta = search(squared_distances(X[:300]), perplexity)
    assert np.abs(entropy(P) - np.log(perplexity)).max() <= 1e-5       # scikit-learn's tolerance, in nats
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-14)
    assert np.all(np.diag(P) == 0) and np.all(P >= 0) and np.all(beta > 0)


def test_a_point_in_a_denser_region_gets_a_larger_precision():
    """Same number of effective neighbours everywhere: a tight cluster needs a sharper kernel (larger β)."""
    rng = np.random.default_rng(0)
    X = np.concatenate([0.1 * rng.standard_normal((50, 3)), 10 + 3.0 * rng.standard_normal((50, 3))])
    _, beta = K.tsne_perplexity_search(squared_distances(X), 10.0)
    assert beta[:50].min() > 10 * beta[50:].max()


def test_joint_probabilities_are_symmetric_normalised_and_zero_on_the_diagonal():
    X = np.random.default_rng(1).standard_normal((60, 5))
    P = joint_probabilities(X, 12.0)
    np.testing.assert_array_equal(P, P.T)
    assert P.sum() == pytest.approx(1, abs=1e-14) and np.all(np.diag(P) == 0) and np.all(P >= 0)
    P_cond, _ = K.tsne_perplexity_search(squared_distances(X), 12.0)
    np.testing.assert_allclose(P, (P_cond + P_cond.T) / (2 * len(X)), rtol=1e-14)


# ---------------------------------------------------------------- trustworthiness
def trustworthiness_brute_force(X, E, k):
    n = len(X)
    total = 0
    for i in range(n):
        others = [j for j in range(n) if j != i]
        by_input = sorted(others, key=lambda j: np.sum((X[i] - X[j]) ** 2))
        rank = {j: r + 1 for r, j in enumerate(by_input)}
        by_embedding = sorted(others, key=lambda j: np.sum((E[i] - E[j]) ** 2))[:k]
        total += sum(rank[j] - k for j in by_embedding if rank[j] > k)
    return 1 - 2 / (n * k * (2 * n - 3 * k - 1)) * total


@given(n=st.integers(6, 20), seed=SEEDS, tied=st.booleans(), data=st.data())
def test_trustworthiness_matches_a_brute_force(n, seed, tied, data):
    """``tied``: small-integer data, as pixels, where many distances are equal: a tie goes to the lower index (the
    brute force's sort is stable)."""
    k = data.draw(st.integers(1, (n - 1) // 2))
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, (n, 4)).astype(float) if tied else rng.standard_normal((n, 4))
    E = rng.standard_normal((n, 2))
    assert mg.trustworthiness(X, E, k) == pytest.approx(trustworthiness_brute_force(X, E, k), abs=1e-12)
    if not tied:   # (with ties, which of the equally near points are a map's k nearest is arbitrary)
        assert mg.trustworthiness(X, X, k) == pytest.approx(1.0, abs=1e-12)   # the data are their own perfect map


def test_trustworthiness_agrees_with_scikit_learn():
    manifold = pytest.importorskip("sklearn.manifold")
    rng = np.random.default_rng(2)
    X, E = rng.standard_normal((80, 6)), rng.standard_normal((80, 2))
    for k in (1, 5, 20):
        assert mg.trustworthiness(X, E, k) == pytest.approx(manifold.trustworthiness(X, E, n_neighbors=k), abs=1e-12)


# ---------------------------------------------------------------- the method
def three_clusters(rng, per_cluster=30):
    centres = 8 * np.eye(3, 10)
    X = np.concatenate([c + rng.standard_normal((per_cluster, 10)) for c in centres])
    return X, np.repeat(np.arange(3), per_cluster)


def test_tsne_separates_clusters_and_records_a_falling_kl():
    X, labels = three_clusters(np.random.default_rng(0))
    history = []
    Y, kl = mg.tsne(X, perplexity=10.0, n_iter=500, callback=lambda it, y, c: history.append((it, y, c)))
    assert Y.shape == (90, 2) and Y.dtype == np.float64
    D = squared_distances(Y)
    np.fill_diagonal(D, np.inf)
    assert np.all(labels[D.argmin(axis=1)] == labels)                   # every nearest neighbour in its cluster
    assert mg.trustworthiness(X, Y, 5) > 0.9
    iterations = [it for it, _, _ in history]
    assert iterations == list(range(0, 500, 50)) + [500]
    kls = np.array([c for _, _, c in history])
    assert kls[-1] == kl and kls[-1] < 0.5 * kls[0]
    _, kl_ref = K.tsne_gradient.reference(joint_probabilities(X, 10.0), Y)
    assert kl == pytest.approx(kl_ref, rel=1e-10)                        # the KL of the embedding returned
    np.testing.assert_array_equal(history[-1][1], Y)


@pytest.mark.tsne_gradient
@needs_numba
def test_tsne_follows_the_reference_kernels(monkeypatch):
    """The numba kernels and the NumPy references give the same embedding. A short run: rounding differences
    grow about 10x every 5 iterations (measured: 1e-15 after 10, 7e-12 after 20, 4e-8 after 40)."""
    X, _ = three_clusters(np.random.default_rng(1), per_cluster=15)
    runs, gradient, search = {}, K.tsne_gradient, K.tsne_perplexity_search
    for version in ("compiled", "reference"):
        monkeypatch.setattr(K, "tsne_gradient", getattr(gradient, version))
        monkeypatch.setattr(K, "tsne_perplexity_search", getattr(search, version))
        runs[version] = mg.tsne(X, perplexity=8.0, n_iter=20, exaggeration_iter=10)
    (Y_numba, kl_numba), (Y_ref, kl_ref) = runs["compiled"], runs["reference"]
    np.testing.assert_allclose(Y_numba, Y_ref, rtol=1e-9, atol=1e-9 * np.abs(Y_ref).max())
    assert kl_numba == pytest.approx(kl_ref, rel=1e-9)


def test_tsne_is_deterministic_for_a_seeded_rng():
    X, _ = three_clusters(np.random.default_rng(2), per_cluster=10)

    def run(seed, **kw):
        return mg.tsne(X, perplexity=5.0, n_iter=60, exaggeration_iter=30, rng=np.random.default_rng(seed), **kw)[0]

    np.testing.assert_array_equal(run(3, init="random"), run(3, init="random"))
    assert not np.allclose(run(3, init="random"), run(4, init="random"))
    np.testing.assert_array_equal(run(3), run(4))                        # init="pca" draws nothing


def test_pca_init_starts_from_the_principal_components():
    X, _ = three_clusters(np.random.default_rng(3), per_cluster=10)
    history = []
    mg.tsne(X, n_components=3, perplexity=5.0, n_iter=1, exaggeration_iter=0,
            callback=lambda it, y, c: history.append(y))
    start, scores = history[0], mg.models.pca(X, 3).transform(X)
    assert start[:, 0].std() == pytest.approx(1e-4)
    np.testing.assert_allclose(start, scores * (1e-4 / scores[:, 0].std()), rtol=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda X: mg.tsne(X[0]), "must be 2-d"),
    (lambda X: mg.tsne(np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X)), "NaN or infinite"),
    (lambda X: mg.tsne(X, perplexity=40), "less than the number of samples"),
    (lambda X: mg.tsne(X, perplexity=0), "perplexity"),
    (lambda X: mg.tsne(X, n_components=0), "n_components"),
    (lambda X: mg.tsne(X, rng=0), "numpy.random.Generator"),
    (lambda X: mg.tsne(X, init="spectral"), "init"),
    (lambda X: mg.tsne(X, n_iter=100), "exaggeration_iter"),
    (lambda X: mg.tsne(X, learning_rate=-1.0), "learning_rate"),
    (lambda X: mg.tsne(X, learning_rate="fast"), "learning_rate must be one of 'auto'"),
    (lambda X: mg.tsne(X, early_exaggeration=0.5), "early_exaggeration"),
    (lambda X: mg.tsne(X, callback="print"), "callback"),
    (lambda X: mg.tsne(X, n_components=5, perplexity=3), "init='random'"),
    (lambda X: mg.tsne(np.ones((20, 4)), perplexity=3), "no variance"),
    (lambda X: mg.trustworthiness(X, X[:, :2], n_neighbors=20), "n_neighbors"),
    (lambda X: mg.trustworthiness(X, X[:10], n_neighbors=2), "one row per point"),
])
def test_bad_input_gets_a_clear_error(call, message):
    X = np.random.default_rng(0).standard_normal((40, 4))
    with pytest.raises((ValueError, TypeError), match=message) as info:
        call(X)
    assert str(info.value).startswith(("tsne:", "trustworthiness:"))


@needs_numba
def test_numba_disable_jit_runs_the_tsne_loops_as_python():
    code = ("import numpy as np\nfrom minigrad_ae import kernels as K\nfrom minigrad_ae.tsne import squared_distances\n"
            "rng = np.random.default_rng(0); Y = rng.standard_normal((6, 2))\n"
            "P = np.ones((6, 6)) - np.eye(6); P /= P.sum()\n"
            "for d in (2, 3):\n"
            "    Yd = rng.standard_normal((6, d))\n"
            "    g, kl = K.tsne_gradient.compiled(P, Yd); r, kl_r = K.tsne_gradient.reference(P, Yd)\n"
            "    print(np.allclose(g, r, atol=1e-12), np.isclose(kl, kl_r))\n"
            "D = squared_distances(Y); print(np.allclose(K.tsne_perplexity_search.compiled(D, 3.0)[0],"
            " K.tsne_perplexity_search.reference(D, 3.0)[0]))\n"
            "from minigrad_ae.kernels.tsne import _perplexity_search_loop as loop; "
            "print(type(loop._compiled).__name__)")
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "MINIGRAD_AE_NUMBA": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 5 + ["function"]
