"""Gradient checking: compare backward (the analytic gradient) with central finite differences.

Central difference:  ∂f/∂xᵢ ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε, error O(ε²) — computed in float64,
because in float32 the rounding error of f (≈1e-7·|f|/ε) swamps the derivative for any useful ε.
Second derivatives (``order=2``) are checked the same way one level up: backward through the graph of a gradient
against central differences of that gradient, each value of which is an ordinary (already checked) backward.
"""
from contextlib import contextmanager
from functools import reduce
from operator import add

import numpy as np

from .engine import grad
from .mode import enable_grad, no_grad
from .tensor import Tensor, float64_array
from ..validate import ShapeError, callable_of, number


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_on_fail=True)``; its message is the report table."""


def numerical_grad(fn, inputs, eps=1e-6, grad_output=None):
    """Central-difference gradient of f = Σ grad_output ⊙ fn(*inputs) w.r.t. each input (float64 arrays).

    ``grad_output`` defaults to ones (plain sum for a non-scalar output). O(2·size) calls of ``fn``.
    """
    tensors = _checked(fn, inputs, eps, "numerical_grad")
    with _float64_data(tensors):
        return [_central_differences(lambda: _evaluate(fn, tensors, grad_output), t, eps)[0] for t in tensors]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_on_fail=False, mode="full",
              grad_output=None, seed=0, order=1):
    """Check ``fn``'s backward against finite differences for every input; returns a ``GradcheckReport``.

    An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. The report also gives the
    classic relative error ‖num − ana‖ / ‖num + ana‖ (below ~1e-9 in float64 is a healthy op).
    A non-scalar output is contracted with a random upstream gradient v (seeded), so a backward that
    ignores its incoming gradient fails. ``mode="directional"`` compares ⟨v, J·u⟩ for a random
    direction u instead: two evaluations of ``fn`` whatever the input size — a whole model in a second.
    Inputs are leaf Tensors (used inside ``fn``, e.g. a model's parameters) or arrays; they are
    promoted to float64 during the check and restored afterwards.

    ``order=2`` also checks second derivatives (autograd's ``check_grads(order=2)``): for a random direction u in
    each input's space, the derivative of ⟨u, ∂f/∂a⟩ with respect to each input b — the Hessian block ∂²f/∂b∂a
    times u — by backward through the gradient's graph (``create_graph``), against central differences of
    ⟨u, ∂f/∂a⟩, each value one first-order backward. One report row per pair (a, b), so a wrong mixed derivative
    is named. Directional: ⟨w, H u⟩ for random u and w, in two first-order backwards.
    """
    if mode not in ("full", "directional"):
        raise ValueError(f"gradcheck: mode must be 'full' or 'directional', got {mode!r}.")
    if order not in (1, 2) or isinstance(order, bool):
        raise ValueError(f"gradcheck: order must be 1 (gradients) or 2 (gradients and second derivatives), "
                         f"got {order!r}.")
    tensors = _checked(fn, inputs, eps, "gradcheck")
    atol, rtol = number(atol, "atol", "gradcheck", low=0), number(rtol, "rtol", "gradcheck", low=0)
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

        def value():
            return _evaluate(fn, tensors, grad_output)

        if mode == "full":
            rows = [_compare(_name(t, i), t.shape, a, _central_differences(value, t, eps)[0], atol, rtol)
                    for i, (t, a) in enumerate(zip(tensors, analytic))]
        else:
            rows = [_directional(value, tensors, analytic, eps, atol, rtol, rng, "⟨v, J u⟩")]
        if order == 2:
            rows += _second_order(fn, tensors, grad_output, eps, atol, rtol, rng, mode)
            notes.append("∂²f/∂b∂a · u: the derivative w.r.t. b of ⟨u, ∂f/∂a⟩ for a random u (Hessian block times u, "
                         "shaped like b), by double backward vs central differences of first-order backward.")
    report = GradcheckReport(rows, notes, eps, atol, rtol, order)
    if raise_on_fail and not report:
        raise GradcheckError(str(report))
    return report


class GradcheckReport:
    """Result of ``gradcheck``: truthy when every input passed; ``print(report)`` shows the table."""

    def __init__(self, rows, notes, eps, atol, rtol, order=1):
        self.rows, self.notes, self.eps, self.atol, self.rtol, self.order = rows, notes, eps, atol, rtol, order
        self.passed = all(r["passed"] for r in rows)

    def __bool__(self):
        return self.passed

    @property
    def max_rel_error(self):
        """The largest relative error ‖num − ana‖ / ‖num + ana‖ over the inputs."""
        return max((r["rel_err"] for r in self.rows), default=0.0)

    def __str__(self):
        orders = ", orders 1 and 2" if self.order == 2 else ""
        head = (f"gradcheck {'passed' if self.passed else 'FAILED'}{orders} "
                f"(float64, eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g})")
        width = max([14] + [len(r["name"]) + 2 for r in self.rows])
        column = "derivative" if self.order == 2 else "input"
        lines = [head, f"  {column:<{width}}{'shape':<16}{'max|num-ana|':>13}{'rel err':>11}  {'worst at':<14}ok"]
        for r in self.rows:
            lines.append(f"  {r['name']:<{width}}{str(r['shape']):<16}{r['max_abs_err']:>13.2e}"
                         f"{r['rel_err']:>11.2e}  {str(r['worst_index']):<14}{'✓' if r['passed'] else '✗'}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__


def relative_error(a, b):
    """‖a − b‖ / ‖a + b‖, the scale-free gradient-check error (0 when a = b = 0; inf when a = −b ≠ 0)."""
    a, b = float64_array(a, "a", "relative_error"), float64_array(b, "b", "relative_error")
    if a.shape != b.shape:
        raise ShapeError(f"relative_error: a has shape {a.shape} but b has shape {b.shape}; compare two gradients of "
                         "the same input.")
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


def _directional(value, tensors, analytic, eps, atol, rtol, rng, what):
    """A derivative along a random direction u, two ways: Σᵢ ⟨analyticᵢ, uᵢ⟩, and (value(x + εu) − value(x − εu)) / 2ε.

    ``value()`` is a number computed from the inputs (⟨v, f⟩ for order 1, where ``what`` = ⟨v, J u⟩) and
    ``analytic`` its gradient, one array per input.
    """
    directions = [rng.standard_normal(t.shape) for t in tensors]
    along = sum(float(np.sum(a * u)) for a, u in zip(analytic, directions))
    start = [t.data.copy() for t in tensors]
    values = []
    for sign in (1, -1):
        for t, x0, u in zip(tensors, start, directions):
            t.data[...] = x0 + sign * eps * u
        values.append(value())
    for t, x0 in zip(tensors, start):
        t.data[...] = x0
    numeric = (values[0] - values[1]) / (2 * eps)
    row = _compare("directional", what, np.array(along), np.array(numeric), atol, rtol)
    row["worst_index"] = "-"
    return row


def _second_order(fn, tensors, grad_output, eps, atol, rtol, rng, mode):
    """Report rows for the second derivatives (see ``gradcheck``'s ``order=2``).

    With one random direction uₐ per input a, hₐ(x) = ⟨uₐ, ∂f/∂a⟩. Its gradient ∂hₐ/∂b = (∂²f/∂b∂a) uₐ comes from
    backward through the first gradient's graph; numerically, from central differences of hₐ, each a plain backward.
    """
    directions = [rng.standard_normal(t.shape) for t in tensors]
    along = _along(fn, tensors, grad_output, directions, create_graph=True)
    if mode == "directional":
        total = [h for h in along if h is not None]
        analytic = _derivatives(reduce(add, total) if total else None, tensors)

        def summed():
            return _along(fn, tensors, grad_output, directions).sum()

        return [_directional(summed, tensors, analytic, eps, atol, rtol, rng, "⟨w, H u⟩")]
    analytic = [_derivatives(h, tensors) for h in along]
    rows = []
    for b, t in enumerate(tensors):
        numeric = _central_differences(lambda: _along(fn, tensors, grad_output, directions), t, eps)
        rows += [_compare(_second_name(tensors, a, b), t.shape, analytic[a][b], numeric[a], atol, rtol)
                 for a in range(len(tensors))]
    return rows


def _along(fn, tensors, grad_output, directions, create_graph=False):
    """hₐ = ⟨uₐ, ∂⟨v, f⟩/∂a⟩ for each input a: scalar Tensors of a graph (None where ∂f/∂a is constant) with
    ``create_graph``, else an array of numbers."""
    with enable_grad():
        out = fn(*tensors)
    grads = grad(out, tensors, grad_output, create_graph=create_graph, allow_unused=True)
    if create_graph:
        return [None if g is None or not g.requires_grad else (g * u).sum() for g, u in zip(grads, directions)]
    return np.array([0.0 if g is None else float(np.sum(g.data * u)) for g, u in zip(grads, directions)])


def _derivatives(h, tensors):
    """∂h/∂t for each tensor as float64 arrays (zeros where h does not depend on t, or h is None: a constant).
    The graph is kept: the hₐ of all inputs share it."""
    found = [None] * len(tensors) if h is None else grad(h, tensors, retain_graph=True, allow_unused=True)
    return [np.zeros(t.shape) if g is None else g.data for g, t in zip(found, tensors)]


def _central_differences(values, t, eps):
    """(values(x + εeₖ) − values(x − εeₖ)) / 2ε for every element k of input t; ``values()`` returns a number or a
    1-d array of them computed from the inputs, so the result is (number of values, *t.shape)."""
    x = t.data.reshape(-1)  # a view: writing x[k] perturbs the input fn reads
    if x.size == 0:
        return np.zeros((np.size(values()),) + t.shape)
    columns = []
    for k in range(x.size):
        original = x[k]
        x[k] = original + eps
        plus = np.atleast_1d(values())
        x[k] = original - eps
        minus = np.atleast_1d(values())
        x[k] = original
        columns.append((plus - minus) / (2 * eps))
    return np.array(columns).T.reshape((-1,) + t.shape)


def _evaluate(fn, tensors, grad_output):
    with no_grad():
        out = fn(*tensors)
    values = np.asarray(out.data, dtype=np.float64)
    return float(values.sum() if grad_output is None else np.sum(values * grad_output))


def _checked(fn, inputs, eps, caller):
    """The inputs as leaf Tensors (arrays become float64 ones), after checking ``fn`` and ``eps``."""
    number(eps, "eps (the finite-difference step)", caller, low=0, low_open=True)
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError(f"{caller}: inputs must be a non-empty list of tensors or arrays, got {inputs!r:.60}.")
    tensors = [x if isinstance(x, Tensor) else Tensor(float64_array(x, f"input {i}", caller))
               for i, x in enumerate(inputs)]
    callable_of(fn, len(tensors), "fn", caller, f"{caller}(lambda x, w: (x @ w).sum(), [x, w]); for a model's "
                "parameters, fn = lambda *params: loss")
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
        for t, (data, old_grad, requires_grad) in zip(tensors, saved):
            t.data, t.grad, t.requires_grad = data, old_grad, requires_grad


def _name(t, i):
    return t.name or f"input {i}"


def _second_name(tensors, a, b):
    """'∂²f/∂b∂a · u', with 'input i' in parentheses when the tensors have no names."""
    first, second = (_name(tensors[i], i) for i in (a, b))
    first, second = (n if " " not in n else f"({n})" for n in (first, second))
    return f"∂²f/∂{first}² · u" if a == b else f"∂²f/∂{second}∂{first} · u"
