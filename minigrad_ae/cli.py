"""The ``minigrad-ae`` command: list the lessons, run one, run them all with a pass/fail summary, make notebooks.

    minigrad-ae lessons                      # number, title and one-line summary of each lesson
    minigrad-ae lessons run 3 [--quick]      # run lesson 3 (figures in lessons/out/ unless --out)
    minigrad-ae lessons run 7 --seed 1 --data digits   # any other option goes to the lesson itself
    minigrad-ae lessons run all --quick      # run every lesson, then print pass/fail and times
    minigrad-ae lessons notebook 3|all [--dir DIR]     # write .ipynb notebooks (default: beside the lessons)
    minigrad-ae course list [--json]         # the exercises: id, lesson, track, points
    minigrad-ae course make-student DIR [--track autodiff | --only ID ...]   # a copy whose exercises are stubs
    minigrad-ae course grade DIR [--format table|json|gradescope|prairielearn] [--only ID ...] [--out FILE]
                                             # grade a submission; exit 0 only when every exercise passed
    minigrad-ae course gradescope-bundle OUT.zip [--only ID ... | --track T]   # Gradescope's autograder zip
    minigrad-ae course grade-all SUBMISSIONS_DIR --out gradebook.csv [--jobs N]  # a class, in parallel
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import time

from .course.grading.formats import FORMATS

LESSONS_DIR = pathlib.Path(__file__).resolve().parent.parent / "lessons"


def find_lessons(folder=None):
    """{number: path} of the lesson scripts ``NN_topic.py`` in ``folder`` (default: the repository's lessons/)."""
    folder = LESSONS_DIR if folder is None else folder
    if not folder.is_dir():
        raise SystemExit(user_error(f"no lessons folder at {folder}. The lessons live in the source checkout: "
                                    "install it with `pip install -e .` from a clone of the repository."))
    return {int(p.name[:2]): p for p in sorted(folder.glob("[0-9][0-9]_*.py"))}


def lesson_summary(path):
    """(title, first sentence) from the lesson's opening markdown cell: '# # Lesson 3 — Title' then prose."""
    lines = [line[2:].strip() for line in path.read_text(encoding="utf-8").splitlines()[1:12]
             if line.startswith("# ")]
    title = lines[0].lstrip("# ").split("—", 1)[-1].strip() if lines else path.stem
    prose = " ".join(line for line in lines[1:] if line and not line.startswith(("#", "    "))).replace("**", "")
    return title, prose.split(". ")[0].rstrip(".") + "." if prose else ""


def print_listing(found, width=None):
    """One row per lesson: number, title, summary; long titles and summaries wrap inside their columns."""
    width = width or shutil.get_terminal_size().columns
    rows = {number: lesson_summary(path) for number, path in found.items()}
    title_width = min(max(len(title) for title, _ in rows.values()), 32)
    summary_width = width - (3 + 2 + title_width + 2)
    if summary_width < 24:  # a narrow terminal: the summary goes under the title instead of beside it
        title_width, summary_width = max(width - 5, 20), 0
    for number, (title, summary) in rows.items():
        titles = textwrap.wrap(title, title_width)
        summaries = textwrap.wrap(summary, summary_width) if summary_width else []
        for i in range(max(len(titles), len(summaries))):
            left = f"{number:>3}" if i == 0 else "   "
            text = f"{left}  {titles[i] if i < len(titles) else '':<{title_width}}"
            print(f"{text}  {summaries[i]}".rstrip() if i < len(summaries) else text.rstrip())
        if not summary_width:
            print(textwrap.fill(summary, width, initial_indent=" " * 5, subsequent_indent=" " * 5))


def write_notebooks(found, which, folder):
    """Write lesson ``which`` (a number, or 'all') as a Jupyter notebook in ``folder``, with jupytext (the
    percent-format converter); returns the paths written."""
    try:
        import jupytext
    except ImportError:
        raise SystemExit(user_error("writing notebooks needs jupytext; install it with "
                                    "`pip install -e \".[notebook]\"` (or `pip install jupytext`).")) from None
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in (found.values() if which == "all" else [found[choose_lesson(found, which)]]):
        notebook = jupytext.read(path)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        target = folder / f"{path.stem}.ipynb"
        jupytext.write(notebook, target)
        written.append(target)
    return written


def choose_lesson(found, which):
    """The lesson number in ``which`` ('3'), or a clear exit naming the lessons there are."""
    if not which.isdigit() or int(which) not in found:
        raise SystemExit(user_error(f"no lesson {which!r}; choose one of {sorted(found)} or 'all'."))
    return int(which)


# What OpenBLAS, OpenMP and MKL builds of NumPy read for their thread counts, once, when NumPy loads.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread(environ):
    """``environ`` with one BLAS thread wherever the user did not choose a number.

    Lessons multiply small matrices: BLAS threads cost more than they give, and on a busy machine they made steps
    up to 25x slower (measured). A variable only counts if it is set before NumPy is imported: so in the lesson's
    process environment, not inside the lesson.
    """
    return {**environ, **{name: environ.get(name, "1") for name in BLAS_THREAD_VARIABLES}}


def run_lesson(path, extra_args, capture=False):
    """Run one lesson in a fresh Python process (one BLAS thread); returns (exit code, seconds, output or None)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(path), *extra_args], capture_output=capture, text=True,
                            env=one_blas_thread(os.environ))
    output = (result.stdout + result.stderr) if capture else None
    return result.returncode, time.perf_counter() - start, output


class OneLineErrors(argparse.ArgumentParser):
    """A parser whose usage errors are one line (and exit status 2), not the usage text and a line."""

    def error(self, message):
        raise SystemExit(user_error(f"{self.prog.removeprefix('minigrad-ae ')}: {message}"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="minigrad-ae", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    lessons = commands.add_parser("lessons", help="list or run the lessons")
    lesson_commands = lessons.add_subparsers(dest="action")
    run = lesson_commands.add_parser("run", help="run a lesson by number, or 'all'",
                                     epilog="Other options (--seed N, --data NAME, ...) go to the lesson itself.")
    run.add_argument("which", help="a lesson number (e.g. 3) or 'all'")
    run.add_argument("--quick", action="store_true", help="a few steps only")
    run.add_argument("--out", help="folder for the figures")
    notebook = lesson_commands.add_parser("notebook", help="write a lesson (or 'all') as a Jupyter notebook")
    notebook.add_argument("which", help="a lesson number (e.g. 3) or 'all'")
    notebook.add_argument("--dir", default=None, help="folder for the .ipynb files (default: the lessons folder)")
    course = commands.add_parser("course", help="instructors: list the exercises, make a student copy, grade it")
    course_commands = course.add_subparsers(dest="action", required=True, parser_class=OneLineErrors)
    listing = course_commands.add_parser("list", help="the exercises: id, lesson, track, points")
    listing.add_argument("--json", action="store_true", help="every field of every exercise, as JSON")
    make = course_commands.add_parser("make-student", help="write a student copy with the solutions taken out")
    make.add_argument("dir")
    make.add_argument("--track", choices=["autodiff", "autoencoder"], help="only the exercises of one track")
    make.add_argument("--only", nargs="+", metavar="ID", help="only these exercises (ids from `course list`)")
    grade = course_commands.add_parser("grade", help="grade a submission (exit 0 only when every exercise passed)")
    grade.add_argument("dir")
    grade.add_argument("--format", choices=FORMATS, default="table", help="table (default), json (this package's "
                       "schema, docs/grading.md), gradescope or prairielearn (their results.json)")
    grade.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    grade.add_argument("--out", help="write the report to this file (UTF-8) instead of printing it")
    bundle = course_commands.add_parser("gradescope-bundle", help="write the Gradescope autograder zip")
    bundle.add_argument("zip", help="the zip file to write, e.g. autograder.zip")
    grade_all = course_commands.add_parser("grade-all", help="grade one subfolder per student into a gradebook")
    grade_all.add_argument("dir", help="the folder holding one subfolder per student")
    grade_all.add_argument("--out", required=True, help="the gradebook CSV to write")
    grade_all.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: the cores)")
    for graded in (grade, bundle, grade_all):
        graded.add_argument("--only", nargs="+", metavar="ID", help="grade only these exercises")
        graded.add_argument("--track", choices=["autodiff", "autoencoder"], help="grade one track's exercises")
        graded.add_argument("--timeout", type=float, default=60, help="seconds allowed per exercise (default 60)")
        graded.add_argument("--memory-mb", type=int, default=2048, help="memory per exercise's process (default 2048)")
    args, lesson_options = parser.parse_known_args(argv)
    if lesson_options and (args.command, args.action) != ("lessons", "run"):
        if args.command == "course":
            raise SystemExit(user_error(f"unrecognized arguments: {' '.join(lesson_options)}"))
        parser.error(f"unrecognized arguments: {' '.join(lesson_options)}")
    if args.command == "course":
        return run_course(args)

    found = find_lessons()
    if args.action is None:
        print_listing(found)
        return 0
    if args.action == "notebook":
        for path in write_notebooks(found, args.which, args.dir or LESSONS_DIR):
            print(f"wrote {path}")
        return 0
    extra = (["--quick"] if args.quick else []) + (["--out", args.out] if args.out else []) + lesson_options
    if args.which != "all":
        return run_lesson(found[choose_lesson(found, args.which)], extra)[0]
    failures = 0
    for number, path in found.items():
        code, seconds, output = run_lesson(path, extra, capture=True)
        failures += code != 0
        print(f"{number:>3}  {path.stem:<36} {'pass' if code == 0 else 'FAIL'}  {seconds:6.1f} s", flush=True)
        if code != 0:
            print("     " + "\n     ".join(output.strip().splitlines()[-8:]))
    print(f"{len(found) - failures} passed, {failures} failed")
    return 1 if failures else 0


def run_course(args):
    from . import course
    if args.action == "list":
        return list_exercises(course.EXERCISES, args.json)
    if args.action == "make-student":
        try:
            ids = course.make_student(args.dir, only=args.only, track=args.track)
        except (ValueError, FileExistsError, FileNotFoundError) as err:
            raise SystemExit(user_error(str(err))) from None
        print(f"wrote a student copy to {args.dir} with {len(ids)} exercises: {', '.join(ids)}")
        return 0
    return run_grader(args)


def user_error(message):
    """One line on stderr and exit status 2: the command was given something it cannot use."""
    print(f"minigrad-ae: error: {message}", file=sys.stderr)
    return 2


def run_grader(args):
    """``course grade`` / ``gradescope-bundle`` / ``grade-all``; a bad folder or exercise id is a user error."""
    from .course.grading import grade, grade_all, gradescope
    from .course.grading.formats import render
    if args.timeout <= 0 or args.memory_mb < 256:
        return user_error("--timeout must be positive and --memory-mb at least 256 (numpy alone needs ~200 MB).")
    from .course.exercises import BY_ID
    unknown = [i for i in args.only or () if i not in BY_ID or not BY_ID[i].marked]
    if unknown:
        return user_error(f"no marked exercise {', '.join(unknown)}; `minigrad-ae course list` shows them.")
    limits = dict(only=args.only, track=args.track, timeout=args.timeout, memory_mb=args.memory_mb)
    try:
        if args.action == "gradescope-bundle":
            ids = gradescope.write_bundle(args.zip, **limits)
            print(f"wrote {args.zip}: grades {len(ids)} exercises ({', '.join(ids)})")
            return 0
        if args.action == "grade-all":
            rows, seconds = grade_all.grade_all(args.dir, args.out, jobs=args.jobs, **limits)
            print(f"wrote {args.out}: {len(rows)} submissions in {seconds:.1f} s, "
                  f"{60 * len(rows) / seconds:.1f} submissions/minute on {args.jobs or os.cpu_count()} workers")
            return 0
        report = grade(args.dir, **limits)
    except (FileNotFoundError, ValueError, OSError) as err:
        return user_error(str(err))
    text = render(report, args.format)
    if args.out:
        pathlib.Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0 if report["passed"] else 1


def list_exercises(exercises, as_json):
    """Print the exercises (round-2 ones, whose files have no markers yet, flagged 'not marked')."""
    if as_json:
        print(json.dumps([{**vars(e), "hints": list(e.hints), "check": e.check} for e in exercises], indent=1,
                         ensure_ascii=False))
        return 0
    print(f"{'exercise':<28}{'lesson':>6}  {'track':<12}{'points':>6}  where")
    for e in exercises:
        flag = "" if e.marked else "   (not marked yet: left out of copies)"
        print(f"{e.id:<28}{e.lesson:>6}  {e.track:<12}{e.points:>6}  {e.file}: {e.where}{flag}")
    marked = [e for e in exercises if e.marked]
    print(f"{len(exercises)} exercises ({len(marked)} marked), {sum(e.points for e in marked)} points in a full copy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
