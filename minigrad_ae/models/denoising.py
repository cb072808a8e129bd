"""The denoising autoencoder (Vincent et al., 2008/2010): reconstruct the clean x from a corrupted copy x̃.

x̃ ~ q(x̃ | x) (Gaussian noise, masking noise or salt-and-pepper, from ``mg.data``),  x̂ = g(f(x̃)),
L = loss(x̂, x) — the target is the *clean* x, so copying the input is no longer a solution: the model
must learn what digits look like to undo the noise. Corruption happens only inside ``loss``;
``forward`` (and so evaluation, ``encode`` and ``reconstruction_error``) sees the input as given.
"""
import numpy as np

from .. import data
from ..autodiff import Tensor
from .autoencoder import Autoencoder

NOISES = {"gaussian": data.gaussian_noise, "masking": data.masking_noise, "salt_and_pepper": data.salt_and_pepper}


class DenoisingAutoencoder(Autoencoder):
    """An ``Autoencoder`` (same sizes, activations and layers) trained on corrupted inputs.

    ``noise`` picks q: 'gaussian' (x + σ·N(0, 1), ``noise_level`` = σ >= 0), 'masking' (each entry zeroed
    with probability ``noise_level``) or 'salt_and_pepper' (a fraction ``noise_level`` of each sample's
    entries set to 0 or 1). ``rng`` initialises the weights and then draws the noise.
    """

    def __init__(self, sizes, noise="masking", noise_level=0.25, activation="leaky_relu", out_activation="sigmoid",
                 negative_slope=0.1, decoder_sizes=None, rng=None, dtype=np.float32):
        if noise not in NOISES:
            raise ValueError(f"DenoisingAutoencoder: unknown noise {noise!r}; use one of {list(NOISES)}.")
        upper = np.inf if noise == "gaussian" else 1
        if np.ndim(noise_level) != 0 or not 0 <= noise_level <= upper:
            raise ValueError(f"DenoisingAutoencoder: noise_level for noise={noise!r} must be "
                             + ("a standard deviation >= 0" if noise == "gaussian" else "a fraction in [0, 1]")
                             + f", got {noise_level!r}.")
        rng = np.random.default_rng() if rng is None else rng
        super().__init__(sizes, activation, out_activation, negative_slope, decoder_sizes, rng=rng, dtype=dtype)
        self.noise, self.noise_level, self.rng = noise, noise_level, rng

    def corrupt(self, x):
        """x̃ ~ q(x̃ | x): a new NumPy array shaped like x (x itself is not modified)."""
        return NOISES[self.noise](x, self.noise_level, rng=self.rng)

    def loss(self, x, kind="mse"):
        """The denoising criterion: ``Autoencoder.loss``'s 'mse' or 'bce' between x̂ = g(f(corrupt(x))) and the
        clean x (not the corrupted input the model saw)."""
        x = np.asarray(x.data if isinstance(x, Tensor) else x)
        return super().loss(self.corrupt(x), kind, target=x)

    def extra_repr(self):
        return f"{super().extra_repr()}, noise={self.noise!r}, noise_level={self.noise_level}"
