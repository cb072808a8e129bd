"""DenoisingAutoencoder: corruption (leaves x alone, is the mg.data noise), the loss targets the clean x,
forward never corrupts, settings errors, and a few training steps lowering the loss."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.models.autoencoder import Autoencoder
from minigrad_ae.models.denoising import NOISES, DenoisingAutoencoder

SIZES = [64, 32, 16]


def digits(n=300):
    return mg.data.load_digits()[0][:n]


@pytest.mark.parametrize("noise, level", [("gaussian", 0.2), ("masking", 0.3), ("salt_and_pepper", 0.2)])
def test_corrupt_is_the_data_noise_and_leaves_the_input_unchanged(noise, level):
    X = digits(50)
    original = X.copy()
    model = DenoisingAutoencoder(SIZES, noise=noise, noise_level=level, rng=np.random.default_rng(0))
    model.rng = np.random.default_rng(42)
    noisy = model.corrupt(X)
    np.testing.assert_array_equal(X, original)
    np.testing.assert_array_equal(noisy, NOISES[noise](X, level, rng=np.random.default_rng(42)))
    assert noisy.shape == X.shape and noisy.dtype == X.dtype and not np.array_equal(noisy, X)


def test_corruption_statistics():
    ones = np.ones((2000, 64), np.float32)
    half = np.full((2000, 64), 0.5, np.float32)
    corrupt = lambda noise, level, x: DenoisingAutoencoder(  # noqa: E731
        SIZES, noise=noise, noise_level=level, rng=np.random.default_rng(1)).corrupt(x)
    assert abs(np.mean(corrupt("masking", 0.3, ones) == 0) - 0.3) < 0.01
    noise = corrupt("gaussian", 0.2, half) - half
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.2) < 0.005
    salted = corrupt("salt_and_pepper", 0.25, half)
    assert np.all(np.sum(salted != 0.5, axis=1) == 16)  # exactly round(0.25 · 64) per sample
    assert abs(np.mean(salted[salted != 0.5]) - 0.5) < 0.02  # half salt (1), half pepper (0)


def test_each_call_draws_fresh_noise():
    model = DenoisingAutoencoder(SIZES, rng=np.random.default_rng(0))
    X = digits(20)
    assert not np.array_equal(model.corrupt(X), model.corrupt(X))


@pytest.mark.parametrize("noise", list(NOISES))
@pytest.mark.parametrize("recon", ["sigmoid_mse", "bce"])
def test_without_noise_the_loss_is_the_plain_autoencoder_loss(noise, recon):
    X = digits(40)
    model = DenoisingAutoencoder(SIZES, noise=noise, noise_level=0.0, recon=recon, rng=np.random.default_rng(0))
    plain = Autoencoder(SIZES, recon=recon, rng=np.random.default_rng(1))
    plain.load_state_dict(model.state_dict())
    np.testing.assert_allclose(model.loss(X).item(), plain.loss(X).item(), rtol=1e-6)


def test_loss_reconstructs_the_clean_input_from_the_corrupted_one():
    X = digits(40)
    model = DenoisingAutoencoder(SIZES, noise="masking", noise_level=1.0, rng=np.random.default_rng(0))
    # every pixel masked: the model sees zeros, and is scored against the clean digits
    expected = mg.nn.functional.mse_loss(model(np.zeros_like(X)), X).item()
    np.testing.assert_allclose(model.loss(X).item(), expected, rtol=1e-6)


def test_forward_does_not_corrupt():
    X = digits(40)
    model = DenoisingAutoencoder(SIZES, noise="gaussian", noise_level=0.5, rng=np.random.default_rng(0))
    plain = Autoencoder(SIZES, rng=np.random.default_rng(1))
    plain.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(model(X).data, model(X).data)
    np.testing.assert_array_equal(model(X).data, plain(X).data)
    np.testing.assert_array_equal(model.reconstruction_error(X), plain.reconstruction_error(X))


@pytest.mark.parametrize("settings, message", [
    (dict(noise="dropout"), "noise must be one of 'gaussian', 'masking', 'salt_and_pepper'; got 'dropout'"),
    (dict(noise="masking", noise_level=1.5), r"noise_level for noise='masking' must be a number in \[0, 1\]"),
    (dict(noise="gaussian", noise_level=-0.1), "noise_level for noise='gaussian' must be a finite number >= 0"),
    (dict(recon="l1"), "recon must be one of")])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=f"DenoisingAutoencoder: {message}"):
        DenoisingAutoencoder(SIZES, **settings)


def test_bce_targets_are_checked_on_the_clean_input():
    """Gaussian noise pushes the corrupted input out of [0, 1]: allowed, only the clean target must be in it."""
    model = DenoisingAutoencoder(SIZES, noise="gaussian", noise_level=0.5, recon="bce", rng=np.random.default_rng(0))
    assert np.isfinite(model.loss(digits(8)).item())
    with pytest.raises(ValueError, match="DenoisingAutoencoder.loss: recon='bce' reads every value of target"):
        model.loss(digits(8) * 16)


def test_a_few_training_steps_lower_the_loss():
    X = digits(200)
    rng = np.random.default_rng(0)
    model = DenoisingAutoencoder(SIZES, noise="masking", noise_level=0.3, rng=rng)
    before = model.loss(X).item()
    mg.fit(model, X=X, epochs=3, batch_size=50,
           optimizer=mg.optim.Adam(model.parameters(), lr=1e-2), progress=False, rng=rng)
    assert model.loss(X).item() < 0.9 * before
