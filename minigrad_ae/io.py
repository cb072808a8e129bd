"""Checkpoints: a state dict (name -> array) saved as a plain ``.npz``, never pickled, written atomically.

File layout (a zip of ``.npy`` files, readable by ``np.load`` alone)::

    <name>.npy ...              one per array of the state dict, bit for bit
    __format_version__.npy      int64 scalar, FORMAT_VERSION
    __shapes__.npy              uint8 bytes of JSON {name: shape}, checked on load
    __meta__.npy                uint8 bytes of JSON: the ``meta`` dict (epochs, losses, config...)

Pickle is never used: it can run arbitrary code when a file is loaded.
"""
import json
import os
import zipfile

import numpy as np

from .autodiff import Tensor

FORMAT_VERSION = 1
_FORMAT_KEY, _SHAPES_KEY, _META_KEY = "__format_version__", "__shapes__", "__meta__"


class CheckpointError(ValueError):
    """A file that is not a readable minigrad_ae checkpoint; the message names the file and the problem."""


class Checkpoint(dict):
    """What ``load`` returns: a dict name -> ndarray (so ``model.load_state_dict(ckpt)`` works) plus
    ``.meta`` (the dict given to ``save``) and ``.format_version``."""

    def __init__(self, arrays, meta, format_version):
        super().__init__(arrays)
        self.meta, self.format_version = meta, format_version

    def __repr__(self):
        return f"Checkpoint({len(self)} arrays: {', '.join(self)}; meta={self.meta})"


def save(path, module_or_state, meta=None):
    """Write a Module's ``state_dict()`` (or a dict name -> array) and a JSON-able ``meta`` dict to ``path``.

    Atomic: the data goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path`` in one step, so a crash mid-write leaves the old checkpoint (or none), never half a file.
    Returns ``path``.
    """
    path = os.fspath(path)
    state = module_or_state.state_dict() if hasattr(module_or_state, "state_dict") else module_or_state
    arrays = _check_arrays(state, path)
    try:
        meta_text = json.dumps({} if meta is None else meta)
    except (TypeError, ValueError) as err:
        raise TypeError(f"save({path!r}): meta must be JSON-serialisable (dicts, lists, str, int, float, bool, "
                        f"None): {err}. Convert NumPy numbers with float(x) or x.tolist().") from None
    shapes_text = json.dumps({name: list(a.shape) for name, a in arrays.items()})
    arrays[_FORMAT_KEY] = np.array(FORMAT_VERSION, dtype=np.int64)
    arrays[_SHAPES_KEY] = _text_array(shapes_text)
    arrays[_META_KEY] = _text_array(meta_text)

    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{os.urandom(4).hex()}.tmp")  # same directory: os.replace is atomic
    try:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)  # object arrays were refused above, so nothing is pickled
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them the checkpoint
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load(path):
    """Read a checkpoint written by ``save``: a ``Checkpoint`` (dict name -> ndarray) with ``.meta``.

    Raises ``CheckpointError`` naming the file for a non-npz file, a truncated or corrupt archive,
    a foreign ``.npz`` or one written by a newer minigrad_ae.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # every zip (so every .npz) starts with this signature
            raise CheckpointError(f"{path!r} is not a .npz checkpoint (it is not a zip archive). "
                                  "Was it written by mg.save?")
    try:
        npz = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise CheckpointError(f"{path!r} is truncated or corrupt (an interrupted copy or download?): {err}") from None
    with npz:
        if _FORMAT_KEY not in npz.files:
            raise CheckpointError(f"{path!r} is a .npz file but not a minigrad_ae checkpoint (no {_FORMAT_KEY!r} "
                                  f"entry; it holds {', '.join(npz.files[:8]) or 'nothing'}). Load it with np.load.")
        try:
            arrays = {name: npz[name] for name in npz.files}
        except Exception as err:  # zlib, EOF, CRC and format errors all mean the same thing here
            raise CheckpointError(f"{path!r} is truncated or corrupt: {type(err).__name__}: {err}") from None
    version = int(arrays.pop(_FORMAT_KEY))
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path!r} has checkpoint format version {version}, newer than this minigrad_ae "
                              f"reads (up to {FORMAT_VERSION}). Upgrade minigrad_ae to load it.")
    shapes, meta = (json.loads(arrays.pop(key).tobytes().decode("utf-8")) for key in (_SHAPES_KEY, _META_KEY))
    found = {name: list(a.shape) for name, a in arrays.items()}
    if found != shapes:
        raise CheckpointError(f"{path!r} is corrupt: its arrays {found} do not match the recorded shapes {shapes}.")
    return Checkpoint(arrays, meta, version)


def _check_arrays(state, path):
    """name -> ndarray, refusing what would need pickle or clash with the file's own entries."""
    arrays = {}
    for name, value in state.items():
        # '__' names are the file's own entries; 'file' and 'allow_pickle' are np.savez's parameter names
        if not isinstance(name, str) or name.startswith("__") or name in ("file", "allow_pickle"):
            raise ValueError(f"save({path!r}): cannot use {name!r} as an array name "
                             "(names must be strings, not start with '__', and not be 'file' or 'allow_pickle').")
        try:
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            numeric = not array.dtype.hasobject
        except ValueError:  # ragged nesting, which NumPy could hold only as an object array
            numeric = False
        if not numeric:
            raise TypeError(f"save({path!r}): {name!r} ({type(value).__name__}) would need an object array; "
                            "checkpoints hold numeric arrays only, because object arrays need pickle, which can "
                            "run code on load.")
        arrays[name] = array
    return arrays


def _text_array(text):
    """Text as a uint8 array: stored without pickle, read back with ``.tobytes().decode()``."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
