"""What every autoencoder in the family shares: one interface, one reconstruction choice, one input check.

    z = encode(x)               x (batch, n_in) -> code z (batch, n_latent)
    x̂ = decode(z)               = out(decoder(z)): ``decoder`` ends at the output's pre-activation s
    model(x) = decode(encode(x))
    loss(x, target=None)        the training loss (``mg.fit``'s default); the target is x unless given

``recon`` picks the output activation and the reconstruction error together, per element of x̂ = out(s):

    'bce'          x̂ = σ(s)     −[t log x̂ + (1 − t) log(1 − x̂)], computed from s    t in [0, 1] (Bernoulli pixels)
    'sigmoid_mse'  x̂ = σ(s)     (t − x̂)²                                              t in [0, 1]
    'tanh_mse'     x̂ = tanh(s)  (t − x̂)²                                              t in [−1, 1]
    'mse'          x̂ = s        (t − x̂)²                                              any real t (Gaussian)

A new variant subclasses ``AutoencoderBase``, sets ``self.encoder`` and ``self.decoder`` and, if its training
loss is more than the reconstruction, overrides ``loss``; ``mg.fit(model, X=X, ...)`` then trains it.
"""
import math
import warnings

import numpy as np

from .. import nn
from ..autodiff import ShapeError, Tensor, no_grad
from ..nn import functional as F
from ..validate import choice, flatten_fix, float_data, positive_int
from ..validate import dtype as check_dtype

RECONSTRUCTIONS = {"bce": "sigmoid", "sigmoid_mse": "sigmoid", "tanh_mse": "tanh", "mse": None}  # -> output activation
ACTIVATION_RANGES = {"sigmoid": (0, 1), "tanh": (-1, 1)}  # the values a bounded activation can reach


class AutoencoderBase(nn.Module):
    """x (batch, n_in) → ``encode`` → z (batch, n_latent) → ``decode`` → x̂ (batch, n_in), with x̂ = out(decoder(z)).

    Subclasses set ``encoder`` and ``decoder`` (or override ``encode``/``decode``); ``RECONS`` lists the
    ``recon`` choices a model supports (all four unless its loss or hand-derived gradients need fewer).
    Inputs may be arrays, lists, tuples or Tensors; integer data is refused with the scaling to apply.
    """
    RECONS = tuple(RECONSTRUCTIONS)

    def __init__(self, n_in, n_latent, recon, dtype=np.float32):
        super().__init__()
        name = type(self).__name__
        self.n_in = positive_int(n_in, "n_in", name)
        self.n_latent = positive_int(n_latent, "n_latent", name)
        self.recon = choice(recon, "recon", name, self.RECONS)
        check_dtype(dtype, "dtype", name, floating=True)   # the subclass builds its layers in it
        self.out_activation = nn.activation(RECONSTRUCTIONS[recon])

    @property
    def dtype(self):
        """The parameters' dtype (float32 unless the model was built with another)."""
        return self.parameters()[0].dtype

    def encode(self, x):
        """z = encoder(x);  (batch, n_in) -> (batch, n_latent)."""
        return self.encoder(self.check_input(x, self._func("encode")))

    def decode(self, z):
        """x̂ = out(decoder(z));  (batch, n_latent) -> (batch, n_in)."""
        return self.out_activation(self.decoder(z))

    def forward(self, x):
        return self.decode(self.encode(x))

    def loss(self, x, target=None):
        """Mean over all elements of the reconstruction error (``recon``) between x̂ = decode(encode(x)) and the
        target (x itself unless given, e.g. the clean x for a denoising model): a scalar Tensor."""
        x = self.check_input(x, self._func("loss"))
        target = self.check_target(x if target is None else target, self._func("loss"))
        return self.recon_loss(self.decoder(self.encode(x)), target)

    def recon_loss(self, s, target, reduction="mean"):
        """The reconstruction error of the decoder's output pre-activation s (batch, n_in) against ``target``,
        reduced like F's losses ('mean', 'sum' or 'none'). For 'bce' it is computed from the logits s: log σ(s)
        would round to log 0 = −inf for a saturated unit."""
        if self.recon == "bce":
            return F.binary_cross_entropy_with_logits(s, target, reduction=reduction)
        return F.mse_loss(self.out_activation(s), target, reduction=reduction)

    def reconstruction_error(self, X):
        """Per-sample mean squared error ‖x − x̂‖² / n_in as a NumPy array (batch,), without building a graph."""
        X = as_numpy(self.check_input(X, self._func("reconstruction_error")))
        with no_grad():
            X_hat = self(X).data
        return np.mean((X - X_hat) ** 2, axis=-1)

    # ----- where data enters the model -----
    def check_input(self, x, func, name="x"):
        """x as the model reads it: a Tensor as it is, anything else (array, list, tuple) as a float array whose
        last axis holds the n_in features; lists and tuples take the model's dtype. ``func`` names the caller."""
        if not isinstance(x, Tensor):
            array = float_data(x, name, func)
            x = array if isinstance(x, np.ndarray) else array.astype(self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.n_in:
            fix = flatten_fix(x.shape, self.n_in, name) or f"pass rows of {self.n_in} features"
            raise ShapeError(f"{func}: {name} must be a batch of shape (batch, {self.n_in}) (n_in = {self.n_in} "
                             f"features per sample), got shape {x.shape}. Fix: {fix}.")
        if x.size == 0:
            raise ValueError(f"{func}: {name} has no samples (shape {x.shape}). Check the slice or the filter that "
                             "built it.")
        return x

    def check_batch(self, x, func, name="x"):
        """x as an array of the parameters' dtype, checked to be a batch (batch, n_in): for what averages over the
        batch (the sparse and contractive penalties) or returns one value per sample."""
        X = np.asarray(as_numpy(self.check_input(x, func, name)), dtype=self.dtype)
        if X.ndim != 2:
            raise ShapeError(f"{func}: {name} must be a batch of shape (batch, {self.n_in}), got shape {X.shape}. For "
                             f"one sample use {name}.reshape(1, -1).")
        return X

    def check_target(self, target, func, name="target"):
        """The reconstruction target, checked: recon='bce' reads every value as a probability in [0, 1]."""
        values = as_numpy(target)
        low, high = (float(values.min()), float(values.max())) if self.recon == "bce" and values.size else (0, 0)
        if math.isnan(low + high):
            raise ValueError(f"{func}: {name} holds NaN, which recon='bce' cannot read as a probability; drop or "
                             "repair those samples, e.g. X = X[np.isfinite(X).all(axis=1)].")
        if low < 0 or high > 1:
            raise ValueError(f"{func}: recon='bce' reads every value of {name} as a probability in [0, 1] (a Bernoulli "
                             f"pixel), but it has values in [{low:g}, {high:g}]. Scale the images: X / 255 for 8-bit "
                             f"images (X / {high:g} maps these into [0, 1]), or build the model with recon='mse' for "
                             "data that is not in [0, 1].")
        return target

    def check_data(self, X, func, name="X"):
        """A whole data set entering training (``fit`` calls this once): the input and target checks, and a
        warning when the output activation cannot reach the data's values."""
        if np.ndim(X) < 2:
            raise ShapeError(f"{func}: {name} must be a data set of shape (n_samples, {self.n_in}), got shape "
                             f"{np.shape(X)}; for one sample write {name}.reshape(1, -1).")
        self.check_input(X, func, name)
        self.check_target(X, func, name)
        reach = ACTIVATION_RANGES.get(RECONSTRUCTIONS[self.recon])
        values = as_numpy(X)
        if reach and values.size and (values.min() < reach[0] or values.max() > reach[1]):
            warnings.warn(f"{func}: {name} has values in [{float(values.min()):g}, {float(values.max()):g}], but "
                          f"{type(self).__name__}'s recon={self.recon!r} output only reaches ({reach[0]}, {reach[1]}), "
                          f"so it can never reconstruct them. Scale the data into that range (e.g. {name} / "
                          f"{float(np.abs(values).max()):g}), or build the model with recon='mse'.", stacklevel=3)

    def _func(self, method):
        """'Model.method', the name an error message gives the caller."""
        return f"{type(self).__name__}.{method}"

    def extra_repr(self):
        return f"n_in={self.n_in}, n_latent={self.n_latent}, recon={self.recon!r}"


def as_numpy(x):
    """The NumPy array behind x: a Tensor's data, or x as an array."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)
