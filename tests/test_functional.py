"""Losses and stateless functions of minigrad_ae.nn.functional: values against closed forms, gradients
against finite differences (float64, random upstream gradients), and the error messages."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.nn import functional as F
from gradtools import arrays, assert_backward_matches, seeds, shapes

REDUCTIONS = ["mean", "sum", "none"]


def uniform(shape, seed, low, high):
    return np.random.default_rng(seed).uniform(low, high, shape)


def reduce_np(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


# ---------------------------------------------------------------- mse_loss


@given(shapes(), seeds(), st.sampled_from(REDUCTIONS), st.data())
def test_mse_value_and_gradient_wrt_input_and_target(shape, seed, reduction, data):
    x, y = data.draw(arrays(shape)), data.draw(arrays(shape))
    np.testing.assert_allclose(F.mse_loss(mg.tensor(x), y, reduction).data, reduce_np((x - y) ** 2, reduction))
    gx, gy = assert_backward_matches(lambda a, b: F.mse_loss(a, b, reduction), [x, y], seed)
    np.testing.assert_allclose(gy, -gx)


def test_mse_gradient_is_two_residuals_over_n():
    x, y = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    t = mg.tensor(x, requires_grad=True)
    F.mse_loss(t, y).backward()
    np.testing.assert_allclose(t.grad, 2 * (x - y) / 6)


def test_mse_keeps_float32():
    x = mg.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    loss = F.mse_loss(x, mg.zeros((2, 3)))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# ---------------------------------------------------------------- binary cross-entropy


def bce_np(p, y):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


@given(shapes(), seeds(), st.sampled_from(REDUCTIONS))
def test_bce_value_and_gradient_wrt_input_and_target(shape, seed, reduction):
    p, y = uniform(shape, seed, 0.05, 0.95), uniform(shape, seed + 1, 0, 1)
    np.testing.assert_allclose(F.binary_cross_entropy(mg.tensor(p), y, reduction).data,
                               reduce_np(bce_np(p, y), reduction))
    assert_backward_matches(lambda a, b: F.binary_cross_entropy(a, b, reduction), [p, y], seed)


def test_bce_clamps_log_at_minus_100():
    p = mg.tensor(np.array([0.0, 1.0, 0.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(loss.data, [100, 100, 0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad))


@pytest.mark.parametrize("bad", [1.5, -0.2, np.nan])
def test_bce_refuses_values_outside_unit_interval(bad):
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities in \[0, 1\].*"
                                         r"sigmoid.*binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(mg.tensor(np.array([0.5, bad])), np.array([1.0, 0.0]))


@given(shapes(), seeds(), st.sampled_from(REDUCTIONS))
def test_bce_with_logits_equals_bce_of_sigmoid_and_gradients(shape, seed, reduction):
    z, y = uniform(shape, seed, -4, 4), uniform(shape, seed + 1, 0, 1)
    expected = F.binary_cross_entropy(F.sigmoid(mg.tensor(z)), y, reduction)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(mg.tensor(z), y, reduction).data, expected.data)
    assert_backward_matches(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction), [z, y], seed)


def test_bce_with_logits_gradient_is_sigmoid_minus_target_and_stable():
    z = mg.tensor(np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0]), requires_grad=True)
    y = np.array([1.0, 0.0, 1.0, 0.5, 0.0])
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.data)
    np.testing.assert_allclose(loss.data, 1000 + np.log1p(np.exp(-3)) + np.log(2) + (np.log1p(np.exp(2)) - 1) + 1000)
    np.testing.assert_allclose(z.grad, np.exp(-np.logaddexp(0, -z.data)) - y)


# ---------------------------------------------------------------- softmax, log_softmax, cross_entropy


@given(shapes(min_dims=1), seeds(), st.data())
def test_log_softmax_normalises_and_gradient(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape))
    np.testing.assert_allclose(np.exp(F.log_softmax(mg.tensor(x), axis).data).sum(axis=axis), 1)
    np.testing.assert_allclose(F.softmax(mg.tensor(x), axis).data.sum(axis=axis), 1)
    assert_backward_matches(lambda a: F.log_softmax(a, axis), [x], seed)
    assert_backward_matches(lambda a: F.softmax(a, axis), [x], seed)


def test_log_softmax_is_stable_for_huge_logits():
    out = F.log_softmax(mg.tensor(np.array([1000.0, 0.0, -1000.0])))
    np.testing.assert_allclose(out.data, [0.0, -1000.0, -2000.0])


def test_log_softmax_bad_axis():
    with pytest.raises(mg.ShapeError, match="axis must be one of the input's dimensions"):
        F.log_softmax(mg.tensor(np.ones((2, 3))), axis=2)


@given(st.integers(1, 5), st.integers(1, 5), seeds(), st.sampled_from(REDUCTIONS))
def test_cross_entropy_matches_numpy_and_gradient(batch, classes, seed, reduction):
    rng = np.random.default_rng(seed)
    logits, labels = rng.standard_normal((batch, classes)), rng.integers(0, classes, batch)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = reduce_np(-log_p[np.arange(batch), labels], reduction)
    np.testing.assert_allclose(F.cross_entropy(mg.tensor(logits), labels, reduction).data, expected, atol=1e-12)
    assert_backward_matches(lambda z: F.cross_entropy(z, labels, reduction), [logits], seed)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits = mg.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 2])
    F.cross_entropy(logits, labels).backward()
    np.testing.assert_allclose(logits.grad, (F.softmax(logits.detach()).data - np.eye(3)[labels]) / 4)


def test_cross_entropy_single_sample_and_integer_tensor_labels():
    logits = np.array([1.0, 2.0, 0.5])
    single = F.cross_entropy(mg.tensor(logits), np.array(1))
    batch = F.cross_entropy(mg.tensor(logits[None]), mg.tensor([1], dtype=np.int64))
    np.testing.assert_allclose(single.data, batch.data)
    np.testing.assert_allclose(single.data, -(2.0 - np.log(np.exp(logits).sum())))


def test_cross_entropy_label_errors():
    logits = mg.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\) for 3 classes, got values from 0 to 3"):
        F.cross_entropy(logits, np.array([0, 3]))
    with pytest.raises(ValueError, match="got values from -1"):
        F.cross_entropy(logits, np.array([-1, 0]))
    with pytest.raises(mg.ShapeError, match=r"labels of shape \(2, 1\) do not fit logits of shape \(2, 3\)"):
        F.cross_entropy(logits, np.array([[0], [1]]))
    with pytest.raises(TypeError, match="labels must be integer class indices, got dtype float32"):
        F.cross_entropy(logits, mg.tensor([0, 1]))


# ---------------------------------------------------------------- sparsity penalties


def away_from_zero(shape, seed):
    """Values with |v| in [0.1, 2]: |v| has a kink at 0 that finite differences cannot straddle."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2, shape)


@given(shapes(min_dims=1, max_dims=2), seeds(), st.sampled_from(REDUCTIONS))
def test_l1_penalty_values_and_gradient(shape, seed, reduction):
    h = away_from_zero(shape, seed)
    np.testing.assert_allclose(F.l1_penalty(mg.tensor(h), reduction).data,
                               reduce_np(np.abs(h).sum(axis=-1), reduction))
    assert_backward_matches(lambda t: F.l1_penalty(t, reduction), [h], seed)


def test_l1_penalty_gradient_is_sign_over_batch():
    h = mg.tensor(np.array([[1.0, -2.0], [-0.5, 3.0]]), requires_grad=True)
    F.l1_penalty(h).backward()
    np.testing.assert_allclose(h.grad, np.sign(h.data) / 2)


def kl_np(rho_hat, rho):
    return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))


@given(shapes(min_dims=1, max_dims=2), seeds(), st.floats(0.02, 0.98))
def test_kl_sparsity_matches_formula_and_its_derived_gradient(shape, seed, rho):
    rho_hat = uniform(shape, seed, 0.05, 0.95)
    np.testing.assert_allclose(F.kl_sparsity(mg.tensor(rho_hat), rho).data, kl_np(rho_hat, rho))
    assert_backward_matches(lambda r: F.kl_sparsity(r, rho), [rho_hat], seed)


def test_kl_sparsity_hand_gradient_and_zero_at_target():
    rho_hat = mg.tensor(np.array([0.05, 0.2, 0.7]), requires_grad=True)
    F.kl_sparsity(rho_hat, 0.05).backward()
    np.testing.assert_allclose(rho_hat.grad, -0.05 / rho_hat.data + 0.95 / (1 - rho_hat.data))
    assert rho_hat.grad[0] == pytest.approx(0)
    assert F.kl_sparsity(mg.tensor(np.full(4, 0.1)), 0.1).item() == pytest.approx(0, abs=1e-7)


@pytest.mark.parametrize("values", [[0.0, 0.3], [0.2, 1.4], [0.5, np.inf]])
def test_kl_sparsity_refuses_rho_hat_outside_open_interval(values):
    with pytest.raises(ValueError, match=r"kl_sparsity: every rho_hat must lie strictly inside \(0, 1\).*"
                                         r"ReLU activations are averaged.*use sigmoid hidden activations"):
        F.kl_sparsity(mg.tensor(np.array(values)), 0.05)


def test_kl_sparsity_of_nan_is_nan_so_fit_stops_on_it():
    """A diverged model's NaN codes give a NaN penalty, like any loss of NaN, so fit stops with its warning."""
    assert np.isnan(F.kl_sparsity(mg.tensor(np.array([0.5, np.nan])), 0.05).item())


@pytest.mark.parametrize("rho", [0.0, 1.0, -0.1, 2.0])
def test_kl_sparsity_refuses_bad_rho(rho):
    with pytest.raises(ValueError, match=r"the target activation rho must be a number in \(0, 1\)"):
        F.kl_sparsity(mg.tensor(np.array([0.5, 0.5])), rho)
    with pytest.raises(TypeError, match=r"kl_sparsity: the target activation rho must be a real number"):
        F.kl_sparsity(mg.tensor(np.array([0.5, 0.5])), np.array([0.1, 0.2]))


# ---------------------------------------------------------------- VAE pieces


@given(shapes(min_dims=1, max_dims=2), seeds(), st.sampled_from(REDUCTIONS))
def test_gaussian_kl_matches_closed_form_and_gradient(shape, seed, reduction):
    mu, logvar = uniform(shape, seed, -2, 2), uniform(shape, seed + 1, -2, 2)
    per_sample = -0.5 * (1 + logvar - mu ** 2 - np.exp(logvar)).sum(axis=-1)
    np.testing.assert_allclose(F.gaussian_kl(mg.tensor(mu), mg.tensor(logvar), reduction).data,
                               reduce_np(per_sample, reduction))
    assert_backward_matches(lambda m, lv: F.gaussian_kl(m, lv, reduction), [mu, logvar], seed)


def test_gaussian_kl_is_zero_for_the_prior_and_positive_otherwise():
    assert F.gaussian_kl(mg.zeros((3, 2)), mg.zeros((3, 2))).item() == 0
    assert F.gaussian_kl(np.full((3, 2), 0.5), np.zeros((3, 2))).item() == pytest.approx(3 * 2 * 0.125)


@given(shapes(min_dims=1, max_dims=2), seeds())
def test_reparameterize_formula_and_gradient(shape, seed):
    mu, logvar, eps = uniform(shape, seed, -2, 2), uniform(shape, seed + 1, -2, 2), uniform(shape, seed + 2, -2, 2)
    z, eps_used = F.reparameterize(mg.tensor(mu), mg.tensor(logvar), eps=eps)
    np.testing.assert_allclose(z.data, mu + np.exp(0.5 * logvar) * eps)
    np.testing.assert_array_equal(eps_used, eps)
    assert_backward_matches(lambda m, lv: F.reparameterize(m, lv, eps=eps)[0], [mu, logvar], seed)


def test_reparameterize_draws_eps_from_rng_and_returns_it():
    mu, logvar = mg.tensor(np.zeros((2, 3)), requires_grad=True), mg.tensor(np.zeros((2, 3)), requires_grad=True)
    z, eps = F.reparameterize(mu, logvar, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(eps, np.random.default_rng(7).standard_normal((2, 3)))
    np.testing.assert_array_equal(z.data, eps)
    z.sum().backward()
    np.testing.assert_allclose(logvar.grad, 0.5 * eps)  # the hand-derived ½·e^{½·logvar}·ε at logvar = 0
    assert z.dtype == np.float64 and F.reparameterize(mg.zeros(3), mg.zeros(3))[0].dtype == np.float32


def test_reparameterize_shape_errors():
    with pytest.raises(mg.ShapeError, match=r"eps has shape \(3,\) but mu has shape \(2, 3\)"):
        F.reparameterize(mg.zeros((2, 3)), mg.zeros((2, 3)), eps=np.zeros(3))
    with pytest.raises(mg.ShapeError, match=r"mu has shape \(2, 3\) but logvar has shape \(2,\)"):
        F.reparameterize(mg.zeros((2, 3)), mg.zeros(2))


# ---------------------------------------------------------------- argument checks shared by the losses


LOSSES = {
    "mse_loss": lambda a, b, r: F.mse_loss(a, b, r),
    "binary_cross_entropy": lambda a, b, r: F.binary_cross_entropy(a, b, r),
    "binary_cross_entropy_with_logits": lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, r),
    "gaussian_kl": lambda a, b, r: F.gaussian_kl(a, b, r),
}


@pytest.mark.parametrize("name", LOSSES)
def test_losses_refuse_shape_mismatch_naming_both_shapes(name):
    message = rf"{name}: \w+ has shape \(4, 1\) but \w+ has shape \(4,\); they must match"
    with pytest.raises(mg.ShapeError, match=message):
        LOSSES[name](mg.tensor(np.full((4, 1), 0.5)), np.full(4, 0.5), "mean")


@pytest.mark.parametrize("name, call", [
    *LOSSES.items(),
    ("cross_entropy", lambda a, b, r: F.cross_entropy(a, np.zeros(2, np.int64), r)),
    ("l1_penalty", lambda a, b, r: F.l1_penalty(a, r)),
])
def test_every_reduction_argument_is_validated(name, call):
    with pytest.raises(ValueError, match=rf"{name}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        call(mg.tensor(np.full((2, 3), 0.5)), np.full((2, 3), 0.5), "avg")
