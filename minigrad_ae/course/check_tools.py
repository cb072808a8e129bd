"""What the checks share: gradient comparisons in float64 and running a student's lesson headless."""
import os
import subprocess
import sys
import tempfile

import numpy as np

STUDENT_DIR = None   # set by checks.main: the lesson checks run the student's lesson files
INSTRUCTOR_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def gradient_check(fn, *cases):
    """The largest relative error of ``fn``'s backward against central differences over several input cases
    (float64, random upstream gradient), with the report of the worst case."""
    import minigrad_ae as mg
    reports = [mg.gradcheck(fn, [np.asarray(a, dtype=np.float64) for a in arrays]) for arrays in cases]
    worst = max(reports, key=lambda report: report.max_rel_error)
    return worst.max_rel_error, str(worst)


def against_numeric(hand, fn, inputs, grad_output=None):
    """Hand-derived gradients (dict or tuple of arrays, one per input) against central differences of ``fn``.

    Finite differences use forward passes only, so an exercise never depends on another one's backward.
    """
    import minigrad_ae as mg
    numeric = mg.numerical_grad(fn, inputs, eps=1e-5, grad_output=grad_output)
    errors = [mg.relative_error(h, n) for h, n in zip(hand.values() if isinstance(hand, dict) else hand, numeric)]
    return max(errors), f"relative errors: {', '.join(f'{e:.1e}' for e in errors)}"


def mismatches(got, expected, what):
    """(number of differing answers, detail) for answers that must be exactly right."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return float("inf"), f"{what}: shape {got.shape}, expected {expected.shape}"
    wrong = int(np.sum(got != expected))
    return float(wrong), f"{what}: {wrong} of {expected.size} differ" + (
        f" (first: got {got.reshape(-1)[np.argmax(got.reshape(-1) != expected.reshape(-1))]!r})" if wrong else "")


def run_lesson(name, exercise_id):
    """The student's lesson ``name`` run headless with --quick on the instructor's package: (error, detail),
    error 0 when its own checks held. Other exercises are solved there, so the lesson tests this one alone."""
    with tempfile.TemporaryDirectory() as out:
        lesson = os.path.join(STUDENT_DIR, "lessons", name)
        env = {**os.environ, "PYTHONPATH": INSTRUCTOR_ROOT, "MPLBACKEND": "Agg"}
        result = subprocess.run([sys.executable, lesson, "--quick", "--out", out], capture_output=True,
                                text=True, env=env, cwd=out, timeout=600)
    output = (result.stdout + result.stderr).strip()
    if f"Exercise {exercise_id} is not solved yet" in output:
        raise NotImplementedError(f"Exercise {exercise_id}: the lesson still calls its stand-in")
    return (0.0 if result.returncode == 0 else float("inf")), "\n".join(output.splitlines()[-6:])
