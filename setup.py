"""Packaging: setup.cfg holds the metadata; this file adds the one thing it cannot say.

The course kit — the lessons, the tests and the packaging files that ``minigrad-ae course make-student`` builds a
student copy from — lives outside the package in the repository, so a regular (non-editable) install would not
have it. ``build_py`` copies it into the built package as ``minigrad_ae/course/kit/``; an editable install
reads the repository itself.
"""
import pathlib
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

KIT = {"lessons": "*.py", "tests": "*.py", ".": ("setup.cfg", "pyproject.toml", "LICENSE")}


class build_py_with_course_kit(build_py):
    def run(self):
        super().run()
        kit = pathlib.Path(self.build_lib) / "minigrad_ae" / "course" / "kit"
        for folder, pattern in KIT.items():
            names = [pattern] if isinstance(pattern, str) else pattern
            for source in (p for name in names for p in sorted(pathlib.Path(folder).glob(name))):
                target = kit / folder / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


setup(cmdclass={"build_py": build_py_with_course_kit})
