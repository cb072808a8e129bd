"""Global switches of the autodiff engine: is a graph being recorded, and is anomaly mode on.

Both are context managers, so a ``with`` block restores the previous state even if it raises.
"""
from contextlib import contextmanager

grad_enabled = True   # read by Function.apply: record the graph only when True
anomaly_enabled = False  # read by Function.apply and backward: check every array for NaN/Inf


@contextmanager
def no_grad():
    """Evaluate without recording a graph: results have ``requires_grad=False`` (inference, updates)."""
    global grad_enabled
    previous, grad_enabled = grad_enabled, False
    try:
        yield
    finally:
        grad_enabled = previous


@contextmanager
def enable_grad():
    """Record a graph again inside a ``no_grad`` block."""
    global grad_enabled
    previous, grad_enabled = grad_enabled, True
    try:
        yield
    finally:
        grad_enabled = previous


@contextmanager
def detect_anomaly():
    """Raise at the first op whose forward output or backward gradient holds NaN or Inf.

    The error names the op, its input shapes and the line of user code that created it.
    Slower (every array is scanned, every op remembers where it was made): use it to debug.
    """
    global anomaly_enabled
    previous, anomaly_enabled = anomaly_enabled, True
    try:
        yield
    finally:
        anomaly_enabled = previous
