"""Splicing: one exercise's answer from a submission, put into the instructor's files — and nothing else of it.

For exercise E, every instructor file that holds a code block of E (between ``# BEGIN SOLUTION E`` / ``# END
SOLUTION``) is paired with the submission's file of the same path (or, for an upload of loose files, the one
file of the same name), and its k-th code block of E replaced by the submission's k-th block of E (``# BEGIN
EXERCISE E`` / ``# END EXERCISE``, or solution markers when the submission is an instructor's tree), re-indented
to the instructor's. Prose blocks (comments only) are not graded and stay as they are.

Before anything runs, the spliced files must compile, keep every ``def`` of the instructor's block with its
parameters, and pass ``screen``: a block that imports or reaches what no answer needs (``os``, ``open``,
dunder attributes, frames, assigning into a module) is refused, because inside the check's process such code
could tamper with the check (see ``sandbox``'s docstring for what that process defends).
"""
import ast
import pathlib
import threading
from dataclasses import dataclass, field

from ...stand_ins.blocks import BEGIN as EXERCISE_BEGIN, END as EXERCISE_END, code_of, find_blocks
from ..exercises import BY_ID
from ..markers import BEGIN as SOLUTION_BEGIN, END as SOLUTION_END, is_text, is_twin, solution_blocks, stub_codes

# CPython 3.11's parser is not thread-safe: grade-all's threads parsing at once raised "SystemError: AST
# constructor recursion depth mismatch". Every parse and compile of the grader holds this lock.
PARSING = threading.Lock()


def parse(text):
    """``ast.parse(text)``, one thread at a time."""
    with PARSING:
        return ast.parse(text)

ALLOWED_IMPORTS = {"numpy", "math", "minigrad_ae", "functools", "itertools", "operator", "collections", "typing",
                   "numbers", "dataclasses"}
BANNED_NAMES = {"open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr",
                "delattr", "breakpoint", "input", "memoryview", "help", "exit", "quit"}
BANNED_ATTRIBUTES = {"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "tb_next", "gi_frame",
                     "cr_frame", "ag_frame", "ctypeslib", "memmap", "fromfile", "tofile", "save", "savez",
                     "savez_compressed", "savetxt", "load", "loadtxt", "genfromtxt", "DataSource", "lib", "testing"}


class NotAttempted(Exception):
    """The submission holds no answer to grade for this exercise (missing block, or the stub still in it)."""


class Refused(Exception):
    """The answer cannot be run: it does not compile, lost a signature, or reaches outside the exercise.
    ``status`` is 'does not compile' or 'failed'; the message names the submission's file and line."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclass
class Block:
    """Where one spliced block sits: its lines in the spliced file (1-based, inclusive) and in the submission."""
    path: str            # relative to the tree, e.g. minigrad_ae/autodiff/ops.py
    first: int           # first line of the student's code in the spliced file
    last: int
    submission: str      # the submission's file, relative to the submission folder
    submission_first: int  # the submission's line number of the block's first code line
    lines: list = field(default_factory=list)   # the student's lines, as in the submission

    def submission_line(self, spliced_line):
        """The submission's line number of ``spliced_line``, or None outside this block."""
        if self.first <= spliced_line <= self.last:
            return self.submission_first + spliced_line - self.first
        return None

    def text_at(self, spliced_line):
        return self.lines[spliced_line - self.first].strip()


def instructor_blocks(texts, exercise_id):
    """{path: [(first, last)] of the code blocks of ``exercise_id``} in the instructor's ``texts`` ({path: text}),
    without the compiled twins a copy holds as plain code (they stay the instructor's)."""
    found = {}
    for path, text in texts.items():
        lines = text.splitlines()
        for block_id, first, last in solution_blocks(text, path):
            if block_id == exercise_id and not is_text(lines[first + 1:last]) and not is_twin(BY_ID[block_id], lines,
                                                                                                first):
                found.setdefault(path, []).append((first, last))
    return found


def locate(submission, path):
    """The submission's file for the instructor's ``path``: the same path, else the one file of that name. A
    link that leads out of the submission (say, to the instructor's installed solution) does not count."""
    inside = submission.resolve()
    exact = submission / path
    found = [exact] if exact.is_file() else [p for p in submission.rglob(pathlib.PurePath(path).name) if p.is_file()]
    found = [p for p in found if p.resolve().is_relative_to(inside)]
    return found[0] if len(found) == 1 else None


def submission_blocks(submission_file, exercise_id):
    """[(first, last)] of the blocks of ``exercise_id`` in a submission file (exercise markers, else solution
    markers), with the file's lines; a file that is not UTF-8 or whose markers do not pair is refused."""
    relative = submission_file.name
    try:
        text = submission_file.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as err:
        raise Refused("does not compile", f"{relative}: cannot be read as UTF-8 text ({err}).") from None
    for begin, end, name in ((EXERCISE_BEGIN, EXERCISE_END, "BEGIN EXERCISE"),
                             (SOLUTION_BEGIN, SOLUTION_END, "BEGIN SOLUTION")):
        try:
            blocks = [(first, last) for block_id, first, last in find_blocks(text, relative, begin, end, name)
                      if block_id == exercise_id]
            if begin is SOLUTION_BEGIN:   # an instructor's tree: its prose blocks and compiled twins are not answers
                lines = text.splitlines()
                blocks = [(first, last) for first, last in blocks if not is_text(lines[first + 1:last])
                          and not is_twin(BY_ID[exercise_id], lines, first)]
        except ValueError as err:
            raise Refused("does not compile", f"the exercise markers do not pair: {err}") from None
        if blocks:
            return blocks, text.splitlines()
    return [], text.splitlines()


def reindent(lines, old, new):
    """``lines`` moved from indentation ``old`` (the submission's markers) to ``new`` (the instructor's)."""
    return [new + (line[len(old):] if line.startswith(old) else line.lstrip()) if line.strip() else ""
            for line in lines]


def splice(texts, submission, exercise):
    """({path: spliced text}, [Block]) for ``exercise``: the instructor's ``texts`` with the submission's blocks
    of it put in. Raises NotAttempted or Refused (with the file and line) before anything runs."""
    submission = pathlib.Path(submission)
    spliced, placed, answers = {}, [], []
    for path, blocks in instructor_blocks(texts, exercise.id).items():
        found = locate(submission, path)
        if found is None:
            raise NotAttempted(f"no file {path} in the submission")
        theirs, their_lines = submission_blocks(found, exercise.id)
        shown = found.relative_to(submission).as_posix()
        if len(theirs) != len(blocks):
            raise NotAttempted(f"{shown} holds {len(theirs)} block(s) of {exercise.id}, expected {len(blocks)}: keep "
                               f"the '# BEGIN EXERCISE {exercise.id}' / '# END EXERCISE' lines")
        lines, shift = texts[path].splitlines(), 0   # shift: lines added so far by longer (or shorter) answers
        for (first, last), (their_first, their_last) in zip(blocks, theirs):
            first, last = first + shift, last + shift
            inside = their_lines[their_first + 1:their_last]
            answers.append(code_of(inside))
            indent = SOLUTION_BEGIN.match(lines[first])["indent"]
            their_indent = their_lines[their_first][:len(their_lines[their_first]) -
                                                    len(their_lines[their_first].lstrip())]
            lines[first + 1:last] = reindent(inside, their_indent, indent)
            placed.append(Block(path, first + 2, first + 1 + len(inside), shown, their_first + 2, inside))
            shift += len(inside) - (last - first - 1)
        spliced[path] = "\n".join(lines) + "\n"
    if not spliced:
        raise ValueError(f"grade: the instructor's files hold no code block of {exercise.id}; check its markers.")
    if all(answer in stub_codes(exercise) for answer in answers):
        raise NotAttempted("its block still holds the stub (the slow stand-in)")
    for path, text in spliced.items():
        mine = [b for b in placed if b.path == path]
        _compiles(path, text, mine)
        _keeps_signatures(texts[path], instructor_blocks({path: texts[path]}, exercise.id)[path], text, mine)
        screen(text, mine)
    return spliced, placed


def _where(blocks, line):
    """'file:line: code' in the submission for a line of the spliced file, or None outside the blocks."""
    for block in blocks:
        number = block.submission_line(line)
        if number is not None:
            return f"{block.submission}:{number}: {block.text_at(line)}"
    return None


def _compiles(path, text, blocks):
    try:
        with PARSING:
            compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as err:
        where = _where(blocks, err.lineno or 0) or (
            f"{blocks[0].submission}:{blocks[0].submission_first}: the block breaks the code around it (instructor's "
            f"{path}, line {err.lineno}: check the block's indentation and brackets)")
        raise Refused("does not compile", f"{type(err).__name__}: {err.msg} at {where}") from None


def _defined(text, blocks):
    """{name: parameter names} of the functions and classes defined inside the given line ranges."""
    found = {}
    for node in ast.walk(parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and any(
                first <= node.lineno <= last for first, last in blocks):
            found[node.name] = ([a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
                                if not isinstance(node, ast.ClassDef) else [])
    return found


def _keeps_signatures(instructor_text, instructor_ranges, text, blocks):
    """Every function or class the instructor's blocks define, the spliced blocks define with the same parameters."""
    expected = _defined(instructor_text, [(first + 2, last) for first, last in instructor_ranges])
    got = _defined(text, [(b.first, b.last) for b in blocks])
    place = f"{blocks[0].submission}:{blocks[0].submission_first}"
    for name, parameters in expected.items():
        if name not in got:
            raise Refused("does not compile", f"{place}: the block must define {name}({', '.join(parameters)}); "
                          "it does not.")
        if got[name] != parameters:
            raise Refused("does not compile", f"{place}: {name} takes ({', '.join(got[name])}), but the exercise's "
                          f"{name} takes ({', '.join(parameters)}): keep its signature.")


def screen(text, blocks):
    """Refuse a block that reaches outside the exercise: an import other than ``ALLOWED_IMPORTS``, a banned
    builtin, a dunder name or attribute, a frame or file attribute, or an assignment into an imported module."""
    tree = parse(text)
    modules = {alias.asname or alias.name.split(".")[0] for node in ast.walk(tree)
               if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        where = _where(blocks, line)
        if where is None:
            continue
        problem = None
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            outside = [n for n in names if n.split(".")[0] not in ALLOWED_IMPORTS]
            problem = outside and f"imports {', '.join(outside)}"
        elif isinstance(node, ast.Name) and (node.id in BANNED_NAMES or node.id.startswith("__")):
            problem = f"uses {node.id}"
        elif isinstance(node, ast.Attribute) and (node.attr in BANNED_ATTRIBUTES or node.attr.startswith("__")):
            problem = f"uses .{node.attr}"
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del))
              and isinstance(node.value, ast.Name) and node.value.id in modules):
            problem = f"assigns into the module {node.value.id}"
        if problem:
            raise Refused("failed", f"refused, {where} — the block {problem}, which no answer needs; the grader "
                          "does not run code that could reach outside the exercise.")
