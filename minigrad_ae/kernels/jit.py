"""``Kernel``: one hot-path computation written twice — ``reference`` (plain NumPy, the readable math and the
specification) and ``compiled`` (numba) — behind one switch; ``elementwise`` writes it once; the lazy ``njit``.

When numba pays (a ski-rental rule: rent until the rent paid equals the price, then buy). Numba has a price, paid
once per process before its first kernel runs: ``import numba`` and its first call, which loads its type registry
even from the on-disk cache (0.32 s on a quiet evening, bench/README.md; 0.72-0.82 s of CPU under load on
2026-12-03), then ~3-5 ms per kernel. Until a process pays it, every kernel runs its reference and adds what its
compiled version would have saved on this call to one sum shared by all kernels; the call that would take the sum
past ``NUMBA_PRICE_SECONDS`` switches every kernel to its compiled version for good, and runs compiled itself. The
saving is estimated from the call's size: ``SAVING_PER_CALL`` plus the elements of its first argument times the
kernel's ``saving_per_element``, fitted to the 13 kernel calls of a training step of bench/workloads.py (quiet
evening, compiled against references): W1, 0.71 million elements, saves 1.1 ms (4.46 against 5.56 ms; 1.1 ms again
under load today), W2, 17,500 elements, 0.046 ms: 1.5 µs per call and 1.5 ns per element, the default (the
elementwise and optimizer kernels range from 0.2 to 4 ns). t-SNE's O(N²) kernels save 60 (gradient) and 180 ns
(perplexity search) per entry of their N×N input: they need their own ``saving_per_element``. Thus a cold start
(import + a first W1 step: 1 ms of savings forgone) never loads numba, W1 switches at step ~280 and W2 at ~6,500
(where the compiled kernels have saved what numba costs), and a long program loses at most about numba's price to
the slower references. Counted, not timed: the switch falls on the same call in every run of a program, so its
results are reproducible. No size threshold: on 64-2048 elements the references of ``relu_vjp`` and ``sigmoid_vjp``
beat numba's dispatch (~2 µs), those of ``adam_update``, ``bce_sum`` and ``sigmoid`` lose to it, so no one size
separates them.

``MINIGRAD_AE_NUMBA`` in the environment (read once, at import): ``0`` makes every kernel run its reference,
``always`` its compiled version from the first call, anything else (the default ``1``) the rule above.
``NUMBA_DISABLE_JIT=1`` keeps the compiled path but runs its loops as plain Python, so a student can step
through a kernel in a debugger (with ``MINIGRAD_AE_NUMBA=always``, to reach it on the first call).
"""
import importlib.util
import os
import warnings

import numpy as np

_SCALARS = (int, float, np.integer, np.floating)
NUMBA_PRICE_SECONDS = 0.3         # what loading numba costs (the docstring's rule)
SAVING_PER_CALL = 1.5e-6          # seconds a compiled kernel saves per call (fewer NumPy calls and temporaries)
SAVING_PER_ELEMENT = 1.5e-9       # and per element, unless the kernel says otherwise
saving_forgone = 0.0              # seconds, by all kernels' references together (a module variable, not a class
                                  # attribute: writing one of those slows every attribute lookup on the class)


# numba is a dependency, but the package also runs without it (a Python numba does not support yet, a browser
# kernel): find_spec looks for it without importing it (that costs ~0.2 s, paid only when a kernel compiles)
def _numba_installed():
    try:
        return importlib.util.find_spec("numba") is not None
    except ImportError:   # a broken install counts as none
        return False


NUMBA_INSTALLED = _numba_installed()
NUMBA_MODE = os.environ.get("MINIGRAD_AE_NUMBA", "1").strip().lower()
NUMBA_ENABLED = NUMBA_INSTALLED and NUMBA_MODE not in ("0", "false", "no", "off")
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
    signature, the same results to rounding: tests/test_kernels.py checks every pair); the switch picks one:
    the reference until numba pays (the module docstring's rule), then the compiled one."""

    numba_pays = NUMBA_MODE == "always"   # set for good by switch_to_compiled
    _renting = []                         # the kernels that still run their references

    def __init__(self, reference, compiled, saving_per_element=SAVING_PER_ELEMENT):
        self.reference, self.compiled = reference, compiled
        self.__name__, self.__doc__ = reference.__name__, reference.__doc__
        self.saving_per_element = saving_per_element
        if not NUMBA_ENABLED:
            self._chosen = reference
        elif Kernel.numba_pays:
            self._chosen = compiled
        else:
            self._chosen = self._reference_until_numba_pays
            Kernel._renting.append(self)

    def __call__(self, *args):
        return self._chosen(*args)   # once switched, the call costs what a plain function call does

    def _reference_until_numba_pays(self, *args):
        global saving_forgone
        first = args[0]
        if type(first) is np.ndarray:   # Tensors (a backward differentiated again) run the formula as ops either way
            saving_forgone += SAVING_PER_CALL + first.size * self.saving_per_element
            if saving_forgone > NUMBA_PRICE_SECONDS:
                Kernel.switch_to_compiled()
                return self.compiled(*args)
        return self.reference(*args)

    @staticmethod
    def switch_to_compiled():
        """From now on every kernel runs its compiled version (numba loads on the first such call)."""
        Kernel.numba_pays = True
        for kernel in Kernel._renting:
            kernel._chosen = kernel.compiled
        Kernel._renting.clear()

    def __repr__(self):
        chosen = {self.compiled: "numba", self.reference: "NumPy reference"}.get(self._chosen,
                                                                                "NumPy reference until numba pays")
        return f"<kernel {self.__name__}: {chosen}>"


class elementwise(Kernel):
    """``@elementwise`` on a formula over whole arrays, e.g. ``def softsign(a): return a / (1 + np.abs(a))``.

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
        first = None   # one pass over the arguments: this runs on every activation of every step
        for a in args:
            if type(a) is np.ndarray:
                if first is None:
                    first = a
                if a.shape != first.shape or a.dtype != first.dtype or not a.flags.c_contiguous:
                    return self.reference(*args)
            elif not isinstance(a, _SCALARS):
                return self.reference(*args)
        if first is None or first.dtype.kind != "f":
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
