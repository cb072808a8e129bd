"""``make_student``: a copy of the package, the lessons and the tests in which the chosen exercises' solutions are
stubs that call slow stand-ins — a copy that runs end to end before anything is solved and shows no solution.

The sources are the repository when the package runs from one (an editable install, PYTHONPATH), else the
course kit that a regular install ships inside the package (``minigrad_ae/course/kit``, written by setup.py).
The copy is built in a temporary folder beside the destination, searched for leaks, and only then renamed into
place: on any failure nothing is left behind.
"""
import json
import pathlib
import re
import shutil
import tempfile

from ..stand_ins.blocks import MANIFEST
from .exercises import BY_ID, select
from .leaks import find_leaks, secrets
from .markers import solution_blocks, stub_codes, student_text

PACKAGE = pathlib.Path(__file__).resolve().parents[1]   # minigrad_ae/
REPO = PACKAGE.parent                                    # the repository, when running from one
KIT = PACKAGE / "course" / "kit"                         # a regular install's copy of what make-student needs
ROOT_FILES = ("setup.cfg", "pyproject.toml", "LICENSE")
PACKAGE_DATA = {".py", ".npz", ".md", ".txt", ".json", ".csv"}   # nothing else is copied: no caches, notebooks, builds
# tests of what a copy does not hold: the course kit (the grader) and the site (docs/, which a copy leaves out)
INSTRUCTOR_TESTS = ("test_course", "test_grader", "test_docs_tools", "test_site")


def sources():
    """The folder holding lessons/, tests/ and the packaging files: the repository, else the installed kit."""
    for root in (REPO, KIT):
        if (root / "lessons").is_dir() and (root / "tests").is_dir() and all((root / n).is_file() for n in ROOT_FILES):
            return root
    raise FileNotFoundError(f"make-student: found neither a repository beside {PACKAGE} nor the course kit in {KIT}; "
                            "reinstall minigrad_ae (pip install .) or run from a clone (pip install -e .).")


def make_student(destination, only=None, track=None):
    """Write the student copy to ``destination`` (a new or empty folder); returns the ids of its exercises.

    ``only``: exercise ids to include; ``track``: 'autodiff' or 'autoencoder'; default: every marked exercise.
    The other exercises' solutions stay in the copy as plain code. The grader (``minigrad_ae/course``) is left out.
    """
    selected = {e.id: e for e in select(only, track)}
    if not selected:
        raise ValueError(f"make-student: no exercise matches only={only!r}, track={track!r}.")
    destination = pathlib.Path(destination).resolve()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise FileExistsError(f"make-student: {destination} exists and is not an empty folder; choose a new folder "
                              "so no earlier copy (or a student's work) is overwritten.")
    source = sources()
    destination.parent.mkdir(parents=True, exist_ok=True)
    building = pathlib.Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        instructor_texts = _write_copy(building, source, selected)
        found = {i for text in instructor_texts.values() for i, _, _ in solution_blocks(text) if i in selected}
        missing = sorted(set(selected) - found)
        if missing:
            raise ValueError(f"make-student: no solution block found for {missing}; add '# BEGIN SOLUTION <id>' "
                             "markers to the files named in minigrad_ae/course/exercises.py.")
        leaks = find_leaks(building, secrets(instructor_texts, selected))
        if leaks:
            raise ValueError("make-student: solution text would reach the copy:\n" + "\n".join(
                f"  {path}: {exercise_id}: {fragment!r}" for path, exercise_id, fragment in leaks))
        if destination.exists():
            destination.rmdir()
        building.rename(destination)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return [e for e in selected]


def _write_copy(folder, source, selected):
    """Write every file of the copy into ``folder``; returns {path: instructor text} of the Python files."""
    texts = {}
    copies = [(p, pathlib.Path("minigrad_ae") / p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*")
              if p.suffix in PACKAGE_DATA and _shipped(p.relative_to(PACKAGE))]
    copies += [(p, pathlib.Path("lessons") / p.name) for p in (source / "lessons").glob("*.py")]
    copies += [(p, pathlib.Path("tests") / p.name) for p in (source / "tests").glob("*.py")
               if not p.name.startswith(INSTRUCTOR_TESTS)]
    copies += [(source / name, pathlib.Path(name)) for name in ROOT_FILES]
    for origin, relative in copies:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.suffix == ".py":
            texts[relative] = origin.read_text(encoding="utf-8")
            target.write_text(student_text(texts[relative], selected, BY_ID, relative), encoding="utf-8")
        else:
            shutil.copyfile(origin, target)
    shutil.copyfile(pathlib.Path(__file__).with_name("copy_conftest.py"), folder / "conftest.py")
    (folder / MANIFEST).write_text(json.dumps(manifest(selected), indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    (folder / "EXERCISES.md").write_text(exercise_sheet(selected, source), encoding="utf-8")
    (folder / "README.md").write_text(README, encoding="utf-8")
    return texts


def _shipped(relative):
    """False for the grader (course/), caches and build leftovers inside the package folder."""
    parts = relative.parts
    return parts[0] != "course" and not any(p == "__pycache__" or p.endswith(".egg-info") for p in parts)


def manifest(selected):
    """The copy's exercises.json: what the copy's test suite and a reader need, without the checks."""
    return {e.id: {"lesson": e.lesson, "track": e.track, "points": e.points, "file": e.file, "where": e.where,
                   "task": e.task, "hints": list(e.hints), "stubs": stub_codes(e)} for e in selected.values()}


def lesson_titles(source):
    """{lesson number: title} from each lesson's first heading, '# # Lesson 3 — Title'."""
    titles = {}
    for path in sorted((source / "lessons").glob("[0-9][0-9]_*.py")):
        heading = re.search(r"^# # Lesson \d+ — (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        titles[int(path.name[:2])] = heading[1].strip() if heading else path.stem
    return titles


def exercise_sheet(selected, source):
    """EXERCISES.md: how to work, then each exercise by lesson: id, track, points, file, task, hints."""
    exercises = list(selected.values())
    lines = ["# Exercises", "", f"{len(exercises)} exercises, {sum(e.points for e in exercises)} points.",
             "", INSTRUCTIONS]
    titles = lesson_titles(source)
    for lesson in sorted({e.lesson for e in exercises}):
        lines += ["", f"## Lesson {lesson} — {titles.get(lesson, '')}".rstrip(" —")]
        for e in (e for e in exercises if e.lesson == lesson):
            lines += ["", f"### `{e.id}` — {e.track} track, {e.points} point{'s' * (e.points > 1)}", "",
                      f"`{e.file}`, {e.where}.", "", e.task, ""]
            lines += [f"- Hint: {hint}" for hint in e.hints]
    return "\n".join(lines) + "\n"


INSTRUCTIONS = """\
Each exercise is a block in the file named:

    # BEGIN EXERCISE <id>
    # ...
    (a stub that calls a slow stand-in)
    # END EXERCISE

Replace the stub with your code, between the two marker lines, and keep the markers: the grader reads your
answer from them. Until you do, everything runs anyway: the stand-in gets the same result another way (finite
differences, autodiff, a slower method) and prints `Exercise <id> is not solved yet: using a slow stand-in`.
The stand-ins are in `minigrad_ae/stand_ins/`; copying one does not answer the task.

- Run a lesson: `python lessons/00_autodiff_from_scratch.py` (add `--quick` for a short run).
- Test one exercise: `python -m pytest -m <id>`: its tests are skipped ('not solved yet') until you change
  its block; `python -m pytest` runs everything.
- A lesson's own check of an exercise says 'not solved yet' until you solve it."""

README = """\
# minigrad_ae — your copy

Learn autoencoders by building them: this is the minigrad_ae package with some of its code left for you to
write. The exercises, with their tasks and hints, are in **EXERCISES.md**.

Set up (Python ≥ 3.10, in a virtual environment if you like):

```bash
pip install -e ".[test]"
python lessons/00_autodiff_from_scratch.py      # a lesson; figures go to lessons/out/
python -m pytest -m mul_backward                # the tests of one exercise
```

Everything runs before you solve anything: each unsolved exercise uses a slow stand-in and says so once.
"""
