"""Shared tools for gradient tests: hypothesis strategies and the one backward-vs-finite-differences assertion.

Every gradient test in the suite goes through ``assert_backward_matches``: float64 inputs, a *random*
upstream gradient (ones would let a backward that ignores its input pass), tight tolerance, and a
check that no input array was mutated.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad_ae as mg

RTOL, ATOL = 1e-7, 1e-8


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcast_pairs(max_dims=3, max_side=4):
    """Two shapes that broadcast together (sizes of 1 and missing leading axes included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=max_dims, max_side=max_side).map(
        lambda b: b.input_shapes)


def arrays(shape, low=-3.0, high=3.0):
    """float64 arrays with finite values in [low, high]."""
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, allow_infinity=False))


def seeds():
    return st.integers(0, 2**32 - 1)


def assert_backward_matches(fn, arrays_in, seed=0, rtol=RTOL, atol=ATOL, eps=1e-6):
    """backward() of ``fn`` equals central differences, for a random upstream gradient v (float64).

    Returns the analytic gradients (so callers can add algebraic checks).
    """
    originals = [a.copy() for a in arrays_in]
    tensors = [mg.tensor(a, requires_grad=True) for a in arrays_in]
    out = fn(*tensors)
    v = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(v)
    numeric = mg.numerical_grad(fn, [mg.tensor(a) for a in arrays_in], eps=eps, grad_output=v)
    # Central differences cannot resolve better than the rounding of f itself: ~ε_mach·Σ|v⊙f| / eps.
    noise_floor = 8 * np.finfo(np.float64).eps * np.sum(np.abs(v * out.data)) / eps
    for i, (t, num) in enumerate(zip(tensors, numeric)):
        ana = np.zeros(t.shape) if t.grad is None else t.grad
        assert ana.shape == t.shape, f"input {i}: grad shape {ana.shape} != input shape {t.shape}"
        np.testing.assert_allclose(ana, num, rtol=rtol, atol=atol + noise_floor, err_msg=f"input {i}")
    for a, original in zip(arrays_in, originals):
        np.testing.assert_array_equal(a, original, err_msg="an input array was mutated")
    return [t.grad for t in tensors]
