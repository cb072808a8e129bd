"""Docstrings as written: Unicode formulas kept legible in the API reference.

The package's docstrings carry their math in Unicode ("z = σ(a);  ∂L/∂a = g ⊙ z(1 − z)"), exactly what ``help()``
shows. Turning that into LaTeX would need a converter that knows where a formula ends and prose begins ("Σ over
n, h, w of g", "summed over the batch"), and a wrong guess renders a wrong formula; so the site keeps the Unicode, which
a browser draws with ordinary fonts, offline, and fixes the two ways reStructuredText would mangle it:

- **aligned formula blocks** (lines indented under a line of text) would be re-flowed into one paragraph, or read as
  a definition list: they become literal blocks, shown line for line as in the source;
- **characters that are markup in RST** but math or Python here: ``|x|`` (a substitution), ``*args`` (emphasis
  that never ends) and ``kaiming_uniform_`` (a link target) are escaped, outside ````literals````.
"""
import re

LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+\.|#\.)\s+")
SPLAT = re.compile(r"(?<=[\s(\[,])\*{1,2}(?=\w)(?![^\s,)\]]*\*(?!\w))")  # *args, **kwargs; not *emphasis*
TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s,.;:)\]]|$)")          # kaiming_uniform_ is a name, not a link


def escape_markup(line):
    """``line`` with |, a star before a name and a name's trailing _ escaped, except inside ``literals``."""
    pieces = re.split(r"(``.+?``)", line)
    for i in range(0, len(pieces), 2):  # the even pieces are outside the literals
        text = pieces[i].replace("|", "\\|")
        text = SPLAT.sub(lambda star: "\\*" * len(star.group()), text)
        pieces[i] = TRAILING_UNDERSCORE.sub("\\_", text)
    return "".join(pieces)


def _indent(line):
    return len(line) - len(line.lstrip())


def keep_formulas(app, what, name, obj, options, lines):
    """autodoc-process-docstring: indented formula blocks become literal blocks; RST markup characters are
    escaped in the rest (``lines`` is edited in place, as autodoc expects)."""
    result, block_indent, text_indent = [], None, 0
    for line in lines:
        if block_indent is not None and (not line.strip() or _indent(line) >= block_indent):
            result.append(line)  # inside a literal block: shown exactly as written
            continue
        if block_indent is not None and result[-1].strip():
            result.append("")  # RST ends a literal block at a blank line
        block_indent = None
        previous = next((earlier for earlier in reversed(result) if earlier.strip()), "")
        if line.strip() and _indent(line) > text_indent:
            if result and result[-1].strip():
                result.append("")
            if not previous.rstrip().endswith("::"):
                result += ["::", ""]  # the expanded form: introduces the block and shows nothing itself
            block_indent = _indent(line)
            result.append(line)
            continue
        if line.strip():
            item = LIST_ITEM.match(line)
            text_indent = len(item.group()) if item else _indent(line)  # a list item's text may wrap under it
        result.append(escape_markup(line))
    lines[:] = result


def setup(app):
    app.connect("autodoc-process-docstring", keep_formulas)
    return {"parallel_read_safe": True}
