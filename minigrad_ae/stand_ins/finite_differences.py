"""Finite differences of an op's forward, as precise as float64 allows: the stand-ins' way to differentiate an op.

f′(x) ≈ Σₖ cₖ (f(x + kh) − f(x − kh)) / 60h with (c₁, c₂, c₃) = (45, −9, 1): the central difference of order 6,
exact for polynomials up to degree 6. The step starts large (¼ of max(|x|, 1)), where rounding costs least,
and is divided by 4 (which divides the error by 4⁶) until two estimates agree to 1e-12 (or to the rounding
floor of f's values); a step that reaches outside f's domain (a NaN, an infinity) counts as not agreeing.
The result is then within ~1e-13 of f′(x) — a stand-in backward agrees with the true one about as closely as
two hand-written ones do — after 3–5 estimates of 6 passes each for smooth functions, 2 for linear ones.
For a float32 input (``precise=False``) one plain central difference, two passes, is already finer than
float32 can show (~1e-10); the careful way runs only if it steps outside f's domain.

``forward(*inputs)`` is the op's forward on float64 arrays; ``i`` picks the input differentiated.
"""
import numpy as np

STENCIL = ((1, 45.0), (2, -9.0), (3, 1.0))   # (k, cₖ)
CENTRAL = ((1, 30.0),)                         # (f(x + h) − f(x − h)) / 2h in the same form
CENTRAL_STEP = np.finfo(np.float64).eps ** (1 / 3)   # its best step, relative to max(|x|, 1): error ~1e-10
SHRINK, STEPS = 4, 20                          # from ¼ down to ~2e-13 of max(|x|, 1)
AGREE = 1e-12


def elementwise(forward, inputs, i, precise=True):
    """∂out/∂input ``i`` of an elementwise op (broadcasting allowed), shaped like the output: every element of
    the input is moved at once, as each output element depends on one element of each input only."""
    return _converged(forward, inputs, i, ..., precise=precise)


def left_slopes(forward, inputs, i):
    """The slope of a piecewise-linear elementwise op just left of each element of input ``i`` (at a kink: its
    left side's, as ReLU's convention), from (f(x) − f(x − h)) / h with h = x/1000 (1 at 0): no kink in between."""
    x = inputs[i]
    minus = x - np.where(x == 0, 1.0, 1e-3 * np.abs(x))
    moved = _moving(forward, inputs, i)
    return (moved(x) - moved(minus)) / (x - minus)


def along_aligned_axes(forward, inputs, i, g, pairs, precise=True):
    """∂⟨g, out⟩/∂input ``i``, with one derivative estimate per position of the input's axes not in ``pairs``.

    ``pairs`` [(input axis, output axis)]: element k along such an input axis moves only element k along its
    output axis. At each position the whole slice along the aligned axes moves at once; what output element k
    did is input element k's doing, so ⟨g, ∂out⟩ summed over the other output axes is that element's share.
    With no pairs, each element is its own position.
    """
    x = inputs[i]
    pairs = sorted(pairs)
    in_axes, out_axes = [p[0] for p in pairs], [p[1] for p in pairs]
    free = [a for a in range(x.ndim) if a not in in_axes]
    last = list(range(g.ndim - len(pairs), g.ndim))
    g_last = np.moveaxis(g, out_axes, last)
    grad = np.zeros_like(x)
    for position in np.ndindex(*[x.shape[a] for a in free]):
        index = [slice(None)] * x.ndim
        for axis, k in zip(free, position):
            index[axis] = k
        index = tuple(index)
        slopes = _converged(forward, inputs, i, index, precise,
                            lambda d: np.moveaxis(np.broadcast_to(d, g.shape), out_axes, last))
        grad[index] = (g_last * slopes).reshape((-1,) + np.shape(x[index])).sum(axis=0)
    return grad


def _moving(forward, inputs, i):
    return lambda value: forward(*inputs[:i], value, *inputs[i + 1:])


def _converged(forward, inputs, i, index, precise, arrange=lambda d: d):
    """The derivative of the output w.r.t. input ``i`` moved at ``index`` (output-shaped after ``arrange``, which
    lines the output's axes up with the moved slice), the step shrunk until successive estimates agree."""
    x, moved = inputs[i], _moving(forward, inputs, i)
    scale = np.maximum(np.abs(x[index]), 1.0)
    with np.errstate(all="ignore"):
        if not precise:
            quick = _estimate(moved, x, index, CENTRAL_STEP * scale, arrange, CENTRAL)
            if np.all(np.isfinite(quick)):
                return quick
        h = 0.25 * scale
        floor = 1e-13 * np.abs(arrange(moved(x)))         # f's rounding, relative to its values
        previous = _estimate(moved, x, index, h, arrange)
        best, best_change = previous, np.full(previous.shape, np.inf)
        for _ in range(STEPS):
            h = h / SHRINK
            estimate = _estimate(moved, x, index, h, arrange)
            change = np.where(np.isfinite(estimate) & np.isfinite(previous), np.abs(estimate - previous), np.inf)
            better = change < best_change
            best, best_change = np.where(better, estimate, best), np.where(better, change, best_change)
            previous = estimate
            if np.all(np.isfinite(best) & (best_change <= AGREE * np.abs(best) + floor / h)):
                break
    return best


def _estimate(moved, x, index, h, arrange, stencil=STENCIL):
    total = 0.0
    for k, weight in stencil:
        if index is Ellipsis:
            plus, minus = x + k * h, x - k * h
        else:
            plus, minus = x.copy(), x.copy()
            plus[index] += k * h
            minus[index] -= k * h
        total = total + weight * (moved(plus) - moved(minus))
    return arrange(total) / (60 * h)
