"""Landlock (Linux ≥ 5.13): the sandboxed check may create, change or delete files only beneath one folder, open
no TCP connection (ABI ≥ 4) and send no signal outside itself (ABI ≥ 6). Unprivileged and irreversible for the
process and its children; ``restrict`` returns the ABI it applied, or 0 where the kernel has no Landlock.
Files opened before (the result pipe) stay usable: Landlock checks paths when they are opened."""
import ctypes
import os

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446   # syscall numbers, the same on x86-64 and arm64
VERSION_FLAG, PATH_BENEATH, NO_NEW_PRIVS = 1, 1, 38
WRITE_FILE, REMOVE_DIR, REMOVE_FILE, FIRST_MAKE, LAST_MAKE, REFER, TRUNCATE = 1, 4, 5, 6, 12, 13, 14   # bit numbers


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _write_access(abi):
    """Every access right that changes the file system, as this kernel's ABI knows them."""
    bits = [WRITE_FILE, REMOVE_DIR, REMOVE_FILE, *range(FIRST_MAKE, LAST_MAKE + 1)]
    bits += [REFER] if abi >= 2 else []
    bits += [TRUNCATE] if abi >= 3 else []
    return sum(1 << b for b in bits)


def restrict(writable):
    """Allow file-system changes only beneath ``writable``; no TCP (bind, connect); no signals outward."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(VERSION_FLAG))
    if abi < 1:
        return 0
    access = _write_access(abi)
    ruleset = _Ruleset(access, 0b11 if abi >= 4 else 0, 0b11 if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    fd = libc.syscall(CREATE_RULESET, ctypes.byref(ruleset), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    folder = os.open(writable, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneath(access, folder)
        if libc.syscall(ADD_RULE, fd, PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_add_rule failed")
        if libc.prctl(NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.syscall(RESTRICT_SELF, fd, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(folder)
        os.close(fd)
    return abi
