"""The check harness: one exercise's check, run by the grader in a fresh, limited process inside a clean tree.

    python -I checks.py            # the job comes on stdin: one JSON line, read before any student code runs

The job names the exercise, the clean tree (``root``: the instructor's package and lessons with the student's
block spliced in), the limits, the number of an inherited pipe and a random nonce. Before importing anything of
the tree, the harness sets the limits (address space, CPU seconds, file size, no core dumps), confines file
changes to ``root`` with Landlock where the kernel has it, and puts ``root`` first on sys.path. It then runs the
check and writes one JSON line — the nonce, the status, the largest error, the detail, or the crash with its
traceback frames — to the pipe, and leaves with ``os._exit`` so no handler of the student's runs after it.

The result channel is the pipe, not stdout: printing anything, or exiting early (``sys.exit(0)``,
``os._exit(0)``), cannot produce a result, and a forged write to the pipe lacks the nonce, which is read from
stdin before student code runs and held only in this function's locals. If any stand-in ran, the exercise is
'not attempted' whatever the numbers say (the clean tree runs no stand-in of its own).
"""
import json
import math
import os
import resource
import sys
import traceback


def limit(memory_mb, cpu_seconds, file_mb):
    for which, value in ((resource.RLIMIT_AS, memory_mb << 20), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, file_mb << 20), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))


def plain(value):
    """``value`` with every non-finite float as the text 'inf' / 'nan' (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def crash(err):
    """The exception's type, message and traceback frames (file, line, function), innermost last."""
    try:
        message = str(err)
    except Exception:   # a student's exception whose __str__ fails still gets reported
        message = "(its message could not be shown)"
    frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_tb(err.__traceback__)]
    return {"type": type(err).__name__, "message": message[:2000], "frames": frames}


def run(exercise_id, rng_seed=0):
    """(status, error, detail, crash) of the exercise's check in this process."""
    import numpy as np

    import check_autodiff
    import check_autoencoder
    from check_tools import PASS
    check = getattr(check_autodiff, exercise_id, None) or getattr(check_autoencoder, exercise_id)
    try:
        error, detail = check(np.random.default_rng(rng_seed))
        error = float(error)
    except BaseException as err:   # SystemExit and KeyboardInterrupt included: an exit is a crash here
        return "crashed", None, None, crash(err)
    return ("passed" if error < PASS else "failed"), error, detail, None


def main():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # python -I leaves the script's folder out
    job = json.loads(sys.stdin.readline())
    nonce, pipe = job.pop("nonce"), os.fdopen(job["fd"], "w", encoding="utf-8")
    limit(job["memory_mb"], job["cpu_seconds"], job["file_mb"])
    landlock_abi = 0
    if job["landlock"]:
        import landlock
        landlock_abi = landlock.restrict(job["root"])
    sys.path.insert(0, job["root"])
    import check_tools
    check_tools.ROOT = job["root"]
    status, error, detail, crashed = run(job["exercise"])
    used, outside = [], False
    package = sys.modules.get("minigrad_ae")
    if package is not None:
        outside = not os.path.abspath(package.__file__).startswith(job["root"] + os.sep)
        notices = sys.modules.get("minigrad_ae.stand_ins.notices")
        used = sorted(notices.calls()) if notices else []
    pipe.write(json.dumps(plain({"nonce": nonce, "status": status, "error": error, "detail": detail,
                                 "crash": crashed, "stand_ins": used, "landlock": landlock_abi,
                                 "imported_outside": outside}), ensure_ascii=False, default=str) + "\n")
    pipe.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
