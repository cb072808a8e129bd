"""``grade_all``: a class at once — one subfolder per student, graded in parallel, into a gradebook CSV.

Each exercise of each submission runs in its own limited process (``sandbox``), so a crashing or hanging
submission costs its own row's exercises and nothing else; a submission the grader cannot read at all gets a
row whose ``error`` column says why. Threads suffice for the parallelism: the work happens in the processes.
"""
import csv
import os
import pathlib
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from ...train import _ProgressLine
from ..exercises import EXERCISES
from . import grade


def submissions(folder):
    """The subfolders of ``folder`` (one per student), by name; hidden ones left out."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"grade-all: {folder} is not a folder; pass the folder holding one subfolder per "
                                "student.")
    found = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not found:
        raise FileNotFoundError(f"grade-all: {folder} holds no subfolders; put each student's submission in its own "
                                "subfolder.")
    return found


def gradebook_row(student, report=None, error=None):
    row = {"student": student.name, "score": 0, "total": 0, "error": error or ""}
    if report:
        row.update(score=report["score"], total=report["total"])
        row.update({f"{r['id']}": r["points"] for r in report["exercises"]})
        row.update({f"{r['id']} status": r["status"] for r in report["exercises"]})
    return row


def grade_all(folder, out, only=None, track=None, timeout=60, memory_mb=2048, jobs=None, progress=True):
    """Grade every subfolder of ``folder``; write the gradebook CSV ``out``; returns (rows, seconds)."""
    students = submissions(folder)
    jobs = jobs or os.cpu_count() or 1
    bar, start, rows = _ProgressLine(progress), time.perf_counter(), []

    def one(student):
        try:
            return gradebook_row(student, grade(student, only, track, timeout, memory_mb))
        except Exception as err:   # an unreadable submission: its row says why, the others go on
            return gradebook_row(student, error=f"{type(err).__name__}: {err}")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for done in as_completed([pool.submit(one, s) for s in students]):
            rows.append(done.result())
            elapsed = time.perf_counter() - start
            filled = len(rows) * 30 // len(students)
            bar.update(f"[{'#' * filled}{'.' * (30 - filled)}] {len(rows)}/{len(students)} submissions, "
                       f"{60 * len(rows) / elapsed:.1f}/min")
    seconds = time.perf_counter() - start
    bar.finish(f"graded {len(rows)} submissions in {seconds:.0f} s")
    write_gradebook(out, sorted(rows, key=lambda r: r["student"]))
    return rows, seconds


def write_gradebook(out, rows):
    """The CSV: student, score, total, then points and status per exercise (registry order), then error."""
    graded = {key for row in rows for key in row}
    ids = [e.id for e in EXERCISES if e.id in graded]
    columns = ["student", "score", "total", *ids, *[f"{i} status" for i in ids], "error"]
    with open(out, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
