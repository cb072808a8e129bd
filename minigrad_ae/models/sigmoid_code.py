"""The one-hidden-layer autoencoder with a sigmoid code that the sparse and contractive AEs both regularise.

    h = σ(W1 x + b1),  x̂ = f(W2 h + b2)  (f = sigmoid or identity),
    reconstruction = (1/2m) Σₙ ‖xₙ − x̂ₙ‖² over a batch of m samples.
"""
import numpy as np

from .. import nn
from ..autodiff import Tensor
from ..nn import functional as F

OUT_ACTIVATIONS = ("sigmoid", None)


class SigmoidCodeAutoencoder(nn.Module):
    """Base of ``SparseAutoencoder`` and ``ContractiveAutoencoder``: encoder, decoder and their shared loss term."""

    def __init__(self, n_in, n_hidden, out_activation="sigmoid", rng=None, dtype=np.float32):
        super().__init__()
        if out_activation not in OUT_ACTIVATIONS:
            raise ValueError(f"{type(self).__name__}: out_activation must be 'sigmoid' (data in [0, 1]) or None "
                             f"(identity), got {out_activation!r}.")
        rng = np.random.default_rng() if rng is None else rng
        self.out_activation = out_activation
        self.encoder = nn.Linear(n_in, n_hidden, rng=rng, dtype=dtype)
        self.decoder = nn.Linear(n_hidden, n_in, rng=rng, dtype=dtype)

    def encode(self, x):
        """h = σ(W1 x + b1);  (batch, n_in) -> (batch, n_hidden), every value in (0, 1)."""
        return F.sigmoid(self.encoder(x))

    def decode(self, h):
        """x̂ = f(W2 h + b2);  (batch, n_hidden) -> (batch, n_in)."""
        z = self.decoder(h)
        return F.sigmoid(z) if self.out_activation == "sigmoid" else z

    def forward(self, x):
        return self.decode(self.encode(x))

    def reconstruction_loss(self, x, h):
        """(1/2m) Σₙ ‖xₙ − x̂ₙ‖² for the batch x whose code is h."""
        return 0.5 * F.mse_loss(self.decode(h), x, reduction="sum") / len(x)

    def _batch(self, x, method):
        """x as an array of the parameters' dtype, checked to be (batch, n_in)."""
        X = np.asarray(x.data if isinstance(x, Tensor) else x, dtype=self.encoder.weight.dtype)
        n_in = self.encoder.in_features
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ValueError(f"{type(self).__name__}.{method}: x must be a batch of shape (batch, {n_in}), got "
                             f"shape {X.shape}; the penalties are means over the batch. For one sample use "
                             "x.reshape(1, -1).")
        return X
