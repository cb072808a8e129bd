"""The student copy: the registry behind it, a copy that leaks no solution line in any file (notebooks included),
that runs its lessons and its own tests before anything is solved, that holds only the exercises asked for,
that a failed make-student leaves no trace of, and that a regular (non-editable) install can write too."""
import configparser
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from minigrad_ae import cli
from minigrad_ae.course import EXERCISES, TRACKS, grade, make_student
from minigrad_ae.course import student as student_module
from minigrad_ae.course.exercises import BY_ID
from minigrad_ae.course.leaks import find_leaks, secrets
from minigrad_ae.course.markers import solution_blocks
from minigrad_ae.course.student import REPO, ROOT_FILES

MARKED = [e for e in EXERCISES if e.marked]
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]_*.py"))
LESSON_NUMBERS = {int(p.name[:2]) for p in LESSONS}


def instructor_texts():
    """{path relative to the repository: text} of every Python file a copy is made from (the grader's excluded)."""
    paths = [p for p in (REPO / "minigrad_ae").rglob("*.py")
             if not {"__pycache__", "course"} & set(p.relative_to(REPO).parts)]
    paths += list((REPO / "lessons").glob("*.py")) + list((REPO / "tests").glob("*.py"))
    return {p.relative_to(REPO): p.read_text(encoding="utf-8") for p in paths}


def run(args, cwd, timeout=600):
    env = {**os.environ, "PYTHONPATH": str(cwd), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copy") / "student"
    make_student(folder)
    return folder


# ---------------------------------------------------------------- the registry


def test_the_registry_covers_every_lesson_with_thirty_or_more_exercises(monkeypatch):
    assert len(MARKED) >= 30 and len(BY_ID) == len(EXERCISES)
    assert {e.lesson for e in MARKED} == LESSON_NUMBERS >= set(range(17)) | {18, 19, 20, 21}   # a new lesson: add one
    for lesson in LESSON_NUMBERS:
        assert 1 <= sum(e.lesson == lesson for e in MARKED) <= 3, lesson
    monkeypatch.syspath_prepend(str(REPO / "minigrad_ae" / "course"))   # the checks import each other by name
    import check_autodiff
    import check_autoencoder
    for e in EXERCISES:
        assert e.track in TRACKS and e.points >= 1 and 1 <= len(e.hints) <= 2 and len(e.task) > 40, e.id
        assert (REPO / e.file).is_file(), e.id
        assert hasattr(check_autodiff, e.check) or hasattr(check_autoencoder, e.check), e.id


def test_marked_exercises_are_exactly_those_with_solution_blocks():
    found = {}
    for path, text in instructor_texts().items():
        for exercise_id, _, _ in solution_blocks(text, path):
            found.setdefault(exercise_id, set()).add(str(path))
    assert set(found) == {e.id for e in MARKED}
    for e in MARKED:
        assert e.file in found[e.id], f"{e.id}: no block in {e.file}"


def test_setup_cfg_registers_one_pytest_mark_per_exercise():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    marks = {line.split(":")[0].strip() for line in config["tool:pytest"]["markers"].strip().splitlines()}
    assert marks == {e.id for e in EXERCISES} | {"slow"}


def test_course_list_prints_every_exercise_and_its_json_every_field(capsys):
    assert cli.main(["course", "list"]) == 0
    text = capsys.readouterr().out
    assert all(e.id in text for e in EXERCISES) and "not marked yet" in text
    assert cli.main(["course", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) >= 30 and {e["lesson"] for e in listed if e["marked"]} == LESSON_NUMBERS
    assert {"id", "lesson", "track", "points", "task", "hints", "file", "check", "marked"} <= set(listed[0])


# ---------------------------------------------------------------- nothing leaks


def test_the_copy_holds_no_line_of_any_solution_in_any_file(copy):
    found_secrets = secrets(instructor_texts(), {e.id for e in MARKED})
    assert len(found_secrets) > 50
    assert find_leaks(copy, found_secrets) == []
    files = [p.relative_to(copy) for p in copy.rglob("*") if p.is_file()]
    assert not [f for f in files if f.parts[:2] == ("minigrad_ae", "course") or "__pycache__" in f.parts
                or f.suffix in (".pyc", ".ipynb") or any(part.endswith(".egg-info") for part in f.parts)]
    needs_docs = [f for f in files if f.parts[0] == "tests" and '"docs"' in (copy / f).read_text(encoding="utf-8")]
    assert not (copy / "docs").exists() and needs_docs == []   # the site's tests stay with the site
    sheet = (copy / "EXERCISES.md").read_text(encoding="utf-8")
    assert all(f"`{e.id}`" in sheet for e in MARKED) and json.loads((copy / "exercises.json").read_text()).keys() \
        == {e.id for e in MARKED}


def test_the_leak_search_finds_a_solution_line_in_a_docstring_a_notebook_and_markdown(tmp_path):
    found_secrets = secrets(instructor_texts(), {"sigmoid_backward"})
    line = next(fragment for fragment in found_secrets if "z * (1 - z)" in fragment)
    (tmp_path / "a.py").write_text(f'"""Hint:\n    {line}\n"""\n')
    (tmp_path / "b.ipynb").write_text(json.dumps({"cells": [{"source": ["x = 1\n", f"    {line}\n"]}]}))
    (tmp_path / "c.md").write_text(f"```\n{line}\n```\n")
    assert sorted(str(path) for path, _, _ in find_leaks(tmp_path, found_secrets)) == ["a.py", "b.ipynb", "c.md"]


def test_a_line_the_package_runs_outside_every_block_is_no_secret_but_one_in_a_test_or_a_docstring_is():
    block = "def f(g):\n    # BEGIN SOLUTION mul_backward\n    y = g * 2 + 1\n    # END SOLUTION\n"
    line = "y = g * 2 + 1"
    package_code = {pathlib.PurePath("minigrad_ae/a.py"): block, pathlib.PurePath("minigrad_ae/b.py"): f"{line}\n"}
    assert line not in secrets(package_code, {"mul_backward"})
    for elsewhere in ({pathlib.PurePath("tests/test_b.py"): f"{line}\n"},
                      {pathlib.PurePath("minigrad_ae/b.py"): f'"""Hint:\n{line}\n"""\n'}):
        assert line in secrets({pathlib.PurePath("minigrad_ae/a.py"): block, **elsewhere}, {"mul_backward"})


@pytest.fixture
def source_with_notebooks(tmp_path, monkeypatch):
    """The repository's lessons, tests and packaging files, plus each lesson converted to a notebook (jupytext)."""
    jupytext = pytest.importorskip("jupytext")
    source = tmp_path / "source"
    shutil.copytree(REPO / "lessons", source / "lessons", ignore=shutil.ignore_patterns("out", "__pycache__"))
    shutil.copytree(REPO / "tests", source / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ROOT_FILES:
        shutil.copy(REPO / name, source / name)
    for lesson in (source / "lessons").glob("[0-9][0-9]_*.py"):
        jupytext.write(jupytext.read(lesson), lesson.with_suffix(".ipynb"))
    monkeypatch.setattr(student_module, "sources", lambda: source)
    return source


def test_lessons_converted_to_notebooks_leak_nothing_into_the_copy_nor_from_its_own_notebooks(
        source_with_notebooks, tmp_path):
    jupytext = pytest.importorskip("jupytext")
    notebook = (source_with_notebooks / "lessons" / "00_autodiff_from_scratch.ipynb").read_text()
    assert "np.exp(-x)" in notebook          # the instructor's notebook holds the solution...
    copy = tmp_path / "copy"
    make_student(copy)
    assert not list(copy.rglob("*.ipynb"))   # ...and is not copied: notebooks are made from the stripped lessons
    for lesson in (copy / "lessons").glob("*.py"):
        jupytext.write(jupytext.read(lesson), lesson.with_suffix(".ipynb"))
    assert find_leaks(copy, secrets(instructor_texts(), {e.id for e in MARKED})) == []


def test_a_failed_make_student_leaves_nothing_behind(source_with_notebooks, tmp_path):
    leaky = source_with_notebooks / "lessons" / "99_leaky.py"
    leaky.write_text('"""The answer: return g * z * (1 - z)   # σ′(a) = σ(a)(1 − σ(a))"""\n', encoding="utf-8")
    destination = tmp_path / "out" / "copy"
    with pytest.raises(ValueError, match=r"(?s)solution text would reach the copy:.*99_leaky.py: sigmoid_backward"):
        make_student(destination)
    assert not destination.exists() and list(destination.parent.iterdir()) == []
    with pytest.raises(ValueError, match="unknown exercise id"):
        make_student(destination, only=["no_such_exercise"])
    assert list(destination.parent.iterdir()) == []


# ---------------------------------------------------------------- what a copy holds


def test_only_and_track_choose_the_exercises_and_keep_the_others_solutions(tmp_path, capsys):
    one = tmp_path / "one"
    assert make_student(one, only=["mul_backward"]) == ["mul_backward"]
    ops = (one / "minigrad_ae" / "autodiff" / "ops.py").read_text(encoding="utf-8")
    assert ops.count("# BEGIN EXERCISE") == 1 and "return g * z * (1 - z)" in ops and "SOLUTION" not in ops
    report = grade(one)
    assert [r["id"] for r in report["exercises"]] == ["mul_backward"] and (report["score"], report["total"]) == (0, 1)
    optim = (one / "minigrad_ae" / "kernels" / "optim.py").read_text(encoding="utf-8")
    assert "def _adam_loop(" in optim and "return adam_update_reference(*args)" not in optim
    track = tmp_path / "track"
    ids = make_student(track, track="autoencoder")
    assert set(ids) == {e.id for e in MARKED if e.track == "autoencoder"}
    assert "# BEGIN EXERCISE" not in (track / "minigrad_ae" / "autodiff" / "ops.py").read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["course", "make-student", str(tmp_path / "bad"), "--only", "kaiming_gain"])
    assert exit_info.value.code == 2 and "have no solution markers in their files yet" in capsys.readouterr().err


# ---------------------------------------------------------------- an untouched copy runs


@pytest.mark.parametrize("lesson", LESSONS[:2], ids=[p.stem for p in LESSONS[:2]])
def test_the_first_lessons_run_in_an_untouched_copy_with_one_notice_per_exercise(copy, lesson, tmp_path):
    result = run([str(copy / "lessons" / lesson.name), "--quick", "--out", str(tmp_path)], copy)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    notices = [line for line in result.stderr.splitlines() if "is not solved yet: using a slow stand-in" in line]
    assert notices and len(notices) == len(set(notices))
    if lesson.name.startswith("00"):
        assert "not solved yet" in result.stdout   # the lesson's own check of Softplus.backward says so


def test_a_compiled_twin_of_an_answer_leaves_the_copy_and_calls_the_students_function(copy):
    optim = (copy / "minigrad_ae" / "kernels" / "optim.py").read_text(encoding="utf-8")
    assert "_adam_loop" not in optim and "\n    return adam_update_reference(*args)\n" in optim
    assert optim.count("# BEGIN EXERCISE adam_step") == 1


def test_a_lessons_run_carries_the_marks_of_the_exercises_written_in_it(copy):
    result = run(["-m", "pytest", "tests/test_lessons.py", "-p", "no:cacheprovider", "--collect-only", "-q",
                  "-m", "lesson5_dae_bias_grad"], copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line for line in result.stdout.splitlines() if "::" in line] == [
        "tests/test_lessons.py::test_lesson_runs_quick_and_saves_figures[05_denoising_autoencoder]"]


def test_the_copys_tests_skip_unsolved_exercises_and_run_a_solved_one(copy, tmp_path):
    solved = tmp_path / "solved"
    shutil.copytree(copy, solved)
    tests = ["tests/test_ops_grad.py", "tests/test_graph.py", "-p", "no:cacheprovider", "-q"]
    result = run(["-m", "pytest", *tests], solved)
    assert result.returncode == 0 and "not solved yet: mul_backward" in result.stdout + result.stderr, result.stdout
    result = run(["-m", "pytest", *tests, "-m", "mul_backward", "-rs"], solved)
    assert result.returncode == 0 and " passed" not in result.stdout and "skipped" in result.stdout, result.stdout
    ops = solved / "minigrad_ae" / "autodiff" / "ops.py"
    text = ops.read_text(encoding="utf-8")
    start = text.index("        # BEGIN EXERCISE mul_backward\n")
    end = text.index("# END EXERCISE\n", start)
    ops.write_text(text[:start] + "        # BEGIN EXERCISE mul_backward\n        a, b = ctx.saved\n"
                   "        return g * b, g * a\n        " + text[end:], encoding="utf-8")
    result = run(["-m", "pytest", *tests, "-m", "mul_backward", "-rs"], solved)
    assert result.returncode == 0 and " passed" in result.stdout, result.stdout
    assert "mul_backward" not in result.stdout   # what still skips waits for another exercise (pow, div)


# ---------------------------------------------------------------- from a regular install


def test_a_regular_install_ships_the_course_kit_and_writes_a_copy(tmp_path):
    """Build a wheel from a copy of the sources, install it into a folder, and make a student copy from there."""
    source = tmp_path / "source"
    for name in ("minigrad_ae", "lessons", "tests"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "out", "*.egg-info"))
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(tmp_path / "wheel"), str(source)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "wheel").glob("minigrad_ae-*.whl"))
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                                str(tmp_path / "site"), str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    kit = tmp_path / "site" / "minigrad_ae" / "course" / "kit"
    assert sorted(p.name for p in (kit / "lessons").glob("*.py")) == [p.name for p in LESSONS]
    made = subprocess.run([sys.executable, "-m", "minigrad_ae.cli", "course", "make-student", str(tmp_path / "copy")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert made.returncode == 0, made.stderr[-2000:]
    copy = tmp_path / "copy"
    assert len(list((copy / "lessons").glob("*.py"))) == len(LESSONS) and (copy / "tests" / "conftest.py").is_file()
    assert not (copy / "minigrad_ae" / "course").exists()
    assert find_leaks(copy, secrets(instructor_texts(), {e.id for e in MARKED})) == []
