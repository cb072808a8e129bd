"""Every lesson runs headless with --quick, exits 0 (its own assertions held) and writes its figures."""
import os
import pathlib
import subprocess
import sys

import pytest

LESSONS = sorted(pathlib.Path(__file__).resolve().parent.parent.joinpath("lessons").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_quick_and_saves_figures(lesson, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, str(lesson), "--quick", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]  # Checks.assert_all() held
    pngs = list(tmp_path.glob("*.png"))
    assert pngs and all(p.stat().st_size > 2000 for p in pngs)
