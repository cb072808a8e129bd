"""Stateless building blocks: ``from minigrad_ae.nn import functional as F``.

The layers in ``layers.py`` call these; the losses live in ``losses.py`` and the convolutions in ``conv.py``,
and are re-exported here. Shapes: x is (batch, features) or a single sample (features,); images (N, C, H, W).
"""
import numpy as np

from ..autodiff import ShapeError, as_array, as_tensor, ops
from ..validate import flatten_fix, fraction, generator, is_real, number
from .conv import conv2d, conv_transpose2d
from .fused import Affine, BatchNorm
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, gaussian_kl,
                     kl_sparsity, l1_loss, l1_penalty, log_softmax, mse_loss, softmax)
from .penalties import contractive_penalty
from .quantize import vector_quantize

__all__ = ["batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "contractive_penalty", "conv2d",
           "conv_transpose2d", "cross_entropy", "dropout", "gaussian_kl", "kl_sparsity", "l1_loss", "l1_penalty", "leaky_relu", "linear",
           "log_softmax", "mse_loss", "relu", "reparameterize", "sigmoid", "softmax", "tanh", "vector_quantize"]


# ---------------------------------------------------------------- affine map


def linear(x, weight, bias=None):
    """y = x Wᵀ + b;  x (..., in), W (out, in), b (out,) or None  ->  y (..., out)."""
    x, weight = as_tensor(x, "x", "linear"), as_tensor(weight, "weight", "linear")
    if weight.ndim != 2:
        raise ShapeError(f"linear: weight must be 2-d (out_features, in_features), got shape {weight.shape}.")
    out_features, in_features = weight.shape
    if x.ndim == 0 or x.shape[-1] != in_features:
        fix = flatten_fix(x.shape, in_features) or (f"build the layer as Linear({x.shape[-1] if x.ndim else '?'}, "
                                                    f"{out_features}) if this is its input")
        raise ShapeError(f"linear: input of shape {x.shape} does not fit a layer with in_features={in_features}, "
                         f"out_features={out_features} (weight {weight.shape}); the input's last dimension must be "
                         f"{in_features}. Fix: {fix}.")
    if bias is None:
        return Affine.apply(x, weight)
    bias = as_tensor(bias, "bias", "linear")
    if bias.shape != (out_features,):
        raise ShapeError(f"linear: bias of shape {bias.shape} does not fit weight {weight.shape}; it must be "
                         f"({out_features},).")
    return Affine.apply(x, weight, bias)


# ---------------------------------------------------------------- activations (ops from autodiff)


def relu(x):
    """max(x, 0) elementwise."""
    return ops.ReLU.apply(as_tensor(x, "x", "relu"))


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope · x."""
    return ops.LeakyReLU.apply(as_tensor(x, "x", "leaky_relu"),
                               slope=number(negative_slope, "negative_slope", "leaky_relu"))


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ) elementwise."""
    return ops.Sigmoid.apply(as_tensor(x, "x", "sigmoid"))


def tanh(x):
    """tanh(x) elementwise."""
    return ops.Tanh.apply(as_tensor(x, "x", "tanh"))


# ---------------------------------------------------------------- regularising layers


def dropout(x, p=0.5, training=True, rng=None):
    """Inverted dropout: zero each element with probability p and scale survivors by 1/(1 − p), so E[output] = x.

    Identity when ``training`` is False. The mask is drawn from ``rng`` (a fresh unseeded generator if None).
    """
    x, p = as_tensor(x, "x", "dropout"), check_dropout_p(p, "dropout")
    if not training or p == 0:
        return x
    keep = generator(rng, "dropout").random(x.shape) >= p  # each element survives with probability 1 − p
    return x * (keep / (1 - p)).astype(x.dtype)


def check_dropout_p(p, func="dropout"):
    """p, the probability of dropping an element, as a float in [0, 1)."""
    rule = (f"{func}: p is the probability of dropping an element and must satisfy 0 <= p < 1, got {p!r} "
            "(p = 1 would zero everything and divide by 0 when rescaling).")
    if not is_real(p):
        raise TypeError(rule)
    if not 0 <= p < 1:
        raise ValueError(rule)
    return float(p)


def batch_norm(x, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5):
    """y = γ (x − μ) / √(σ² + ε) + β per feature; x (batch, features), γ, β, running stats (features,).

    Training: μ, σ² are the batch mean and biased variance, and the running stats are updated in place
    (running ← (1 − momentum)·running + momentum·batch, with the unbiased variance). Evaluation: μ, σ²
    are the running stats, which are constants here (no gradient flows into them).
    """
    x, weight, bias = (as_tensor(a, name, "batch_norm") for a, name in ((x, "x"), (weight, "weight"), (bias, "bias")))
    features = weight.shape[0] if weight.ndim == 1 else None
    if features is None or bias.shape != weight.shape:
        raise ShapeError(f"batch_norm: weight and bias must be vectors (num_features,) of one size, got shapes "
                         f"{weight.shape} and {bias.shape}.")
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if not (isinstance(stat, np.ndarray) and stat.dtype.kind == "f" and stat.shape == (features,)):
            raise TypeError(f"batch_norm: {name} must be a float array of shape ({features},), updated in place, got "
                            f"{type(stat).__name__} {np.shape(stat) if isinstance(stat, np.ndarray) else stat!r:.60}.")
    eps = number(eps, "eps", "batch_norm", low=0, low_open=True)
    if x.ndim != 2 or x.shape[1] != features:
        raise ShapeError(f"batch_norm: input of shape {x.shape} does not fit num_features={features}; it must be "
                         f"(batch, {features}). Fix: BatchNorm1d(n) with n = the previous layer's out_features.")
    if not training:
        inv_std = 1 / np.sqrt(running_var + eps)
        return (x - running_mean) * (weight * inv_std) + bias
    if x.shape[0] < 2:
        raise ValueError(f"batch_norm: training needs at least 2 samples per batch to compute a variance, got input "
                         f"of shape {x.shape}. Use larger batches, or call model.eval() to use the running statistics.")
    momentum = fraction(momentum, "momentum", "batch_norm")   # only training moves the running statistics
    return BatchNorm.apply(x, weight, bias, eps=eps, momentum=momentum, running_mean=running_mean,
                           running_var=running_var)


# ---------------------------------------------------------------- variational autoencoder


def reparameterize(mu, logvar, eps=None, rng=None):
    """z = μ + e^{½·logvar} ⊙ ε with ε ~ N(0, I); returns ``(z, eps)``.

    ε is drawn from ``rng`` unless given (an array shaped like μ); it is returned so a hand-derived gradient
    can reuse it: ∂z/∂μ = 1, ∂z/∂logvar = ½·e^{½·logvar} ⊙ ε. No gradient flows into ε.
    """
    mu, logvar = as_tensor(mu, "mu", "reparameterize"), as_tensor(logvar, "logvar", "reparameterize")
    if logvar.shape != mu.shape:
        raise ShapeError(f"reparameterize: mu has shape {mu.shape} but logvar has shape {logvar.shape}; "
                         "they must match.")
    if eps is None:
        eps = generator(rng, "reparameterize").standard_normal(mu.shape)
    eps = as_array(eps, "eps", "reparameterize").astype(mu.dtype, copy=False)
    if eps.shape != mu.shape:
        raise ShapeError(f"reparameterize: eps has shape {eps.shape} but mu has shape {mu.shape}; they must match.")
    return mu + (0.5 * logvar).exp() * eps, eps
