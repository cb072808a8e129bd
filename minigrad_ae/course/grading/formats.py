"""The report in the formats courses run: a table for people, this package's JSON, Gradescope's and
PrairieLearn's results.json.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/): top-level ``score`` (points),
``output``, ``tests`` — one per exercise with ``name``, ``score``, ``max_score``, ``output``, ``visibility``,
``status`` ('passed' / 'failed'). PrairieLearn external grading
(https://prairielearn.readthedocs.io/en/latest/externalGrading/): ``gradable``, ``score`` in [0, 1],
``message``, ``output``, ``tests`` with ``name``, ``points``, ``max_points``, ``message``, ``output``.
All JSON is UTF-8 (non-ASCII characters as they are, not escaped).
"""
import json

FORMATS = ("table", "json", "gradescope", "prairielearn")


def format_table(report):
    """The grade report as a table a person reads: one row per exercise, its feedback and hint below it."""
    lines = [f"{'exercise':<26}{'points':>7}  {'status':<17}{'largest error':>14}"]
    for r in report["exercises"]:
        error = "" if r["error"] is None else f"{r['error']:.2e}"
        lines.append(f"{r['id']:<26}{r['points']:>3}/{r['max_points']:<3}  {r['status']:<17}{error:>14}")
        shown = r["feedback"] if r["status"] != "passed" else []
        lines += [f"{'':<4}{line}" for line in shown]
        if r["hint"]:
            lines.append(f"{'':<4}hint: {r['hint']}")
    lines.append(f"score: {report['score']}/{report['total']} points")
    return "\n".join(lines)


def summary(report):
    """One line for the whole submission."""
    counts = {}
    for r in report["exercises"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return f"score {report['score']}/{report['total']} points; " + ", ".join(f"{n} {s}" for s, n in counts.items())


def test_output(result):
    """What a student reads under one exercise: the status, the feedback, the hint."""
    lines = [result["status"]] + result["feedback"] + ([f"hint: {result['hint']}"] if result["hint"] else [])
    return "\n".join(lines)


def gradescope(report):
    return {"score": float(report["score"]), "output": summary(report), "visibility": "visible",
            "stdout_visibility": "hidden", "execution_time": report["seconds"],
            "tests": [{"name": r["id"], "score": float(r["points"]), "max_score": float(r["max_points"]),
                       "status": "passed" if r["status"] == "passed" else "failed",
                       "output": test_output(r), "visibility": "visible"} for r in report["exercises"]]}


def prairielearn(report):
    total = report["total"]
    return {"gradable": True, "score": report["score"] / total if total else 0.0, "message": summary(report),
            "output": format_table(report),
            "tests": [{"name": r["id"], "description": r["task"], "points": r["points"],
                       "max_points": r["max_points"], "message": r["status"], "output": test_output(r)}
                      for r in report["exercises"]]}


def render(report, form):
    """The report as text in ``form`` (one of FORMATS)."""
    if form == "table":
        return format_table(report)
    document = {"json": lambda r: r, "gradescope": gradescope, "prairielearn": prairielearn}[form](report)
    return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False)
