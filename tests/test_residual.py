"""nn.Residual: y = x + fn(x). Its backward (and double backward) over primitive ops and over a layer with
parameters against float64 finite differences, its Jacobian I + J_f, parameter registration, and its errors."""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from gradtools import arrays, assert_backward_matches, assert_second_order_matches, seeds, shapes

BRANCHES = {  # smooth elementwise branches built from primitive ops (no kinks: finite differences stay exact)
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "exp": lambda t: (0.3 * t).exp(),
    "square": lambda t: t * t,
    "affine": lambda t: 2.0 * t - 1.0,
    "sin-like": lambda t: t - t ** 3 / 6,
}


@given(st.sampled_from(sorted(BRANCHES)), shapes(min_dims=0), seeds(), st.data())
def test_residual_over_a_primitive_op_matches_finite_differences(name, shape, seed, data):
    x = data.draw(arrays(shape))
    branch = BRANCHES[name]
    grad, = assert_backward_matches(nn.Residual(branch), [x], seed)
    upstream = np.random.default_rng(seed).standard_normal(np.shape(x))  # the v assert_backward_matches used
    direct = mg.tensor(x, requires_grad=True)
    branch(direct).backward(upstream)
    np.testing.assert_allclose(grad, upstream + direct.grad, rtol=1e-12, atol=1e-12)  # g + J_fᵀ g


@given(st.sampled_from(["tanh", "sigmoid", "square", "sin-like"]), shapes(min_dims=1, max_dims=2), seeds(), st.data())
def test_residual_second_order_matches_finite_differences(name, shape, seed, data):
    x = data.draw(arrays(shape, low=-2.0, high=2.0))
    assert_second_order_matches(nn.Residual(BRANCHES[name]), [x], seed)


@given(st.integers(1, 4), st.integers(1, 4), seeds(), st.data())
def test_residual_block_with_parameters_matches_finite_differences(batch, width, seed, data):
    """y = x + W tanh(x) + b: gradients to x, W and b (the pre-activation block of He et al. 2016)."""
    x, w, b = data.draw(arrays((batch, width))), data.draw(arrays((width, width))), data.draw(arrays((width,)))
    gx, gw, gb = assert_backward_matches(lambda x, w, b: nn.Residual(lambda h: F.linear(h.tanh(), w, b))(x),
                                         [x, w, b], seed)
    g = np.random.default_rng(seed).standard_normal((batch, width))
    np.testing.assert_allclose(gx, g + (g @ w) * (1 - np.tanh(x) ** 2), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw, g.T @ np.tanh(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, g.sum(axis=0), rtol=1e-10, atol=1e-12)


def test_the_jacobian_of_a_block_is_identity_plus_the_branch_jacobian():
    rng = np.random.default_rng(0)
    linear = nn.Linear(4, 4, rng=rng, dtype=np.float64)
    block = nn.Residual(nn.Sequential(nn.Sigmoid(), linear))
    x = rng.standard_normal(4)
    rows = []
    for i in range(4):
        xt = mg.tensor(x, requires_grad=True)
        block(xt)[i].backward()
        rows.append(xt.grad)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(np.array(rows), np.eye(4) + linear.weight.data * (s * (1 - s)), atol=1e-14)


def test_a_module_branch_is_registered_and_trained_a_function_branch_has_no_parameters():
    linear = nn.Linear(3, 3, rng=np.random.default_rng(1))
    block = nn.Residual(nn.Sequential(nn.Tanh(), linear))
    assert [name for name, _ in block.named_parameters()] == ["fn.1.weight", "fn.1.bias"]
    assert set(block.state_dict()) == {"fn.1.weight", "fn.1.bias"}
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    block(x).sum().backward()
    assert linear.weight.grad is not None and np.any(linear.weight.grad != 0)
    np.testing.assert_allclose(block(x).data, x + linear(np.tanh(x)).data, rtol=1e-6)
    assert nn.Residual(F.tanh).parameters() == []
    assert "fn=tanh" in repr(nn.Residual(F.tanh)) and "(fn): Sequential" in repr(block)


def test_residual_is_exported_and_keeps_float32():
    assert "Residual" in nn.__all__
    y = nn.Residual(nn.Tanh())(np.ones((2, 3), np.float32))
    assert y.dtype == np.float32 and y.shape == (2, 3)


@pytest.mark.parametrize("branch, x_shape, out_shape", [
    (lambda t: t[:, :2], (4, 3), (4, 2)),          # narrows
    (lambda t: t.sum(axis=0, keepdims=True), (4, 3), (1, 3)),   # would broadcast: refused, not silently spread
    (lambda t: t.sum(), (4, 3), ()),
])
def test_a_branch_that_changes_the_shape_is_refused_with_both_shapes(branch, x_shape, out_shape):
    shapes = rf"x has shape {re.escape(str(x_shape))} and fn\(x\) has shape {re.escape(str(out_shape))}\. "
    with pytest.raises(mg.ShapeError, match=r"nn.Residual: y = x \+ fn\(x\) needs fn\(x\) shaped like x, but "
                                            + shapes + "Make fn keep the shape"):
        nn.Residual(branch)(np.ones(x_shape))


def test_a_class_or_a_non_callable_is_refused():
    with pytest.raises(TypeError, match=r"nn.Residual: got the class Tanh, not a layer; call it: nn.Residual\(Tanh"):
        nn.Residual(nn.Tanh)
    with pytest.raises(TypeError, match=r"nn.Residual: fn must be a Module or a function of one Tensor.*got int 3"):
        nn.Residual(3)
