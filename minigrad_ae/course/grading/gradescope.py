"""``write_bundle``: the Gradescope autograder zip — this package's source, ``setup.sh`` that installs it with its
dependencies, and ``run_autograder`` that grades the submission into Gradescope's results.json.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when it builds the image, copies
run_autograder to /autograder/run_autograder and runs it for every submission (in /autograder/submission;
results go to /autograder/results/results.json). ``MINIGRAD_AE_AUTOGRADER_ROOT`` replaces /autograder, and
``MINIGRAD_AE_PYTHON`` the interpreter, so the bundle can be tried on any machine. The graded exercises and the
limits are fixed when the bundle is written: the submission cannot choose them.
"""
import zipfile

from ..exercises import select
from ..student import PACKAGE, ROOT_FILES, sources

SOURCE = "minigrad_ae_src"   # the package's source inside the zip
SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image: install minigrad_ae and its
# dependencies (numpy, numba, matplotlib) from the source in this bundle.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install --upgrade pip
python3 -m pip install ./{source}
"""
RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission into $ROOT/results/results.json.
# MINIGRAD_AE_AUTOGRADER_ROOT replaces /autograder (to try the bundle elsewhere); MINIGRAD_AE_PYTHON the python.
set -uo pipefail
ROOT="${{MINIGRAD_AE_AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{MINIGRAD_AE_PYTHON:-python3}}"
mkdir -p "$ROOT/results"
"$PYTHON" -m minigrad_ae.cli course grade "$ROOT/submission" --format gradescope --out "$ROOT/results/results.json" \\
    {options}
status=$?
if [ "$status" -gt 1 ]; then   # 1 means some exercise did not pass: a grade. Anything else: the grader failed.
    printf '{{"score": 0.0, "output": "The autograder could not grade this submission (exit status %s); please tell your instructor.", "tests": []}}\\n' "$status" > "$ROOT/results/results.json"
fi
exit 0
"""


def bundle_files():
    """{name in the zip: bytes}: the package (its course kit included), lessons, tests and packaging files."""
    root = sources()
    files = {}
    for path in PACKAGE.rglob("*"):
        parts = path.relative_to(PACKAGE).parts
        if path.is_file() and "__pycache__" not in parts and parts[:2] != ("course", "kit") \
                and path.suffix in {".py", ".npz", ".json", ".csv", ".md", ".txt"}:
            files[f"{SOURCE}/minigrad_ae/{'/'.join(parts)}"] = path.read_bytes()
    for folder in ("lessons", "tests"):
        for path in sorted((root / folder).glob("*.py")):
            files[f"{SOURCE}/{folder}/{path.name}"] = path.read_bytes()
    for name in (*ROOT_FILES, "setup.py", "README.md"):
        if (root / name).is_file():
            files[f"{SOURCE}/{name}"] = (root / name).read_bytes()
    return files


def write_bundle(out, only=None, track=None, timeout=60, memory_mb=2048):
    """Write the autograder zip to ``out``; returns the ids of the exercises it grades."""
    ids = [e.id for e in select(only, track)]
    options = " ".join(["--only", *ids, "--timeout", f"{timeout:g}", "--memory-mb", str(memory_mb)])   # ids: [\w.-]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP.format(source=SOURCE)),
                           ("run_autograder", RUN.format(options=options))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16   # executable once unpacked
            archive.writestr(info, text)
        for name, data in bundle_files().items():
            archive.writestr(name, data)
    return ids
