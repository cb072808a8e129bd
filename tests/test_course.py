"""Course kit grading round trip: an untouched student copy grades 0 points (every exercise 'not attempted'), the
instructor's own tree full points; a wrong answer fails its exercise with the error and hints shown; a hanging
answer fails only itself. Markers with a typo or of an unregistered exercise are refused, naming the place."""
import json
import sys

import pytest

from minigrad_ae import cli
from minigrad_ae.course import EXERCISES, grade, make_student
from minigrad_ae.course.exercises import BY_ID
from minigrad_ae.course.grading import grade_exercise
from minigrad_ae.course.markers import student_text
from minigrad_ae.course.student import REPO

MARKED = [e for e in EXERCISES if e.marked]


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course") / "student"
    assert sorted(make_student(folder)) == sorted(e.id for e in MARKED)
    return folder


def test_student_copy_holds_exercises_not_solutions(student):
    for exercise in MARKED:
        text = (student / exercise.file).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and f"# BEGIN EXERCISE {exercise.id}\n" in text
    assert not (student / "minigrad_ae" / "course").exists()
    assert "sigmoid_backward" in (student / "EXERCISES.md").read_text(encoding="utf-8")


def test_untouched_copy_grades_zero_and_the_instructors_tree_full_points(student, capsys):
    report = grade(student)
    assert report["score"] == 0 and report["total"] == sum(e.points for e in MARKED)
    assert {r["status"] for r in report["exercises"]} == {"not attempted"}

    assert cli.main(["course", "grade", str(REPO), "--json", "--timeout", "900"]) == 0   # lesson checks run lessons
    report = json.loads(capsys.readouterr().out)
    assert report["score"] == report["total"] == sum(e.points for e in MARKED), [
        (r["id"], r["status"], r["detail"]) for r in report["exercises"] if r["status"] != "passed"]
    assert not any(str(student) in (getattr(m, "__file__", None) or "") for m in list(sys.modules.values()))


def answer(copy, exercise_id, code):
    """Replace the stub of ``exercise_id``'s first block in ``copy`` by ``code`` (lines at the block's indent)."""
    path = copy / BY_ID[exercise_id].file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == f"# BEGIN EXERCISE {exercise_id}")
    last = next(i for i in range(first, len(lines)) if lines[i].strip() == "# END EXERCISE")
    indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
    lines[first + 1:last] = [f"{indent}{line}\n" for line in code.splitlines()]
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def copy_of(student, tmp_path):
    import shutil

    def copy(name):
        target = tmp_path / name
        shutil.copytree(student, target)
        return target
    return copy


def test_wrong_answer_fails_with_its_error_and_hints(copy_of):
    wrong = copy_of("wrong")
    answer(wrong, "sigmoid_backward", "@elementwise\ndef sigmoid_vjp(g, z):\n    return g * z   # forgot (1 - z)")
    result = grade_exercise(wrong, BY_ID["sigmoid_backward"])
    assert result["status"] == "failed" and result["error"] > 1e-3 and result["points"] == 0
    assert "gradcheck FAILED" in result["detail"] and "σ(a) itself" in result["hint"]
    answer(wrong, "mul_backward", "a, b = ctx.saved\nreturn g * b, g * a")
    assert grade_exercise(wrong, BY_ID["mul_backward"])["status"] == "passed"


def test_an_exercise_with_a_compiled_twin_is_graded_on_its_one_block(copy_of):
    """A module_stub exercise's twin is plain code in the copy: only the block the student writes is graded."""
    copy = copy_of("twin")
    answer(copy, "tsne_gradient", "grad = np.zeros_like(Y64)")
    result = grade_exercise(copy, BY_ID["tsne_gradient"])
    assert result["status"] == "failed" and result["points"] == 0
    answer(copy, "tsne_gradient", 'forces = (exaggeration * P - w / Z) * w\n'
                                  'grad = 4 * np.einsum("ij,ijk->ik", forces, differences)')
    assert grade_exercise(copy, BY_ID["tsne_gradient"])["status"] == "passed"


def test_a_hanging_answer_fails_only_that_exercise(copy_of):
    hanging = copy_of("hanging")
    answer(hanging, "vae_kl_grads", "while True:\n    pass")
    result = grade_exercise(hanging, BY_ID["vae_kl_grads"], timeout=5)
    assert result["status"] == "failed" and "timed out after 5" in result["detail"]
    assert grade_exercise(hanging, BY_ID["vae_reparam_grads"])["status"] == "not attempted"


def test_a_block_that_still_calls_its_stand_in_is_not_attempted(copy_of):
    """Markers removed, or code added above a stub left in place: the check sees the stand-in run."""
    copy = copy_of("sneaky")
    answer(copy, "exp_backward", "from minigrad_ae import stand_ins\nz = 1\n"
           'return stand_ins.vjp(ctx, g, "exp_backward")')
    assert grade_exercise(copy, BY_ID["exp_backward"])["status"] == "not attempted"


def test_markers_errors_name_the_place():
    registry = {**BY_ID}
    with pytest.raises(ValueError, match=r"f.py:1: unknown exercise id 'nope'"):
        student_text("# BEGIN SOLUTION nope\nx = 1\n# END SOLUTION\n", {}, registry, "f.py")
    with pytest.raises(ValueError, match=r"f.py:1: BEGIN SOLUTION mul_backward is never closed"):
        student_text("# BEGIN SOLUTION mul_backward\nx = 1\n", {}, registry, "f.py")
    unmarked = next(e for e in EXERCISES if not e.marked)
    with pytest.raises(ValueError, match=rf"f.py:2: {unmarked.id} has solution markers but marked=False"):
        student_text(f"x = 0\n# BEGIN SOLUTION {unmarked.id}\nx = 1\n# END SOLUTION\n", {}, registry, "f.py")
    text = "class Mul:\n    def backward(ctx, g):\n        # BEGIN SOLUTION mul_backward\n        return g\n" \
           "        # END SOLUTION\n"
    assert student_text(text, {}, registry) == "class Mul:\n    def backward(ctx, g):\n        return g\n"
    copied = student_text(text, {"mul_backward": BY_ID["mul_backward"]}, registry)
    assert 'return stand_ins.vjp(ctx, g, "mul_backward")' in copied and "return g\n" not in copied
    prose = "# Softplus is smooth.\n# BEGIN SOLUTION mul_backward\n# Its derivative is σ.\n# END SOLUTION\n"
    assert student_text(prose, {"mul_backward": BY_ID["mul_backward"]}, registry) == (
        "# Softplus is smooth.\n# (Exercise mul_backward: work this out yourself; the task is in EXERCISES.md.)\n")


def test_make_student_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "work.py").write_text("mine")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        make_student(tmp_path)
