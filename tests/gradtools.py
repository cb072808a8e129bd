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


def assert_second_order_matches(fn, arrays_in, seed=0, rtol=1e-6, atol=1e-7, eps=1e-5):
    """Second derivatives of ``fn`` by double backward equal finite differences of its first derivatives.

    With random v (upstream of the first pass) and u (of the second), h(x) = Σᵢ ⟨uᵢ, ∂⟨v, f(x)⟩/∂xᵢ⟩ is
    differentiated by backward through a graph of gradients (``create_graph=True``) and by central differences
    of h, whose every evaluation is a plain first-order backward (autograd's ``check_grads(order=2)`` idea).
    """
    rng = np.random.default_rng(seed + 1)
    shape = fn(*[mg.tensor(a) for a in arrays_in]).shape
    v, u = rng.standard_normal(shape), [rng.standard_normal(a.shape) for a in arrays_in]

    def h(*arrays):   # one first-order backward, no graph of gradients
        xs = [mg.tensor(a, requires_grad=True) for a in arrays]
        grads = mg.grad(fn(*xs), xs, v, allow_unused=True)
        return sum(float(np.sum(ui * g.data)) for ui, g in zip(u, grads) if g is not None)

    xs = [mg.tensor(a, requires_grad=True) for a in arrays_in]
    grads = mg.grad(fn(*xs), xs, v, create_graph=True, allow_unused=True)
    terms = [(g * ui).sum() for g, ui in zip(grads, u) if g is not None and g.requires_grad]
    if terms:
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        analytic = [np.zeros(x.shape) if g is None else g.data
                    for x, g in zip(xs, mg.grad(total, xs, allow_unused=True))]
    else:   # every first derivative is constant: the second ones are 0
        analytic = [np.zeros(x.shape) for x in xs]
    scale = sum(float(np.sum(np.abs(ui * g.data))) for ui, g in zip(u, grads) if g is not None)
    noise_floor = 8 * np.finfo(np.float64).eps * scale / eps
    for i, (a, ana) in enumerate(zip(arrays_in, analytic)):
        def h_moved(k, step):   # h with element k of input i moved by ``step``
            moved = a.copy().reshape(-1)
            moved[k] += step
            return h(*arrays_in[:i], moved.reshape(a.shape), *arrays_in[i + 1:])
        numeric = np.array([(h_moved(k, eps) - h_moved(k, -eps)) / (2 * eps) for k in range(a.size)])
        np.testing.assert_allclose(ana, numeric.reshape(a.shape), rtol=rtol, atol=atol + noise_floor,
                                   err_msg=f"input {i}")


def assert_three_way(hand, fn, inputs, grad_output=None, tolerance=1e-9, eps=1e-6):
    """A hand-derived gradient, autodiff's and float64 central differences agree pairwise (relative error ‖a − b‖ /
    ‖a + b‖ below ``tolerance``). ``hand``: one array per input; ``fn(*tensors)`` the function they differentiate;
    ``inputs``: arrays, or leaf Tensors ``fn`` reads itself (a model's parameters); ``grad_output``: the upstream
    gradient of a non-scalar output. Returns (autodiff, numeric), one list entry per input."""
    tensors = [x if isinstance(x, mg.Tensor) else mg.tensor(np.asarray(x, dtype=np.float64)) for x in inputs]
    for t in tensors:
        t.requires_grad, t.grad = True, None
    fn(*tensors).backward(grad_output)
    autodiff = [np.zeros(t.shape) if t.grad is None else t.grad for t in tensors]
    numeric = mg.numerical_grad(fn, tensors, eps=eps, grad_output=grad_output)
    for i, (h, a, n) in enumerate(zip(hand, autodiff, numeric)):
        for pair, (x, y) in {"hand vs autodiff": (h, a), "hand vs numeric": (h, n),
                             "autodiff vs numeric": (a, n)}.items():
            error = mg.relative_error(x, y)
            assert error < tolerance, f"input {i}: {pair} relative error {error:.2e}"
    return autodiff, numeric
