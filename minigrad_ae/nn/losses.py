"""Losses and penalties. Use them through ``minigrad_ae.nn.functional`` (``F.mse_loss`` ...).

The losses whose naive form is unstable or whose gradient a lesson derives are fused ``Function``s
(forward and hand-written VJP side by side); the others are built from autodiff ops.
Each wrapper checks its inputs first, so a bad value fails here with a message, not as NaN later.
``reduction``: 'mean' (average over elements, or samples), 'sum', or 'none' (no reduction).
"""
import numpy as np

from .. import kernels
from ..autodiff import Function, ShapeError, Tensor, tensor

REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------- reconstruction losses


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: mean((x − y)²) over all elements; x, y of the same shape."""
    _check_pair("mse_loss", input, target, reduction)
    return MSE.apply(input, target, reduction=reduction)


def binary_cross_entropy(input, target, reduction="mean"):
    """−[y log p + (1 − y) log(1 − p)] per element; ``input`` p are probabilities in [0, 1]."""
    _check_pair("binary_cross_entropy", input, target, reduction)
    p = _data(input)
    if p.size and not (p.min() >= 0 and p.max() <= 1):  # two reductions, no temporaries; NaN fails both
        raise ValueError(f"binary_cross_entropy: input must hold probabilities in [0, 1], got values from "
                         f"{np.nanmin(p):.4g} to {np.nanmax(p):.4g}. Pass the logits through sigmoid first, or "
                         "(more stable) pass the logits to binary_cross_entropy_with_logits.")
    return BCE.apply(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """BCE of σ(z) computed from the logits z directly (stable for any z); z, y of the same shape."""
    _check_pair("binary_cross_entropy_with_logits", logits, target, reduction)
    return BCEWithLogits.apply(logits, target, reduction=reduction)


class MSE(Function):
    """ℓᵢ = (xᵢ − yᵢ)²;  ∂ℓ/∂x = 2(x − y)·g (÷ n for 'mean'),  ∂ℓ/∂y = −∂ℓ/∂x."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        ctx.save_for_backward(diff)
        if reduction == "none":
            return _reduced(ctx, diff * diff, reduction)
        ctx.reduction, ctx.n = reduction, diff.size
        total = np.vdot(diff, diff)   # Σ(x − y)² as a BLAS dot product: one pass, no temporary
        return total / diff.size if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        (diff,) = ctx.saved
        gx = 2 * _upstream(ctx, g) * diff
        need_x, need_y = ctx.needs_input_grad
        return (gx if need_x else None), (-gx if need_y else None)


class BCE(Function):
    """ℓᵢ = −[y log p + (1 − y) log(1 − p)], each log clamped at −100 (so p = 0 or 1 costs 100, not ∞);
    ∂ℓ/∂p = (p − y) / (p(1 − p)) (denominator floored at 1e-12),  ∂ℓ/∂y = log(1 − p) − log p."""

    @staticmethod
    def forward(ctx, p, y, reduction):
        ctx.save_for_backward(p, y)
        ctx.reduction, ctx.n = reduction, p.size
        if reduction == "none":
            return kernels.bce_elementwise(p, y)
        total = kernels.bce_sum(p, y)   # one fused pass after the two logs (kernels/losses.py)
        return total / p.size if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved
        up = _upstream(ctx, g)
        need_p, need_y = ctx.needs_input_grad
        if need_y:   # rare (the target is usually data): the logs are recomputed rather than kept from forward
            log_p, log_q = kernels.bce_logs(p)
        return ((kernels.bce_grad(p, y, up) if need_p else None),   # up·(p − y)/max(p(1 − p), 1e-12)
                (up * (log_q - log_p) if need_y else None))


class BCEWithLogits(Function):
    """ℓᵢ = max(z, 0) − z·y + log(1 + e^−|z|)  (= log(1 + eᶻ) − z·y without overflow);
    ∂ℓ/∂z = σ(z) − y,  ∂ℓ/∂y = −z."""

    @staticmethod
    def forward(ctx, z, y, reduction):
        softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))  # log(1 + eᶻ)
        ctx.save_for_backward(z, y, softplus)
        return _reduced(ctx, softplus - z * y, reduction)

    @staticmethod
    def backward(ctx, g):
        z, y, softplus = ctx.saved
        up = _upstream(ctx, g)
        need_z, need_y = ctx.needs_input_grad
        sigmoid = np.exp(z - softplus)  # σ(z) = eᶻ / (1 + eᶻ), with an exponent that is always ≤ 0
        return (up * (sigmoid - y) if need_z else None), (-up * z if need_y else None)


# ---------------------------------------------------------------- classification


def log_softmax(x, axis=-1):
    """log softmax(x) along ``axis``: x − log Σₖ e^{xₖ}, computed stably."""
    return LogSoftmax.apply(x, axis=axis)


def softmax(x, axis=-1):
    """e^{xᵢ} / Σₖ e^{xₖ} along ``axis`` (the exp of ``log_softmax``, so it never overflows)."""
    return log_softmax(x, axis).exp()


def cross_entropy(logits, labels, reduction="mean"):
    """−log softmax(logits)[label] per sample; logits (batch, classes) or (classes,), integer labels (batch,) or ()."""
    _check_reduction("cross_entropy", reduction)
    labels = _data(labels)
    logits_shape = np.shape(_data(logits))
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
    return _reduce(-picked, reduction)


class LogSoftmax(Function):
    """z = a − log Σₖ e^{aₖ} along ``axis`` (a shifted by its max first, so every e^{…} ≤ 1);
    ∂L/∂a = g − softmax(a) · Σₖ gₖ."""
    hint = "axis must be one of the input's dimensions (-1 for the last)."

    @staticmethod
    def forward(ctx, a, axis):
        shifted = a - a.max(axis=axis, keepdims=True)
        z = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(z)
        ctx.axis = axis
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return (g - np.exp(z) * g.sum(axis=ctx.axis, keepdims=True),)


# ---------------------------------------------------------------- regularisers of the code


def l1_penalty(h, reduction="mean"):
    """Σⱼ |hⱼ| per row of h (batch, hidden), then the mean ('mean') or sum ('sum') over rows, or per row ('none')."""
    _check_reduction("l1_penalty", reduction)
    return _reduce(_as_tensor(h).abs().sum(axis=-1), reduction)


def kl_sparsity(rho_hat, rho):
    """Σⱼ KL(ρ ‖ ρ̂ⱼ) between the target activation ρ and each unit's mean activation ρ̂ⱼ (a scalar)."""
    rho_hat_data = _data(rho_hat)
    if np.ndim(rho) != 0 or not 0 < rho < 1:
        raise ValueError(f"kl_sparsity: the target activation rho must be a number in (0, 1), got {rho!r}.")
    if not np.all((rho_hat_data > 0) & (rho_hat_data < 1)):
        raise ValueError(
            f"kl_sparsity: every rho_hat must lie strictly inside (0, 1), got values from "
            f"{np.nanmin(rho_hat_data):.4g} to {np.nanmax(rho_hat_data):.4g}; log(rho_hat) or log(1 - rho_hat) would be NaN or infinite. This "
            "happens e.g. when ReLU activations are averaged (a dead unit averages to 0, a large one above 1). "
            "Fix: use sigmoid hidden activations, whose averages stay inside (0, 1).")
    return KLSparsity.apply(rho_hat, rho=rho)


class KLSparsity(Function):
    """KL = Σⱼ ρ log(ρ/ρ̂ⱼ) + (1 − ρ) log((1 − ρ)/(1 − ρ̂ⱼ));  ∂L/∂ρ̂ⱼ = g·(−ρ/ρ̂ⱼ + (1 − ρ)/(1 − ρ̂ⱼ))."""

    @staticmethod
    def forward(ctx, rho_hat, rho):
        rho = rho_hat.dtype.type(rho)  # a float64 constant must not promote a float32 graph
        ctx.save_for_backward(rho_hat)
        ctx.rho = rho
        return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION kl_sparsity_backward
        (rho_hat,) = ctx.saved
        rho = ctx.rho
        return (g * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)),)
        # END SOLUTION


def gaussian_kl(mu, logvar, reduction="sum"):
    """KL(N(μ, e^logvar) ‖ N(0, I)) = −½ Σⱼ (1 + logvarⱼ − μⱼ² − e^logvarⱼ) per row of (batch, latent),
    then summed over the batch ('sum'), averaged ('mean') or per sample ('none')."""
    _check_pair("gaussian_kl", mu, logvar, reduction, names=("mu", "logvar"))
    return GaussianKL.apply(_as_tensor(mu), _as_tensor(logvar), reduction=reduction)


class GaussianKL(Function):
    """KLᵢ = −½ Σⱼ (1 + logvarᵢⱼ − μᵢⱼ² − e^logvarᵢⱼ) per row;  ∂KLᵢ/∂μ = μ,  ∂KLᵢ/∂logvar = ½(e^logvar − 1).

    One fused op: composed from autodiff ops it was nine graph nodes on small arrays, all overhead.
    """

    @staticmethod
    def forward(ctx, mu, logvar, reduction):
        var = np.exp(logvar)
        ctx.save_for_backward(mu, var)
        return _reduced(ctx, -0.5 * (1 + logvar - mu * mu - var).sum(axis=-1), reduction)

    @staticmethod
    def backward(ctx, g):
        mu, var = ctx.saved
        up = np.expand_dims(_upstream(ctx, g), -1)   # ∂L/∂KLᵢ, one per row, spread over the row's latent units
        need_mu, need_logvar = ctx.needs_input_grad
        return (up * mu if need_mu else None), (0.5 * up * (var - 1) if need_logvar else None)


# ---------------------------------------------------------------- shared helpers


def _reduced(ctx, values, reduction):
    """Inside a fused loss's forward: remember how the elementwise ℓᵢ were reduced, then reduce them."""
    ctx.reduction, ctx.n = reduction, values.size
    return _reduce(values, reduction)


def _upstream(ctx, g):
    """∂L/∂ℓᵢ for each element: g itself for 'none' and 'sum' (broadcast), g / n for 'mean'."""
    return g / ctx.n if ctx.reduction == "mean" else g


def _reduce(values, reduction):
    """Works on arrays (in a Function's forward) and on Tensors (in the composed losses)."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def _check_pair(name, input, target, reduction, names=("input", "target")):
    """Refuse different shapes: broadcasting (batch, 1) against (batch,) would silently give a wrong loss."""
    _check_reduction(name, reduction)
    a, b = np.shape(_data(input)), np.shape(_data(target))
    if a != b:
        raise ShapeError(f"{name}: {names[0]} has shape {a} but {names[1]} has shape {b}; they must match. "
                         f"Fix: reshape one of them, e.g. {names[1]}.reshape({names[0]}.shape).")


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _as_tensor(x):
    """Tensors pass through (keeping their graph); arrays and numbers become constant tensors."""
    return x if isinstance(x, Tensor) else tensor(x)
