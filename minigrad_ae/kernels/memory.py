"""Let malloc keep and reuse the memory of freed arrays, instead of returning it to the OS every time.

glibc serves every allocation above ``M_MMAP_THRESHOLD`` (128 KiB at first) with a fresh ``mmap`` that
``free`` unmaps again, and gives the top of the heap back once more than ``M_TRIM_THRESHOLD`` of it is
free. A training step allocates and frees the same large arrays (activations, gradients, im2col columns)
every step, so each can be faulted in again page by page every step: the conv autoencoder of
bench/run.py (W5) took 15 ms per step that way against 8 ms with the thresholds raised. glibc raises
them by itself after freeing a large mapped block, so how much a process suffers depends on what it
allocated before; calling ``keep_freed_memory()`` once (the benchmarks and lesson 16 do; nothing does at
import) makes it never suffer. The price: the process keeps its peak heap (up to ``trim_threshold`` of it
unused) until it exits.
"""
import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt parameter numbers, from glibc's <malloc.h>
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024         # glibc's ceiling for M_MMAP_THRESHOLD on 64-bit machines


def keep_freed_memory(mmap_threshold=MMAP_THRESHOLD_MAX, trim_threshold=256 * 1024 * 1024):
    """Raise glibc's mmap and trim thresholds (bytes); True if done, False where this is not glibc/Linux."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # only glibc has it: musl's mallopt is a no-op, other libcs differ
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(M_TRIM_THRESHOLD, trim_threshold))
