"""The stand-in for an op's backward: its vector-Jacobian product, without its derivative.

``vjp(ctx, g, exercise_id)`` uses only what the engine recorded about the op application: the Function
(``ctx.fn``), its input tensors (``ctx.parents``), its settings (``ctx.params``) and ``ctx.needs_input_grad``.

* An op with a ``composite`` (its forward built from primitive ops, nn/fused.py) gets autodiff through it.
* A sum, a mean or a matrix product gets autodiff through the same map written with ``F.linear`` (the fused
  ``Affine`` op of ``Linear``, not an exercise) and reshapes: exact, and as fast as the op. Finite differences
  would need one pass over the whole array per position of the reduced axis (a mean over a batch of 1,500
  rows: 1,500 passes per backward, minutes per lesson: measured).
* Any other op gets finite differences of its own ``forward`` (``finite_differences.py``), with as few passes
  as its structure allows: elementwise (``ELEMENTWISE``), piecewise linear (``PIECEWISE_LINEAR``), acting
  along some axes independently (``aligned_axes``), or one element at a time.
"""
import numpy as np

from .notices import NotSolvedError, notice
from .finite_differences import along_aligned_axes, elementwise, left_slopes

ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Sqrt", "Abs", "Tanh", "Sigmoid", "Clip",
               "Where"}
PIECEWISE_LINEAR = {"ReLU", "LeakyReLU"}


def vjp(ctx, g, exercise_id):
    """One gradient per input of the op recorded in ``ctx`` (None where not needed), given g = ∂L/∂output."""
    notice(exercise_id)
    from ..autodiff import Tensor
    if isinstance(g, Tensor):
        raise NotSolvedError(f"Exercise {exercise_id} is not solved yet, and its stand-in (finite differences) "
                             "cannot build a graph of gradients (backward with create_graph=True). Solve it first.")
    name = ctx.fn.__name__
    if ctx.fn.composite is not None:
        return _through(ctx.fn.composite, ctx, g)
    if name in ("Sum", "Mean") or (name == "MatMul" and ctx.parents[1].ndim <= 2):
        return _through(AS_PRODUCT[name], ctx, g)
    forward = _float64_forward(ctx)
    inputs = [np.asarray(p.data, dtype=np.float64) for p in ctx.parents]
    g = np.asarray(g, dtype=np.float64)
    grads = []
    for i, (parent, needed) in enumerate(zip(ctx.parents, ctx.needs_input_grad)):
        if not needed:
            grads.append(None)
            continue
        precise = parent.data.dtype == np.float64   # float32 cannot show more than a plain central difference
        if name in PIECEWISE_LINEAR:
            grad = g * left_slopes(forward, inputs, i)
        elif name in ELEMENTWISE:
            grad = g * elementwise(forward, inputs, i, precise)   # shaped like the output: the engine sums it back
        else:
            grad = along_aligned_axes(forward, inputs, i, g, aligned_axes(ctx, i, g.ndim), precise)
        grads.append(grad.astype(parent.data.dtype, copy=False))
    return tuple(grads)


def missing_kernel(exercise_id, function):
    """Stands in for the ``@elementwise`` VJP kernel of ``function``: its backward, which calls the kernel, uses
    ``vjp`` instead; the kernel itself, called directly, says the exercise is not solved yet."""
    function.backward = staticmethod(lambda ctx, g: vjp(ctx, g, exercise_id))

    def kernel(*arrays):
        raise NotSolvedError(f"Exercise {exercise_id} is not solved yet: write this kernel (see EXERCISES.md).")
    return kernel


def aligned_axes(ctx, i, out_ndim):
    """[(input axis, output axis)] along which input ``i`` of the op acts position by position: element k of the
    input axis moves only element k of the output axis. Empty when nothing is known (one pass per element)."""
    name, ndim = ctx.fn.__name__, ctx.parents[i].ndim
    if name == "Max":
        axis = ctx.params["axis"]
        reduced = set(range(ndim)) if axis is None else {a % ndim for a in np.atleast_1d(axis).tolist()}
        kept = [a for a in range(ndim) if a not in reduced]
        return [(a, a if ctx.params["keepdims"] else position) for position, a in enumerate(kept)]
    if name == "MatMul":
        a, b = (p.ndim for p in ctx.parents)
        if i == 0 and a >= 2:   # row r of a reaches row r of the output only
            return [(a - 2, out_ndim - (2 if b >= 2 else 1))]
        if i == 1 and b >= 2:   # column c of b reaches column c of the output only
            return [(b - 1, out_ndim - 1)]
    return []


def _through(composite, ctx, g):
    """Autodiff of the op's forward written with other ops, on fresh leaves (the real graph is not touched)."""
    from ..autodiff import Tensor, enable_grad, grad
    leaves = [Tensor(p.data, requires_grad=needed) for p, needed in zip(ctx.parents, ctx.needs_input_grad)]
    with enable_grad():
        out = composite(*leaves, **ctx.params)
    found = iter(grad(out, [t for t in leaves if t.requires_grad], np.asarray(g), allow_unused=True))
    grads = []
    for t in leaves:
        result = next(found) if t.requires_grad else None
        grads.append(None if not t.requires_grad else np.zeros_like(t.data) if result is None else result.data)
    return tuple(grads)


def _reduction_as_product(a, axis, keepdims, scale):
    """Σ (scale 1) or mean (scale 1/n) of ``a`` over ``axis``: the reduced axes moved last and flattened, times a
    column of ``scale``s."""
    from ..nn import functional as F
    reduced = set(range(a.ndim)) if axis is None else {k % a.ndim for k in np.atleast_1d(axis).tolist()}
    kept = [k for k in range(a.ndim) if k not in reduced]
    n = int(np.prod([a.shape[k] for k in reduced]))
    rows = a.transpose(*kept, *sorted(reduced)).reshape(int(np.prod([a.shape[k] for k in kept])), n)
    out = F.linear(rows, np.full((1, n), scale(n), dtype=a.dtype))
    shape = [1 if k in reduced else size for k, size in enumerate(a.shape)] if keepdims else [a.shape[k] for k in kept]
    return out.reshape(*shape)


def _matmul_as_product(a, b):
    """a @ b as ``F.linear(a, bᵀ)``, for b 1- or 2-d (a may have leading axes)."""
    from ..nn import functional as F
    if b.ndim == 2:
        return F.linear(a, b.T)
    return F.linear(a, b.reshape(1, -1)).reshape(*a.shape[:-1])


AS_PRODUCT = {"Sum": lambda a, axis, keepdims: _reduction_as_product(a, axis, keepdims, lambda n: 1.0),
              "Mean": lambda a, axis, keepdims: _reduction_as_product(a, axis, keepdims, lambda n: 1.0 / n),
              "MatMul": _matmul_as_product}


class _Scratch:
    """A throw-away context for re-running a forward: whatever it saves or sets is dropped."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *values):
        pass


def _float64_forward(ctx):
    """The op's forward on float64 arrays, with its recorded settings (array settings copied: a forward may
    update them in place, as batch norm's running statistics)."""
    params = {key: value.copy() if isinstance(value, np.ndarray) else value for key, value in ctx.params.items()}

    def forward(*arrays):
        out = ctx.fn.forward(_Scratch(ctx.needs_input_grad), *arrays, **params)
        return np.asarray(out, dtype=np.float64)
    return forward
