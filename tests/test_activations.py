"""nn.activation: the one registry of activation names every model reads."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn.activations import init_gain_name


@pytest.mark.parametrize("name, layer", [("relu", nn.ReLU), ("leaky_relu", nn.LeakyReLU), ("sigmoid", nn.Sigmoid),
                                         ("tanh", nn.Tanh), ("identity", nn.Identity), (None, nn.Identity)])
def test_each_name_builds_a_fresh_layer_of_its_class(name, layer):
    first, second = nn.activation(name), nn.activation(name)
    assert type(first) is layer and first is not second
    x = mg.tensor(np.linspace(-3, 3, 7))
    expected = {"relu": np.maximum(x.data, 0), "leaky_relu": np.where(x.data > 0, x.data, 0.01 * x.data),
                "sigmoid": 1 / (1 + np.exp(-x.data)), "tanh": np.tanh(x.data)}.get(name, x.data)
    np.testing.assert_allclose(first(x).data, expected, rtol=1e-6)


def test_leaky_relu_takes_its_slope():
    layer = nn.activation("leaky_relu", negative_slope=0.2)
    np.testing.assert_allclose(layer(np.array([-1.0, 2.0])).data, [-0.2, 2.0])
    assert nn.activation("leaky_relu").negative_slope == 0.01  # PyTorch's default


def test_unknown_names_and_bad_slopes_are_refused_naming_the_caller():
    with pytest.raises(ValueError, match=r"Autoencoder: activation must be one of 'relu', 'leaky_relu', 'sigmoid', "
                                         r"'tanh', 'identity', None; got 'gelu'"):
        nn.activation("gelu", func="Autoencoder")
    with pytest.raises(TypeError, match=r"activation: negative_slope must be a real number"):
        nn.activation("leaky_relu", negative_slope="0.2")


def test_init_gain_names():
    assert [init_gain_name(n) for n in ("relu", "leaky_relu", "sigmoid", "tanh", "identity", None)] == \
        ["relu", "leaky_relu", "sigmoid", "tanh", "linear", "linear"]
    assert nn.init.calculate_gain(init_gain_name(None)) == 1.0
