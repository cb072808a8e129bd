"""The primitive ops. Each: its forward on arrays, then its vector-Jacobian product (VJP).

Notation in the docstrings: g = ∂L/∂z is the gradient arriving from above (shaped like z); each backward
returns ∂L/∂input = gᵀ·(∂z/∂input), *before* un-broadcasting (the engine does that). ``None`` means "no gradient
needed" (``ctx.needs_input_grad`` says which are).

Every backward is written with operations that work on NumPy arrays and on Tensors alike (``* / + -``, ``@``,
``.reshape``, ``.sum``, indexing, and the two adjoint pairs below: ``broadcast_to`` ↔ sum back, ``scatter_add`` ↔
indexing), so when backward builds a graph of gradients (``create_graph=True``) the same code records it.
The activations' formulas are ``@elementwise`` kernels, right beside their ops: NumPy runs them as written,
numba compiles the same lines into one fused loop, and on Tensors they build a graph.
"""
import numpy as np

from .. import kernels
from ..kernels import elementwise
from ..validate import ShapeError, axis as check_axis, integer, positive_int, shape as check_shape
from .engine import unbroadcast
from .function import BROADCAST_HINT, Function
from .tensor import Tensor, as_array, as_operand, as_tensor, as_tensors

# ---------------------------------------------------------------- arithmetic


class Add(Function):
    """z = a + b;  ∂L/∂a = g,  ∂L/∂b = g."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """z = a − b;  ∂L/∂a = g,  ∂L/∂b = −g."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = a ⊙ b (elementwise, broadcast)."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION mul_backward
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)
        # END SOLUTION


class Div(Function):
    """z = a / b;  ∂L/∂a = g / b,  ∂L/∂b = −g ⊙ a / b²."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


class Neg(Function):
    """z = −a;  ∂L/∂a = −g."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Function):
    """z = aᵖ for a scalar p;  ∂L/∂a = g ⊙ p·aᵖ⁻¹  (0 for p = 0: a⁰ = 1 is constant, even at a = 0)."""

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.p = a.dtype.type(exponent)  # a NumPy float64 exponent must not promote a float32 graph
        return a ** ctx.p

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        if ctx.p == 0:  # p·aᵖ⁻¹ would be 0·0⁻¹ = NaN at a = 0
            return g * 0
        return g * ctx.p * a ** (ctx.p - 1)


class MatMul(Function):
    """z = a @ b (matrix, matrix-vector or batched);  ∂L/∂a = g @ bᵀ,  ∂L/∂b = aᵀ @ g.

    A 1-d operand acts as a row (left) or column (right) vector, as in NumPy.
    """
    fresh_grads = True

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(f"MatMul: got shapes {a.shape} @ {b.shape}; @ needs at least 1-d operands. "
                             "For scaling by a scalar use *.")
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != inner_b:
            raise ShapeError(
                f"MatMul: shapes {a.shape} @ {b.shape} do not fit: the last axis of the left operand ({a.shape[-1]}) "
                f"must equal the {'first' if b.ndim == 1 else 'second-to-last'} axis of the right ({inner_b}). "
                "Fix: transpose one operand (e.g. w.T) or check the layer sizes.")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:                              # dot product: z is a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a        # a row vector (1, k)
        b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b        # a column vector (k, 1)
        if a.ndim == 1:
            g = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        elif b.ndim == 1:
            g = g.reshape(g.shape + (1,))
        ga = g @ b2.swapaxes(-1, -2) if need_a else None
        gb = a2.swapaxes(-1, -2) @ g if need_b else None
        if a.ndim == 1 and need_a:
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if b.ndim == 1 and need_b:
            gb = gb.reshape(gb.shape[:-1])
        return ga, gb


# ---------------------------------------------------------------- shape


class Transpose(Function):
    """z = a with its axes permuted;  ∂L/∂a = g with the inverse permutation."""
    hint = "Give one axis index per dimension, each once, e.g. x.transpose(1, 0)."

    @staticmethod
    def forward(ctx, a, axes):
        z = np.transpose(a, axes)
        # NumPy validated the axes; normalise them (-1 -> ndim - 1) so argsort inverts the permutation
        ctx.axes = None if axes is None else tuple(axis % a.ndim for axis in axes)
        return z

    @staticmethod
    def backward(ctx, g):
        return g.transpose() if ctx.axes is None else g.transpose(tuple(np.argsort(ctx.axes)))


class Reshape(Function):
    """z = a viewed with a new shape;  ∂L/∂a = g reshaped back."""
    hint = "The new shape must hold the same number of elements; use -1 for one inferred dimension."

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class BroadcastTo(Function):
    """z = a repeated along the axes broadcasting adds or stretches;  ∂L/∂a = g summed back over them."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return unbroadcast(g, ctx.in_shape)


def broadcast_to(x, shape):
    """``x`` repeated to ``shape`` (NumPy's broadcasting rules): an array stays an array, a Tensor records the op."""
    x = x if isinstance(x, Tensor) else as_array(x, "x", "broadcast_to")
    shape = check_shape(shape, "shape", "broadcast_to")
    if len(x.shape) > len(shape) or any(n not in (1, m) for n, m in zip(x.shape[::-1], shape[::-1])):
        raise ShapeError(f"broadcast_to: x of shape {x.shape} cannot be repeated to shape {shape}: compared from the "
                         "right, each of its sizes must equal the target's or be 1.")
    return BroadcastTo.apply(x, shape=shape) if isinstance(x, Tensor) else np.broadcast_to(x, shape)


class GetItem(Function):
    """z = a[index];  ∂L/∂a = zeros with g added back at the indexed places (``scatter_add``)."""
    hint = "Each index must lie inside the axis it selects from (negative counts from the end)."

    @staticmethod
    def forward(ctx, a, index):
        ctx.save_for_backward(index)
        ctx.in_shape = a.shape
        return a[index]

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved
        return scatter_add(g, index, ctx.in_shape)


class ScatterAdd(Function):
    """z = zeros(shape) with g added at ``index`` (repeated indices add up) — the adjoint of indexing;
    ∂L/∂g = (∂L/∂z)[index]."""

    @staticmethod
    def forward(ctx, g, index, shape):
        ctx.save_for_backward(index)
        return _scatter(g, index, shape)

    @staticmethod
    def backward(ctx, h):
        (index,) = ctx.saved
        return h[index]


def scatter_add(g, index, shape):
    """zeros(shape) with ``g`` added at ``index``: an array stays an array, a Tensor records the op."""
    return ScatterAdd.apply(g, index=index, shape=shape) if isinstance(g, Tensor) else _scatter(g, index, shape)


def _scatter(g, index, shape):
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, index, g)   # not out[index] += g, which would keep only one of several repeated indices
    return out


class Concatenate(Function):
    """z = [a₁ | a₂ | …] along ``axis``;  ∂L/∂aᵢ = the slice of g that aᵢ filled."""
    hint = "All inputs must have the same shape except along the joining axis."

    @staticmethod
    def forward(ctx, *arrays, axis):
        z = np.concatenate(arrays, axis=axis)
        ctx.axis = axis % z.ndim
        ctx.ends = np.cumsum([a.shape[ctx.axis] for a in arrays]).tolist()
        return z

    @staticmethod
    def backward(ctx, g):
        before = (slice(None),) * ctx.axis
        return tuple(g[before + (slice(end - size, end),)]
                     for end, size in zip(ctx.ends, np.diff([0] + ctx.ends).tolist()))


class Stack(Function):
    """z = [a₁, a₂, …] along a new ``axis``;  ∂L/∂aᵢ = g taken at index i of that axis."""
    hint = "All inputs must have exactly the same shape."

    @staticmethod
    def forward(ctx, *arrays, axis):
        z = np.stack(arrays, axis=axis)
        ctx.axis, ctx.count = axis % z.ndim, len(arrays)
        return z

    @staticmethod
    def backward(ctx, g):
        before = (slice(None),) * ctx.axis
        return tuple(g[before + (i,)] for i in range(ctx.count))


class Where(Function):
    """z = condition ? x : y (broadcast);  ∂L/∂x = g ⊙ condition,  ∂L/∂y = g ⊙ ¬condition."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, x, y, condition):
        ctx.save_for_backward(condition)
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, g):
        (condition,) = ctx.saved
        return g * condition, g * ~condition


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    return Concatenate.apply(*_joinable(tensors, axis, "concatenate", "axis"), axis=axis)


def cat(tensors, dim=0):
    """``torch.cat``: ``concatenate`` with PyTorch's names."""
    return Concatenate.apply(*_joinable(tensors, dim, "cat", "dim"), axis=dim)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis; the gradient is sliced back out."""
    return Stack.apply(*_joinable(tensors, axis, "stack", "axis", new_axis=True), axis=axis)


def _joinable(tensors, axis, func, axis_name, new_axis=False):
    """The tensors, checked: the same shape except along ``axis`` (exactly the same for a ``new_axis``)."""
    tensors = as_tensors(tensors, "tensors", func)
    first = tensors[0].shape
    at = check_axis(axis, len(first) + new_axis, axis_name, func)
    for i, t in enumerate(tensors):
        if len(t.shape) != len(first) or any(n != m for k, (n, m) in enumerate(zip(t.shape, first))
                                             if new_axis or k != at):
            rule = "the same shape" if new_axis else f"the same shape except along {axis_name} {axis}"
            raise ShapeError(f"{func}: tensors[{i}] has shape {t.shape} and tensors[0] {first}; they need {rule}.")
    return tensors


def where(condition, x, y):
    """Pick x where ``condition`` is true, else y (a constant mask: no gradient flows into it)."""
    condition = as_array(condition, "condition", "where")
    x, y = as_operand(x, "x", "where"), as_operand(y, "y", "where")
    shapes = [np.shape(a.data if isinstance(a, Tensor) else a) for a in (condition, x, y)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"where: condition {shapes[0]}, x {shapes[1]} and y {shapes[2]} do not broadcast "
                         f"together. {BROADCAST_HINT}") from None
    return Where.apply(x, y, condition=condition.astype(bool, copy=False))


# ---------------------------------------------------------------- reductions


class Sum(Function):
    """z = Σ a over ``axis``;  ∂L/∂a = g copied back over the summed axes."""
    hint = "axis must be None, an int or a tuple of ints within the tensor's dimensions."

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        z = a.sum(axis=axis, keepdims=True)
        ctx.in_shape, ctx.kept_shape = a.shape, z.shape
        return z if keepdims else z.reshape(_drop_axes(a.ndim, axis, z.shape))

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(g.reshape(ctx.kept_shape), ctx.in_shape)


class Mean(Function):
    """z = (1/n) Σ a over ``axis`` (n elements each);  ∂L/∂a = g / n copied back."""
    hint = Sum.hint

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        if a.size == 0 and a.sum(axis=axis, keepdims=True).size:   # only an empty input can average nothing
            raise ValueError(f"Mean: the mean over axis={axis} of an input of shape {a.shape} averages zero "
                             "elements (0/0 is NaN); drop the empty axis, or use sum, which is 0 there.")
        z = a.mean(axis=axis, keepdims=True)
        ctx.in_shape, ctx.kept_shape = a.shape, z.shape
        ctx.n = a.size // max(z.size, 1)
        return z if keepdims else z.reshape(_drop_axes(a.ndim, axis, z.shape))

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(g.reshape(ctx.kept_shape) / ctx.n, ctx.in_shape)


class Max(Function):
    """z = max a over ``axis``;  ∂L/∂a = g at the arg-max (shared equally between ties), 0 elsewhere."""
    hint = Sum.hint + " A max over an empty axis is undefined."

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        top = a.max(axis=axis, keepdims=True)
        is_max = (a == top).astype(a.dtype)
        ctx.save_for_backward(is_max / is_max.sum(axis=axis, keepdims=True))   # each maximum's share of g
        ctx.in_shape, ctx.kept_shape = a.shape, top.shape
        return top if keepdims else top.reshape(_drop_axes(a.ndim, axis, top.shape))

    @staticmethod
    def backward(ctx, g):
        (share,) = ctx.saved
        return broadcast_to(g.reshape(ctx.kept_shape), ctx.in_shape) * share


def _drop_axes(ndim, axis, kept_shape):
    """The shape of a reduction without keepdims: ``kept_shape`` minus the reduced axes (all of them for None)."""
    if axis is None:
        return ()
    axes = {a % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis)}
    return tuple(n for i, n in enumerate(kept_shape) if i not in axes)


# ---------------------------------------------------------------- elementwise functions


class Exp(Function):
    """z = eᵃ;  ∂L/∂a = g ⊙ z."""

    @staticmethod
    def forward(ctx, a):
        z = np.exp(a)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return g * z


class Log(Function):
    """z = ln a (a > 0);  ∂L/∂a = g / a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return g / a


class Sqrt(Function):
    """z = √a;  ∂L/∂a = g / (2z)."""

    @staticmethod
    def forward(ctx, a):
        z = np.sqrt(a)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return g / (2 * z)


class Abs(Function):
    """z = |a|;  ∂L/∂a = g ⊙ sign(a) (0 at a = 0; the sign is constant, so its own derivative is 0)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return g * np.sign(as_array(a))


class Tanh(Function):
    """z = tanh a;  ∂L/∂a = g ⊙ (1 − z²)."""

    @staticmethod
    def forward(ctx, a):
        z = np.tanh(a)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return tanh_vjp(g, z)


@elementwise
def tanh_vjp(g, z):
    return g * (1 - z * z)


class Sigmoid(Function):
    """z = σ(a) = 1 / (1 + e⁻ᵃ), computed without overflow or loss of tiny values (``kernels.sigmoid``)."""

    @staticmethod
    def forward(ctx, a):
        z = kernels.sigmoid(a)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return sigmoid_vjp(g, z)


@elementwise
def sigmoid_vjp(g, z):
    # BEGIN SOLUTION sigmoid_backward
    return g * z * (1 - z)   # σ′(a) = σ(a)(1 − σ(a)), written through the saved output z
    # END SOLUTION


class ReLU(Function):
    """z = max(a, 0);  ∂L/∂a = g where a > 0, else 0."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.maximum(a, 0)   # one pass already: nothing to fuse

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return relu_vjp(g, a)


@elementwise
def relu_vjp(g, a):
    return g * (a > 0)   # the mask a > 0 is constant: its derivative is 0 (almost everywhere)


class LeakyReLU(Function):
    """z = a if a > 0 else s·a;  ∂L/∂a = g where a > 0, else s·g."""

    @staticmethod
    def forward(ctx, a, slope):
        ctx.save_for_backward(a)
        ctx.slope = a.dtype.type(slope)
        return leaky_relu(a, ctx.slope)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return leaky_relu_vjp(g, a, ctx.slope)


@elementwise
def leaky_relu(a, s):
    return np.maximum(a, 0) + s * np.minimum(a, 0)


@elementwise
def leaky_relu_vjp(g, a, s):
    return g * ((a > 0) + s * (a <= 0))


class Clip(Function):
    """z = min(max(a, lo), hi);  ∂L/∂a = g where lo ≤ a ≤ hi, else 0 (either bound may be None)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        if lo is not None and hi is not None and lo > hi:
            raise ShapeError(f"Clip: lo={lo} is above hi={hi}; pass lo <= hi.")
        ctx.save_for_backward(a)
        ctx.lo = None if lo is None else a.dtype.type(lo)  # NumPy float64 bounds must not promote float32
        ctx.hi = None if hi is None else a.dtype.type(hi)
        return np.clip(a, ctx.lo, ctx.hi)

    @staticmethod
    def backward(ctx, g):
        a = as_array(ctx.saved[0])
        inside = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= a >= ctx.lo
        if ctx.hi is not None:
            inside &= a <= ctx.hi
        return g * inside


# ---------------------------------------------------------------- built from the ops above


def chunk(x, chunks, axis=0):
    """Split ``x`` into ``chunks`` pieces along ``axis`` (as ``torch.chunk``: each ⌈n/chunks⌉ long, the last shorter)."""
    x = as_tensor(x, "x", "chunk")
    n = x.shape[check_axis(axis, x.ndim, "axis", "chunk")]
    size = -(-n // positive_int(chunks, "chunks", "chunk"))   # ceiling division
    return _split(x, max(size, 1), axis, "chunk")


def split(x, split_size_or_sections, axis=0):
    """Pieces of ``x`` along ``axis``: of ``split_size`` each (the last may be shorter), or of the given sizes
    (as ``torch.split``). Each piece is an indexing op, so the gradient flows back into its slice."""
    return _split(as_tensor(x, "x", "split"), split_size_or_sections, axis, "split")


def _split(x, split_size_or_sections, axis, func):
    n = x.shape[check_axis(axis, x.ndim, "axis", func)]
    if not isinstance(split_size_or_sections, (list, tuple)):
        size = positive_int(split_size_or_sections, "split_size_or_sections", func)
        sizes = [min(size, n - start) for start in range(0, n, size)]
    else:
        sizes = [integer(size, "each section's size", func, low=0) for size in split_size_or_sections]
        if sum(sizes) != n:
            raise ShapeError(f"{func}: the sections {sizes} add up to {sum(sizes)}, but axis {axis} of shape "
                             f"{x.shape} has {n} elements; they must match.")
    before = (slice(None),) * (axis % x.ndim)
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    return tuple(x[before + (slice(start, start + size),)] for start, size in zip(starts, sizes))
