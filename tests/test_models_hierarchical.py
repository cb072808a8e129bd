"""HierarchicalVAE and the measures of a code: the KL between two Gaussians (backward against central differences,
its closed form against Monte Carlo), the two-level loss term by term and its gradient check, the sampling and
decoding helpers, a few training steps; rate_distortion and mutual_information against cases with known answers."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.data import load_digits
from minigrad_ae.models import VAE, HierarchicalVAE, gaussian_kl_between, mutual_information, rate_distortion
from minigrad_ae.nn import functional as F

from gradtools import arrays, assert_backward_matches, seeds, shapes

REDUCTIONS = ("sum", "mean", "none")


# ---------------------------------------------------------------- KL(N(μ, σ²) ‖ N(μₚ, σₚ²))


@pytest.mark.gaussian_kl_between
@settings(deadline=None, max_examples=60)
@given(shapes(min_dims=1, max_dims=2), st.sampled_from(REDUCTIONS), seeds(), st.data())
def test_gaussian_kl_between_backward_matches_central_differences(shape, reduction, seed, data):
    inputs = [data.draw(arrays(shape, -2.0, 2.0)) for _ in range(4)]   # μ, logvar, μₚ, logvarₚ
    assert_backward_matches(lambda *t: gaussian_kl_between(*t, reduction=reduction), inputs, seed=seed)


@pytest.mark.gaussian_kl_between
@settings(deadline=None, max_examples=30)
@given(shapes(min_dims=1, max_dims=2), st.sampled_from(REDUCTIONS), st.data())
def test_gaussian_kl_between_a_standard_prior_is_gaussian_kl_and_zero_only_at_the_prior(shape, reduction, data):
    mu, logvar = data.draw(arrays(shape, -2.0, 2.0)), data.draw(arrays(shape, -2.0, 2.0))
    zeros = np.zeros(shape)
    np.testing.assert_allclose(gaussian_kl_between(mu, logvar, zeros, zeros, reduction).data,
                               F.gaussian_kl(mu, logvar, reduction).data, rtol=1e-12, atol=1e-12)
    assert np.all(gaussian_kl_between(mu, logvar, mu, logvar, "none").data == 0)
    assert np.all(gaussian_kl_between(mu, logvar, mu + 0.1, logvar, "none").data > 0)


@pytest.mark.gaussian_kl_between
def test_gaussian_kl_between_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mu, logvar, prior_mu, prior_logvar = rng.normal(size=3), rng.uniform(-1, 1, 3), rng.normal(size=3), \
        rng.uniform(-1, 1, 3)
    z = mu + np.exp(0.5 * logvar) * rng.standard_normal((200_000, 3))
    log_ratio = (mg.models.information.gaussian_log_density(z, mu, logvar)
                 - mg.models.information.gaussian_log_density(z, prior_mu, prior_logvar))
    closed = gaussian_kl_between(mu, logvar, prior_mu, prior_logvar).item()
    assert abs(log_ratio.mean() - closed) < 4 * log_ratio.std() / np.sqrt(len(z))


def test_gaussian_kl_between_refuses_mismatched_shapes_by_name():
    with pytest.raises(mg.ShapeError, match=r"gaussian_kl_between: .*prior_mu \(3,\)"):
        gaussian_kl_between(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(3), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="gaussian_kl_between: reduction"):
        gaussian_kl_between(np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3), reduction="max")


# ---------------------------------------------------------------- the two-level model


def small(dtype=np.float32, **kwargs):
    return HierarchicalVAE(6, [5, 4], 2, 3, rng=np.random.default_rng(1), dtype=dtype, **kwargs)


def test_the_loss_is_reconstruction_plus_beta_times_both_kls_against_the_conditional_prior():
    model = small(np.float64, beta=0.7)
    rng = np.random.default_rng(2)
    x, eps = rng.uniform(size=(4, 6)), rng.standard_normal((4, 5))
    recon, kl_coarse, kl_fine = model.level_terms(x, eps=eps)
    # by hand: z₁ from q(z₁|x), z₂'s KL against p(z₂|z₁) at that z₁, x̂ from [z₁, z₂]
    h = model.encoder(x)
    mu1, logvar1 = model.coarse_mu(h), model.coarse_logvar(h)
    z1 = mu1.data + np.exp(0.5 * logvar1.data) * eps[:, :2]
    mu2, logvar2 = model.fine_posterior(h, z1)
    z2 = mu2.data + np.exp(0.5 * logvar2.data) * eps[:, 2:]
    logits = model.decoder(np.concatenate([z1, z2], axis=1)).data
    p = 1 / (1 + np.exp(-logits))
    np.testing.assert_allclose(recon.data, -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1), rtol=1e-10)
    np.testing.assert_allclose(kl_coarse.data, F.gaussian_kl(mu1, logvar1, "none").data, rtol=1e-12)
    np.testing.assert_allclose(kl_fine.data, gaussian_kl_between(mu2, logvar2, *model.fine_prior(z1), "none").data,
                               rtol=1e-12)
    expected = np.mean(recon.data + 0.7 * (kl_coarse.data + kl_fine.data))
    assert model.loss(x, eps=eps).item() == pytest.approx(expected, rel=1e-12)
    assert -model.elbo(x).mean() > 0


@pytest.mark.parametrize("recon", ["bce", "mse"])
def test_whole_loss_passes_gradcheck_with_a_fixed_eps(recon):
    model = small(np.float64, beta=0.7, recon=recon)
    rng = np.random.default_rng(3)
    x, eps = rng.uniform(size=(3, 6)), rng.standard_normal((3, 5))
    for name, p in model.named_parameters():
        if name.endswith("bias"):   # zero biases put a row whose ReLUs are all off exactly on the next ReLU's kink
            p.data[...] = rng.uniform(0.05, 0.3, p.shape)
    report = mg.gradcheck(lambda *params: model.loss(x, eps=eps), model.parameters(), mode="full")
    assert report and report.max_rel_error < 1e-7, str(report)


def test_encode_split_decode_levels_and_sampling():
    model = small()
    x = np.random.default_rng(4).uniform(size=(7, 6)).astype(np.float32)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, 5) and model.n_latent == 5
    z1, z2 = model.split(mu.data)
    assert z1.shape == (7, 2) and z2.shape == (7, 3)
    h = model.encoder(x)   # the fine half is q(z₂|x, z₁) at z₁ = μ₁
    np.testing.assert_allclose(z2, model.fine_posterior(h, z1)[0].data, rtol=1e-6)
    np.testing.assert_array_equal(model.decode_levels(z1, z2), model(x).data)
    fine = model.sample_fine(z1, np.random.default_rng(5))
    again = model.sample_fine(z1, np.random.default_rng(5))
    assert fine.shape == (7, 3) and np.array_equal(fine, again)
    prior_mu, prior_logvar = model.fine_prior(z1)
    standardised = (model.sample_fine(np.repeat(z1[:1], 4000, axis=0), np.random.default_rng(6))
                    - prior_mu.data[:1]) / np.exp(0.5 * prior_logvar.data[:1])
    np.testing.assert_allclose(standardised.mean(axis=0), 0, atol=0.06)   # z₂ ~ p(z₂|z₁): standardised N(0, 1)
    np.testing.assert_allclose(standardised.std(axis=0), 1, atol=0.05)
    assert model.sample(3, np.random.default_rng(7)).shape == (3, 6)


def test_bad_arguments_are_refused_by_name():
    model = small()
    with pytest.raises(ValueError, match="HierarchicalVAE: n_coarse"):
        HierarchicalVAE(6, 4, 0, 3)
    with pytest.raises(mg.ShapeError, match=r"HierarchicalVAE.split: z must be codes of shape \(batch, 5\)"):
        model.split(np.zeros((2, 4)))
    with pytest.raises(mg.ShapeError, match=r"HierarchicalVAE.decode_levels: z_coarse must be \(batch, 2\)"):
        model.decode_levels(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(mg.ShapeError, match=r"HierarchicalVAE.fine_prior: z_coarse"):
        model.fine_prior(np.zeros((2, 3)))
    with pytest.raises(mg.ShapeError, match=r"HierarchicalVAE.level_terms: eps must have shape \(2, 5\)"):
        model.loss(np.zeros((2, 6), np.float32), eps=np.zeros((2, 4)))


def test_a_few_epochs_on_digits_lower_the_loss_and_use_both_levels():
    X, _ = load_digits()
    rng = np.random.default_rng(8)
    model = HierarchicalVAE(64, 32, 4, 4, rng=rng)
    eps = np.random.default_rng(9).standard_normal((500, 8))
    with mg.no_grad():
        before = model.loss(X[:500], eps=eps).item()
    mg.fit(model, X=X, epochs=5, batch_size=64, optimizer=mg.optim.Adam(model.parameters(), lr=3e-3),
           progress=False, rng=rng)
    with mg.no_grad():
        after = model.loss(X[:500], eps=eps).item()
        _, kl_coarse, kl_fine = model.level_terms(X[:500])
    assert after < 0.8 * before
    assert kl_coarse.data.mean() > 0.2 and kl_fine.data.mean() > 0.2


# ---------------------------------------------------------------- rate, distortion, I(x; z)


def test_mutual_information_is_zero_for_one_posterior_and_log_n_for_separate_ones():
    rng = np.random.default_rng(10)
    same = np.zeros((50, 3))
    assert abs(mutual_information(same, same, draws=3, rng=rng)) < 1e-12
    apart = 100.0 * rng.standard_normal((50, 3))   # far apart and narrow: z tells which row it came from
    assert mutual_information(apart, np.full((50, 3), -4.0), draws=3, rng=rng) == pytest.approx(np.log(50), abs=1e-6)


def test_mutual_information_never_exceeds_the_rate_of_a_vae():
    X, _ = load_digits()
    model = VAE(64, 32, 4, rng=np.random.default_rng(11))
    mg.fit(model, X=X, epochs=3, batch_size=64, optimizer=mg.optim.Adam(model.parameters(), lr=3e-3),
           progress=False, rng=np.random.default_rng(12))
    measured = rate_distortion(model, X[:300], draws=4)
    with mg.no_grad():
        mu, logvar = model.encode(X[:300])
    assert measured["R"] == pytest.approx(F.gaussian_kl(mu, logvar, "mean").item(), rel=1e-5)   # closed form
    assert measured["mu"].shape == (300, 4) and measured["mu"].dtype == np.float64
    information = mutual_information(measured["mu"], measured["logvar"], draws=5, rng=np.random.default_rng(13))
    assert 0 < information <= measured["R"] + 0.05 and information <= np.log(300)


def test_rate_distortion_averages_the_terms_over_draws():
    model = small(np.float64)
    x = np.random.default_rng(14).uniform(size=(5, 6))
    model.rng = np.random.default_rng(15)
    measured = rate_distortion(model, x, draws=3)
    model.rng = np.random.default_rng(15)
    terms = [model.per_sample_terms(x) for _ in range(3)]
    assert measured["D"] == pytest.approx(np.mean([r.data.mean() for r, _ in terms]), rel=1e-12)
    assert measured["R"] == pytest.approx(np.mean([k.data.mean() for _, k in terms]), rel=1e-12)


def test_information_measures_refuse_bad_input_by_name():
    with pytest.raises(TypeError, match="rate_distortion: model must be a VAE"):
        rate_distortion(mg.models.Autoencoder([6, 2]), np.zeros((3, 6)))
    with pytest.raises(mg.ShapeError, match="mutual_information: mu and logvar"):
        mutual_information(np.zeros((3, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="mutual_information: mu and logvar must be finite"):
        mutual_information(np.full((3, 2), np.nan), np.zeros((3, 2)))
