"""Solution blocks in the instructor's tree, and what a student copy puts in their place.

    # BEGIN SOLUTION <id>        (any indentation)
    ...the solution...
    # END SOLUTION

``student_text`` turns a file's text into the copy's: each block of a selected exercise becomes ``# BEGIN
EXERCISE <id>`` / a stub that calls a stand-in / ``# END EXERCISE``, at the block's indentation. A block of
comments only (a lesson's derivation, in a markdown cell) becomes one comment line with no markers: there is
nothing to grade in it; nor in a module-level block of an exercise with a ``module_stub``, which becomes that
code. The blocks of exercises the copy does not hold keep their solution, without markers.
"""
import re

from ..stand_ins.blocks import code_of, find_blocks
from .exercises import backward_stub

BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION (?P<id>[\w.-]+)[ \t]*$")
END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
DEF = re.compile(r"^(?P<indent>[ \t]*)def (?P<name>\w+)\(")


def solution_blocks(text, path="<text>"):
    """[(id, first line, last line)] of every solution block (0-based line numbers, markers included)."""
    return find_blocks(text, path, BEGIN, END, "BEGIN SOLUTION")


def is_text(lines):
    """True for a block of comments and blank lines only: prose (a lesson's markdown), not code."""
    return all(not line.strip() or line.strip().startswith("#") for line in lines)


def enclosing_function(lines, first):
    """The name of the innermost ``def`` around line ``first`` (None at module level)."""
    indent = len(lines[first]) - len(lines[first].lstrip())
    for line in reversed(lines[:first]):
        found = DEF.match(line)
        if found and len(found["indent"]) < indent:
            return found["name"]
        if line.strip() and not line.startswith((" ", "\t")) and not line.lstrip().startswith(("#", "@")):
            return None   # reached module-level code: the block is not inside a function
    return None


def is_twin(exercise, lines, first):
    """Whether the block starting at line ``first`` is a module-level block of an exercise with a ``module_stub``
    (a compiled twin of the answer): the copy holds plain code there, nothing to grade."""
    indent = BEGIN.match(lines[first])["indent"]
    return not indent and bool(exercise.module_stub) and enclosing_function(lines, first) is None


def stub_for(exercise, lines, first, path):
    """The stub code of the block starting at line ``first``: the generic one inside an op's ``backward``."""
    if enclosing_function(lines, first) == "backward":
        return backward_stub(exercise.id)
    if not exercise.stub:
        raise ValueError(f"{path}:{first + 1}: the block of {exercise.id} is not inside a backward(ctx, g) and "
                         "its registry entry has no stub; give it one in minigrad_ae/course/exercises.py.")
    return exercise.stub


def stub_codes(exercise):
    """Every stub an untouched block of ``exercise`` can hold, as ``blocks.code_of`` sees it."""
    return [code_of(backward_stub(exercise.id).splitlines())] + (
        [code_of(exercise.stub.splitlines())] if exercise.stub else [])


def student_text(text, selected, registry, path="<text>"):
    """The copy's version of a file: blocks of ``selected`` exercises ({id: Exercise}) become exercise blocks, the
    other blocks keep their code without markers. ``registry``: {id: Exercise} of every exercise; a marker with an
    unknown id, or of an exercise still flagged ``marked=False``, is an error naming the place."""
    lines = text.splitlines(keepends=True)
    for exercise_id, first, last in reversed(solution_blocks(text, path)):
        if exercise_id not in registry:
            raise ValueError(f"{path}:{first + 1}: unknown exercise id {exercise_id!r}; add it to "
                             "minigrad_ae/course/exercises.py or fix the marker.")
        if not registry[exercise_id].marked:
            raise ValueError(f"{path}:{first + 1}: {exercise_id} has solution markers but marked=False in "
                             "minigrad_ae/course/exercises.py; set marked=True.")
        inside = lines[first + 1:last]
        if exercise_id not in selected:
            lines[first:last + 1] = inside
            continue
        indent = BEGIN.match(lines[first])["indent"]
        if is_twin(selected[exercise_id], lines, first):
            lines[first:last + 1] = [f"{line}\n" for line in selected[exercise_id].module_stub.splitlines()]
            continue
        if is_text(inside):
            lines[first:last + 1] = [f"{indent}# (Exercise {exercise_id}: work this out yourself; the task is in "
                                     "EXERCISES.md.)\n"]
            continue
        stub = stub_for(selected[exercise_id], lines, first, path).splitlines()
        lines[first:last + 1] = [f"{indent}# BEGIN EXERCISE {exercise_id}\n",
                                 f"{indent}# Exercise {exercise_id} (EXERCISES.md has the task): replace the "
                                 "slow stand-in below with your code.\n",
                                 *[f"{indent}{line}\n" for line in stub],
                                 f"{indent}# END EXERCISE\n"]
    return "".join(lines)
