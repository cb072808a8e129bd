"""The op catalogue. Each op: its forward on arrays, then its vector-Jacobian product.

Notation in the docstrings: g = ∂L/∂z is the gradient arriving from above (shaped like z);
each backward returns ∂L/∂input = gᵀ·(∂z/∂input), *before* un-broadcasting (the engine does that).
``None`` means "no gradient needed" (``ctx.needs_input_grad`` says which are).
"""
import numpy as np

from .. import kernels
from .function import BROADCAST_HINT, Function, ShapeError
from .tensor import Tensor

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
    """z = a ⊙ b;  ∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a."""
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
        return (-g,)


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
            return (np.zeros_like(g),)
        return (g * ctx.p * a ** (ctx.p - 1),)


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
        if a.ndim == 1 and b.ndim == 1:             # dot product: z is a scalar
            return g * b, g * a
        a2 = a[None, :] if a.ndim == 1 else a        # row vector (1, k)
        b2 = b[:, None] if b.ndim == 1 else b        # column vector (k, 1)
        g2 = np.expand_dims(g, -2) if a.ndim == 1 else (np.expand_dims(g, -1) if b.ndim == 1 else g)
        need_a, need_b = ctx.needs_input_grad
        ga = g2 @ np.swapaxes(b2, -1, -2) if need_a else None
        gb = np.swapaxes(a2, -1, -2) @ g2 if need_b else None
        if a.ndim == 1 and need_a:
            ga = ga[..., 0, :]
        if b.ndim == 1 and need_b:
            gb = gb[..., 0]
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
        inverse = None if ctx.axes is None else np.argsort(ctx.axes)
        return (np.transpose(g, inverse),)


class Reshape(Function):
    """z = a viewed with a new shape;  ∂L/∂a = g reshaped back."""
    hint = "The new shape must hold the same number of elements; use -1 for one inferred dimension."

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return (g.reshape(ctx.in_shape),)


class GetItem(Function):
    """z = a[index];  ∂L/∂a = zeros with g scattered back (``np.add.at``, so repeated indices add up)."""
    hint = "Each index must lie inside the axis it selects from (negative counts from the end)."

    @staticmethod
    def forward(ctx, a, index):
        ctx.index, ctx.in_shape, ctx.dtype = index, a.shape, a.dtype
        return a[index]

    @staticmethod
    def backward(ctx, g):
        grad = np.zeros(ctx.in_shape, dtype=np.result_type(ctx.dtype, g.dtype))
        np.add.at(grad, ctx.index, g)
        return (grad,)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis; the gradient is sliced back out."""
    return Stack.apply(*tensors, axis=axis)


def where(condition, x, y):
    """Pick x where ``condition`` is true, else y;  ∂L/∂x = g where true (0 elsewhere), ∂L/∂y the rest."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return Where.apply(x, y, condition=condition.astype(bool))


class Concatenate(Function):
    """z = [a₁ | a₂ | …] along ``axis``;  ∂L/∂aᵢ = the slice of g that aᵢ filled."""
    hint = "All inputs must have the same shape except along the joining axis."

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """z = [a₁, a₂, …] along a new ``axis``;  ∂L/∂aᵢ = g taken at index i of that axis."""
    hint = "All inputs must have exactly the same shape."

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis, ctx.count = axis, len(arrays)
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.take(g, i, axis=ctx.axis) for i in range(ctx.count))


class Where(Function):
    """z = condition ? x : y (broadcast);  ∂L/∂x = g ⊙ condition,  ∂L/∂y = g ⊙ ¬condition."""
    hint = BROADCAST_HINT

    @staticmethod
    def forward(ctx, x, y, condition):
        ctx.condition = condition
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, g):
        zero = np.zeros((), dtype=g.dtype)
        return np.where(ctx.condition, g, zero), np.where(ctx.condition, zero, g)


# ---------------------------------------------------------------- reductions


def _expand_to(g, shape, axis, keepdims):
    """Undo a reduction's shape change: put back the reduced axes (size 1), then broadcast to ``shape``."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _reduced_count(shape, axis):
    """How many elements were combined into each output of a reduction over ``axis``."""
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.isscalar(axis) else axis
    return int(np.prod([shape[i] for i in axes]))


class Sum(Function):
    """z = Σ a over ``axis``;  ∂L/∂a = g copied back over the summed axes."""
    hint = "axis must be None, an int or a tuple of ints within the tensor's dimensions."

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return a.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return (_expand_to(g, ctx.shape, ctx.axis, ctx.keepdims),)


class Mean(Function):
    """z = (1/n) Σ a over ``axis`` (n elements each);  ∂L/∂a = g / n copied back."""
    hint = Sum.hint

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        ctx.n = _reduced_count(a.shape, axis)
        return a.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return (_expand_to(g / ctx.n, ctx.shape, ctx.axis, ctx.keepdims),)


class Max(Function):
    """z = max a over ``axis``;  ∂L/∂a = g at the arg-max (shared equally between ties), 0 elsewhere."""
    hint = Sum.hint + " A max over an empty axis is undefined."

    @staticmethod
    def forward(ctx, a, axis, keepdims):
        top = a.max(axis=axis, keepdims=True)
        is_max = (a == top).astype(a.dtype)
        ctx.share = is_max / is_max.sum(axis=axis, keepdims=True)
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        if keepdims:
            return top
        return top.reshape(()) if axis is None else np.squeeze(top, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return (_expand_to(g, ctx.shape, ctx.axis, ctx.keepdims) * ctx.share,)


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
        return (g * z,)


class Log(Function):
    """z = ln a (a > 0);  ∂L/∂a = g / a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (g / a,)


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
        return (g / (2 * z),)


class Abs(Function):
    """z = |a|;  ∂L/∂a = g ⊙ sign(a) (0 at a = 0)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (g * np.sign(a),)


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
        return (g * (1 - z * z),)


# The three activations of every autoencoder run on kernels (minigrad_ae/kernels/activations.py: the NumPy
# reference of each sits beside its compiled loop), because they are on every training step's hot path.


class Sigmoid(Function):
    """z = σ(a) = 1 / (1 + e⁻ᵃ);  ∂L/∂a = g ⊙ z(1 − z).

    Computed so that it neither overflows nor loses tiny values for large |a| (see ``kernels.sigmoid_forward``).
    """

    @staticmethod
    def forward(ctx, a):
        z = kernels.sigmoid_forward(a)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION sigmoid_backward
        (z,) = ctx.saved
        return (kernels.sigmoid_backward(g, z),)  # g ⊙ z(1 − z) in one pass (kernels/activations.py)
        # END SOLUTION


class ReLU(Function):
    """z = max(a, 0);  ∂L/∂a = g where a > 0, else 0."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return kernels.relu_forward(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (kernels.relu_backward(g, a),)


class LeakyReLU(Function):
    """z = a if a > 0 else s·a;  ∂L/∂a = g where a > 0, else s·g."""

    @staticmethod
    def forward(ctx, a, slope):
        ctx.save_for_backward(a)
        ctx.slope = slope
        return kernels.leaky_relu_forward(a, slope)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved
        return (kernels.leaky_relu_backward(g, a, ctx.slope),)


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
        (a,) = ctx.saved
        inside = np.ones(a.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= a >= ctx.lo
        if ctx.hi is not None:
            inside &= a <= ctx.hi
        return (g * inside,)
