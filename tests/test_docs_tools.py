"""The site's two text converters (docs/_ext): lesson Markdown → RST, and docstrings kept legible. Each output is
parsed by docutils, which must raise no warning and build the intended nodes."""
import io
import pathlib
import sys

import pytest
from docutils import nodes
from docutils.core import publish_doctree

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "docs" / "_ext"))
from markdown_rst import markdown_to_rst  # noqa: E402
from unicode_docstrings import keep_formulas  # noqa: E402


def parse(rst):
    """The docutils tree of ``rst``; any warning (level ≥ 2) fails the test with its text."""
    warnings = io.StringIO()
    tree = publish_doctree(rst, settings_overrides={"warning_stream": warnings, "report_level": 2})
    assert warnings.getvalue() == "", f"{warnings.getvalue()}\n--- from ---\n{rst}"
    return tree


def texts(tree, kind):
    return [node.astext() for node in tree.findall(kind)]


LESSON_CELL = """# Lesson 9 — A title with `code`

Text with **bold**, *emphasis*, `mg.fit`, a subscript x_i, Σ_{i>k}, |x|, a*b and (**inside brackets**).
**Batches.** The sums are **products**-wise.

## 1. A section

    L = ½ ‖x − x̂‖²        (a formula, as written)
    ∂L/∂W2 = e zᵀ

1. **reconstruction**: first
2. **regularisation**, in two steps:
   - the discriminator
   - the encoder

| model | error |
|---|---|
| PCA | 1.52 |

See [the paper](https://example.org/paper).
"""


def test_lesson_markdown_becomes_rst_that_docutils_reads_as_intended():
    tree = parse(markdown_to_rst(LESSON_CELL))
    assert texts(tree, nodes.title) == ["Lesson 9 — A title with code", "1. A section"]
    assert texts(tree, nodes.strong) == ["bold", "inside brackets", "Batches.", "products", "reconstruction",
                                         "regularisation"]
    assert texts(tree, nodes.emphasis) == ["emphasis"]
    assert texts(tree, nodes.literal) == ["code", "mg.fit"]
    paragraph = tree.findall(nodes.paragraph).__next__().astext()
    assert "x_i, Σ_{i>k}, |x|, a*b and (inside brackets)." in paragraph
    assert "products-wise" in " ".join(texts(tree, nodes.paragraph))
    assert texts(tree, nodes.literal_block) == ["L = ½ ‖x − x̂‖²        (a formula, as written)\n∂L/∂W2 = e zᵀ"]
    assert len(list(tree.findall(nodes.enumerated_list))) == 1 and len(list(tree.findall(nodes.bullet_list))) == 1
    assert [entry.astext() for entry in tree.findall(nodes.entry)] == ["model", "error", "PCA", "1.52"]
    assert [ref["refuri"] for ref in tree.findall(nodes.reference)] == ["https://example.org/paper"]


def test_unknown_markdown_stops_the_build_by_name():
    with pytest.raises(ValueError, match="'html_block'"):
        markdown_to_rst("<div>raw html</div>\n")


def test_docstring_formulas_keep_their_lines_and_their_symbols():
    docstring = ["Per sample n, with |h| the size and W like kaiming_uniform_ fills it (see fn(*inputs)):",
                 "    δ³ = (a³ − x) ⊙ f′(z³),       f′ = a³(1 − a³)",
                 "    δ² = (W2ᵀ δ³) ⊙ a²(1 − a²)",
                 "then averaged over the batch; ``|literal|`` stays as it is and *emphasis* stays emphasis."]
    keep_formulas(None, "method", "demo", None, {}, docstring)
    tree = parse("\n".join(docstring))
    formula = "δ³ = (a³ − x) ⊙ f′(z³),       f′ = a³(1 − a³)\nδ² = (W2ᵀ δ³) ⊙ a²(1 − a²)"
    assert texts(tree, nodes.literal_block) == [formula]
    prose = " ".join(texts(tree, nodes.paragraph))
    assert "with |h| the size and W like kaiming_uniform_ fills it (see fn(*inputs)):" in prose
    assert texts(tree, nodes.literal) == ["|literal|"] and texts(tree, nodes.emphasis) == ["emphasis"]
