"""Argument checks shared by the whole package, so every bad argument fails the same way: at the public
function it was given to, with a message that names that function, what it got, and the fix.

NumPy only (it sits below every other layer). ``autodiff.tensor.as_array`` adds Tensors to the array check.
Each check returns the cleaned value, so a call site reads ``n = positive_int(n, "n", "Linear")``.
"""
import math
import numbers

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
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0:
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


def choice(value, name, func, options):
    """One of ``options`` (compared with ==); the message lists them."""
    if not any(value is option or (type(value) is type(option) and value == option) for option in options):
        shown = ", ".join(repr(option) for option in options)
        raise ValueError(f"{func}: {name} must be one of {shown}; got {value!r}.")
    return value


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
