"""Markdown → reStructuredText, for the lessons' text cells on the site.

The lessons are written once, in Markdown (what Jupyter shows); sphinx-gallery reads reStructuredText. This walks
markdown-it-py's syntax tree (the CommonMark parser jupytext and MyST use) and writes the RST for each construct
the lessons use: headings, paragraphs, **bold**, *emphasis*, ``code``, links, indented and fenced code blocks,
nested lists, block quotes and tables. Anything else stops the build with its name, rather than rendering wrong.
"""
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

HEADING_UNDERLINES = {"h1": "=", "h2": "-", "h3": "~", "h4": "^"}
RST_SPECIAL = str.maketrans({c: "\\" + c for c in "\\*`_|"})  # characters RST would read as markup
_parser = MarkdownIt("commonmark").enable("table")


def markdown_to_rst(text):
    """The RST for a Markdown text (one lesson cell)."""
    return "\n\n".join(_block(node) for node in SyntaxTreeNode(_parser.parse(text)).children).strip() + "\n"


def _block(node):
    kind = node.type
    if kind == "heading":
        title = _inline(node.children[0])
        return f"{title}\n{HEADING_UNDERLINES[node.tag] * len(title)}"
    if kind == "paragraph":
        return _inline(node.children[0])
    if kind in ("code_block", "fence"):
        language = node.info.strip() if kind == "fence" else ""
        head = f".. code-block:: {language}" if language else "::"
        return head + "\n\n" + _indent(node.content.rstrip("\n"), 4)
    if kind in ("bullet_list", "ordered_list"):
        first = int(node.attrs.get("start", 1)) if kind == "ordered_list" else None
        items = []
        for i, item in enumerate(node.children):
            marker = "- " if first is None else f"{first + i}. "
            body = "\n\n".join(_block(child) for child in item.children)
            items.append(marker + _indent(body, len(marker)).lstrip())
        return "\n".join(items) if all(len(item.children) <= 1 for item in node.children) else "\n\n".join(items)
    if kind == "blockquote":
        return _indent("\n\n".join(_block(child) for child in node.children), 4)
    if kind == "table":
        rows = [row for section in node.children for row in section.children]
        lines = [".. list-table::", "   :header-rows: 1", ""]
        for row in rows:
            cells = [_inline(cell.children[0]) if cell.children else "" for cell in row.children]
            lines += [f"   * - {cells[0]}"] + [f"     - {cell}" for cell in cells[1:]]
        return "\n".join(lines)
    if kind == "hr":
        return "----"
    raise ValueError(f"markdown_rst: the Markdown construct {kind!r} has no RST translation here; "
                     f"add one to docs/_ext/markdown_rst.py or write the cell without it:\n{node.content or ''}")


def _inline(node):
    """The RST for a run of inline Markdown (the children of an 'inline' node)."""
    parts = []
    for child in node.children:
        kind = child.type
        if kind == "text":
            parts.append(child.content.translate(RST_SPECIAL))
        elif kind == "softbreak":
            parts.append("\n")
        elif kind == "hardbreak":
            parts.append("\n\n")
        elif kind in ("strong", "em", "code_inline", "link"):
            parts.append(_markup(child))
        else:
            raise ValueError(f"markdown_rst: inline Markdown {kind!r} has no RST translation here "
                             "(docs/_ext/markdown_rst.py).")
    return _separate("".join(parts))


def _markup(node):
    """Inline markup, bracketed by escaped spaces: RST only sees ``**x**`` next to spaces or punctuation, and an
    escaped space (removed from the output) counts as one, so ``(**x**)`` and ``**x**-wise`` both work."""
    if node.type == "code_inline":
        return f"\\ ``{node.content}``\\ "
    text = "".join(_plain(child) for child in node.children)
    if node.type == "link":
        return f"\\ `{text.replace('<', '&lt;')} <{node.attrs['href']}>`__\\ "
    return f"\\ {'**' if node.type == 'strong' else '*'}{text}{'**' if node.type == 'strong' else '*'}\\ "


def _plain(node):
    """Text inside bold or emphasis: RST does not nest markup, so inner code or emphasis shows as plain text."""
    if node.type in ("text", "code_inline"):
        return node.content.translate(RST_SPECIAL)
    if node.type == "softbreak":
        return " "
    return "".join(_plain(child) for child in node.children)


def _separate(text):
    """Drop the escaped spaces where a real space, a line end or the text's edge already separates the markup."""
    for space in (" ", "\n"):
        text = text.replace(space + "\\ ", space).replace("\\ " + space, space)
    text = text.removeprefix("\\ ")
    return text[:-2] if text.endswith("\\ ") and not text.endswith("\\\\ ") else text


def _indent(text, width):
    return "\n".join(" " * width + line if line.strip() else "" for line in text.splitlines())
