"""Building blocks the autoencoder family shares: the MLP builder and the checks of layer sizes."""
import numpy as np

from .. import nn
from ..nn.activations import init_gain_name
from ..validate import choice, generator, is_integer, number
from ..validate import dtype as check_dtype


def mlp(sizes, activation="leaky_relu", negative_slope=0.1, rng=None, dtype=np.float32, final_activation=False,
        func="mlp"):
    """Linear layers sizes[0] → … → sizes[-1] with the activation between them (and after the last if asked);
    ``func`` names the model that asked, in the error for an unknown activation.

    Weights Kaiming-normal for that activation (std = √(2/((1 + a²)·fan_in)) for LeakyReLU(a)), biases zero.
    (PyTorch's ``nn.Linear`` starts from U(−1/√fan_in, 1/√fan_in) instead; the layers are the same.)
    """
    choice(activation, "activation", func, tuple(nn.ACTIVATIONS))  # checked even when no layer gets one
    sizes, rng = check_sizes(sizes, "sizes", func), generator(rng, func)
    dtype, negative_slope = check_dtype(dtype, "dtype", func, floating=True), number(negative_slope, "negative_slope", func)

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


def hidden_sizes(hidden, func, name="hidden", allow_none=False):
    """``hidden`` as a tuple of hidden-layer widths; an int means one hidden layer, an empty list (if allowed) none."""
    sizes = (hidden,) if is_integer(hidden) else hidden
    if (not isinstance(sizes, (list, tuple)) or not (sizes or allow_none)
            or any(not is_integer(h) or h < 1 for h in sizes)):
        raise ValueError(f"{func}: {name} must be a positive int or a {'' if allow_none else 'non-empty '}list of "
                         f"positive ints (the widths of the hidden layers), got {hidden!r}, e.g. {name}=400 or "
                         f"{name}=[512, 256].")
    return tuple(int(h) for h in sizes)
