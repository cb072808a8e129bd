"""nn.diagnostics.gradient_norms: the per-layer gradient a loss sends back, against the gradients themselves."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.models import Autoencoder
from minigrad_ae.nn.diagnostics import gradient_norms


def test_norms_are_the_weight_gradients_of_every_linear_layer_input_side_first():
    model = Autoencoder([6, 4, 2], rng=np.random.default_rng(0), dtype=np.float64)
    x = np.random.default_rng(1).random((5, 6))
    norms = gradient_norms(model, model.loss(x))
    assert list(norms) == ["encoder.0", "encoder.2", "decoder.0", "decoder.2"]
    model.loss(x).backward()
    expected = [np.linalg.norm(m.weight.grad) for m in model.modules() if isinstance(m, nn.Linear)]
    np.testing.assert_allclose(list(norms.values()), expected, rtol=1e-12)


def test_gradients_are_cleared_so_training_is_not_disturbed():
    model = Autoencoder([6, 4, 2], rng=np.random.default_rng(0))
    x = np.random.default_rng(1).random((5, 6)).astype(np.float32)
    model.loss(x).backward()
    gradient_norms(model, model.loss(x))
    assert all(p.grad is None for p in model.parameters())


def test_a_layer_the_gradient_does_not_reach_reads_zero():
    model = Autoencoder([6, 4, 2], rng=np.random.default_rng(0))
    x = np.random.default_rng(1).random((5, 6)).astype(np.float32)
    cut = mg.nn.functional.mse_loss(model.decode(model.encode(x).detach()), x)   # the code path cut
    norms = gradient_norms(model, cut)
    assert norms["encoder.0"] == norms["encoder.2"] == 0.0
    assert norms["decoder.0"] > 0 and norms["decoder.2"] > 0


def test_a_model_without_the_layer_is_refused():
    with pytest.raises(ValueError, match=r"gradient_norms: Sequential has no Conv2d layer to measure; pass layer="):
        model = nn.Sequential(nn.Linear(3, 2))
        gradient_norms(model, model(np.ones((1, 3), np.float32)).sum(), layer=nn.Conv2d)
