"""The asymmetric multi-task autoencoder: encoder and decoder of independent depths and widths, and a code
that is also asked to predict the label and to stay small.

z = E(x) (batch, n_latent),  x̂ = D(z) (batch, n_in),  logits = C z + c (batch, n_classes), and

    L = L_recon + α · L_class + β · L_sparse,
    L_recon  = mean over elements of the reconstruction error (``recon``; (x − x̂)² by default),
    L_class  = mean over the batch of −log softmax(C z + c)[y],
    L_sparse = mean over the batch of Σⱼ |zⱼ|   (L1 on the code).

L1 rather than the KL sparsity penalty: the code layer is linear (``Autoencoder`` leaves it unbounded), and
KL(ρ ‖ ρ̂) needs mean activations ρ̂ strictly inside (0, 1), which only a sigmoid code guarantees.
"""
import numpy as np

from .. import nn
from ..autodiff import no_grad
from ..nn import functional as F
from ..validate import generator, integer, number
from .autoencoder import Autoencoder


class AsymmetricAutoencoder(Autoencoder):
    """An ``Autoencoder`` with encoder ``encoder_sizes`` [n_in, …, n_latent] and decoder ``decoder_sizes``
    [n_latent, …, n_in] chosen independently, plus (with ``n_classes``) a linear softmax ``classifier`` on z.

    ``alpha`` weighs the classification term (needs ``n_classes``), ``beta`` the L1 code penalty.
    ``loss(x, y=labels)`` returns L and leaves its unweighted parts as floats in ``last_losses``.
    """

    def __init__(self, encoder_sizes, decoder_sizes, n_classes=None, alpha=0.0, beta=0.0, activation="leaky_relu",
                 recon="sigmoid_mse", negative_slope=0.1, rng=None, dtype=np.float32):
        rng = generator(rng, "AsymmetricAutoencoder")
        # the parent checks the sizes, including that decoder_sizes runs from n_latent back to n_in
        super().__init__(encoder_sizes, activation, recon, negative_slope, decoder_sizes=decoder_sizes,
                         rng=rng, dtype=dtype)
        alpha, beta = (number(weight, name, "AsymmetricAutoencoder", low=0) for name, weight in
                       (("alpha (a loss weight)", alpha), ("beta (a loss weight)", beta)))
        if n_classes is not None:
            n_classes = integer(n_classes, "n_classes (None for no classifier)", "AsymmetricAutoencoder", low=2)
        if alpha > 0 and n_classes is None:
            raise ValueError(f"AsymmetricAutoencoder: alpha={alpha} weighs a classification loss, but there is no "
                             "classifier; pass n_classes (e.g. n_classes=10 for the digits), or alpha=0.")
        self.n_classes, self.alpha, self.beta = n_classes, alpha, beta
        self.classifier = nn.Linear(self.n_latent, n_classes, rng=rng, dtype=dtype) if n_classes else None
        self.last_losses = {}

    def loss_parts(self, x, target=None, y=None):
        """The unweighted terms as scalar Tensors: {'recon', 'sparse'} and, when labels y are given, 'class'.
        The reconstruction target is x itself unless given."""
        x = self.check_input(x, self._func("loss_parts"))
        target = self.check_target(x if target is None else target, self._func("loss_parts"))
        z = self.encode(x)
        parts = {"recon": self.recon_loss(self.decoder(z), target), "sparse": F.l1_penalty(z)}
        if y is not None:
            parts["class"] = F.cross_entropy(self._classify(z, "loss_parts"), y)
        return parts

    def loss(self, x, target=None, y=None):
        """L = L_recon + α·L_class + β·L_sparse; the class term only when labels y are given (not on unlabelled
        data). ``mg.fit(model, X=X, y=labels, ...)`` passes them."""
        x = self.check_input(x, "AsymmetricAutoencoder.loss")
        parts = self.loss_parts(x, self.check_target(x if target is None else target, "AsymmetricAutoencoder.loss"), y)
        total = parts["recon"] + self.beta * parts["sparse"]
        if "class" in parts:
            total = total + self.alpha * parts["class"]
        self.last_losses = {name: part.item() for name, part in parts.items()} | {"total": total.item()}
        return total

    def logits(self, x):
        """C E(x) + c;  (batch, n_in) -> (batch, n_classes)."""
        return self._classify(self.encode(x), "logits")

    def predict(self, X):
        """The most likely class per row of X, without recording a graph;  (n,) int."""
        with no_grad():
            return np.argmax(self.logits(X).data, axis=-1)

    def accuracy(self, X, y):
        """Fraction of rows of X whose predicted class equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def _classify(self, z, caller):
        if self.classifier is None:
            raise ValueError(f"AsymmetricAutoencoder.{caller}: got labels/asked for classes, but the model has no "
                             "classifier; build it with n_classes (e.g. n_classes=10 for the digits).")
        return self.classifier(z)

    def extra_repr(self):
        return super().extra_repr() + f", n_classes={self.n_classes}, alpha={self.alpha}, beta={self.beta}"
