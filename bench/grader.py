"""The grader's speed: seconds per exercise (one sandboxed process each) with and without the precompiled
bytecode written into each clean tree, interleaved in rounds; then grade-all's throughput on a class of copies
of the instructor's tree (every marked exercise runs), in submissions per minute.

    python bench/grader.py [--rounds 5] [--class-size 10] [--jobs N]

The machine's load average is printed with the results: on a shared machine it dominates the numbers.
"""
import argparse
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

from minigrad_ae.course.exercises import BY_ID
from minigrad_ae.course.grading import grade_all, grade_exercise, sandbox
from minigrad_ae.course.student import REPO

PROBES = ["mul_backward", "sigmoid_backward", "vae_kl_grads", "batchnorm_backward"]


def per_exercise(rounds):
    """{variant: [seconds per exercise, one per round]}, the variants interleaved within each round."""
    compiled = sandbox.bytecode()
    times = {"bytecode": [], "no bytecode": []}
    for _ in range(rounds):
        for variant in times:
            sandbox.bytecode = (lambda: compiled) if variant == "bytecode" else dict
            start = time.perf_counter()
            for exercise_id in PROBES:
                assert grade_exercise(REPO, BY_ID[exercise_id])["status"] == "passed"
            times[variant].append((time.perf_counter() - start) / len(PROBES))
    sandbox.bytecode = lambda: compiled
    return times


def class_throughput(size, jobs):
    with tempfile.TemporaryDirectory() as folder:
        for i in range(size):
            student = pathlib.Path(folder, "class", f"s{i:02d}")
            for part in ("minigrad_ae", "lessons"):
                shutil.copytree(REPO / part, student / part, ignore=shutil.ignore_patterns("__pycache__", "course",
                                                                                           "out", "*.png"))
        rows, seconds = grade_all.grade_all(pathlib.Path(folder, "class"), pathlib.Path(folder, "book.csv"),
                                            jobs=jobs, progress=False)
    assert all(row["score"] == row["total"] for row in rows)
    return rows[0]["total"], seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--class-size", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; landlock: "
          f"{sandbox.landlock_available()}")
    times = per_exercise(args.rounds)
    for variant, values in times.items():
        print(f"{variant:>12}: {statistics.median(values):.2f} s per exercise (median of {len(values)} rounds, "
              f"range {min(values):.2f}–{max(values):.2f})")
    ratio = [b / a for a, b in zip(times["bytecode"], times["no bytecode"])]
    print(f"without/with bytecode: {statistics.median(ratio):.2f}× (range {min(ratio):.2f}–{max(ratio):.2f})")
    points, seconds = class_throughput(args.class_size, args.jobs)
    print(f"grade-all: {args.class_size} submissions × every marked exercise ({points} points) in {seconds:.0f} s: "
          f"{60 * args.class_size / seconds:.2f} submissions/minute with {args.jobs or os.cpu_count()} workers")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
