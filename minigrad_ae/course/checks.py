"""One exercise's check, run in a fresh process against a student's copy of the package.

    python checks.py STUDENT_DIR EXERCISE_ID      # prints one JSON line: status, error, detail

The grader starts this file by path (never by importing it from the student's copy, which a student could
edit) and puts STUDENT_DIR first on sys.path, so ``import minigrad_ae`` loads the student's code. The checks
themselves (``check_autodiff.py``, ``check_autoencoder.py``, beside this file) are imported before that, so a
submission cannot replace them. A check returns (largest error, detail): a relative error against finite
differences or a reference, or a count of wrong answers; below ``PASS`` it passes. If the exercise's stand-in
ran during the check, the exercise is 'not attempted' whatever the numbers say.
"""
import json
import sys

import numpy as np

import check_autodiff
import check_autoencoder
import check_tools

PASS = 1e-7   # float64 against finite differences or autodiff: healthy code is far below this


def main(student_dir, exercise_id):
    check_tools.STUDENT_DIR = student_dir
    sys.path.insert(0, student_dir)
    check = getattr(check_autodiff, exercise_id, None) or getattr(check_autoencoder, exercise_id)
    try:
        error, detail = check(np.random.default_rng(0))
        status = "passed" if error < PASS else "failed"
    except NotImplementedError as err:
        if not str(err).startswith(f"Exercise {exercise_id}"):
            raise
        error, detail, status = None, "the solution block still raises NotImplementedError", "not attempted"
    from minigrad_ae import stand_ins
    if stand_ins.used(exercise_id) or f"Exercise {exercise_id} is not solved yet" in detail:
        error, detail, status = None, "the exercise's block still calls its stand-in", "not attempted"
    print(json.dumps({"status": status, "error": error, "detail": detail}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
