"""The lesson kit: options from flags or MINIGRAD_AE_* variables, the figures folder beside the lesson file,
show / pick / finish, and the list of new figures that notebooks and the site read."""
import json
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from minigrad_ae import lesson as kit

VARIABLES = ("MINIGRAD_AE_QUICK", "MINIGRAD_AE_SEED", "MINIGRAD_AE_OUT", "MINIGRAD_AE_DATA")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_options_come_from_the_environment_and_flags_win(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_AE_QUICK", "1")
    monkeypatch.setenv("MINIGRAD_AE_SEED", "7")
    monkeypatch.setenv("MINIGRAD_AE_DATA", "mnist-sample")
    lesson = kit.start("Lesson 9: test", data=True, argv=["--out", str(tmp_path)])
    assert (lesson.args.quick, lesson.args.seed, lesson.args.data) == (True, 7, "mnist-sample")
    assert lesson.pick(full=300, quick=100) == 100
    lesson = kit.start("Lesson 9: test", data=True, argv=["--out", str(tmp_path), "--seed", "3", "--data", "digits"])
    assert (lesson.args.seed, lesson.args.data) == (3, "digits")
    again = kit.start("Lesson 9: test", argv=["--out", str(tmp_path), "--seed", "3"])
    assert lesson.rng.integers(1 << 30) == again.rng.integers(1 << 30)


@pytest.mark.parametrize("name, value, message", [
    ("MINIGRAD_AE_QUICK", "yes", "MINIGRAD_AE_QUICK must be 1 .on. or 0 .off., got 'yes'"),
    ("MINIGRAD_AE_SEED", "one", "MINIGRAD_AE_SEED must be an integer seed"),
    ("MINIGRAD_AE_DATA", "cifar", "MINIGRAD_AE_DATA must be one of digits, mnist-sample, mnist, got 'cifar'"),
])
def test_a_bad_variable_is_refused_by_name(name, value, message, monkeypatch, tmp_path):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=message):
        kit.start("Lesson 9: test", data=True, argv=["--out", str(tmp_path)])


def test_unknown_flags_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        kit.start("Lesson 9: test", argv=["--out", str(tmp_path), "--sed", "1"])


def test_figures_go_beside_the_lesson_file_from_any_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "course" / "lessons" / "05_topic.py")])
    assert kit.default_out() == tmp_path / "course" / "lessons" / "out"
    monkeypatch.setattr(sys, "argv", ["-c"])  # no lesson file (a console): the working folder's out/
    assert kit.default_out() == tmp_path / "out"


def test_a_lesson_script_run_from_elsewhere_writes_beside_itself(tmp_path):
    lessons, elsewhere = tmp_path / "lessons", tmp_path / "elsewhere"
    lessons.mkdir()
    elsewhere.mkdir()
    (lessons / "01_demo.py").write_text(
        "import matplotlib.pyplot as plt\nfrom minigrad_ae import lesson as kit\n"
        "lesson = kit.start('Lesson 1: demo')\nfig, ax = plt.subplots()\nax.plot([0, 1])\n"
        "lesson.show(fig, '01_line')\nlesson.checks.add('ran', 1.0, True)\nlesson.finish()\n")
    result = subprocess.run([sys.executable, str(lessons / "01_demo.py")], cwd=elsewhere, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (lessons / "out" / "01_line.png").stat().st_size > 1000
    assert f"figures go to {lessons / 'out'}" in result.stdout and "1 figures in" in result.stdout
    assert list(elsewhere.iterdir()) == []


def test_show_lays_out_saves_and_closes_the_figure(tmp_path):
    lesson = kit.start("Lesson 9: test", argv=["--out", str(tmp_path)])
    fig, ax = plt.subplots()
    ax.set_title("a title long enough to need the layout " * 2)
    assert lesson.show(fig, "09_demo") is None  # a notebook cell ending with show() displays no stray value
    path = tmp_path / "09_demo.png"
    assert path.stat().st_size > 1000
    assert fig.get_layout_engine() is not None and plt.get_fignums() == []
    constrained = plt.figure(layout="constrained")
    lesson.show(constrained, "09_constrained.png")
    assert type(constrained.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    assert lesson.figures == [path, tmp_path / "09_constrained.png"]


def test_new_figures_lists_each_png_once_whoever_wrote_it(tmp_path):
    kit.new_figures()  # forget figures of earlier tests
    lesson = kit.start("Lesson 9: test", argv=["--out", str(tmp_path)])
    lesson.show(plt.figure(), "09_first")
    fig = plt.figure()
    fig.savefig(lesson.path("09_by_hand"))  # as mg.viz does: saved without show()
    plt.close(fig)
    assert kit.new_figures() == [tmp_path / "09_first.png", tmp_path / "09_by_hand.png"]
    assert kit.new_figures() == []


def test_finish_prints_the_checks_and_fails_loudly(tmp_path, capsys):
    lesson = kit.start("Lesson 9: test", argv=["--out", str(tmp_path)])
    lesson.checks.add("held", 1e-12, True)
    lesson.checks.add("broke", 0.5, False)
    with pytest.raises(AssertionError, match="Lesson 9 checks: checks failed: broke"):
        lesson.finish()
    out = capsys.readouterr().out
    assert "Lesson 9 ran in" in out and "held" in out and "✗" in out


def test_finish_writes_checks_and_recorded_numbers_for_the_docs(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["lessons/09_test.py"])
    lesson = kit.start("Lesson 9: test", argv=["--out", str(tmp_path)])
    lesson.checks.add("error", np.float64(0.0171), True)
    lesson.record("held-out MSE", np.float32(0.25))
    lesson.finish()
    summary = json.loads((tmp_path / "09_test.json").read_text(encoding="utf-8"))
    assert summary["checks"] == [{"name": "error", "value": 0.0171, "passed": True}]
    assert summary["numbers"] == {"held-out MSE": 0.25} and summary["seed"] == 0 and summary["seconds"] >= 0


def test_old_lesson_args_share_the_options(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_AE_QUICK", "1")
    args = kit.lesson_args("Lesson 9: test", argv=["--out", str(tmp_path / "figures")])
    assert args.quick and args.out == tmp_path / "figures" and args.out.is_dir()
