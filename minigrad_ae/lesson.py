"""Small helpers every lesson script uses: command-line options and a table of checks.

A lesson ends with ``checks.assert_all()`` so that a broken package breaks the lesson loudly.
"""
import argparse
import pathlib


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
