"""Every Function's gradient, first and second order, from one table: one row per Function.

A row says how to call the op on tensors and how to draw its inputs (hypothesis: random shapes, broadcasting,
negative axes, kept away from kinks and outside domains where finite differences are undefined). Each row's op
is checked three ways: backward against float64 central differences with a random upstream gradient; double
backward (create_graph) against central differences of the first derivatives; and that the row really ran the
Function it names. ``test_every_function_has_a_row`` fails when a new Function is added without one.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad_ae as mg
from gradtools import arrays, assert_backward_matches, assert_second_order_matches, broadcast_pairs, seeds, shapes
from minigrad_ae.autodiff import Function, ops
from minigrad_ae.nn import fused
from minigrad_ae.nn import functional as F


def away_from(a, points=(0.0,), margin=0.15):
    """Push values off the kinks at ``points`` (|x|, ReLU, clip bounds), where finite differences are undefined."""
    for p in points:
        near = np.abs(a - p) < margin
        a = np.where(near, p + np.where(a >= p, margin, -margin), a)
    return a


def positive(a, low=0.3):
    return np.abs(a) + low


def one(strategy_of_array):
    return strategy_of_array.map(lambda a: (a,))


def any_array(**kw):
    return shapes(**kw).flatmap(arrays)


def broadcast_two(transform=lambda a: a):
    return broadcast_pairs().flatmap(lambda s: st.tuples(arrays(s[0]), arrays(s[1]))).map(
        lambda p: (transform(p[0]), transform(p[1])))


def with_axes(transform=lambda a: a):
    """An array and a reduction axis: None, one axis or several, negative aliases included."""
    def axes(a):
        n = a.ndim
        single = st.integers(-n, n - 1) if n else st.nothing()
        several = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).flatmap(
            lambda ax: st.tuples(*[st.sampled_from([x, x - n]) for x in ax])) if n else st.nothing()
        return st.tuples(st.just(transform(a)), st.one_of(st.none(), single, several), st.booleans())
    return any_array().flatmap(axes)


def distinct(shape, seed):
    """Values without ties (a max's gradient is undefined at a tie), spread ≥ 0.5 apart."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) * 0.5


def matmul_pairs():
    forms = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
             ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 2)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2))]
    random_sizes = st.tuples(*[st.integers(1, 4)] * 4).map(lambda d: ((d[3], d[0], d[1]), (d[1], d[2])))
    return st.one_of(st.sampled_from(forms), random_sizes).flatmap(lambda f: st.tuples(arrays(f[0]), arrays(f[1])))


def conv_case(transposed):
    @st.composite
    def draw(draw):
        n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
        k, stride, padding = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(0, 1))
        size = draw(st.integers(max(k - 2 * padding, 2), 4))
        if transposed:   # its output (size − 1)·stride − 2·padding + k must not be empty
            padding = min(padding, (size + k - 2) // 2)
        weight_shape = (c, o, k, k) if transposed else (o, c, k, k)
        x, w, b = draw(arrays((n, c, size, size))), draw(arrays(weight_shape)), draw(arrays((o,)))
        return x, w, b, stride, padding
    return draw()


def getitem_case():
    def index_for(a):
        basic = hnp.basic_indices(a.shape, allow_newaxis=True).filter(lambda i: a[i].size > 0)
        picks = st.lists(st.integers(-a.shape[0], a.shape[0] - 1), min_size=1, max_size=6).map(np.array)
        return st.tuples(st.just(a), st.one_of(basic, picks))   # repeated picks must add up
    return any_array(min_dims=1).flatmap(index_for)


def stack_case(join):
    @st.composite
    def draw(draw):
        shape = draw(shapes(min_dims=1 if join == "concatenate" else 0, max_dims=2))
        ndim = len(shape) + (join == "stack")
        axis = draw(st.integers(-ndim, ndim - 1))
        sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
        at = axis % ndim
        pieces = [draw(arrays(shape[:at] + (n,) + shape[at + 1:] if join == "concatenate" else shape)) for n in sizes]
        return tuple(pieces), axis
    return draw()


def loss_pair(input_transform, target_transform):
    return shapes(max_dims=2).flatmap(lambda s: st.tuples(arrays(s).map(input_transform), arrays(s).map(
        target_transform), st.sampled_from(["mean", "sum", "none"])))


def probabilities(a):
    return 0.05 + 0.9 / (1 + np.exp(-a))   # inside (0.05, 0.95): BCE's log and 1/(p(1 − p)) stay tame


def spread_rows(x):
    """Rows at least 0.5 apart: a batch whose variance is ~0 makes x̂ = (x − μ)/√(σ² + ε) ill-conditioned."""
    return x + np.arange(len(x))[:, None]


def batch_norm(x, gamma, beta):
    features = x.shape[1]
    return F.batch_norm(x, np.zeros(features), np.ones(features), gamma, beta, training=True)


def plain(op, inputs):
    """A row for an op without settings: ``inputs`` is a strategy of input tuples."""
    return inputs.map(lambda arrays_in: (op, arrays_in))


@st.composite
def reduction_row(draw, name):
    a, axis, keepdims = draw(with_axes())
    if name == "max":
        a = distinct(a.shape, draw(seeds()))
    return (lambda x: getattr(x, name)(axis=axis, keepdims=keepdims)), (a,)


@st.composite
def pow_row(draw):
    p = draw(st.sampled_from([0, 1, 2, 3, -1, -2, 0.5, 1.5, -1.0]))
    a = draw(any_array())
    a = away_from(a, margin=0.3) if float(p).is_integer() else positive(a)   # integer powers take any sign
    return (lambda x: x ** p), (a,)


@st.composite
def transpose_row(draw):
    a = draw(any_array(min_dims=1))
    perm = draw(st.permutations(range(a.ndim)).flatmap(
        lambda q: st.tuples(*[st.sampled_from([axis, axis - a.ndim]) for axis in q])))
    return ((lambda x: x.T) if draw(st.booleans()) else (lambda x: x.transpose(*perm))), (a,)


@st.composite
def getitem_row(draw):
    a, index = draw(getitem_case())
    return (lambda x: x[index]), (a,)


@st.composite
def scatter_row(draw):
    a, index = draw(getitem_case())
    return (lambda t: ops.scatter_add(t, index, a.shape)), (draw(arrays(a[index].shape)),)


@st.composite
def join_row(draw, join):
    pieces, axis = draw(stack_case(join))
    function = mg.concatenate if join == "concatenate" else mg.stack
    return (lambda *xs: function(xs, axis=axis)), pieces


@st.composite
def where_row(draw):
    a, b = draw(broadcast_two())
    condition = draw(hnp.arrays(bool, np.broadcast_shapes(a.shape, b.shape)))
    return (lambda x, y: mg.where(condition, x, y)), (a, b)


@st.composite
def gaussian_kl_row(draw):
    shape = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return (lambda m, v: F.gaussian_kl(m, v, reduction=reduction)), (draw(arrays(shape)), draw(arrays(shape)))


@st.composite
def loss_row(draw, loss, to_input, to_target):
    x, y, reduction = draw(loss_pair(input_transform=to_input, target_transform=to_target))
    return (lambda a, b: loss(a, b, reduction=reduction)), (x, y)


@st.composite
def im2col_row(draw, adjoint):
    x, w, _, stride, padding = draw(conv_case(transposed=False))
    k = w.shape[-1]
    if not adjoint:
        return (lambda t: fused.im2col(t, k, k, stride, padding)), (x,)
    cols = draw(arrays(fused.kernels.im2col(x, k, k, stride, padding).shape))
    return (lambda t: fused.col2im(t, x.shape, k, k, stride, padding)), (cols,)


@st.composite
def conv_row(draw, transposed):
    x, w, b, stride, padding = draw(conv_case(transposed))
    conv = F.conv_transpose2d if transposed else F.conv2d
    return (lambda a, v, c: conv(a, v, c, stride, padding)), (x, w, b)


def affine_inputs():
    return st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2)).flatmap(   # in, out, batch axes
        lambda d: st.tuples(arrays((2,) * d[2] + (d[0],)), arrays((d[1], d[0])), arrays((d[1],))))


# The table: Function -> a strategy of (op on tensors, tuple of float64 input arrays).
ROWS = {
    ops.Add: lambda: plain(lambda a, b: a + b, broadcast_two()),
    ops.Sub: lambda: plain(lambda a, b: a - b, broadcast_two()),
    ops.Mul: lambda: plain(lambda a, b: a * b, broadcast_two()),
    ops.Div: lambda: plain(lambda a, b: a / b, broadcast_two(lambda a: away_from(a, margin=0.5))),
    ops.Neg: lambda: plain(lambda a: -a, one(any_array())),
    ops.Pow: pow_row,
    ops.MatMul: lambda: plain(lambda a, b: a @ b, matmul_pairs()),
    ops.Transpose: transpose_row,
    ops.Reshape: lambda: plain(lambda a: a.reshape(-1), one(any_array())),
    ops.BroadcastTo: lambda: plain(lambda a: a.broadcast_to((2,) + a.shape), one(any_array())),
    ops.GetItem: getitem_row,
    ops.ScatterAdd: scatter_row,
    ops.Concatenate: lambda: join_row("concatenate"),
    ops.Stack: lambda: join_row("stack"),
    ops.Where: where_row,
    ops.Sum: lambda: reduction_row("sum"),
    ops.Mean: lambda: reduction_row("mean"),
    ops.Max: lambda: reduction_row("max"),
    ops.Exp: lambda: plain(lambda a: a.exp(), one(any_array())),
    ops.Log: lambda: plain(lambda a: a.log(), one(any_array().map(positive))),
    ops.Sqrt: lambda: plain(lambda a: a.sqrt(), one(any_array().map(positive))),
    ops.Abs: lambda: plain(lambda a: a.abs(), one(any_array().map(away_from))),
    ops.Tanh: lambda: plain(lambda a: a.tanh(), one(any_array())),
    ops.Sigmoid: lambda: plain(lambda a: a.sigmoid(), one(any_array())),
    ops.ReLU: lambda: plain(lambda a: a.relu(), one(any_array().map(away_from))),
    ops.LeakyReLU: lambda: plain(lambda a: a.leaky_relu(0.2), one(any_array().map(away_from))),
    ops.Clip: lambda: plain(lambda a: a.clip(-1.0, 1.0), one(any_array().map(lambda a: away_from(a, (-1.0, 1.0))))),
    fused.Affine: lambda: plain(lambda x, w, b: F.linear(x, w, b), affine_inputs()),
    fused.BatchNorm: lambda: plain(batch_norm, st.tuples(st.integers(2, 4), st.integers(1, 3)).flatmap(
        lambda d: st.tuples(arrays(d).map(spread_rows), arrays((d[1],)), arrays((d[1],))))),
    fused.MSE: lambda: loss_row(F.mse_loss, lambda a: a, lambda a: a),
    fused.BCE: lambda: loss_row(F.binary_cross_entropy, probabilities, probabilities),
    fused.BCEWithLogits: lambda: loss_row(F.binary_cross_entropy_with_logits, lambda a: a, probabilities),
    fused.LogSoftmax: lambda: plain(lambda a: F.log_softmax(a, axis=-1), one(any_array(min_dims=1))),
    fused.KLSparsity: lambda: plain(lambda r: F.kl_sparsity(r, 0.05), one(any_array().map(probabilities))),
    fused.GaussianKL: gaussian_kl_row,
    fused.Im2Col: lambda: im2col_row(adjoint=False),
    fused.Col2Im: lambda: im2col_row(adjoint=True),
    fused.Convolution2d: lambda: conv_row(transposed=False),
    fused.TransposedConvolution2d: lambda: conv_row(transposed=True),
}


def all_functions():
    """Every Function subclass the package defines (not the tests' own)."""
    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("minigrad_ae.") and sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def functions_in_graph(out):
    seen, stack, found = set(), [out], set()
    while stack:
        t = stack.pop()
        if id(t) in seen or t.creator is None:
            continue
        seen.add(id(t))
        found.add(t.creator.fn)
        stack.extend(t.creator.parents)
    return found


def test_every_function_has_a_row():
    missing = {f.__qualname__ for f in all_functions()} - {f.__qualname__ for f in ROWS} - {"StraightThrough"}
    assert not missing, f"Functions without a gradient-test row: {sorted(missing)}; add one to ROWS"


NAMES = [f.__name__ for f in ROWS]


@pytest.mark.parametrize("kind", list(ROWS), ids=NAMES)
@given(case=st.data(), seed=seeds())
def test_first_derivative_matches_finite_differences(kind, case, seed):
    op, inputs = case.draw(ROWS[kind]())
    out = op(*[mg.tensor(a, requires_grad=True) for a in inputs])
    assert kind in functions_in_graph(out), f"the row for {kind.__name__} does not run it"
    assert_backward_matches(op, list(inputs), seed)


@pytest.mark.parametrize("kind", list(ROWS), ids=NAMES)
@settings(max_examples=15)
@given(case=st.data(), seed=seeds())
def test_second_derivative_matches_finite_differences_of_the_first(kind, case, seed):
    op, inputs = case.draw(ROWS[kind]())
    assert_second_order_matches(op, list(inputs), seed)


def test_straight_through_copies_the_gradient_to_the_encoder_and_none_to_the_codebook():
    """The one Function no finite difference can check: its gradient is a chosen surrogate, not a derivative."""
    z_e = mg.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    chosen = mg.tensor(np.ones((3, 2)), requires_grad=True)
    g = np.arange(6.0).reshape(3, 2)
    fused.StraightThrough.apply(z_e, chosen.data).backward(g)
    np.testing.assert_array_equal(z_e.grad, g)
    assert chosen.grad is None
