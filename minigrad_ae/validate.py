"""Argument checks shared by the whole package, so every bad argument fails the same way: at the public
function it was given to, with a message that names that function, what it got, and the fix.

NumPy only (it sits below every other layer). ``autodiff.tensor.as_array`` adds Tensors to the array check.
Each check returns the cleaned value, so a call site reads ``n = positive_int(n, "n", "Linear")``.
"""
import inspect
import math
import numbers
import os

import numpy as np


class ShapeError(ValueError):
    """Inputs whose shapes do not fit together (an op, a layer, a loss); the message names the caller and the fix."""


def generator(rng, func):
    """``rng`` if it is a ``np.random.Generator``, a fresh unseeded one if None; anything else is refused.

    (An int seed is refused on purpose: one generator passed down a program keeps its draws independent;
    ``np.random.default_rng(seed)`` makes one.)
    """
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{func}: rng must be a numpy.random.Generator or None, got {type(rng).__name__} "
                        f"{rng!r}; create one with rng = np.random.default_rng(seed) and pass it on.")
    return rng


def is_integer(value):
    """True for Python and NumPy integers, False for bools (``True`` is an int to Python, never a size here)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value):
    """True for one real number (Python's or NumPy's), False for bools, complex numbers, strings, arrays."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.ndim(value) == 0


def integer(value, name, func, low=None, high=None):
    """An integer in [low, high] (either bound may be None), returned as a Python int."""
    if not is_integer(value):
        raise TypeError(f"{func}: {name} must be an integer, got {type(value).__name__} {value!r}.")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{func}: {name} must be an integer {_range_text(low, high)}, got {value}.")
    return value


def positive_int(value, name, func):
    """An integer ≥ 1 (a size, a count, a number of epochs)."""
    return integer(value, name, func, low=1)


def number(value, name, func, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the interval [low, high] (an open end with ``low_open``/``high_open``), as a float."""
    if not is_real(value):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__} {value!r}.")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or below or above:
        raise ValueError(f"{func}: {name} must be {_interval_text(low, high, low_open, high_open)}, got {value!r}.")
    return value


def fraction(value, name, func):
    """A number in [0, 1] (a probability, a share of the data)."""
    return number(value, name, func, low=0.0, high=1.0)


def callable_of(fn, count, name, func, hint):
    """``fn`` callable with ``count`` positional arguments (when Python can tell from its signature): a wrong
    arity fails here, naming ``func``, instead of as a TypeError from inside the user's function."""
    if not callable(fn):
        raise TypeError(f"{func}: {name} must be a function, got {type(fn).__name__}; e.g. {hint}.")
    try:
        inspect.signature(fn).bind(*range(count))
    except TypeError as err:
        raise TypeError(f"{func}: {name} is called with {count} positional argument(s), one per input, but {err}; "
                        f"e.g. {hint}.") from None
    except ValueError:   # no signature to read (a builtin): the call itself will tell
        pass
    return fn


def choice(value, name, func, options):
    """One of ``options`` (compared with ==); the message lists them."""
    if not any(value is option or (type(value) is type(option) and value == option) for option in options):
        shown = ", ".join(repr(option) for option in options)
        raise ValueError(f"{func}: {name} must be one of {shown}; got {value!r}.")
    return value


def dtype(value, name, func, floating=False):
    """``value`` as a NumPy dtype that tensors hold: float32, float64, or (unless ``floating``) an integer or bool.

    Other floats are refused too: the compiled kernels have no float16, and float32 is what the package computes in.
    """
    try:
        result = np.dtype(value)
    except TypeError:
        raise TypeError(f"{func}: {name} must be a NumPy dtype such as np.float32, got {value!r}.") from None
    if result not in (np.float32, np.float64) and (floating or result.kind not in "iub"):
        wanted = "np.float32 or np.float64" if floating else "np.float32, np.float64 or an integer dtype"
        raise TypeError(f"{func}: {name} must be {wanted}, got {result}.")
    return result


def shape(value, name, func):
    """A shape as np.zeros takes it (an int, or a tuple or list of ints >= 0), returned as a tuple."""
    sizes = (value,) if is_integer(value) else value
    if not isinstance(sizes, (tuple, list)) or not all(is_integer(n) for n in sizes):
        raise TypeError(f"{func}: {name} must be an int or a tuple of ints, e.g. (64, 8), got {value!r}.")
    if any(n < 0 for n in sizes):
        raise ValueError(f"{func}: {name} {tuple(sizes)} has a negative size; sizes must be >= 0.")
    return tuple(int(n) for n in sizes)


def axis(value, ndim, name, func):
    """An axis of an input with ``ndim`` dimensions (negative ones count from the end), as an index in [0, ndim)."""
    value = integer(value, name, func)
    if not -ndim <= value < ndim:
        valid = f"valid: {-ndim} to {ndim - 1}" if ndim else "a 0-d input has none"
        raise ShapeError(f"{func}: {name}={value} is out of range for an input with {ndim} dimensions ({valid}); "
                         f"{name} must be one of the input's dimensions, negative ones counting from the end.")
    return value % ndim


def flatten_fix(shape, n_features, name="x"):
    """The reshape that makes an input of ``shape`` rows of ``n_features`` (as code), or None if none does:
    one sample (an 8×8 image for 64 inputs) becomes a batch of one, a batch of images a batch of flat rows."""
    if math.prod(shape) == n_features:
        return f"it looks like one sample: flatten it to a batch of one, {name}.reshape(1, {n_features})"
    if len(shape) > 2 and math.prod(shape[1:]) == n_features:
        return f"flatten each sample: {name}.reshape(len({name}), {n_features})"
    return None


def file_path(value, func, name="path", exists=False):
    """``value`` (a str or pathlib.Path) as a str; with ``exists``, the name of a file that is there (a missing one
    raises FileNotFoundError, a directory ValueError). An int is refused: ``open(3)`` would take it for a file
    descriptor, and close it."""
    try:
        path = os.fsdecode(value)
    except TypeError:
        raise TypeError(f"{func}: {name} must be a file name (a str or pathlib.Path), got {type(value).__name__} "
                        f"{value!r:.60}.") from None
    if exists and not os.path.isfile(path):
        if os.path.isdir(path):
            raise ValueError(f"{func}: {path!r} is a folder, not a file; give the name of the file in it.")
        raise FileNotFoundError(f"{func}: there is no file {path!r}; check the name and the working folder "
                                f"({os.getcwd()!r}).")
    return path


def numeric_array(x, name, func, float_only=False):
    """``x`` (array, list, tuple or number) as an ndarray of real numbers; refuses strings, objects and complex.

    ``float_only`` also refuses integer and bool arrays, with the conversion to write in the message.
    """
    try:
        array = np.asarray(x)
    except (ValueError, TypeError) as err:
        raise TypeError(f"{func}: {name} must be an array of numbers; NumPy cannot make one from this "
                        f"{type(x).__name__} ({err}). Nested lists must be rectangular.") from None
    kind = array.dtype.kind
    if kind not in "fiub" or (float_only and kind != "f"):
        wanted = "floating-point" if float_only else "real-valued"
        fix = " Convert it, e.g. x.astype(np.float32)." if kind in "iub" else ""
        raise TypeError(f"{func}: {name} must be a {wanted} array, got dtype {array.dtype} "
                        f"({type(x).__name__}).{fix}")
    return array


def float_data(x, name, func):
    """``x`` as an ndarray of real numbers for a model to read or train on. Integer data (uint8 images 0..255,
    the digits' 0..16) is refused with the conversion and scaling to write: models compute in floating point,
    and their losses and output activations expect pixels scaled to [0, 1]."""
    array = numeric_array(x, name, func)
    if array.dtype.kind in "iub":
        low, top = (int(array.min()), int(array.max())) if array.size else (0, 0)
        scale = 255 if array.dtype == np.uint8 else top  # 8-bit images: / 255 even if no pixel reaches 255
        fix = (f"convert it: {name} = {name}.astype(np.float32)" if top <= 1 else
               f"convert and scale the images: {name} = {name}.astype(np.float32) / {scale}")
        raise TypeError(f"{func}: {name} holds integers (dtype {array.dtype}, values {low}..{top}), but models "
                        f"compute in floating point on data scaled to [0, 1]; {fix}.")
    return array


def _interval_text(low, high, low_open, high_open):
    """'a number in [0, 1)', 'a finite number > 0', 'a finite number'."""
    if low is not None and high is not None:
        return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return "a finite number"


def _range_text(low, high):
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f">= {low}" if low is not None else f"<= {high}"
