"""PyTorch's ``DataLoader`` and ``TensorDataset``, over NumPy arrays.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, rng=rng)
    for epoch in range(epochs):
        for xb, yb in loader:          # a fresh order every epoch
            ...

The batches are those of ``batches`` (same index logic, same copies), handed out as Tensors like PyTorch's, so
loop bodies such as ``x.view(x.size(0), -1)`` port unchanged; integer labels stay integers. The loader only
remembers the settings so it can be iterated epoch after epoch, and knows its ``len``. Shuffling draws from
``rng``: there is no global seed (``torch.manual_seed``), so pass ``rng=np.random.default_rng(seed)`` for a
repeatable order. (The rest of ``data`` works on NumPy arrays; this file is its one user of ``Tensor``.)
"""
import math

import numpy as np

from ..autodiff import tensor
from ..validate import generator
from .batching import batch_indices, check_batch_size, check_samples


class TensorDataset:
    """Arrays that share their first axis (one entry per sample), indexed together: ``ds[i] = (X[i], y[i])``."""

    def __init__(self, *arrays):
        self.arrays = tuple(_samples(arrays, "TensorDataset"))

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])

    def __repr__(self):
        return f"TensorDataset({len(self)} samples: {', '.join(str(a.shape) for a in self.arrays)})"


class DataLoader:
    """Minibatches of a data set, one epoch per ``for`` loop: Tensors of ``batch_size`` samples (no gradient; in the
    arrays' dtype, so integer labels stay integers).

    ``dataset_or_arrays``: a ``TensorDataset`` or a tuple of arrays (each batch is then a tuple, like
    PyTorch's list), or a single array (each batch is a Tensor). With ``shuffle`` every epoch draws a new
    order from ``rng`` (PyTorch's ``generator=``); the last batch is smaller unless ``drop_last``. ``len(loader)`` = batches per epoch.
    """

    def __init__(self, dataset_or_arrays, batch_size=1, shuffle=False, rng=None, drop_last=False):
        if isinstance(dataset_or_arrays, TensorDataset):
            self.dataset, self._single = dataset_or_arrays, False
        elif isinstance(dataset_or_arrays, tuple):
            self.dataset, self._single = TensorDataset(*_samples(dataset_or_arrays, "DataLoader")), False
        elif isinstance(dataset_or_arrays, (np.ndarray, list)):   # a list of samples, as PyTorch's DataLoader takes
            self.dataset, self._single = TensorDataset(*_samples([dataset_or_arrays], "DataLoader")), True
        else:
            raise TypeError(f"DataLoader: expected a TensorDataset, a tuple of arrays (X, y) or one array, got "
                            f"{type(dataset_or_arrays).__name__}. For a PyTorch-style Dataset, stack its samples "
                            "into arrays first, e.g. X = np.stack([ds[i][0] for i in range(len(ds))]).")
        self.batch_size = check_batch_size(batch_size, "DataLoader")
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.rng = generator(rng, "DataLoader")   # one generator for all epochs: each draws the next order

    def __iter__(self):
        arrays = self.dataset.arrays
        for idx in batch_indices(len(self.dataset), self.batch_size, self.rng if self.shuffle else None,
                                 self.drop_last):
            batch = tuple(tensor(a[idx], dtype=a.dtype) for a in arrays)
            yield batch[0] if self._single else batch

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __repr__(self):
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")


def _samples(arrays, func):
    """The arrays as ndarrays of one length each; ``func`` names the TensorDataset or DataLoader being built."""
    if not arrays:
        raise ValueError(f"{func}: give it at least one array, e.g. TensorDataset(X) or TensorDataset(X, y).")
    names = [f"array {i}" for i in range(len(arrays))]
    return check_samples(arrays, names, func, "every array needs one entry per sample.")
