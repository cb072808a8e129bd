"""Stateless building blocks: ``from minigrad_ae.nn import functional as F``.

The layers in ``layers.py`` call these; the losses live in ``losses.py`` and the convolutions in ``conv.py``,
and are re-exported here. Shapes: x is (batch, features) or a single sample (features,); images (N, C, H, W).
"""
import numpy as np

from ..autodiff import ShapeError, Tensor, as_tensor, ops
from ..validate import generator
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
    x = as_tensor(x)
    out_features, in_features = weight.shape
    if x.ndim == 0 or x.shape[-1] != in_features:
        if x.size == in_features:                               # one sample, e.g. an 8×8 image for 64 inputs
            fix = f"it looks like one sample: flatten it to a batch of one, x.reshape(1, {in_features})"
        elif x.ndim > 2 and np.prod(x.shape[1:]) == in_features:  # a batch of images for a flat layer
            fix = f"flatten each sample: x.reshape(len(x), {in_features})"
        else:
            fix = f"build the layer as Linear({x.shape[-1] if x.ndim else '?'}, {out_features}) if this is its input"
        raise ShapeError(f"linear: input of shape {x.shape} does not fit a layer with in_features={in_features}, "
                         f"out_features={out_features} (weight {weight.shape}); the input's last dimension must be "
                         f"{in_features}. Fix: {fix}.")
    if bias is None:
        return Affine.apply(x, weight)
    if bias.shape != (out_features,):
        raise ShapeError(f"linear: bias of shape {bias.shape} does not fit weight {weight.shape}; it must be "
                         f"({out_features},).")
    return Affine.apply(x, weight, bias)


# ---------------------------------------------------------------- activations (ops from autodiff)


def relu(x):
    """max(x, 0) elementwise."""
    return ops.ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope · x."""
    return ops.LeakyReLU.apply(x, slope=negative_slope)


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ) elementwise."""
    return ops.Sigmoid.apply(x)


def tanh(x):
    """tanh(x) elementwise."""
    return ops.Tanh.apply(x)


# ---------------------------------------------------------------- regularising layers


def dropout(x, p=0.5, training=True, rng=None):
    """Inverted dropout: zero each element with probability p and scale survivors by 1/(1 − p), so E[output] = x.

    Identity when ``training`` is False. The mask is drawn from ``rng`` (a fresh unseeded generator if None).
    """
    check_dropout_p(p)
    if not training or p == 0:
        return x
    x = as_tensor(x)
    keep = generator(rng, "dropout").random(x.shape) >= p  # each element survives with probability 1 − p
    return x * (keep / (1 - p)).astype(x.dtype)


def check_dropout_p(p):
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p is the probability of dropping an element and must satisfy 0 <= p < 1, got {p} "
                         "(p = 1 would zero everything and divide by 0 when rescaling).")


def batch_norm(x, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5):
    """y = γ (x − μ) / √(σ² + ε) + β per feature; x (batch, features), γ, β, running stats (features,).

    Training: μ, σ² are the batch mean and biased variance, and the running stats are updated in place
    (running ← (1 − momentum)·running + momentum·batch, with the unbiased variance). Evaluation: μ, σ²
    are the running stats, which are constants here (no gradient flows into them).
    """
    features = weight.shape[0]
    if x.ndim != 2 or x.shape[1] != features:
        raise ShapeError(f"batch_norm: input of shape {x.shape} does not fit num_features={features}; it must be "
                         f"(batch, {features}). Fix: BatchNorm1d(n) with n = the previous layer's out_features.")
    if not training:
        inv_std = 1 / np.sqrt(running_var + eps)
        return (x - running_mean) * (weight * inv_std) + bias
    if x.shape[0] < 2:
        raise ValueError(f"batch_norm: training needs at least 2 samples per batch to compute a variance, got input "
                         f"of shape {x.shape}. Use larger batches, or call model.eval() to use the running statistics.")
    return BatchNorm.apply(x, weight, bias, eps=eps, momentum=momentum, running_mean=running_mean,
                           running_var=running_var)


# ---------------------------------------------------------------- variational autoencoder


def reparameterize(mu, logvar, eps=None, rng=None):
    """z = μ + e^{½·logvar} ⊙ ε with ε ~ N(0, I); returns ``(z, eps)``.

    ε is drawn from ``rng`` unless given (an array shaped like μ); it is returned so a hand-derived gradient
    can reuse it: ∂z/∂μ = 1, ∂z/∂logvar = ½·e^{½·logvar} ⊙ ε. No gradient flows into ε.
    """
    mu, logvar = as_tensor(mu), as_tensor(logvar)
    if logvar.shape != mu.shape:
        raise ShapeError(f"reparameterize: mu has shape {mu.shape} but logvar has shape {logvar.shape}; "
                         "they must match.")
    if eps is None:
        eps = generator(rng, "reparameterize").standard_normal(mu.shape)
    eps = np.asarray(eps.data if isinstance(eps, Tensor) else eps, dtype=mu.dtype)
    if eps.shape != mu.shape:
        raise ShapeError(f"reparameterize: eps has shape {eps.shape} but mu has shape {mu.shape}; they must match.")
    return mu + (0.5 * logvar).exp() * eps, eps
