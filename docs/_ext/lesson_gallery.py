"""The lessons as a sphinx-gallery: one page per lesson, written from the lesson scripts at build time.

sphinx-gallery reads text blocks as reStructuredText and wants the first one as a docstring; the lessons are
percent-format scripts whose text cells are Markdown (what Jupyter shows). So before sphinx-gallery runs, each lesson
is rewritten into ``_generated/lesson_sources/``: its first Markdown cell becomes the docstring, every other one an
RST comment block (both through ``markdown_rst``), its code cells stay as they are. After sphinx-gallery has made the
pages, the downloads are put back to what a student should get: the lesson script itself and its notebook as
``minigrad-ae lessons notebook`` writes it (jupytext), not sphinx-gallery's RST-flavoured copies (zip included).

Figures: the lessons save PNGs (the lesson kit, ``mg.viz``); ``scraper`` puts each one under the code block that
saved it, from ``minigrad_ae.lesson.new_figures()``.
"""
import pathlib
import re
import shutil

from markdown_rst import markdown_to_rst
from minigrad_ae import cli
from minigrad_ae import lesson as kit
from sphinx_gallery.scrapers import figure_rst
from sphinx_gallery.utils import zip_files

DOCS = pathlib.Path(__file__).resolve().parent.parent
SOURCES = DOCS / "_generated" / "lesson_sources"
GALLERY = DOCS / "lessons"
CELL = re.compile(r"^# %%(?P<markdown> \[markdown\])?.*$", flags=re.M)
HEADER = """Lessons
=======

Each lesson is a percent-format script in ``lessons/``: its text, its code, what it printed (the table of checks
at the end) and its figures, from a quick run (``MINIGRAD_AE_QUICK=1``). Each page offers the script and the
notebook to download.
"""


def cells(path):
    """[(is_markdown, text)] of a percent-format lesson; the Markdown with its '# ' comment prefixes removed."""
    source = path.read_text(encoding="utf-8")
    marks = list(CELL.finditer(source))
    found = []
    for mark, following in zip(marks, marks[1:] + [None]):
        body = source[mark.end():following.start() if following else len(source)].strip("\n")
        if mark.group("markdown"):
            body = "\n".join(re.sub(r"^# ?", "", line) for line in body.splitlines())
        found.append((bool(mark.group("markdown")), body))
    return found


def gallery_source(path):
    """The lesson rewritten for sphinx-gallery: an RST docstring, RST comment blocks, the code unchanged."""
    (first_is_markdown, first), *rest = cells(path)
    if not first_is_markdown:
        raise ValueError(f"{path.name}: a lesson must open with a Markdown cell ('# # Lesson N — Title').")
    parts = ['r"""\n' + markdown_to_rst(first) + '"""\n']
    for is_markdown, body in rest:
        if is_markdown:
            rst = markdown_to_rst(body)
            parts.append("# %%\n" + "\n".join(f"# {line}".rstrip() for line in rst.splitlines()) + "\n")
        elif body.strip():
            # the blank line after the marker keeps a code cell's leading comment code, not text
            parts.append("# %%\n\n" + body + "\n")
    return "\n".join(parts)


def write_sources(app):
    """Write every lesson's gallery source and the gallery's header into ``_generated/lesson_sources``, and the
    landing page's table of lessons into ``_generated/lesson_table.rst``."""
    if SOURCES.exists():
        shutil.rmtree(SOURCES)
    SOURCES.mkdir(parents=True)
    (SOURCES / "GALLERY_HEADER.rst").write_text(HEADER, encoding="utf-8")
    for path in cli.find_lessons().values():
        (SOURCES / path.name).write_text(gallery_source(path), encoding="utf-8")
    (SOURCES.parent / "lesson_table.rst").write_text(lesson_table(), encoding="utf-8")


def lesson_table():
    """The landing page's table of lessons (RST): number, linked title, one-line summary."""
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 4 36 60", "", "   * - #", "     - lesson",
             "     - what it shows"]
    for number, path in cli.find_lessons().items():
        title, summary = cli.lesson_summary(path)
        lines += [f"   * - {number}", f"     - :doc:`{title} <lessons/{path.stem}>`",
                  f"     - {markdown_to_rst(summary).strip()}"]
    return "\n".join(lines) + "\n"


def put_back_downloads(app):
    """Replace sphinx-gallery's downloads (script, notebook, and the zip of both) by the lesson script itself and
    its jupytext notebook."""
    lessons = cli.find_lessons()
    for path, notebook in zip(lessons.values(), cli.write_notebooks(lessons, "all", GALLERY)):
        script = GALLERY / path.name
        shutil.copyfile(path, script)
        zip_files([script, notebook], script.with_suffix(".zip"), GALLERY)


def scraper(block, block_vars, gallery_conf):
    """sphinx-gallery image scraper: the PNGs the lesson saved while this code block ran, in the order saved."""
    names = []
    for figure in kit.new_figures():
        target = pathlib.Path(next(block_vars["image_path_iterator"]))
        shutil.copyfile(figure, target)
        names.append(str(target))
    return figure_rst(names, gallery_conf["src_dir"])


def setup(app):
    # sphinx-gallery makes its pages when the builder starts (priority 500): sources before, downloads after
    app.connect("builder-inited", write_sources, priority=100)
    app.connect("builder-inited", put_back_downloads, priority=900)
    return {"parallel_read_safe": True}
