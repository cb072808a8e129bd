"""Skip connections in the family: ResidualAutoencoder (residual_blocks around width-keeping layers) and
SkipAutoencoder (encoder→decoder skips): their structure, forward formulas, gradients against finite
differences, what the skips carry, and their errors."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.models import Autoencoder, ResidualAutoencoder, SkipAutoencoder
from minigrad_ae.models.skip import residual_blocks
from minigrad_ae.nn import functional as F
from gradtools import assert_backward_matches


def linear_shapes(module):
    return [m.weight.shape for m in module.modules() if isinstance(m, nn.Linear)]


# ---------------------------------------------------------------- residual


def test_residual_blocks_wrap_exactly_the_width_keeping_layers():
    plain = Autoencoder([6, 4, 4, 4, 2], activation="tanh", rng=np.random.default_rng(0))
    wrapped = residual_blocks(plain.encoder)
    kinds = [type(m).__name__ for m in wrapped]
    assert kinds == ["Linear", "Residual", "Residual", "Tanh", "Linear"]
    assert wrapped[1].fn[1] is plain.encoder[2]  # the same layer objects: nothing copied
    assert [type(m).__name__ for m in wrapped[1].fn] == ["Tanh", "Linear"]
    with_final = mg.models.mlp([3, 3, 2], "relu", rng=np.random.default_rng(1), final_activation=True)
    assert [type(m).__name__ for m in residual_blocks(with_final)] == ["Linear", "ReLU", "Linear", "ReLU"]
    square = mg.models.mlp([3, 3, 3], "relu", rng=np.random.default_rng(1), final_activation=True)
    assert [type(m).__name__ for m in residual_blocks(square)] == ["Linear", "Residual", "ReLU"]


def test_residual_autoencoder_has_the_plain_weights_and_adds_identity_paths():
    sizes = [6, 4, 4, 4, 2]
    plain = Autoencoder(sizes, activation="sigmoid", rng=np.random.default_rng(3), dtype=np.float64)
    residual = ResidualAutoencoder(sizes, activation="sigmoid", rng=np.random.default_rng(3), dtype=np.float64)
    assert residual.n_blocks == 4 and (residual.n_in, residual.n_latent) == (6, 2)
    for a, b in zip(linear_shapes(plain), linear_shapes(residual)):
        assert a == b
    for a, b in zip([m for m in plain.modules() if isinstance(m, nn.Linear)],
                    [m for m in residual.modules() if isinstance(m, nn.Linear)]):
        np.testing.assert_array_equal(a.weight.data, b.weight.data)
    x = np.random.default_rng(4).random((5, 6))
    layers = [m for m in plain.encoder if isinstance(m, nn.Linear)]
    h = F.linear(x, layers[0].weight, layers[0].bias).data
    for layer in layers[1:3]:                    # hₖ₊₁ = hₖ + Wₖ σ(hₖ) + bₖ
        h = h + F.linear(F.sigmoid(h), layer.weight, layer.bias).data
    z = F.linear(F.sigmoid(h), layers[3].weight, layers[3].bias).data
    np.testing.assert_allclose(residual.encode(x).data, z, rtol=1e-12)
    assert not np.allclose(plain.encode(x).data, z)


def test_residual_autoencoder_gradients_match_finite_differences():
    model = ResidualAutoencoder([5, 3, 3, 3, 2], activation="tanh", recon="mse", rng=np.random.default_rng(5),
                                dtype=np.float64)
    x = np.random.default_rng(6).random((4, 5))
    assert_backward_matches(lambda x: model(x), [x], seed=7)
    report = mg.gradcheck(lambda *params: model.loss(x), model.parameters(), mode="directional")
    assert report, str(report)


# ---------------------------------------------------------------- encoder → decoder skips


def test_skip_decoder_layers_read_the_code_and_then_twice_the_width():
    with_skips = SkipAutoencoder([10, 8, 6, 3], rng=np.random.default_rng(0))
    without = SkipAutoencoder([10, 8, 6, 3], skip_connections=False, rng=np.random.default_rng(0))
    assert linear_shapes(with_skips.encoder) == linear_shapes(without.encoder) == [(8, 10), (6, 8), (3, 6)]
    assert linear_shapes(with_skips.decoder) == [(6, 3), (8, 12), (10, 16)]   # [d, h₂] = 12, [d, h₁] = 16
    assert linear_shapes(without.decoder) == [(6, 3), (8, 6), (10, 8)]       # the plain mirror
    assert linear_shapes(without) == linear_shapes(Autoencoder([10, 8, 6, 3]))
    assert "skip_connections=True" in repr(with_skips)


def test_skip_forward_follows_the_formula():
    model = SkipAutoencoder([5, 4, 3, 2], activation="tanh", rng=np.random.default_rng(1), dtype=np.float64)
    x = np.random.default_rng(2).random((6, 5))
    (e1, e2, e3), (d1, d2, d3) = ([m[0] for m in part] for part in (model.encoder, model.decoder))
    lin = lambda layer, h: h @ layer.weight.data.T + layer.bias.data  # noqa: E731
    h1 = np.tanh(lin(e1, x))
    h2 = np.tanh(lin(e2, h1))
    z = lin(e3, h2)
    d = np.tanh(lin(d1, z))                                   # width h₂
    d = np.tanh(lin(d2, np.concatenate([d, h2], axis=1)))     # width h₁
    x_hat = 1 / (1 + np.exp(-lin(d3, np.concatenate([d, h1], axis=1))))
    code, skips = model.encode_with_skips(x)
    np.testing.assert_allclose(code.data, z, rtol=1e-12)
    np.testing.assert_allclose(model.encode(x).data, z, rtol=1e-12)
    assert [s.shape for s in skips] == [(6, 4), (6, 3)]
    np.testing.assert_allclose(model(x).data, x_hat, rtol=1e-12)
    assert model.loss(x).item() == pytest.approx(np.mean((x_hat - x) ** 2), rel=1e-12)


@pytest.mark.parametrize("skip_connections", [True, False])
@pytest.mark.parametrize("recon", ["sigmoid_mse", "bce", "mse"])
def test_skip_gradients_match_finite_differences(skip_connections, recon):
    model = SkipAutoencoder([5, 4, 3, 2], skip_connections=skip_connections, activation="tanh", recon=recon,
                            rng=np.random.default_rng(3), dtype=np.float64)
    x = np.random.default_rng(4).random((3, 5))
    assert_backward_matches(lambda x: model(x), [x], seed=5)
    assert_backward_matches(lambda x: model.loss(x), [x], seed=6)
    report = mg.gradcheck(lambda *params: model.loss(x), model.parameters(), mode="directional")
    assert report, str(report)


def test_without_skips_decode_is_the_code_alone_with_skips_it_is_not():
    x = np.random.default_rng(6).random((4, 5))
    for skip_connections in (True, False):
        model = SkipAutoencoder([5, 4, 3, 2], skip_connections=skip_connections, rng=np.random.default_rng(7),
                                dtype=np.float64)
        z, skips = model.encode_with_skips(x)
        zeros = [np.zeros(s.shape) for s in skips]
        np.testing.assert_array_equal(model.decode(z).data, model.decode(z, zeros).data)   # None means zeros
        changes_with_the_skips = not np.allclose(model.decode(z, skips).data, model.decode(z).data)
        assert changes_with_the_skips == skip_connections
        np.testing.assert_array_equal(model(x).data, model.decode(z, skips).data)


def test_skips_carry_gradient_to_the_encoder_around_the_code():
    model = SkipAutoencoder([5, 4, 3, 2], rng=np.random.default_rng(8), dtype=np.float64)
    x = np.random.default_rng(9).random((4, 5))
    z, skips = model.encode_with_skips(x)
    model.decoder_output(z.detach(), skips).sum().backward()   # the code path cut: only the skips reach back
    first = model.encoder[0][0].weight.grad
    assert first is not None and np.any(first != 0)
    assert model.encoder[2][0].weight.grad is None             # the code layer gets nothing


def test_fit_trains_a_skip_autoencoder_below_the_plain_one_on_digits():
    X = mg.data.load_digits()[0][:300]
    errors = {}
    for skip_connections in (True, False):
        model = SkipAutoencoder([64, 16, 2], skip_connections=skip_connections, rng=np.random.default_rng(0))
        mg.fit(model, X=X, epochs=15, batch_size=32, optimizer=mg.optim.Adam(model.parameters(), lr=1e-2),
               progress=False, rng=np.random.default_rng(1))
        errors[skip_connections] = model.reconstruction_error(X).mean()
    assert errors[True] < 0.6 * errors[False]


# ---------------------------------------------------------------- errors


def test_sizes_without_a_hidden_layer_are_refused():
    with pytest.raises(ValueError, match=r"SkipAutoencoder: sizes \[64, 8\] has no hidden layer, so there is nothing "
                                         r"to skip from.*e.g. \[64, 32, 8\]"):
        SkipAutoencoder([64, 8])
    with pytest.raises(ValueError, match=r"SkipAutoencoder: sizes must be a list of at least 2 positive integers"):
        SkipAutoencoder([64, 0, 8])


def test_skips_of_the_wrong_shapes_are_refused_with_the_fix():
    model = SkipAutoencoder([5, 4, 3, 2], rng=np.random.default_rng(0))
    z, skips = model.encode_with_skips(np.zeros((4, 5), np.float32))
    with pytest.raises(mg.ShapeError, match=r"SkipAutoencoder.decode: skips must be the encoder's activations "
                                            r"\[h₁, …, h_L\] of shapes \[\(4, 4\), \(4, 3\)\].*got shapes "
                                            r"\[\(4, 3\), \(4, 4\)\]\. Take them from z, skips = "
                                            r"model.encode_with_skips\(x\)"):
        model.decode(z, skips[::-1])
    with pytest.raises(mg.ShapeError, match=r"got shapes \[\(4, 4\)\]"):
        model.decode(z, skips[:1])
    with pytest.raises(mg.ShapeError, match=r"got shapes \[None, None\]"):
        model.decode(z, ["a", "b"])
