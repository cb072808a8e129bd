"""gradcheck and numerical_grad are themselves tested: they pass correct ops and catch wrong ones."""
import numpy as np
import pytest

import minigrad_ae as mg


class WrongSigmoid(mg.Function):
    """A deliberately wrong backward: forgets the factor (1 − z)."""

    @staticmethod
    def forward(ctx, a):
        z = 1 / (1 + np.exp(-a))
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved
        return (g * z,)


class IgnoresUpstream(mg.Function):
    """Returns the local derivative without multiplying by g: passes with ones upstream, fails otherwise."""

    @staticmethod
    def forward(ctx, a):
        return 2 * a

    @staticmethod
    def backward(ctx, g):
        return (np.full(g.shape, 2.0),)


@pytest.mark.central_differences
def test_numerical_grad_of_a_known_function():
    x = np.array([1.0, 2.0, 3.0])
    (grad,) = mg.numerical_grad(lambda t: (t ** 3).sum(), [x])
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])  # input restored


@pytest.mark.central_differences
def test_numerical_grad_works_in_float64_for_float32_inputs():
    x = mg.tensor(np.array([0.3, 0.7], dtype=np.float32))
    (grad,) = mg.numerical_grad(lambda t: t.exp().sum(), [x])
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, np.exp(x.data.astype(np.float64)), rtol=1e-8)
    assert x.dtype == np.float32


@pytest.mark.central_differences
def test_gradcheck_passes_a_correct_composite_and_reports_a_table():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    report = mg.gradcheck(lambda x, w: (x @ w).tanh(), [x, w])
    assert report and report.passed and report.max_rel_error < 1e-8
    text = str(report)
    assert "gradcheck passed" in text and "input 0" in text and "(4, 3)" in text and "rel err" in text


@pytest.mark.central_differences
def test_gradcheck_fails_a_wrong_backward_and_shows_where():
    x = np.linspace(-2, 2, 5)
    report = mg.gradcheck(lambda t: WrongSigmoid.apply(t), [x])
    assert not report
    assert "FAILED" in str(report) and "✗" in str(report)
    with pytest.raises(mg.GradcheckError, match="FAILED"):
        mg.gradcheck(lambda t: WrongSigmoid.apply(t), [x], raise_on_fail=True)


@pytest.mark.central_differences
def test_gradcheck_catches_a_backward_that_ignores_its_upstream_gradient():
    x = np.array([1.0, 2.0, 3.0])
    assert mg.gradcheck(lambda t: IgnoresUpstream.apply(t).sum(), [x])  # a plain sum feeds ones: passes
    assert not mg.gradcheck(lambda t: IgnoresUpstream.apply(t), [x])  # random upstream: caught


@pytest.mark.central_differences
def test_gradcheck_promotes_float32_and_restores_inputs():
    w = mg.tensor(np.array([[0.5, -1.0], [2.0, 0.1]], dtype=np.float32), requires_grad=True, name="w")
    before = w.data
    report = mg.gradcheck(lambda w: (w * w).sigmoid().sum(), [w])
    assert report and "promoted to float64" in str(report) and "w" in str(report)
    assert w.data is before and w.dtype == np.float32 and w.grad is None


@pytest.mark.central_differences
def test_gradcheck_through_closure_over_parameters():
    """Inputs may be tensors that fn uses from outside (a model's parameters)."""
    rng = np.random.default_rng(1)
    w, b = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True), mg.tensor(np.zeros(2), requires_grad=True)
    x = mg.tensor(rng.standard_normal((5, 3)))

    def loss(*_):
        return ((x @ w + b).sigmoid() ** 2).mean()

    assert mg.gradcheck(loss, [w, b])


def test_directional_mode_checks_a_large_input_in_two_evaluations():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((200, 300)) * 0.1
    calls = []

    def fn(w):
        calls.append(1)
        return (w.tanh() ** 2).sum(axis=1)

    report = mg.gradcheck(fn, [w], mode="directional")
    assert report and len(calls) == 3  # one forward for backward, two for the finite difference
    assert not mg.gradcheck(lambda t: WrongSigmoid.apply(t), [w[:5, :5]], mode="directional")


def test_gradcheck_input_errors():
    y = mg.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(ValueError, match="output of Mul, not a leaf"):
        mg.gradcheck(lambda t: t * 2, [y])
    with pytest.raises(ValueError, match="mode must be 'full' or 'directional'"):
        mg.gradcheck(lambda t: t, [np.ones(2)], mode="fast")
    with pytest.raises(TypeError, match="dtype int64; gradients need float"):
        mg.gradcheck(lambda t: t, [mg.tensor(np.arange(2), dtype=np.int64)])


def test_relative_error():
    assert mg.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert mg.relative_error([1.0], [1.0]) == 0.0
    assert mg.relative_error([1.0], [-1.0]) == np.inf  # opposite gradients must never look equal
    assert mg.relative_error([3.0, 4.0], [3.0, 4.0 + 1e-6]) < 1e-7
