"""Gradient checking: compare backward (the analytic gradient) with central finite differences.

Central difference:  ∂f/∂xᵢ ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε, error O(ε²) — computed in float64,
because in float32 the rounding error of f (≈1e-7·|f|/ε) swamps the derivative for any useful ε.
"""
from contextlib import contextmanager

import numpy as np

from .mode import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_fail=True)``; its message is the report table."""


def numerical_grad(fn, inputs, eps=1e-6, grad_output=None):
    """Central-difference gradient of f = Σ grad_output ⊙ fn(*inputs) w.r.t. each input (float64 arrays).

    ``grad_output`` defaults to ones (plain sum for a non-scalar output). O(2·size) calls of ``fn``.
    """
    tensors = _as_inputs(inputs, "numerical_grad")
    with _float64_data(tensors):
        return [_central_differences(fn, tensors, t, eps, grad_output) for t in tensors]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_on_fail=False, mode="full",
              grad_output=None, seed=0):
    """Check ``fn``'s backward against finite differences for every input; returns a ``GradcheckReport``.

    An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. The report also gives the
    classic relative error ‖num − ana‖ / ‖num + ana‖ (below ~1e-9 in float64 is a healthy op).
    A non-scalar output is contracted with a random upstream gradient v (seeded), so a backward that
    ignores its incoming gradient fails. ``mode="directional"`` compares ⟨v, J·u⟩ for a random
    direction u instead: two evaluations of ``fn`` whatever the input size — a whole model in a second.
    Inputs are leaf Tensors (used inside ``fn``, e.g. a model's parameters) or arrays; they are
    promoted to float64 during the check and restored afterwards.
    """
    if mode not in ("full", "directional"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'directional', got {mode!r}.")
    tensors = _as_inputs(inputs, "gradcheck")
    notes = []
    if any(t.dtype != np.float64 for t in tensors):
        notes.append("float32 inputs were promoted to float64 for the check (float32 rounding would swamp it).")
    rng = np.random.default_rng(seed)
    with _float64_data(tensors):
        for t in tensors:
            t.requires_grad, t.grad = True, None
        out = fn(*tensors)
        if grad_output is None:
            grad_output = np.ones(out.shape) if out.size == 1 else rng.standard_normal(out.shape)
            if out.size != 1:
                notes.append("non-scalar output: checked the gradient of Σ v ⊙ f(x) for a random v.")
        out.backward(grad_output)
        analytic = [np.zeros(t.shape) if t.grad is None else t.grad.astype(np.float64) for t in tensors]
        if mode == "full":
            rows = [_compare(_name(t, i), t.shape, a, _central_differences(fn, tensors, t, eps, grad_output),
                             atol, rtol)
                    for i, (t, a) in enumerate(zip(tensors, analytic))]
        else:
            rows = [_directional(fn, tensors, analytic, grad_output, eps, atol, rtol, rng)]
    report = GradcheckReport(rows, notes, eps, atol, rtol)
    if raise_on_fail and not report:
        raise GradcheckError(str(report))
    return report


class GradcheckReport:
    """Result of ``gradcheck``: truthy when every input passed; ``print(report)`` shows the table."""

    def __init__(self, rows, notes, eps, atol, rtol):
        self.rows, self.notes, self.eps, self.atol, self.rtol = rows, notes, eps, atol, rtol
        self.passed = all(r["passed"] for r in rows)

    def __bool__(self):
        return self.passed

    @property
    def max_rel_error(self):
        """The largest relative error ‖num − ana‖ / ‖num + ana‖ over the inputs."""
        return max((r["rel_err"] for r in self.rows), default=0.0)

    def __str__(self):
        head = (f"gradcheck {'passed' if self.passed else 'FAILED'} "
                f"(float64, eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})")
        lines = [head, f"  {'input':<14}{'shape':<16}{'max|num-ana|':>13}{'rel err':>11}  {'worst at':<14}ok"]
        for r in self.rows:
            lines.append(f"  {r['name']:<14}{str(r['shape']):<16}{r['max_abs_err']:>13.2e}{r['rel_err']:>11.2e}  "
                         f"{str(r['worst_index']):<14}{'✓' if r['passed'] else '✗'}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__


def relative_error(a, b):
    """‖a − b‖ / ‖a + b‖, the scale-free gradient-check error (0 when a = b = 0; inf when a = −b ≠ 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    numerator, denominator = np.linalg.norm(a - b), np.linalg.norm(a + b)
    if denominator == 0:
        return 0.0 if numerator == 0 else float("inf")
    return float(numerator / denominator)


def _compare(name, shape, analytic, numeric, atol, rtol):
    diff = np.abs(analytic - numeric)
    worst = np.unravel_index(np.argmax(diff), diff.shape) if diff.size else ()
    return {"name": name, "shape": shape, "max_abs_err": float(diff.max(initial=0.0)),
            "rel_err": relative_error(numeric, analytic),
            "worst_index": tuple(int(i) for i in worst),
            "passed": bool(np.all(diff <= atol + rtol * np.abs(numeric)))}


def _directional(fn, tensors, analytic, grad_output, eps, atol, rtol, rng):
    """⟨v, J u⟩ two ways: Σᵢ ⟨∂(v·f)/∂xᵢ, uᵢ⟩ from backward, and (v·f(x + εu) − v·f(x − εu)) / 2ε."""
    directions = [rng.standard_normal(t.shape) for t in tensors]
    along = sum(float(np.sum(a * u)) for a, u in zip(analytic, directions))
    start = [t.data.copy() for t in tensors]
    values = []
    for sign in (1, -1):
        for t, x0, u in zip(tensors, start, directions):
            t.data[...] = x0 + sign * eps * u
        values.append(_evaluate(fn, tensors, grad_output))
    for t, x0 in zip(tensors, start):
        t.data[...] = x0
    numeric = (values[0] - values[1]) / (2 * eps)
    row = _compare("directional", "⟨v, J u⟩", np.array(along), np.array(numeric), atol, rtol)
    row["worst_index"] = "-"
    return row


def _central_differences(fn, tensors, t, eps, grad_output):
    grad = np.zeros(t.shape)
    x, g = t.data.reshape(-1), grad.reshape(-1)  # views: writing x[i] perturbs the input fn reads
    for i in range(x.size):
        original = x[i]
        x[i] = original + eps
        plus = _evaluate(fn, tensors, grad_output)
        x[i] = original - eps
        minus = _evaluate(fn, tensors, grad_output)
        x[i] = original
        g[i] = (plus - minus) / (2 * eps)
    return grad


def _evaluate(fn, tensors, grad_output):
    with no_grad():
        out = fn(*tensors)
    values = np.asarray(out.data, dtype=np.float64)
    return float(values.sum() if grad_output is None else np.sum(values * grad_output))


def _as_inputs(inputs, caller):
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = [inputs]
    tensors = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=np.float64)) for x in inputs]
    for i, t in enumerate(tensors):
        if t.creator is not None:
            raise ValueError(f"{caller}: input {i} {t.shape} is the output of {t.creator.fn.__name__}, not a leaf. "
                             "Pass the tensors fn starts from (or x.detach()).")
        if not np.issubdtype(t.dtype, np.floating):
            raise TypeError(f"{caller}: input {i} has dtype {t.dtype}; gradients need float inputs.")
    return tensors


@contextmanager
def _float64_data(tensors):
    """Swap each tensor's data for a float64 copy; restore data, grad and requires_grad afterwards."""
    saved = [(t.data, t.grad, t.requires_grad) for t in tensors]
    for t in tensors:
        t.data = np.array(t.data, dtype=np.float64)
    try:
        yield
    finally:
        for t, (data, grad, requires_grad) in zip(tensors, saved):
            t.data, t.grad, t.requires_grad = data, grad, requires_grad


def _name(t, i):
    return t.name or f"input {i}"
