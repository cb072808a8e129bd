"""Losses and penalties. Use them through ``minigrad_ae.nn.functional`` (``F.mse_loss`` ...).

The losses whose naive form is unstable or whose gradient a lesson derives are fused ``Function``s in
fused.py (forward and hand-written VJP side by side); the others are built here from autodiff ops.
Each function checks its inputs first, so a bad value fails here with a message, not as NaN later.
``reduction``: 'mean' (average over elements, or samples), 'sum', or 'none' (no reduction).
"""
import numpy as np

from ..autodiff import ShapeError, as_array, as_tensor
from .fused import BCE, MSE, REDUCTIONS, BCEWithLogits, GaussianKL, KLSparsity, LogSoftmax, reduce


# ---------------------------------------------------------------- reconstruction losses


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: mean((x − y)²) over all elements; x, y of the same shape."""
    _check_pair("mse_loss", input, target, reduction)
    return MSE.apply(input, target, reduction=reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: mean(|x − y|) over all elements, x and y of the same shape; built from autodiff ops
    (|·| and a reduction), so ∂/∂x = sign(x − y)/n for 'mean' (0 where x = y) needs no code of its own."""
    _check_pair("l1_loss", input, target, reduction)
    return reduce((as_tensor(input) - target).abs(), reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """−[y log p + (1 − y) log(1 − p)] per element; ``input`` p are probabilities in [0, 1]."""
    _check_pair("binary_cross_entropy", input, target, reduction)
    p = as_array(input)
    if p.size and not (p.min() >= 0 and p.max() <= 1):  # two reductions, no temporaries; NaN fails both
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got values from "
                         f"{np.nanmin(p):.4g} to {np.nanmax(p):.4g}. Pass the logits through sigmoid first, or "
                         "(more stable) pass the logits to binary_cross_entropy_with_logits.")
    _check_targets("binary_cross_entropy", target)
    return BCE.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """BCE of σ(z) computed from the logits z directly (stable for any z); z, y of the same shape."""
    _check_pair("binary_cross_entropy_with_logits", logits, target, reduction)
    _check_targets("binary_cross_entropy_with_logits", target)
    return BCEWithLogits.apply(logits, target, reduction=reduction)


# ---------------------------------------------------------------- classification


def log_softmax(x, axis=-1):
    """log softmax(x) along ``axis``: x − log Σₖ e^{xₖ}, computed stably."""
    return LogSoftmax.apply(x, axis=axis)


def softmax(x, axis=-1):
    """e^{xᵢ} / Σₖ e^{xₖ} along ``axis`` (the exp of ``log_softmax``, so it never overflows)."""
    return log_softmax(x, axis).exp()


def cross_entropy(logits, labels, reduction="mean"):
    """−log softmax(logits)[label] per sample; logits (batch, classes) or (classes,), integer labels (batch,) or ()."""
    check_reduction("cross_entropy", reduction)
    labels = as_array(labels)
    logits_shape = np.shape(as_array(logits))
    if len(logits_shape) == 0 or labels.shape != logits_shape[:-1]:
        raise ShapeError(f"cross_entropy: labels of shape {labels.shape} do not fit logits of shape {logits_shape}; "
                         "with logits (batch, classes) the labels must be (batch,), one class index per sample.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"cross_entropy: labels must be integer class indices, got dtype {labels.dtype}. "
                        "Use labels.astype(np.int64) (mg.tensor makes float32 unless given dtype=np.int64).")
    classes = logits_shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {classes}) for {classes} classes, got values from "
                         f"{labels.min()} to {labels.max()}.")
    picked = log_softmax(logits)[tuple(np.indices(labels.shape, sparse=True)) + (labels,)]
    return reduce(-picked, reduction)


# ---------------------------------------------------------------- regularisers of the code


def l1_penalty(h, reduction="mean"):
    """Σⱼ |hⱼ| per row of h (batch, hidden), then the mean ('mean') or sum ('sum') over rows, or per row ('none')."""
    check_reduction("l1_penalty", reduction)
    return reduce(as_tensor(h).abs().sum(axis=-1), reduction)


def kl_sparsity(rho_hat, rho):
    """Σⱼ KL(ρ ‖ ρ̂ⱼ) between the target activation ρ and each unit's mean activation ρ̂ⱼ (a scalar)."""
    rho_hat_data = as_array(rho_hat)
    if np.ndim(rho) != 0 or not 0 < rho < 1:
        raise ValueError(f"kl_sparsity: the target activation rho must be a number in (0, 1), got {rho!r}.")
    if not np.all((rho_hat_data > 0) & (rho_hat_data < 1)):
        raise ValueError(
            f"kl_sparsity: every rho_hat must lie strictly inside (0, 1), got values from "
            f"{np.nanmin(rho_hat_data):.4g} to {np.nanmax(rho_hat_data):.4g}; log(rho_hat) or log(1 - rho_hat) would be NaN or infinite. This "
            "happens e.g. when ReLU activations are averaged (a dead unit averages to 0, a large one above 1). "
            "Fix: use sigmoid hidden activations, whose averages stay inside (0, 1).")
    return KLSparsity.apply(rho_hat, rho=rho)


def gaussian_kl(mu, logvar, reduction="sum"):
    """KL(N(μ, e^logvar) ‖ N(0, I)) = −½ Σⱼ (1 + logvarⱼ − μⱼ² − e^logvarⱼ) per row of (batch, latent),
    then summed over the batch ('sum'), averaged ('mean') or per sample ('none')."""
    _check_pair("gaussian_kl", mu, logvar, reduction, names=("mu", "logvar"))
    return GaussianKL.apply(as_tensor(mu), as_tensor(logvar), reduction=reduction)


# ---------------------------------------------------------------- shared helpers


def check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def _check_targets(name, target):
    """BCE targets are probabilities: 0..255 images would give a negative, unbounded loss that trains to nonsense."""
    y = as_array(target)
    if y.size and not (y.min() >= 0 and y.max() <= 1):
        raise ValueError(f"{name}: target holds values from {np.nanmin(y):.4g} to {np.nanmax(y):.4g}; BCE needs "
                         "targets in [0, 1] (a probability per element). Scale the images: X / 255 for 8-bit "
                         "pixels, X / X.max() for other ranges.")


def _check_pair(name, input, target, reduction, names=("input", "target")):
    """Refuse different shapes: broadcasting (batch, 1) against (batch,) would silently give a wrong loss."""
    check_reduction(name, reduction)
    a, b = np.shape(as_array(input)), np.shape(as_array(target))
    if a != b:
        raise ShapeError(f"{name}: {names[0]} has shape {a} but {names[1]} has shape {b}; they must match. "
                         f"Fix: reshape one of them, e.g. {names[1]}.reshape({names[0]}.shape).")

