"""One interface for the whole family: every model in mg.models is built small and checked the same way —
sizes and ``recon`` under the same names, encode/decode/forward shapes, a finite scalar loss whose gradients
reach every parameter, one epoch of ``mg.fit`` through the default path (no loss_fn), and the same handling
of lists, integer images and wrong widths."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.models import RECONSTRUCTIONS, AutoencoderBase

N_IN, N_LATENT, N_CLASSES = 6, 2, 3
SMALL = {  # class name -> build(recon, rng): the smallest useful model; recon=None means the model's default
    "AdversarialAutoencoder": lambda recon, rng: mg.models.AdversarialAutoencoder(N_IN, 5, N_LATENT, [4], rng=rng,
                                                                                  **_recon(recon)),
    "AsymmetricAutoencoder": lambda recon, rng: mg.models.AsymmetricAutoencoder(
        [N_IN, 4, N_LATENT], [N_LATENT, N_IN], n_classes=N_CLASSES, alpha=0.5, beta=0.1, rng=rng, **_recon(recon)),
    "Autoencoder": lambda recon, rng: mg.models.Autoencoder([N_IN, 4, N_LATENT], rng=rng, **_recon(recon)),
    "ContractiveAutoencoder": lambda recon, rng: mg.models.ContractiveAutoencoder(N_IN, N_LATENT, rng=rng,
                                                                                  **_recon(recon)),
    "DenoisingAutoencoder": lambda recon, rng: mg.models.DenoisingAutoencoder([N_IN, 4, N_LATENT], rng=rng,
                                                                              **_recon(recon)),
    "LinearAutoencoder": lambda recon, rng: mg.models.LinearAutoencoder(N_IN, N_LATENT, rng=rng),
    "ResidualAutoencoder": lambda recon, rng: mg.models.ResidualAutoencoder([N_IN, 4, 4, N_LATENT], rng=rng,
                                                                            **_recon(recon)),
    "SkipAutoencoder": lambda recon, rng: mg.models.SkipAutoencoder([N_IN, 4, N_LATENT], rng=rng, **_recon(recon)),
    "SparseAutoencoder": lambda recon, rng: mg.models.SparseAutoencoder(N_IN, N_LATENT, rng=rng, **_recon(recon)),
    "StackedAutoencoder": lambda recon, rng: mg.models.StackedAutoencoder([N_IN, 4, N_LATENT], n_classes=N_CLASSES,
                                                                          rng=rng, **_recon(recon)),
    "VAE": lambda recon, rng: mg.models.VAE(N_IN, 4, N_LATENT, rng=rng, **_recon(recon)),
    "VQVAE": lambda recon, rng: mg.models.VQVAE(N_IN, 4, N_LATENT, 5, rng=rng, **_recon(recon)),
}
FAMILY = sorted(name for name, value in vars(mg.models).items()
                if isinstance(value, type) and issubclass(value, AutoencoderBase) and value is not AutoencoderBase)
WITH_RECONS = [(name, recon) for name in FAMILY for recon in getattr(mg.models, name).RECONS]


def _recon(recon):
    return {} if recon is None else {"recon": recon}


def build(name, recon=None, seed=0):
    return SMALL[name](recon, np.random.default_rng(seed))


def data(seed=1, n=12):
    rng = np.random.default_rng(seed)
    return rng.random((n, N_IN)).astype(np.float32), rng.integers(N_CLASSES, size=n)


def training_losses(model, x, y):
    """Every loss the model trains with: ``loss`` and, for the parts it does not reach, the model's others."""
    if isinstance(model, mg.models.AdversarialAutoencoder):
        return [model.loss(x), model.disc_loss(x)]                 # the discriminator learns from its own loss
    if isinstance(model, mg.models.StackedAutoencoder):
        return [model.loss(x), model.classification_loss(x, y)]    # the head learns in fine-tuning
    if isinstance(model, mg.models.AsymmetricAutoencoder):
        return [model.loss(x, y=y)]                                # labels reach the classifier
    return [model.loss(x)]


def test_every_model_of_the_family_is_covered():
    assert FAMILY == sorted(SMALL), "add the new model to SMALL"
    assert len(FAMILY) == 12


@pytest.mark.parametrize("name", FAMILY)
def test_sizes_recon_and_shapes(name):
    model = build(name)
    x, _ = data()
    assert (model.n_in, model.n_latent) == (N_IN, N_LATENT)
    assert model.recon in model.RECONS and set(model.RECONS) <= set(RECONSTRUCTIONS)
    code = model.encode(x)
    z = code[0] if isinstance(model, mg.models.VAE) else code  # the VAE's encode gives q(z|x): (μ, logvar)
    assert z.shape == (len(x), N_LATENT)
    assert model.decode(z).shape == (len(x), N_IN)
    assert model(x).shape == (len(x), N_IN) and model(x).dtype == np.float32
    assert model.reconstruction_error(x).shape == (len(x),)
    assert f"recon={model.recon!r}" in repr(model)


@pytest.mark.parametrize("name, recon", WITH_RECONS)
def test_the_loss_is_a_finite_scalar_whose_gradients_reach_every_parameter(name, recon):
    model = build(name, recon)
    x, y = data()
    if recon == "tanh_mse":
        x = 2 * x - 1  # data the tanh output can reach
    for loss in training_losses(model, x, y):
        assert isinstance(loss, mg.Tensor) and loss.shape == () and np.isfinite(loss.item())
        loss.backward()
    for param_name, p in model.named_parameters():
        assert p.grad is not None and np.isfinite(p.grad).all() and np.any(p.grad != 0), param_name


@pytest.mark.parametrize("name", FAMILY)
def test_one_epoch_of_fit_through_the_default_path(name):
    model = build(name)
    x, y = data(n=24)
    labels = {"y": y} if isinstance(model, mg.models.AsymmetricAutoencoder) else {}
    before = {k: v.copy() for k, v in model.state_dict().items()}
    history = mg.fit(model, X=x, epochs=1, batch_size=8, optimizer=mg.optim.Adam(model.parameters(), lr=1e-2),
                     rng=np.random.default_rng(2), **labels)
    assert history.epochs == 1 and np.isfinite(history.train_loss[0]) and not model.training
    assert any(not np.array_equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("name", FAMILY)
def test_lists_and_tuples_are_read_like_arrays(name):
    model = build(name)
    x, _ = data(n=3)
    expected = model(x).data
    np.testing.assert_array_equal(model(x.tolist()).data, expected)
    np.testing.assert_array_equal(model(tuple(map(tuple, x.tolist()))).data, expected)
    np.testing.assert_array_equal(model.reconstruction_error(x.tolist()), model.reconstruction_error(x))


@pytest.mark.parametrize("name", FAMILY)
def test_integer_images_and_wrong_widths_are_refused_the_same_way_everywhere(name):
    model = build(name)
    images = (data()[0] * 255).astype(np.uint8)
    with pytest.raises(TypeError, match=rf"{name}\.encode: x holds integers \(dtype uint8, values \d+..\d+\).*"
                                        r"x = x.astype\(np.float32\) / 255"):
        model(images)
    with pytest.raises(mg.ShapeError, match=rf"{name}\.(encode|loss): x must be a batch of shape \(batch, 6\).*"
                                            r"got shape \(4, 5\)"):
        model.loss(np.zeros((4, 5), np.float32))


@pytest.mark.parametrize("name", [n for n, recon in WITH_RECONS if recon == "bce"])
def test_bce_models_refuse_targets_outside_0_1(name):
    model = build(name, "bce")
    x, _ = data()
    with pytest.raises(ValueError, match=rf"{name}\.\w+: recon='bce' reads every value of target as a probability "
                                         r"in \[0, 1\].*Scale the images: X / 255"):
        model.loss(x * 255)
