"""The one switch between the numba kernels and their NumPy references, and the lazy ``njit``.

``MINIGRAD_AE_NUMBA=0`` in the environment (read once, at import) makes every kernel its ``*_ref``;
``NUMBA_DISABLE_JIT=1`` keeps the numba versions but runs their loops as plain Python, so a student
can step through a kernel in a debugger.
"""
import os

import numpy as np

NUMBA_ENABLED = os.environ.get("MINIGRAD_AE_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off")


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


def choose(numba_version, reference):
    """The implementation every caller gets: the numba one unless MINIGRAD_AE_NUMBA=0."""
    return numba_version if NUMBA_ENABLED else reference


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
