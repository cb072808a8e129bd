"""The one check behind every ``load_state_dict`` (modules, optimizers, schedules, early stopping) and ``mg.load``.

A state dict is a flat mapping name -> value. Before anything is loaded, its names and shapes are compared
with what the owner expects and *every* problem is listed in one message, so a failed load changes nothing
and says all that has to be fixed. NumPy only, like ``validate.py``: every layer above may use it.
"""
import numpy as np


def check_state_dict(state, owner, expected, optional=None, strict=True, fix="", error=ValueError,
                     headline="nothing was loaded.", expected_in="what is expected"):
    """Compare ``state``'s names and shapes with ``expected`` {name: shape, or None to leave the shape unchecked}.

    ``optional`` {name: shape or None}: names that may be present too. ``strict=False`` tolerates missing and
    unexpected names; a shape mismatch always fails. Raises ``error`` (a ValueError type) naming ``owner``,
    the missing names, the unexpected ones and each shape mismatch, then ``fix``; ``expected_in`` says where
    the expected names come from ("the model"). Returns (missing, unexpected).
    """
    allowed = {**(optional or {}), **expected}
    missing = [name for name in expected if name not in state]
    unexpected = [name for name in state if name not in allowed]
    problems = []
    if strict and missing:
        problems.append(f"  missing keys (in {expected_in}, not in the state): {missing}")
    if strict and unexpected:
        problems.append(f"  unexpected keys (in the state, not in {expected_in}): {unexpected}")
    for name, want in allowed.items():
        if want is not None and name in state and _shape(state[name]) != tuple(want):
            problems.append(f"  shape mismatch for {name}: expected {tuple(want)}, got {_shape(state[name])}")
    if problems:
        raise error(f"{owner}: {headline}\n" + "\n".join(problems) + (f"\n{fix}" if fix else ""))
    return missing, unexpected


def _shape(value):
    # .shape first: a Tensor has one, and np.shape would not know it
    return tuple(value.shape) if hasattr(value, "shape") else np.shape(value)
