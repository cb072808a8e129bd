"""Building blocks the autoencoder family shares: the MLP builder and the checks of layer sizes."""
import numpy as np

from .. import nn
from ..nn.activations import init_gain_name
from ..validate import choice, is_integer


def mlp(sizes, activation="leaky_relu", negative_slope=0.1, rng=None, dtype=np.float32, final_activation=False,
        func="mlp"):
    """Linear layers sizes[0] → … → sizes[-1] with the activation between them (and after the last if asked);
    ``func`` names the model that asked, in the error for an unknown activation.

    Weights Kaiming-normal for that activation (std = √(2/((1 + a²)·fan_in)) for LeakyReLU(a)), biases zero.
    (PyTorch's ``nn.Linear`` starts from U(−1/√fan_in, 1/√fan_in) instead; the layers are the same.)
    """
    choice(activation, "activation", func, tuple(nn.ACTIVATIONS))  # checked even when no layer gets one

    def activation_layer():
        return nn.activation(activation, negative_slope, func)

    layers = []
    for n_from, n_to in zip(sizes[:-1], sizes[1:]):
        if layers:
            layers.append(activation_layer())
        linear = nn.Linear(n_from, n_to, rng=rng, dtype=dtype)
        nn.init.kaiming_normal_(linear.weight, a=negative_slope, nonlinearity=init_gain_name(activation), rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
    if final_activation:
        layers.append(activation_layer())
    return nn.Sequential(*layers)


def check_sizes(sizes, name, func, example="[64, 32, 8]"):
    """``sizes`` as a list of at least two positive ints, the layer widths [n_in, ..., n_latent]."""
    if not isinstance(sizes, (list, tuple, np.ndarray)):
        raise TypeError(f"{func}: {name} must be a list of layer widths [n_in, ..., n_latent], e.g. {example}; "
                        f"got {type(sizes).__name__} {sizes!r}.")
    bad = [s for s in sizes if not is_integer(s) or s < 1]
    if len(sizes) < 2 or bad:
        raise ValueError(f"{func}: {name} must be a list of at least 2 positive integers [n_in, ..., n_latent], "
                         f"e.g. {example}; got {list(sizes)}" + (f" (bad: {bad})." if bad else "."))
    return [int(s) for s in sizes]


def hidden_sizes(hidden, func):
    """``hidden`` as a tuple of hidden-layer widths; an int means one hidden layer."""
    sizes = (hidden,) if is_integer(hidden) else hidden
    if not isinstance(sizes, (list, tuple)) or not sizes or any(not is_integer(h) or h < 1 for h in sizes):
        raise ValueError(f"{func}: hidden must be a positive int or a non-empty list of positive ints (the widths "
                         f"of the hidden layers), got {hidden!r}, e.g. hidden=400 or hidden=[512, 256].")
    return tuple(int(h) for h in sizes)
