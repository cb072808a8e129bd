"""The safetensors layout, encoded and decoded by hand: bytes in, arrays out, and back. ``io`` does the files.

    [8 bytes]  N, the header's length, unsigned little-endian
    [N bytes]  a JSON object, UTF-8, padded with spaces:
               {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
    [rest]     the tensors' raw little-endian bytes, C order; offsets count from the start of this part

Offsets must tile the data exactly: every byte belongs to exactly one tensor, no gap, no overlap, nothing
past the end. Nothing here can run code on load (no pickle), and every malformed file fails with a
``SafetensorsError`` that says what is wrong with it.
"""
import json
import math
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8")}   # what minigrad_ae reads
OTHER_DTYPES = {"BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "U64", "F8_E4M3", "F8_E5M2",
                "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"}   # valid safetensors, but not readable here
MAX_HEADER = 100_000_000   # the reference implementation's limit: a larger "length" means it is not this format
_METADATA = "__metadata__"


class SafetensorsError(ValueError):
    """The bytes are not a valid safetensors file; the message says what is wrong."""


def encode(arrays, metadata):
    """The file's bytes for {name: array} (float32, float64 or int64) and {str: str} metadata.

    Arrays are laid out widest dtype first, so each starts at a multiple of its item size (the header is
    padded to 8 bytes): a reader may map them straight from the file.
    """
    header, chunks, offset = {_METADATA: metadata}, [], 0
    for name, array in sorted(arrays.items(), key=lambda item: -item[1].dtype.itemsize):
        code = _dtype_code(name, array.dtype)
        data = np.ascontiguousarray(array, dtype=DTYPES[code]).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    # keep the caller's order in the header (JSON objects keep theirs), whatever the order of the bytes
    header = {_METADATA: metadata, **{name: header[name] for name in arrays}}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def decode(blob):
    """(arrays {name: ndarray in native byte order, writable}, metadata {str: str}) from a file's bytes."""
    if len(blob) < 8:
        raise SafetensorsError(f"it is {len(blob)} bytes long, too short for the 8-byte header length "
                               "(truncated?)")
    (length,) = struct.unpack("<Q", blob[:8])
    if length > MAX_HEADER:
        raise SafetensorsError(f"its header length field says {length} bytes, more than the format allows "
                               f"({MAX_HEADER}): it is not a safetensors file")
    if 8 + length > len(blob):
        raise SafetensorsError(f"its header length ({length} bytes) runs past the end of the file ({len(blob)} "
                               "bytes): the file is truncated")
    header = _parse_header(blob[8:8 + length])
    metadata = header.pop(_METADATA, {})
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise SafetensorsError(f"its {_METADATA} must map names to strings, got {metadata!r}")
    data = memoryview(blob)[8 + length:]
    entries = {name: _check_entry(name, entry) for name, entry in header.items()}
    _check_tiling(entries, len(data))
    arrays = {}
    for name, (dtype, shape, (begin, end)) in entries.items():
        flat = np.frombuffer(data[begin:end], dtype=dtype)
        arrays[name] = flat.astype(dtype.newbyteorder("="), copy=True).reshape(shape)   # owned, writable
    return arrays, metadata


def _dtype_code(name, dtype):
    for code, known in DTYPES.items():
        if dtype.kind == known.kind and dtype.itemsize == known.itemsize:
            return code
    fix = {"b": "int64", "i": "int64", "u": "int64", "f": "float32"}.get(dtype.kind)
    advice = f"Convert it (x.astype(np.{fix})), or" if fix else "For strings and flags (an optimizer's state),"
    raise TypeError(f"{name!r} has dtype {dtype}; safetensors files written here hold float32, float64 and int64 "
                    f"arrays only. {advice} save to an .npz checkpoint instead.")


def _parse_header(raw):
    try:
        header = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise SafetensorsError(f"its header is not valid JSON ({err})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"its header must be a JSON object, got {type(header).__name__}")
    return header


def _check_entry(name, entry):
    """(dtype, shape, (begin, end)) of one header entry, each part checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise SafetensorsError(f"its entry for {name!r} must be an object with exactly dtype, shape and "
                               f"data_offsets, got {entry!r}")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code not in DTYPES:
        if code in OTHER_DTYPES:
            raise SafetensorsError(f"tensor {name!r} has dtype {code}; minigrad_ae reads F32, F64 and I64 only. "
                                   "Convert it before saving (in PyTorch: t.float(), t.double() or t.long())")
        raise SafetensorsError(f"tensor {name!r} has an unknown dtype {code!r}")
    if not (isinstance(shape, list) and all(_is_count(n) for n in shape)):
        raise SafetensorsError(f"tensor {name!r} has shape {shape!r}; a shape is a list of integers >= 0")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(n) for n in offsets)
            and offsets[0] <= offsets[1]):
        raise SafetensorsError(f"tensor {name!r} has data_offsets {offsets!r}; they must be [begin, end] with "
                               "0 <= begin <= end")
    dtype = DTYPES[code]
    if offsets[1] - offsets[0] != math.prod(shape) * dtype.itemsize:
        raise SafetensorsError(f"tensor {name!r} ({code}, shape {shape}) needs {math.prod(shape) * dtype.itemsize} "
                               f"bytes but its data_offsets {offsets} span {offsets[1] - offsets[0]}")
    return dtype, tuple(shape), tuple(offsets)


def _check_tiling(entries, size):
    """The tensors' byte ranges, in order, must cover 0..size exactly once each."""
    end, previous = 0, None
    for name, (_, _, (begin, stop)) in sorted(entries.items(), key=lambda item: item[1][2]):
        if begin < end:
            raise SafetensorsError(f"tensors {previous!r} and {name!r} overlap (bytes {begin} to {end})")
        if begin > end:
            raise SafetensorsError(f"bytes {end} to {begin} of the data belong to no tensor (a gap before {name!r})")
        end, previous = stop, name
    if end > size:
        raise SafetensorsError(f"tensor {previous!r} ends at byte {end} of the data, but the file holds only {size} "
                               "bytes of data: the file is truncated, or its offsets are wrong")
    if end < size:
        raise SafetensorsError(f"the file has {size - end} bytes after its last tensor that belong to no tensor")


def _is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
