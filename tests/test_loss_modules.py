"""Loss modules (nn.MSELoss ...): the same numbers as their functional forms for every reduction, and
l1_loss, the one composed here, against its formula and float64 central differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.functional import l1_loss
from gradtools import arrays, assert_backward_matches, seeds, shapes

REDUCTIONS = ["mean", "sum", "none"]


def pair(rng, shape=(4, 3)):
    return rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("module, function", [(nn.MSELoss, F.mse_loss), (nn.BCELoss, F.binary_cross_entropy),
                                              (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits),
                                              (nn.L1Loss, l1_loss)])
def test_loss_module_is_its_function_with_the_reduction_kept(module, function, reduction):
    x, y = pair(np.random.default_rng(0))
    got = module(reduction=reduction)(mg.tensor(x), y)
    np.testing.assert_array_equal(got.data, function(mg.tensor(x), y, reduction=reduction).data)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_loss_module(reduction):
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    got = nn.CrossEntropyLoss(reduction=reduction)(mg.tensor(logits), labels).data
    per_sample = -(logits[np.arange(5), labels] - np.log(np.exp(logits).sum(axis=1)))
    want = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@settings(deadline=None)
@given(shapes(min_dims=0), st.sampled_from(REDUCTIONS), seeds(), st.data())
def test_l1_loss_value_and_gradient(shape, reduction, seed, data):
    x = data.draw(arrays(shape))
    # keep |x − y| ≥ 0.1: |·| has a kink at 0, where central differences average the two slopes
    y = x + data.draw(arrays(shape, 0.1, 2.0)) * np.random.default_rng(seed).choice([-1, 1], shape)
    want = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](np.abs(x - y))
    np.testing.assert_allclose(l1_loss(mg.tensor(x), mg.tensor(y), reduction).data, want, rtol=1e-12)
    gx, gy = assert_backward_matches(lambda a, b: nn.L1Loss(reduction)(a, b), [x, y], seed)
    np.testing.assert_allclose(gx, -gy, rtol=1e-12)


def test_l1_loss_gradient_is_zero_where_input_equals_target():
    x = mg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    l1_loss(x, np.array([1.0, 0.0, 5.0])).backward()
    np.testing.assert_allclose(x.grad, [0.0, 1 / 3, -1 / 3])


def test_loss_module_errors_and_repr():
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of 'mean', 'sum', 'none'; got 'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(mg.ShapeError, match=r"l1_loss: input has shape \(3,\) but target has shape \(3, 1\)"):
        nn.L1Loss()(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="binary_cross_entropy: input must hold probabilities"):
        nn.BCELoss()(np.array([2.0]), np.array([1.0]))
    assert repr(nn.MSELoss()) == "MSELoss()" and repr(nn.BCELoss(reduction="sum")) == "BCELoss(reduction='sum')"
