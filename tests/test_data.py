"""Tests for minigrad_ae.data. Nothing here touches the internet: downloads go
to an http.server on 127.0.0.1 that serves IDX files the tests write."""

import contextlib
import gzip
import hashlib
import http.server
import re
import socket
import struct
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad_ae as mg
from minigrad_ae.data import (
    DataLoader,
    TensorDataset,
    batches,
    gaussian_noise,
    load_digits,
    load_mnist,
    load_mnist_sample,
    masking_noise,
    read_idx,
    salt_and_pepper,
    train_test_split,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "minigrad_ae" / "data"
IDX_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype("i2"): 0x0B,
             np.dtype("i4"): 0x0C, np.dtype("f4"): 0x0D, np.dtype("f8"): 0x0E}


def idx_bytes(array):
    """A minimal IDX writer: header (magic, dims) then big-endian data."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, compress):
    data = idx_bytes(array)
    Path(path).write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


# ---------------------------------------------------------------- bundled data

def test_digits_shapes_dtypes_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    assert X.min() == 0 and X.max() == 1
    np.testing.assert_array_equal(X * 16, np.round(X * 16))  # every value is k/16


def test_mnist_sample_shapes_dtypes_values():
    X_train, y_train, X_test, y_test = load_mnist_sample()
    assert X_train.shape == (4000, 784) and X_test.shape == (1000, 784)
    assert len(X_train) + len(X_test) == 5000
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 400))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 100))
    for X in (X_train, X_test):
        assert X.min() == 0 and X.max() == 1
    # Shuffled once at build time: the first few training images cover many digits.
    assert len(set(y_train[:50].tolist())) == 10


def test_bundled_cache_cannot_be_corrupted():
    X, y = load_digits()
    X[:] = -1
    y[:] = 99
    X2, y2 = load_digits()
    assert X2.min() == 0 and y2.max() == 9
    arrays = load_mnist_sample()
    for array in arrays:
        array[...] = 7
    assert all(a.max() <= 9 for a in load_mnist_sample())
    assert load_mnist_sample()[0] is not load_mnist_sample()[0]


def test_readme_lists_sha256_of_bundled_files():
    readme = (DATA_DIR / "README.md").read_text()
    for name in ("digits.npz", "mnist_sample.npz"):
        digest = hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest()
        assert digest in readme, f"update the sha256 of {name} in README.md"


# ---------------------------------------------------------------- IDX parser

@settings(max_examples=40, deadline=None)
@given(array=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6)),
       compress=st.booleans())
def test_idx_round_trip(array, compress):
    with tempfile.TemporaryDirectory() as tmp:
        path = write_idx(Path(tmp) / "a.idx", array, compress)
        back = read_idx(path)
    assert back.dtype == np.uint8 and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


@pytest.mark.parametrize("dtype", ["i1", "i2", "i4", "f4", "f8"])
def test_idx_other_dtypes_become_native_endian(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    back = read_idx(write_idx(tmp_path / "a.idx.gz", array, compress=True))
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)


def test_idx_bad_magic(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x12\x34\x08\x01" + bytes(8))
    with pytest.raises(ValueError, match=r"read_idx: .*not an IDX file.*two zero bytes"):
        read_idx(path)


def test_idx_unknown_type_code(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(ValueError, match=r"unknown type code 0x07"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_idx_truncated_data(tmp_path, compress):
    data = idx_bytes(np.zeros((3, 4, 4), np.uint8))[:-5]
    path = tmp_path / "short.idx"
    path.write_bytes(gzip.compress(data) if compress else data)
    message = r"truncated: shape \(3, 4, 4\) of uint8 needs 48 data bytes, found 43"
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_idx_truncated_header_and_gzip(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(b"\x00\x00\x08\x03" + struct.pack(">I", 5))
    with pytest.raises(ValueError, match=r"truncated: its header declares 3 dimensions"):
        read_idx(path)
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(100, np.uint8)))[:-10])
    with pytest.raises(ValueError, match=r"corrupt or truncated gzip"):
        read_idx(path)


# ---------------------------------------------------------------- load_mnist

def tiny_mnist(n=5, seed=0):
    """gzip'd IDX bytes of a fake MNIST split: name -> bytes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels, {
        "train-images-idx3-ubyte.gz": gzip.compress(idx_bytes(images), mtime=0),
        "train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels), mtime=0),
    }


def sha256s(files):
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


@contextlib.contextmanager
def serve(routes):
    """Serve {url path: bytes} on 127.0.0.1; anything else is a 404."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_load_mnist_reads_gz_and_plain_files(tmp_path):
    images, labels, files = tiny_mnist()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(files["train-images-idx3-ubyte.gz"])
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(gzip.decompress(files["train-labels-idx1-ubyte.gz"]))
    X, y = load_mnist("train", root=tmp_path)
    assert X.shape == (5, 784) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(X, images.reshape(5, -1) / 255, rtol=1e-6)
    np.testing.assert_array_equal(y, labels)


def test_load_mnist_missing_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_mnist: t10k-images-idx3-ubyte.gz is not in .*"
                       + re.escape(str(tmp_path)) + r".*download=True.*load_mnist_sample\(\)"):
        load_mnist("test", root=tmp_path)


def test_load_mnist_bad_split():
    with pytest.raises(ValueError, match=r"split must be 'train' or 'test', got 'val'"):
        load_mnist("val")


def test_download_falls_through_404_to_good_mirror(tmp_path):
    images, labels, files = tiny_mnist()
    with serve({"/good/" + name: data for name, data in files.items()}) as url:
        with pytest.warns(UserWarning, match=r"only after these failed:\n.*/missing/.*404"):
            X, y = load_mnist("train", root=tmp_path / "cache", download=True,
                              mirrors=[url + "/missing/", url + "/good/"],
                              checksums=sha256s(files), timeout=2)
    np.testing.assert_array_equal(y, labels)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(files)
    # Second call reads the cache; no mirror is needed any more.
    X2, _ = load_mnist("train", root=tmp_path / "cache", mirrors=[], timeout=2)
    np.testing.assert_array_equal(X, X2)


def test_download_checksum_mismatch_leaves_nothing(tmp_path):
    _, _, files = tiny_mnist()
    wrong = dict(sha256s(files), **{"train-images-idx3-ubyte.gz": "0" * 64})
    with serve({"/m/" + name: data for name, data in files.items()}) as url:
        message = r"train-images-idx3-ubyte.gz.*\n.*sha256 mismatch: expected 0{64}"
        with pytest.raises(RuntimeError, match=message):
            load_mnist("train", root=tmp_path, download=True, mirrors=[url + "/m/"],
                       checksums=wrong, timeout=2)
    assert list(tmp_path.iterdir()) == []  # no partial or unverified file left behind


def test_download_corrupt_mirror_is_reported_then_skipped(tmp_path):
    _, labels, files = tiny_mnist()
    routes = {"/good/" + name: data for name, data in files.items()}
    routes.update({"/bad/" + name: data[:-3] + b"xyz" for name, data in files.items()})
    with serve(routes) as url:
        with pytest.warns(UserWarning, match=r"/bad/train-(images|labels)-idx.-ubyte.gz: sha256 mismatch"):
            _, y = load_mnist("train", root=tmp_path, download=True,
                              mirrors=[url + "/bad/", url + "/good/"],
                              checksums=sha256s(files), timeout=2)
    np.testing.assert_array_equal(y, labels)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)  # no .part files


def test_download_unreachable_mirror_gives_offline_error(tmp_path):
    _, _, files = tiny_mnist()
    with pytest.raises(RuntimeError, match=r"(?s)could not download .* into "
                       + re.escape(str(tmp_path)) + r".*every mirror failed.*load_mnist_sample\(\)"):
        load_mnist("train", root=tmp_path, download=True,
                   mirrors=[f"http://127.0.0.1:{closed_port()}/"],
                   checksums=sha256s(files), timeout=2)
    assert list(tmp_path.iterdir()) == []


def test_download_needs_a_checksum(tmp_path):
    with pytest.raises(ValueError, match=r"no sha256 known for train-images-idx3-ubyte.gz"):
        load_mnist("train", root=tmp_path, download=True, mirrors=[], checksums={})


# ---------------------------------------------------------------- batches / split

@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_each_sample_once(n, batch_size, shuffle, drop_last, seed):
    X = np.arange(n)
    y = X * 10
    pairs = list(batches(X, y, batch_size, shuffle=shuffle, rng=np.random.default_rng(seed),
                         drop_last=drop_last))
    sizes = [len(xb) for xb, _ in pairs]
    for xb, yb in pairs:
        np.testing.assert_array_equal(yb, xb * 10)  # X and y stay aligned
    seen = np.concatenate([xb for xb, _ in pairs]) if pairs else np.array([], int)
    assert len(set(seen.tolist())) == len(seen)  # no sample twice
    if drop_last:
        assert sizes == [batch_size] * (n // batch_size)
    else:
        np.testing.assert_array_equal(np.sort(seen), X)
        assert all(s == batch_size for s in sizes[:-1])
    if not shuffle:
        np.testing.assert_array_equal(seen, X[:len(seen)])


def test_batches_shuffle_is_deterministic_given_seed():
    X = np.arange(100).reshape(50, 2)
    first = list(batches(X, batch_size=8, rng=np.random.default_rng(3)))
    second = list(batches(X, batch_size=8, rng=np.random.default_rng(3)))
    other = list(batches(X, batch_size=8, rng=np.random.default_rng(4)))
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_batches_without_y_and_copies():
    X = np.zeros((10, 3))
    batch = next(batches(X, batch_size=4, shuffle=False))
    assert batch.shape == (4, 3)
    batch[:] = 1
    assert X.sum() == 0


def test_batches_errors():
    message = r"batches: X has 5 samples \(shape \(5, 2\)\) but y has shape \(4,\)"
    with pytest.raises(ValueError, match=message):
        batches(np.zeros((5, 2)), np.zeros(4))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"batches: batch_size must be an integer >= 1"):
            batches(np.zeros(5), batch_size=bad)
    with pytest.raises(TypeError, match=r"batches: rng must be a numpy.random.Generator.*default_rng"):
        batches(np.zeros(5), rng=42)


# ---------------------------------------------------------------- DataLoader / TensorDataset

@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 30), batch_size=st.integers(1, 8), shuffle=st.booleans(), drop_last=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_data_loader_batches_are_those_of_batches_epoch_after_epoch(n, batch_size, shuffle, drop_last, seed):
    X, y = np.arange(2 * n).reshape(n, 2), np.arange(n) * 10
    loader = DataLoader(TensorDataset(X, y), batch_size, shuffle=shuffle, rng=np.random.default_rng(seed),
                        drop_last=drop_last)
    rng = np.random.default_rng(seed)   # the same stream, drawn epoch by epoch as the loader draws it
    for _ in range(2):
        want = list(batches(X, y, batch_size, shuffle=shuffle, rng=rng, drop_last=drop_last))
        got = list(loader)
        assert len(got) == len(want) == len(loader)
        for (xb, yb), (wx, wy) in zip(got, want):
            np.testing.assert_array_equal(xb.numpy(), wx)
            np.testing.assert_array_equal(yb.numpy(), wy)


def test_data_loader_inputs_and_what_it_yields():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    single = list(DataLoader(X, batch_size=4))
    assert [b.shape for b in single] == [(4, 2), (4, 2), (2, 2)] and isinstance(single[0], mg.Tensor)
    pairs = list(DataLoader((X, y), batch_size=4, drop_last=True))
    assert len(pairs) == 2 and all(isinstance(b, tuple) and len(b) == 2 for b in pairs)
    (only,) = next(iter(DataLoader(TensorDataset(X), batch_size=3)))   # a 1-tuple, as PyTorch's [x]
    np.testing.assert_array_equal(only.numpy(), X[:3])
    assert len(DataLoader(X)) == 10   # PyTorch's default batch_size=1
    first, second = (np.concatenate([b.numpy() for b in DataLoader(X, 3, shuffle=True, rng=rng)]) for rng in
                     [np.random.default_rng(1)] * 2)
    assert not np.array_equal(first, second)   # one generator: the second epoch draws a new order
    batch = next(iter(DataLoader(X, 4)))
    batch.data[:] = -1
    assert X.min() == 0   # batches are copies


def test_data_loader_batches_are_tensors_that_port_pytorch_loop_bodies():
    """Tensors as PyTorch's loader gives: x.view(x.size(0), -1) works; labels stay integers, images keep their
    float dtype, and no batch records a graph."""
    images, labels = np.random.default_rng(0).random((10, 1, 2, 2)), np.arange(10) % 3
    correct = total = 0
    for x, y in DataLoader(TensorDataset(images.astype(np.float32), labels), batch_size=4):
        flat = x.view(x.size(0), -1)
        assert flat.shape == (len(y), 4) and flat.dtype == np.float32 and not x.requires_grad
        assert y.dtype == np.int64
        correct += (mg.tensor(np.zeros(len(y)), dtype=np.int64) == y).sum().item()
        total += y.size(0)
    assert (correct, total) == (4, 10)   # the labels equal to 0: 0, 3, 6, 9


def test_tensor_dataset_indexing_and_repr():
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = TensorDataset(X, y)
    assert len(ds) == 6 and ds[2][1] == 2 and ds[1:3][0].shape == (2, 2)
    assert repr(ds) == "TensorDataset(6 samples: (6, 2), (6,))"
    assert repr(DataLoader(ds, 2)) == ("DataLoader(TensorDataset(6 samples: (6, 2), (6,)), batch_size=2, "
                                       "shuffle=False, drop_last=False)")


def test_data_loader_takes_a_list_of_samples_like_their_array():
    """As PyTorch's DataLoader does with a list of samples (it stacks them), and as fit takes lists."""
    samples = [np.full(2, i, np.float32) for i in range(5)]
    assert [b.tolist() for b in DataLoader(samples, batch_size=2)] == [b.tolist() for b in
                                                                        DataLoader(np.stack(samples), batch_size=2)]


def test_data_loader_errors():
    with pytest.raises(ValueError, match=r"TensorDataset: array 0 has 5 samples \(shape \(5, 2\)\) but array 1 has "
                                         r"shape \(4,\); every array needs one entry per sample"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="TensorDataset: give it at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match=r"TensorDataset: array 0 must have shape \(n_samples, ...\), got a scalar"):
        TensorDataset(np.float64(3))
    with pytest.raises(TypeError, match=r"DataLoader: expected a TensorDataset, a tuple of arrays \(X, y\) or one "
                                        r"array, got dict.*np.stack"):
        DataLoader({"x": np.zeros(2)})
    with pytest.raises(TypeError, match=r"DataLoader: array 0 must be an array of numbers.*rectangular"):
        DataLoader([np.zeros(2), np.ones(3)])
    with pytest.raises(ValueError, match="DataLoader: batch_size must be an integer >= 1, got 0"):
        DataLoader(np.zeros(4), batch_size=0)
    with pytest.raises(TypeError, match="DataLoader: rng must be a numpy.random.Generator"):
        DataLoader(np.zeros(4), shuffle=True, rng=7)


def test_train_test_split_plain_and_stratified():
    X = np.arange(100).reshape(50, 2)
    X_train, X_test = train_test_split(X, test_fraction=0.2, rng=np.random.default_rng(0))
    assert X_train.shape == (40, 2) and X_test.shape == (10, 2)
    np.testing.assert_array_equal(np.sort(np.concatenate([X_train, X_test]), axis=0), X)

    y = np.repeat([0, 1, 2], [10, 20, 30])
    X = np.arange(60)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_fraction=0.1, rng=np.random.default_rng(0), stratify=True)
    np.testing.assert_array_equal(np.bincount(y_test), [1, 2, 3])
    np.testing.assert_array_equal(y[X_train], y_train)
    np.testing.assert_array_equal(y[X_test], y_test)


def test_train_test_split_errors():
    with pytest.raises(ValueError, match=r"test_fraction must be strictly between 0 and 1, got 1.5"):
        train_test_split(np.zeros(10), test_fraction=1.5)
    with pytest.raises(ValueError, match=r"leaves 3 for training and 0 for testing"):
        train_test_split(np.zeros(3), test_fraction=0.1)
    with pytest.raises(ValueError, match=r"stratify=True needs labels"):
        train_test_split(np.zeros(10), stratify=True)
    with pytest.raises(ValueError, match=r"train_test_split: X has 10 samples"):
        train_test_split(np.zeros(10), np.zeros(9))


# ---------------------------------------------------------------- noise

NOISES = [
    lambda x, rng: gaussian_noise(x, 0.3, rng),
    lambda x, rng: gaussian_noise(x, 0.3, rng, clip=(0, 1)),
    lambda x, rng: masking_noise(x, 0.3, rng),
    lambda x, rng: masking_noise(x, 0.3, rng, fixed_count=True),
    lambda x, rng: salt_and_pepper(x, 0.3, rng),
]


@pytest.mark.parametrize("noise", NOISES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(20,), (6, 10), (4, 3, 5)])
def test_noise_keeps_input_dtype_and_shape(noise, dtype, shape):
    x = np.random.default_rng(0).uniform(0.1, 0.9, size=shape).astype(dtype)
    before = x.copy()
    out = noise(x, np.random.default_rng(1))
    np.testing.assert_array_equal(x, before)
    assert out.dtype == dtype and out.shape == shape and out is not x
    assert not np.array_equal(out, x)
    np.testing.assert_array_equal(out, noise(x, np.random.default_rng(1)))  # seeded = repeatable


def test_masking_fraction_is_statistically_close():
    x = np.ones((200, 500), np.float32)
    out = masking_noise(x, 0.3, np.random.default_rng(0))
    # 1e5 Bernoulli(0.3) draws: standard deviation of the mean is ~0.0015.
    assert abs((out == 0).mean() - 0.3) < 0.01
    assert set(np.unique(out).tolist()) == {0.0, 1.0}


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 8), cols=st.integers(1, 30), fraction=st.floats(0, 1),
       seed=st.integers(0, 2**32 - 1))
def test_masking_fixed_count_is_exact(rows, cols, fraction, seed):
    x = np.ones((rows, cols))
    out = masking_noise(x, fraction, np.random.default_rng(seed), fixed_count=True)
    np.testing.assert_array_equal((out == 0).sum(axis=1), round(fraction * cols))


def test_masking_fixed_count_on_images_counts_per_sample():
    x = np.ones((3, 4, 5))
    out = masking_noise(x, 0.25, np.random.default_rng(0), fixed_count=True)
    np.testing.assert_array_equal((out == 0).sum(axis=(1, 2)), [5, 5, 5])


def test_salt_and_pepper_values():
    x = np.full((100, 400), 0.5, np.float32)
    out = salt_and_pepper(x, 0.2, np.random.default_rng(0))
    changed = out != x
    np.testing.assert_array_equal(changed.sum(axis=1), 80)  # round(0.2 * 400) per row
    assert set(np.unique(out[changed]).tolist()) == {0.0, 1.0}
    assert abs((out[changed] == 1).mean() - 0.5) < 0.02  # fair coin over 8000 flips


def test_gaussian_noise_statistics_and_clip():
    x = np.full((100, 1000), 0.5)
    noisy = gaussian_noise(x, 0.2, np.random.default_rng(0))
    assert abs((noisy - x).std() - 0.2) < 0.005 and abs((noisy - x).mean()) < 0.005
    assert noisy.min() < 0 and noisy.max() > 1  # no clipping unless asked
    clipped = gaussian_noise(x, 0.2, np.random.default_rng(0), clip=(0, 1))
    np.testing.assert_array_equal(clipped, np.clip(noisy, 0, 1))
    np.testing.assert_array_equal(gaussian_noise(x, 0.0, np.random.default_rng(0)), x)


def test_noise_errors():
    x = np.ones((2, 3))
    for func in (masking_noise, salt_and_pepper):
        name = func.__name__
        for bad in (-0.1, 1.5, float("nan")):
            with pytest.raises(ValueError, match=rf"{name}: fraction must be a number in \[0, 1\]"):
                func(x, bad)
        with pytest.raises(TypeError, match=rf"{name}: fraction must be a real number, got str '0.5'"):
            func(x, "0.5")
    for bad in (-1, float("inf")):
        with pytest.raises(ValueError, match=r"gaussian_noise: sigma must be a finite number >= 0"):
            gaussian_noise(x, bad)
    with pytest.raises(ValueError, match=r"gaussian_noise: clip must be \(low, high\) with low <= high"):
        gaussian_noise(x, 0.1, clip=(1, 0))
    message = r"masking_noise: expected a floating-point array.*got dtype uint8.*astype"
    with pytest.raises(TypeError, match=message):
        masking_noise(np.ones(3, np.uint8), 0.5)
    with pytest.raises(TypeError, match=r"salt_and_pepper: rng must be a numpy.random.Generator"):
        salt_and_pepper(x, 0.5, rng=np.random.RandomState(0))
