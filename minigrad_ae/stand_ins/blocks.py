"""Exercise blocks: the lines between ``# BEGIN EXERCISE <id>`` and ``# END EXERCISE`` in a student copy.

A block holds the student's answer. Untouched, it holds a stub that calls a stand-in; an exercise whose every
block still holds one of its stubs is not solved yet. The copy's ``exercises.json`` lists each exercise's
stubs (and its task), so the copy's test suite can skip the tests of unsolved exercises; the grader reads a
submission's answers from the markers alone.
"""
import json
import pathlib
import re

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN EXERCISE (?P<id>[\w.-]+)[ \t]*$")
END = re.compile(r"^[ \t]*# END EXERCISE[ \t]*$")
MANIFEST = "exercises.json"
SEARCHED = ("minigrad_ae", "lessons")   # the folders of a copy that hold exercise blocks


def find_blocks(text, path="<text>", begin=BEGIN, end=END, name="BEGIN EXERCISE"):
    """[(id, first line, last line)] of every block (0-based line numbers, markers included), in file order.
    ``begin``/``end``/``name`` default to the exercise markers; the course kit passes the solution markers."""
    blocks, open_block = [], None
    for number, line in enumerate(text.splitlines()):
        opening = begin.match(line)
        if opening:
            if open_block:
                raise ValueError(f"{path}:{number + 1}: {name} {opening['id']} inside the still open block "
                                 f"{open_block[0]} (line {open_block[1] + 1}); close that one first.")
            open_block = (opening["id"], number)
        elif end.match(line):
            if not open_block:
                raise ValueError(f"{path}:{number + 1}: an END marker without a # {name} <id> before it.")
            blocks.append((*open_block, number))
            open_block = None
    if open_block:
        raise ValueError(f"{path}:{open_block[1] + 1}: {name} {open_block[0]} is never closed (add its END line).")
    return blocks


def code_of(lines):
    """A block's code: its lines stripped, without blank lines and comment lines (what says whether it changed)."""
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def answers(root):
    """{exercise id: [code of each of its blocks, in file order]} of a copy or submission at ``root``."""
    found = {}
    for folder in SEARCHED:
        for path in sorted((pathlib.Path(root) / folder).rglob("*.py")):
            if "course" in path.relative_to(root).parts[1:2]:
                continue   # the instructor's course kit (not in a copy) quotes the markers in its texts
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            for exercise_id, first, last in find_blocks(text, path=path):
                found.setdefault(exercise_id, []).append(code_of(lines[first + 1:last]))
    return found


def manifest(root):
    """The copy's exercises.json: {exercise id: its lesson, track, points, file, task, hints, stubs}; {} elsewhere."""
    path = pathlib.Path(root) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def unsolved(root, stubs=None):
    """The ids of the exercises at ``root`` whose blocks all still hold a stub (``stubs``: {id: [stub code, …]};
    default: the copy's own ``exercises.json``). An empty set outside a student copy."""
    if stubs is None:
        stubs = {key: entry["stubs"] for key, entry in manifest(root).items()}
    return {exercise_id for exercise_id, blocks in answers(root).items()
            if exercise_id in stubs and all(block in stubs[exercise_id] for block in blocks)}
