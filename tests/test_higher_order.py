"""Derivatives of derivatives, from the user's side: jacobian, hessian, hvp, gradcheck(order=2), jacobian_penalty.

Each is checked against float64 central differences (of f for first derivatives, of backward for second ones) on
random small problems, against closed forms where they exist, and — when PyTorch is installed — against
``torch.autograd`` for the second and third derivatives of random compositions of ops (float64, rtol 1e-10).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from gradtools import assert_backward_matches, seeds
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.penalties import jacobian_penalty


def numeric_jacobian(f, x):
    """Row i by central differences of ⟨eᵢ, f⟩ (numerical_grad with a one-hot upstream gradient)."""
    out_shape = f(mg.tensor(x)).shape
    rows = [mg.numerical_grad(f, [x], grad_output=e.reshape(out_shape))[0] for e in np.eye(int(np.prod(out_shape)))]
    return np.array(rows).reshape(out_shape + x.shape)


def numeric_hessian(f, x, eps=1e-5):
    """Column j by central differences of backward's gradient: (∇f(x + εeⱼ) − ∇f(x − εeⱼ)) / 2ε."""
    def gradient(values):
        t = mg.tensor(values, requires_grad=True)
        return mg.grad(f(t), t)[0].data
    columns = []
    for e in np.eye(x.size):
        step = eps * e.reshape(x.shape)
        columns.append((gradient(x + step) - gradient(x - step)) / (2 * eps))
    return np.stack(columns, axis=-1).reshape(x.shape + x.shape)


# Small smooth functions of a vector x (n,) with fixed random weights: a few ops deep, curved everywhere.
def vector_function(n, m, seed):
    rng = np.random.default_rng(seed)
    W, U = rng.standard_normal((m, n)), rng.standard_normal((m, n)) * 0.5
    return lambda x: (x @ W.T).tanh() * (x @ U.T).sigmoid() + (x * x).sum() * 0.1


def scalar_function(n, seed):
    g = vector_function(n, 3, seed)
    return lambda x: (g(x) ** 2).sum() + (x * 0.5).exp().sum()


dimensions = st.integers(1, 5)


# ---------------------------------------------------------------- jacobian
@given(n=dimensions, m=dimensions, seed=seeds())
def test_jacobian_matches_finite_differences(n, m, seed):
    f = vector_function(n, m, seed)
    x = np.random.default_rng(seed).standard_normal(n)
    J = mg.jacobian(f, x)
    assert isinstance(J, mg.Tensor) and J.shape == (m, n) and not J.requires_grad
    np.testing.assert_allclose(J.data, numeric_jacobian(f, x), rtol=1e-7, atol=1e-9)


def test_jacobian_of_a_linear_map_is_its_matrix_and_shapes_follow_the_tensors():
    rng = np.random.default_rng(0)
    A, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    np.testing.assert_array_equal(mg.jacobian(lambda x: x @ A.T, x).data, A)
    X = rng.standard_normal((2, 4))                      # matrix in, matrix out: J is (2, 3, 2, 4)
    J = mg.jacobian(lambda X: X @ A.T, X).data
    assert J.shape == (2, 3, 2, 4)
    np.testing.assert_array_equal(J[1, :, 1], A)
    np.testing.assert_array_equal(J[1, :, 0], 0)        # rows of X do not affect other rows of the output


def test_jacobian_of_several_inputs_is_a_tuple_one_per_input():
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal(3), rng.standard_normal((2, 3))
    Jx, JW = mg.jacobian(lambda x, W: (W @ x).tanh(), [x, W])
    slope = 1 - np.tanh(W @ x) ** 2
    np.testing.assert_allclose(Jx.data, slope[:, None] * W, rtol=1e-12)
    assert JW.shape == (2, 2, 3)                      # ∂yᵢ/∂Wₖⱼ = slopeᵢ δᵢₖ xⱼ
    np.testing.assert_allclose(JW.data, slope[:, None, None] * np.eye(2)[:, :, None] * x, rtol=1e-12)


def test_jacobian_uses_a_tensor_that_requires_grad_as_it_is_and_leaves_grad_alone():
    w = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    calls = []

    def f(t):
        calls.append(t)
        return t * t
    J = mg.jacobian(f, w)
    assert calls[0] is w and w.grad is None
    np.testing.assert_array_equal(J.data, np.diag([2.0, 4.0]))


@given(batch=st.integers(1, 4), n=dimensions, m=dimensions, seed=seeds())
def test_batched_jacobian_equals_each_sample_s_jacobian(batch, n, m, seed):
    f = vector_function(n, m, seed)
    X = np.random.default_rng(seed).standard_normal((batch, n))
    J = mg.jacobian(lambda X: _rowwise(f, X), X, batched=True)
    assert J.shape == (batch, m, n)
    for b in range(batch):
        np.testing.assert_allclose(J.data[b], mg.jacobian(f, X[b]).data, rtol=1e-12, atol=1e-14)


def _rowwise(f, X):
    """f applied to each row of X, stacked: a map that treats the rows of a batch independently."""
    return mg.stack([f(X[b]) for b in range(len(X))])


def test_batched_jacobian_takes_one_backward_per_output_of_one_row(monkeypatch):
    from minigrad_ae.autodiff import derivatives
    calls = []
    real_grad = derivatives.grad
    monkeypatch.setattr(derivatives, "grad", lambda *a, **k: calls.append(1) or real_grad(*a, **k))
    W = np.random.default_rng(2).standard_normal((3, 5))
    mg.jacobian(lambda X: (X @ W.T).sigmoid(), np.ones((40, 5)), batched=True)
    assert len(calls) == 3                               # not 40 · 3


def test_jacobian_works_inside_no_grad_and_create_graph_makes_it_differentiable():
    W = mg.tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    x = np.array([0.3, -0.1])
    with mg.no_grad():
        J = mg.jacobian(lambda x: (x @ W.T).tanh(), x)
    assert not J.requires_grad
    J = mg.jacobian(lambda x: (x @ W.T).tanh(), x, create_graph=True)
    assert J.requires_grad
    (J ** 2).sum().backward()
    # ∂/∂W of Σᵢⱼ (sᵢ Wᵢⱼ)² with s = 1 − tanh²(Wx): finite differences
    numeric = mg.numerical_grad(lambda W: (mg.jacobian(lambda x: (x @ W.T).tanh(), x, create_graph=True) ** 2).sum(),
                                [W.data.copy()])[0]
    np.testing.assert_allclose(W.grad, numeric, rtol=1e-7)


def test_jacobian_errors_say_what_is_wrong():
    x = np.ones(3)
    with pytest.raises(TypeError, match="jacobian: f returned a ndarray.*not .numpy"):
        mg.jacobian(lambda t: t.numpy() * 2, x)
    with pytest.raises(RuntimeError, match="jacobian: f's output .* does not depend on its inputs"):
        mg.jacobian(lambda t: mg.tensor(t.data) * 2, x)
    with pytest.raises(TypeError, match="jacobian: input 0 has dtype int64; derivatives need float"):
        mg.jacobian(lambda t: t, np.arange(3))
    with pytest.raises(ValueError, match="jacobian: got no inputs"):
        mg.jacobian(lambda: None, [])
    with pytest.raises(mg.ShapeError, match=r"jacobian\(batched=True\).*batch as their first axis"):
        mg.jacobian(lambda t: t.sum(axis=0), np.ones((4, 2)), batched=True)


# ---------------------------------------------------------------- hessian and hvp
@given(n=dimensions, seed=seeds())
def test_hessian_matches_finite_differences_of_the_gradient_and_is_symmetric(n, seed):
    f = scalar_function(n, seed)
    x = np.random.default_rng(seed).standard_normal(n)
    H = mg.hessian(f, x).data
    assert H.shape == (n, n)
    np.testing.assert_allclose(H, numeric_hessian(f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)


@given(n=dimensions, seed=seeds())
def test_hvp_equals_the_explicit_hessian_times_v(n, seed):
    rng = np.random.default_rng(seed)
    f, x, v = scalar_function(n, seed), rng.standard_normal(n), rng.standard_normal(n)
    Hv = mg.hvp(f, x, v)
    assert isinstance(Hv, mg.Tensor) and Hv.shape == (n,)
    np.testing.assert_allclose(Hv.data, mg.hessian(f, x).data @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Hv.data, numeric_hessian(f, x) @ v, rtol=1e-6, atol=1e-8)


def test_hessian_of_a_quadratic_is_its_symmetrised_matrix_and_of_a_linear_function_zero():
    rng = np.random.default_rng(3)
    A, b, x = rng.standard_normal((4, 4)), rng.standard_normal(4), rng.standard_normal(4)
    quadratic = lambda x: 0.5 * (x * (x @ A.T)).sum() + (x * b).sum()   # noqa: E731  ½ xᵀAx + bᵀx
    np.testing.assert_allclose(mg.hessian(quadratic, x).data, (A + A.T) / 2, rtol=1e-13)
    np.testing.assert_array_equal(mg.hessian(lambda x: (x * b).sum(), x).data, np.zeros((4, 4)))
    np.testing.assert_array_equal(mg.hvp(lambda x: (x * b).sum(), x, b).data, np.zeros(4))
    X = rng.standard_normal((2, 3))                        # a matrix input: H is (2, 3, 2, 3)
    H = mg.hessian(lambda X: (X ** 3).sum(), X).data
    np.testing.assert_allclose(H.reshape(6, 6), np.diag(6 * X.reshape(-1)), rtol=1e-13)


@given(seed=seeds())
def test_hvp_of_several_inputs_is_the_whole_hessian_times_the_whole_v(seed):
    """For f(x, W) the blocks [H_xx H_xW; H_Wx H_WW] (v_x, v_W) equal the Hessian of f of one flat vector."""
    rng = np.random.default_rng(seed)
    x, W = rng.standard_normal(3), rng.standard_normal((2, 3))
    v = [rng.standard_normal(3), rng.standard_normal((2, 3))]

    def f(x, W):
        return ((W @ x).tanh() ** 2).sum() + (W * W).sum() * (x * x).sum() * 0.1

    def flat(theta):
        return f(theta[:3], theta[3:].reshape(2, 3))

    Hv_x, Hv_W = mg.hvp(f, [x, W], v)
    H = mg.hessian(flat, np.concatenate([x, W.reshape(-1)])).data
    np.testing.assert_allclose(np.concatenate([Hv_x.data, Hv_W.data.reshape(-1)]),
                               H @ np.concatenate([v[0], v[1].reshape(-1)]), rtol=1e-10, atol=1e-12)


def test_hvp_with_create_graph_gives_third_derivatives():
    """f = Σ x⁴: H v = 12 x² ⊙ v, and ∂⟨w, H v⟩/∂x = 24 x ⊙ v ⊙ w."""
    x = mg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    v, w = np.array([1.0, 2.0, -1.0]), np.array([0.3, 0.1, 2.0])
    Hv = mg.hvp(lambda x: (x ** 4).sum(), x, v, create_graph=True)
    np.testing.assert_allclose(Hv.data, 12 * x.data ** 2 * v, rtol=1e-13)
    (third,) = mg.grad((Hv * w).sum(), x)
    np.testing.assert_allclose(third.data, 24 * x.data * v * w, rtol=1e-13)


def test_hvp_and_hessian_errors_say_what_is_wrong():
    x = np.ones(3)
    with pytest.raises(mg.ShapeError, match=r"hvp: f must return a scalar .* got shape \(3,\)"):
        mg.hvp(lambda t: t * t, x, x)
    with pytest.raises(mg.ShapeError, match=r"hvp: v for input 0 has shape \(2,\) but the input has shape \(3,\)"):
        mg.hvp(lambda t: (t * t).sum(), x, np.ones(2))
    with pytest.raises(ValueError, match="hvp: got 1 vectors v for 2 inputs"):
        mg.hvp(lambda a, b: (a * b).sum(), [x, x], [x])
    with pytest.raises(TypeError, match="hessian: takes one input"):
        mg.hessian(lambda a, b: (a * b).sum(), [x, x])
    with pytest.raises(mg.ShapeError, match="hessian: f must return a scalar"):
        mg.hessian(lambda t: t * t, x)


# ---------------------------------------------------------------- gradcheck(order=2)
class ExpWithConstantSlope(mg.Function):
    """exp whose backward uses a *copy* of its output: right first derivative, but in a graph of gradients the
    copy is a constant (neither input nor output), so the second derivative comes out 0 instead of eˣ."""

    @staticmethod
    def forward(ctx, a):
        z = np.exp(a)
        ctx.save_for_backward(z.copy())
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return g * z


class MulWithConstantFactors(mg.Function):
    """a ⊙ b whose backward uses copies of a and b: ∂²f/∂a² = ∂²f/∂b² = 0 still hold, the mixed ones are lost."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a.copy(), b.copy())
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        return g * b, g * a


def test_gradcheck_order_2_passes_a_correct_composite_and_names_every_second_derivative():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((4, 3)), name="x")
    w = mg.tensor(rng.standard_normal((3, 2)), name="w", requires_grad=True)
    report = mg.gradcheck(lambda x, w: (x @ w).tanh() * x.sum(), [x, w], order=2)
    text = str(report)
    assert report and report.max_rel_error < 1e-8, text
    assert "gradcheck passed, orders 1 and 2" in text and "derivative" in text
    for name, shape in [("∂²f/∂x² · u", "(4, 3)"), ("∂²f/∂w∂x · u", "(3, 2)"), ("∂²f/∂x∂w · u", "(4, 3)"),
                        ("∂²f/∂w² · u", "(3, 2)")]:
        assert any(name in line and shape in line and "✓" in line for line in text.splitlines()), (name, text)
    assert w.requires_grad and w.grad is None and w.dtype == np.float64   # the check put everything back


def test_gradcheck_order_2_catches_a_wrong_second_derivative_that_order_1_passes():
    x = np.linspace(-1, 1, 5)
    assert mg.gradcheck(lambda t: ExpWithConstantSlope.apply(t), [x])
    report = mg.gradcheck(lambda t: ExpWithConstantSlope.apply(t), [x], order=2)
    assert not report
    first, second = [line for line in str(report).splitlines() if "(5,)" in line]
    assert "input 0" in first and "✓" in first
    assert "∂²f/∂(input 0)² · u" in second and "✗" in second
    with pytest.raises(mg.GradcheckError, match="FAILED, orders 1 and 2"):
        mg.gradcheck(lambda t: ExpWithConstantSlope.apply(t), [x], order=2, raise_on_fail=True)
    assert not mg.gradcheck(lambda t: ExpWithConstantSlope.apply(t), [x], order=2, mode="directional")


def test_gradcheck_order_2_names_the_wrong_mixed_derivative():
    rng = np.random.default_rng(1)
    a, b = mg.tensor(rng.standard_normal(3), name="a"), mg.tensor(rng.standard_normal(3), name="b")
    report = mg.gradcheck(lambda a, b: MulWithConstantFactors.apply(a, b), [a, b], order=2)
    verdicts = {line.split("·")[0].strip(): line.strip().endswith("✓") for line in str(report).splitlines()
                if "· u" in line and "note" not in line}
    assert verdicts == {"∂²f/∂a²": True, "∂²f/∂b∂a": False, "∂²f/∂a∂b": False, "∂²f/∂b²": True}, str(report)
    assert not mg.gradcheck(lambda a, b: MulWithConstantFactors.apply(a, b), [a, b], order=2, mode="directional")


def test_gradcheck_order_2_directional_checks_a_large_input_in_a_few_backward_passes():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((60, 80)) * 0.1
    calls = []

    def fn(w):
        calls.append(1)
        return (w.tanh() ** 2).sum(axis=1)

    report = mg.gradcheck(fn, [w], mode="directional", order=2)
    assert report and len(calls) == 3 + 3, str(report)   # order 1: 3 forwards; order 2: one graphed, two plain
    assert "⟨w, H u⟩" in str(report)


def test_gradcheck_order_must_be_1_or_2():
    with pytest.raises(ValueError, match="gradcheck: order must be 1 .* or 2 .*got 3"):
        mg.gradcheck(lambda t: t, [np.ones(2)], order=3)


# ---------------------------------------------------------------- jacobian_penalty: the CAE penalty for any encoder
def sigmoid_layer(W, b):
    return lambda x: F.sigmoid(F.linear(x, W, b))


@given(batch=st.integers(1, 4), n_in=dimensions, n_hidden=dimensions, seed=seeds(),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_jacobian_penalty_equals_the_closed_form_on_one_sigmoid_layer(batch, n_in, n_hidden, seed, reduction):
    rng = np.random.default_rng(seed)
    W, b, X = rng.standard_normal((n_hidden, n_in)), rng.standard_normal(n_hidden), rng.standard_normal((batch, n_in))
    encoder = sigmoid_layer(W, b)
    autodiff = jacobian_penalty(encoder, X, reduction=reduction)
    closed = F.contractive_penalty(encoder(X), W, reduction=reduction)
    np.testing.assert_allclose(autodiff.data, closed.data, rtol=1e-12, atol=1e-15)


@settings(max_examples=25)
@given(batch=st.integers(1, 3), n_in=st.integers(1, 3), n_hidden=st.integers(1, 3), seed=seeds())
def test_jacobian_penalty_gradient_matches_closed_form_s_and_finite_differences(batch, n_in, n_hidden, seed):
    """One layer: the gradient w.r.t. W and b of the autodiff penalty (a second derivative) equals the closed
    form's (first-order backprop through ``contractive_penalty``) and central differences."""
    rng = np.random.default_rng(seed)
    W, b, X = rng.standard_normal((n_hidden, n_in)), rng.standard_normal(n_hidden), rng.standard_normal((batch, n_in))
    grads = assert_backward_matches(lambda W, b: jacobian_penalty(sigmoid_layer(W, b), X, reduction="none"),
                                    [W, b], seed)
    Wt, bt = mg.tensor(W, requires_grad=True), mg.tensor(b, requires_grad=True)
    v = np.random.default_rng(seed).standard_normal(batch)   # the upstream assert_backward_matches drew
    F.contractive_penalty(sigmoid_layer(Wt, bt)(X), Wt, reduction="none").backward(v)
    np.testing.assert_allclose(grads[0], Wt.grad, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(grads[1], bt.grad, rtol=1e-10, atol=1e-13)


@settings(max_examples=10)
@given(seed=seeds())
def test_jacobian_penalty_gradient_three_ways_hand_double_backward_and_finite_differences(seed):
    """One sigmoid layer, mean over the batch: lesson 6's hand-derived ∂P/∂W, ∂P/∂b (sⱼ = hⱼ(1 − hⱼ), rⱼ = Σᵢ Wⱼᵢ²):
    ∂P/∂a = 2s²(1 − 2h) r / m,  ∂P/∂W = 2 mean(s²) ⊙ W + (∂P/∂a)ᵀ X,  ∂P/∂b = Σ ∂P/∂a."""
    rng = np.random.default_rng(seed)
    W, b, X = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((5, 4))
    h = 1 / (1 + np.exp(-(X @ W.T + b)))
    s2, r = (h * (1 - h)) ** 2, (W ** 2).sum(axis=1)
    dP_da = 2 * s2 * (1 - 2 * h) * r / len(X)
    hand = [2 * s2.mean(axis=0)[:, None] * W + dP_da.T @ X, dP_da.sum(axis=0)]
    v = float(np.random.default_rng(seed).standard_normal())        # the upstream assert_backward_matches draws
    double_backward = assert_backward_matches(lambda W, b: jacobian_penalty(sigmoid_layer(W, b), X), [W, b], seed)
    for by_hand, by_autodiff in zip(hand, double_backward):
        np.testing.assert_allclose(v * by_hand, by_autodiff, rtol=1e-12, atol=1e-15)


@settings(max_examples=25)
@given(batch=st.integers(1, 3), sizes=st.tuples(*[st.integers(1, 3)] * 3), seed=seeds())
def test_jacobian_penalty_of_a_two_layer_encoder_has_the_right_value_and_gradient(batch, sizes, seed):
    n_in, n_mid, n_hidden = sizes
    rng = np.random.default_rng(seed)
    W1, W2 = rng.standard_normal((n_mid, n_in)), rng.standard_normal((n_hidden, n_mid))
    X = rng.standard_normal((batch, n_in))

    def encoder(W1, W2):
        return lambda x: F.sigmoid(F.linear(F.tanh(F.linear(x, W1)), W2))

    penalty = jacobian_penalty(encoder(W1, W2), X, reduction="none").data
    by_finite_differences = [np.sum(numeric_jacobian(encoder(W1, W2), x) ** 2) for x in X]
    # a saturated code has a tiny J, known by finite differences only to ~1e-10 absolute per entry
    np.testing.assert_allclose(penalty, by_finite_differences, rtol=1e-7, atol=1e-12)
    assert_backward_matches(lambda W1, W2: jacobian_penalty(encoder(W1, W2), X, reduction="none"), [W1, W2], seed)


def test_jacobian_penalty_trains_a_module_and_is_a_plain_value_under_no_grad():
    rng = np.random.default_rng(4)
    encoder = mg.nn.Sequential(mg.nn.Linear(4, 3, rng=rng, dtype=np.float64), mg.nn.Tanh(),
                               mg.nn.Linear(3, 2, rng=rng, dtype=np.float64), mg.nn.Sigmoid())
    X = rng.standard_normal((5, 4))
    penalty = jacobian_penalty(encoder, X)
    penalty.backward()
    assert all(p.grad is not None and np.any(p.grad != 0) for p in encoder.parameters())
    with mg.no_grad():
        value = jacobian_penalty(encoder, X)
    assert not value.requires_grad and value.item() == pytest.approx(penalty.item(), rel=1e-14)


def test_jacobian_penalty_keeps_a_float32_model_in_float32():
    """What a model's loss calls: jacobian_penalty(model.encode, x) on its float32 parameters and batch."""
    rng = np.random.default_rng(5)
    layer = mg.nn.Linear(6, 4, rng=rng)
    X = rng.uniform(0, 1, (8, 6)).astype(np.float32)
    encode = lambda x: F.sigmoid(layer(x))   # noqa: E731
    penalty = jacobian_penalty(encode, X)
    assert penalty.dtype == np.float32
    np.testing.assert_allclose(penalty.item(), F.contractive_penalty(encode(X), layer.weight).item(), rtol=1e-6)
    penalty.backward()
    assert layer.weight.grad.dtype == np.float32


def test_jacobian_penalty_errors_say_what_is_wrong():
    W = np.ones((2, 3))
    with pytest.raises(mg.ShapeError, match=r"jacobian_penalty: the encoder must map the batch x \(4, 3\) to a Tensor"):
        jacobian_penalty(lambda x: F.linear(x, W).sum(axis=0), np.ones((4, 3)))
    with pytest.raises(TypeError, match="jacobian_penalty: x must be a floating-point array, got dtype int64"):
        jacobian_penalty(lambda x: F.linear(x, W), np.ones((4, 3), dtype=np.int64))
    with pytest.raises(mg.ShapeError, match="jacobian_penalty: x must be a non-empty batch"):
        jacobian_penalty(lambda x: F.linear(x, W), np.float64(1.0))
    with pytest.raises(ValueError, match="jacobian_penalty: reduction must be"):
        jacobian_penalty(lambda x: F.linear(x, W), np.ones((4, 3)), reduction="max")


# ---------------------------------------------------------------- against PyTorch (skipped when it is not installed)
SIDE = (3, 4)   # every node of a random program has this shape, so any op can follow any other
_rng = np.random.default_rng(12345)
C = {"W": _rng.standard_normal((4, 4)) * 0.5, "b": _rng.standard_normal(4), "scale": _rng.uniform(0.5, 2, (4, 3)),
     "perm": _rng.permutation(12), "mask": _rng.random(SIDE) > 0.5, "v": _rng.standard_normal(SIDE),
     "target": _rng.standard_normal(SIDE), "probabilities": _rng.uniform(0.05, 0.95, SIDE),
     "pair": _rng.standard_normal((2, 1, 1))}   # fixed arrays the ops use


def same(fn):
    """An op written once with the methods both libraries share."""
    return fn, lambda T, *xs: fn(*xs)


# name -> (minigrad_ae version, torch version taking T: torch, its functional module and C as tensors)
UNARY = {
    "tanh": same(lambda x: x.tanh()),
    "sigmoid": same(lambda x: x.sigmoid()),
    "exp": same(lambda x: (x * 0.3).exp()),
    "log": same(lambda x: (x * x + 1).log()),
    "sqrt": same(lambda x: (x * x + 1).sqrt()),
    "powers": same(lambda x: x ** 3 + (x * x + 1) ** -1.5),
    "divide": same(lambda x: x / (x * x + 1)),
    "abs": same(lambda x: x.abs() * x),
    "relu": same(lambda x: x.relu() * x),
    "clip": same(lambda x: x.clip(-1.0, 1.0) * x),
    "transpose": same(lambda x: (x.T * 2.0).T * x),
    "leaky_relu": (lambda x: x.leaky_relu(0.2) * x, lambda T, x: T.F.leaky_relu(x, 0.2) * x),
    "max": (lambda x: x * x.max(axis=1, keepdims=True), lambda T, x: x * x.amax(dim=1, keepdim=True)),
    "centre": (lambda x: x - x.mean(axis=0, keepdims=True) ** 2, lambda T, x: x - x.mean(dim=0, keepdim=True) ** 2),
    "log_softmax": (lambda x: F.log_softmax(x * x, axis=-1), lambda T, x: T.torch.log_softmax(x * x, dim=-1)),
    "linear": (lambda x: F.linear(x * x, C["W"], C["b"]), lambda T, x: T.F.linear(x * x, T.W, T.b)),
    "scale": (lambda x: (x.T * C["scale"]).T * x, lambda T, x: (x.T * T.scale).T * x),
    "permute": (lambda x: x.reshape(-1)[C["perm"]].reshape(*SIDE) * x,
                lambda T, x: x.reshape(-1)[T.perm].reshape(*SIDE) * x),
    "broadcast": (lambda x: mg.broadcast_to((x * x).sum(axis=1, keepdims=True), SIDE) * x,
                  lambda T, x: (x * x).sum(dim=1, keepdim=True).expand(*SIDE) * x),
    "where": (lambda x: mg.where(C["mask"], x * x, x.tanh()), lambda T, x: T.torch.where(T.mask, x * x, x.tanh())),
}
BINARY = {
    "add": same(lambda a, b: a + b),
    "sub": same(lambda a, b: a - b * b),
    "mul": same(lambda a, b: a * b),
    "div": same(lambda a, b: a / (b * b + 1)),
    "matmul": same(lambda a, b: (a @ b.T @ b) * 0.3),
    "concatenate": (lambda a, b: mg.concatenate([a[:, :2], (a * b)[:, 2:]], axis=1),
                    lambda T, a, b: T.torch.cat([a[:, :2], (a * b)[:, 2:]], dim=1)),
    "stack": (lambda a, b: (mg.stack([a, b * b]) * C["pair"]).sum(axis=0),
              lambda T, a, b: (T.torch.stack([a, b * b]) * T.pair).sum(dim=0)),
    "broadcast_mul": (lambda a, b: a * b.sum(axis=0, keepdims=True), lambda T, a, b: a * b.sum(dim=0, keepdim=True)),
}
HEADS = {   # the scalar at the end: a dot product or one of the fused losses
    "dot": (lambda y: (y * C["v"]).sum(), lambda T, y: (y * T.v).sum()),
    "mse": (lambda y: F.mse_loss(y, C["target"]), lambda T, y: T.F.mse_loss(y, T.target)),
    # logits squashed into ±8: far out the composite overflows (test_bce_with_logits_derivatives_at_large_logits)
    "bce_with_logits": (lambda y: F.binary_cross_entropy_with_logits(y.tanh() * 8, C["probabilities"]),
                        lambda T, y: T.F.binary_cross_entropy_with_logits(y.tanh() * 8, T.probabilities)),
    # torch's own fused BCE is compared through its formula: near saturation (σ = 0.9997) the second derivative of
    # torch.nn.functional.binary_cross_entropy is 7e-8 off central differences of its gradient, this one's 2e-10.
    # p stays inside (0.018, 0.982): where σ rounds to 1, the libraries clamp log 0 by different conventions
    "bce": (lambda y: F.binary_cross_entropy((y.tanh() * 4).sigmoid(), C["probabilities"], reduction="sum"),
            lambda T, y: bce_formula((y.tanh() * 4).sigmoid(), T.probabilities)),
}


def bce_formula(p, y):
    return -(y * p.log() + (1 - y) * (1 - p).log()).sum()


@st.composite
def programs(draw):
    """(number of leaves, steps, head, seed); a step is (op name, indices of its arguments among earlier nodes)."""
    n_leaves, steps = draw(st.integers(1, 3)), []
    for _ in range(draw(st.integers(1, 6))):
        table = UNARY if draw(st.booleans()) else BINARY
        name = draw(st.sampled_from(sorted(table)))
        arity = 1 if table is UNARY else 2
        steps.append((name, tuple(draw(st.integers(0, n_leaves + len(steps) - 1)) for _ in range(arity))))
    return n_leaves, steps, draw(st.sampled_from(sorted(HEADS))), draw(seeds())


def run_program(program, leaves, T=None):
    """The program's scalar output from its leaves: with minigrad_ae's ops, or torch's when T is given."""
    _, steps, head, _ = program
    pick = (lambda pair: pair[0]) if T is None else (lambda pair: lambda *xs: pair[1](T, *xs))
    nodes = list(leaves)
    for name, args in steps:
        nodes.append(pick(UNARY.get(name) or BINARY[name])(*[nodes[i] for i in args]))
    out = nodes[-1]
    for node in nodes[len(leaves):-1]:   # every node reaches the output
        out = out + node * 0.1
    return pick(HEADS[head])(out)


def derivatives_to_third_order(grad, leaves, out, directions, zeros_like):
    """[∇f, ∇⟨u₁, ∇f⟩, ∇⟨u₂, ∇⟨u₁, ∇f⟩⟩]: three gradients, each of the previous one along a direction."""
    results, scalar = [], out
    for us in directions + [None]:
        if not scalar.requires_grad:                 # the previous derivative was constant: all further are 0
            grads = [zeros_like(x) for x in leaves]
        else:
            found = grad(scalar, leaves, create_graph=us is not None, allow_unused=True)
            grads = [zeros_like(x) if g is None else g for g, x in zip(found, leaves)]
        results.append(grads)
        if us is not None:
            terms = [(g * u).sum() for g, u in zip(grads, us)]
            scalar = terms[0]
            for term in terms[1:]:
                scalar = scalar + term
    return results


def torch_namespace():
    torch = pytest.importorskip("torch", reason="PyTorch is optional: the comparisons with torch.autograd need it")
    from types import SimpleNamespace
    return SimpleNamespace(torch=torch, F=torch.nn.functional, **{k: torch.as_tensor(v) for k, v in C.items()})


def assert_close_to_torch(ours, theirs, what, rtol=1e-10):
    """Equal up to rounding: rtol of each element, and of the largest one for elements that cancelled to ~0."""
    theirs = theirs.detach().numpy(force=True)   # force: torch may return a lazy ZeroTensor
    np.testing.assert_allclose(ours.data, theirs, rtol=rtol, atol=rtol * max(1.0, np.abs(theirs).max()), err_msg=what)


@settings(max_examples=60, deadline=None)
@given(program=programs())
def test_first_second_and_third_derivatives_of_random_programs_match_torch(program):
    T = torch_namespace()
    n_leaves, seed = program[0], program[3]
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(SIDE) for _ in range(n_leaves)]
    directions = [[rng.standard_normal(SIDE) for _ in range(n_leaves)] for _ in range(2)]

    leaves = [mg.tensor(v, requires_grad=True) for v in values]
    ours = derivatives_to_third_order(mg.grad, leaves, run_program(program, leaves), directions,
                                      lambda x: mg.zeros(x.shape, dtype=np.float64))
    leaves = [T.torch.tensor(v, requires_grad=True) for v in values]
    theirs = derivatives_to_third_order(T.torch.autograd.grad, leaves, run_program(program, leaves, T),
                                        [[T.torch.as_tensor(u) for u in us] for us in directions], T.torch.zeros_like)
    for order, (mine, reference) in enumerate(zip(ours, theirs), start=1):
        # each order differentiates the rounding of the one before through every op again: seen up to 6e-10 at 3
        rtol = 1e-10 if order < 3 else 1e-9
        for i, (a, b) in enumerate(zip(mine, reference)):
            assert_close_to_torch(a, b, f"order {order}, leaf {i}", rtol)


@settings(max_examples=20, deadline=None)
@given(program=programs())
def test_jacobian_hessian_and_hvp_match_torch_autograd_functional(program):
    T = torch_namespace()
    functional = T.torch.autograd.functional
    rng = np.random.default_rng(program[3])
    x, v = rng.standard_normal(SIDE), rng.standard_normal(SIDE)
    steps = [(name, tuple(0 for _ in args)) for name, args in program[1]]   # every op applied to the one input
    scalar = (1, steps) + program[2:]
    f_ours, f_theirs = (lambda t: run_program(scalar, [t])), (lambda t: run_program(scalar, [t], T))
    assert_close_to_torch(mg.hessian(f_ours, x), functional.hessian(f_theirs, T.torch.as_tensor(x)), "hessian")
    assert_close_to_torch(mg.hvp(f_ours, x, v), functional.hvp(f_theirs, T.torch.as_tensor(x), T.torch.as_tensor(v))[1],
                          "hvp")
    vector_ours = lambda t: UNARY["log_softmax"][0](t) * t          # noqa: E731
    vector_theirs = lambda t: UNARY["log_softmax"][1](T, t) * t     # noqa: E731
    assert_close_to_torch(mg.jacobian(vector_ours, x), functional.jacobian(vector_theirs, T.torch.as_tensor(x)),
                          "jacobian")


def test_bce_with_logits_derivatives_at_large_logits():
    """Up to third order, finite and exact for |z| up to 800 (−log σ(−z) alone overflowed from z ≈ 240)."""
    z0, y = np.array([-800.0, -300.0, 0.0, 2.0, 300.0, 800.0]), np.full(6, 0.3)
    with np.errstate(over="ignore"):                      # e^800 = inf gives σ = 0 exactly, as it should
        s, q = 1 / (1 + np.exp(-z0)), 1 / (1 + np.exp(z0))   # σ(z), σ(−z)
    exact = [s - y, s * q, s * q * (q - s)]               # ∂ℓ/∂z, ∂²ℓ/∂z², ∂³ℓ/∂z³ of softplus(z) − z y
    z = mg.tensor(z0, requires_grad=True)
    scalar = F.binary_cross_entropy_with_logits(z, y, reduction="sum")
    for order, want in enumerate(exact, start=1):
        with np.errstate(all="ignore"):
            (g,) = mg.grad(scalar, z, create_graph=True)
        np.testing.assert_allclose(g.data, want, rtol=1e-12, atol=1e-15, err_msg=f"order {order}")
        scalar = g.sum()


class SiLU(mg.Function):
    """The worked example of autodiff/function.py's docstring, as written there."""

    @staticmethod
    def forward(ctx, a):
        s = 1 / (1 + np.exp(-a))
        ctx.save_for_backward(a, s)
        return a * s

    @staticmethod
    def backward(ctx, g):
        a, s = ctx.saved
        return g * s * (1 + a * (1 - s))

    @staticmethod
    def composite(a):
        return a * a.sigmoid()


def test_the_documented_silu_needs_its_composite_for_second_derivatives(monkeypatch):
    x = np.linspace(-2, 2, 5)
    assert mg.gradcheck(SiLU.apply, [x], order=2)
    monkeypatch.setattr(SiLU, "composite", None)
    report = mg.gradcheck(SiLU.apply, [x], order=2)
    assert not report and report.rows[0]["passed"] and not report.rows[1]["passed"]
    assert 0.2 < report.rows[1]["rel_err"] < 0.5          # the docstring quotes 0.3
