"""What you can call on a Tensor, and which Function (ops.py) or engine routine (engine.py) does it.

Attached to the class here, one line each, so tensor.py need not import the ops (which need Tensor): the import
graph stays a line. ``help(x.exp)`` shows the op's formula: each method carries its Function's docstring.
PyTorch's names and argument names work too where PyTorch has the concept (``dim=``/``keepdim=``, ``view``,
``permute``, ``unsqueeze``, ``pow`` …); comparisons return plain boolean NumPy arrays (a mask has no gradient).
"""
import numpy as np

from . import engine, ops
from .graph import graph_text
from .tensor import Tensor, as_array
from ..validate import is_integer, number


def _method(function, name):
    """Tensor method ``name`` that applies the one-input ``function``, documented by its formula."""
    def method(self):
        return function.apply(self)
    method.__name__, method.__doc__ = name, function.__doc__
    return method


def _pow(self, exponent):
    if isinstance(exponent, (Tensor, np.ndarray, list)):
        raise TypeError("pow: the exponent must be a Python or NumPy scalar, got "
                        f"{type(exponent).__name__}. For a tensor exponent b use (b * x.log()).exp().")
    return ops.Pow.apply(self, exponent=number(exponent, "exponent", "pow"))


def _getitem(self, index):
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return ops.GetItem.apply(self, index=index)


def _shape_args(args):
    """Accept both f(2, 3) and f((2, 3))."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def _axis(axis, dim, caller):
    """``axis`` (NumPy's name) or ``dim`` (PyTorch's), not both; a list of axes becomes a tuple."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{caller}: give axis or dim (the same thing, NumPy's and PyTorch's names), not both.")
        axis = dim
    axis = tuple(axis) if isinstance(axis, list) else axis
    if axis is not None and not all(is_integer(a) for a in (axis if isinstance(axis, tuple) else (axis,))):
        raise TypeError(f"{caller}: the axis must be None, an int or a tuple of ints, e.g. {caller}(axis=1), "
                        f"got {axis!r}.")
    return axis


def _reduction(function, name):
    def method(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return function.apply(self, axis=_axis(axis, dim, name), keepdims=keepdims if keepdim is None else keepdim)
    method.__name__, method.__doc__ = name, function.__doc__ + "\n\n(``dim``/``keepdim`` are PyTorch's names.)"
    return method


def transpose(self, *axes):
    """Permute the axes: ``x.transpose(1, 0, 2)`` (NumPy's meaning); no arguments reverses them.
    (PyTorch's ``transpose(dim0, dim1)`` swaps two axes: that is ``swapaxes`` here; ``permute`` is the same as this.)"""
    return ops.Transpose.apply(self, axes=_shape_args(axes) or None)


def reshape(self, *shape):
    """Same elements, new shape: ``x.reshape(2, -1)`` or ``x.reshape((2, -1))``; ``view`` is the same."""
    return ops.Reshape.apply(self, shape=_shape_args(shape))


def broadcast_to(self, *shape):
    """Repeat along new or size-1 axes to ``shape`` (NumPy's rules; PyTorch's ``expand``)."""
    return ops.BroadcastTo.apply(self, shape=_shape_args(shape))


def leaky_relu(self, negative_slope=0.01):
    """x where x > 0, else negative_slope · x."""
    return ops.LeakyReLU.apply(self, slope=negative_slope)


def clip(self, lo=None, hi=None):
    """min(max(x, lo), hi); either bound may be None."""
    return ops.Clip.apply(self, lo=lo, hi=hi)


def chunk(self, chunks, dim=0):
    """``chunks`` pieces along ``dim``, as ``torch.chunk``."""
    return ops.chunk(self, chunks, dim)


def split(self, split_size_or_sections, dim=0):
    """Pieces of a size, or of the given sizes, along ``dim``, as ``torch.split``."""
    return ops.split(self, split_size_or_sections, dim)


def flatten(self, start_dim=0, end_dim=-1):
    """The axes start_dim … end_dim merged into one (as ``torch.flatten``): a reshape."""
    start, end = start_dim % max(self.ndim, 1), end_dim % max(self.ndim, 1)
    return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:]) if self.ndim else self.reshape(1)


def unsqueeze(self, dim):
    """A new axis of size 1 at ``dim`` (as ``torch.unsqueeze``): a reshape."""
    at = dim % (self.ndim + 1)
    return self.reshape(self.shape[:at] + (1,) + self.shape[at:])


def squeeze(self, dim=None):
    """Axes of size 1 removed (only ``dim`` if given, and only if it has size 1, as in PyTorch): a reshape."""
    if dim is None:
        return self.reshape(tuple(n for n in self.shape if n != 1))
    at = dim % max(self.ndim, 1)
    return self.reshape(self.shape[:at] + self.shape[at + 1:]) if self.ndim and self.shape[at] == 1 else self


def swapaxes(self, axis1, axis2):
    """Exchange two axes (NumPy's ``swapaxes``; PyTorch's ``transpose(dim0, dim1)``): a transpose."""
    axes = list(range(self.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return ops.Transpose.apply(self, axes=tuple(axes))


def argmax(self, dim=None, keepdim=False, *, axis=None):
    """Position of the largest entry along ``dim`` (in the flattened tensor for None): an int64 Tensor with no
    gradient, as ``torch.argmax``. ``(logits.argmax(dim=1) == labels).sum().item()`` counts right answers."""
    return Tensor(np.argmax(self.data, axis=_axis(axis, dim, "argmax"), keepdims=keepdim), dtype=np.int64)


def _compare(compare):
    def method(self, other):
        return compare(self.data, as_array(other, "other", "comparison"))
    method.__doc__ = "A boolean NumPy mask (not a Tensor: a comparison has no gradient)."
    return method


_T = Tensor
# arithmetic: a Python or NumPy scalar takes the tensor's dtype (Function.apply lifts it)
_T.__add__ = lambda self, other: ops.Add.apply(self, other)
_T.__radd__ = lambda self, other: ops.Add.apply(other, self)
_T.__sub__ = lambda self, other: ops.Sub.apply(self, other)
_T.__rsub__ = lambda self, other: ops.Sub.apply(other, self)
_T.__mul__ = lambda self, other: ops.Mul.apply(self, other)
_T.__rmul__ = lambda self, other: ops.Mul.apply(other, self)
_T.__truediv__ = lambda self, other: ops.Div.apply(self, other)
_T.__rtruediv__ = lambda self, other: ops.Div.apply(other, self)
_T.__matmul__ = lambda self, other: ops.MatMul.apply(self, other)
_T.__rmatmul__ = lambda self, other: ops.MatMul.apply(other, self)
_T.__neg__ = lambda self: ops.Neg.apply(self)
_T.__pow__ = _T.pow = _pow
_T.__getitem__ = _getitem
_T.__iter__ = lambda self: (self[i] for i in range(len(self)))
_T.__lt__, _T.__le__ = _compare(np.less), _compare(np.less_equal)
_T.__gt__, _T.__ge__ = _compare(np.greater), _compare(np.greater_equal)
_T.__eq__, _T.__ne__ = _compare(np.equal), _compare(np.not_equal)   # elementwise, as PyTorch's
_T.__hash__ = object.__hash__   # still hashed by identity (as PyTorch's): tensors stay usable in sets and as keys
# shape
_T.T = property(lambda self: ops.Transpose.apply(self, axes=None), doc="Reverse the axes (the matrix transpose).")
_T.transpose = _T.permute = transpose
_T.reshape = _T.view = reshape
_T.broadcast_to, _T.flatten, _T.unsqueeze, _T.squeeze, _T.swapaxes = broadcast_to, flatten, unsqueeze, squeeze, swapaxes
_T.chunk, _T.split = chunk, split
# reductions
_T.sum, _T.mean, _T.max = _reduction(ops.Sum, "sum"), _reduction(ops.Mean, "mean"), _reduction(ops.Max, "max")
# elementwise functions
_T.exp, _T.log, _T.sqrt, _T.abs = (_method(ops.Exp, "exp"), _method(ops.Log, "log"), _method(ops.Sqrt, "sqrt"),
                                   _method(ops.Abs, "abs"))
_T.tanh, _T.sigmoid, _T.relu = _method(ops.Tanh, "tanh"), _method(ops.Sigmoid, "sigmoid"), _method(ops.ReLU, "relu")
_T.leaky_relu, _T.clip, _T.argmax = leaky_relu, clip, argmax
# autodiff
_T.backward = engine.backward
_T.graph = lambda self: print(graph_text(self))
