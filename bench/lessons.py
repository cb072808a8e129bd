"""How long each lesson takes by default, and where the slowest ones spend it.

    python bench/lessons.py                 # every lesson, default settings: times, then hot spots of the slowest
    python bench/lessons.py 13 16 --top 5   # only these lessons
    python bench/lessons.py --quick         # the test suite's --quick runs

Each lesson runs in a fresh process as a student runs it (one OpenBLAS thread, as `minigrad-ae lessons run` sets;
figures to a temporary folder). Times are wall-clock seconds including the interpreter's start and imports, and the
CPU seconds the process used (user + system): on a shared machine the wall time also counts the waits for a core,
the CPU time much less so. The
hot spots come from a second run of each of the slowest lessons under cProfile: the functions with the most time of
their own (tottime), which is where an optimisation pays.
"""
import argparse
import os
import pathlib
import pstats
import resource
import subprocess
import sys
import tempfile
import time

from minigrad_ae.cli import one_blas_thread

LESSONS = pathlib.Path(__file__).resolve().parent.parent / "lessons"


def cpu_seconds_of_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(lesson, extra, profile_to=None):
    """(wall, CPU) seconds of one run of ``lesson`` in a new process (raises if the lesson fails)."""
    command = [sys.executable] + (["-m", "cProfile", "-o", str(profile_to)] if profile_to else []) + [str(lesson)]
    env = {**one_blas_thread(os.environ), "MPLBACKEND": "Agg"}   # OpenMP and MKL too: PyTorch's threads spin
    with tempfile.TemporaryDirectory() as out:
        start, cpu_start = time.perf_counter(), cpu_seconds_of_children()
        result = subprocess.run(command + ["--out", out, *extra], capture_output=True, text=True, env=env)
        seconds, cpu = time.perf_counter() - start, cpu_seconds_of_children() - cpu_start
    if result.returncode != 0:
        raise RuntimeError(f"{lesson.name} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return seconds, cpu


def hot_spots(profile, top):
    """The ``top`` functions with the most time of their own: (seconds, calls, 'file:line(function)')."""
    stats = pstats.Stats(str(profile))
    rows = [(tottime, calls, f"{pathlib.Path(file).name}:{line}({name})")
            for (file, line, name), (_, calls, tottime, _, _) in stats.stats.items()]
    return sorted(rows, reverse=True)[:top]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("numbers", nargs="*", type=int, help="lesson numbers (default: all)")
    parser.add_argument("--quick", action="store_true", help="run the lessons with --quick")
    parser.add_argument("--slowest", type=int, default=1, help="profile this many of the slowest lessons")
    parser.add_argument("--top", type=int, default=5, help="hot spots shown per profiled lesson")
    args = parser.parse_args(argv)
    lessons = sorted(LESSONS.glob("[0-9][0-9]_*.py"))
    if args.numbers:
        lessons = [p for p in lessons if int(p.name[:2]) in args.numbers]
    extra = ["--quick"] if args.quick else []
    times, cpu = {}, {}
    print(f"{'lesson':<40} {'wall':>8} {'CPU':>8}")
    for lesson in lessons:
        times[lesson], cpu[lesson] = run(lesson, extra)
        print(f"{lesson.stem:<40} {times[lesson]:6.1f} s {cpu[lesson]:6.1f} s", flush=True)
    print(f"{'total':<40} {sum(times.values()):6.1f} s {sum(cpu.values()):6.1f} s   (longest {max(times.values()):.1f} s "
          f"wall, {max(cpu.values()):.1f} s CPU)")
    for lesson in sorted(times, key=times.get, reverse=True)[:args.slowest]:
        with tempfile.TemporaryDirectory() as folder:
            profile = pathlib.Path(folder) / "lesson.prof"
            run(lesson, extra, profile_to=profile)
            print(f"\nhot spots of {lesson.stem} (time of their own, under cProfile):")
            for seconds, calls, where in hot_spots(profile, args.top):
                print(f"  {seconds:7.2f} s  {calls:>9} calls  {where}")


if __name__ == "__main__":
    main()
