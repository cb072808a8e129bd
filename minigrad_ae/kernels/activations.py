"""Activation kernels: ReLU and leaky ReLU (forward and backward), and sigmoid (forward and backward).

Arrays of any shape; outputs are new arrays shaped and typed like the inputs. NumPy needs several passes
and temporaries for these (``np.where`` with a random mask is slow too); one numba loop does one pass.
The exponential in sigmoid stays in NumPy: its SIMD ``exp`` is 4-6x faster than numba's scalar one.
"""
import numpy as np

from .jit import choose, empty_like_c, flat, lazy_njit


# ---------------------------------------------------------------- ReLU and leaky ReLU
def relu_forward_ref(a):
    """z = max(a, 0) (NaN passes through)."""
    return np.maximum(a, 0)


def relu_backward_ref(g, a):
    """∂L/∂a = g where a > 0, else 0."""
    return g * (a > 0)


def leaky_relu_forward_ref(a, slope):
    """z = a where a > 0, else slope · a."""
    return np.where(a > 0, a, a.dtype.type(slope) * a)


def leaky_relu_backward_ref(g, a, slope):
    """∂L/∂a = g where a > 0, else slope · g."""
    return np.where(a > 0, g, g.dtype.type(slope) * g)


@lazy_njit
def _relu_forward_loop(a, z):
    for i in range(a.size):
        z[i] = max(a[i], 0)


@lazy_njit
def _relu_backward_loop(g, a, out):
    for i in range(a.size):
        out[i] = g[i] * (a[i] > 0)


@lazy_njit
def _leaky_relu_forward_loop(a, slope, z):
    for i in range(a.size):
        x = a[i]
        z[i] = x if x > 0 else slope * x


@lazy_njit
def _leaky_relu_backward_loop(g, a, slope, out):
    for i in range(a.size):
        out[i] = g[i] if a[i] > 0 else slope * g[i]


def relu_forward_numba(a):
    z = empty_like_c(a)
    _relu_forward_loop(flat(a), flat(z))
    return z


def relu_backward_numba(g, a):
    out = empty_like_c(a)
    _relu_backward_loop(flat(g), flat(a), flat(out))
    return out


def leaky_relu_forward_numba(a, slope):
    z = empty_like_c(a)
    _leaky_relu_forward_loop(flat(a), a.dtype.type(slope), flat(z))
    return z


def leaky_relu_backward_numba(g, a, slope):
    out = empty_like_c(a)
    _leaky_relu_backward_loop(flat(g), flat(a), a.dtype.type(slope), flat(out))
    return out


# ---------------------------------------------------------------- sigmoid
def sigmoid_forward_ref(a):
    """z = σ(a) = 1 / (1 + e⁻ᵃ), computed as e^min(a, 0) / (1 + e^−|a|): both exponents are ≤ 0, so nothing
    overflows, and for a ≪ 0 the numerator keeps the tiny value (1 / (1 + e⁻ᵃ) would round it to 0)."""
    return np.exp(np.minimum(a, 0)) / (1 + np.exp(-np.abs(a)))


def sigmoid_backward_ref(g, z):
    """∂L/∂a = g ⊙ z(1 − z), from the forward output z."""
    return g * z * (1 - z)


@lazy_njit
def _sigmoid_from_exp_loop(a, e):
    # e = e^−|a| ≤ 1: σ(a) = 1/(1 + e) for a ≥ 0 and e/(1 + e) for a < 0, the reference's formula without
    # its second exp
    for i in range(a.size):
        r = 1 / (1 + e[i])
        e[i] = r if a[i] >= 0 else e[i] * r


@lazy_njit
def _sigmoid_backward_loop(g, z, out):
    for i in range(z.size):
        out[i] = g[i] * z[i] * (1 - z[i])


def sigmoid_forward_numba(a):
    if a.dtype.kind != "f":
        return sigmoid_forward_ref(a)   # integers: the result is float, computed by NumPy
    z = np.abs(a, out=empty_like_c(a))
    np.negative(z, out=z)
    np.exp(z, out=z)          # NumPy's vectorised exp; numba's would be scalar
    _sigmoid_from_exp_loop(flat(a), flat(z))
    return z


def sigmoid_backward_numba(g, z):
    out = empty_like_c(z)
    _sigmoid_backward_loop(flat(g), flat(z), flat(out))
    return out


relu_forward = choose(relu_forward_numba, relu_forward_ref)
relu_backward = choose(relu_backward_numba, relu_backward_ref)
leaky_relu_forward = choose(leaky_relu_forward_numba, leaky_relu_forward_ref)
leaky_relu_backward = choose(leaky_relu_backward_numba, leaky_relu_backward_ref)
sigmoid_forward = choose(sigmoid_forward_numba, sigmoid_forward_ref)
sigmoid_backward = choose(sigmoid_backward_numba, sigmoid_backward_ref)
