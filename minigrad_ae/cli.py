"""The ``minigrad-ae`` command: list the lessons, run one, run them all with a pass/fail summary, make notebooks.

    minigrad-ae lessons                      # number, title and one-line summary of each lesson
    minigrad-ae lessons run 3 [--quick]      # run lesson 3 (figures in lessons/out/ unless --out)
    minigrad-ae lessons run 7 --seed 1 --data digits   # any other option goes to the lesson itself
    minigrad-ae lessons run all --quick      # run every lesson, then print pass/fail and times
    minigrad-ae lessons notebook 3|all [--dir DIR]     # write .ipynb notebooks (default: beside the lessons)
    minigrad-ae course make-student DIR      # a copy with every solution replaced by an exercise
    minigrad-ae course grade DIR [--json]    # check a student's copy, one process per exercise
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

LESSONS_DIR = pathlib.Path(__file__).resolve().parent.parent / "lessons"


def find_lessons(folder=None):
    """{number: path} of the lesson scripts ``NN_topic.py`` in ``folder`` (default: the repository's lessons/)."""
    folder = LESSONS_DIR if folder is None else folder
    if not folder.is_dir():
        raise SystemExit(f"minigrad-ae: no lessons folder at {folder}. The lessons live in the source checkout: "
                         "install it with `pip install -e .` from a clone of the repository.")
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
        raise SystemExit("minigrad-ae: writing notebooks needs jupytext; install it with "
                         "`pip install -e \".[notebook]\"` (or `pip install jupytext`).") from None
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
        raise SystemExit(f"minigrad-ae: no lesson {which!r}; choose one of {sorted(found)} or 'all'.")
    return int(which)


def run_lesson(path, extra_args, capture=False):
    """Run one lesson in a fresh Python process; returns (exit code, seconds, output or None)."""
    start = time.perf_counter()
    # Lessons multiply small matrices: OpenBLAS's threads cost more than they give, and on a busy machine
    # they made steps up to 25x slower (measured). One BLAS thread, unless the user chose otherwise.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    result = subprocess.run([sys.executable, str(path), *extra_args], capture_output=capture, text=True, env=env)
    output = (result.stdout + result.stderr) if capture else None
    return result.returncode, time.perf_counter() - start, output


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
    course = commands.add_parser("course", help="instructors: make a student copy, grade it")
    course_commands = course.add_subparsers(dest="action", required=True)
    make = course_commands.add_parser("make-student", help="write a student copy with the solutions taken out")
    make.add_argument("dir")
    grade = course_commands.add_parser("grade", help="grade a student copy")
    grade.add_argument("dir")
    grade.add_argument("--json", action="store_true", help="print the report as JSON (for an LMS)")
    grade.add_argument("--timeout", type=float, default=60, help="seconds allowed per exercise (default 60)")
    args, lesson_options = parser.parse_known_args(argv)
    if lesson_options and (args.command, args.action) != ("lessons", "run"):
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
    if args.action == "make-student":
        ids = course.make_student(args.dir)
        print(f"wrote a student copy to {args.dir} with {len(ids)} exercises: {', '.join(ids)}")
        return 0
    report = course.grade(args.dir, timeout=args.timeout)
    print(json.dumps(report, indent=2) if args.json else course.format_table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
