"""The denoising autoencoder (Vincent et al., 2008/2010): reconstruct the clean x from a corrupted copy x̃.

x̃ ~ q(x̃ | x) (Gaussian noise, masking noise or salt-and-pepper, from ``mg.data``),  x̂ = g(f(x̃)),
L = loss(x̂, x) — the target is the *clean* x, so copying the input is no longer a solution: the model
must learn what digits look like to undo the noise. Corruption happens only inside ``loss``;
``forward`` (and so evaluation, ``encode`` and ``reconstruction_error``) sees the input as given.
"""
import numpy as np

from .. import data
from ..validate import choice, generator, number
from .autoencoder import Autoencoder
from .base import as_numpy

NOISES = {"gaussian": data.gaussian_noise, "masking": data.masking_noise, "salt_and_pepper": data.salt_and_pepper}


class DenoisingAutoencoder(Autoencoder):
    """An ``Autoencoder`` (same sizes, activations and layers) trained on corrupted inputs.

    ``noise`` picks q: 'gaussian' (x + σ·N(0, 1), ``noise_level`` = σ >= 0), 'masking' (each entry zeroed
    with probability ``noise_level``) or 'salt_and_pepper' (a fraction ``noise_level`` of each sample's
    entries set to 0 or 1). ``rng`` initialises the weights and then draws the noise.
    """

    def __init__(self, sizes, noise="masking", noise_level=0.25, activation="leaky_relu", recon="sigmoid_mse",
                 negative_slope=0.1, decoder_sizes=None, rng=None, dtype=np.float32):
        choice(noise, "noise", "DenoisingAutoencoder", tuple(NOISES))
        what = f"noise_level for noise={noise!r}"  # a standard deviation for Gaussian noise, else a fraction
        noise_level = number(noise_level, what, "DenoisingAutoencoder", low=0, high=None if noise == "gaussian" else 1)
        rng = generator(rng, "DenoisingAutoencoder")
        super().__init__(sizes, activation, recon, negative_slope, decoder_sizes, rng=rng, dtype=dtype)
        self.noise, self.noise_level, self.rng = noise, noise_level, rng

    def corrupt(self, x):
        """x̃ ~ q(x̃ | x): a new NumPy array shaped like x (x itself is not modified)."""
        return NOISES[self.noise](x, self.noise_level, rng=self.rng)

    def loss(self, x, target=None):
        """The denoising criterion: ``Autoencoder.loss`` (the model's ``recon`` error) between x̂ = g(f(corrupt(x)))
        and the clean x (not the corrupted input the model saw), or ``target`` when given."""
        x = as_numpy(self.check_input(x, self._func("loss")))
        return super().loss(self.corrupt(x), x if target is None else target)

    def extra_repr(self):
        return f"{super().extra_repr()}, noise={self.noise!r}, noise_level={self.noise_level}"
