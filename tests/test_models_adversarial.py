"""AdversarialAutoencoder: the priors sample what they say, each phase moves only its own player's
parameters, the discriminator is configurable, training runs through fit, and the adversarial game pulls
the codes toward the prior."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.models.adversarial import AdversarialAutoencoder, gaussian_prior, mixture_of_gaussians_prior


@pytest.fixture(scope="module")
def X():
    return mg.data.load_digits()[0][:256]


def small_model(prior=None, seed=0):
    return AdversarialAutoencoder(64, 32, 2, [16, 16], prior=prior, rng=np.random.default_rng(seed))


def snapshot(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def moved_parts(before, model):
    """Which top-level parts (encoder, decoder, discriminator) have a parameter that changed."""
    return {name.split(".")[0] for name, p in model.named_parameters() if not np.array_equal(before[name], p.data)}


def test_gaussian_prior_sample_statistics():
    z = gaussian_prior(3, std=2.0)(20000, np.random.default_rng(0))
    assert z.shape == (20000, 3)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), 2.0, rtol=0.02)
    np.testing.assert_allclose(np.corrcoef(z.T), np.eye(3), atol=0.03)


def test_mixture_prior_puts_equal_clusters_on_a_circle():
    n_components, radius, std = 8, 5.0, 0.3
    z = mixture_of_gaussians_prior(n_components, radius, std)(40000, np.random.default_rng(1))
    assert z.shape == (40000, 2)
    angles = 2 * np.pi * np.arange(n_components) / n_components
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    nearest = np.argmin(np.linalg.norm(z[:, None] - means[None], axis=2), axis=1)
    np.testing.assert_allclose(np.bincount(nearest) / len(z), 1 / n_components, atol=0.01)
    for k in range(n_components):  # each cluster: centred on its mean, spread std in every direction
        cluster = z[nearest == k]
        np.testing.assert_allclose(cluster.mean(axis=0), means[k], atol=0.02)
        np.testing.assert_allclose(cluster.std(axis=0), std, rtol=0.05)


@pytest.mark.parametrize("make, message", [
    (lambda: gaussian_prior(0), "gaussian_prior: n_latent must be an integer >= 1, got 0"),
    (lambda: gaussian_prior(2, std=0), "gaussian_prior: std must be a finite number > 0, got 0.0"),
    (lambda: mixture_of_gaussians_prior(0), "mixture_of_gaussians_prior: n_components must be an integer >= 1"),
    (lambda: mixture_of_gaussians_prior(4, radius=2, std=-1), "mixture_of_gaussians_prior: std must be"),
    (lambda: AdversarialAutoencoder(64, 32, 3, 16, prior=mixture_of_gaussians_prior()),
     r"prior\(3, rng\) returned shape \(3, 2\), but codes are \(3, 3\)"),
])
def test_bad_priors_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_each_phase_moves_only_its_own_player(X):
    """Even with optimizers over *every* parameter: the discriminator step sees detached codes and the
    generator step a frozen discriminator, so neither can move the other player."""
    model = small_model()
    xb = X[:32]
    for phase, expected in [("disc", {"discriminator"}), ("gen", {"encoder"}), ("recon", {"encoder", "decoder"})]:
        optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
        before = snapshot(model)
        if phase == "disc":
            model.disc_step(xb, optimizer, rng=np.random.default_rng(1))
        elif phase == "gen":
            model.gen_step(xb, optimizer)
            assert all(p.grad is None and p.requires_grad for p in model.discriminator.parameters())
        else:
            model.recon_step(xb, optimizer)
        assert moved_parts(before, model) == expected, phase


def test_the_discriminator_loss_gives_the_encoder_no_gradient(X):
    model = small_model()
    model.disc_loss(X[:16], rng=np.random.default_rng(2)).backward()
    assert all(p.grad is None for p in model.encoder.parameters() + model.decoder.parameters())
    assert all(p.grad is not None for p in model.discriminator.parameters())


def test_a_few_training_steps_give_finite_losses(X):
    model = small_model(mixture_of_gaussians_prior(4, radius=2.0, std=0.5), seed=3)
    losses = model.train_step(X[:32], model.make_optimizers(1e-3), rng=np.random.default_rng(4))
    assert set(losses) == {"recon", "disc", "gen"} and all(np.isfinite(v) for v in losses.values())
    history = mg.fit(model, X=X[:96], epochs=2, batch_size=32, optimizer=model.make_optimizers(1e-3),
                     step=AdversarialAutoencoder.train_step, progress=False, rng=np.random.default_rng(5))
    assert {k: len(v) for k, v in history.losses.items()} == {"recon": 2, "disc": 2, "gen": 2}
    assert history.train_loss == history.losses["recon"]  # the step's first loss
    assert np.all(np.isfinite(list(history.losses.values())))
    assert not model.training
    assert model.generate(5, rng=np.random.default_rng(6)).shape == (5, 64)


def test_a_nan_phase_skips_its_update_and_fit_stops(X):
    model = small_model(prior=lambda n, rng: np.full((n, 2), np.nan), seed=9)  # the discriminator's loss is NaN
    before = snapshot(model)
    with pytest.warns(RuntimeWarning, match=r"the disc loss became nan at epoch 1, batch 1/3"):
        history = mg.fit(model, X=X[:96], epochs=2, batch_size=32, optimizer=model.make_optimizers(1e-3),
                         step=AdversarialAutoencoder.train_step, progress=False, rng=np.random.default_rng(10))
    assert history.epochs == 0 and history.stopped_early
    assert moved_parts(before, model) == {"encoder", "decoder"}  # the NaN phase skipped its step, the others ran


def test_the_discriminator_is_configurable_like_the_pytorch_material():
    """Hidden sizes, LeakyReLU(0.2) and a Sigmoid at the end (probabilities, scored with BCE): the same network
    and the same losses as with logits, computed on probabilities instead."""
    logit = AdversarialAutoencoder(64, 32, 2, [16, 8], disc_negative_slope=0.2, rng=np.random.default_rng(0),
                                   dtype=np.float64)
    prob = AdversarialAutoencoder(64, 32, 2, [16, 8], disc_negative_slope=0.2, disc_output="probability",
                                  rng=np.random.default_rng(0), dtype=np.float64)
    kinds = [type(m).__name__ for m in prob.discriminator]
    assert kinds == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear", "Sigmoid"]
    assert prob.discriminator[1].negative_slope == 0.2
    assert [m.weight.shape for m in prob.discriminator if isinstance(m, mg.nn.Linear)] == [(16, 2), (8, 16), (1, 8)]
    x = np.random.default_rng(1).random((16, 64))
    np.testing.assert_allclose(prob.gen_loss(x).item(), logit.gen_loss(x).item(), rtol=1e-9)
    np.testing.assert_allclose(prob.disc_loss(x, rng=np.random.default_rng(2)).item(),
                               logit.disc_loss(x, rng=np.random.default_rng(2)).item(), rtol=1e-9)
    with pytest.raises(ValueError, match="AdversarialAutoencoder: disc_output must be one of 'logit', 'probability'"):
        AdversarialAutoencoder(64, 32, 2, 16, disc_output="softmax")


def test_the_game_pulls_the_codes_toward_the_prior(X):
    """A prior far from where the untrained codes sit (one Gaussian centred at (3, 0)): a short run
    must bring the codes' mean most of the way there and keep their spread of the prior's order."""
    prior = mixture_of_gaussians_prior(1, radius=3.0, std=0.5)
    model = small_model(prior, seed=6)
    centre = prior(20000, np.random.default_rng(7)).mean(axis=0)
    with mg.no_grad():
        before = model.encode(X).data
    mg.fit(model, X=X, epochs=20, batch_size=32, optimizer=model.make_optimizers(lr=3e-4, reg_lr=2e-3),
           step=AdversarialAutoencoder.train_step, progress=False, rng=np.random.default_rng(8))
    with mg.no_grad():
        after = model.encode(X).data
    distance = lambda z: np.linalg.norm(z.mean(axis=0) - centre)
    assert distance(after) < 0.5 * distance(before), (distance(before), distance(after))
    assert np.all(after.std(axis=0) < 1.5)
