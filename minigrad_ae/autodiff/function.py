"""``Function``: one differentiable op = a forward on arrays and its vector-Jacobian product (VJP).

A subclass writes two static methods side by side::

    class Sin(Function):
        '''z = sin a;  ∂L/∂a = g ⊙ cos a.'''
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return np.sin(a)

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved
            return g * np.cos(a)

``backward`` receives g = ∂L/∂output and returns one gradient per input (``None`` for "no gradient"), each
shaped like the output-broadcast it came from: the engine sums it back to the input's shape
(``engine.unbroadcast``), so no op has to. Everything backward needs goes through ``ctx.save_for_backward``
(freed after backward); small settings (an axis, a shape) may be attributes of ``ctx``.

**Gradients of gradients.** ``backward(create_graph=True)`` calls the same ``backward`` with g a Tensor and
``ctx.saved`` giving Tensors for the saved inputs and output, so a backward written with operations that work on
arrays and on Tensors alike (``* / + -``, ``@``, ``.sum``, ``.reshape``, ``.T``, the helpers of ops.py) records
its own graph and can be differentiated again. Saved arrays that are neither an input nor the output stay
constants there — right for a mask (its derivative is 0 almost everywhere), wrong for an intermediate result.
A Function whose backward needs such an intermediate (a fused loss, batch norm, a convolution) also writes
``composite(*tensors, **params)``: the same forward as a composition of primitive ops, whose graph the engine
differentiates instead when it builds a graph of gradients.

A worked example: SiLU, z = a ⊙ σ(a), whose derivative needs s = σ(a), an intermediate::

    class SiLU(Function):
        '''z = a ⊙ σ(a);  ∂L/∂a = g ⊙ s ⊙ (1 + a ⊙ (1 − s)) with s = σ(a).'''
        @staticmethod
        def forward(ctx, a):
            s = 1 / (1 + np.exp(-a))
            ctx.save_for_backward(a, s)      # a comes back as a Tensor in a graph of gradients; s stays an array
            return a * s

        @staticmethod
        def backward(ctx, g):
            a, s = ctx.saved
            return g * s * (1 + a * (1 - s))

        @staticmethod
        def composite(a):                    # the same z from primitive ops, each with its own double backward
            return a * a.sigmoid()

Without ``composite`` the first derivative is right and the second is not: differentiating backward's graph sees
s as a constant and drops the σ′ terms. ``gradcheck(SiLU.apply, [x], order=2)`` then fails on the row
``∂²f/∂(input 0)² · u`` (relative error 0.3 on x = linspace(−2, 2, 5)), and passes with it. An op whose backward
needs only its inputs and output (Exp saves its output z: ∂L/∂a = g ⊙ z) needs no composite. A composite must be
as stable as the forward it stands for: its derivatives are what a gradient penalty or a Hessian computes.
"""
import weakref

import numpy as np

from . import anomaly, mode
from .engine import grad
from .tensor import Tensor
from ..validate import ShapeError

BROADCAST_HINT = ("Shapes broadcast when, compared from the right, each pair of dimensions is equal "
                  "or one of them is 1. Fix: reshape an operand (e.g. b.reshape(-1, 1)) or transpose it.")


class Context:
    """The record of one op application — the ``creator`` of its output: the Function, its input tensors,
    the settings it was called with, and what it saved for backward.

    ``forward`` may also set small attributes it needs later (``ctx.axis = axis``).
    """

    __slots__ = ("fn", "parents", "needs_input_grad", "params", "version_sum", "created_at", "_saved", "_output_at",
                 "_output", "_graph_of_grads", "__dict__")

    def __init__(self, fn, parents, needs_input_grad, params):
        self.fn = fn
        self.parents = parents                    # the input Tensors
        self.needs_input_grad = needs_input_grad  # one bool per input
        self.params = params                      # forward's keyword settings (a composite re-runs with them)
        self.version_sum = 0                      # set when the op is recorded (see Function.apply)
        self.created_at = anomaly.user_frame() if mode.anomaly_enabled else None
        self._saved, self._output_at, self._output, self._graph_of_grads = (), None, None, False

    def save_for_backward(self, *values):
        """Keep what backward needs (arrays, index tuples); read back as ``ctx.saved``, freed after backward."""
        self._saved = values

    def _note_output(self, returned, output):
        """After forward: if forward saved its own result, note where, and keep a weak reference to the output
        Tensor (the output holds this record, not the other way round) for a graph of gradients to use.

        ``returned`` is what forward returned (a NumPy scalar for a 0-d result), ``output`` the Tensor made of it.
        Everything else about the saved values is worked out when backward reads them (``saved``): most recorded
        ops are never differentiated twice, and many are never differentiated at all."""
        for i, value in enumerate(self._saved):
            if value is returned:
                self._output_at, self._output = i, weakref.ref(output)
                if type(value) is not np.ndarray:   # a NumPy scalar: keep the output's 0-d array instead
                    self._saved = self._saved[:i] + (output.data,) + self._saved[i + 1:]
                return

    @property
    def saved(self):
        """What forward saved, arrays as read-only views, so an accidental in-place write in backward fails loudly
        instead of corrupting a gradient; or, while backward builds a graph of gradients, the input and output
        Tensors themselves in place of their arrays, so the gradient computed from them stays connected."""
        if self._saved is None:
            raise RuntimeError(
                f"backward: the graph through {self.fn.__name__} was already freed by an earlier backward(). "
                "Call backward(retain_graph=True) the first time if you need to go backward twice, "
                "or recompute the forward pass.")
        if self._graph_of_grads:
            return tuple(self._as_graph_node(i, value) for i, value in enumerate(self._saved))
        values = []   # a loop, not read_only(): this runs for every op backward passes through
        for value in self._saved:
            if type(value) is np.ndarray:
                value = value.view()
                value.setflags(write=False)
            values.append(value)
        return tuple(values)

    def _as_graph_node(self, i, value):
        """Saved value number ``i`` in a graph of gradients: the output Tensor, the input Tensor whose array it is,
        or, for anything else (a mask, an intermediate), a read-only constant."""
        if i == self._output_at:
            return self._output_tensor(value)
        for p in self.parents:
            if value is p.data:
                return p
        return read_only(value)

    def _output_tensor(self, value):
        """The output Tensor itself (one graph node per output, however often it is asked for), or, once the
        program has dropped it, a new Tensor of the same value and creator that stands in for it."""
        output = self._output()
        if output is None:
            output = Tensor._make(value, True, self)
            self._output = weakref.ref(output)
        return output

    def vjp(self, g, create_graph=False):
        """One gradient per input (None where none is needed) from g = ∂L/∂output: the op's backward, checked."""
        version_sum = 0
        for p in self.parents:
            version_sum += p._version
        if version_sum != self.version_sum:
            self._refuse_modified_inputs()
        if not create_graph:
            grads = self.fn.backward(self, g)
        elif self.fn.composite is not None:
            grads = self._composite_vjp(g)
        else:
            self._graph_of_grads = True
            try:
                grads = self.fn.backward(self, g)
            finally:
                self._graph_of_grads = False
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(self.parents):
            raise RuntimeError(f"backward: {self.fn.__name__}.backward returned {len(grads)} gradients for "
                               f"{len(self.parents)} inputs; return one per input (None for no gradient).")
        if mode.anomaly_enabled:
            for input_grad in grads:
                if input_grad is not None:
                    anomaly.check_finite(input_grad, "backward gradient", self)
        return grads

    def _composite_vjp(self, g):
        """The VJP as a graph: rebuild the forward from primitive ops and differentiate that (create_graph)."""
        with mode.enable_grad():
            out = self.fn.composite(*self.parents, **self.params)
        wanted = [p for p, need in zip(self.parents, self.needs_input_grad) if need]
        found = iter(grad(out, wanted, g, create_graph=True, allow_unused=True))
        return tuple(next(found) if need else None for need in self.needs_input_grad)

    def release(self):
        """Drop everything saved after backward: the saved arrays are the graph's largest part."""
        self._saved = self.params = self._output = None

    def _refuse_modified_inputs(self):
        raise RuntimeError(
            f"backward: an input of {self.fn.__name__} ({anomaly.describe(self.parents)}) was modified in place "
            "after the forward pass, e.g. by optimizer.step(); its gradient would be wrong. Call loss.backward() "
            "before optimizer.step(), or recompute the forward pass.")


def read_only(value):
    """A read-only view of an array (anything else as it is): writing into it raises instead of changing the array."""
    if type(value) is np.ndarray:
        value = value.view()
        value.setflags(write=False)   # a third of the cost of going through value.flags
    return value


class Function:
    """Base class of every op. Call ``SubClass.apply(*inputs, **params)``; never instantiate it."""

    hint = ""  # one sentence on how to fix a bad input, appended to shape errors
    # True when backward returns arrays it has just made and keeps no reference to: the engine may then give
    # them to leaf tensors as .grad without a defensive copy (a weight's gradient can be megabytes)
    fresh_grads = False
    composite = None   # optional: the forward built from primitive ops, for gradients of gradients (see above)

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run forward on the inputs' arrays and, if any input requires grad, record the op as the output's creator."""
        tensors = inputs
        for x in inputs:
            if not isinstance(x, Tensor):
                tensors = lift(inputs, cls.__name__)
                break
        # one pass over the inputs (ops have one to three): their arrays, which need a gradient, their versions
        arrays, needs, version_sum = [], [], 0
        for t in tensors:
            arrays.append(t.data)
            needs.append(t.requires_grad)
            version_sum += t._version
        needs = tuple(needs)
        record = mode.grad_enabled and True in needs
        ctx = Context(cls, tensors, needs, params)
        try:
            returned = cls.forward(ctx, *arrays, **params)
        except ShapeError:
            raise
        except (ValueError, IndexError) as err:
            raise ShapeError(f"{cls.__name__}: {err}. Inputs: {anomaly.describe(tensors)}. {cls.hint}"
                             ).with_traceback(None) from None
        # a reduction or a ufunc on a 0-d array returns a NumPy scalar
        out = returned if type(returned) is np.ndarray else np.asarray(returned)
        if mode.anomaly_enabled:
            anomaly.check_finite(out, "forward output", ctx)
        if not record:
            return Tensor._make(out, False, None)
        output = Tensor._make(out, True, ctx)
        # versions only grow, so their sum changes exactly when an input was modified in place afterwards
        ctx.version_sum = version_sum
        if ctx._saved:
            ctx._note_output(returned, output)
        return output


_FLOAT32 = np.dtype(np.float32)
_FLOATS = (_FLOAT32, np.dtype(np.float64))
_SCALARS = (int, float, bool, np.number, np.bool_)


def lift(inputs, op_name):
    """Each input as a Tensor: Python/NumPy scalars take the dtype of the first tensor (so ``x * 2.0`` stays
    float32), float32 and float64 arrays keep their dtype, other arrays become that dtype; anything else is
    refused."""
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
        elif isinstance(x, np.ndarray) and x.dtype.kind in "fiub":
            arr = x if x.dtype in _FLOATS else x.astype(like)   # ints, bools, float16: the graph's dtype
            tensors.append(Tensor._make(arr, False, None))
        else:
            raise TypeError(
                f"{op_name}: got a {type(x).__name__}{' of dtype ' + str(x.dtype) if isinstance(x, np.ndarray) else ''}"
                "; ops take Tensors, real-valued NumPy arrays or scalars. Wrap it first: mg.tensor(...).")
    return tensors
