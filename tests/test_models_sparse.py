"""SparseAutoencoder: hand-derived backprop vs autodiff vs central differences (float64), the misprinted
delta failing that same check, settings errors, and a few training steps lowering the loss."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.models.sparse import SparseAutoencoder
from gradtools import seeds

TOL = 1e-9


def three_gradients(model, X, misprinted=False):
    """(hand, autodiff, central differences), each the gradient of every parameter unrolled into one vector."""
    names = [name for name, _ in model.named_parameters()]
    params = model.parameters()
    model.zero_grad()
    model.loss(X).backward()
    hand = model.manual_grads(X, misprinted=misprinted)
    assert list(hand) == names
    # eps=1e-5: at 1e-6 the rounding of J (~1e-16·|J|/eps) is already ~1e-10 of the gradient
    numeric = mg.numerical_grad(lambda *_: model.loss(X), params, eps=1e-5)
    unroll = lambda grads: np.concatenate([g.ravel() for g in grads])  # noqa: E731
    return unroll(hand.values()), unroll(p.grad for p in params), unroll(numeric)


def make(rng, n_in=5, n_latent=4, **settings):
    return SparseAutoencoder(n_in, n_latent, rng=rng, dtype=np.float64, **settings)


@given(n_in=st.integers(1, 5), n_latent=st.integers(1, 5), batch=st.integers(1, 6), rho=st.floats(0.02, 0.98),
       beta=st.floats(0, 5), penalty=st.sampled_from(["kl", "l1"]), weight_decay=st.sampled_from([0.0, 0.3]),
       recon=st.sampled_from(["sigmoid_mse", "mse"]), seed=seeds())
def test_hand_autodiff_and_finite_differences_agree(n_in, n_latent, batch, rho, beta, penalty, weight_decay,
                                                     recon, seed):
    rng = np.random.default_rng(seed)
    model = make(rng, n_in, n_latent, rho=rho, beta=beta, penalty=penalty, l1_weight=beta / 5,
                 weight_decay=weight_decay, recon=recon)
    X = rng.uniform(0, 1, (batch, n_in))
    hand, auto, numeric = three_gradients(model, X)
    assert mg.relative_error(hand, auto) < TOL
    assert mg.relative_error(auto, numeric) < TOL
    assert mg.relative_error(hand, numeric) < TOL


@pytest.mark.parametrize("penalty", ["kl", "l1"])
@pytest.mark.parametrize("recon", ["sigmoid_mse", "mse"])
def test_misprinted_delta_with_sparsity_outside_the_derivative_fails_the_check(penalty, recon):
    rng = np.random.default_rng(7)
    model = make(rng, n_in=6, n_latent=5, rho=0.05, beta=3.0, penalty=penalty, l1_weight=0.5, recon=recon)
    X = rng.uniform(0, 1, (8, 6))
    hand, auto, numeric = three_gradients(model, X)
    wrong, _, _ = three_gradients(model, X, misprinted=True)
    assert mg.relative_error(hand, numeric) < TOL
    assert mg.relative_error(wrong, numeric) > 1e-3
    assert mg.relative_error(wrong, auto) > 1e-3


def test_misprint_only_changes_the_encoder_gradients():
    rng = np.random.default_rng(1)
    model, X = make(rng), rng.uniform(0, 1, (4, 5))
    right, wrong = model.manual_grads(X), model.manual_grads(X, misprinted=True)
    for name in ("decoder.weight", "decoder.bias"):
        np.testing.assert_array_equal(right[name], wrong[name])
    assert not np.allclose(right["encoder.bias"], wrong["encoder.bias"])


def test_loss_is_half_mean_squared_norm_plus_kl_plus_weight_decay():
    rng = np.random.default_rng(2)
    model = make(rng, rho=0.1, beta=2.0, weight_decay=0.5)
    X = rng.uniform(0, 1, (6, 5))
    W1, b1 = model.encoder.weight.data, model.encoder.bias.data
    W2, b2 = model.decoder.weight.data, model.decoder.bias.data
    a2 = 1 / (1 + np.exp(-(X @ W1.T + b1)))
    a3 = 1 / (1 + np.exp(-(a2 @ W2.T + b2)))
    rho, rho_hat = 0.1, a2.mean(axis=0)
    kl = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    expected = 0.5 * np.mean(np.sum((X - a3) ** 2, axis=1)) + 2.0 * kl + 0.25 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    np.testing.assert_allclose(model.loss(X).item(), expected, rtol=1e-12)


def test_mean_activation_is_the_code_averaged_over_the_data():
    rng = np.random.default_rng(3)
    model, X = make(rng), rng.uniform(0, 1, (10, 5))
    rho_hat = model.mean_activation(X)
    np.testing.assert_allclose(rho_hat, model.encode(X).data.mean(axis=0))
    assert rho_hat.shape == (4,) and np.all((rho_hat > 0) & (rho_hat < 1))


@pytest.mark.parametrize("rho", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_rho_outside_the_open_unit_interval_fails_in_the_constructor(rho):
    with pytest.raises(ValueError, match=r"SparseAutoencoder: rho .* strictly inside \(0, 1\)"):
        SparseAutoencoder(4, 3, rho=rho)


@pytest.mark.parametrize("settings, message", [
    (dict(penalty="l2"), "penalty must be one of 'kl', 'l1'"),
    (dict(recon="bce"), "recon must be one of 'sigmoid_mse', 'mse'; got 'bce'"),
    (dict(beta=-1.0), "beta .* >= 0"), (dict(weight_decay=-0.1), "weight_decay .* >= 0")])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=f"SparseAutoencoder: {message}"):
        SparseAutoencoder(4, 3, **settings)


def test_input_must_be_a_batch_of_the_right_width():
    model = SparseAutoencoder(4, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"SparseAutoencoder.loss: .* \(batch, 4\), got shape \(4,\)"):
        model.loss(np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"SparseAutoencoder.manual_grads: .* got shape \(2, 5\)"):
        model.manual_grads(np.ones((2, 5)))


@pytest.mark.parametrize("penalty", ["kl", "l1"])
def test_a_few_training_steps_lower_the_loss(penalty):
    X = mg.data.load_digits()[0][:200]
    rng = np.random.default_rng(0)
    model = SparseAutoencoder(64, 25, penalty=penalty, weight_decay=1e-4, rng=rng)
    before = model.loss(X).item()
    mg.fit(model, X=X, epochs=3, batch_size=50, optimizer=mg.optim.Adam(model.parameters(), lr=1e-2), progress=False,
           rng=rng)
    assert model.loss(X).item() < 0.9 * before
