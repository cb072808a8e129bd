"""The minigrad-ae command: list lessons, run one, run all with a pass/fail summary."""
import pytest

from minigrad_ae import cli

PASSING = '# %% [markdown]\n# # Lesson 1 — Passing\n#\n# It works. More text.\n\n# %%\nprint("ok")\n'
FAILING = '# %% [markdown]\n# # Lesson 2 — Failing\n#\n# It breaks.\n\n# %%\nassert False, "concept broke"\n'


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    (tmp_path / "01_passing.py").write_text(PASSING)
    (tmp_path / "02_failing.py").write_text(FAILING)
    monkeypatch.setattr(cli, "LESSONS_DIR", tmp_path)
    return tmp_path


def test_list_shows_number_title_and_summary(lessons, capsys):
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert "1  Passing" in out and "It works." in out and "More text" not in out
    assert "2  Failing" in out


def test_run_all_prints_a_summary_and_fails_if_any_lesson_fails(lessons, capsys):
    assert cli.main(["lessons", "run", "all", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "01_passing" in out and "pass" in out and "FAIL" in out and "concept broke" in out
    assert "1 passed, 1 failed" in out


def test_run_one_and_unknown_lesson(lessons):
    assert cli.main(["lessons", "run", "1"]) == 0
    with pytest.raises(SystemExit, match=r"no lesson '9'; choose one of \[1, 2\]"):
        cli.main(["lessons", "run", "9"])


def test_real_lessons_are_listed(capsys):
    assert cli.main(["lessons"]) == 0
    assert "Autodiff from scratch" in capsys.readouterr().out
