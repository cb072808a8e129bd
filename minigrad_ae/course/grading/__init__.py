"""The grader: each exercise of a submission checked in a clean instructor tree with only that exercise's blocks
spliced in from the submission, in its own limited process (``splice``, ``sandbox``), with feedback a student can
act on (``feedback``), in the formats courses run (``formats``, ``gradescope``), for one copy or a class
(``grade_all``).

    grade(folder, only=None, track=None, timeout=60, memory_mb=2048) -> report (the schema is in docs/grading.md)

Statuses: 'passed', 'failed' (wrong numbers, a crash, a timeout, a refused block), 'not attempted' (no block, or
the stub still in it, or it still calls a stand-in) and 'does not compile' (the spliced file does not compile, or
the block lost a signature). Which exercises are graded: ``only`` / ``track`` when given — use them for a class,
since a submission's own exercises.json is the student's to edit — else the copy's exercises.json, else every
marked exercise (the instructor's own tree, whose solution blocks then count as answers).
"""
import pathlib
import time

from ...stand_ins.blocks import manifest
from ..check_tools import PASS
from ..exercises import EXERCISES, select
from .feedback import explain, never_passed
from .formats import format_table
from .sandbox import instructor_texts, landlock_available, run_check
from .splice import NotAttempted, Refused, splice

SCHEMA = "minigrad-ae/grade-report/1"

__all__ = ["SCHEMA", "format_table", "grade", "grade_exercise", "graded_exercises"]


def grade_exercise(submission, exercise, timeout=60, memory_mb=2048):
    """{'id', 'task', 'points', 'max_points', 'status', 'error', 'detail', 'feedback', 'hint', 'seconds'} of one
    exercise: ``detail`` is the feedback lines joined, ``error`` the largest error or None (crash, wrong shape)."""
    start = time.perf_counter()
    error = None
    try:
        spliced, blocks = splice(instructor_texts(), submission, exercise)
    except NotAttempted as reason:
        status, lines = "not attempted", [str(reason)]
    except Refused as reason:
        status, lines = reason.status, [str(reason)]
    else:
        outcome = run_check(exercise.check, spliced, timeout, memory_mb)
        status, error, lines = explain(outcome, blocks, PASS, memory_mb)
    if status != "passed":
        lines = never_passed(lines)
    return {"id": exercise.id, "task": exercise.task, "points": exercise.points if status == "passed" else 0,
            "max_points": exercise.points, "status": status, "error": error, "detail": "\n".join(lines),
            "feedback": lines, "hint": " ".join(exercise.hints) if status == "failed" else None,
            "seconds": round(time.perf_counter() - start, 2)}


def graded_exercises(submission, only=None, track=None):
    """The exercises to grade: ``only`` / ``track``, else the copy's exercises.json, else every marked one."""
    if only or track:
        return list(select(only, track))
    ids = manifest(submission) or None
    return [e for e in EXERCISES if e.marked and (ids is None or e.id in ids)]


def grade(submission, only=None, track=None, timeout=60, memory_mb=2048):
    """Grade a submission folder; returns the report: {'schema', 'submission', 'score', 'total', 'passed',
    'sandbox', 'seconds', 'exercises': [grade_exercise results]}."""
    submission = pathlib.Path(submission).resolve()
    if not submission.is_dir():
        raise FileNotFoundError(f"grade: {submission} is not a folder; pass the folder of one submission (the "
                                "student's copy, or the files they uploaded).")
    start = time.perf_counter()
    results = [grade_exercise(submission, e, timeout, memory_mb)
               for e in graded_exercises(submission, only, track)]
    return {"schema": SCHEMA, "submission": str(submission), "score": sum(r["points"] for r in results),
            "total": sum(r["max_points"] for r in results),
            "passed": bool(results) and all(r["status"] == "passed" for r in results),
            "sandbox": {"timeout_s": timeout, "memory_mb": memory_mb, "landlock": landlock_available(),
                        "numba": False},
            "seconds": round(time.perf_counter() - start, 2), "exercises": results}
