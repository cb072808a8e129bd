"""Tests for minigrad_ae.io: exact round trips, no pickle, atomic writes, clear errors for bad files."""
import os

import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import io as mio
from minigrad_ae import nn
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


@pytest.mark.parametrize("crash_in", ["savez", "replace"])
def test_a_crash_mid_write_keeps_the_old_checkpoint_and_leaves_no_temp_file(tmp_path, monkeypatch, crash_in):
    path = save(tmp_path / "ckpt.npz", {"w": np.arange(4.0)}, meta={"epoch": 1})

    def savez_then_crash(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    def crash(*args):
        raise OSError("power cut")

    if crash_in == "savez":
        monkeypatch.setattr(np, "savez", savez_then_crash)
    else:
        monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save(path, {"w": np.zeros(100)}, meta={"epoch": 2})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.npz"]
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
