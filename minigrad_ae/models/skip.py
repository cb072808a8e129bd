"""Skip connections in an autoencoder, of two kinds.

* **Residual** (around a layer): hₖ₊₁ = hₖ + Wₖ act(hₖ) + bₖ wherever a layer keeps the width. The gradient gets
  an identity path through every block, so a deep stack trains (``ResidualAutoencoder``).
* **Encoder → decoder** (across the bottleneck, as in U-Net): the decoder layer of width hₖ also reads the
  encoder's activation of that width, [dₖ, hₖ]. Reconstruction becomes easy, and the code can stop mattering: the
  decoder can rebuild x from the skips alone (``SkipAutoencoder``).
"""
import numpy as np

from .. import nn
from ..autodiff import ShapeError, Tensor, as_tensor, concatenate
from ..validate import generator
from .autoencoder import Autoencoder
from .base import AutoencoderBase
from .blocks import check_sizes, mlp


def residual_blocks(layers):
    """The Sequential ``layers`` (Linear, act, Linear, act, …, as ``mlp`` builds it) with every (act, Linear(n, n))
    pair wrapped as Residual(Sequential(act, Linear)): h → h + W act(h) + b. Layers that change the width stay
    plain, since x + f(x) needs f to keep the shape. The same layer objects: the weights are shared, not copied."""
    first, *rest = layers
    out = [first]
    for activation, linear in zip(rest[0::2], rest[1::2]):
        if linear.in_features == linear.out_features:
            out.append(nn.Residual(nn.Sequential(activation, linear)))
        else:
            out += [activation, linear]
    final_activation = rest[-1:] if len(rest) % 2 else []   # mlp(..., final_activation=True) ends with one
    return nn.Sequential(*out, *final_activation)


class ResidualAutoencoder(Autoencoder):
    """``Autoencoder`` with every width-keeping layer made residual: hₖ₊₁ = hₖ + Wₖ act(hₖ) + bₖ.

    Same arguments, same initial weights for the same ``rng`` (the layers are built by ``Autoencoder``, then
    rearranged by ``residual_blocks``), so the two differ only by the identity paths. Give it equal hidden
    widths to have blocks, e.g. sizes [64, 32, 32, 32, 32, 8]: three residual blocks in the encoder and three in
    the decoder.
    """

    def __init__(self, sizes, activation="leaky_relu", recon="sigmoid_mse", negative_slope=0.1,
                 decoder_sizes=None, rng=None, dtype=np.float32):
        super().__init__(sizes, activation=activation, recon=recon, negative_slope=negative_slope,
                         decoder_sizes=decoder_sizes, rng=rng, dtype=dtype)
        self.encoder = residual_blocks(self.encoder)
        self.decoder = residual_blocks(self.decoder)

    @property
    def n_blocks(self):
        """How many residual blocks the encoder and decoder hold together."""
        return sum(isinstance(m, nn.Residual) for m in self.modules())


class SkipAutoencoder(AutoencoderBase):
    """MLP autoencoder whose decoder can read the encoder's hidden activations (U-Net-style skips, concatenated).

        encoder  hₖ = act(Lin(hₖ₋₁)), h₀ = x, k = 1…L;   z = Lin(h_L)       sizes [n_in, h₁, …, h_L, n_latent]
        decoder  d_L = act(Lin(z));   dₖ₋₁ = act(Lin([dₖ, hₖ])), …;   x̂ = out(Lin([d₁, h₁]))

    With ``skip_connections=False`` the brackets hold dₖ alone: the plain mirrored ``Autoencoder``. ``decode(z,
    skips)`` takes the encoder's activations [h₁, …, h_L] (``encode_with_skips`` gives both); ``decode(z)`` alone
    feeds zeros in their place, so it shows what the code by itself tells the decoder. Weights Kaiming-normal
    for the activation, biases zero, as in ``Autoencoder``.
    """

    def __init__(self, sizes, skip_connections=True, activation="leaky_relu", recon="sigmoid_mse",
                 negative_slope=0.1, rng=None, dtype=np.float32):
        name = type(self).__name__
        sizes = check_sizes(sizes, "sizes", name, example="[64, 32, 16, 4]")
        if len(sizes) < 3:
            raise ValueError(f"{name}: sizes {sizes} has no hidden layer, so there is nothing to skip from; give at "
                             f"least one hidden width between n_in and n_latent, e.g. [{sizes[0]}, 32, {sizes[-1]}].")
        super().__init__(sizes[0], sizes[-1], recon)
        self.sizes, self.activation = sizes, activation
        self.skip_connections = bool(skip_connections)
        layer = dict(activation=activation, negative_slope=negative_slope, rng=generator(rng, name), dtype=dtype,
                     func=name)
        hidden = sizes[1:-1]
        widen = 2 if self.skip_connections else 1  # a decoder layer after a skip reads [dₖ, hₖ]
        self.encoder = nn.Sequential(*[mlp([a, b], final_activation=True, **layer) for a, b in zip(sizes, hidden)],
                                     mlp(sizes[-2:], **layer))
        self.decoder = nn.Sequential(mlp([self.n_latent, hidden[-1]], final_activation=True, **layer),
                                     *[mlp([widen * a, b], final_activation=True, **layer)
                                       for a, b in zip(hidden[:0:-1], hidden[-2::-1])],
                                     mlp([widen * hidden[0], self.n_in], **layer))

    def encode_with_skips(self, x):
        """(z, [h₁, …, h_L]): the code and the encoder's hidden activations, first layer first."""
        h = self.check_input(x, self._func("encode"))
        skips = []
        for stage in list(self.encoder)[:-1]:
            h = stage(h)
            skips.append(h)
        return self.encoder[-1](h), skips

    def decode(self, z, skips=None):
        """x̂ = out(decoder(z, skips));  z (batch, n_latent), skips [h₁, …, h_L] or None (zeros: the code alone)."""
        return self.out_activation(self.decoder_output(z, skips))

    def decoder_output(self, z, skips=None):
        """The output pre-activation s (batch, n_in): the decoder stages in turn, each after the first reading the
        skip of its width beside the previous stage's output (when the model has skip connections)."""
        z = as_tensor(z)
        skips = self._check_skips(z, skips)
        d = self.decoder[0](z)
        for stage, skip in zip(list(self.decoder)[1:], skips[::-1]):
            d = stage(concatenate([d, skip], axis=-1) if self.skip_connections else d)
        return d

    def forward(self, x):
        return self.decode(*self.encode_with_skips(x))

    def loss(self, x, target=None):
        """Mean reconstruction error (``recon``) of x̂ = decode(encode_with_skips(x)) against the target (x unless
        given): a scalar Tensor."""
        x = self.check_input(x, self._func("loss"))
        target = self.check_target(x if target is None else target, self._func("loss"))
        return self.recon_loss(self.decoder_output(*self.encode_with_skips(x)), target)

    def _check_skips(self, z, skips):
        hidden, batch = self.sizes[1:-1], z.shape[0] if z.ndim else 0
        if skips is None:  # decode from the code alone: zeros stand in for what the encoder would have said
            return [np.zeros((batch, width), self.dtype) for width in hidden]
        shapes = [tuple(s.shape) if isinstance(s, (Tensor, np.ndarray)) else None for s in skips]
        if shapes != [(batch, width) for width in hidden]:
            raise ShapeError(f"{self._func('decode')}: skips must be the encoder's activations [h₁, …, h_L] of "
                             f"shapes {[(batch, width) for width in hidden]} for a batch of {batch} codes; got "
                             f"shapes {shapes}. Take them from z, skips = model.encode_with_skips(x), or pass "
                             "skips=None to decode from the code alone.")
        return skips

    def extra_repr(self):
        return f"sizes={self.sizes}, skip_connections={self.skip_connections}, recon={self.recon!r}"
