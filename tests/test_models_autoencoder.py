"""Autoencoder (MLP) and the layer-size rule shrink_sizes."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minigrad_ae as mg
from minigrad_ae.models.autoencoder import Autoencoder, shrink_sizes
from minigrad_ae.nn import functional as F


# ---------------------------------------------------------------- sizes


def test_shrink_sizes_examples():
    assert shrink_sizes(64, 8, 1.6) == [64, 40, 25, 16, 10, 8]
    assert shrink_sizes(784, 32, 2) == [784, 392, 196, 98, 49, 32]
    assert shrink_sizes(2, 1, 1.2) == [2, 1]


@given(n_latent=st.integers(1, 100), extra=st.integers(1, 2000), alpha=st.floats(1.2, 2.0))
def test_shrink_sizes_shrink_by_about_alpha_and_end_at_the_code(n_latent, extra, alpha):
    sizes = shrink_sizes(n_latent + extra, n_latent, alpha)
    assert sizes[0] == n_latent + extra and sizes[-1] == n_latent
    assert all(a > b for a, b in zip(sizes, sizes[1:]))
    for a, b in zip(sizes[:-2], sizes[1:-1]):  # the hidden layers; the last step only lands on n_latent
        assert b == a - 1 or abs(b - a / alpha) <= 0.5


def test_shrink_sizes_errors():
    with pytest.raises(ValueError, match=r"shrink_sizes: alpha must lie in \[1.2, 2\].*got 3"):
        shrink_sizes(64, 8, 3)
    with pytest.raises(ValueError, match=r"shrink_sizes: n_latent=64 must be smaller than n_in=64"):
        shrink_sizes(64, 64, 1.5)
    with pytest.raises(ValueError, match=r"shrink_sizes: \[n_in, n_latent\] must be a list of .*bad: \[0\]"):
        shrink_sizes(64, 0, 1.5)


def test_decoder_mirrors_the_encoder_unless_given():
    model = Autoencoder([64, 32, 8], rng=np.random.default_rng(0))
    linear_shapes = lambda seq: [layer.weight.shape for layer in seq if isinstance(layer, mg.nn.Linear)]
    assert linear_shapes(model.encoder) == [(32, 64), (8, 32)]
    assert linear_shapes(model.decoder) == [(32, 8), (64, 32)]
    assert (model.n_in, model.n_latent) == (64, 8)
    assert model.undercomplete and not model.overcomplete
    custom = Autoencoder([64, 8], decoder_sizes=[8, 16, 48, 64], rng=np.random.default_rng(0))
    assert linear_shapes(custom.decoder) == [(16, 8), (48, 16), (64, 48)]
    wide = Autoencoder([4, 16], rng=np.random.default_rng(0))
    assert wide.overcomplete and not wide.undercomplete


def test_leaky_relu_between_layers_and_a_linear_code():
    model = Autoencoder([6, 5, 4, 3], negative_slope=0.2, rng=np.random.default_rng(0))
    kinds = [type(layer).__name__ for layer in model.encoder]
    assert kinds == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear"]
    assert model.encoder[1].negative_slope == 0.2


def test_kaiming_init_for_leaky_relu():
    model = Autoencoder([2000, 1000, 4], rng=np.random.default_rng(1))
    weight = model.encoder[0].weight.data
    expected_std = math.sqrt(2 / (1 + 0.1 ** 2)) / math.sqrt(2000)  # gain for LeakyReLU(0.1) / √fan_in
    assert weight.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(weight.mean()) < 0.02 * expected_std * 10
    assert all(np.all(layer.bias.data == 0) for layer in model.encoder if isinstance(layer, mg.nn.Linear))


# ---------------------------------------------------------------- forward and losses


@pytest.mark.parametrize("recon, low, high", [("sigmoid_mse", 0, 1), ("bce", 0, 1), ("tanh_mse", -1, 1)])
def test_the_output_activation_of_recon_bounds_the_reconstruction(recon, low, high):
    model = Autoencoder([10, 4], recon=recon, rng=np.random.default_rng(2))
    x_hat = model(np.random.default_rng(3).standard_normal((50, 10)) * 10).data
    assert x_hat.shape == (50, 10)
    assert np.all((x_hat >= low) & (x_hat <= high))


def test_recon_mse_returns_the_decoder_output():
    model = Autoencoder([10, 4], recon="mse", rng=np.random.default_rng(2))
    x = np.random.default_rng(3).standard_normal((5, 10)) * 10
    np.testing.assert_array_equal(model(x).data, model.decoder(model.encode(x)).data)
    assert np.abs(model(x).data).max() > 1


def test_losses_match_the_functional_definitions():
    model = Autoencoder([8, 5, 3], rng=np.random.default_rng(4), dtype=np.float64)
    x = np.random.default_rng(5).random((6, 8))
    x_hat = model(x)
    assert model.recon == "sigmoid_mse"
    assert model.loss(x).item() == pytest.approx(F.mse_loss(x_hat, x).item(), rel=1e-12)
    # the same weights with recon='bce': the logits path gives BCE of the same sigmoid output
    bce = Autoencoder([8, 5, 3], recon="bce", rng=np.random.default_rng(4), dtype=np.float64)
    np.testing.assert_array_equal(bce(x).data, x_hat.data)
    assert bce.loss(x).item() == pytest.approx(F.binary_cross_entropy(x_hat, x).item(), rel=1e-9)
    tanh = Autoencoder([8, 5, 3], recon="tanh_mse", rng=np.random.default_rng(4), dtype=np.float64)
    assert tanh.loss(2 * x - 1).item() == pytest.approx(F.mse_loss(tanh(2 * x - 1), 2 * x - 1).item(), rel=1e-12)
    errors = model.reconstruction_error(x)
    assert isinstance(errors, np.ndarray) and errors.shape == (6,)
    assert errors.mean() == pytest.approx(model.loss(x).item(), rel=1e-12)


@pytest.mark.parametrize("recon", ["sigmoid_mse", "bce", "tanh_mse", "mse"])
def test_loss_gradients_through_the_whole_model(recon):
    model = Autoencoder([5, 4, 2], recon=recon, rng=np.random.default_rng(6), dtype=np.float64)
    x = np.random.default_rng(7).random((3, 5))
    report = mg.gradcheck(lambda *params: model.loss(x), model.parameters(), mode="directional")
    assert report, str(report)


def test_fit_lowers_the_loss_on_digits():
    X, _ = mg.data.load_digits()
    model = Autoencoder([64, 32, 8], rng=np.random.default_rng(8))
    history = mg.fit(model, X=X[:256], epochs=4, batch_size=32,
                     optimizer=mg.optim.Adam(model.parameters(), lr=3e-3), progress=False,
                     rng=np.random.default_rng(9))
    assert history.train_loss[-1] < 0.7 * history.train_loss[0]
    assert model.reconstruction_error(X[:10]).shape == (10,)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("kwargs, match", [
    (dict(sizes=[64]), r"Autoencoder: sizes must be a list of at least 2 positive integers \[n_in, ..., n_latent\]"),
    (dict(sizes=[64, 0]), r"Autoencoder: sizes must be a list of at least 2 positive integers.*bad: \[0\]"),
    (dict(sizes=[64, 8.5]), r"positive integers.*bad: \[8.5\]"),
    (dict(sizes=[64, 8], decoder_sizes=[4, 64]), r"decoder_sizes \[4, 64\] must run from the code size 8"),
    (dict(sizes=[64, 8], decoder_sizes=[8, 32]), r"back to the input size 64"),
    (dict(sizes=[64, 8], activation="gelu"), r"Autoencoder: activation must be one of 'relu', .*got 'gelu'"),
    (dict(sizes=[64, 8], recon="softmax"), r"Autoencoder: recon must be one of 'bce', 'sigmoid_mse'.*got 'softmax'"),
])
def test_bad_configurations(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Autoencoder(rng=np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize("sizes", [64, "64-8", None])
def test_sizes_that_are_not_a_list_say_what_sizes_is(sizes):
    with pytest.raises(TypeError, match=r"Autoencoder: sizes must be a list of layer widths \[n_in, ..., n_latent\], "
                                        r"e.g. \[64, 32, 8\]; got"):
        Autoencoder(sizes)


def test_bce_on_unscaled_images_is_refused_by_loss():
    """Before: the logits path never looked at the targets and returned about −2491 for 0..255 images."""
    model = Autoencoder([64, 8], recon="bce", rng=np.random.default_rng(0))
    images = mg.data.load_digits()[0][:20] * 255
    with pytest.raises(ValueError, match=r"Autoencoder.loss: recon='bce' reads every value of target as a "
                                         r"probability in \[0, 1\].*values in \[0, 255\]\. Scale the images: X / 255"):
        model.loss(images)
    with pytest.raises(TypeError, match=r"Autoencoder.loss: x holds integers \(dtype uint8, values 0..255\).*"
                                        r"x = x.astype\(np.float32\) / 255"):
        model.loss(images.astype(np.uint8))
