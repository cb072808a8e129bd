"""Binary cross-entropy kernels: the loss summed in one pass after NumPy's logs, and its gradient in one pass.

ℓᵢ = −[yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)], each log clamped at −100 (p = 0 or 1 costs 100, not ∞).
The logs stay in NumPy (its vectorised ``log``); numba fuses the clamps, products and the sum that
NumPy does in eight passes with a temporary each.
"""
import numpy as np

from .jit import Kernel, empty_like_c, flat, lazy_njit

LOG_FLOOR = -100.0


def bce_logs(p):
    """(max(log p, −100), max(log(1 − p), −100)): the two clamped logs of ℓ, and of ∂ℓ/∂y = log(1 − p) − log p."""
    # log(1 − p), not log1p(−p): NumPy's float32 log1p has no vector code (5x slower here), and 1 − p only
    # rounds where p < 1e-7 (float32), an error below the loss's own precision
    with np.errstate(divide="ignore"):  # log 0 = −inf is expected here: the clamp handles it
        return np.maximum(np.log(p), LOG_FLOOR), np.maximum(np.log(1 - p), LOG_FLOOR)


def bce_elementwise(p, y):
    """ℓᵢ for every element, shaped like p (for reduction='none'; NumPy only: the sum is the hot path)."""
    log_p, log_q = bce_logs(p)
    return -(y * log_p + (1 - y) * log_q)


def bce_sum_reference(p, y):
    """Σᵢ ℓᵢ over all elements, a scalar of p's dtype."""
    return bce_elementwise(p, y).sum()


@lazy_njit.summing
def _bce_sum_loop(log_p, log_q, y, floor):
    total = 0.0   # float64, whatever the arrays' type
    for i in range(y.size):
        total -= y[i] * max(log_p[i], floor) + (1 - y[i]) * max(log_q[i], floor)
    return total


def bce_sum_compiled(p, y):
    if y.shape != p.shape or y.dtype != p.dtype or p.dtype.kind != "f":
        return bce_sum_reference(p, y)   # a mixed-type target: rare, not worth a loop
    log_p, log_q = empty_like_c(p), empty_like_c(p)
    with np.errstate(divide="ignore"):
        np.log(p, out=log_p)
        np.log(np.subtract(1, p, out=log_q), out=log_q)
    t = p.dtype.type
    return t(_bce_sum_loop(flat(log_p), flat(log_q), flat(y), t(LOG_FLOOR)))


def bce_grad_reference(p, y, scale):
    """∂ℓ/∂p = scale · (p − y) / (p(1 − p)), the denominator floored at 1e-12 (p = 0 or 1 gives a large finite
    gradient, not ∞). scale = ∂L/∂ℓ: a scalar or like p."""
    return scale * (p - y) / np.maximum(p * (1 - p), 1e-12)


@lazy_njit
def _bce_grad_loop(p, y, scale, floor, out):
    for i in range(p.size):
        q = p[i]
        out[i] = scale * (q - y[i]) / max(q * (1 - q), floor)


def bce_grad_compiled(p, y, scale):
    if np.ndim(scale) != 0 or y.shape != p.shape or y.dtype != p.dtype:
        return bce_grad_reference(p, y, scale)   # a per-element scale or a mixed-type target: rare, not worth a loop
    out = empty_like_c(p)
    t = p.dtype.type   # scalars in the arrays' type: a float64 1e-12 would turn a float32 loop into float64
    _bce_grad_loop(flat(p), flat(y), t(scale), t(1e-12), flat(out))
    return out


bce_sum = Kernel(bce_sum_reference, bce_sum_compiled)
bce_grad = Kernel(bce_grad_reference, bce_grad_compiled)
