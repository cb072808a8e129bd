"""Minibatches and train/test splits; samples are always along axis 0."""

import numbers

import numpy as np

from ..validate import generator


def _check_xy(X, y, func):
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError(f"{func}: X must have shape (n_samples, ...), got a scalar.")
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            raise ValueError(
                f"{func}: X has {len(X)} samples (shape {X.shape}) but y has shape "
                f"{y.shape}; pass one label per row of X."
            )
    return X, y


def batches(X, y=None, batch_size=64, shuffle=True, rng=None, drop_last=False):
    """Iterate once over the data in minibatches (one epoch).

    Yields ``X[idx]`` of shape (batch_size, ...), or ``(X[idx], y[idx])`` when
    y is given; the last batch is smaller unless ``drop_last=True`` drops it.
    With ``shuffle=True`` the order is a random permutation drawn from ``rng``.
    Batches are copies, so changing one never changes X.
    """
    X, y = _check_xy(X, y, "batches")
    if (not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
            or batch_size < 1):
        raise ValueError(f"batches: batch_size must be an integer >= 1, got {batch_size!r}.")
    n = len(X)
    # The order is fixed now, not when iteration starts, so results don't depend on timing.
    order = generator(rng, "batches").permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    # A separate generator, so the checks above run at call time, not at the first next().
    return _iterate(X, y, order, batch_size, stop)


def _iterate(X, y, order, batch_size, stop):
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
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
