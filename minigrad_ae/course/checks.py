"""One exercise's check, run in a fresh process against a student's copy of the package.

    python checks.py STUDENT_DIR EXERCISE_ID      # prints one JSON line: status, error, message

The grader starts this file by path (never by importing it from the student's copy, which a student
could edit) and puts STUDENT_DIR first on sys.path, so ``import minigrad_ae`` loads the student's code.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

PASS_REL_ERR = 1e-7  # float64 against finite differences or autodiff: healthy code is far below this
STUDENT_DIR = None   # set by main(); the lesson checks run the student's lesson files
INSTRUCTOR_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check_gradcheck(fn, arrays):
    """Backward of ``fn`` vs central differences (float64, random upstream gradient)."""
    import minigrad_ae as mg
    report = mg.gradcheck(fn, [np.asarray(a, dtype=np.float64) for a in arrays])
    return report.max_rel_error, str(report)


def check_against_numeric(hand, fn, inputs, grad_output=None):
    """Hand-derived gradients (dict or tuple of arrays, one per input) against central differences of ``fn``.

    Finite differences use forward passes only, so an exercise never depends on another one's backward.
    """
    import minigrad_ae as mg
    numeric = mg.numerical_grad(fn, inputs, eps=1e-5, grad_output=grad_output)
    errors = [mg.relative_error(h, n) for h, n in zip(hand.values() if isinstance(hand, dict) else hand, numeric)]
    return max(errors), f"relative errors: {', '.join(f'{e:.1e}' for e in errors)}"


def mul_backward(rng):
    return check_gradcheck(lambda a, b: a * b, [rng.standard_normal((3, 4)), rng.standard_normal((4,))])


def sigmoid_backward(rng):
    return check_gradcheck(lambda a: a.sigmoid(), [rng.standard_normal((4, 5)) * 2])


def kl_sparsity_backward(rng):
    from minigrad_ae.nn import functional as F
    return check_gradcheck(lambda r: F.kl_sparsity(r, 0.05), [rng.uniform(0.1, 0.9, size=7)])


def linear_ae_closed_form(rng):
    import minigrad_ae as mg
    model = mg.models.LinearAutoencoder(6, 3, rng=rng, dtype=np.float64)
    x = rng.standard_normal((5, 6))
    params = [p for _, p in model.named_parameters()]
    return check_against_numeric(model.closed_form_grads(x), lambda *_: model.loss(x), params)


def vae_kl_grads(rng):
    import minigrad_ae as mg
    from minigrad_ae.nn import functional as F
    mu, logvar = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    return check_against_numeric(mg.models.kl_grads(mu, logvar),
                                 lambda m, v: F.gaussian_kl(m, v, reduction="sum"), [mu, logvar])


def vae_reparam_grads(rng):
    import minigrad_ae as mg
    from minigrad_ae.nn import functional as F
    mu, logvar = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    eps, g_z = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    return check_against_numeric(mg.models.reparam_grads(g_z, logvar, eps),
                                 lambda m, v: F.reparameterize(m, v, eps=eps)[0], [mu, logvar], grad_output=g_z)


def lesson0_softplus(rng):
    """The lesson's own checks (its gradcheck of Softplus) must hold when run headless with --quick.

    The student's lesson runs on the instructor's package, so it does not depend on the other exercises.
    """
    with tempfile.TemporaryDirectory() as out:
        lesson = os.path.join(STUDENT_DIR, "lessons", "00_autodiff_from_scratch.py")
        env = {**os.environ, "PYTHONPATH": INSTRUCTOR_ROOT, "MPLBACKEND": "Agg"}
        result = subprocess.run([sys.executable, lesson, "--quick", "--out", out], capture_output=True,
                                text=True, env=env, cwd=out)
    output = (result.stdout + result.stderr).strip()
    if "NotImplementedError: Exercise lesson0_softplus" in output:
        raise NotImplementedError("Exercise lesson0_softplus")
    return (0.0 if result.returncode == 0 else float("inf")), "\n".join(output.splitlines()[-6:])


def main(student_dir, exercise_id):
    global STUDENT_DIR
    STUDENT_DIR = student_dir
    sys.path.insert(0, student_dir)
    check = globals()[exercise_id]
    try:
        error, detail = check(np.random.default_rng(0))
        status = "passed" if error < PASS_REL_ERR else "failed"
    except NotImplementedError as err:
        if not str(err).startswith(f"Exercise {exercise_id}"):
            raise
        error, detail, status = None, "the solution block still raises NotImplementedError", "not attempted"
    print(json.dumps({"status": status, "error": error, "detail": detail}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
