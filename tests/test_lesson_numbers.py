"""tools/lesson_numbers.py: README sections rewritten from the lessons' JSON summaries, and --check that fails when
the README differs from them. Runs on a fixed set of summaries (tests/lesson_numbers_runs.json), never on lessons."""
import datetime
import importlib.util
import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("lesson_numbers", ROOT / "tools" / "lesson_numbers.py")
lesson_numbers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lesson_numbers)

RUN_DAY = datetime.datetime(2026, 12, 3, 16, 0, tzinfo=datetime.timezone.utc)
README = """# A project

Text the script must not touch: 0.41% and 1 min 54 s.

<!-- numbers:model-table -->
| model | stale |
<!-- /numbers -->

Between the sections.

<!-- numbers:lesson-table -->
| # | stale |
<!-- /numbers -->

<!-- numbers:lesson-times -->
Times: stale.
<!-- /numbers -->

The end.
"""


@pytest.fixture
def runs(tmp_path):
    """The fixture summaries as lessons/out/<lesson>.json files, all written on RUN_DAY."""
    folder = tmp_path / "runs"
    folder.mkdir()
    for stem, summary in json.loads((ROOT / "tests" / "lesson_numbers_runs.json").read_text("utf-8")).items():
        path = folder / f"{stem}.json"
        path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
        os.utime(path, (RUN_DAY.timestamp(), RUN_DAY.timestamp()))
    return folder


@pytest.fixture
def readme(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    return path


def run(readme, runs, *options):
    return lesson_numbers.main(["--readme", str(readme), "--runs", str(runs), *options])


def edit(runs, stem, change):
    """Rewrite one summary with ``change(summary)`` applied, keeping its date."""
    path = runs / f"{stem}.json"
    summary = json.loads(path.read_text("utf-8"))
    change(summary)
    path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    os.utime(path, (RUN_DAY.timestamp(), RUN_DAY.timestamp()))


def test_writes_every_section_from_the_runs_and_nothing_else(readme, runs, capsys):
    assert run(readme, runs, "--check") == 1  # stale
    assert readme.read_text("utf-8") == README  # --check never writes
    assert run(readme, runs) == 0
    text = readme.read_text("utf-8")
    outside = [part.split("<!-- /numbers -->")[-1] for part in text.split("<!-- numbers:")]
    assert outside == [part.split("<!-- /numbers -->")[-1] for part in README.split("<!-- numbers:")]
    # numbers as the fixture runs have them, each formatted as the README quotes it
    assert "reaches PCA's optimum (0.081% above, never below)" in text  # check value 0.000813 of lesson 2
    assert "| 0 | `00_autodiff_from_scratch.py` |" in text and "| 1.3 s |" in text  # lesson 0 ran 1.33 s
    assert "energy distance 2.46 → 0.080; prior samples themselves: 0.006" in text  # lesson 13's records
    assert "DAE error 0.25–0.28× the corrupted input's" in text  # the span over lesson 5's three corruptions
    assert "2026-12-03" in text
    assert text.count("| 2 | `02_linear_autoencoder.py`") == 1
    capsys.readouterr()
    assert run(readme, runs, "--check") == 0
    assert "match the runs" in capsys.readouterr().out


def test_check_fails_and_shows_the_line_when_one_number_changes(readme, runs, capsys):
    assert run(readme, runs) == 0
    edit(runs, "13_adversarial_autoencoder",
         lambda summary: summary["numbers"].update({"energy distance to the prior, AAE codes": 0.054}))
    capsys.readouterr()
    assert run(readme, runs, "--check") == 1
    out = capsys.readouterr().out
    assert "-| `AdversarialAutoencoder`" in out and "→ 0.080;" in out and "→ 0.054;" in out
    assert "run `python tools/lesson_numbers.py` to update it" in out


def test_a_changed_run_time_changes_the_table_and_the_total(readme, runs):
    assert run(readme, runs) == 0
    before = readme.read_text("utf-8")
    edit(runs, "03_undercomplete_autoencoder", lambda summary: summary.update(seconds=summary["seconds"] + 60))
    assert run(readme, runs) == 0
    after = readme.read_text("utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == 2  # lesson 3's row and the line with the total
    assert changed[0].startswith("| 3 |") and changed[0].endswith("| 130.7 s |")  # 70.74 s + 60 s
    assert "22 min 1 s for all 25" in before and "23 min 1 s for all 25" in changed[1]


@pytest.mark.parametrize("change, message", [
    (lambda summary: summary.update(quick=True), "it was a --quick run"),
    (lambda summary: summary.update(seed=1), "it ran with seed 1, not 0"),
    (lambda summary: summary["checks"][0].update(passed=False), "its checks failed"),
])
def test_refuses_numbers_from_a_run_the_readme_must_not_quote(readme, runs, capsys, change, message):
    edit(runs, "11_anomaly_detection", change)
    assert run(readme, runs) == 2
    err = capsys.readouterr().err
    assert "lesson 11: 11_anomaly_detection.json cannot be quoted" in err and message in err
    assert "minigrad-ae lessons run 11" in err
    assert readme.read_text("utf-8") == README


def test_a_missing_number_names_the_lesson_and_what_it_has(readme, runs, capsys):
    edit(runs, "04_sparse_autoencoder", lambda summary: summary["numbers"].pop("mean activation, β = 3"))
    assert run(readme, runs) == 2
    err = capsys.readouterr().err
    assert "lesson 4 has no recorded number 'mean activation, β = 3'" in err and "mean activation, β = 0" in err


def test_a_lesson_without_a_row_a_missing_run_and_no_runs_are_errors(readme, runs, capsys):
    (runs / "25_new_lesson.json").write_text((runs / "14_vq_vae.json").read_text("utf-8"), "utf-8")
    assert run(readme, runs) == 2
    assert "lesson(s) [25] ran but have no row in the lesson table" in capsys.readouterr().err
    (runs / "25_new_lesson.json").unlink()
    (runs / "14_vq_vae.json").unlink()
    assert run(readme, runs) == 2
    assert "lesson 14: no run in" in capsys.readouterr().err
    assert run(readme, runs.parent / "missing") == 2
    assert "no lesson runs in" in capsys.readouterr().err
    assert readme.read_text("utf-8") == README


def test_an_unknown_section_or_none_at_all_is_an_error(readme, runs, capsys):
    readme.write_text(README.replace("numbers:lesson-times", "numbers:lesson-tmies"), encoding="utf-8")
    assert run(readme, runs) == 2
    assert "<!-- numbers:lesson-tmies --> has no template" in capsys.readouterr().err
    readme.write_text("# no sections\n", encoding="utf-8")
    assert run(readme, runs) == 2


def test_duration_and_span():
    assert lesson_numbers.duration(9.64) == "9.6 s" and lesson_numbers.duration(114.3) == "1 min 54 s"
    assert lesson_numbers.span([0.2519, 0.2807, 0.2836], ".2f") == "0.25–0.28"
    assert lesson_numbers.span([0.961, 0.964], ".2f") == "0.96"
    assert lesson_numbers.span([0.9444, 0.9611], ".1%") == "94.4–96.1%"
