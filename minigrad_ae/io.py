"""Checkpoints: a state dict (name -> array) saved without pickle, written atomically, in one of two layouts.

``.npz`` (any name not ending in ``.safetensors``): a zip of ``.npy`` files, readable by ``np.load`` alone::

    <name>.npy ...              one per array of the state dict, bit for bit
    __format_version__.npy      int64 scalar, FORMAT_VERSION
    __shapes__.npy              uint8 bytes of JSON {name: shape}, checked on load
    __meta__.npy                uint8 bytes of JSON: the ``meta`` dict (epochs, losses, config...)

``.safetensors``: the format PyTorch's ecosystem uses to share weights (layout in ``safetensors_format.py``).
A model saved here loads into the equivalent PyTorch module with
``torch_model.load_state_dict(safetensors.torch.load_file(path))`` (Sequential, Linear, Conv2d,
ConvTranspose2d and BatchNorm1d use PyTorch's parameter names and layouts), and a file PyTorch saved with
``safetensors.torch.save_file`` loads here. Its ``__metadata__`` holds ``"format": "pt"``, our format version,
and each ``meta`` entry as a JSON string (safetensors metadata values must be strings).

Why write that layout ourselves instead of depending on the ``safetensors`` package: it is only an 8-byte
length, a JSON header and raw bytes (encoding, decoding and checking it take under 140 lines a student can
read); checking every field here gives a bad file the same clear ``CheckpointError`` as a bad ``.npz``; and
the package would add a compiled dependency (and, for NumPy, nothing we need).

Pickle is never used (it is why ``torch.save`` files are not read here): unpickling can run arbitrary code.
"""
import json
import os

import numpy as np

from .autodiff import Tensor
from .safetensors_format import SafetensorsError, decode, encode
from .statedict import check_state_dict
from .validate import file_path

FORMAT_VERSION = 1
_FORMAT_KEY, _SHAPES_KEY, _META_KEY = "__format_version__", "__shapes__", "__meta__"
_VERSION_METADATA = "minigrad_ae.format_version"   # in a .safetensors file's __metadata__
_ZIP_SIGNATURE = b"PK\x03\x04"   # every zip (so every .npz) starts with it


class CheckpointError(ValueError):
    """A file that is not a readable minigrad_ae checkpoint; the message names the file and the problem."""


class Checkpoint(dict):
    """What ``load`` returns: a dict name -> ndarray (so ``model.load_state_dict(ckpt)`` works) plus
    ``.meta`` (the dict given to ``save``) and ``.format_version`` (None for a safetensors file written
    elsewhere, e.g. by PyTorch: its ``.meta`` is then its metadata, strings as they are)."""

    def __init__(self, arrays, meta, format_version):
        super().__init__(arrays)
        self.meta, self.format_version = meta, format_version

    def __repr__(self):
        return f"Checkpoint({len(self)} arrays: {', '.join(self)}; meta={self.meta})"


def save(path, module_or_state, meta=None):
    """Write a Module's ``state_dict()`` (or a dict name -> array) and a JSON-able ``meta`` dict to ``path``.

    ``.safetensors`` paths get the safetensors layout (float32, float64 and int64 arrays, ``meta`` a dict),
    others ``.npz``. Atomic: the data goes to a temporary file in the same directory, is flushed to disk,
    then renamed over ``path`` in one step, so a crash mid-write leaves the old checkpoint (or none), never
    half a file. Returns ``path``.
    """
    if not isinstance(path, (str, os.PathLike)) and isinstance(module_or_state, (str, os.PathLike)):
        raise TypeError(f"save: path must be a file name such as 'model.safetensors', got {type(path).__name__}. "
                        "The path comes first here: mg.save(path, model) (PyTorch's torch.save(obj, path) takes "
                        "it last).")
    path = file_path(path, "save")
    if os.path.isdir(path):
        raise ValueError(f"save: {path!r} is a folder; give a file name in it, e.g. "
                         f"{os.path.join(path, 'model.npz')!r}.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist; create it first, e.g. "
                                f"os.makedirs({folder!r}, exist_ok=True).")
    state = module_or_state.state_dict() if hasattr(module_or_state, "state_dict") else module_or_state
    if not isinstance(state, dict):
        raise TypeError(f"save: module_or_state must be a Module or a state dict {{name: array}}, got "
                        f"{type(state).__name__} {state!r:.40}.")
    arrays = _check_arrays(state, path)
    if path.endswith(".safetensors"):
        try:
            blob = encode(arrays, _safetensors_metadata(meta, path))
        except TypeError as err:
            raise TypeError(f"save({path!r}): {err}") from None
        _write_atomically(path, lambda f: f.write(blob))
        return path
    shapes_text = json.dumps({name: list(a.shape) for name, a in arrays.items()})
    arrays[_FORMAT_KEY] = np.array(FORMAT_VERSION, dtype=np.int64)
    arrays[_SHAPES_KEY] = _text_array(shapes_text)
    arrays[_META_KEY] = _text_array(_meta_json({} if meta is None else meta, path))
    _write_atomically(path, lambda f: np.savez(f, **arrays))   # object arrays were refused: nothing is pickled
    return path


def load(path):
    """Read a checkpoint written by ``save`` (or a ``.safetensors`` file from PyTorch): a ``Checkpoint``
    (dict name -> ndarray) with ``.meta``.

    Raises ``CheckpointError`` naming the file and the problem for a file of the wrong kind, a truncated
    or corrupt one, a foreign ``.npz``, one written by a newer minigrad_ae, or a malformed safetensors header.
    """
    path = file_path(path, "load", exists=True)
    return _load_safetensors(path) if path.endswith(".safetensors") else _load_npz(path)


# ---------------------------------------------------------------- .npz


def _load_npz(path):
    with open(path, "rb") as f:   # ours, not np.load's: a failing np.load must not leave it open
        if f.read(4) != _ZIP_SIGNATURE:
            raise CheckpointError(f"load: {path!r} is not a .npz checkpoint (it is not a zip archive). Was it written "
                                  "by mg.save? (A safetensors file must be named *.safetensors.)")
        f.seek(0)
        try:
            with np.load(f, allow_pickle=False) as npz:
                files = npz.files
                arrays = {name: npz[name] for name in files} if _FORMAT_KEY in files else None
        except Exception as err:  # zip, zlib, EOF, CRC and format errors all mean the same thing here
            raise CheckpointError(f"load: {path!r} is truncated or corrupt (an interrupted copy or download?): "
                                  f"{type(err).__name__}: {err}") from None
    if arrays is None:
        raise CheckpointError(f"load: {path!r} is a .npz file but not a minigrad_ae checkpoint (no "
                              f"{_FORMAT_KEY!r} entry; it holds {', '.join(files[:8]) or 'nothing'}). Load it with "
                              "np.load.")
    version = _format_version(arrays.pop(_FORMAT_KEY), path)
    shapes, meta = (_json_entry(arrays, key, path) for key in (_SHAPES_KEY, _META_KEY))
    if not (isinstance(shapes, dict) and all(isinstance(s, list) and all(_is_count(n) for n in s)
                                             for s in shapes.values())):
        raise CheckpointError(f"load: {path!r} is corrupt: its {_SHAPES_KEY} entry is not a {{name: shape}} record, "
                              f"got {shapes!r}.")
    check_state_dict(arrays, f"load({path!r})", shapes, error=CheckpointError, expected_in="the file's shape record",
                     headline="the file is corrupt, its arrays do not match the recorded shapes.")
    return Checkpoint(arrays, meta, version)


def _json_entry(arrays, key, path):
    """Pop ``key``, stored as the UTF-8 bytes of a JSON text, and parse it."""
    if key not in arrays:
        raise CheckpointError(f"load: {path!r} is corrupt: it has no {key!r} entry (every mg.save checkpoint has "
                              "one).")
    raw = arrays.pop(key)
    try:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"it is a {raw.dtype} array of shape {raw.shape}, not bytes")
        return json.loads(raw.tobytes().decode("utf-8"))
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise CheckpointError(f"load: {path!r} is corrupt: its {key!r} entry is not JSON text ({err}).") from None


# ---------------------------------------------------------------- .safetensors


def _load_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    try:
        arrays, metadata = decode(blob)
    except SafetensorsError as err:
        raise CheckpointError(f"load: {path!r} is not a readable safetensors file: {err}.") from None
    metadata = dict(metadata)
    metadata.pop("format", None)
    if _VERSION_METADATA not in metadata:   # written elsewhere (PyTorch): its metadata are plain strings
        return Checkpoint(arrays, metadata, None)
    version = _format_version(metadata.pop(_VERSION_METADATA), path)
    meta = {}
    for key, text in metadata.items():
        try:
            meta[key] = json.loads(text)
        except ValueError as err:
            raise CheckpointError(f"load: {path!r} is corrupt: its metadata entry {key!r} is not JSON text ({err}); "
                                  "mg.save stores each meta value as JSON.") from None
    return Checkpoint(arrays, meta, version)


def _safetensors_metadata(meta, path):
    """{str: str} for the header: "format": "pt" (what PyTorch's loaders look for), our version, meta as JSON."""
    meta = {} if meta is None else meta
    if not (isinstance(meta, dict) and all(isinstance(key, str) for key in meta)):
        raise TypeError(f"save({path!r}): meta for a .safetensors file must be a dict with string keys (each value "
                        f"is stored as a JSON string), got {type(meta).__name__}.")
    reserved = sorted({"format", _VERSION_METADATA} & meta.keys())
    if reserved:
        raise ValueError(f"save({path!r}): meta keys {reserved} are the file's own; rename them.")
    return {"format": "pt", _VERSION_METADATA: str(FORMAT_VERSION),
            **{key: _meta_json(value, path) for key, value in meta.items()}}


# ---------------------------------------------------------------- shared


def _write_atomically(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``, flush it to disk, then rename it over ``path``."""
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{os.urandom(4).hex()}.tmp")  # same directory: os.replace is atomic
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them the checkpoint
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _format_version(raw, path):
    """The file's format version (an integer scalar or its digits), refused if malformed or newer than ours."""
    if not ((isinstance(raw, str) and raw.isdigit())
            or (isinstance(raw, np.ndarray) and raw.shape == () and raw.dtype.kind in "iu")):
        raise CheckpointError(f"load: {path!r} is corrupt: its format version should be one integer, got {raw!r}.")
    version = int(raw)
    if version > FORMAT_VERSION:
        raise CheckpointError(f"load: {path!r} has checkpoint format version {version}, newer than this minigrad_ae "
                              f"reads (up to {FORMAT_VERSION}). Upgrade minigrad_ae to load it.")
    return version


def _meta_json(meta, path):
    try:
        return json.dumps(meta)
    except (TypeError, ValueError) as err:
        raise TypeError(f"save({path!r}): meta must be JSON-serialisable (dicts, lists, str, int, float, bool, "
                        f"None): {err}. Convert NumPy numbers with float(x) or x.tolist().") from None


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


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
