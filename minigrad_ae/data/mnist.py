"""Full MNIST (60,000 train / 10,000 test images) from the original IDX files.

The files are downloaded once into a cache directory, verified against known
sha256 digests, and read with ``read_idx``. Without network access use
``load_mnist_sample()``, which ships with the package.
"""

import os
import warnings
from pathlib import Path

import numpy as np

from ..validate import file_path
from .idx import read_idx

DEFAULT_ROOT = Path("~/.cache/minigrad_ae/mnist")

# Tried in order; the original yann.lecun.com site no longer serves the files reliably.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# sha256 of the gzip'd files as distributed by the mirrors above.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

_SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_OFFLINE_HINT = "Without network access, use load_mnist_sample() (5,000 images bundled with the package)."


def _find_local(root, stem):
    """Path of ``stem.gz`` or the uncompressed ``stem`` in root, or None."""
    for name in (stem + ".gz", stem):
        if (root / name).is_file():
            return root / name
    return None


def _fetch(url, destination, expected_sha256, timeout):
    """Download url to destination via a temp file; only a verified file is ever renamed into place."""
    import hashlib, tempfile, urllib.request   # here, not at the top: they cost ~20 ms of every `import minigrad_ae`
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=destination.name, suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(1 << 16):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected_sha256:
            raise ValueError(
                f"sha256 mismatch: expected {expected_sha256}, got {digest.hexdigest()} "
                "(corrupt or altered download; it was deleted)"
            )
        # os.replace is atomic, so a reader never sees a half-written file.
        os.replace(tmp_name, destination)
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)


def _download(filename, root, mirrors, checksums, timeout):
    import http.client
    if filename not in checksums:
        raise ValueError(
            f"load_mnist: no sha256 known for {filename}; pass checksums={{'{filename}': '<sha256>'}}."
        )
    root.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            _fetch(url, root / filename, checksums[filename], timeout)
        # OSError covers URLError, HTTPError, refused connections and timeouts.
        except (OSError, http.client.HTTPException, ValueError) as err:
            failures.append(f"  {url}: {err}")
            continue
        if failures:  # a bad mirror (e.g. a checksum mismatch) is worth knowing about
            warnings.warn(f"load_mnist: got {filename} only after these failed:\n" + "\n".join(failures),
                          stacklevel=3)
        return root / filename
    raise RuntimeError(
        f"load_mnist: could not download {filename} into {root}; every mirror failed:\n"
        + "\n".join(failures) + "\n" + _OFFLINE_HINT
    )


def load_mnist(split="train", root=None, download=False, *, mirrors=None,
               checksums=None, timeout=30.0):
    """Load the full MNIST training or test set.

    Returns ``(X, y)``: X float32 of shape (n, 784) with pixel/255 in [0, 1],
    y int64 labels 0..9 (n = 60000 for 'train', 10000 for 'test').

    Files are looked up in ``root`` (default ``~/.cache/minigrad_ae/mnist``),
    gzip'd or not. With ``download=True`` missing files are fetched from
    ``mirrors`` (default MNIST_MIRRORS) and checked against ``checksums``
    (default MNIST_SHA256); files already in ``root`` are trusted as they are.
    """
    if split not in _SPLIT_FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}.")
    root = Path(file_path(root if root is not None else DEFAULT_ROOT, "load_mnist", "root")).expanduser()
    mirrors = MNIST_MIRRORS if mirrors is None else mirrors
    checksums = MNIST_SHA256 if checksums is None else checksums

    paths = []
    for stem in _SPLIT_FILES[split]:
        path = _find_local(root, stem)
        if path is None and not download:
            raise FileNotFoundError(
                f"load_mnist: {stem}.gz is not in {root}. Call load_mnist({split!r}, "
                f"download=True) to fetch it, or pass root= pointing at your copy. "
                + _OFFLINE_HINT
            )
        if path is None:
            path = _download(stem + ".gz", root, mirrors, checksums, timeout)
        paths.append(path)

    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"load_mnist: expected images (n, rows, cols) and labels (n,), got "
            f"{images.shape} from {paths[0]} and {labels.shape} from {paths[1]}."
        )
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= 255
    return X, labels.astype(np.int64)
