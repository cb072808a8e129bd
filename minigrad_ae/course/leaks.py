"""The leak search: no line of a solution may reach a student copy, in a file of any type.

``secrets`` collects the significant fragments of the selected exercises' solution blocks — each code line and
each comment, stripped — leaving out boilerplate every backward has (unpacking ``ctx.saved``), fragments too
short to mean anything, and lines the copy ships anyway in the solutions of exercises it does not hold.
``find_leaks`` looks for each in every file under a folder: notebooks string by string (JSON escapes
characters), other files as text, binary ones decoded leniently.
"""
import io
import json
import pathlib
import re
import tokenize

from .markers import solution_blocks

BOILERPLATE = re.compile(r"^[\w\s,()]+ = ctx\.(saved|needs_input_grad)$")
ARITHMETIC = {"+", "-", "*", "/", "//", "%", "@", "**"}
MIN_CODE, MIN_PLAIN_CODE, MIN_COMMENT = 12, 20, 16   # characters


def normal(text):
    """Whitespace runs as one space: indentation and line breaks must not hide a copy."""
    return re.sub(r"\s+", " ", text)


def _tokens(code):
    try:
        return list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):   # a line that opens a bracket it closes later
        return []


def fragments(line):
    """(code, comment) of one line of Python, each stripped ('' when absent)."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return "", stripped.lstrip("#").strip()
    comment = next((t for t in _tokens(stripped) if t.type == tokenize.COMMENT), None)
    if comment is None:
        return stripped, ""
    return stripped[:comment.start[1]].strip(), comment.string.lstrip("#").strip()


def _code_lines(text):
    """The 0-based numbers of the lines of a Python file that hold code (not only a string, a comment or nothing)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set()
    skipped = {tokenize.STRING, tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENDMARKER}
    return {t.start[0] - 1 for t in tokens if t.type not in skipped}


def secrets(texts, selected):
    """{fragment: exercise id}: what must not reach a copy of the exercises in ``selected``, from the solution
    blocks in ``texts`` ({path: instructor text of every Python file the copy gets}).

    A comment of a block is a secret when it says something (≥ MIN_COMMENT characters). A line of code is one
    when it computes (an arithmetic operator, ≥ MIN_CODE characters), or when it is long and appears nowhere
    else in the instructor's files — ``while stack:`` or ``order.append(node)`` are everyone's. A line the
    package itself runs outside every block (shared code, like the weight-decay line of every optimizer's loop)
    is no secret: the copy ships it anyway. Lines in tests, lessons, docstrings and comments get no such pass.
    """
    inside, outside, shipped_code = {}, set(), set()
    for path, text in texts.items():
        lines = text.splitlines()
        blocks = solution_blocks(text, path)
        in_block = {n for _, first, last in blocks for n in range(first, last + 1)}
        outside.update(normal(fragments(line)[0]) for n, line in enumerate(lines) if n not in in_block)
        if pathlib.PurePath(path).parts[:1] == ("minigrad_ae",):
            shipped_code.update(normal(fragments(lines[n])[0]) for n in _code_lines(text) - in_block)
        for exercise_id, first, last in blocks:
            for line in lines[first + 1:last]:
                code, comment = (normal(part) for part in fragments(line))
                inside.setdefault(exercise_id, []).append((code, comment))
    found = {}
    for exercise_id, parts in inside.items():
        for code, comment in parts:
            computes = any(t.type == tokenize.OP and t.string in ARITHMETIC and t.start[1] > 0   # not a @decorator
                           for t in _tokens(code))
            if len(comment) >= MIN_COMMENT:
                found[comment] = exercise_id
            if not BOILERPLATE.match(code) and code not in shipped_code and (
                    (computes and len(code) >= MIN_CODE) or (len(code) >= MIN_PLAIN_CODE and code not in outside)):
                found[code] = exercise_id
    shipped = {part for exercise_id, parts in inside.items() if exercise_id not in selected for pair in parts
               for part in pair}
    return {fragment: exercise_id for fragment, exercise_id in found.items()
            if exercise_id in selected and fragment not in shipped}


def readable_text(path):
    """A file's text for the search: a notebook's strings joined, any other file decoded as UTF-8 leniently."""
    raw = path.read_bytes()
    if path.suffix == ".ipynb":
        try:
            return "\n".join(_strings(json.loads(raw)))
        except ValueError:
            pass
    return raw.decode("utf-8", errors="ignore")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def find_leaks(root, found_secrets):
    """[(relative path, exercise id, fragment)] for every secret found in a file under ``root``."""
    leaks = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = normal(readable_text(path))
        leaks += [(path.relative_to(root), exercise_id, fragment) for fragment, exercise_id in found_secrets.items()
                  if fragment in text]
    return leaks
