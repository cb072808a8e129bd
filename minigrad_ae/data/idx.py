"""Reader for the IDX format that the original MNIST files use.

Layout (all integers big-endian)::

    bytes 0-1   0x00 0x00
    byte  2     element type code (see IDX_DTYPES)
    byte  3     number of dimensions d
    then        d sizes, uint32 each
    then        prod(sizes) elements, row-major (C order)

Files may be gzip-compressed (MNIST is distributed as ``*-ubyte.gz``).
"""

import gzip
import zlib

import numpy as np

from ..validate import file_path

# Type code -> big-endian NumPy dtype, from the format's definition on the MNIST page.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    with open(path, "rb") as file:
        raw = file.read()
    # Sniff the content rather than trusting the name: people gunzip files in place.
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as err:
        raise ValueError(
            f"read_idx: {path} is a corrupt or truncated gzip file ({err}); "
            "delete it and download it again."
        ) from err


def read_idx(path):
    """Read an IDX file (plain or gzip'd) into a native-endian ndarray.

    The result has the dtype named in the header and shape ``sizes``, e.g.
    (60000, 28, 28) uint8 for ``train-images-idx3-ubyte.gz``.
    """
    raw = _read_bytes(file_path(path, "read_idx", exists=True))
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"read_idx: {path} is not an IDX file: it must start with two zero bytes, "
            f"got {raw[:4]!r}. Is it the right file, and complete?"
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"read_idx: {path} has unknown type code 0x{code:02X}; known: {known}.")
    dtype = IDX_DTYPES[code]

    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(
            f"read_idx: {path} is truncated: its header declares {ndim} dimensions "
            f"but the file has only {len(raw)} bytes."
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_size
    if found != expected:
        problem = "truncated" if found < expected else "longer than its header says"
        raise ValueError(
            f"read_idx: {path} is {problem}: shape {shape} of {dtype.name} needs "
            f"{expected} data bytes, found {found}. Delete it and download it again."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    # astype copies into native byte order, so the result is writable and fast.
    return data.astype(dtype.newbyteorder("="))
