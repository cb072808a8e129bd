"""Each fused op's ``composite`` (the forward built from primitive ops, used for gradients of gradients)
computes what its fused ``forward`` does, on random inputs of every reduction and shape it takes."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.nn import fused
from test_gradients import ROWS


def forward_of(op, inputs, composite):
    """op's output on ``inputs``, with each fused Function's forward swapped for its composite when asked."""
    originals = {}
    if composite:
        for kind in [k for k in ROWS if k.composite is not None]:
            originals[kind] = kind.apply
            kind.apply = classmethod(lambda cls, *xs, **params: cls.composite(*map(mg.as_tensor, xs), **params))
    try:
        return op(*[mg.tensor(a) for a in inputs]).data
    finally:
        for kind, apply in originals.items():
            kind.apply = apply


@pytest.mark.parametrize("kind", [k for k in ROWS if k.composite is not None], ids=lambda k: k.__name__)
@given(case=st.data())
def test_composite_computes_the_fused_forward(kind, case):
    op, inputs = case.draw(ROWS[kind]())
    np.testing.assert_allclose(forward_of(op, inputs, composite=True), forward_of(op, inputs, composite=False),
                               rtol=1e-10, atol=1e-12)


def test_the_fused_ops_that_save_intermediates_have_a_composite():
    """A backward that reads an intermediate would treat it as a constant in a graph of gradients."""
    for kind in (fused.BatchNorm, fused.MSE, fused.BCE, fused.BCEWithLogits, fused.LogSoftmax, fused.GaussianKL,
                 fused.Convolution2d, fused.TransposedConvolution2d):
        assert kind.composite is not None, kind.__name__
