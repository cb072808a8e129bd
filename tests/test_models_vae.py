"""VAE: the KL closed form and the reparameterisation trick against Monte Carlo, the hand-derived gradients
three ways, a gradient check of the whole loss, the sampling helpers, and a few training steps."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.data import load_digits
from minigrad_ae.models.vae import VAE, kl_grads, reparam_grads
from minigrad_ae.nn import functional as F
from minigrad_ae.optim import Adam

from gradtools import assert_three_way

TIGHT = 1e-9  # relative error ‖a − b‖ / ‖a + b‖ between any two of hand, autodiff, central differences


def gaussian_params(rng, shape):
    return rng.normal(size=shape), rng.uniform(-1.5, 1.0, size=shape)


# ---------------------------------------------------------------- the two facts a VAE rests on


def test_kl_closed_form_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mu, logvar = gaussian_params(rng, 4)
    eps = rng.standard_normal((100_000, 4))
    z = mu + np.exp(0.5 * logvar) * eps
    # log q(z) − log p(z) for diagonal Gaussians: the ½ log 2π terms cancel
    log_ratio = (-0.5 * logvar - 0.5 * eps ** 2 + 0.5 * z ** 2).sum(axis=1)
    standard_error = log_ratio.std() / np.sqrt(len(log_ratio))
    closed = F.gaussian_kl(mu[None], logvar[None]).item()
    assert abs(log_ratio.mean() - closed) < 4 * standard_error


def test_reparameterised_gradient_is_unbiased_and_beats_the_score_function():
    """E_z[f(z)], f(z) = Σ a z² + b z, z ~ N(μ, e^logvar): the expectation is Σ a(μ² + e^logvar) + bμ, so
    ∂/∂μ = 2aμ + b and ∂/∂logvar = a e^logvar. The pathwise gradient (autodiff through z = μ + σε), averaged
    over ε, must match within Monte-Carlo error."""
    rng = np.random.default_rng(1)
    mu0, logvar0 = gaussian_params(rng, 3)
    a, b = rng.uniform(0.5, 2.0, 3), rng.normal(size=3)
    n = 100_000
    mu, logvar = mg.tensor(mu0, requires_grad=True), mg.tensor(logvar0, requires_grad=True)
    mu_rows, logvar_rows = mu + np.zeros((n, 3)), logvar + np.zeros((n, 3))  # one row per ε
    z, eps = F.reparameterize(mu_rows, logvar_rows, rng=rng)
    ((a * z ** 2 + b * z).sum() / n).backward()
    per_sample = {"mu": mu_rows.grad * n, "logvar": logvar_rows.grad * n}  # each row's pathwise gradient
    exact = {"mu": 2 * a * mu0 + b, "logvar": a * np.exp(logvar0)}
    np.testing.assert_allclose(mu.grad, per_sample["mu"].mean(axis=0), rtol=1e-10)
    for name in exact:
        standard_error = per_sample[name].std(axis=0) / np.sqrt(n)
        assert np.all(np.abs(per_sample[name].mean(axis=0) - exact[name]) < 4 * standard_error), name

    # score function: ∇E[f] = E[f(z) ∇ log q(z)], ∇_μ log q = ε/σ, ∇_logvar log q = ½(ε² − 1) — also unbiased
    f = (a * z.data ** 2 + b * z.data).sum(axis=1, keepdims=True)
    score = {"mu": f * eps / np.exp(0.5 * logvar0), "logvar": f * 0.5 * (eps ** 2 - 1)}
    for name in exact:
        standard_error = score[name].std(axis=0) / np.sqrt(n)
        assert np.all(np.abs(score[name].mean(axis=0) - exact[name]) < 4 * standard_error), name
        assert np.all(score[name].var(axis=0) > 5 * per_sample[name].var(axis=0)), name


# ---------------------------------------------------------------- hand-derived gradients, three ways


def test_kl_grads_three_ways():
    rng = np.random.default_rng(2)
    mu0, logvar0 = gaussian_params(rng, (5, 3))
    v = rng.standard_normal(5)  # a random weight per sample, so a gradient that ignores its upstream fails

    def weighted_kl(mu, logvar):
        return (F.gaussian_kl(mu, logvar, reduction="none") * v).sum()

    assert_three_way([v[:, None] * g for g in kl_grads(mu0, logvar0)], weighted_kl, [mu0, logvar0], tolerance=TIGHT)


def test_reparam_grads_three_ways():
    rng = np.random.default_rng(3)
    mu0, logvar0 = gaussian_params(rng, (4, 3))
    eps, g_z = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))

    def z_of(mu, logvar):
        return F.reparameterize(mu, logvar, eps=eps)[0]

    assert_three_way(reparam_grads(g_z, logvar0, eps), z_of, [mu0, logvar0], grad_output=g_z, tolerance=TIGHT)


@pytest.mark.parametrize("recon", ["bce", "mse"])
@pytest.mark.parametrize("mode", ["directional", "full"])
def test_whole_loss_passes_gradcheck_with_a_fixed_eps(recon, mode):
    rng = np.random.default_rng(4)
    model = VAE(6, [5, 4], 2, beta=0.7, recon=recon, rng=rng, dtype=np.float64)
    x, eps = rng.uniform(size=(3, 6)), rng.standard_normal((3, 2))
    report = mg.gradcheck(lambda *params: model.loss(x, eps=eps), model.parameters(), mode=mode)
    assert report, str(report)
    assert report.max_rel_error < 1e-7, str(report)


# ---------------------------------------------------------------- the model's API


def layers(sequential):
    """['Linear(784, 400)', 'ReLU', ...] for a Sequential."""
    return [f"Linear({m.in_features}, {m.out_features})" if isinstance(m, mg.nn.Linear) else type(m).__name__
            for m in sequential]


def test_the_hidden_list_means_linear_and_relu_per_width_then_the_heads():
    model = VAE(784, [400, 200, 100], 20, rng=np.random.default_rng(0))
    assert layers(model.encoder) == ["Linear(784, 400)", "ReLU", "Linear(400, 200)", "ReLU", "Linear(200, 100)", "ReLU"]
    assert layers([model.mu_head, model.logvar_head]) == ["Linear(100, 20)"] * 2
    assert layers(model.decoder) == ["Linear(20, 100)", "ReLU", "Linear(100, 200)", "ReLU", "Linear(200, 400)", "ReLU",
                                     "Linear(400, 784)"]
    assert type(model.out_activation).__name__ == "Sigmoid"  # recon='bce': decode applies σ to the logits
    # pytorch/examples' VAE: fc1 784->400 + ReLU, fc21/fc22 400->20, fc3 20->400 + ReLU, fc4 400->784 + sigmoid
    examples = VAE(784, 400, 20, rng=np.random.default_rng(0))
    assert layers(examples.encoder) + layers([examples.mu_head]) == ["Linear(784, 400)", "ReLU", "Linear(400, 20)"]
    assert layers(examples.decoder) == ["Linear(20, 400)", "ReLU", "Linear(400, 784)"]



def test_loss_is_the_negative_mean_elbo_for_the_same_eps():
    X = load_digits()[0][:8]
    model = VAE(64, 16, 3, rng=np.random.default_rng(5))
    model.rng = np.random.default_rng(9)
    loss = model.loss(X).item()
    model.rng = np.random.default_rng(9)
    elbo = model.elbo(X)
    assert elbo.shape == (8,)
    assert np.isclose(loss, -elbo.mean(), rtol=1e-5)
    recon, kl = model.per_sample_terms(X)
    assert recon.shape == kl.shape == (8,) and np.all(kl.data >= 0)


def test_elbo_sample_and_interpolate_shapes():
    X = load_digits()[0][:10]
    model = VAE(64, [32, 16], 4, rng=np.random.default_rng(6))
    assert model.elbo(X, n_samples=3).shape == (10,)
    assert model(X).shape == (10, 64)
    samples = model.sample(7, np.random.default_rng(0))
    assert samples.shape == (7, 64) and np.all((samples >= 0) & (samples <= 1))
    np.testing.assert_array_equal(samples, model.sample(7, np.random.default_rng(0)))  # rng decides
    mu = model.encode(X)[0].data
    line = model.interpolate(mu[0], mu[1], 5)
    assert line.shape == (5, 64)
    np.testing.assert_allclose(line[[0, -1]], model.decode(mu[:2]).data, rtol=1e-5)


def test_seeded_models_train_identically():
    X = load_digits()[0][:16]
    losses = []
    for _ in range(2):
        model = VAE(64, 8, 2, rng=np.random.default_rng(7))
        losses.append([model.loss(X).item() for _ in range(3)])  # three ε draws from the model's rng
    assert losses[0] == losses[1] and len(set(losses[0])) == 3


def test_a_few_training_steps_lower_the_loss():
    X = load_digits()[0][:256]
    rng = np.random.default_rng(8)
    model = VAE(64, 32, 4, rng=rng)
    eps = np.random.default_rng(0).standard_normal((256, 4))
    before = model.loss(X, eps=eps).item()
    history = mg.fit(model, X=X, epochs=3, batch_size=32,
                     optimizer=Adam(model.parameters(), lr=3e-3), progress=False, rng=rng)
    assert model.loss(X, eps=eps).item() < 0.8 * before
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("kwargs, words", [
    ({"hidden": 0}, "VAE: hidden must be a positive int"),
    ({"hidden": [8, "a"]}, "VAE: hidden must be a positive int"),
    ({"recon": "l1"}, "VAE: recon must be one of 'bce'"),
    ({"beta": -1}, r"VAE: beta \(the weight of the KL term\) must be a finite number >= 0"),
])
def test_bad_configuration_is_refused_with_a_clear_message(kwargs, words):
    args = {"n_in": 4, "hidden": 3, "n_latent": 2} | kwargs
    with pytest.raises(ValueError, match=words):
        VAE(**args)


def test_bad_elbo_and_interpolate_arguments():
    model = VAE(4, 3, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_samples"):
        model.elbo(np.zeros((2, 4)), n_samples=0)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        model.interpolate(np.zeros(3), np.zeros(2), 4)
