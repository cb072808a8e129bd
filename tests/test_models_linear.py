"""LinearAutoencoder (closed-form gradients, three ways), PCA and the linear AE reaching PCA's optimum."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigrad_ae as mg
from minigrad_ae.models.linear import LinearAutoencoder, pca, subspace_alignment

from gradtools import assert_three_way, seeds


@given(n_in=st.integers(1, 6), n_latent=st.integers(1, 4), batch=st.integers(1, 5), bias=st.booleans(),
       reduction=st.sampled_from(["sum", "mean"]), seed=seeds())
def test_closed_form_autodiff_and_numerical_gradients_agree(n_in, n_latent, batch, bias, reduction, seed):
    rng = np.random.default_rng(seed)
    model = LinearAutoencoder(n_in, n_latent, bias=bias, rng=rng, dtype=np.float64)
    X = rng.standard_normal((batch, n_in))
    X_before = X.copy()
    closed = model.closed_form_grads(X, reduction)
    assert list(closed) == [name for name, _ in model.named_parameters()]
    assert all(closed[name].shape == p.shape for name, p in model.named_parameters())
    # L is quadratic in each single parameter (x̂ is affine in it), so central differences are exact up to
    # rounding: a large eps only shrinks that rounding error
    assert_three_way(list(closed.values()), lambda *params: model.loss(X, reduction=reduction),
                     model.parameters(), eps=1e-3)
    np.testing.assert_array_equal(X, X_before)


def test_single_sample_uses_the_column_formulas():
    rng = np.random.default_rng(0)
    model = LinearAutoencoder(4, 2, rng=rng, dtype=np.float64)
    x = rng.standard_normal(4)
    W1, b1 = model.encoder.weight.data, model.encoder.bias.data
    W2, b2 = model.decoder.weight.data, model.decoder.bias.data
    z = W1 @ x + b1
    e = W2 @ z + b2 - x
    expected = {"encoder.weight": np.outer(W2.T @ e, x), "encoder.bias": W2.T @ e,
                "decoder.weight": np.outer(e, z), "decoder.bias": e}
    grads = model.closed_form_grads(x)
    for name in expected:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-12)
    assert model.loss(x).item() == pytest.approx(0.5 * e @ e, rel=1e-12)


def test_loss_is_half_the_summed_squared_error_and_mean_divides_by_the_batch():
    rng = np.random.default_rng(1)
    model = LinearAutoencoder(5, 2, rng=rng, dtype=np.float64)
    X = rng.standard_normal((7, 5))
    with mg.no_grad():
        squared = ((model(X).data - X) ** 2).sum()
    assert model.loss(X).item() == pytest.approx(0.5 * squared, rel=1e-12)
    assert model.loss(X, reduction="mean").item() == pytest.approx(0.5 * squared / 7, rel=1e-12)
    with pytest.raises(ValueError, match=r"LinearAutoencoder.loss: reduction must be one of 'sum', 'mean'; got 'avg'"):
        model.loss(X, reduction="avg")
    with pytest.raises(ValueError, match=r"closed_form_grads: reduction"):
        model.closed_form_grads(X, reduction="none")


def test_without_bias_there_are_no_bias_gradients():
    model = LinearAutoencoder(3, 2, bias=False, rng=np.random.default_rng(2), dtype=np.float64)
    assert list(model.closed_form_grads(np.ones((2, 3)))) == ["encoder.weight", "decoder.weight"]


# ---------------------------------------------------------------- PCA


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    return rng.standard_normal((40, 6)) @ rng.standard_normal((6, 6)) + rng.standard_normal(6)


def test_pca_components_are_orthonormal_and_variances_sorted(data):
    result = pca(data, 3)
    assert result.components.shape == (3, 6) and result.mean.shape == (6,)
    np.testing.assert_allclose(result.components @ result.components.T, np.eye(3), atol=1e-12)
    assert result.explained_variance.shape == (6,)  # all of them, for a cumulative plot
    assert np.all(np.diff(result.explained_variance) <= 0)
    assert result.explained_variance_ratio.sum() == pytest.approx(1.0, rel=1e-12)
    # the convention: eigenvalues of the biased covariance
    eigenvalues = np.linalg.eigvalsh(np.cov(data, rowvar=False, bias=True))[::-1]
    np.testing.assert_allclose(result.explained_variance, eigenvalues, rtol=1e-10)


def test_pca_optimal_error_is_the_error_of_its_reconstruction(data):
    for k in (1, 3, 6):
        result = pca(data, k)
        error = 0.5 * np.sum((data - result.reconstruct(data)) ** 2)
        assert result.optimal_error == pytest.approx(error, rel=1e-9, abs=1e-9)
        discarded = result.explained_variance[k:].sum()
        assert result.optimal_error == pytest.approx(0.5 * len(data) * discarded, rel=1e-9, abs=1e-9)
        assert result.transform(data).shape == (len(data), k)


def test_no_rank_k_linear_autoencoder_beats_pca(data):
    optimal = pca(data, 2).optimal_error
    rng = np.random.default_rng(4)
    for bias in (True, False):
        for _ in range(20):
            model = LinearAutoencoder(6, 2, bias=bias, rng=rng, dtype=np.float64)
            assert model.loss(data).item() >= optimal
    # the optimum itself, written as a linear autoencoder, is reached exactly
    result = pca(data, 2)
    model = LinearAutoencoder(6, 2, rng=rng, dtype=np.float64)
    model.load_state_dict({"encoder.weight": result.components, "encoder.bias": -result.components @ result.mean,
                           "decoder.weight": result.components.T, "decoder.bias": result.mean})
    assert model.loss(data).item() == pytest.approx(optimal, rel=1e-9)


def test_pca_errors(data):
    with pytest.raises(ValueError, match=r"pca of X with shape \(40, 6\): k \(the number of components\) must be an "
                                         r"integer from 1 to 6, got 7"):
        pca(data, 7)
    with pytest.raises(ValueError, match=r"pca: X must be \(n_samples, n_features\), got shape \(6,\)"):
        pca(data[0], 1)
    with pytest.raises(ValueError, match=r"pca: X \(shape \(3, 6\)\) has zero variance"):
        pca(np.ones((3, 6)), 1)


def test_subspace_alignment():
    rng = np.random.default_rng(5)
    basis = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    components = basis[:, :3].T
    same_span = components.T @ rng.standard_normal((3, 3))  # another basis of the same subspace
    np.testing.assert_allclose(subspace_alignment(same_span, components), 1.0, atol=1e-12)
    np.testing.assert_allclose(subspace_alignment(basis[:, 3:6], components), 0.0, atol=1e-12)
    half = subspace_alignment(basis[:, [0, 4]], components)  # shares one direction, the other is orthogonal
    np.testing.assert_allclose(half, [1.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError, match=r"subspace_alignment: W must be \(n, k\).*got W \(3, 8\)"):
        subspace_alignment(components, components)
    with pytest.raises(ValueError, match=r"subspace_alignment: W or components hold NaN/Inf"):
        subspace_alignment(np.full((8, 3), np.nan), components)


def test_trained_linear_autoencoder_reaches_pca_on_digits():
    X, _ = mg.data.load_digits()
    optimal = pca(X, 5)
    model = LinearAutoencoder(64, 5, rng=np.random.default_rng(6))
    # 1000 Adam steps: the 5th and 6th eigenvalues are close (0.27 vs 0.23), so the last direction is slow.
    # Batches of 450 rather than the full batch: BLAS keeps these smaller products on one thread, much
    # faster on a busy machine, and the batch noise still leaves the error within ~0.1% of the optimum.
    mg.fit(model, lambda m, xb: m.loss(xb, reduction="mean"), X, epochs=250, batch_size=450,
           optimizer=mg.optim.Adam(model.parameters(), lr=0.05), progress=False, rng=np.random.default_rng(7))
    # measure in float64: the trained weights define a rank-5 affine map, which cannot beat PCA
    exact = LinearAutoencoder(64, 5, dtype=np.float64)
    exact.load_state_dict(model.state_dict())
    error = exact.loss(X.astype(np.float64)).item()
    assert optimal.optimal_error * (1 - 1e-9) <= error < 1.01 * optimal.optimal_error
    assert subspace_alignment(model.decoder.weight.data, optimal.components).min() > 0.99
