"""Activation layers by name, so that every model reads ``activation='relu'`` (and its init gain) the same way.

    activation("leaky_relu", negative_slope=0.2)   # -> LeakyReLU(negative_slope=0.2)
    activation(None)                               # -> Identity()
"""
from ..validate import choice, number
from .layers import Identity, LeakyReLU, ReLU, Sigmoid, Tanh

ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh, "identity": Identity,
               None: Identity}


def activation(name, negative_slope=0.01, func="activation"):
    """A new layer for ``name``: 'relu', 'leaky_relu' (LeakyReLU(negative_slope)), 'sigmoid', 'tanh', or
    'identity' / None (no activation). ``func`` names the caller in the error for an unknown name."""
    choice(name, "activation", func, tuple(ACTIVATIONS))
    if name == "leaky_relu":
        return LeakyReLU(number(negative_slope, "negative_slope", func))
    return ACTIVATIONS[name]()


def init_gain_name(name):
    """The name ``nn.init.calculate_gain`` knows this activation by: 'linear' for no activation."""
    return "linear" if ACTIVATIONS.get(name) is Identity else name
