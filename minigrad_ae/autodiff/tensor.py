"""``Tensor``: a NumPy array that remembers the op that made it (its ``creator``), so gradients can flow back.

This file is the data structure alone. What you can *do* with a tensor — ``+ * @``, ``.exp()``, ``.sum()``,
``.backward()`` — is attached by ``methods.py``, one line per method, each handing its arrays to a ``Function``
(``ops.py``) or to the engine (``engine.py``). That keeps the import graph a straight line:
tensor → engine → function → ops → methods (the engine walks any graph of creators; it needs no op).
"""
import numpy as np

from ..validate import dtype as check_dtype
from ..validate import generator, is_integer, numeric_array, shape as check_shape


class Tensor:
    """An n-d array (``data``) plus what autodiff needs: ``requires_grad``, ``grad`` and ``creator``.

    float32 by default; float64 data stays float64 (use it for gradient checks).
    ``creator`` is the record (a ``Context``) of the op that computed this tensor — its Function, its input
    tensors and what its backward needs — or None for a leaf (data you made: inputs, parameters).
    ``grad`` is a NumPy array shaped like ``data`` once ``backward()`` has reached this tensor
    (a Tensor after ``backward(create_graph=True)``, so it can be differentiated again).
    """

    __slots__ = ("data", "requires_grad", "grad", "creator", "_version", "name", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray + Tensor`` call Tensor.__radd__ instead of NumPy

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self.data = _to_array(data, dtype, requires_grad)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.creator = None
        self._version = 0   # bumped by in-place updates (optimizers); checked by backward
        self.name = name

    @classmethod
    def _make(cls, data, requires_grad, creator):
        """Fast constructor for op outputs: ``data`` is already a proper ndarray."""
        t = object.__new__(cls)
        t.data, t.requires_grad, t.grad, t.creator, t._version, t.name = data, requires_grad, None, creator, 0, None
        return t

    # ----- array facts -----
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)

    @property
    def size(self):
        """The number of elements (NumPy's ``a.size``); called, PyTorch's ``t.size()`` / ``t.size(dim)``."""
        return ElementCount(self.data.shape)

    def to(self, device):
        """The tensor itself for ``"cpu"`` (PyTorch's ``.to(device)``); there is no other device here."""
        if str(device) != "cpu":
            raise ValueError(f"to: minigrad_ae runs on the CPU only, got device {device!r}. Drop the .to(...) call, "
                             "or write .to('cpu').")
        return self

    @property
    def is_leaf(self):
        """True for a tensor no recorded op made (inputs, parameters): backward accumulates into its ``.grad``."""
        return self.creator is None

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self):
        """The values as (nested) Python lists of numbers, as ``torch.Tensor.tolist``."""
        return self.data.tolist()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: tensor has shape {self.shape} ({self.size} elements); item() needs exactly "
                             "one. Reduce it first, e.g. t.sum().item() or t.mean().item().")
        return self.data.item()

    def detach(self):
        """A tensor sharing this data but cut from the graph (no gradient flows through it)."""
        return Tensor._make(self.data, False, None)

    def requires_grad_(self, requires_grad=True):
        """Switch gradient tracking of a leaf on or off, in place; returns the tensor (as in PyTorch)."""
        if not self.is_leaf and not requires_grad:
            raise RuntimeError(f"requires_grad_: this tensor was computed by {self.creator.fn.__name__}; only leaves "
                               "can stop requiring grad. Use t.detach() for a copy cut from the graph.")
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"requires_grad_: a {self.dtype} tensor cannot require grad (gradients need real "
                            "numbers). Make it float first: mg.tensor(x, dtype=np.float32).")
        self.requires_grad = bool(requires_grad)
        return self

    def bump_version(self):
        """Record an in-place change of ``data`` so a stale graph refuses to backpropagate through it."""
        self._version += 1

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, edgeitems=2,
                               prefix="tensor(")
        extras = [f"dtype={self.dtype}"]
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.creator is not None:
            extras.append(f"op={self.creator.fn.__name__}")
        return f"tensor({body}, {', '.join(extras)})"


class ElementCount(int):
    """An int (a tensor's element count) that can also be called like PyTorch's ``size``: ``t.size()`` is the
    shape and ``t.size(0)`` its first dimension, so ``x.view(x.size(0), -1)`` ports unchanged."""

    def __new__(cls, shape):
        count = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        count.shape = shape
        return count

    def __call__(self, dim=None):
        return self.shape if dim is None else self.shape[dim]


def as_array(x, name="x", func="as_array"):
    """The array of real numbers behind ``x``: a Tensor's ``data``, else ``x`` (array, list, number) through
    ``np.asarray`` (no copy if it can). Strings, objects and complex numbers are refused, naming ``func``, the
    public function ``x`` was given to, and ``name``, its argument."""
    return x.data if isinstance(x, Tensor) else numeric_array(x, name, func)


def float64_array(x, name, func):
    """``as_array`` in float64: for the NumPy computations (PCA, hand-derived gradients, ROC curves) that float32
    rounding would spoil."""
    return as_array(x, name, func).astype(np.float64, copy=False)


def as_tensor(x, name="x", func="as_tensor"):
    """Tensors pass through (keeping their graph); arrays, lists and numbers become constant tensors (float32
    unless float64); anything else is refused like ``as_array`` does. Data enters the ops through here."""
    return x if isinstance(x, Tensor) else Tensor(as_array(x, name, func))


def as_operand(x, name, func):
    """``x`` as an op's input beside other tensors: Tensors and real numbers as they are (the op gives a number
    its graph's dtype), arrays checked to hold real numbers, lists as tensors (float32, as ``mg.tensor`` makes
    them); anything else is refused naming ``func``."""
    if isinstance(x, (Tensor, bool, int, float, np.bool_, np.integer, np.floating)):
        return x
    return as_array(x, name, func) if isinstance(x, np.ndarray) else as_tensor(x, name, func)


def as_tensors(values, name, func):
    """A list or tuple of tensors as a list of Tensors (arrays, lists and numbers become constant tensors);
    anything else, or an empty list, is refused naming ``func``."""
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{func}: {name} must be a list or tuple of tensors, e.g. {func}([a, b]), got "
                        f"{type(values).__name__}.")
    if not values:
        raise ValueError(f"{func}: {name} is empty; give it at least one tensor.")
    return [as_tensor(value, f"{name}[{i}]", func) for i, value in enumerate(values)]


def _to_array(data, dtype, requires_grad):
    """NumPy array for a new tensor: float32 unless the data is float64 or ``dtype`` says otherwise."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = check_dtype(dtype, "dtype", "tensor")
    try:
        arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as err:
        raise TypeError(f"tensor: cannot make a numeric array from this {type(data).__name__} ({err}). "
                        "Nested lists must be rectangular and hold numbers only.") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"tensor: data of dtype {arr.dtype} is not real-valued; pass real numbers.")
    keeps_dtype = isinstance(data, (np.ndarray, np.generic)) and arr.dtype in (np.float32, np.float64)
    if dtype is None and not keeps_dtype:  # Python floats and lists become float32, not NumPy's float64
        arr = arr.astype(np.float32)
    if requires_grad and not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"tensor: a {arr.dtype} tensor cannot require grad (gradients need real numbers). "
                        "Use dtype=np.float32 or np.float64, or leave requires_grad=False.")
    return arr


def tensor(data, requires_grad=False, dtype=None, name=None):
    """Make a Tensor: float32 by default, float64 kept; shares memory with a float NumPy array."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def zeros(*size, dtype=np.float32, requires_grad=False):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``, as ``torch.zeros``."""
    return Tensor(np.zeros(_size(size, "zeros"), check_dtype(dtype, "dtype", "zeros")), requires_grad=requires_grad)


def ones(*size, dtype=np.float32, requires_grad=False):
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``, as ``torch.ones``."""
    return Tensor(np.ones(_size(size, "ones"), check_dtype(dtype, "dtype", "ones")), requires_grad=requires_grad)


def randn(*size, rng=None, dtype=np.float32, requires_grad=False):
    """Standard-normal samples N(0, 1) drawn from ``rng`` (a ``np.random.Generator``): ``randn(2, 3, rng=rng)`` or
    ``randn((2, 3), rng=rng)``. (``torch.randn`` draws from a global generator; here the draw names its own.)"""
    shape, dtype = _size(size, "randn"), check_dtype(dtype, "dtype", "randn", floating=True)
    return Tensor(generator(rng, "randn").standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def _size(size, func):
    """The shape from PyTorch's two spellings, ``f(2, 3)`` and ``f((2, 3))``."""
    if len(size) > 1 and not all(is_integer(n) for n in size):
        raise TypeError(f"{func}: the size must be integers >= 0, as {func}(2, 3) or {func}((2, 3)); got "
                        f"{', '.join(map(repr, size))}. Give the other arguments by name, e.g. dtype=np.float64.")
    return check_shape(size[0] if len(size) == 1 else size, "size", func)


def manual_seed(seed):
    """There is no global random state to seed here (PyTorch's ``torch.manual_seed``): every random draw takes an
    explicit generator. This raises with what to write instead."""
    raise RuntimeError(f"manual_seed: minigrad_ae has no global random state. Make one generator, "
                       f"rng = np.random.default_rng({seed!r}), and pass rng=rng to layers, mg.randn, dropout, "
                       "DataLoader and fit: the run is then reproducible, and each part's draws are independent.")


def zeros_like(x, requires_grad=False):
    """Zeros shaped and typed like ``x`` (a Tensor or array)."""
    x = as_array(x, "x", "zeros_like")
    return zeros(x.shape, dtype=_float_dtype(x), requires_grad=requires_grad)


def ones_like(x, requires_grad=False):
    """Ones shaped and typed like ``x`` (a Tensor or array)."""
    x = as_array(x, "x", "ones_like")
    return ones(x.shape, dtype=_float_dtype(x), requires_grad=requires_grad)


def randn_like(x, rng=None, requires_grad=False):
    """N(0, 1) samples shaped and typed like ``x``, drawn from ``rng`` (PyTorch's ``torch.randn_like`` uses a
    global generator; here every random draw names its generator, so a seeded run is reproducible)."""
    x = as_array(x, "x", "randn_like")
    return randn(x.shape, rng=generator(rng, "randn_like"), dtype=_float_dtype(x), requires_grad=requires_grad)


def _float_dtype(x):
    """float64 stays float64; everything else (float32, float16, ints, bools) makes float32."""
    return x.dtype if x.dtype == np.float64 else np.dtype(np.float32)
