"""Course kit round trip: a student copy has no solutions, grades 0; solutions put back grade full marks;
a wrong backward fails its exercise with the error shown; a hanging answer fails only itself."""
import json
import shutil
import sys

import pytest

from minigrad_ae import cli
from minigrad_ae.course import EXERCISES, grade, make_student
from minigrad_ae.course.exercises import BY_ID
from minigrad_ae.course.grading import grade_exercise
from minigrad_ae.course.markers import strip_solutions
from minigrad_ae.course.student import REPO


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course") / "student"
    assert sorted(make_student(folder)) == sorted(BY_ID)
    return folder


def test_student_copy_holds_exercises_not_solutions(student):
    for exercise in EXERCISES:
        text = (student / exercise.path).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and f"NotImplementedError('Exercise {exercise.id}: " in text
    assert not (student / "minigrad_ae" / "course").exists()
    assert "sigmoid_backward" in (student / "EXERCISES.md").read_text(encoding="utf-8")


def test_untouched_copy_grades_zero_and_solutions_grade_full(student, tmp_path, capsys):
    report = grade(student)
    assert report["score"] == 0 and {r["status"] for r in report["exercises"]} == {"not attempted"}

    solved = tmp_path / "solved"
    shutil.copytree(student, solved)
    for exercise in EXERCISES:  # put the reference solutions back
        shutil.copy(REPO / exercise.path, solved / exercise.path)
    assert cli.main(["course", "grade", str(solved), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["score"] == report["total"] == len(EXERCISES), report
    assert not any(str(solved) in (getattr(m, "__file__", None) or "") for m in list(sys.modules.values()))


def test_wrong_backward_fails_with_its_error_and_hint(student, tmp_path):
    wrong = tmp_path / "wrong"
    shutil.copytree(student, wrong)
    ops = wrong / BY_ID["sigmoid_backward"].path
    text = ops.read_text(encoding="utf-8")
    ops.write_text(text.replace("raise NotImplementedError('Exercise sigmoid_backward",
                                "return g * z  # forgot (1 - z)\n"
                                "    raise NotImplementedError('Exercise sigmoid_backward"), encoding="utf-8")
    result = grade_exercise(wrong, BY_ID["sigmoid_backward"])
    assert result["status"] == "failed" and result["error"] > 1e-3
    assert "gradcheck FAILED" in result["detail"] and "z(1 − z)" in result["hint"]


def test_a_hanging_answer_fails_only_that_exercise(student, tmp_path):
    hanging = tmp_path / "hanging"
    shutil.copytree(student, hanging)
    vae = hanging / BY_ID["vae_kl_grads"].path
    vae.write_text(vae.read_text(encoding="utf-8").replace(
        "raise NotImplementedError('Exercise vae_kl_grads", "while True: pass\n    raise NotImplementedError('x"),
        encoding="utf-8")
    result = grade_exercise(hanging, BY_ID["vae_kl_grads"], timeout=5)
    assert result["status"] == "failed" and "timed out after 5" in result["detail"]
    assert grade_exercise(hanging, BY_ID["vae_reparam_grads"])["status"] == "not attempted"


def test_markers_errors_name_the_place():
    with pytest.raises(ValueError, match=r"f.py:1: unknown exercise id 'nope'"):
        strip_solutions("# BEGIN SOLUTION nope\nx = 1\n# END SOLUTION\n", {}, "f.py")
    with pytest.raises(ValueError, match=r"f.py:1: BEGIN SOLUTION a is never closed"):
        strip_solutions("# BEGIN SOLUTION a\nx = 1\n", {"a": "t"}, "f.py")
    assert strip_solutions("def f():\n    # BEGIN SOLUTION a\n    return 1\n    # END SOLUTION\n", {"a": "do it"}) \
        == "def f():\n    raise NotImplementedError('Exercise a: do it')\n"


def test_make_student_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "work.py").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        make_student(tmp_path)
