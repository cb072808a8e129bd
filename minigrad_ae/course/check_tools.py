"""What the checks share: gradient comparisons in float64 and running the lesson of a lesson exercise.

A check returns (largest error, detail). ``gradient_check`` and ``against_numeric`` return the detail as a dict
the grader turns into feedback a student can act on — one row per input: its name (the parameter name of the
checked function, or the key of a dict of gradients), shape, max |yours − expected|, relative error
‖yours − expected‖ / ‖yours + expected‖, and the worst element's index with both values. Other checks return text.
"""
import inspect
import os
import sys

import numpy as np

PASS = 1e-7   # relative error in float64 against finite differences or autodiff: healthy code is far below this
ROOT = None   # set by checks.main: the clean tree the check runs in (lessons/ beside minigrad_ae/)


def compare(name, yours, expected, expected_by):
    """One feedback row: how far the gradient ``yours`` is from ``expected`` (arrays of one input's shape)."""
    expected = np.asarray(expected, dtype=np.float64)
    row = {"input": name, "shape": list(expected.shape), "expected_by": expected_by}
    if yours is None:
        return {**row, "relative_error": float("inf"), "problem": "no gradient (None): the input needs one"}
    yours = np.asarray(yours, dtype=np.float64)
    if yours.shape != expected.shape:
        return {**row, "relative_error": float("inf"), "problem": f"your gradient has shape {yours.shape}"}
    difference = np.abs(yours - expected)
    worst = np.unravel_index(np.argmax(np.nan_to_num(difference, nan=np.inf)), difference.shape) if difference.size \
        else ()
    norm = np.linalg.norm(yours + expected)
    error = float(np.linalg.norm(yours - expected) / norm) if norm else (0.0 if not difference.any() else np.inf)
    return {**row, "max_abs_error": float(difference.max(initial=0.0)),
            "relative_error": error if np.isfinite(error) else float("inf"),
            "worst_index": [int(i) for i in worst], "yours": float(yours[worst]), "expected": float(expected[worst])}


def gradients(rows, header):
    """(largest relative error, detail) of the comparison ``rows``."""
    error = max((row["relative_error"] for row in rows), default=0.0)
    return error, {"kind": "gradients", "header": header, "rows": rows}


def input_names(fn, count):
    """The parameter names of ``fn`` (``lambda mu, logvar: ...`` → mu, logvar), else 'input 0', 'input 1', …"""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return names if len(names) == count else [f"input {i}" for i in range(count)]


def gradient_check(fn, *cases):
    """The largest relative error of ``fn``'s backward against central differences over several input cases
    (float64, a random upstream gradient v: the checked quantity is Σ v ⊙ fn(inputs)), with the worst case's rows."""
    import minigrad_ae as mg
    worst = None
    for arrays in cases:
        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        names = input_names(fn, len(arrays))
        tensors = [mg.tensor(a.copy(), requires_grad=True, dtype=np.float64, name=n) for a, n in zip(arrays, names)]
        out = fn(*tensors)
        upstream = np.ones(out.shape) if out.size == 1 else np.random.default_rng(0).standard_normal(out.shape)
        out.backward(upstream)
        numeric = mg.numerical_grad(fn, [a.copy() for a in arrays], grad_output=upstream)
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        result = gradients([compare(n, t.grad, e, "finite differences") for n, t, e in zip(names, tensors, numeric)],
                           f"backward against central differences (float64, random upstream gradient), inputs {shapes}")
        if worst is None or result[0] > worst[0]:
            worst = result
    return worst


def against_numeric(hand, fn, inputs, grad_output=None):
    """Hand-derived gradients (a dict by name, or a tuple in the order of ``fn``'s parameters) against central
    differences of ``fn``. Finite differences use forward passes only, so an exercise never depends on another
    one's backward."""
    import minigrad_ae as mg
    numeric = mg.numerical_grad(fn, inputs, eps=1e-5, grad_output=grad_output)
    names = list(hand) if isinstance(hand, dict) else input_names(fn, len(numeric))
    yours = list(hand.values()) if isinstance(hand, dict) else list(hand)
    if len(yours) != len(numeric):
        return float("inf"), f"{len(yours)} gradients returned, expected {len(numeric)} ({', '.join(names)})"
    return gradients([compare(n, y, e, "finite differences") for n, y, e in zip(names, yours, numeric)],
                     "hand-derived gradients against central differences of the loss (float64)")


def mismatches(got, expected, what):
    """(number of differing answers, detail) for answers that must be exactly right."""
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return float("inf"), f"{what}: shape {got.shape}, expected {expected.shape}"
    wrong = int(np.sum(got != expected))
    return float(wrong), f"{what}: {wrong} of {expected.size} differ" + (
        f" (first: got {got.reshape(-1)[np.argmax(got.reshape(-1) != expected.reshape(-1))]!r})" if wrong else "")


def run_lesson(name, exercise_id):
    """Lesson ``name`` of the clean tree (the instructor's, with the student's block in it) run in this process
    with --quick, to its end: (0, detail) when its checks held; (inf, the checks that failed) when its final
    ``assert_all`` raised. Anything else it raises, or an exit, is a crash of the student's code."""
    from minigrad_ae.autodiff.gradcheck import GradcheckReport
    from minigrad_ae.lesson import Checks
    path = os.path.join(ROOT, "lessons", name)
    out = os.path.join(ROOT, "out")
    namespace = {"__name__": "__main__", "__file__": path}
    sys.argv = [path, "--quick", "--out", out]
    with open(path, encoding="utf-8") as source:
        code = compile(source.read(), path, "exec")
    try:
        exec(code, namespace)
    except AssertionError:
        checks = [v for v in namespace.values() if isinstance(v, Checks)] + [
            v.checks for v in namespace.values() if isinstance(getattr(v, "checks", None), Checks)]
        failed = [f"{row[0]} = {row[1]}" for c in checks for row in c.rows if not row[2]]
        if not failed:
            raise
        reports = [v for v in namespace.values() if isinstance(v, GradcheckReport) and not v.passed]
        rows = [{"input": r["name"], "shape": list(r["shape"]), "max_abs_error": r["max_abs_err"],
                 "relative_error": r["rel_err"], "worst_index": list(r["worst_index"]),
                 "expected_by": "finite differences"} for report in reports for r in report.rows if not r["passed"]]
        return float("inf"), {"kind": "gradients" if rows else "text", "rows": rows,
                              "header": f"the lesson's own checks failed: {'; '.join(failed)}",
                              "text": f"the lesson's own checks failed: {'; '.join(failed)}"}
    return 0.0, f"lesson {name} ran to its end with --quick and its checks held"
