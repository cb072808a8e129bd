"""The minigrad-ae command: list lessons, run one (passing its options through), run all with a pass/fail summary,
write notebooks."""
import sys

import nbformat
import pytest

from minigrad_ae import cli

PASSING = '# %% [markdown]\n# # Lesson 1 — Passing\n#\n# It works. More text.\n\n# %%\nprint("ok")\n'
FAILING = '# %% [markdown]\n# # Lesson 2 — Failing\n#\n# It breaks.\n\n# %%\nassert False, "concept broke"\n'
ECHO = ('# %% [markdown]\n# # Lesson 3 — An uncommonly long title that cannot fit in the title column of the '
        'listing\n#\n# It prints its options, which are many words long so that the summary must wrap too.\n\n'
        '# %%\nimport sys\nprint("options:", sys.argv[1:])\n')


@pytest.fixture
def lessons(tmp_path, monkeypatch):
    (tmp_path / "01_passing.py").write_text(PASSING)
    (tmp_path / "02_failing.py").write_text(FAILING)
    (tmp_path / "03_echo.py").write_text(ECHO)
    monkeypatch.setattr(cli, "LESSONS_DIR", tmp_path)
    return tmp_path


def test_list_shows_number_title_and_summary(lessons, capsys):
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert "1  Passing" in out and "It works." in out and "More text" not in out
    assert "2  Failing" in out


@pytest.mark.parametrize("width", [40, 60, 100])
def test_list_wraps_long_titles_and_summaries_to_the_terminal(lessons, capsys, width):
    cli.print_listing(cli.find_lessons(lessons), width=width)
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= width
    words = set(" ".join(lines).split())  # wrapped in two columns: every word is there, whatever the line
    assert set("An uncommonly long title that cannot fit in the title column of the listing".split()) <= words
    assert set("It prints its options, which are many words long so that the summary must wrap too.".split()) <= words


def test_run_all_prints_a_summary_and_fails_if_any_lesson_fails(lessons, capsys):
    assert cli.main(["lessons", "run", "all", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "01_passing" in out and "pass" in out and "FAIL" in out and "concept broke" in out
    assert "2 passed, 1 failed" in out


def test_run_one_and_unknown_lesson(lessons):
    assert cli.main(["lessons", "run", "1"]) == 0
    with pytest.raises(SystemExit, match=r"no lesson '9'; choose one of \[1, 2, 3\]"):
        cli.main(["lessons", "run", "9"])


def test_run_passes_the_lesson_its_own_options(lessons, capfd):
    assert cli.main(["lessons", "run", "3", "--seed", "1", "--data", "digits", "--quick"]) == 0
    assert "options: ['--quick', '--seed', '1', '--data', 'digits']" in capfd.readouterr().out


def test_other_commands_still_refuse_unknown_options(lessons, capsys):
    for argv in (["lessons", "--seed", "1"], ["lessons", "notebook", "1", "--seed", "1"],
                 ["course", "grade", "somewhere", "--jsn"]):
        with pytest.raises(SystemExit):
            cli.main(argv)
        assert "error:" in capsys.readouterr().err


def test_notebook_writes_one_ipynb_per_lesson_with_its_cells(lessons, tmp_path, capsys):
    assert cli.main(["lessons", "notebook", "all", "--dir", str(tmp_path / "nb")]) == 0
    written = sorted((tmp_path / "nb").glob("*.ipynb"))
    assert [p.name for p in written] == ["01_passing.ipynb", "02_failing.ipynb", "03_echo.ipynb"]
    notebook = nbformat.read(written[0], as_version=4)
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "code"]
    assert notebook.cells[0].source.startswith("# Lesson 1 — Passing") and notebook.cells[1].source == 'print("ok")'
    assert notebook.metadata.kernelspec.name == "python3"
    assert cli.main(["lessons", "notebook", "1"]) == 0  # default folder: beside the lessons
    assert (lessons / "01_passing.ipynb").is_file()


def test_notebook_without_jupytext_says_how_to_install_it(lessons, monkeypatch):
    monkeypatch.setitem(sys.modules, "jupytext", None)  # as if it were not installed
    with pytest.raises(SystemExit, match=r'pip install -e "\.\[notebook\]"'):
        cli.main(["lessons", "notebook", "1"])


def test_real_lessons_are_listed(capsys):
    assert cli.main(["lessons"]) == 0
    assert "Autodiff from scratch" in capsys.readouterr().out
