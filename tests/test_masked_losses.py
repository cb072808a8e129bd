"""The reconstruction losses' ``mask=`` argument (only observed entries count, L = Σ m⊙ℓ / Σ m): values against
the formula, gradients against float64 central differences for masks that broadcast, no gradient and no effect
from a hidden entry, the loss modules, and the errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from gradtools import assert_backward_matches, seeds, shapes

REDUCTIONS = ["mean", "sum", "none"]


def bce_np(p, y):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def bce_logits_np(z, y):
    return bce_np(1 / (1 + np.exp(-z)), y)


# name -> (function, elementwise loss in NumPy, input range, target range); inputs away from the kinks and clamps
LOSSES = {
    "mse_loss": (F.mse_loss, lambda x, y: (x - y) ** 2, (-3, 3), (-3, 3)),
    "l1_loss": (F.l1_loss, lambda x, y: np.abs(x - y), (1, 3), (-3, -1)),   # x > y everywhere: |·| is smooth there
    "binary_cross_entropy": (F.binary_cross_entropy, bce_np, (0.05, 0.95), (0, 1)),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, bce_logits_np, (-4, 4), (0, 1)),
}


@st.composite
def masked_case(draw):
    """(input shape, mask shape, mask): the mask broadcasts to the input (leading axes dropped, sizes of 1) and
    keeps at least one entry, so that every reduction is defined."""
    shape = draw(shapes())
    dropped = draw(st.integers(0, len(shape)))
    mask_shape = tuple(1 if draw(st.booleans()) else side for side in shape[dropped:])
    mask = np.array(np.random.default_rng(draw(seeds())).random(mask_shape) < 0.6)   # 0-d: an array too
    mask.flat[draw(st.integers(0, mask.size - 1))] = True
    return shape, mask_shape, mask


def reduce_masked_np(values, mask, reduction):
    m = np.broadcast_to(mask, values.shape)
    return {"mean": (values * m).sum() / m.sum(), "sum": (values * m).sum(), "none": values * m}[reduction]


@pytest.mark.masked_reduction
@pytest.mark.parametrize("name", LOSSES)
@given(case=masked_case(), seed=seeds(), reduction=st.sampled_from(REDUCTIONS),
       as_float=st.booleans())
def test_masked_loss_value_and_gradient(name, case, seed, reduction, as_float):
    function, elementwise, (x_low, x_high), (y_low, y_high) = LOSSES[name]
    shape, _, mask = case
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(x_low, x_high, shape), rng.uniform(y_low, y_high, shape)
    mask = mask.astype(np.float64) if as_float else mask   # 0/1 numbers work as True/False do
    np.testing.assert_allclose(function(mg.tensor(x), y, reduction, mask=mask).data,
                               reduce_masked_np(elementwise(x, y), mask, reduction), rtol=1e-12, atol=1e-15)
    assert_backward_matches(lambda a, b: function(a, b, reduction, mask=mask), [x, y], seed)


@pytest.mark.masked_reduction
@pytest.mark.parametrize("name", LOSSES)
@given(case=masked_case(), seed=seeds())
def test_hidden_entries_get_no_gradient_and_do_not_change_the_loss(name, case, seed):
    function, _, (x_low, x_high), (y_low, y_high) = LOSSES[name]
    shape, _, mask = case
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(x_low, x_high, shape), rng.uniform(y_low, y_high, shape)
    hidden = ~np.broadcast_to(mask, shape)
    t = mg.tensor(x, requires_grad=True)
    loss = function(t, y, mask=mask)
    loss.backward()
    assert np.all(t.grad[hidden] == 0)
    moved_x, moved_y = x.copy(), y.copy()   # anything at all where the mask hides: the loss must not notice
    moved_x[hidden] = rng.uniform(x_low, x_high, hidden.sum())
    moved_y[hidden] = rng.uniform(y_low, y_high, hidden.sum())
    assert function(mg.tensor(moved_x), moved_y, mask=mask).item() == loss.item()


@pytest.mark.masked_reduction
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_a_mask_of_ones_is_the_plain_loss(name, reduction):
    function, _, (x_low, x_high), (y_low, y_high) = LOSSES[name]
    rng = np.random.default_rng(0)
    x, y = rng.uniform(x_low, x_high, (5, 4)), rng.uniform(y_low, y_high, (5, 4))
    np.testing.assert_allclose(function(mg.tensor(x), y, reduction, mask=np.ones(4)).data,
                               function(mg.tensor(x), y, reduction).data, rtol=1e-12)


@pytest.mark.masked_reduction
def test_masked_mean_is_over_observed_entries_and_keeps_float32():
    x = mg.tensor(np.array([[1.0, 5.0], [3.0, 7.0]], np.float32), requires_grad=True)
    loss = F.mse_loss(x, np.zeros((2, 2), np.float32), mask=np.array([[True, False], [True, False]]))
    loss.backward()
    assert loss.item() == (1 + 9) / 2 and loss.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0], [3.0, 0.0]])   # 2(x − y)/Σm where observed


@pytest.mark.masked_reduction
@pytest.mark.parametrize("module, function", [(nn.MSELoss, F.mse_loss), (nn.L1Loss, F.l1_loss),
                                              (nn.BCELoss, F.binary_cross_entropy),
                                              (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits)])
def test_loss_modules_pass_the_mask_on(module, function):
    rng = np.random.default_rng(1)
    x, y, mask = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3)), rng.random((4, 3)) < 0.5
    mask[0, 0] = True
    for reduction in REDUCTIONS:
        np.testing.assert_array_equal(module(reduction=reduction)(mg.tensor(x), y, mask=mask).data,
                                      function(mg.tensor(x), y, reduction, mask=mask).data)


@pytest.mark.parametrize("name", LOSSES)
def test_mask_errors_name_the_loss_and_the_fix(name):
    function = LOSSES[name][0]
    x, y = np.full((3, 2), 0.5), np.full((3, 2), 0.25)
    with pytest.raises(ValueError, match=rf"{name}: mask must hold 1 \(or True\).*got 0.5 \(and 5 more"):
        function(x, y, mask=np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match=rf"{name}: mask must hold 1.*got nan"):
        function(x, y, mask=np.array([1.0, np.nan]))
    with pytest.raises(mg.ShapeError, match=rf"{name}: mask of shape \(2, 2\) does not broadcast to the loss's "
                                            r"shape \(3, 2\)"):
        function(x, y, mask=np.ones((2, 2)))
    with pytest.raises(mg.ShapeError, match=rf"{name}: mask of shape \(1, 3, 2\)"):   # would grow the loss
        function(x, y, mask=np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match=rf"{name}: the mask hides every entry.*reduction='sum'"):
        function(x, y, mask=np.zeros(2))
    assert function(x, y, reduction="sum", mask=np.zeros(2)).item() == 0
    with pytest.raises(TypeError, match=rf"{name}: mask must be a real-valued array"):
        function(x, y, mask="observed")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_nan_where_the_mask_hides_is_refused_with_the_fill(name):
    """Missing values usually arrive as NaN; 0·NaN would still make the loss and the gradient NaN."""
    y = np.array([[0.2, np.nan], [0.4, 0.6]])
    with pytest.raises(ValueError, match=rf"{name}: 1 entries the mask hides hold NaN.*np.where\(mask, x, 0\)"):
        LOSSES[name][0](np.full((2, 2), 0.5), y, mask=~np.isnan(y))


@pytest.mark.parametrize("function", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_bce_with_nan_targets_says_fill_and_mask(function):
    y = np.array([0.2, np.nan])
    with pytest.raises(ValueError, match=rf"{function.__name__}: target holds NaN.*mask=~np.isnan\(target\)"):
        function(np.full(2, 0.5), y)
