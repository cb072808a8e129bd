"""Data for the autoencoder lessons: data sets, minibatches and input corruption.

Data sets (X is float32 with one flattened image per row, values in [0, 1];
y is int64 labels 0..9):

* ``load_digits()``        -> (X, y), 1797 x 64 UCI digits, bundled (offline).
* ``load_mnist_sample()``  -> (X_train, y_train, X_test, y_test), 4000 + 1000
  real MNIST images of 784 pixels, bundled (offline).
* ``load_mnist(split)``    -> (X, y), full MNIST from IDX files in a cache
  directory; ``download=True`` fetches and verifies them. ``read_idx(path)``
  reads any IDX file.

Training helpers: ``batches`` (one epoch of minibatches), ``train_test_split``, and PyTorch's
``DataLoader(TensorDataset(X, y), batch_size, shuffle=True, rng=rng)`` (a fresh order every epoch).

Corruptions for denoising autoencoders, x -> x_tilde with x unchanged:
``gaussian_noise``, ``masking_noise``, ``salt_and_pepper``.

Every random function takes ``rng``, a ``np.random.Generator``; pass
``np.random.default_rng(seed)`` for repeatable results. There is no global
seed (no ``torch.manual_seed``): one generator, passed on, does its job.
"""

from .batching import batches, train_test_split
from .bundled import load_digits, load_mnist_sample
from .idx import read_idx
from .loader import DataLoader, TensorDataset
from .mnist import MNIST_MIRRORS, MNIST_SHA256, load_mnist
from .noise import gaussian_noise, masking_noise, salt_and_pepper

__all__ = [
    "load_digits",
    "load_mnist_sample",
    "load_mnist",
    "read_idx",
    "MNIST_MIRRORS",
    "MNIST_SHA256",
    "batches",
    "DataLoader",
    "TensorDataset",
    "train_test_split",
    "gaussian_noise",
    "masking_noise",
    "salt_and_pepper",
]
