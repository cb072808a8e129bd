"""Loss gradient kernels: the elementwise part of a loss's backward, in one pass instead of five."""
import numpy as np

from .jit import choose, empty_like_c, flat, lazy_njit


def bce_grad_ref(p, y, scale):
    """∂ℓ/∂p = scale · (p − y) / (p(1 − p)) of ℓ = −[y log p + (1 − y) log(1 − p)], with the denominator
    floored at 1e-12 (p = 0 or 1 gives a large finite gradient, not ∞). scale = ∂L/∂ℓ: a scalar or like p."""
    return scale * (p - y) / np.maximum(p * (1 - p), 1e-12)


@lazy_njit
def _bce_grad_loop(p, y, scale, floor, out):
    for i in range(p.size):
        q = p[i]
        out[i] = scale * (q - y[i]) / max(q * (1 - q), floor)


def bce_grad_numba(p, y, scale):
    if np.ndim(scale) != 0 or y.shape != p.shape or y.dtype != p.dtype:
        return bce_grad_ref(p, y, scale)   # a per-element scale or a mixed-type target: rare, not worth a loop
    out = empty_like_c(p)
    t = p.dtype.type   # scalars in the arrays' type: a float64 1e-12 would turn a float32 loop into float64
    _bce_grad_loop(flat(p), flat(y), t(scale), t(1e-12), flat(out))
    return out


bce_grad = choose(bce_grad_numba, bce_grad_ref)
