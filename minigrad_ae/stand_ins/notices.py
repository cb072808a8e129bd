"""The notices: each stand-in says once per process that its exercise is not solved yet, and counts its uses."""
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
