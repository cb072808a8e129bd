"""Minibatches and train/test splits; samples are always along axis 0."""

import numbers

import numpy as np

from ..validate import generator, numeric_array


def check_samples(arrays, names, func, fix):
    """The arrays as ndarrays of numbers (lists accepted), each with one entry per sample along axis 0, the same
    number for all."""
    arrays = [numeric_array(a, name, func) for a, name in zip(arrays, names)]
    for name, a in zip(names, arrays):
        if a.ndim == 0:
            raise ValueError(f"{func}: {name} must have shape (n_samples, ...), got a scalar.")
    for name, a in zip(names[1:], arrays[1:]):
        if len(a) != len(arrays[0]):
            raise ValueError(f"{func}: {names[0]} has {len(arrays[0])} samples (shape {arrays[0].shape}) but {name} "
                             f"has shape {a.shape}; {fix}")
    return arrays


def check_batch_size(batch_size, func):
    if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"{func}: batch_size must be an integer >= 1, got {batch_size!r}.")
    return int(batch_size)


def batch_indices(n, batch_size, order_rng=None, drop_last=False):
    """One epoch's minibatches as index arrays: 0..n−1, or a permutation drawn from ``order_rng`` when given,
    cut into pieces of ``batch_size`` (the last one smaller, or dropped with ``drop_last``)."""
    order = np.arange(n) if order_rng is None else order_rng.permutation(n)
    stop = n - n % batch_size if drop_last else n
    return [order[start:start + batch_size] for start in range(0, stop, batch_size)]


def _check_xy(X, y, func):
    if y is None:
        return check_samples([X], ["X"], func, "")[0], None
    return tuple(check_samples([X, y], ["X", "y"], func, "pass one label per row of X."))


def batches(X, y=None, batch_size=64, shuffle=True, rng=None, drop_last=False):
    """Iterate once over the data in minibatches (one epoch).

    Yields ``X[idx]`` of shape (batch_size, ...), or ``(X[idx], y[idx])`` when
    y is given; the last batch is smaller unless ``drop_last=True`` drops it.
    With ``shuffle=True`` the order is a random permutation drawn from ``rng``.
    Batches are copies, so changing one never changes X.
    """
    X, y = _check_xy(X, y, "batches")
    batch_size = check_batch_size(batch_size, "batches")
    # The order is fixed now, not when iteration starts, so results don't depend on timing.
    index_batches = batch_indices(len(X), batch_size, generator(rng, "batches") if shuffle else None, drop_last)
    # A separate generator, so the checks above run at call time, not at the first next().
    return _iterate(X, y, index_batches)


def _iterate(X, y, index_batches):
    for idx in index_batches:
        yield X[idx] if y is None else (X[idx], y[idx])


def train_test_split(X, y=None, test_fraction=0.2, rng=None, stratify=False):
    """Randomly split samples into a training and a test part.

    Returns ``(X_train, X_test)``, or ``(X_train, X_test, y_train, y_test)``
    when y is given. The test part has round(test_fraction * n) samples; with
    ``stratify=True`` that rounding is done per class of y, so each class keeps
    its share. Both parts come out in random order.
    """
    X, y = _check_xy(X, y, "train_test_split")
    if not (isinstance(test_fraction, numbers.Real) and 0 < test_fraction < 1):
        raise ValueError(
            f"train_test_split: test_fraction must be strictly between 0 and 1, got {test_fraction!r}."
        )
    if stratify and y is None:
        raise ValueError("train_test_split: stratify=True needs labels; pass y.")
    rng = generator(rng, "train_test_split")

    groups = [np.flatnonzero(y == label) for label in np.unique(y)] if stratify else [np.arange(len(X))]
    test_parts, train_parts = [], []
    for members in groups:
        members = rng.permutation(members)
        n_test = round(test_fraction * len(members))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    test_idx = rng.permutation(np.concatenate(test_parts))
    train_idx = rng.permutation(np.concatenate(train_parts))
    if len(test_idx) == 0 or len(train_idx) == 0:
        raise ValueError(
            f"train_test_split: test_fraction={test_fraction} of {len(X)} samples leaves "
            f"{len(train_idx)} for training and {len(test_idx)} for testing; "
            "use more samples or a test_fraction nearer 0.5."
        )

    if y is None:
        return X[train_idx], X[test_idx]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
