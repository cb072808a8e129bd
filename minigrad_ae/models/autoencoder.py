"""The multilayer (deep) autoencoder: x -> encoder -> code z -> decoder -> x̂.

Encoder sizes [n_in, ..., n_latent]; the decoder mirrors them unless told otherwise. Hidden layers are
Linear + activation; the code layer is linear (a code may take any value), and the output goes through
``out_activation`` (sigmoid for data in [0, 1], tanh for [−1, 1], None for unbounded data).
"""
import numbers

import numpy as np

from .. import nn
from ..autodiff import no_grad
from ..nn import functional as F

ACTIVATIONS = {"leaky_relu": nn.LeakyReLU, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
OUT_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, None: nn.Identity}
LOSSES = ("mse", "bce")


def shrink_sizes(n_in, n_latent, alpha=1.6):
    """Encoder sizes that shrink by about α per layer: nₖ = round(nₖ₋₁ / α) while that is above n_latent,
    then n_latent; e.g. shrink_sizes(64, 8, 1.6) = [64, 40, 25, 16, 10, 8]. α in [1.2, 2]."""
    if not 1.2 <= alpha <= 2:
        raise ValueError(f"shrink_sizes: alpha must lie in [1.2, 2] (the factor each layer shrinks by), got "
                         f"{alpha!r}. Smaller makes very deep encoders, larger throws information away too fast.")
    _check_sizes("shrink_sizes", [n_in, n_latent])
    if n_latent >= n_in:
        raise ValueError(f"shrink_sizes: n_latent={n_latent} must be smaller than n_in={n_in} for an encoder that "
                         "shrinks; build an overcomplete model with explicit sizes instead.")
    sizes = [n_in]
    # prev - 1 caps the step: for small layers round(prev / α) can equal prev and the list would never end
    while (n := min(round(sizes[-1] / alpha), sizes[-1] - 1)) > n_latent:
        sizes.append(n)
    return sizes + [n_latent]


class Autoencoder(nn.Module):
    """MLP autoencoder: z = encoder(x), x̂ = out_activation(decoder(z));  x (batch, n_in), z (batch, n_latent).

    ``sizes`` = encoder sizes [n_in, ..., n_latent]; ``decoder_sizes`` defaults to them reversed and must run
    from n_latent to n_in. ``decoder`` ends at the output pre-activation (the logits for a sigmoid output):
    ``decode`` applies ``out_activation``. Weights: Kaiming normal for the activation
    (``init.kaiming_normal_(w, a=negative_slope, nonlinearity=activation)``), biases zero.
    """

    def __init__(self, sizes, activation="leaky_relu", out_activation="sigmoid", negative_slope=0.1,
                 decoder_sizes=None, rng=None, dtype=np.float32):
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        name = type(self).__name__  # errors name the subclass the student built (e.g. DenoisingAutoencoder)
        sizes = _check_sizes(name, sizes)
        decoder_sizes = sizes[::-1] if decoder_sizes is None else _check_sizes(f"{name} decoder_sizes",
                                                                               decoder_sizes)
        if (decoder_sizes[0], decoder_sizes[-1]) != (sizes[-1], sizes[0]):
            raise ValueError(f"{name}: decoder_sizes {decoder_sizes} must run from the code size "
                             f"{sizes[-1]} back to the input size {sizes[0]}, to chain onto the encoder {sizes}; "
                             f"e.g. decoder_sizes=[{sizes[-1]}, ..., {sizes[0]}].")
        if activation not in ACTIVATIONS:
            raise ValueError(f"{name}: unknown activation {activation!r}; use one of {list(ACTIVATIONS)}.")
        if out_activation not in OUT_ACTIVATIONS:
            raise ValueError(f"{name}: unknown out_activation {out_activation!r}; use 'sigmoid' (data in "
                             "[0, 1]), 'tanh' (data in [-1, 1]) or None (unbounded data).")
        self.sizes, self.decoder_sizes = sizes, decoder_sizes
        self.activation, self.out_activation_name, self.negative_slope = activation, out_activation, negative_slope
        layer = dict(activation=activation, negative_slope=negative_slope, rng=rng, dtype=dtype)
        self.encoder = mlp(sizes, **layer)
        self.decoder = mlp(decoder_sizes, **layer)
        self.out_activation = OUT_ACTIVATIONS[out_activation]()

    @property
    def n_in(self):
        return self.sizes[0]

    @property
    def n_latent(self):
        return self.sizes[-1]

    @property
    def undercomplete(self):
        """The code is smaller than the input (n_latent < n_in): the model must compress."""
        return self.n_latent < self.n_in

    @property
    def overcomplete(self):
        """The code is larger than the input: without a regulariser it can learn to copy."""
        return self.n_latent > self.n_in

    def encode(self, x):
        """z = encoder(x);  (batch, n_in) -> (batch, n_latent)."""
        return self.encoder(x)

    def decode(self, z):
        """x̂ = out_activation(decoder(z));  (batch, n_latent) -> (batch, n_in)."""
        return self.out_activation(self.decoder(z))

    def forward(self, x):
        return self.decode(self.encode(x))

    def loss(self, x, kind="mse", target=None):
        """Mean over all elements of (t − x̂)² ('mse') or of −[t log x̂ + (1 − t) log(1 − x̂)] ('bce', t in [0, 1]),
        where x̂ reconstructs x and the target t is x itself unless given (a denoising AE passes the clean x)."""
        target = x if target is None else target
        if kind not in LOSSES:
            raise ValueError(f"{type(self).__name__}.loss: kind must be 'mse' or 'bce', got {kind!r}.")
        if kind == "mse":
            return F.mse_loss(self(x), target)
        if self.out_activation_name != "sigmoid":
            raise ValueError(f"{type(self).__name__}.loss: kind='bce' needs out_activation='sigmoid' (x̂ must be a "
                             f"probability), but this model has out_activation={self.out_activation_name!r}. "
                             "Use kind='mse', or build the model with out_activation='sigmoid'.")
        # BCE of σ(logits) computed from the logits: log σ would round to log 0 = −inf for saturated units
        return F.binary_cross_entropy_with_logits(self.decoder(self.encode(x)), target)

    def reconstruction_error(self, X):
        """Per-sample mean squared error ‖x − x̂‖² / n_in as a NumPy array (batch,), without building a graph."""
        X = np.asarray(X)
        with no_grad():
            X_hat = self(X).data
        return np.mean((X - X_hat) ** 2, axis=-1)

    def extra_repr(self):
        return (f"sizes={self.sizes}, decoder_sizes={self.decoder_sizes}, activation={self.activation!r}, "
                f"out_activation={self.out_activation_name!r}")


def mlp(sizes, activation="leaky_relu", negative_slope=0.1, rng=None, dtype=np.float32, final_activation=False):
    """Linear layers sizes[0] → … → sizes[-1] with the activation between them (and after the last if asked).

    Weights Kaiming-normal for that activation (std = √(2/((1 + a²)·fan_in)) for LeakyReLU(a)), biases zero.
    """
    def activation_layer():
        return nn.LeakyReLU(negative_slope) if activation == "leaky_relu" else ACTIVATIONS[activation]()

    layers = []
    for n_from, n_to in zip(sizes[:-1], sizes[1:]):
        if layers:
            layers.append(activation_layer())
        linear = nn.Linear(n_from, n_to, rng=rng, dtype=dtype)
        nn.init.kaiming_normal_(linear.weight, a=negative_slope, nonlinearity=activation, rng=rng)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
    if final_activation:
        layers.append(activation_layer())
    return nn.Sequential(*layers)


def _check_sizes(owner, sizes):
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"{owner}: needs at least 2 sizes [n_in, ..., n_latent], got {sizes}.")
    bad = [s for s in sizes if not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1]
    if bad:
        raise ValueError(f"{owner}: every size must be a positive integer, got {sizes} (bad: {bad}).")
    return [int(s) for s in sizes]
