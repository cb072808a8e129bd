"""``grade``: run every exercise's check in its own process, with a time limit, and total the points.

A student's code never runs in the grader's process: a crash, a hang or an ``exit()`` costs that one
exercise, nothing more. An exercise whose blocks all still hold their stubs is 'not attempted' without running.
"""
import json
import pathlib
import subprocess
import sys

from ..stand_ins.blocks import MANIFEST, unsolved
from .exercises import EXERCISES
from .markers import stub_codes

CHECKS = pathlib.Path(__file__).with_name("checks.py")


def grade_exercise(student_dir, exercise, timeout=60, untouched=False):
    """{'id', 'points', 'max_points', 'status': passed | failed | not attempted, 'error', 'detail', 'hint'}."""
    result = {"id": exercise.id, "task": exercise.task, "points": 0, "max_points": exercise.points, "error": None,
              "hint": None}
    if untouched:
        result.update(status="not attempted", detail="its block still holds the stub (the slow stand-in)")
        return result
    try:
        run = subprocess.run([sys.executable, str(CHECKS), str(student_dir), exercise.check],
                             capture_output=True, text=True, timeout=timeout, cwd=student_dir)
        outcome = json.loads(run.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        outcome = {"status": "failed", "error": None, "detail": f"timed out after {timeout} s"}
    except (IndexError, json.JSONDecodeError):
        crash = (run.stderr or run.stdout).strip().splitlines()
        outcome = {"status": "failed", "error": None, "detail": "crashed: " + " | ".join(crash[-3:])}
    result.update(outcome)
    if result["status"] == "passed":
        result["points"] = exercise.points
    elif result["status"] == "failed":
        result["hint"] = " ".join(exercise.hints)
    return result


def graded_exercises(student_dir):
    """The exercises a copy was made with (its exercises.json), or every marked one (e.g. the instructor's tree)."""
    manifest = pathlib.Path(student_dir) / MANIFEST
    ids = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else None
    return [e for e in EXERCISES if e.marked and (ids is None or e.id in ids)]


def grade(student_dir, timeout=60):
    """Grade every exercise of the copy; returns {'score', 'total' (points), 'exercises': [per-exercise results]}."""
    student_dir = pathlib.Path(student_dir).resolve()
    if not (student_dir / "minigrad_ae").is_dir():
        raise FileNotFoundError(f"grade: {student_dir} holds no minigrad_ae/ package; pass the folder that "
                                "make-student wrote.")
    exercises = graded_exercises(student_dir)
    untouched = unsolved(student_dir, {e.id: stub_codes(e) for e in exercises})
    results = [grade_exercise(student_dir, e, timeout, e.id in untouched) for e in exercises]
    return {"score": sum(r["points"] for r in results), "total": sum(r["max_points"] for r in results),
            "exercises": results}


def format_table(report):
    """The grade report as a table a person reads."""
    lines = [f"{'exercise':<26}{'points':>7}  {'status':<15}{'largest error':>14}  detail"]
    for r in report["exercises"]:
        error = "" if r["error"] is None else f"{r['error']:.2e}"
        detail = r["detail"].splitlines()[0] if r["status"] != "passed" and r["detail"] else ""
        lines.append(f"{r['id']:<26}{r['points']:>3}/{r['max_points']:<3}  {r['status']:<15}{error:>14}  {detail}")
        if r["hint"]:
            lines.append(f"{'':<28}hint: {r['hint']}")
    lines.append(f"score: {report['score']}/{report['total']} points")
    return "\n".join(lines)
