"""``Kernel``: one hot-path computation written twice — ``reference`` (plain NumPy, the readable math and the
specification) and ``compiled`` (numba) — behind one switch; ``elementwise`` writes it once; the lazy ``njit``.

``MINIGRAD_AE_NUMBA=0`` in the environment (read once, at import) makes every kernel run its reference;
``NUMBA_DISABLE_JIT=1`` keeps the compiled path but runs its loops as plain Python, so a student can step
through a kernel in a debugger.
"""
import importlib.util
import os
import warnings

import numpy as np

_SCALARS = (int, float, np.integer, np.floating)
# numba is a dependency, but the package also runs without it (a Python numba does not support yet, a browser
# kernel): find_spec looks for it without importing it (that costs ~0.2 s, paid only when a kernel compiles)
def _numba_installed():
    try:
        return importlib.util.find_spec("numba") is not None
    except ImportError:   # a broken install counts as none
        return False


NUMBA_INSTALLED = _numba_installed()
NUMBA_ENABLED = NUMBA_INSTALLED and os.environ.get("MINIGRAD_AE_NUMBA", "1").strip().lower() not in (
    "0", "false", "no", "off")
if not NUMBA_INSTALLED:
    warnings.warn("minigrad_ae: numba is not installed, so every kernel runs its NumPy reference (correct, but "
                  "slower). `pip install numba` to compile them.", RuntimeWarning, stacklevel=2)


class lazy_njit:
    """``@lazy_njit`` = ``@numba.njit(cache=True, error_model='numpy')``, compiled on the first call.

    Lazy because ``import numba`` costs ~0.2 s and loading a kernel ~3 ms even from the on-disk cache:
    ``import minigrad_ae`` pays neither, and a program pays only for the kernels it calls.
    ``error_model='numpy'``: numba's default raises on division by zero, and that check stops LLVM
    from vectorising the loop. Serial (no ``parallel=True``): on a 2-core machine numba's threads
    and OpenBLAS's threads would fight over the cores.
    """

    __slots__ = ("py_func", "_compiled", "_fastmath")

    def __init__(self, py_func, fastmath=False):
        self.py_func = py_func      # the plain-Python loop (what NUMBA_DISABLE_JIT=1 runs)
        self._compiled = None
        self._fastmath = fastmath

    @classmethod
    def summing(cls, py_func):
        """``@lazy_njit.summing``: for a loop that adds into one accumulator. LLVM may then reassociate the
        sum (fastmath 'reassoc', nothing else) and keep one partial sum per SIMD lane, so the loop vectorises;
        without it each addition waits for the previous one. Only the rounding order changes: accumulate in
        float64 and the result is more accurate than NumPy's float32 pairwise sum."""
        return cls(py_func, fastmath={"reassoc"})

    def __call__(self, *args):
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = _njit(self._fastmath)(self.py_func)
        return compiled(*args)

    def __repr__(self):
        return f"lazy_njit({self.py_func.__name__}, {'compiled' if self._compiled else 'not compiled yet'})"


class Kernel:
    """A kernel: call it like a function. ``reference`` is the NumPy version, ``compiled`` the numba one (the same
    signature, the same results to rounding: tests/test_kernels.py checks every pair); the switch picks one."""

    def __init__(self, reference, compiled):
        self.reference, self.compiled = reference, compiled
        self.__name__, self.__doc__ = reference.__name__, reference.__doc__
        self._chosen = compiled if NUMBA_ENABLED else reference

    def __call__(self, *args):
        return self._chosen(*args)

    def __repr__(self):
        return f"<kernel {self.__name__}: {'numba' if self._chosen is self.compiled else 'NumPy reference'}>"


class elementwise(Kernel):
    """``@elementwise`` on a formula over whole arrays, e.g. ``def relu_vjp(g, a): return g * (a > 0)``.

    The formula is written once. NumPy runs it as it is (one pass and one temporary per operator); numba
    compiles the *same function* into one fused loop. It must use only elementwise operators and ufuncs, so it
    also runs on Tensors: that is how a backward written with it can be differentiated again.
    The compiled loop takes same-shaped, same-dtype, C-contiguous float arrays (flattened, so one compiled
    version serves every shape) and Python scalars (cast to the arrays' dtype, so float32 stays float32);
    anything else — broadcasting, Tensors, mixed dtypes — runs the formula as written.
    """

    def __init__(self, formula):
        super().__init__(formula, self._fused)
        self._loop = lazy_njit(formula)

    def _fused(self, *args):
        arrays = [a for a in args if type(a) is np.ndarray]
        first = arrays[0] if arrays else None
        if first is None or first.dtype.kind != "f" or not all(
                a.shape == first.shape and a.dtype == first.dtype and a.flags.c_contiguous for a in arrays):
            return self.reference(*args)
        if len(arrays) != len(args) and not all(type(a) is np.ndarray or isinstance(a, _SCALARS) for a in args):
            return self.reference(*args)
        cast = first.dtype.type
        flat_args = [a.reshape(-1) if type(a) is np.ndarray else cast(a) for a in args]
        return self._loop(*flat_args).reshape(first.shape)


def flat(array):
    """The elements as a 1-d array, so one compiled loop fits every shape: a view of a C-contiguous array
    (outputs must be one, see ``empty_like_c``), a C-ordered copy of any other."""
    return array.reshape(-1)


def empty_like_c(array):
    """An uninitialised C-contiguous array shaped and typed like ``array`` (``np.empty_like`` keeps a
    transposed input's layout, whose ``flat`` would be a copy: the loop's writes would be lost)."""
    return np.empty(array.shape, array.dtype)


def _njit(fastmath=False):
    import numba  # here, not at the top: see lazy_njit
    return numba.njit(cache=True, error_model="numpy", fastmath=fastmath)
