"""Running one exercise's check: a clean tree in a temporary folder, one limited process, one trusted channel.

The clean tree holds the instructor's package (without the course kit), the lesson of a lesson exercise and the
check harness (``course/checks.py`` and the check modules), all written from copies the grader read into memory
once, plus the spliced files: a student's process that damaged the tree or the instructor's files could not
change what the next exercise runs on. The process (``python -I``, so no PYTHONPATH or user site) gets a minimal
environment, its job on stdin, and a pipe for its result; the grader accepts only a result that carries the
random nonce it sent. It runs with the NumPy references of the kernels (``MINIGRAD_AE_NUMBA=0``): the checks
test the math, and compiling numba kernels would cost each process seconds.

Defended: a submission's files other than its blocks (never copied), printing or exiting to fake a result, a
hang (wall-clock timeout, then the whole process group is killed), a huge allocation (RLIMIT_AS), a runaway
writer (RLIMIT_FSIZE), writing outside the temporary tree, TCP connections and signals to other processes
(Landlock, where the kernel has it: ``landlock_available``), and — by ``splice.screen`` — blocks that import or
touch what could reach the harness (os, sys, gc, inspect, frames, open, eval, dunders, assigning into modules).
Not defended: code inside the check's process is the check's peer, so an answer that gets past the screen (say,
through an object the screen does not know) could patch the comparison or forge the result; a block that
computes its answer by finite differences or autodiff of its own passes if the numbers are right; without
Landlock (older kernels, macOS) the process can write wherever the grader's user can.
"""
import importlib.util
import json
import os
import pathlib
import py_compile
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache

from ..student import PACKAGE, sources
from .splice import PARSING

COURSE = PACKAGE / "course"
HARNESS = ("checks.py", "check_tools.py", "check_autodiff.py", "check_autoencoder.py", "grading/landlock.py")
SKIPPED = {"__pycache__", "course", "kit", "out"}
RESULT_LIMIT = 1 << 20   # bytes read from the result pipe; a real result is a few kilobytes
OUTPUT_LINES = 8         # lines of the process's output kept for a crash report


@lru_cache(maxsize=None)
def landlock_available():
    """True when this kernel confines file writes with Landlock (asked in a throwaway process)."""
    probe = ("import sys, tempfile; sys.path.insert(0, sys.argv[1]); import landlock; "
             "print(landlock.restrict(tempfile.gettempdir()))")
    try:
        run = subprocess.run([sys.executable, "-I", "-c", probe, str(COURSE / "grading")], capture_output=True,
                             text=True, timeout=60)
        return run.returncode == 0 and int(run.stdout.strip() or 0) > 0
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return False


@lru_cache(maxsize=1)
def instructor_files():
    """{path in the tree: bytes} of the instructor's package (without the course kit, caches and figures), the
    lessons and the harness, read once: each clean tree is written from these bytes."""
    files = {}
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE.parent)
        if path.is_file() and not SKIPPED & set(relative.parts) and path.suffix in {".py", ".npz", ".json", ".csv"}:
            files[relative.as_posix()] = path.read_bytes()
    for path in sorted((sources() / "lessons").glob("*.py")):
        files[f"lessons/{path.name}"] = path.read_bytes()
    for name in HARNESS:
        files[f"_grader/{pathlib.PurePath(name).name}"] = (COURSE / name).read_bytes()
    return files


@lru_cache(maxsize=1)
def bytecode():
    """{path of a .pyc in the tree: bytes}: every instructor module compiled once, as an *unchecked* hash-based pyc
    (PEP 552), which Python loads without comparing it to the source's time stamp — each clean tree's files are
    new, so time-stamped pycs would all be stale and every process would compile the whole package again."""
    compiled = {}
    with tempfile.TemporaryDirectory(prefix="minigrad-bytecode-") as scratch:
        source, target = os.path.join(scratch, "module.py"), os.path.join(scratch, "module.pyc")
        for path, data in instructor_files().items():
            if path.endswith(".py"):
                pathlib.Path(source).write_bytes(data)
                with PARSING:
                    py_compile.compile(source, cfile=target, dfile=path, doraise=True,
                                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                compiled[importlib.util.cache_from_source(path)] = pathlib.Path(target).read_bytes()
    return compiled


def instructor_texts():
    """{path: text} of the instructor's Python files that may hold solution blocks."""
    return {path: data.decode("utf-8") for path, data in instructor_files().items()
            if path.endswith(".py") and not path.startswith("_grader/")}


def write_tree(folder, spliced):
    """The clean tree in ``folder``: every instructor file, the ``spliced`` texts ({path: text}) in their place."""
    for path, data in instructor_files().items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(spliced[path].encode("utf-8") if path in spliced else data)
    for path, data in bytecode().items():
        if importlib.util.source_from_cache(path) not in spliced:   # a spliced module compiles from its new source
            (folder / path).parent.mkdir(exist_ok=True)
            (folder / path).write_bytes(data)
    for name in ("home", "tmp", "out"):
        (folder / name).mkdir()


def environment(folder):
    """A minimal environment: nothing of the grader's, one BLAS thread, headless matplotlib, numba off."""
    home = str(folder / "home")
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "MPLCONFIGDIR": home,
            "TMPDIR": str(folder / "tmp"), "MPLBACKEND": "Agg", "MINIGRAD_AE_NUMBA": "0",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8"}


def run_check(exercise_id, spliced, timeout=60, memory_mb=2048):
    """Run the check of ``exercise_id`` on the instructor's tree with ``spliced`` files; returns the harness's
    result (a dict, 'status' among passed / failed / crashed) or, when none came, {'status': 'no result',
    'exit_code', 'timed_out', 'output': last lines}."""
    with tempfile.TemporaryDirectory(prefix="minigrad-grade-") as temporary:
        folder = pathlib.Path(temporary).resolve()
        write_tree(folder, spliced)
        nonce = secrets.token_hex(16)
        reader, writer = os.pipe()
        job = {"exercise": exercise_id, "root": str(folder), "fd": writer, "nonce": nonce, "memory_mb": memory_mb,
               "cpu_seconds": int(timeout) + 5, "file_mb": 64, "landlock": landlock_available()}
        with tempfile.TemporaryFile(dir=temporary) as output:
            process = subprocess.Popen([sys.executable, "-I", "-X", "utf8", str(folder / "_grader" / "checks.py")],
                                       stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT,
                                       pass_fds=(writer,), cwd=folder, env=environment(folder),
                                       start_new_session=True)
            os.close(writer)
            received = []
            listener = threading.Thread(target=lambda: received.append(_read_all(reader)), daemon=True)
            listener.start()
            timed_out = False
            try:
                process.stdin.write((json.dumps(job) + "\n").encode())
                process.stdin.close()
            except BrokenPipeError:
                pass
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            _kill_group(process)
            listener.join(5)
            output.seek(0)
            lines = output.read().decode("utf-8", errors="replace").splitlines()
        os.close(reader)
        shutil.rmtree(folder, ignore_errors=True)   # the student's process may have made parts read-only
    result = _trusted(received[0] if received else b"", nonce)
    if result is None or timed_out:
        return {"status": "no result", "exit_code": process.returncode, "timed_out": timed_out, "timeout": timeout,
                "output": lines[-OUTPUT_LINES:]}
    result["output"] = lines[-OUTPUT_LINES:]
    return result


def _read_all(fd):
    chunks, size = [], 0
    while size < RESULT_LIMIT:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _trusted(data, nonce):
    """The one result line that carries the nonce (a forged line has none; two lines are not trusted)."""
    found = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and secrets.compare_digest(str(message.pop("nonce", "")), nonce):
            found.append(message)
    return found[0] if len(found) == 1 else None


def _kill_group(process):
    """End the process and anything it started (same session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
