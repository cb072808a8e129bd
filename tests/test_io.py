"""Tests for minigrad_ae.io: exact round trips (.npz and .safetensors), no pickle, atomic writes, clear errors
for bad files (truncated, foreign, malformed entries, every malformed safetensors header)."""
import gc
import json
import os
import struct
import warnings

import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import io as mio
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.io import Checkpoint, CheckpointError, load, save
from minigrad_ae.optim import SGD


def sample_state(rng):
    w32 = rng.normal(size=(4, 3)).astype(np.float32)
    w32[0, 0], w32[0, 1] = np.nan, -0.0  # bit-for-bit: NaN payloads and the sign of zero survive
    return {"encoder.weight": w32, "encoder.bias": rng.normal(size=3), "bn.num_batches": np.array(7),
            "mask": rng.random(5) > 0.5, "empty": np.zeros((0, 2), np.float32)}


def test_round_trip_is_bit_for_bit_and_keeps_meta(tmp_path):
    state = sample_state(np.random.default_rng(0))
    meta = {"epoch": 12, "val_loss": 0.031, "config": {"hidden": [32, 2]}, "note": "digits ✓"}
    path = tmp_path / "ckpt.npz"
    assert save(path, state, meta=meta) == os.fspath(path)
    ckpt = load(path)
    assert isinstance(ckpt, Checkpoint) and isinstance(ckpt, dict)
    assert ckpt.meta == meta and ckpt.format_version == mio.FORMAT_VERSION
    assert list(ckpt) == list(state)
    for name, array in state.items():
        assert ckpt[name].dtype == array.dtype and ckpt[name].shape == array.shape
        assert ckpt[name].tobytes() == array.tobytes()
    assert "5 arrays" in repr(ckpt)


def test_module_round_trips_into_load_state_dict(tmp_path):
    def model(seed):
        rng = np.random.default_rng(seed)
        return nn.Sequential(nn.Linear(4, 3, rng=rng), nn.BatchNorm1d(3), nn.Linear(3, 4, rng=rng, dtype=np.float64))

    a, b = model(0), model(1)
    a[1].running_mean[...] = [1.0, 2.0, 3.0]  # buffers travel with the parameters
    b.load_state_dict(load(save(tmp_path / "m.npz", a)))
    for (name, want), got in zip(a.state_dict().items(), b.state_dict().values()):
        assert want.dtype == got.dtype and want.tobytes() == got.tobytes(), name
    assert load(tmp_path / "m.npz").meta == {}
    assert list(load(save(tmp_path / "t.npz", {"w": a[0].weight}))) == ["w"]  # a Tensor value is saved as its data


def test_optimizer_state_round_trip(tmp_path):
    w = mg.tensor(np.ones(3), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.9)
    w.grad = np.array([1.0, 2.0, 3.0])
    opt.step()
    resumed = SGD([mg.tensor(np.ones(3), requires_grad=True)], lr=0.5, momentum=0.9)
    resumed.load_state_dict(load(save(tmp_path / "opt.npz", opt)))
    assert resumed.lr == 0.1 and resumed.step_count == 1


def test_files_are_plain_npz_without_pickle(tmp_path):
    path = save(tmp_path / "c.npz", {"w": np.arange(3.0)}, meta={"a": 1})
    with np.load(path, allow_pickle=False) as raw:
        assert set(raw.files) == {"w", "__format_version__", "__shapes__", "__meta__"}
        assert raw["__meta__"].dtype == np.uint8 and raw["__meta__"].tobytes() == b'{"a": 1}'


def test_object_arrays_and_bad_names_and_meta_are_refused(tmp_path):
    path = tmp_path / "c.npz"
    with pytest.raises(TypeError, match="'w' .*object array.*pickle"):
        save(path, {"w": np.array([1, "two"], dtype=object)})
    with pytest.raises(TypeError, match="'w' .*object array"):
        save(path, {"w": [np.zeros(2), np.zeros(3)]})  # ragged: NumPy would need an object array
    with pytest.raises(ValueError, match="'__meta__' as an array name"):
        save(path, {"__meta__": np.zeros(2)})
    with pytest.raises(TypeError, match="meta must be JSON-serialisable"):
        save(path, {"w": np.zeros(2)}, meta={"loss": np.zeros(2)})
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["ckpt.npz", "ckpt.safetensors"])
@pytest.mark.parametrize("crash_in", ["write", "replace"])
def test_a_crash_mid_write_keeps_the_old_checkpoint_and_leaves_no_temp_file(tmp_path, monkeypatch, name, crash_in):
    path = save(tmp_path / name, {"w": np.arange(4.0)}, meta={"epoch": 1})

    def crash(*args):
        raise OSError("power cut")

    if crash_in == "write":   # the bytes are written, then the disk fills up before the flush
        real_write = mio._write_atomically
        monkeypatch.setattr(mio, "_write_atomically", lambda p, write: real_write(p, lambda f: (write(f), crash())))
    else:
        monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        save(path, {"w": np.zeros(100)}, meta={"epoch": 2})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == [name]
    old = load(path)
    assert old.meta == {"epoch": 1} and np.array_equal(old["w"], np.arange(4.0))


def test_truncated_file_is_reported(tmp_path):
    path = save(tmp_path / "ckpt.npz", {"w": np.arange(1000.0)})
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"ckpt\.npz' is truncated or corrupt"):
        load(path)


def test_foreign_npz_is_reported(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(CheckpointError, match=r"foreign\.npz' is a \.npz file but not a minigrad_ae checkpoint.*"
                                              r"weights"):
        load(path)


def test_newer_format_version_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(mio, "FORMAT_VERSION", 99)
    path = save(tmp_path / "future.npz", {"w": np.zeros(2)})
    monkeypatch.undo()
    with pytest.raises(CheckpointError, match=r"future\.npz' has checkpoint format version 99.*Upgrade"):
        load(path)


@pytest.mark.parametrize("name, content", [("notes.txt", b"epoch 3: loss 0.1\n"), ("x.npy", None)])
def test_a_file_that_is_not_an_npz_is_reported(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        np.save(path, np.zeros(3))
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=rf"{name.replace('.', '.')}' is not a \.npz checkpoint"):
        load(path)


def test_shapes_that_disagree_with_the_record_are_reported(tmp_path):
    path = tmp_path / "edited.npz"
    np.savez(path, w=np.zeros(3), __format_version__=np.array(1), __shapes__=mio._text_array('{"w": [2]}'),
             __meta__=mio._text_array("{}"))
    with pytest.raises(CheckpointError, match="do not match the recorded shapes"):
        load(path)


# ---------------------------------------------------------------- .npz: malformed entries (issue 15)


def test_truncated_npz_leaves_no_file_open(tmp_path):
    path = save(tmp_path / "ckpt.npz", {"w": np.arange(1000.0)})
    data = path_bytes(path)
    for cut in (30, len(data) // 2, len(data) - 10):
        (tmp_path / "ckpt.npz").write_bytes(data[:cut])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(CheckpointError, match="truncated or corrupt"):
                load(path)
            gc.collect()   # an unclosed file warns when it is collected
        assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def npz_checkpoint(path, **entries):
    """A checkpoint written entry by entry, to break one at a time (None leaves an entry out)."""
    base = {"w": np.zeros(3), "__format_version__": np.array(1), "__shapes__": mio._text_array('{"w": [3]}'),
            "__meta__": mio._text_array("{}")}
    np.savez(path, **{k: v for k, v in {**base, **entries}.items() if v is not None})
    return path


@pytest.mark.parametrize("entries, match", [
    ({"__meta__": mio._text_array("{oops")}, r"its '__meta__' entry is not JSON text \(Expecting property name"),
    ({"__meta__": np.zeros(3)}, r"its '__meta__' entry is not JSON text \(it is a float64 array of shape \(3,\)"),
    ({"__shapes__": mio._text_array("\xff")}, "its '__shapes__' entry is not JSON text"),
    ({"__format_version__": np.arange(3)}, r"its format version should be one integer, got array\(\[0, 1, 2\]\)"),
    ({"__format_version__": np.array(1.5)}, "its format version should be one integer"),
    ({"__shapes__": None}, "it has no '__shapes__' entry"),
    ({"__meta__": None}, "it has no '__meta__' entry"),
    ({"__shapes__": mio._text_array('{"w": 3}')}, r"its __shapes__ entry is not a \{name: shape\} record"),
    ({"__shapes__": mio._text_array('{"w": [3], "b": [2]}')},
     r"the file is corrupt, its arrays do not match the recorded shapes.\n  missing keys .*\['b'\]"),
])
def test_malformed_npz_entries_are_checkpoint_errors(tmp_path, entries, match):
    path = npz_checkpoint(tmp_path / "bad.npz", **entries)
    with pytest.raises(CheckpointError, match=r"bad\.npz'.*" + match):
        load(path)


# ---------------------------------------------------------------- .safetensors


def every_layer(rng, dtype):
    """One of each layer with parameters, trained a step so nothing is at its initial value."""
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=rng, dtype=dtype),
                         nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1, output_padding=1, rng=rng, dtype=dtype),
                         nn.Flatten(), nn.Linear(64, 5, rng=rng, dtype=dtype), nn.BatchNorm1d(5, dtype=dtype),
                         nn.ReLU(), nn.Linear(5, 3, bias=False, rng=rng, dtype=dtype), nn.Sigmoid())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_safetensors_round_trip_of_every_layer_type(tmp_path, dtype):
    rng = np.random.default_rng(0)
    model, other = every_layer(rng, dtype), every_layer(rng, dtype)
    x = rng.random((4, 1, 4, 4))
    F.mse_loss(model(x), np.zeros((4, 3))).backward()
    mg.optim.SGD(model.parameters(), lr=0.1).step()
    path = save(tmp_path / "m.safetensors", model, meta={"epochs": 3, "losses": [0.5, 0.25], "note": "ok ✓"})
    ckpt = load(path)
    assert ckpt.meta == {"epochs": 3, "losses": [0.5, 0.25], "note": "ok ✓"} and ckpt.format_version == 1
    assert list(ckpt) == list(model.state_dict())
    other.load_state_dict(ckpt)
    for (name, want), got in zip(model.state_dict().items(), other.state_dict().values()):
        assert want.dtype == got.dtype and want.tobytes() == got.tobytes(), name
    assert ckpt["4.num_batches_tracked"].dtype == np.int64 and ckpt["4.num_batches_tracked"] == 1
    model.eval(), other.eval()
    np.testing.assert_array_equal(model(x).data, other(x).data)


def test_safetensors_bytes_follow_the_layout(tmp_path):
    state = {"b": np.arange(3, dtype=np.float32), "a": np.array([[1, 2]], dtype=">i8"), "e": np.zeros((0, 2))}
    path = save(tmp_path / "s.safetensors", state, meta={"k": 1})
    blob = path_bytes(path)
    n = struct.unpack("<Q", blob[:8])[0]
    assert n % 8 == 0 and len(blob) == 8 + n + 12 + 16   # header padded to 8 bytes; 3 float32 + 2 int64
    header = json.loads(blob[8:8 + n])
    assert list(header) == ["__metadata__", "b", "a", "e"]   # the caller's order
    assert header["__metadata__"] == {"format": "pt", "minigrad_ae.format_version": "1", "k": "1"}
    assert header["a"] == {"dtype": "I64", "shape": [1, 2], "data_offsets": [0, 16]}   # widest dtype first
    assert header["b"] == {"dtype": "F32", "shape": [3], "data_offsets": [16, 28]}
    assert header["e"]["dtype"] == "F64" and header["e"]["shape"] == [0, 2]
    assert blob[8 + n:8 + n + 16] == np.array([1, 2], "<i8").tobytes()   # little-endian whatever the input was
    ckpt = load(path)
    assert ckpt["a"].dtype == np.int64 and ckpt["a"].tolist() == [[1, 2]] and ckpt["e"].shape == (0, 2)
    ckpt["b"][0] = 5.0   # loaded arrays are writable copies


def test_safetensors_refuses_what_it_cannot_hold(tmp_path):
    path = tmp_path / "s.safetensors"
    with pytest.raises(TypeError, match=r"s.safetensors'\): 'm' has dtype bool.*x.astype\(np.int64\)"):
        save(path, {"m": np.ones(2, bool)})
    with pytest.raises(TypeError, match=r"'h' has dtype float16.*x.astype\(np.float32\)"):
        save(path, {"h": np.ones(2, np.float16)})
    with pytest.raises(TypeError, match="'optimizer' has dtype <U3.*save to an .npz checkpoint instead"):
        save(path, SGD([mg.tensor(np.ones(2), requires_grad=True)], lr=0.1))
    with pytest.raises(TypeError, match="meta for a .safetensors file must be a dict with string keys"):
        save(path, {"w": np.zeros(2)}, meta=[1, 2])
    with pytest.raises(ValueError, match=r"meta keys \['format'\] are the file's own"):
        save(path, {"w": np.zeros(2)}, meta={"format": "np"})
    assert os.listdir(tmp_path) == []


def test_the_path_comes_first_and_a_pytorch_order_says_so(tmp_path):
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"save: path must be a file name such as 'model.safetensors', got dict. The "
                                        r"path comes first here: mg.save\(path, model\) \(PyTorch's "
                                        r"torch.save\(obj, path\) takes it last\)."):
        save(model.state_dict(), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match=r"save: path must be a file name \(a str or pathlib.Path\), got int 3.$"):
        save(3, model)   # not a path in either place: the plain message, no talk of the order
    assert os.listdir(tmp_path) == []


def test_safetensors_written_elsewhere_keeps_its_metadata_as_strings(tmp_path):
    path = tmp_path / "foreign.safetensors"
    path.write_bytes(safetensors_bytes({"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}},
                                       np.array([1.0, 2.0]).tobytes(), metadata={"format": "pt", "epochs": "3"}))
    ckpt = load(path)
    assert ckpt.meta == {"epochs": "3"} and ckpt.format_version is None and ckpt["w"].tolist() == [1.0, 2.0]


def safetensors_bytes(header, data=b"", metadata=None, length=None):
    """A hand-made file: the header as given (metadata added when given), then ``data``."""
    text = json.dumps({**({"__metadata__": metadata} if metadata is not None else {}), **header}).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


F32_2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("blob, match", [
    (b"\x10\x00\x00", "it is 3 bytes long, too short for the 8-byte header length"),
    (safetensors_bytes({"w": F32_2}, bytes(8), length=10_000),
     r"its header length \(10000 bytes\) runs past the end of the file \(77 bytes\)"),
    (struct.pack("<Q", 2**40) + b"{}", "its header length field says 1099511627776 bytes, more than the format allows"),
    (struct.pack("<Q", 5) + b"{oops", r"its header is not valid JSON \(Expecting property name"),
    (struct.pack("<Q", 2) + b"\xff\xfe", "its header is not valid JSON"),
    (struct.pack("<Q", 2) + b"[]", "its header must be a JSON object, got list"),
    (safetensors_bytes({"w": F32_2}, bytes(8), metadata={"epochs": 3}), "its __metadata__ must map names to strings"),
    (safetensors_bytes({"w": [1, 2]}), "its entry for 'w' must be an object with exactly dtype, shape and"),
    (safetensors_bytes({"w": {**F32_2, "dtype": "Q7"}}, bytes(8)), "tensor 'w' has an unknown dtype 'Q7'"),
    (safetensors_bytes({"w": {**F32_2, "dtype": "BF16"}}, bytes(8)),
     r"tensor 'w' has dtype BF16; minigrad_ae reads F32, F64 and I64 only.*t.float\(\)"),
    (safetensors_bytes({"w": {**F32_2, "shape": [-2]}}, bytes(8)), r"tensor 'w' has shape \[-2\]; a shape is a list"),
    (safetensors_bytes({"w": {**F32_2, "data_offsets": [8, 0]}}, bytes(8)),
     r"tensor 'w' has data_offsets \[8, 0\]; they must be \[begin, end\] with 0 <= begin <= end"),
    (safetensors_bytes({"w": {**F32_2, "data_offsets": [0, 12]}}, bytes(12)),
     r"tensor 'w' \(F32, shape \[2\]\) needs 8 bytes but its data_offsets \[0, 12\] span 12"),
    (safetensors_bytes({"w": F32_2}, bytes(4)), r"tensor 'w' ends at byte 8 of the data, but the file holds only 4"),
    (safetensors_bytes({"w": {**F32_2, "data_offsets": [8, 16]}}, bytes(16)),
     r"bytes 0 to 8 of the data belong to no tensor \(a gap before 'w'\)"),
    (safetensors_bytes({"a": F32_2, "b": {**F32_2, "data_offsets": [4, 12]}}, bytes(12)),
     "tensors 'a' and 'b' overlap"),
    (safetensors_bytes({"w": F32_2}, bytes(9)), "the file has 1 bytes after its last tensor"),
])
def test_malformed_safetensors_files_are_checkpoint_errors(tmp_path, blob, match):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(blob)
    with pytest.raises(CheckpointError, match=r"bad\.safetensors' is not a readable safetensors file: " + match):
        load(path)


def test_our_metadata_must_be_json_and_the_version_an_integer(tmp_path):
    path = tmp_path / "m.safetensors"
    ours = {"format": "pt", "minigrad_ae.format_version": "1"}
    path.write_bytes(safetensors_bytes({}, metadata={**ours, "epochs": "three"}))
    with pytest.raises(CheckpointError, match="m.safetensors' is corrupt: its metadata entry 'epochs' is not JSON"):
        load(path)
    path.write_bytes(safetensors_bytes({}, metadata={**ours, "minigrad_ae.format_version": "v1"}))
    with pytest.raises(CheckpointError, match="format version should be one integer, got 'v1'"):
        load(path)
    path.write_bytes(safetensors_bytes({}, metadata={**ours, "minigrad_ae.format_version": "99"}))
    with pytest.raises(CheckpointError, match="has checkpoint format version 99.*Upgrade"):
        load(path)


def path_bytes(path):
    with open(path, "rb") as f:
        return f.read()
