"""Small helpers every lesson script uses: command-line options and a table of checks.

A lesson ends with ``checks.assert_all()`` so that a broken package breaks the lesson loudly.
"""
import argparse
import pathlib

from . import data as datasets


def lesson_args(description, data=False, default_data="digits", argv=None):
    """Parse ``--quick``, ``--out DIR``, ``--seed`` (and ``--data``, default ``default_data``, when ``data``);
    create the out dir.

    Unknown arguments are ignored, so the same cell also runs inside a notebook kernel.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a few steps only (used by the test suite)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("lessons/out"),
                        help="folder for the figures (default: lessons/out)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the one random generator passed around")
    if data:
        parser.add_argument("--data", choices=["digits", "mnist-sample", "mnist"], default=default_data,
                            help="dataset: bundled 8x8 digits, bundled 5k MNIST sample, or full MNIST (download)")
    args, _unknown = parser.parse_known_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


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
        """Record one check: ``value`` is what was measured (a number or short text)."""
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        self.rows.append((name, shown, bool(passed)))
        return passed

    def print(self):
        width = max(len(name) for name, _, _ in self.rows)
        print(f"\n{self.title}")
        for name, shown, passed in self.rows:
            print(f"  {name:<{width}}  {shown:>12}  {'✓' if passed else '✗'}")

    def assert_all(self):
        """Print the table, then fail loudly if any check did not hold."""
        self.print()
        failed = [name for name, _, passed in self.rows if not passed]
        assert not failed, f"{self.title}: checks failed: {', '.join(failed)}"
