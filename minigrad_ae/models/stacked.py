"""The stacked autoencoder: greedy layer-wise pretraining, then supervised fine-tuning.

Encoder layer k maps h_k (batch, sizes[k]) to h_{k+1} = act(W_k h_k + b_k) (batch, sizes[k+1]), with h_0 = x.
Pretraining phase k trains layer k with its own decoder on L_k = mean ‖h_k − ĥ_k‖², ĥ_k = dec_k(h_{k+1}),
while layers 0 … k−1 are frozen: they only turn x into h_k, so no graph is recorded through them and
their parameters never move. Fine-tuning trains the whole stack plus a softmax head on
L = cross_entropy(V h_K + c, y) (Hinton & Salakhutdinov 2006; Bengio et al. 2007).
"""
import numpy as np

from .. import nn
from ..autodiff import no_grad
from ..nn import functional as F
from ..optim import Adam
from ..train import fit

ACTIVATIONS = ("sigmoid", "leaky_relu")
OUT_ACTIVATIONS = ("sigmoid", None)


class StackedAutoencoder(nn.Module):
    """An encoder stack sizes[0] -> sizes[1] -> … -> sizes[-1], one pretraining decoder per layer, and
    (with ``n_classes``) a softmax head Linear(sizes[-1], n_classes).

    ``encoder[k]`` = Sequential(Linear(sizes[k], sizes[k+1]), act); ``decoders[k]`` maps sizes[k+1] back to
    sizes[k] (it is a list of per-layer decoders, run one at a time, never as one chain).
    ``decoders[0]`` rebuilds the data with ``out_activation`` ('sigmoid' for data in [0, 1]); deeper ones
    rebuild codes, so they end like the codes do: sigmoid for sigmoid codes, nothing for unbounded
    leaky-ReLU codes. ``forward`` is the unrolled autoencoder: every encoder, then every decoder in reverse.
    """

    def __init__(self, sizes, n_classes=None, activation="sigmoid", out_activation="sigmoid", negative_slope=0.1,
                 rng=None, dtype=np.float32):
        super().__init__()
        _check_config(sizes, n_classes, activation, out_activation)
        rng = np.random.default_rng() if rng is None else rng
        self.sizes, self.n_classes, self.activation = list(sizes), n_classes, activation

        def act(name):
            return {"sigmoid": nn.Sigmoid(), "leaky_relu": nn.LeakyReLU(negative_slope), None: nn.Identity()}[name]

        code_out = "sigmoid" if activation == "sigmoid" else None
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.encoder = nn.Sequential(*[nn.Sequential(nn.Linear(a, b, rng=rng, dtype=dtype), act(activation))
                                       for a, b in pairs])
        self.decoders = nn.Sequential(*[nn.Sequential(nn.Linear(b, a, rng=rng, dtype=dtype),
                                                      act(out_activation if k == 0 else code_out))
                                        for k, (a, b) in enumerate(pairs)])
        self.head = nn.Linear(sizes[-1], n_classes, rng=rng, dtype=dtype) if n_classes is not None else None

    @property
    def n_layers(self):
        return len(self.encoder)

    # ----- the autoencoder -----
    def encode(self, x):
        """h_K = layer_{K−1}(… layer_0(x));  (batch, sizes[0]) -> (batch, sizes[-1])."""
        return self.encoder(x)

    def decode(self, z):
        """x̂ = dec_0(dec_1(… dec_{K−1}(z)));  (batch, sizes[-1]) -> (batch, sizes[0])."""
        for decoder in reversed(list(self.decoders)):
            z = decoder(z)
        return z

    def forward(self, x):
        return self.decode(self.encode(x))

    def loss(self, x):
        """Mean squared error of the unrolled autoencoder, mean ‖x − x̂‖² per element."""
        return F.mse_loss(self(x), x)

    # ----- greedy layer-wise pretraining -----
    def layer_input(self, k, x):
        """h_k, the input of layer k (x itself for k = 0): layers below k run as they are (frozen in pretraining)."""
        for layer in list(self.encoder)[:k]:
            x = layer(x)
        return x

    def layer_loss(self, k, x):
        """Phase k's loss L_k = mean ‖h_k − dec_k(layer_k(h_k))‖² (per element), h_k = ``layer_input(k, x)``."""
        h = self.layer_input(k, x)
        return F.mse_loss(self.decoders[k](self.encoder[k](h)), h)

    def pretrain_layer(self, k, X, epochs, batch_size=64, lr=1e-3, optimizer_factory=None, rng=None,
                       progress=False):
        """Phase k: train encoder[k] + decoders[k] on ``layer_loss(k, ·)`` with layers below k frozen,
        then freeze encoder[k] too. Returns fit's History.

        ``optimizer_factory(params) -> Optimizer`` picks the optimizer; by default Adam(params, lr).
        """
        if not 0 <= k < self.n_layers:
            raise IndexError(f"StackedAutoencoder.pretrain_layer: k must be in [0, {self.n_layers}) for "
                             f"{self.n_layers} layers (sizes {self.sizes}), got {k}.")
        for below in list(self.encoder)[:k]:
            below.freeze()
        phase = [self.encoder[k], self.decoders[k]]
        for module in phase:
            module.unfreeze()
        optimizer = _make_optimizer(optimizer_factory, lr, [p for m in phase for p in m.parameters()])
        history = fit(self, lambda model, xb: model.layer_loss(k, xb), X, epochs, batch_size, optimizer,
                      progress=progress, rng=rng)
        self.encoder[k].freeze()
        return history

    def pretrain(self, X, epochs, batch_size=64, lr=1e-3, optimizer_factory=None, rng=None, progress=False):
        """Greedy layer-wise pretraining: ``pretrain_layer(k, …)`` for k = 0, 1, …, each with ``epochs``
        epochs. Leaves the whole encoder frozen; returns one History per layer."""
        return [self.pretrain_layer(k, X, epochs, batch_size, lr, optimizer_factory, rng, progress)
                for k in range(self.n_layers)]

    # ----- supervised fine-tuning -----
    def logits(self, x):
        """V h_K + c, the softmax head on the code;  (batch, sizes[0]) -> (batch, n_classes)."""
        self._check_head("logits")
        return self.head(self.encode(x))

    def classification_loss(self, x, y):
        """Mean cross-entropy −log softmax(V h_K + c)[y] over the batch; y integer labels (batch,)."""
        return F.cross_entropy(self.logits(x), y)

    def fine_tune(self, X, y, epochs, batch_size=64, lr=1e-3, optimizer_factory=None, freeze_encoder=False,
                  val=None, rng=None, progress=False):
        """Train head (and, unless ``freeze_encoder``, the whole encoder, unfrozen first) on
        ``classification_loss``; ``val`` = (X_val, y_val) is passed to fit. Returns fit's History."""
        self._check_head("fine_tune")
        if freeze_encoder:
            self.encoder.freeze()
        else:
            self.encoder.unfreeze()
        params = self.head.parameters() + ([] if freeze_encoder else self.encoder.parameters())
        optimizer = _make_optimizer(optimizer_factory, lr, params)
        return fit(self, lambda model, xb, yb: model.classification_loss(xb, yb), X, epochs, batch_size,
                   optimizer, val=val, progress=progress, rng=rng, y=np.asarray(y))

    def predict(self, X):
        """The most likely class per row of X (argmax of the logits), without recording a graph;  (n,) int."""
        with no_grad():
            return np.argmax(self.logits(X).data, axis=-1)

    def accuracy(self, X, y):
        """Fraction of rows of X whose predicted class equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def _check_head(self, caller):
        if self.head is None:
            raise ValueError(f"StackedAutoencoder.{caller}: this model has no classifier head because it was built "
                             f"without n_classes; build it as StackedAutoencoder({self.sizes}, n_classes=10, ...) "
                             "(10 for the digits).")

    def extra_repr(self):
        return f"sizes={self.sizes}, n_classes={self.n_classes}, activation={self.activation!r}"


def _make_optimizer(optimizer_factory, lr, params):
    return Adam(params, lr=lr) if optimizer_factory is None else optimizer_factory(params)


def _check_config(sizes, n_classes, activation, out_activation):
    def positive_int(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1

    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(positive_int(s) for s in sizes):
        raise ValueError(f"StackedAutoencoder: sizes must be a list of at least two positive integers "
                         f"[n_in, hidden_1, …, n_code], e.g. [64, 48, 32], got {sizes!r}.")
    if n_classes is not None and not (positive_int(n_classes) and n_classes >= 2):
        raise ValueError(f"StackedAutoencoder: n_classes must be an integer >= 2 (or None for no classifier head), "
                         f"got {n_classes!r}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"StackedAutoencoder: activation must be one of {ACTIVATIONS}, got {activation!r}.")
    if out_activation not in OUT_ACTIVATIONS:
        raise ValueError(f"StackedAutoencoder: out_activation must be 'sigmoid' (data in [0, 1]) or None "
                         f"(unbounded data), got {out_activation!r}.")
