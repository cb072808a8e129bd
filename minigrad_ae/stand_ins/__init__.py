"""Stand-ins for the exercises of a student copy, so every lesson runs before anything is solved.

In the instructor's tree nothing here runs. In a student copy (``minigrad-ae course make-student``) each
exercise is a stub between ``# BEGIN EXERCISE <id>`` and ``# END EXERCISE`` that calls one of these: a slow
substitute that gets the same result *another way*, so it does not show the answer —

* an op's backward: finite differences of the op's own forward, or autodiff of the same map built from other
  ops (``vjp.py``);
* a hand-derived gradient: autodiff of the loss it differentiates;
* anything else: a different, slower method (counting positions instead of a formula, Kahn's algorithm
  instead of a depth-first search, the brute-force nearest code instead of one matrix product).

The first call of each prints one notice per process (to stderr):
``Exercise sigmoid_backward is not solved yet: using a slow stand-in``. ``used(id)`` tells whether it ran,
so a lesson can report its own check of an exercise as "not solved yet" instead of passing it vacuously.
"""
import sys
from collections import Counter

_calls = Counter()   # exercise id -> how often its stand-in ran in this process


def notice(exercise_id):
    """Record one use of ``exercise_id``'s stand-in; print the notice the first time."""
    if not _calls[exercise_id]:
        print(f"Exercise {exercise_id} is not solved yet: using a slow stand-in", file=sys.stderr, flush=True)
    _calls[exercise_id] += 1


def used(exercise_id):
    """True once the stand-in of ``exercise_id`` has run in this process (its exercise is not solved)."""
    return _calls[exercise_id] > 0


def calls():
    """{exercise id: number of stand-in calls so far}: a snapshot (the test suite compares two of them)."""
    return dict(_calls)


class NotSolvedError(RuntimeError):
    """A stand-in cannot do what was asked (e.g. build a graph of gradients): the exercise must be solved first."""


from .vjp import missing_kernel, vjp  # noqa: E402  (they use notice, defined above)
from .substitutes import (adam_update, autodiff_grads, central_differences, conv_output_size,  # noqa: E402
                          cyclic_lr, gaussian_kl_grads, kaiming_gain, linear_ae_grads, masking_noise,
                          nearest_codes, nearest_neighbours, reparameterization_grads, roc_curve,
                          scatter, sparse_ae_delta, topological_order, unbroadcast)

__all__ = ["NotSolvedError", "adam_update", "autodiff_grads", "calls", "central_differences", "conv_output_size",
           "cyclic_lr", "gaussian_kl_grads", "kaiming_gain", "linear_ae_grads", "masking_noise", "missing_kernel",
           "nearest_codes", "nearest_neighbours", "notice", "reparameterization_grads", "roc_curve",
           "scatter", "sparse_ae_delta", "topological_order", "unbroadcast", "used", "vjp"]
