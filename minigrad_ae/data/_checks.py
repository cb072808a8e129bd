"""Argument checks shared by the data functions, so every error names its caller."""

import math
import numbers

import numpy as np


def as_generator(rng, func):
    """Return ``rng`` if it is a Generator, a fresh unseeded one if it is None."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{func}: rng must be a numpy.random.Generator or None, got "
            f"{type(rng).__name__}; create one with np.random.default_rng(seed)."
        )
    return rng


def check_fraction(value, name, func):
    """A real number in [0, 1]; returns it as a float."""
    if (not isinstance(value, numbers.Real) or isinstance(value, bool)
            or math.isnan(value) or not 0.0 <= value <= 1.0):
        raise ValueError(f"{func}: {name} must be a number in [0, 1], got {value!r}.")
    return float(value)


def check_float_array(x, func):
    """Return ``x`` as a floating-point ndarray with at least one axis."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{func}: expected a floating-point array with values in [0, 1], got "
            f"dtype {x.dtype}; convert first, e.g. x.astype(np.float32) / 255."
        )
    if x.ndim == 0:
        raise ValueError(f"{func}: expected an array of shape (n_samples, ...), got a scalar.")
    return x
