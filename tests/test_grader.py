"""The grader cannot be gamed: each attack of issue 13 scores 0 for its exercise — deleted subpackages, an edited
helper, an edited lesson assertion, exiting, printing a fake result, an endless loop, a 10 GB allocation, writing
outside the clean tree, forging the result pipe. And its feedback says what is wrong: the input by name, both
values at the worst element, the student's own line of a crash or a syntax error; no failed line says 'passed'."""
import json
import os
import pathlib
import shutil

import pytest

from minigrad_ae import cli
from minigrad_ae.course import make_student
from minigrad_ae.course.exercises import BY_ID
from minigrad_ae.course.grading import grade, grade_exercise
from minigrad_ae.course.grading.sandbox import instructor_texts, landlock_available, run_check
from minigrad_ae.course.student import REPO

EXERCISES = ["mul_backward", "sigmoid_backward", "relu_backward", "vae_kl_grads", "lesson0_softplus"]
RIGHT_MUL = "a, b = ctx.saved\nreturn g * b, g * a"
MUL_SWAPPED = "a, b = ctx.saved\nreturn g * a, g * b"


def answer(copy, exercise_id, code, nth=0):
    """Replace the stub of the ``nth`` block of ``exercise_id`` in ``copy`` by ``code`` (at the block's indent)."""
    path = pathlib.Path(copy) / BY_ID[exercise_id].file
    if nth:
        path = pathlib.Path(copy) / "minigrad_ae" / "nn" / "fused.py"   # the second block of vae_kl_grads
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == f"# BEGIN EXERCISE {exercise_id}")
    last = next(i for i in range(first, len(lines)) if lines[i].strip() == "# END EXERCISE")
    indent = lines[first][:len(lines[first]) - len(lines[first].lstrip())]
    lines[first + 1:last] = [f"{indent}{line}\n" if line else "\n" for line in code.splitlines()]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grader") / "copy"
    make_student(folder, only=EXERCISES)
    return folder


@pytest.fixture
def work(copy, tmp_path):
    """A fresh student copy to answer in."""
    return shutil.copytree(copy, tmp_path / "work")


def graded(folder, exercise_id, **limits):
    result = grade_exercise(folder, BY_ID[exercise_id], **limits)
    if result["status"] != "passed":
        assert result["points"] == 0 and not any("passed" in line.lower() for line in result["feedback"]), result
    return result


# ---------------------------------------------------------------- integrity: only the block counts


def test_deleted_subpackages_change_nothing(work):
    shutil.rmtree(work / "minigrad_ae" / "nn")
    shutil.rmtree(work / "minigrad_ae" / "models")
    report = grade(work)
    assert report["score"] == 0 and {r["status"] for r in report["exercises"]} == {"not attempted"}
    answer(work, "mul_backward", RIGHT_MUL)   # an answer needs nothing else of the copy
    assert graded(work, "mul_backward")["status"] == "passed"


def test_an_edited_helper_is_not_used(work):
    gradcheck = work / "minigrad_ae" / "autodiff" / "gradcheck.py"
    text = gradcheck.read_text(encoding="utf-8")
    gradcheck.write_text(text.replace('    """‖a − b‖ / ‖a + b‖', '    return 0.0\n    """‖a − b‖ / ‖a + b‖'),
                         encoding="utf-8")
    assert "return 0.0" in gradcheck.read_text(encoding="utf-8")
    answer(work, "mul_backward", MUL_SWAPPED)
    answer(work, "sigmoid_backward", "@elementwise\ndef sigmoid_vjp(g, z):\n    return g * z")
    assert graded(work, "mul_backward")["status"] == "failed"
    assert graded(work, "sigmoid_backward")["status"] == "failed"


def test_a_link_to_the_instructors_solution_is_not_an_answer(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "ops.py").symlink_to(REPO / "minigrad_ae" / "autodiff" / "ops.py")
    result = graded(upload, "mul_backward")
    assert result["status"] == "not attempted" and "no file minigrad_ae/autodiff/ops.py" in result["detail"]


def test_an_edited_lesson_assertion_is_not_used(work):
    lesson = work / "lessons" / "00_autodiff_from_scratch.py"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("checks.assert_all()", "checks.print()"),
                      encoding="utf-8")
    answer(work, "lesson0_softplus", "(x,) = ctx.saved\nreturn (-g / (1 + np.exp(-x)),)")
    result = graded(work, "lesson0_softplus")
    assert result["status"] == "failed" and "gradcheck softplus" in result["detail"]


@pytest.mark.parametrize("code, says", [
    ("import sys\nsys.exit(0)", "imports sys"),
    ("raise SystemExit(0)", "your code called exit"),
    ('print(\'{"status": "passed", "error": 0.0, "detail": "ok"}\')\nraise SystemExit(0)', "your code called exit"),
    ('print(\'{"status": "passed", "error": 0.0, "detail": "ok"}\')\na, b = ctx.saved\nreturn g * a, g * b',
     "relative error"),
    ("while True:\n    pass", "timed out after 4 s"),
    ("big = np.ones(10 * 2 ** 30 // 8)\nreturn g * big[0], g", "MemoryError"),
    ("open('/tmp/minigrad-ae-grader-was-here', 'w')\nreturn g, g", "uses open"),
])
def test_attacks_score_zero(work, code, says):
    answer(work, "mul_backward", code)
    result = graded(work, "mul_backward", timeout=4)
    assert result["status"] == "failed" and result["points"] == 0
    assert says in result["detail"], result["detail"]
    assert not os.path.exists("/tmp/minigrad-ae-grader-was-here")


def spliced_mul(code):
    """ops.py of the instructor with Mul.backward's block replaced by ``code`` — past the screen, to test the
    process's own defences."""
    path = "minigrad_ae/autodiff/ops.py"
    lines = instructor_texts()[path].splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() == "# BEGIN SOLUTION mul_backward")
    last = next(i for i in range(first, len(lines)) if lines[i].strip() == "# END SOLUTION")
    lines[first + 1:last] = ["        " + line for line in code.splitlines()]
    return {path: "\n".join(lines) + "\n"}


@pytest.mark.skipif(not landlock_available(), reason="this kernel has no Landlock")
def test_the_process_cannot_write_outside_its_tree(tmp_path):
    target = tmp_path / "grader-folder" / "checks.py"
    target.parent.mkdir()
    outcome = run_check("mul_backward", spliced_mul(f"open({str(target)!r}, 'w').write('x')\n"
                                                    "a, b = ctx.saved\nreturn g * b, g * a"), timeout=30)
    assert outcome["status"] == "crashed" and outcome["crash"]["type"] == "PermissionError"
    assert not target.exists()


def test_exits_and_forged_pipe_writes_give_no_result():
    outcome = run_check("mul_backward", spliced_mul("import os\nos._exit(0)"), timeout=30)
    assert outcome["status"] == "no result" and outcome["exit_code"] == 0
    forged = json.dumps({"status": "passed", "error": 0.0, "detail": "", "nonce": "0" * 32})
    outcome = run_check("mul_backward", spliced_mul(
        "import os\nfor fd in range(3, 40):\n    try:\n        os.write(fd, b'" + forged + "\\n')\n"
        "    except OSError:\n        pass\nos._exit(0)"), timeout=30)
    assert outcome["status"] == "no result"


# ---------------------------------------------------------------- feedback


def test_swapped_mul_backward_names_both_inputs_and_values(work):
    answer(work, "mul_backward", MUL_SWAPPED)
    result = graded(work, "mul_backward")
    lines = result["feedback"]
    for name in ("a", "b"):
        row = next(line for line in lines if line.startswith(f"{name} ("))
        assert "max abs error" in row and "relative error" in row and "worst at index [" in row
        assert "yours " in row and "finite differences " in row
    assert result["hint"].startswith("Differentiate one element")


def test_sigmoid_off_by_1e_5_fails_without_saying_passed(work):
    answer(work, "sigmoid_backward", "@elementwise\ndef sigmoid_vjp(g, z):\n    return g * z * (1 - z) + 1e-5")
    result = graded(work, "sigmoid_backward")
    assert result["status"] == "failed" and 1e-6 < result["error"] < 1e-3
    assert "max abs error 1.00e-05" in result["detail"]


def test_a_wrong_vae_gradient_names_logvar(work):
    wrong = "return np.array(mu, dtype=np.float64), 0.5 * (np.exp(logvar) + 1)"
    answer(work, "vae_kl_grads", wrong)
    answer(work, "vae_kl_grads", "mu, var = ctx.saved\nup = upstream(g, ctx.reduction, ctx.n)\n"
           "up = up.reshape(np.shape(up) + (1,)) if np.ndim(up) else up\nreturn up * mu, 0.5 * up * (var + 1)", nth=1)
    result = graded(work, "vae_kl_grads")
    assert result["status"] == "failed"
    assert any(line.startswith("logvar (4, 3): max abs error") for line in result["feedback"]), result["detail"]
    assert "right: mu" in result["detail"]


def test_a_syntax_error_does_not_compile_and_names_the_line(work):
    path = answer(work, "mul_backward", "a, b = ctx.saved\nreturn g * (b, g * a")
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if "g * (b, g * a" in text)
    result = graded(work, "mul_backward")
    assert result["status"] == "does not compile"
    assert result["detail"] == f"SyntaxError: '(' was never closed at minigrad_ae/autodiff/ops.py:{line}: " \
                               "return g * (b, g * a"


def test_a_crash_shows_the_exception_and_the_students_line(work):
    path = answer(work, "mul_backward", "a, b = ctx.saved\nreturn g * c, g * a")
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "g * c, g * a" in text)
    result = graded(work, "mul_backward")
    assert result["feedback"][0] == "crashed: NameError: name 'c' is not defined"
    assert result["feedback"][1] == f"at minigrad_ae/autodiff/ops.py:{line} (in backward): return g * c, g * a"


def test_a_changed_signature_or_missing_block(work):
    answer(work, "relu_backward", "@elementwise\ndef relu_vjp(g, x, extra):\n    return g * (x > 0)\n"
           "@elementwise\ndef leaky_relu_vjp(g, a, s):\n    return g * ((a > 0) + s * (a <= 0))")
    result = graded(work, "relu_backward")
    assert result["status"] == "does not compile" and "keep its signature" in result["detail"]
    ops = answer(work, "mul_backward", "return g, g")
    text = ops.read_text(encoding="utf-8")
    ops.write_text(text.replace("# BEGIN EXERCISE mul_backward\n", "", 1), encoding="utf-8")
    result = graded(work, "mul_backward")
    assert result["status"] == "does not compile" and "an END marker without a # BEGIN EXERCISE" in result["detail"]
    ops.write_text(text.replace("        # BEGIN EXERCISE mul_backward\n        return g, g\n        # END EXERCISE\n", ""),
                   encoding="utf-8")
    result = graded(work, "mul_backward")
    assert result["status"] == "not attempted" and "holds 0 block(s)" in result["detail"]


def test_loose_files_are_found_and_json_is_utf8(work, tmp_path, capsys):
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(answer(work, "mul_backward", MUL_SWAPPED), upload / "ops.py")
    assert cli.main(["course", "grade", str(upload), "--only", "mul_backward", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == "minigrad-ae/grade-report/1" and report["passed"] is False
    assert "zᵢ" in report["exercises"][0]["hint"]
    answer(work, "mul_backward", RIGHT_MUL)
    shutil.copy(work / "minigrad_ae" / "autodiff" / "ops.py", upload / "ops.py")
    assert cli.main(["course", "grade", str(upload), "--only", "mul_backward"]) == 0
    assert "1/1    passed" in capsys.readouterr().out


def test_splice_keeps_line_numbers_across_several_blocks_of_one_file(tmp_path):
    from minigrad_ae.course.grading.splice import splice
    texts = {"m.py": "def f(a):\n    # BEGIN SOLUTION mul_backward\n    return a\n    # END SOLUTION\n\n\n"
                     "def h(b):\n    # BEGIN SOLUTION mul_backward\n    return b\n    # END SOLUTION\n"}
    (tmp_path / "m.py").write_text("def f(a):\n  # BEGIN EXERCISE mul_backward\n  x = a\n  y = x\n  return y\n"
                                   "  # END EXERCISE\n\ndef h(b):\n  # BEGIN EXERCISE mul_backward\n  return b + 1\n"
                                   "  # END EXERCISE\n", encoding="utf-8")
    spliced, blocks = splice(texts, tmp_path, BY_ID["mul_backward"])
    lines = spliced["m.py"].splitlines()
    assert lines[2:5] == ["    x = a", "    y = x", "    return y"] and lines[10] == "    return b + 1"
    assert [(b.first, b.last, b.submission_first) for b in blocks] == [(3, 5, 3), (11, 11, 10)]   # 1-based
    assert blocks[1].submission_line(11) == 10 and blocks[1].text_at(11) == "return b + 1"
