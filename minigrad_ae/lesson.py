"""The lesson kit: what every lesson script shares, so that a lesson's own text stays about its concept.

    from minigrad_ae import lesson as kit

    lesson = kit.start("Lesson 2: the linear autoencoder", data=True)   # options, checks, one seeded rng
    epochs = lesson.pick(full=300, quick=100)                           # fewer steps under --quick
    fig, ax = plt.subplots(); ...; lesson.show(fig, "02_training_curve")  # saved, and inline in a notebook
    lesson.checks.add("error within 1 % of PCA's", gap, gap < 0.01)
    lesson.finish()              # time taken, the table of checks, and an AssertionError if one failed

One script meets the student in three places, and the kit hides the difference:

- **terminal** (``python lessons/02_linear_autoencoder.py``): options from flags (``--quick``, ``--seed N``,
  ``--out DIR``, ``--data NAME``); figures saved in ``lessons/out/``, next to the lesson file, from whatever folder
  you run it.
- **notebook kernel** (Jupyter, VS Code, Colab; ``minigrad-ae lessons notebook N`` writes the .ipynb): no flags;
  figures saved in ``out/`` inside the kernel's working folder — the notebook's own folder in Jupyter, JupyterLab,
  VS Code and nbconvert, ``/content/out`` in Colab — and each one shown under the cell that made it.
- **site** (sphinx-gallery, ``docs/``): figures saved, then picked up by the site's scraper (``new_figures``).

Everywhere an environment variable sets an option without a flag, and a flag wins over it:
``MINIGRAD_AE_QUICK=1``, ``MINIGRAD_AE_SEED=N``, ``MINIGRAD_AE_OUT=DIR``, ``MINIGRAD_AE_DATA=NAME``.
Every lesson prints where its figures go.

How to convert a lesson to the kit (lessons 1 and 2 are the pattern)
--------------------------------------------------------------------
1. Imports: ``from minigrad_ae import lesson as kit`` before ``import matplotlib.pyplot`` (the kit picks the
   backend), and drop ``import minigrad_ae.viz`` where it was there only for the backend.
2. Set-up: ``lesson_args`` + ``Checks`` + ``default_rng`` become ``lesson = kit.start(title, data=...)`` (same
   title); then ``args.``, ``checks.`` and ``rng`` become ``lesson.args.``, ``lesson.checks.`` and ``lesson.rng``
   (re-indent the continuation lines of ``lesson.checks.add(``). Drop ``started = time.perf_counter()``:
   ``finish`` times the lesson.
3. ``x if args.quick else y`` becomes ``lesson.pick(full=y, quick=x)``.
4. ``fig.tight_layout(); fig.savefig(args.out / "NN_name.png", dpi=120); plt.close(fig); print("saved …")``
   becomes ``lesson.show(fig, "NN_name")`` (same file name, so docs and the README keep their figures). A figure
   whose colour bar spans several axes (``fig.colorbar(..., ax=axes)``), which tight_layout cannot place, is made
   with ``plt.subplots(..., layout="constrained")``: ``show`` keeps a figure's own layout. Figures drawn by
   ``mg.viz`` are saved to ``lesson.path("NN_name")``; the kit finds and shows them like its own.
5. The end: ``checks.assert_all()`` (and the "lesson ran in … s" print) becomes ``lesson.finish()``.
6. Keep every check, figure and assertion as it was: diff the printed check table of a full run before and after.
   Run the lesson with ``--quick``, as a notebook (``tests/test_notebooks.py -k NN``) and in full, look at its
   figures, and at its page on the site (``docs/``).
"""
import argparse
import json
import os
import pathlib
import sys
import time

import numpy as np

from . import data as datasets
from . import viz  # noqa: F401  (imported first: picks the Agg backend when there is no display)
import matplotlib.pyplot as plt  # noqa: E402

DATASETS = ("digits", "mnist-sample", "mnist")
DPI = 120


def in_notebook():
    """True inside a Jupyter kernel (Jupyter, VS Code, Colab): a place that shows images, display or not."""
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    return getattr(shell, "kernel", None) is not None  # a terminal IPython has no kernel


def _environment_flag(name):
    value = os.environ.get(name, "")
    if value not in ("", "0", "1"):
        raise SystemExit(f"lesson: {name} must be 1 (on) or 0 (off), got {value!r}.")
    return value == "1"


def _environment_seed(name):
    value = os.environ.get(name, "0")
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"lesson: {name} must be an integer seed such as 0 or 42, got {value!r}.") from None


def _environment_data(name, default):
    value = os.environ.get(name, default)
    if value not in DATASETS:
        raise SystemExit(f"lesson: {name} must be one of {', '.join(DATASETS)}, got {value!r}.")
    return value


def default_out():
    """Where figures go when neither ``--out`` nor ``MINIGRAD_AE_OUT`` says: ``out/`` next to the lesson file; with
    no file (a notebook kernel, a console) ``out/`` in the working folder, which Jupyter sets to the notebook's."""
    script = pathlib.Path(sys.argv[0])  # the lesson run as a script; sphinx-gallery sets it to the lesson too
    if in_notebook() or script.suffix != ".py":
        return pathlib.Path.cwd() / "out"
    return script.resolve().parent / "out"


def _options(description, data, default_data, argv):
    """Parse the lesson options: a flag wins over its MINIGRAD_AE_* variable, which wins over the default.

    A notebook kernel's own command line is not the lesson's, so there only the variables count.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", default=_environment_flag("MINIGRAD_AE_QUICK"),
                        help="a few steps only, as the test suite runs it (env MINIGRAD_AE_QUICK=1)")
    parser.add_argument("--seed", type=int, default=_environment_seed("MINIGRAD_AE_SEED"),
                        help="seed of the one random generator passed around (env MINIGRAD_AE_SEED; default 0)")
    parser.add_argument("--out", type=pathlib.Path, default=os.environ.get("MINIGRAD_AE_OUT"),
                        help="folder for the figures (env MINIGRAD_AE_OUT; default: out/ next to the lesson)")
    if data:
        parser.add_argument("--data", choices=DATASETS, default=_environment_data("MINIGRAD_AE_DATA", default_data),
                            help="bundled 8x8 digits, bundled 5k MNIST sample, or full MNIST (downloaded); "
                                 f"env MINIGRAD_AE_DATA; default {default_data}")
    if argv is None:
        argv = [] if in_notebook() else sys.argv[1:]
    args = parser.parse_args(argv)
    args.out = (pathlib.Path(args.out) if args.out else default_out()).resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    _watch(args.out)
    print(f"{_short(description)}: {'quick run' if args.quick else 'full run'}, seed {args.seed}"
          f"{f', data {args.data}' if data else ''}; figures go to {args.out}")
    return args


def _short(title):
    """ "Lesson 2" from "Lesson 2: the linear autoencoder — …". """
    return title.split(":")[0]


def lesson_args(description, data=False, default_data="digits", argv=None):
    """Parse ``--quick``, ``--out DIR``, ``--seed`` (and ``--data``, default ``default_data``, when ``data``);
    create the figures folder and say where it is. For the lessons not yet converted to ``start`` (which does this
    and more)."""
    return _options(description, data, default_data, argv)


def load_lesson_data(name, rng, mnist_train_size=10_000):
    """(X_train, y_train, X_test, y_test) for ``--data``: the bundled digits split 80/20 with ``rng``, the
    bundled MNIST sample's fixed split, or full MNIST (downloaded on request; a random ``mnist_train_size``
    subset of the training set, so a lesson stays quick)."""
    if name == "digits":
        X, y = datasets.load_digits()
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction=0.2, rng=rng)
        return X_train, y_train, X_test, y_test
    if name == "mnist-sample":
        return datasets.load_mnist_sample()
    X_train, y_train = datasets.load_mnist("train", download=True)
    keep = rng.choice(len(X_train), size=mnist_train_size, replace=False)
    return (X_train[keep], y_train[keep], *datasets.load_mnist("test", download=True))


class Checks:
    """Collects named checks, prints them as a table, and asserts they all held."""

    def __init__(self, title):
        self.title, self.rows = title, []

    def add(self, name, value, passed):
        """Record one check: ``value`` is what was measured (a number or short text). Returns nothing, so a
        notebook cell that ends with a check shows no stray value."""
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        self.rows.append((name, shown, bool(passed), value.item() if isinstance(value, np.generic) else value))

    def print(self):
        width = max(len(name) for name, *_ in self.rows)
        print(f"\n{self.title}")
        for name, shown, passed, _ in self.rows:
            print(f"  {name:<{width}}  {shown:>12}  {'✓' if passed else '✗'}")

    def assert_all(self):
        """Print the table, then fail loudly if any check did not hold."""
        self.print()
        failed = [name for name, _, passed, _ in self.rows if not passed]
        assert not failed, f"{self.title}: checks failed: {', '.join(failed)}"


class Lesson:
    """One running lesson: ``args`` (quick, seed, out, data), ``checks``, ``rng`` and the figures it shows."""

    def __init__(self, title, args):
        self.title, self.args = title, args
        self.checks = Checks(f"{_short(title)} checks")
        self.rng = np.random.default_rng(args.seed)  # the one generator every random thing in the lesson draws from
        self.figures = []
        self.numbers = {}   # name -> value: what the docs quote from this lesson (``record``)
        self._started = time.perf_counter()

    def pick(self, *, full, quick):
        """``quick`` under ``--quick`` (a few steps, for the tests), ``full`` otherwise."""
        return quick if self.args.quick else full

    def path(self, name):
        """The file ``name``.png in the figures folder (for figures that ``mg.viz`` draws and saves itself)."""
        path = self.args.out / (name if name.endswith(".png") else f"{name}.png")
        self.figures.append(path)
        return path

    def show(self, fig, name):
        """Lay ``fig`` out, save it as ``name``.png in the figures folder (``path(name)``) and close it.

        A notebook shows the saved file under the cell (and the site under its code block): one picture, the same
        everywhere. A figure made with its own layout engine (``layout="constrained"``) keeps it. Returns nothing,
        so a cell that ends with ``show`` displays the figure and no stray path; ``figures`` lists the paths.
        """
        if fig.get_layout_engine() is None:
            fig.tight_layout()
        path = self.path(name)
        fig.savefig(path, dpi=DPI, bbox_inches="tight")  # tight: legends and colour bars outside the axes stay in
        plt.close(fig)  # pyplot keeps every open figure alive otherwise

    def record(self, name, value):
        """Keep a number the README or the docs quote (a measured result that is not itself a pass/fail check), so
        ``tools/lesson_numbers.py`` can copy it from a run instead of anyone typing it. Returns nothing."""
        self.numbers[name] = value.item() if isinstance(value, np.generic) else value

    def finish(self):
        """Print the time taken and where the figures are, then the table of checks; write them all, with the
        recorded numbers, to ``<lesson>.json`` in the figures folder; fail loudly if a check failed."""
        seconds = time.perf_counter() - self._started
        print(f"\n{_short(self.title)} ran in {seconds:.1f} s; {len(self.figures)} figures in {self.args.out}")
        summary = {"title": self.title, "quick": self.args.quick, "seed": self.args.seed, "seconds": round(seconds, 2),
                   "checks": [{"name": name, "value": value, "passed": passed}
                              for name, _, passed, value in self.checks.rows],
                   "numbers": self.numbers}
        stem = pathlib.Path(sys.argv[0]).stem if sys.argv and sys.argv[0].endswith(".py") else _short(self.title)
        (self.args.out / f"{stem}.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False, default=str),
                                                    encoding="utf-8")
        self.checks.assert_all()


def start(title, data=False, default_data="digits", argv=None):
    """Start a lesson: parse its options (flags, or MINIGRAD_AE_* variables), make its figures folder, seed its rng.

    ``title`` ("Lesson 2: the linear autoencoder — …") is the ``--help`` text; the part before the colon names
    the table of checks. ``data=True`` adds ``--data`` (default ``default_data``). Returns a ``Lesson``.
    """
    return Lesson(title, _options(title, data, default_data, argv))


class _NewFiles:
    """The PNG files in one folder written or rewritten since the last look."""

    def __init__(self, folder):
        self.folder = folder
        self.seen = self._stamps()

    def _stamps(self):
        return {path: path.stat().st_mtime_ns for path in self.folder.glob("*.png")}

    def since_last_look(self):
        now = self._stamps()
        fresh = sorted((path for path, stamp in now.items() if self.seen.get(path) != stamp), key=now.get)
        self.seen = now
        return fresh


_watched = {}  # figures folder -> _NewFiles, for every folder a lesson in this process has written to


def new_figures():
    """Paths of the PNGs that lessons in this process wrote since the last call, oldest first.

    How a notebook and the site find a lesson's figures, whoever drew them (``show``, ``mg.viz``, ``savefig``).
    """
    return [path for watch in _watched.values() for path in watch.since_last_look()]


def _watch(folder):
    if folder in _watched:
        return
    _watched[folder] = _NewFiles(folder)
    if in_notebook() and len(_watched) == 1:
        sys.modules["IPython"].get_ipython().events.register("post_run_cell", _display_new_figures)


def _display_new_figures(_result):
    """After each notebook cell: show the figures it saved, in the order it saved them."""
    from IPython.display import Image, display
    for path in new_figures():
        display(Image(filename=str(path)))
