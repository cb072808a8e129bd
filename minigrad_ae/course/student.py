"""``make_student``: a copy of the package and the lessons with every solution block taken out."""
import pathlib
import shutil

from .exercises import BY_ID, EXERCISES
from .markers import solution_blocks, strip_solutions

REPO = pathlib.Path(__file__).resolve().parents[2]
COPIED = ("minigrad_ae", "lessons", "setup.cfg", "pyproject.toml", "LICENSE")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "out", "course", "*.egg-info")


def make_student(destination, repo=REPO):
    """Write the student copy to ``destination``; returns the ids of the exercises it holds.

    Every ``.py`` file copied is stripped of its solution blocks (so no solution can hide in a file the
    registry forgot); the grader and its checks (``minigrad_ae/course``) are left out.
    """
    destination = pathlib.Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise FileExistsError(f"make-student: {destination} is not empty; choose a new folder so no earlier "
                              "copy (or a student's work) is overwritten.")
    for name in COPIED:
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=LEFT_OUT)
        else:
            shutil.copy2(source, destination / name)
    tasks = {e.id: e.task for e in EXERCISES}
    found = []
    for path in sorted(destination.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        blocks = solution_blocks(text, path)
        if blocks:
            path.write_text(strip_solutions(text, tasks, path), encoding="utf-8")
            found += [exercise_id for exercise_id, _, _ in blocks]
    missing = sorted(set(BY_ID) - set(found))
    if missing:
        raise ValueError(f"make-student: no solution block found for {missing}; add '# BEGIN SOLUTION <id>' "
                         "markers to the files named in minigrad_ae/course/exercises.py.")
    (destination / "EXERCISES.md").write_text(_exercise_sheet(), encoding="utf-8")
    return found


def _exercise_sheet():
    lines = ["# Exercises", "", "Each one is a `raise NotImplementedError(\"Exercise <id>: ...\")` in the file named.",
             "Replace it with your code, then ask your instructor to grade (`minigrad-ae course grade DIR`).",
             "Run the lessons against your copy with `PYTHONPATH=. python lessons/00_autodiff_from_scratch.py`.",
             "", "| id | file | task |", "|---|---|---|"]
    lines += [f"| `{e.id}` | `{e.path}` | {e.task} |" for e in EXERCISES]
    return "\n".join(lines) + "\n"
