"""The one-hidden-layer autoencoder with a sigmoid code that the sparse and contractive AEs both regularise.

    h = σ(W1 x + b1),  x̂ = f(W2 h + b2)  (f = sigmoid for recon='sigmoid_mse', identity for 'mse'),
    reconstruction = (1/2m) Σₙ ‖xₙ − x̂ₙ‖² over a batch of m samples.
"""
import numpy as np

from .. import nn
from ..nn import functional as F
from ..validate import generator
from .base import AutoencoderBase


class SigmoidCodeAutoencoder(AutoencoderBase):
    """Base of ``SparseAutoencoder`` and ``ContractiveAutoencoder``: encoder, decoder and their shared loss term.

    Only the squared-error reconstructions ('sigmoid_mse', 'mse'): the hand-derived gradients assume them.
    """
    RECONS = ("sigmoid_mse", "mse")

    def __init__(self, n_in, n_latent, recon="sigmoid_mse", rng=None, dtype=np.float32):
        super().__init__(n_in, n_latent, recon, dtype)
        rng = generator(rng, type(self).__name__)
        self.encoder = nn.Linear(n_in, n_latent, rng=rng, dtype=dtype)
        self.decoder = nn.Linear(n_latent, n_in, rng=rng, dtype=dtype)

    def encode(self, x):
        """h = σ(W1 x + b1);  (batch, n_in) -> (batch, n_latent), every value in (0, 1)."""
        return F.sigmoid(self.encoder(self.check_input(x, self._func("encode"))))

    def reconstruction_loss(self, x, h):
        """(1/2m) Σₙ ‖xₙ − x̂ₙ‖² for the batch x whose code is h."""
        return 0.5 * self.recon_loss(self.decoder(h), x, reduction="sum") / len(x)
