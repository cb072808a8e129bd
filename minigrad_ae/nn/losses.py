"""Losses and penalties. Use them through ``minigrad_ae.nn.functional`` (``F.mse_loss`` ...).

The losses whose naive form is unstable or whose gradient a lesson derives are fused ``Function``s in
fused.py (forward and hand-written VJP side by side); the others are built here from autodiff ops.
Each function checks its inputs first, so a bad value fails here with a message, not as NaN later.
``reduction``: 'mean' (average over elements, or samples), 'sum', or 'none' (no reduction).
"""
import math

import numpy as np

from ..autodiff import ShapeError, as_array, as_tensor
from ..validate import axis as check_axis
from ..validate import number
from .fused import BCE, MSE, REDUCTIONS, BCEWithLogits, GaussianKL, KLSparsity, LogSoftmax, reduce


# ---------------------------------------------------------------- reconstruction losses


def mse_loss(input, target, reduction="mean", mask=None):
    """Mean squared error: mean((x − y)²) over all elements; x, y of the same shape. ``mask``: see ``masked``."""
    input, target = _pair("mse_loss", input, target, reduction)
    if mask is not None:
        return masked("mse_loss", MSE.apply(input, target, reduction="none"), mask, reduction, input, target)
    return MSE.apply(input, target, reduction=reduction)


def l1_loss(input, target, reduction="mean", mask=None):
    """Mean absolute error: mean(|x − y|) over all elements, x and y of the same shape; built from autodiff ops
    (|·| and a reduction), so ∂/∂x = sign(x − y)/n for 'mean' (0 where x = y) needs no code of its own.
    ``mask``: see ``masked``."""
    input, target = _pair("l1_loss", input, target, reduction)
    if mask is not None:
        return masked("l1_loss", (input - target).abs(), mask, reduction, input, target)
    return reduce((input - target).abs(), reduction)


def binary_cross_entropy(input, target, reduction="mean", mask=None):
    """−[y log p + (1 − y) log(1 − p)] per element; ``input`` p are probabilities in [0, 1]. ``mask``: see
    ``masked``."""
    target = _targets("binary_cross_entropy", target)
    input, target = _pair("binary_cross_entropy", input, target, reduction)
    p = input.data
    if p.size and not (p.min() >= 0 and p.max() <= 1):  # two reductions, no temporaries; NaN fails both
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got values from "
                         f"{np.nanmin(p):.4g} to {np.nanmax(p):.4g}. Pass the logits through sigmoid first, or "
                         "(more stable) pass the logits to binary_cross_entropy_with_logits.")
    if mask is not None:
        return masked("binary_cross_entropy", BCE.apply(input, target, reduction="none"), mask, reduction, input,
                      target)
    return BCE.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean", mask=None):
    """BCE of σ(z) computed from the logits z directly (stable for any z); z, y of the same shape. ``mask``: see
    ``masked``."""
    target = _targets("binary_cross_entropy_with_logits", target)
    logits, target = _pair("binary_cross_entropy_with_logits", logits, target, reduction, ("logits", "target"))
    if mask is not None:
        return masked("binary_cross_entropy_with_logits", BCEWithLogits.apply(logits, target, reduction="none"),
                      mask, reduction, logits, target)
    return BCEWithLogits.apply(logits, target, reduction=reduction)


# ---------------------------------------------------------------- classification


def log_softmax(x, axis=-1):
    """log softmax(x) along ``axis``: x − log Σₖ e^{xₖ}, computed stably."""
    return _log_softmax(x, axis, "log_softmax")


def softmax(x, axis=-1):
    """e^{xᵢ} / Σₖ e^{xₖ} along ``axis`` (the exp of ``log_softmax``, so it never overflows)."""
    return _log_softmax(x, axis, "softmax").exp()


def _log_softmax(x, axis, func):
    x = as_tensor(x, "x", func)
    axis = check_axis(axis, x.ndim, "axis", func)
    if x.shape[axis] == 0:
        raise ShapeError(f"{func}: axis {axis} of x (shape {x.shape}) is empty; a softmax needs at least one value.")
    return LogSoftmax.apply(x, axis=axis)


def cross_entropy(logits, labels, reduction="mean"):
    """−log softmax(logits)[label] per sample; logits (batch, classes) or (classes,), integer labels (batch,) or ()."""
    check_reduction("cross_entropy", reduction)
    logits, labels = as_tensor(logits, "logits", "cross_entropy"), as_array(labels, "labels", "cross_entropy")
    if logits.ndim == 0 or labels.shape != logits.shape[:-1]:
        raise ShapeError(f"cross_entropy: labels of shape {labels.shape} do not fit logits of shape {logits.shape}; "
                         "with logits (batch, classes) the labels must be (batch,), one class index per sample.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"cross_entropy: labels must be integer class indices, got dtype {labels.dtype}. "
                        "Use labels.astype(np.int64) (mg.tensor makes float32 unless given dtype=np.int64).")
    classes = logits.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {classes}) for {classes} classes, got values from "
                         f"{labels.min()} to {labels.max()}.")
    check_not_empty("cross_entropy", labels.shape, reduction, "labels")
    picked = log_softmax(logits)[tuple(np.indices(labels.shape, sparse=True)) + (labels,)]
    return reduce(-picked, reduction)


# ---------------------------------------------------------------- regularisers of the code


def l1_penalty(h, reduction="mean"):
    """Σⱼ |hⱼ| per row of h (batch, hidden), then the mean ('mean') or sum ('sum') over rows, or per row ('none')."""
    check_reduction("l1_penalty", reduction)
    h = as_tensor(h, "h", "l1_penalty")
    if h.ndim == 0:
        raise ShapeError("l1_penalty: h must be codes of shape (batch, hidden) or (hidden,), got a scalar.")
    check_not_empty("l1_penalty", h.shape[:-1], reduction, f"h of shape {h.shape}")   # one value per row
    return reduce(h.abs().sum(axis=-1), reduction)


def kl_sparsity(rho_hat, rho):
    """Σⱼ KL(ρ ‖ ρ̂ⱼ) between the target activation ρ and each unit's mean activation ρ̂ⱼ (a scalar).

    NaN in ρ̂ (a diverged model, NaN data) gives a NaN penalty, which ``fit`` stops on, as for any loss."""
    rho_hat = as_tensor(rho_hat, "rho_hat", "kl_sparsity")
    rho = number(rho, "the target activation rho", "kl_sparsity", low=0, high=1, low_open=True, high_open=True)
    values = rho_hat.data
    if np.any((values <= 0) | (values >= 1)):
        raise ValueError(
            f"kl_sparsity: every rho_hat must lie strictly inside (0, 1), got values from "
            f"{np.nanmin(values):.4g} to {np.nanmax(values):.4g}; log(rho_hat) or log(1 - rho_hat) would be NaN or "
            "infinite. This happens e.g. when ReLU activations are averaged (a dead unit averages to 0, a large one "
            "above 1). Fix: use sigmoid hidden activations, whose averages stay inside (0, 1).")
    return KLSparsity.apply(rho_hat, rho=rho)


def gaussian_kl(mu, logvar, reduction="sum"):
    """KL(N(μ, e^logvar) ‖ N(0, I)) = −½ Σⱼ (1 + logvarⱼ − μⱼ² − e^logvarⱼ) per row of (batch, latent),
    then summed over the batch ('sum'), averaged ('mean') or per sample ('none')."""
    mu, logvar = _pair("gaussian_kl", mu, logvar, reduction, names=("mu", "logvar"))
    if mu.ndim == 0:
        raise ShapeError("gaussian_kl: mu and logvar must be (batch, latent) or (latent,), got scalars.")
    return GaussianKL.apply(mu, logvar, reduction=reduction)


# ---------------------------------------------------------------- masked losses: only the observed entries count


def masked(name, elementwise, mask, reduction, *data):
    """Reduce per-element losses ℓ over the entries ``mask`` keeps (1 or True: observed; 0 or False: missing):
    'mean' is the mean over the observed entries only, 'sum' their sum, 'none' ℓ with the hidden entries zeroed
    (ℓ's shape). The mask broadcasts to ℓ's shape (a (features,) mask hides whole columns); a hidden entry gets no
    gradient. The losses call it for their ``mask=`` argument; ``data`` (their input and target) must not hold NaN
    where the mask hides it."""
    observed = _observed(name, mask, elementwise.shape)
    for tensor in data:   # NaN is how missing values usually arrive, and 0·NaN is NaN, in the loss and its gradient
        hidden_nan = np.isnan(tensor.data) & ~observed
        if hidden_nan.any():
            raise ValueError(f"{name}: {hidden_nan.sum()} entries the mask hides hold NaN; hidden entries still "
                             "enter the arithmetic (0·NaN = NaN), so fill them first, e.g. x = np.where(mask, x, 0) "
                             "or the column means of the observed entries.")
    count = int(np.broadcast_to(observed, elementwise.shape).sum())
    if reduction == "mean" and count == 0:
        raise ValueError(f"{name}: the mask hides every entry; the mean over no observed entries is undefined. "
                         "Check the mask (1 or True where a value is observed), or use reduction='sum'.")
    # BEGIN SOLUTION masked_reduction
    # L = Σ m⊙ℓ / Σ m ('mean'), Σ m⊙ℓ ('sum'), m⊙ℓ ('none'): multiplying by m zeroes a hidden entry's value and,
    # by the product rule, its gradient (∂L/∂x = m⊙∂ℓ/∂x / Σ m).
    kept = elementwise * observed.astype(elementwise.dtype)
    if reduction == "none":
        return kept
    return kept.sum() / count if reduction == "mean" else kept.sum()
    # END SOLUTION


def _observed(name, mask, shape):
    """The mask as a bool array that broadcasts to ``shape``: True/1 observed, False/0 missing, nothing else."""
    mask = as_array(mask, "mask", name)
    other = ~((mask == 0) | (mask == 1))   # NaN fails both tests
    if other.any():
        raise ValueError(f"{name}: mask must hold 1 (or True) where a value is observed and 0 (or False) where it "
                         f"is missing, got {mask[other].flat[0]:.4g} (and {other.sum() - 1} more entries that are "
                         "neither). Build it as mask = ~np.isnan(x), or mask = weights > 0.")
    try:
        fits = np.broadcast_shapes(mask.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{name}: mask of shape {mask.shape} does not broadcast to the loss's shape {shape}; give "
                         f"it that shape, or a shape that broadcasts to it (e.g. ({shape[-1] if shape else 1},) "
                         "for one mask shared by every row).")
    return mask.astype(bool, copy=False)


# ---------------------------------------------------------------- shared helpers


def check_reduction(name, reduction):
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def _targets(name, target):
    """BCE targets are probabilities: 0..255 images would give a negative, unbounded loss that trains to nonsense.
    Checked before the shapes, so unscaled pixels are named as such whatever their shape."""
    target = as_tensor(target, "target", name)
    y = target.data
    if y.size and not (y.min() >= 0 and y.max() <= 1):
        if np.isnan(y).any():   # NaN data (missing values), not unscaled data: say so, not a range
            raise ValueError(f"{name}: target holds NaN; BCE needs targets in [0, 1] (a probability per element). "
                             "If NaN marks missing values, fill them (e.g. with the column means of the observed "
                             "entries) and pass mask=~np.isnan(target), so that only the observed entries count.")
        raise ValueError(f"{name}: target holds values from {y.min():.4g} to {y.max():.4g}; BCE needs targets in "
                         "[0, 1] (a probability per element). Scale the images: X / 255 for 8-bit pixels, "
                         "X / X.max() for other ranges.")
    return target


def _pair(name, input, target, reduction, names=("input", "target")):
    """Both as tensors (lists accepted), of one shape: broadcasting (batch, 1) against (batch,) would silently
    give a wrong loss. A mean over no elements is refused: it would be NaN."""
    check_reduction(name, reduction)
    input, target = as_tensor(input, names[0], name), as_tensor(target, names[1], name)
    if input.shape != target.shape:
        raise ShapeError(f"{name}: {names[0]} has shape {input.shape} but {names[1]} has shape {target.shape}; they "
                         f"must match. Fix: reshape one of them, e.g. {names[1]}.reshape({names[0]}.shape).")
    check_not_empty(name, input.shape, reduction, names[0])
    return input, target


def check_not_empty(name, shape, reduction, what):
    """A mean over the values of ``shape``, when there are none, would be 0/0 = NaN."""
    if reduction == "mean" and math.prod(shape) == 0:
        raise ValueError(f"{name}: {what} is empty (shape {shape}); the mean of no elements is undefined. Check the "
                         "slice or the batch that built it.")
