"""Input corruptions for denoising autoencoders (Vincent et al., 2010).

A denoising autoencoder sees ``corrupt(x)`` and is trained to reconstruct the
clean ``x``. Each function returns a new array of x's dtype and shape and
never modifies x. Samples are along axis 0; for a 1-D x the whole vector is
one sample. Inputs are floating-point arrays, normally scaled to [0, 1].
"""

import math

import numpy as np

from ..validate import fraction as check_fraction
from ..validate import generator, is_real, number, numeric_array


def check_float_array(x, func):
    """``x`` as a floating-point ndarray with at least one axis (the corruptions keep x's dtype)."""
    x = numeric_array(x, "x", func)
    if x.dtype.kind != "f":
        raise TypeError(f"{func}: expected a floating-point array with values in [0, 1], got dtype {x.dtype}; "
                        "convert first, e.g. x.astype(np.float32) / 255.")
    if x.ndim == 0:
        raise ValueError(f"{func}: expected an array of shape (n_samples, ...), got a scalar.")
    return x


def _exact_mask(shape, fraction, rng):
    """Boolean mask with exactly round(fraction * n_features) True entries per sample."""
    rows, n_features = (1, shape[0]) if len(shape) == 1 else (shape[0], math.prod(shape[1:]))
    mask = np.zeros((rows, n_features), dtype=bool)
    mask[:, :round(fraction * n_features)] = True
    # Shuffling each row independently puts the True entries at random places.
    return rng.permuted(mask, axis=1).reshape(shape)


def gaussian_noise(x, sigma, rng=None, clip=None):
    """Additive noise: x + sigma * N(0, 1), independently per entry.

    ``clip=(low, high)`` clips the result, e.g. clip=(0, 1) keeps pixels valid;
    by default nothing is clipped.
    """
    x = check_float_array(x, "gaussian_noise")
    sigma = number(sigma, "sigma", "gaussian_noise", low=0)
    if clip is not None:
        bounds = list(clip) if isinstance(clip, (tuple, list, np.ndarray)) else []
        if len(bounds) != 2 or not all(is_real(bound) for bound in bounds) or not bounds[0] <= bounds[1]:
            raise ValueError(f"gaussian_noise: clip must be (low, high) with low <= high, got {clip!r}.")
    rng = generator(rng, "gaussian_noise")

    noisy = (x + sigma * rng.standard_normal(x.shape)).astype(x.dtype)
    if clip is not None:
        np.clip(noisy, clip[0], clip[1], out=noisy)
    return noisy


def masking_noise(x, fraction, rng=None, fixed_count=False):
    """Zero out entries: each one independently with probability ``fraction``.

    With ``fixed_count=True`` exactly round(fraction * n_features) entries of
    every sample are zeroed instead, chosen uniformly at random.
    """
    x = check_float_array(x, "masking_noise")
    fraction = check_fraction(fraction, "fraction", "masking_noise")
    rng = generator(rng, "masking_noise")

    mask = _exact_mask(x.shape, fraction, rng) if fixed_count else rng.random(x.shape) < fraction
    corrupted = x.copy()
    corrupted[mask] = 0
    return corrupted


def salt_and_pepper(x, fraction, rng=None):
    """Set exactly round(fraction * n_features) random entries of each sample to 0 or 1.

    A fair coin decides, per chosen entry, between 0 ("pepper") and 1 ("salt"),
    the extremes of data scaled to [0, 1].
    """
    x = check_float_array(x, "salt_and_pepper")
    fraction = check_fraction(fraction, "fraction", "salt_and_pepper")
    rng = generator(rng, "salt_and_pepper")

    chosen = _exact_mask(x.shape, fraction, rng)
    salt = rng.random(x.shape) < 0.5
    corrupted = x.copy()
    corrupted[chosen & salt] = 1
    corrupted[chosen & ~salt] = 0
    return corrupted
