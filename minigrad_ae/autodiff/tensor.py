"""``Tensor``: a NumPy array that remembers the op that made it, so gradients can flow back.

Every arithmetic method below is one line that hands its arrays to a ``Function`` in ``ops.py``,
where the forward and its vector-Jacobian product sit side by side.
"""
import numpy as np


class Tensor:
    """An n-d array (``data``) plus what autodiff needs: ``requires_grad``, ``grad`` and the op (``_ctx``).

    float32 by default; float64 data stays float64 (use it for gradient checks).
    ``grad`` is a NumPy array shaped like ``data`` once ``backward()`` has reached this tensor.
    """

    __slots__ = ("data", "requires_grad", "grad", "_ctx", "_version", "name", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _to_array(data, dtype, requires_grad)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._ctx = None
        self._version = 0   # bumped by in-place updates (optimizers); checked by backward
        self.name = name

    @classmethod
    def _make(cls, data, requires_grad, ctx):
        """Fast constructor for op outputs: ``data`` is already a proper ndarray."""
        t = object.__new__(cls)
        t.data, t.requires_grad, t.grad, t._ctx, t._version, t.name = data, requires_grad, None, ctx, 0, None
        return t

    # ----- array facts -----
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: tensor has shape {self.shape} ({self.size} elements); item() needs exactly "
                             "one. Reduce it first, e.g. t.sum().item() or t.mean().item().")
        return self.data.item()

    def detach(self):
        """A tensor sharing this data but cut from the graph (no gradient flows through it)."""
        return Tensor._make(self.data, False, None)

    def bump_version(self):
        """Record an in-place change of ``data`` so a stale graph refuses to backpropagate through it."""
        self._version += 1

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, edgeitems=2,
                               prefix="tensor(")
        extras = [f"dtype={self.dtype}"]
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self._ctx is not None:
            extras.append(f"op={self._ctx.fn.__name__}")
        return f"tensor({body}, {', '.join(extras)})"

    # ----- autodiff -----
    def backward(self, grad=None, retain_graph=False):
        """Fill ``.grad`` of every tensor this one depends on with ∂self/∂tensor (times ``grad``).

        Leaf gradients accumulate across calls (call ``zero_grad`` between steps). Without
        ``retain_graph=True`` the saved arrays are freed, so a second backward raises.
        """
        from .engine import backward
        backward(self, grad, retain_graph)

    def graph(self):
        """Print the computation graph that produced this tensor, as indented text."""
        from .graph import graph_text
        print(graph_text(self))

    # ----- operators (each calls one Function in ops.py) -----
    def __add__(self, other): return ops.Add.apply(self, other)
    def __radd__(self, other): return ops.Add.apply(other, self)
    def __sub__(self, other): return ops.Sub.apply(self, other)
    def __rsub__(self, other): return ops.Sub.apply(other, self)
    def __mul__(self, other): return ops.Mul.apply(self, other)
    def __rmul__(self, other): return ops.Mul.apply(other, self)
    def __truediv__(self, other): return ops.Div.apply(self, other)
    def __rtruediv__(self, other): return ops.Div.apply(other, self)
    def __matmul__(self, other): return ops.MatMul.apply(self, other)
    def __rmatmul__(self, other): return ops.MatMul.apply(other, self)
    def __neg__(self): return ops.Neg.apply(self)

    def __pow__(self, exponent):
        if isinstance(exponent, (Tensor, np.ndarray, list)):
            raise TypeError("pow: the exponent must be a Python or NumPy scalar, got "
                            f"{type(exponent).__name__}. For a tensor exponent b use (b * x.log()).exp().")
        return ops.Pow.apply(self, exponent=exponent)

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return ops.GetItem.apply(self, index=index)

    # ----- shape -----
    @property
    def T(self):
        """Reverse the axes (the matrix transpose for 2-d)."""
        return ops.Transpose.apply(self, axes=None)

    def transpose(self, *axes):
        """Permute the axes: ``x.transpose(1, 0, 2)``; no arguments reverses them."""
        return ops.Transpose.apply(self, axes=_flatten_args(axes) or None)

    def reshape(self, *shape):
        """Same elements, new shape: ``x.reshape(2, -1)`` or ``x.reshape((2, -1))``."""
        return ops.Reshape.apply(self, shape=_flatten_args(shape))

    # ----- reductions -----
    def sum(self, axis=None, keepdims=False): return ops.Sum.apply(self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return ops.Mean.apply(self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return ops.Max.apply(self, axis=axis, keepdims=keepdims)

    # ----- elementwise -----
    def exp(self): return ops.Exp.apply(self)
    def log(self): return ops.Log.apply(self)
    def sqrt(self): return ops.Sqrt.apply(self)
    def abs(self): return ops.Abs.apply(self)
    def tanh(self): return ops.Tanh.apply(self)
    def sigmoid(self): return ops.Sigmoid.apply(self)
    def relu(self): return ops.ReLU.apply(self)
    def leaky_relu(self, negative_slope=0.01): return ops.LeakyReLU.apply(self, slope=negative_slope)
    def clip(self, lo=None, hi=None): return ops.Clip.apply(self, lo=lo, hi=hi)


def _flatten_args(args):
    """Accept both f(2, 3) and f((2, 3))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _to_array(data, dtype, requires_grad):
    """NumPy array for a new tensor: float32 unless the data is float64 or ``dtype`` says otherwise."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as err:
        raise TypeError(f"tensor: cannot make a numeric array from this {type(data).__name__} ({err}). "
                        "Nested lists must be rectangular and hold numbers only.") from None
    keeps_dtype = isinstance(data, (np.ndarray, np.generic)) and arr.dtype in (np.float32, np.float64)
    if dtype is None and not keeps_dtype:  # Python floats and lists become float32, not NumPy's float64
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
            raise TypeError(f"tensor: data of dtype {arr.dtype} is not numeric; pass numbers.")
        arr = arr.astype(np.float32)
    if requires_grad and not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"tensor: a {arr.dtype} tensor cannot require grad (gradients need real numbers). "
                        "Use dtype=np.float32 or np.float64, or leave requires_grad=False.")
    return arr


def tensor(data, requires_grad=False, dtype=None, name=None):
    """Make a Tensor: float32 by default, float64 kept; shares memory with a float NumPy array."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def zeros(shape, dtype=np.float32, requires_grad=False):
    """A tensor of zeros."""
    return Tensor(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)


def ones(shape, dtype=np.float32, requires_grad=False):
    """A tensor of ones."""
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad)


def randn(shape, rng=None, dtype=np.float32, requires_grad=False):
    """Standard-normal samples N(0, 1) drawn from ``rng`` (a ``np.random.Generator``)."""
    rng = np.random.default_rng() if rng is None else rng
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


from . import ops  # noqa: E402  (ops.py needs Tensor defined first; the methods above use ops)
