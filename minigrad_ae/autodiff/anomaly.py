"""Anomaly mode's checks (``with mg.detect_anomaly():``): stop at the first NaN/Inf and say which op made it, where.

Off by default: scanning every array costs a pass over it, and finding the user's line costs a stack walk.
"""
import os
import traceback

import numpy as np

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def check_finite(array, what, creator):
    """Raise if ``array`` (an op's output or one of its input gradients) holds NaN or Inf, naming the op."""
    if not isinstance(array, np.ndarray):
        array = array.data   # a Tensor, when backward builds a graph of gradients
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise FloatingPointError(
            f"detect_anomaly: {creator.fn.__name__} produced {bad} in its {what}. Inputs: "
            f"{describe(creator.parents)}. Created at {creator.created_at}. Typical causes: log or division of 0, "
            "exp overflow, sqrt of a negative number; clamp the input or use the numerically stable fused loss.")


def describe(tensors):
    """'(3, 4) float32, (4,) float32': what an op got, for error messages."""
    return ", ".join(f"{t.shape} {t.dtype}" for t in tensors)


def user_frame():
    """The innermost stack frame outside this package, as 'file:line in function'."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"
