"""The formats courses run, checked field by field against the published specs: Gradescope's results.json
(https://gradescope-autograders.readthedocs.io/en/latest/specs/) and PrairieLearn's external-grader results.json
(https://prairielearn.readthedocs.io/en/latest/externalGrading/); the Gradescope bundle's run_autograder against
a fake autograder root; exit statuses a command-based grader relies on; user errors as one line, status 2."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from minigrad_ae import cli
from minigrad_ae.course.grading import formats, grade
from minigrad_ae.course.grading.gradescope import SOURCE, write_bundle
from minigrad_ae.course.student import REPO
from test_grader import MUL_SWAPPED, RIGHT_MUL, answer, copy, work   # noqa: F401 (fixtures)

GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def report(copy, tmp_path_factory):
    """A graded copy with one exercise right, one wrong, the rest untouched."""
    folder = shutil.copytree(copy, tmp_path_factory.mktemp("formats") / "mixed")
    answer(folder, "mul_backward", RIGHT_MUL)
    answer(folder, "sigmoid_backward", "@elementwise\ndef sigmoid_vjp(g, z):\n    return g * z")
    return grade(folder, only=["mul_backward", "sigmoid_backward", "relu_backward"])


def check_gradescope(results, report):
    assert isinstance(results["score"], float) and isinstance(results["output"], str)
    assert results["visibility"] in GRADESCOPE_VISIBILITY and results["stdout_visibility"] in GRADESCOPE_VISIBILITY
    assert isinstance(results["execution_time"], (int, float))
    assert [t["name"] for t in results["tests"]] == [r["id"] for r in report["exercises"]]
    for test, result in zip(results["tests"], report["exercises"]):
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["score"] == result["points"] and test["max_score"] == result["max_points"]
        assert test["status"] in {"passed", "failed"} and test["visibility"] in GRADESCOPE_VISIBILITY
        assert test["output"].startswith(result["status"])
        if test["status"] == "failed":
            assert "passed" not in test["output"]
    assert results["score"] == sum(t["score"] for t in results["tests"])


def test_gradescope_results_follow_the_spec(report):
    results = json.loads(formats.render(report, "gradescope"))
    check_gradescope(results, report)
    tests = {t["name"]: t for t in results["tests"]}
    assert {name: t["score"] for name, t in tests.items()} == {"mul_backward": 1.0, "relu_backward": 0.0,
                                                               "sigmoid_backward": 0.0} and results["score"] == 1.0
    assert "relative error" in tests["sigmoid_backward"]["output"] and "hint: " in tests["sigmoid_backward"]["output"]


def test_prairielearn_results_follow_the_spec(report):
    results = json.loads(formats.render(report, "prairielearn"))
    assert results["gradable"] is True and 0 <= results["score"] <= 1
    assert results["score"] == pytest.approx(1 / 5)   # 1 of 1 + 2 + 2 points
    assert isinstance(results["message"], str) and isinstance(results["output"], str)
    for test, result in zip(results["tests"], report["exercises"], strict=True):
        assert {"name", "points", "max_points", "message", "output"} <= set(test)
        assert (test["name"], test["points"], test["max_points"]) == (result["id"], result["points"],
                                                                      result["max_points"])
        assert test["message"] == result["status"] and isinstance(test["output"], str)


def test_own_json_and_table(report):
    document = json.loads(formats.render(report, "json"))
    assert set(document) == {"schema", "submission", "score", "total", "passed", "sandbox", "seconds", "exercises"}
    assert (document["score"], document["total"], document["passed"]) == (1, 5, False)
    fields = {"id", "task", "points", "max_points", "status", "error", "detail", "feedback", "hint", "seconds"}
    assert all(set(r) == fields for r in document["exercises"])
    assert "σ(a)" in formats.render(report, "json")   # UTF-8, not \\u escapes
    table = formats.format_table(report)
    assert "sigmoid_backward            0/2    failed" in table and "score: 1/5 points" in table
    assert "a (4, 5): max abs error" in table


def test_exit_status_is_zero_only_when_every_exercise_passed(work, capsys):
    answer(work, "mul_backward", RIGHT_MUL)
    assert cli.main(["course", "grade", str(work), "--only", "mul_backward"]) == 0
    assert cli.main(["course", "grade", str(work), "--only", "mul_backward", "sigmoid_backward"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("args, says", [
    (["course", "grade", "/no/such/folder"], "is not a folder"),
    (["course", "grade", ".", "--format", "xml"], "invalid choice: 'xml'"),
    (["course", "grade", ".", "--only", "no_such_exercise"], "no marked exercise no_such_exercise"),
    (["course", "grade", ".", "--bogus"], "unrecognized arguments: --bogus"),
    (["course", "grade", ".", "--timeout", "0"], "--timeout must be positive"),
    (["course", "grade-all", "/no/such/folder", "--out", "book.csv"], "is not a folder"),
    (["course", "grade-all", "."], "the following arguments are required: --out"),
])
def test_user_errors_are_one_line_and_status_2(args, says, capsys):
    try:
        status = cli.main(args)
    except SystemExit as exit_:
        status = exit_.code
    assert status == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_bundle_grades_a_submission_in_a_fake_autograder_root(work, tmp_path):
    bundle = tmp_path / "autograder.zip"
    assert write_bundle(bundle, only=["mul_backward", "sigmoid_backward"], timeout=30) == ["mul_backward",
                                                                                          "sigmoid_backward"]
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", f"{SOURCE}/setup.cfg", f"{SOURCE}/setup.py",
                f"{SOURCE}/minigrad_ae/course/checks.py", f"{SOURCE}/lessons/00_autodiff_from_scratch.py"} <= names
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
        archive.extractall(root / "source")
    setup = (root / "source" / "setup.sh").read_text(encoding="utf-8")
    assert f"pip install ./{SOURCE}" in setup
    assert subprocess.run(["bash", "-n", str(root / "source" / "setup.sh")]).returncode == 0
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    answer(work, "mul_backward", MUL_SWAPPED)
    shutil.copytree(work / "minigrad_ae" / "autodiff", root / "submission")   # an upload of loose files
    env = {**os.environ, "MINIGRAD_AE_AUTOGRADER_ROOT": str(root), "MINIGRAD_AE_PYTHON": sys.executable,
           "PYTHONPATH": str(REPO)}   # stands in for setup.sh's install
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=root, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        ("mul_backward", 0.0, 1.0), ("sigmoid_backward", 0.0, 2.0)]
    assert "b (4, 1): max abs error" in results["tests"][0]["output"]
    assert "not attempted" in results["tests"][1]["output"]


def test_the_bundled_source_builds_a_wheel_with_the_course_kit(tmp_path):
    write_bundle(tmp_path / "autograder.zip", only=["mul_backward"])
    with zipfile.ZipFile(tmp_path / "autograder.zip") as archive:
        archive.extractall(tmp_path / "source")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(tmp_path / "wheel"), str(tmp_path / "source" / SOURCE)], capture_output=True,
                           text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel, = (tmp_path / "wheel").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"minigrad_ae/course/grading/sandbox.py", "minigrad_ae/course/kit/lessons/00_autodiff_from_scratch.py",
            "minigrad_ae/course/check_autodiff.py"} <= names
