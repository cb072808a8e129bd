"""Optimizer update rules, in place: ``sgd_update``, ``adam_update``, ``rmsprop_update``.

Each updates ``param`` and its state arrays in place and never writes to ``grad``. In NumPy a rule is
5-10 passes over the parameter with a temporary each; the numba loop reads and writes each element once
(Adam: 4-5x faster). The numba versions need every array C-contiguous and of the parameter's dtype
(always so for parameters the package makes); anything else goes to the reference, which handles all.

An optimizer step calls a rule once per parameter with the same hyper-parameters, and for a small parameter the
Python around the loop costs more than the loop: so the loops take the hyper-parameters as one small read-only
array in the parameter's dtype, made once per step and dtype (``_scalars``, remembered) instead of converted one
by one for every parameter, and they flatten their arrays themselves (numba compiles one version per number of
dimensions), so a call passes the arrays as they are.
"""
import functools

import numpy as np

from .jit import Kernel, lazy_njit

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_NO_STATE = {dtype: np.empty(0, dtype) for dtype in _FLOATS}   # the loops' stand-in for a state array not kept


# ---------------------------------------------------------------- SGD
def sgd_update_reference(param, grad, v, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    """g ← g + λθ;  v ← μv + g;  g ← g + μv (Nesterov) or v;  θ ← θ − lr·g.   (``v`` is None when μ = 0.)"""
    g = grad + weight_decay * param if weight_decay else grad
    if momentum:
        v *= momentum
        v += g
        g = g + momentum * v if nesterov else v
    param -= lr * g


@lazy_njit
def _sgd_loop(p, grad, v, scalars):
    lr, momentum, nesterov, weight_decay = scalars
    p, grad, v = p.reshape(-1), grad.reshape(-1), v.reshape(-1)
    for i in range(p.size):
        g = grad[i] + weight_decay * p[i] if weight_decay != 0 else grad[i]
        if momentum != 0:
            v[i] = momentum * v[i] + g
            g = g + momentum * v[i] if nesterov != 0 else v[i]
        p[i] -= lr * g


def sgd_update_compiled(param, grad, v, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    if not _fits(param, grad, v):
        return sgd_update_reference(param, grad, v, lr, momentum, nesterov, weight_decay)
    _sgd_loop(param, grad, _NO_STATE[param.dtype] if v is None else v,
              _scalars(param.dtype, lr, momentum, bool(nesterov), weight_decay))


# ---------------------------------------------------------------- Adam
def adam_update_reference(param, grad, m, v, lr, beta1, beta2, eps, step, weight_decay=0.0):
    """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − lr·m̂/(√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

    ``step`` is t, counted from 1. Weight decay λ is L2 added to the gradient, g ← g + λθ (as torch.optim.Adam).
    """
    g = grad + weight_decay * param if weight_decay else grad
    # BEGIN SOLUTION adam_step
    scratch = np.empty_like(param)   # one temporary, reused: every line below is one pass, with no new array
    m *= beta1
    m += np.multiply(g, 1 - beta1, out=scratch)
    v *= beta2
    np.square(g, out=scratch)
    v += np.multiply(scratch, 1 - beta2, out=scratch)
    # m and v start at 0, so early on they are biased towards 0; dividing by cᵢ = 1−βᵢᵗ undoes exactly that bias.
    # lr·m̂/(√v̂ + ε) = (lr·√c₂/c₁)·m/(√v + ε√c₂): the same number, with the corrections on two scalars
    # instead of a pass over the array (Kingma & Ba, 2015, section 2)
    c1, sqrt_c2 = 1 - beta1 ** step, (1 - beta2 ** step) ** 0.5    # Python floats: they keep float32 float32
    denominator = np.sqrt(v, out=scratch)
    denominator += eps * sqrt_c2
    update = np.divide(m, denominator, out=scratch)
    update *= lr * sqrt_c2 / c1
    param -= update
    # END SOLUTION


# BEGIN SOLUTION adam_step
@lazy_njit
def _adam_loop(p, grad, m, v, scalars):
    step_size, beta1, one_minus_beta1, beta2, one_minus_beta2, eps_hat, weight_decay = scalars
    p, grad, m, v = p.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1)
    for i in range(p.size):
        g = grad[i] + weight_decay * p[i] if weight_decay != 0 else grad[i]
        m[i] = beta1 * m[i] + one_minus_beta1 * g
        v[i] = beta2 * v[i] + one_minus_beta2 * (g * g)
        p[i] -= step_size * m[i] / (np.sqrt(v[i]) + eps_hat)


def adam_update_compiled(param, grad, m, v, lr, beta1, beta2, eps, step, weight_decay=0.0):
    if not _fits(param, grad, m, v):
        return adam_update_reference(param, grad, m, v, lr, beta1, beta2, eps, step, weight_decay)
    _adam_loop(param, grad, m, v, _adam_scalars(param.dtype, lr, beta1, beta2, eps, step, weight_decay))


@functools.lru_cache(maxsize=64, typed=True)
def _adam_scalars(dtype, lr, beta1, beta2, eps, step, weight_decay):
    """The reference's form, lr·√c₂/c₁ and ε√c₂, with each scalar rounded once from its exact value
    (1 − float32(0.999) is off by 1e-5). Remembered: every parameter of a step shares lr, the betas and t."""
    c1, sqrt_c2 = 1 - beta1 ** step, (1 - beta2 ** step) ** 0.5
    return _scalars(dtype, lr * sqrt_c2 / c1, beta1, 1 - beta1, beta2, 1 - beta2, eps * sqrt_c2, weight_decay)
# END SOLUTION


# ---------------------------------------------------------------- RMSprop
def rmsprop_update_reference(param, grad, s, v, lr, alpha, eps, momentum=0.0, weight_decay=0.0):
    """s ← αs + (1−α)g²;  θ ← θ − lr·g/(√s + ε)   (momentum μ: v ← μv + g/(√s + ε); θ ← θ − lr·v).

    ``v`` is None when μ = 0. Weight decay λ is L2 added to the gradient, g ← g + λθ (as torch.optim.RMSprop).
    """
    g = grad + weight_decay * param if weight_decay else grad
    s *= alpha
    s += (1 - alpha) * np.square(g)
    denominator = np.sqrt(s)
    denominator += eps
    step = g / denominator
    if momentum:
        v *= momentum
        v += step
        step = v
    param -= lr * step


@lazy_njit
def _rmsprop_loop(p, grad, s, v, scalars):
    lr, alpha, one_minus_alpha, eps, momentum, weight_decay = scalars
    p, grad, s, v = p.reshape(-1), grad.reshape(-1), s.reshape(-1), v.reshape(-1)
    for i in range(p.size):
        g = grad[i] + weight_decay * p[i] if weight_decay != 0 else grad[i]
        s[i] = alpha * s[i] + one_minus_alpha * (g * g)
        step = g / (np.sqrt(s[i]) + eps)
        if momentum != 0:
            v[i] = momentum * v[i] + step
            step = v[i]
        p[i] -= lr * step


def rmsprop_update_compiled(param, grad, s, v, lr, alpha, eps, momentum=0.0, weight_decay=0.0):
    if not _fits(param, grad, s, v):
        return rmsprop_update_reference(param, grad, s, v, lr, alpha, eps, momentum, weight_decay)
    _rmsprop_loop(param, grad, s, _NO_STATE[param.dtype] if v is None else v,
                  _scalars(param.dtype, lr, alpha, 1 - alpha, eps, momentum, weight_decay))


@functools.lru_cache(maxsize=64, typed=True)
def _scalars(dtype, *values):
    """The hyper-parameters as one read-only array of ``dtype``, so float32 stays float32 (remembered: every
    parameter of a step, and every step until a schedule changes lr, asks for the same)."""
    array = np.array(values, dtype)
    array.setflags(write=False)   # shared by every call that asks for these values: nobody may change it
    return array


def _fits(param, *others):
    """Can the loop update these in place? All C-contiguous (so the loop's ``reshape`` gives views), all of
    param's dtype and shape (None: a state array not kept, for which the loop gets an empty stand-in).
    Not a 0-d parameter (a single number): numba cannot reshape one, and there is no loop to speed up."""
    if not param.flags.c_contiguous or param.dtype not in _FLOATS or param.ndim == 0:
        return False
    for a in others:   # a loop, not all(generator): this runs for every parameter of every step
        if a is not None and (a.dtype != param.dtype or a.shape != param.shape or not a.flags.c_contiguous):
            return False
    return True


sgd_update = Kernel(sgd_update_reference, sgd_update_compiled)
adam_update = Kernel(adam_update_reference, adam_update_compiled)
rmsprop_update = Kernel(rmsprop_update_reference, rmsprop_update_compiled)
