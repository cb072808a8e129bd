"""``grade``: run every exercise's check in its own process, with a time limit, and total the score.

A student's code never runs in the grader's process: a crash, a hang or an ``exit()`` costs that one
exercise, nothing more.
"""
import json
import pathlib
import subprocess
import sys

from .exercises import EXERCISES

CHECKS = pathlib.Path(__file__).with_name("checks.py")


def grade_exercise(student_dir, exercise, timeout=60):
    """{'id', 'status': passed | failed | not attempted, 'error', 'detail', 'hint'} for one exercise."""
    result = {"id": exercise.id, "task": exercise.task, "error": None, "hint": None}
    try:
        run = subprocess.run([sys.executable, str(CHECKS), str(student_dir), exercise.id],
                             capture_output=True, text=True, timeout=timeout, cwd=student_dir)
        outcome = json.loads(run.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        outcome = {"status": "failed", "error": None, "detail": f"timed out after {timeout} s"}
    except (IndexError, json.JSONDecodeError):
        crash = (run.stderr or run.stdout).strip().splitlines()
        outcome = {"status": "failed", "error": None, "detail": "crashed: " + " | ".join(crash[-3:])}
    result.update(outcome)
    if result["status"] == "failed":
        result["hint"] = exercise.hint
    return result


def grade(student_dir, timeout=60):
    """Grade every exercise; returns {'score', 'total', 'exercises': [per-exercise results]}."""
    student_dir = pathlib.Path(student_dir).resolve()
    if not (student_dir / "minigrad_ae").is_dir():
        raise FileNotFoundError(f"grade: {student_dir} holds no minigrad_ae/ package; pass the folder that "
                                "make-student wrote.")
    results = [grade_exercise(student_dir, exercise, timeout) for exercise in EXERCISES]
    return {"score": sum(r["status"] == "passed" for r in results), "total": len(results), "exercises": results}


def format_table(report):
    """The grade report as a table a person reads."""
    lines = [f"{'exercise':<24}{'status':<15}{'largest error':>14}  detail"]
    for r in report["exercises"]:
        error = "" if r["error"] is None else f"{r['error']:.2e}"
        detail = r["detail"].splitlines()[0] if r["status"] != "passed" else ""
        lines.append(f"{r['id']:<24}{r['status']:<15}{error:>14}  {detail}")
        if r["hint"]:
            lines.append(f"{'':<24}hint: {r['hint']}")
    lines.append(f"score: {report['score']}/{report['total']}")
    return "\n".join(lines)
