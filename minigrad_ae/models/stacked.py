"""The stacked autoencoder: a deep encoder built (and pretrained) one layer at a time, then fine-tuned.

Encoder layer k maps h_k (batch, sizes[k]) to h_{k+1} = act(W_k h_k + b_k) (batch, sizes[k+1]), with h_0 = x.
Pretraining phase k trains layer k with its own decoder on L_k = mean ‖h_k − ĥ_k‖², ĥ_k = dec_k(h_{k+1}),
while layers 0 … k−1 are frozen: they only turn x into h_k, so no graph is recorded through them and
their parameters never move. Fine-tuning trains the whole stack plus a softmax head on
L = cross_entropy(V h_K + c, y) (Hinton & Salakhutdinov 2006; Bengio et al. 2007).

This file holds the model and its losses; ``minigrad_ae.pretraining`` runs the phases (through ``fit``).
"""
import numpy as np

from .. import nn
from ..autodiff import no_grad
from ..nn import functional as F
from ..validate import choice, generator, integer, number
from .base import ACTIVATION_RANGES, AutoencoderBase
from .blocks import check_sizes


class StackedAutoencoder(AutoencoderBase):
    """An encoder stack sizes[0] -> sizes[1] -> … -> sizes[-1], one pretraining decoder per layer, and
    (with ``n_classes``) a softmax head Linear(sizes[-1], n_classes).

    ``encoder[k]`` = Sequential(Linear(sizes[k], sizes[k+1]), act); ``decoders[k]`` maps sizes[k+1] back to
    sizes[k] (it is a list of per-layer decoders, run one at a time, never as one chain).
    ``decoders[0]`` rebuilds the data with the output activation of ``recon`` ('sigmoid_mse' for data in
    [0, 1], 'mse' for unbounded data); deeper ones rebuild codes, so they end like the codes do: sigmoid or
    tanh for bounded codes, nothing for (leaky) ReLU or linear ones. ``forward`` is the unrolled autoencoder:
    every encoder, then every decoder in reverse. Weights start as PyTorch's ``nn.Linear`` does,
    U(−1/√fan_in, 1/√fan_in).
    """
    RECONS = ("sigmoid_mse", "mse")

    def __init__(self, sizes, n_classes=None, activation="sigmoid", recon="sigmoid_mse", negative_slope=0.1,
                 rng=None, dtype=np.float32):
        sizes = check_sizes(sizes, "sizes", "StackedAutoencoder", example="[64, 48, 32]")
        super().__init__(sizes[0], sizes[-1], recon, dtype)
        if n_classes is not None:
            n_classes = integer(n_classes, "n_classes (None for no classifier head)", "StackedAutoencoder", low=2)
        choice(activation, "activation", "StackedAutoencoder", tuple(nn.ACTIVATIONS))
        negative_slope = number(negative_slope, "negative_slope", "StackedAutoencoder")
        rng = generator(rng, "StackedAutoencoder")
        self.sizes, self.n_classes, self.activation = sizes, n_classes, activation

        def act(name):
            return nn.activation(name, negative_slope)

        code_out = activation if activation in ACTIVATION_RANGES else None  # a bounded code is rebuilt within bounds
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.encoder = nn.Sequential(*[nn.Sequential(nn.Linear(a, b, rng=rng, dtype=dtype), act(activation))
                                       for a, b in pairs])
        # decoders[0] ends in the model's own out_activation (one module, shared)
        self.decoders = nn.Sequential(*[nn.Sequential(nn.Linear(b, a, rng=rng, dtype=dtype),
                                                      self.out_activation if k == 0 else act(code_out))
                                        for k, (a, b) in enumerate(pairs)])
        self.head = nn.Linear(sizes[-1], n_classes, rng=rng, dtype=dtype) if n_classes is not None else None

    @property
    def n_layers(self):
        return len(self.encoder)

    # ----- the autoencoder -----
    def encode(self, x):
        """h_K = layer_{K−1}(… layer_0(x));  (batch, sizes[0]) -> (batch, sizes[-1])."""
        return self.encoder(self.check_input(x, "StackedAutoencoder.encode"))

    def decode(self, z):
        """x̂ = dec_0(dec_1(… dec_{K−1}(z)));  (batch, sizes[-1]) -> (batch, sizes[0])."""
        for decoder in reversed(list(self.decoders)):
            z = decoder(z)
        return z

    def loss(self, x, target=None):
        """Mean squared error of the unrolled autoencoder, mean ‖t − x̂‖² per element (t = x unless given)."""
        x = self.check_input(x, "StackedAutoencoder.loss")
        return F.mse_loss(self(x), x if target is None else target)

    # ----- the pretraining phases -----
    def layer_input(self, k, x):
        """h_k, the input of layer k (x itself for k = 0): layers below k run as they are (frozen in pretraining)."""
        x = self.check_input(x, "StackedAutoencoder.layer_input")
        for layer in list(self.encoder)[:k]:
            x = layer(x)
        return x

    def layer_loss(self, k, x):
        """Phase k's loss L_k = mean ‖h_k − dec_k(layer_k(h_k))‖² (per element), h_k = ``layer_input(k, x)``."""
        h = self.layer_input(k, x)
        return F.mse_loss(self.decoders[k](self.encoder[k](h)), h)

    # ----- the classifier -----
    def logits(self, x):
        """V h_K + c, the softmax head on the code;  (batch, sizes[0]) -> (batch, n_classes)."""
        self.require_head("StackedAutoencoder.logits")
        return self.head(self.encode(x))

    def classification_loss(self, x, y):
        """Mean cross-entropy −log softmax(V h_K + c)[y] over the batch; y integer labels (batch,)."""
        return F.cross_entropy(self.logits(x), y)

    def predict(self, X):
        """The most likely class per row of X (argmax of the logits), without recording a graph;  (n,) int."""
        with no_grad():
            return np.argmax(self.logits(X).data, axis=-1)

    def accuracy(self, X, y):
        """Fraction of rows of X whose predicted class equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def require_head(self, caller):
        """Refuse, naming ``caller``, to classify with a model built without ``n_classes``."""
        if self.head is None:
            raise ValueError(f"{caller}: this model has no classifier head because it was built without "
                             f"n_classes; build it as StackedAutoencoder({self.sizes}, n_classes=10, ...) "
                             "(10 for the digits).")

    def extra_repr(self):
        return f"sizes={self.sizes}, n_classes={self.n_classes}, activation={self.activation!r}, recon={self.recon!r}"
