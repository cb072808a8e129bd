"""The multilayer (deep) autoencoder: x -> encoder -> code z -> decoder -> x̂.

Encoder sizes [n_in, ..., n_latent]; the decoder mirrors them unless told otherwise. Hidden layers are
Linear + activation; the code layer is linear (a code may take any value), and ``recon`` picks the output
activation and the reconstruction error ('sigmoid_mse' for data in [0, 1], 'bce', 'tanh_mse', 'mse').
"""
import numpy as np

from ..validate import generator, is_real, number
from .base import AutoencoderBase
from .blocks import check_sizes, mlp


def shrink_sizes(n_in, n_latent, alpha=1.6):
    """Encoder sizes that shrink by about α per layer: nₖ = round(nₖ₋₁ / α) while that is above n_latent,
    then n_latent; e.g. shrink_sizes(64, 8, 1.6) = [64, 40, 25, 16, 10, 8]. α in [1.2, 2]."""
    if not (is_real(alpha) and 1.2 <= alpha <= 2):
        raise ValueError(f"shrink_sizes: alpha must lie in [1.2, 2] (the factor each layer shrinks by), got "
                         f"{alpha!r}. Smaller makes very deep encoders, larger throws information away too fast.")
    check_sizes([n_in, n_latent], "[n_in, n_latent]", "shrink_sizes", example="[64, 8]")
    if n_latent >= n_in:
        raise ValueError(f"shrink_sizes: n_latent={n_latent} must be smaller than n_in={n_in} for an encoder that "
                         "shrinks; build an overcomplete model with explicit sizes instead.")
    sizes = [n_in]
    # prev - 1 caps the step: for small layers round(prev / α) can equal prev and the list would never end
    while (n := min(round(sizes[-1] / alpha), sizes[-1] - 1)) > n_latent:
        sizes.append(n)
    return sizes + [n_latent]


class Autoencoder(AutoencoderBase):
    """MLP autoencoder: z = encoder(x), x̂ = out(decoder(z));  x (batch, n_in), z (batch, n_latent).

    ``sizes`` = encoder sizes [n_in, ..., n_latent]; ``decoder_sizes`` defaults to them reversed and must run
    from n_latent to n_in. ``decoder`` ends at the output pre-activation (the logits for a sigmoid output) and
    ``decode`` applies ``out_activation``; in PyTorch the Sigmoid usually sits inside the decoder instead.
    Weights: Kaiming normal for the activation (``init.kaiming_normal_(w, a=negative_slope,
    nonlinearity=activation)``), biases zero.
    """

    def __init__(self, sizes, activation="leaky_relu", recon="sigmoid_mse", negative_slope=0.1,
                 decoder_sizes=None, rng=None, dtype=np.float32):
        name = type(self).__name__  # errors name the subclass the student built (e.g. DenoisingAutoencoder)
        sizes = check_sizes(sizes, "sizes", name)
        decoder_sizes = sizes[::-1] if decoder_sizes is None else check_sizes(decoder_sizes, "decoder_sizes", name)
        if (decoder_sizes[0], decoder_sizes[-1]) != (sizes[-1], sizes[0]):
            raise ValueError(f"{name}: decoder_sizes {decoder_sizes} must run from the code size "
                             f"{sizes[-1]} back to the input size {sizes[0]}, to chain onto the encoder {sizes}; "
                             f"e.g. decoder_sizes=[{sizes[-1]}, ..., {sizes[0]}].")
        super().__init__(sizes[0], sizes[-1], recon, dtype)
        rng = generator(rng, name)
        self.sizes, self.decoder_sizes, self.activation = sizes, decoder_sizes, activation
        self.negative_slope = number(negative_slope, "negative_slope", name)
        layer = dict(activation=activation, negative_slope=negative_slope, rng=rng, dtype=dtype, func=name)
        self.encoder = mlp(sizes, **layer)
        self.decoder = mlp(decoder_sizes, **layer)

    @property
    def undercomplete(self):
        """The code is smaller than the input (n_latent < n_in): the model must compress."""
        return self.n_latent < self.n_in

    @property
    def overcomplete(self):
        """The code is larger than the input: without a regulariser it can learn to copy."""
        return self.n_latent > self.n_in

    def extra_repr(self):
        return (f"sizes={self.sizes}, decoder_sizes={self.decoder_sizes}, activation={self.activation!r}, "
                f"recon={self.recon!r}")
