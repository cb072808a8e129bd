"""contractive_penalty against the explicit Jacobian (built by autodiff) and finite differences;
ContractiveAutoencoder's loss, jacobian, code_sensitivity and training."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.models.contractive import ContractiveAutoencoder
from minigrad_ae.nn.penalties import contractive_penalty
from gradtools import assert_backward_matches, seeds

REDUCTIONS = ["mean", "sum", "none"]


def make(rng, n_in=5, n_latent=4, **settings):
    return ContractiveAutoencoder(n_in, n_latent, rng=rng, dtype=np.float64, **settings)


@given(n_in=st.integers(1, 6), n_latent=st.integers(1, 6), batch=st.integers(1, 4), seed=seeds())
def test_penalty_is_the_squared_frobenius_norm_of_the_autodiff_jacobian(n_in, n_latent, batch, seed):
    rng = np.random.default_rng(seed)
    model, X = make(rng, n_in, n_latent), rng.uniform(0, 1, (batch, n_in))
    h = model.encode(X)
    per_sample = contractive_penalty(h, model.encoder.weight, reduction="none").data
    from_jacobian = np.array([np.sum(model.jacobian(x) ** 2) for x in X])
    assert mg.relative_error(per_sample, from_jacobian) < 1e-9


def test_jacobian_rows_are_the_sigmoid_slope_times_the_weight_rows():
    rng = np.random.default_rng(0)
    model, x = make(rng), rng.uniform(0, 1, 5)
    h = model.encode(x).data
    np.testing.assert_allclose(model.jacobian(x), (h * (1 - h))[:, None] * model.encoder.weight.data, rtol=1e-12)


def test_jacobian_leaves_the_parameter_gradients_alone():
    rng = np.random.default_rng(1)
    model, x = make(rng), rng.uniform(0, 1, 5)
    model.loss(x[None]).backward()
    before = {name: p.grad.copy() for name, p in model.named_parameters()}
    model.jacobian(x)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.grad, before[name], err_msg=name)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(n_in=st.integers(1, 5), n_hidden=st.integers(1, 5), batch=st.integers(1, 4), seed=seeds())
def test_penalty_gradient_wrt_code_and_weight(reduction, n_in, n_hidden, batch, seed):
    rng = np.random.default_rng(seed)
    h, W = rng.uniform(0.02, 0.98, (batch, n_hidden)), rng.standard_normal((n_hidden, n_in))
    assert_backward_matches(lambda a, b: contractive_penalty(a, b, reduction), [h, W], seed)


def test_reductions():
    rng = np.random.default_rng(2)
    h, W = rng.uniform(0, 1, (6, 3)), rng.standard_normal((3, 4))
    per_sample = contractive_penalty(h, W, reduction="none").data
    expected = ((h * (1 - h)) ** 2 @ (W ** 2).sum(axis=1))
    np.testing.assert_allclose(per_sample, expected, rtol=1e-12)
    np.testing.assert_allclose(contractive_penalty(h, W, "sum").item(), expected.sum(), rtol=1e-12)
    np.testing.assert_allclose(contractive_penalty(h, W).item(), expected.mean(), rtol=1e-12)


def test_penalty_refuses_bad_reduction_and_mismatched_shapes():
    h, W = np.full((2, 3), 0.5), np.ones((3, 4))
    with pytest.raises(ValueError, match="contractive_penalty: reduction must be"):
        contractive_penalty(h, W, reduction="max")
    with pytest.raises(ValueError, match=r"contractive_penalty: code h of shape \(2, 3\) .* weight of shape \(4, 3\)"):
        contractive_penalty(h, W.T)


def test_loss_is_half_mean_squared_norm_plus_lambda_times_mean_penalty():
    rng = np.random.default_rng(3)
    model, X = make(rng, lam=0.7), rng.uniform(0, 1, (6, 5))
    X_hat = model(X).data
    penalty = np.mean([np.sum(model.jacobian(x) ** 2) for x in X])
    expected = 0.5 * np.mean(np.sum((X - X_hat) ** 2, axis=1)) + 0.7 * penalty
    np.testing.assert_allclose(model.loss(X).item(), expected, rtol=1e-12)


def test_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    model, X = make(rng, lam=0.5, recon="mse"), rng.uniform(0, 1, (3, 5))
    report = mg.gradcheck(lambda *_: model.loss(X), model.parameters(), eps=1e-5)
    assert report and report.max_rel_error < 1e-9, report


def test_code_sensitivity_with_one_input_is_the_jacobian_norm():
    # with n_in = 1 the only directions are ±1, so ‖h(x + δ) − h(x)‖/|δ| → ‖J(x)‖ as eps → 0
    rng = np.random.default_rng(5)
    model, X = make(rng, n_in=1, n_latent=3), rng.uniform(0, 1, (20, 1))
    expected = np.mean([np.linalg.norm(model.jacobian(x)) for x in X])
    np.testing.assert_allclose(model.code_sensitivity(X, eps=1e-7, rng=rng), expected, rtol=1e-5)


@pytest.mark.parametrize("settings, message", [(dict(lam=-1.0), "lam .* >= 0"),
                                               (dict(recon="tanh_mse"), "recon must be one of 'sigmoid_mse', 'mse'")])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=f"ContractiveAutoencoder: {message}"):
        ContractiveAutoencoder(4, 3, **settings)


def test_jacobian_wants_one_sample():
    model = ContractiveAutoencoder(4, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"ContractiveAutoencoder.jacobian: .* \(4,\), got shape \(2, 4\)"):
        model.jacobian(np.ones((2, 4)))


def test_a_few_training_steps_lower_the_loss():
    X = mg.data.load_digits()[0][:200]
    rng = np.random.default_rng(0)
    model = ContractiveAutoencoder(64, 25, lam=0.1, rng=rng)
    before = model.loss(X).item()
    mg.fit(model, X=X, epochs=3, batch_size=50,
           optimizer=mg.optim.Adam(model.parameters(), lr=1e-2), progress=False, rng=rng)
    assert model.loss(X).item() < 0.9 * before


def test_autodiff_penalty_equals_the_closed_form_on_one_layer():
    rng = np.random.default_rng(5)
    X = rng.uniform(size=(6, 5))
    closed = ContractiveAutoencoder(5, 3, lam=0.7, rng=np.random.default_rng(1), dtype=np.float64)
    auto = ContractiveAutoencoder(5, 3, lam=0.7, penalty="autodiff", rng=np.random.default_rng(1), dtype=np.float64)
    for model in (closed, auto):
        model.loss(X).backward()
    assert closed.loss(X).item() == pytest.approx(auto.loss(X).item(), rel=1e-12)
    for (name, a), (_, b) in zip(closed.named_parameters(), auto.named_parameters()):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-10, err_msg=name)


def test_a_deeper_encoder_uses_the_autodiff_penalty_and_its_gradient_checks():
    rng = np.random.default_rng(6)
    model = ContractiveAutoencoder(5, 3, lam=0.5, hidden=[4], rng=rng, dtype=np.float64)
    assert model.penalty == "autodiff" and len(model.encoder) == 3
    X = rng.uniform(size=(4, 5))
    assert mg.gradcheck(lambda *params: model.loss(X), model.parameters(), mode="directional")
    x = X[0]
    J = model.jacobian(x)
    numeric = np.stack([mg.numerical_grad(lambda s: model.encode(s.reshape(1, -1))[0, j], [x])[0] for j in range(3)])
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match=r"ContractiveAutoencoder: penalty='closed_form' holds for a one-layer"):
        ContractiveAutoencoder(5, 3, hidden=[4], penalty="closed_form")
