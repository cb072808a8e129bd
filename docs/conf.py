"""Sphinx configuration of the minigrad_ae site: the lessons (sphinx-gallery) and the API reference (autodoc).

Build it with ``pip install -e ".[docs]"`` then ``sphinx-build -b html docs docs/_build/html``; set
``MINIGRAD_AE_QUICK=1`` to run the lessons in their quick mode. Offline: no intersphinx, no CDN (no MathJax:
the formulas are Unicode text), a theme whose assets ship with it.
"""
import os
import pathlib
import sys

DOCS = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS / "_ext"), str(DOCS.parent)]

import lesson_gallery  # noqa: E402  (needs the paths above)

# the lessons run inside this process; their figures go to the build tree, the scraper takes them from there
os.environ.setdefault("MINIGRAD_AE_OUT", str(DOCS / "_build" / "lesson-figures"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrix products: BLAS threads only cost (see the README)

project = "minigrad_ae"
author = "the minigrad_ae authors"
copyright = "the minigrad_ae authors, MIT licence"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode", "sphinx_gallery.gen_gallery", "lesson_gallery",
              "unicode_docstrings"]
exclude_patterns = ["_build", "_generated", "lessons/*.ipynb", "instructor_guide.md", "figures"]
html_theme = "furo"
html_title = "minigrad_ae"
html_static_path = ["_static"]
html_css_files = ["minigrad_ae.css"]

highlight_language = "text"  # literal blocks are Unicode formulas; code blocks name their language
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"

sphinx_gallery_conf = {
    "examples_dirs": "_generated/lesson_sources",
    "gallery_dirs": "lessons",
    "filename_pattern": ".*",                  # run every lesson: each page shows its real output and figures
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("lesson_gallery.scraper",),
    "download_all_examples": False,            # the per-lesson downloads are the real script and notebook
    "abort_on_example_error": True,            # a lesson that fails its checks fails the build
    "remove_config_comments": True,
    "show_signature": False,
    "ignore_repr_types": r"pathlib\.",        # a cell ending in mg.viz.image_grid(...) shows the figure, not its path
}
