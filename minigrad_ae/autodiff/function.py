"""``Function``: one differentiable op = a forward on arrays and its vector-Jacobian product.

A subclass writes two static methods side by side::

    class Mul(Function):
        '''z = a ⊙ b;  ∂L/∂a = g ⊙ b,  ∂L/∂b = g ⊙ a.'''
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved
            return g * b, g * a

``backward`` receives g = ∂L/∂output and returns one gradient per input (``None`` for "no
gradient"), each shaped like the *output*-broadcast it came from: the engine sums it back to the
input's shape (``unbroadcast``), so no op has to.
"""
import os
import traceback

import numpy as np

from . import mode
from .tensor import Tensor


class ShapeError(ValueError):
    """An op got inputs whose shapes do not fit together; the message names the op and the fix."""


BROADCAST_HINT = ("Shapes broadcast when, compared from the right, each pair of dimensions is equal "
                  "or one of them is 1. Fix: reshape an operand (e.g. b.reshape(-1, 1)) or transpose it.")

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Context:
    """What one recorded op remembers for its backward: the function, its inputs, saved arrays.

    ``forward`` may also set any attribute it needs later (``ctx.axis = axis``).
    """

    __slots__ = ("fn", "parents", "needs_input_grad", "versions", "created_at", "_saved", "__dict__")

    def __init__(self, fn, parents, needs_input_grad):
        self.fn = fn
        self.parents = parents                    # input Tensors (empty when nothing is recorded)
        self.needs_input_grad = needs_input_grad  # one bool per input
        self.versions = [p._version for p in parents]
        self.created_at = None                    # "file:line" of user code, in anomaly mode
        self._saved = ()                          # None once backward has freed them

    def save_for_backward(self, *arrays):
        """Keep arrays for backward as read-only views: an accidental in-place write fails loudly."""
        if not self.parents:
            return
        views = []
        for a in arrays:
            if isinstance(a, np.ndarray):
                a = a.view()
                a.setflags(write=False)
            views.append(a)
        self._saved = tuple(views)

    @property
    def saved(self):
        if self._saved is None:
            raise RuntimeError(
                f"backward: the graph through {self.fn.__name__} was already freed by an earlier backward(). "
                "Call backward(retain_graph=True) the first time if you need to go backward twice, "
                "or recompute the forward pass.")
        return self._saved

    def release(self):
        """Drop the saved arrays after backward (their memory is the graph's largest part)."""
        self._saved = None


class Function:
    """Base class of every op. Call ``SubClass.apply(*inputs, **params)``; never instantiate it."""

    hint = ""  # one sentence on how to fix a bad input, appended to shape errors
    # True when backward returns arrays it has just made and keeps no reference to: the engine may then give
    # them to leaf tensors as .grad without the defensive copy (a weight's gradient can be megabytes)
    fresh_grads = False

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run forward on the inputs' arrays and, if any input requires grad, record the op."""
        tensors = inputs
        for x in inputs:
            if not isinstance(x, Tensor):
                tensors = _lift(inputs, cls.__name__)
                break
        needs = tuple([t.requires_grad for t in tensors])
        record = mode.grad_enabled and True in needs
        ctx = Context(cls, tensors if record else (), needs)
        if mode.anomaly_enabled:
            ctx.created_at = _user_frame()
        try:
            out = cls.forward(ctx, *[t.data for t in tensors], **params)
        except ShapeError:
            raise
        except (ValueError, IndexError) as err:
            raise ShapeError(f"{cls.__name__}: {err}. Inputs: {_describe(tensors)}. {cls.hint}").with_traceback(None) from None
        if type(out) is not np.ndarray:  # a reduction may return a NumPy scalar
            out = np.asarray(out)
        if mode.anomaly_enabled:
            check_finite(out, "forward output", ctx, tensors)
        return Tensor._make(out, record, ctx if record else None)


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``.

    If x of shape (3, 1) met y of shape (4,) the output is (3, 4); x's gradient is the output
    gradient summed over axis 1 (stretched) and y's over axis 0 (added).
    """
    if grad.shape == shape:
        return grad
    added = grad.ndim - len(shape)
    if added < 0 or any(n not in (1, m) for n, m in zip(shape, grad.shape[added:])):
        raise ValueError(f"a gradient of shape {grad.shape} cannot be summed back to shape {shape}")
    stretched = tuple(added + i for i, n in enumerate(shape) if n == 1 and grad.shape[added + i] != 1)
    return grad.sum(axis=tuple(range(added)) + stretched).reshape(shape)


def check_finite(array, what, ctx, tensors):
    """Anomaly mode: raise if ``array`` holds NaN or Inf, naming the op and where it was made."""
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise FloatingPointError(
            f"detect_anomaly: {ctx.fn.__name__} produced {bad} in its {what}. Inputs: {_describe(tensors)}. "
            f"Created at {ctx.created_at}. Typical causes: log or division of 0, exp overflow, sqrt of a "
            "negative number; clamp the input or use the numerically stable fused loss.")


def _describe(tensors):
    return ", ".join(f"{t.shape} {t.dtype}" for t in tensors)


_FLOAT32 = np.dtype(np.float32)
_SCALARS = (int, float, bool, np.number, np.bool_)


def _lift(inputs, op_name):
    """Turn each input into a Tensor. Python/NumPy scalars take the dtype of the first tensor
    (so ``x * 2.0`` stays float32); float arrays keep their dtype; lists are refused."""
    like = _FLOAT32
    for x in inputs:
        if isinstance(x, Tensor):
            like = x.data.dtype
            break
    tensors = []
    for x in inputs:
        if isinstance(x, Tensor):
            tensors.append(x)
        elif isinstance(x, _SCALARS):
            tensors.append(Tensor._make(np.asarray(x, dtype=like), False, None))
        elif isinstance(x, np.ndarray):
            arr = x if np.issubdtype(x.dtype, np.floating) else x.astype(like)
            tensors.append(Tensor._make(arr, False, None))
        else:
            raise TypeError(
                f"{op_name}: got a {type(x).__name__}; ops take Tensors, NumPy arrays or scalars. "
                f"Wrap it first: mg.tensor(...).")
    return tensors


def _user_frame():
    """The innermost stack frame outside this package, as 'file:line in function'."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"
