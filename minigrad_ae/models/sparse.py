"""The sparse autoencoder of Ng's UFLDL notes: a sigmoid code whose units are pushed to be mostly off.

Notation (one sample, columns):  a¹ = x,  z² = W1 a¹ + b1,  a² = σ(z²) (the code),  z³ = W2 a² + b2,
a³ = x̂ = f(z³) with f = σ (recon='sigmoid_mse') or the identity ('mse'). Over a batch of m samples the loss is

    J = (1/2m) Σₙ ‖xₙ − x̂ₙ‖²  +  β Σⱼ KL(ρ ‖ ρ̂ⱼ)  +  (λ/2)(‖W1‖² + ‖W2‖²),     ρ̂ⱼ = (1/m) Σₙ a²ₙⱼ,

or, with penalty='l1', l1_weight · (1/m) Σₙ Σⱼ |a²ₙⱼ| in place of the KL term. Biases are not decayed.
"""
import numpy as np

from ..autodiff import no_grad
from ..nn import functional as F
from ..validate import choice, is_real, number
from .sigmoid_code import SigmoidCodeAutoencoder

PENALTIES = ("kl", "l1")


class SparseAutoencoder(SigmoidCodeAutoencoder):
    """a² = σ(W1 x + b1) (``encoder``: Linear(n_in, n_latent)), x̂ = f(W2 a² + b2) (``decoder``:
    Linear(n_latent, n_in)), f = σ (recon='sigmoid_mse') or the identity (recon='mse').

    ``rho`` is the target mean activation ρ of each hidden unit and ``beta`` the weight β of the KL term;
    ``l1_weight`` weighs the L1 term instead when penalty='l1'; ``weight_decay`` is λ.
    x is (batch, n_in): the KL term needs a batch to average over.
    """

    def __init__(self, n_in, n_latent, rho=0.05, beta=3.0, penalty="kl", l1_weight=1e-2, weight_decay=0.0,
                 recon="sigmoid_mse", rng=None, dtype=np.float32):
        if not (is_real(rho) and 0 < rho < 1):
            raise ValueError(f"SparseAutoencoder: rho is the target mean activation of a sigmoid unit and must lie "
                             f"strictly inside (0, 1) (KL(ρ ‖ ρ̂) needs log ρ and log(1 − ρ)), got {rho!r}; "
                             "a typical value is 0.05.")
        penalty = choice(penalty, "penalty", "SparseAutoencoder", PENALTIES)
        beta, l1_weight, weight_decay = (number(value, f"{name} (a penalty weight)", "SparseAutoencoder", low=0) for
                                         name, value in (("beta", beta), ("l1_weight", l1_weight),
                                                         ("weight_decay", weight_decay)))
        super().__init__(n_in, n_latent, recon, rng, dtype)
        self.rho, self.beta, self.penalty, self.l1_weight = rho, beta, penalty, l1_weight
        self.weight_decay = weight_decay

    def loss(self, x, target=None):
        """J above: (1/2m) Σₙ ‖tₙ − x̂ₙ‖² + sparsity penalty + (λ/2) Σ ‖W‖², a scalar Tensor (t = x unless given)."""
        x = self.check_batch(x, self._func("loss"))
        h = self.encode(x)
        target = x if target is None else self.check_batch(target, self._func("loss"))
        return self.reconstruction_loss(target, h) + self.sparsity_penalty(h) + self.weight_penalty()

    def sparsity_penalty(self, h):
        """β Σⱼ KL(ρ ‖ ρ̂ⱼ) with ρ̂ the batch mean of h (batch, n_latent), or l1_weight · mean over rows of Σⱼ |hⱼ|."""
        if self.penalty == "kl":
            return self.beta * F.kl_sparsity(h.mean(axis=0), self.rho)
        return self.l1_weight * F.l1_penalty(h, reduction="mean")

    def weight_penalty(self):
        """(λ/2)(‖W1‖²_F + ‖W2‖²_F); 0 when λ = 0."""
        if not self.weight_decay:
            return 0.0
        return 0.5 * self.weight_decay * ((self.encoder.weight ** 2).sum() + (self.decoder.weight ** 2).sum())

    def mean_activation(self, X):
        """ρ̂ⱼ = mean over the rows of X (n, n_in) of a²ⱼ, as a NumPy array (n_latent,)."""
        with no_grad():
            return self.encode(self.check_batch(X, self._func("mean_activation"))).data.mean(axis=0)

    def manual_grads(self, x, misprinted=False):
        """The gradients of ``loss(x)`` by backpropagation written out by hand, keyed like ``named_parameters()``.

        Per sample n (UFLDL; rows here, so W2ᵀδ³ is the row δ³ W2):
            δ³ = (a³ − x) ⊙ f′(z³),                          f′(z³) = a³(1 − a³) for σ, 1 for the identity
            δ² = (W2ᵀ δ³ + β(−ρ/ρ̂ + (1 − ρ)/(1 − ρ̂))) ⊙ a²(1 − a²)     (L1: l1_weight · sign(a²) instead)
        then averaged over the batch:  ∂W2 = (1/m) Σₙ δ³ a²ᵀ + λW2,  ∂b2 = (1/m) Σₙ δ³,
                                        ∂W1 = (1/m) Σₙ δ² xᵀ + λW1,   ∂b1 = (1/m) Σₙ δ².
        The sparsity term appears unscaled in δ² because ρ̂ is itself a batch mean: ∂J/∂a²ₙⱼ gets
        β/m · (−ρ/ρ̂ⱼ + (1 − ρ)/(1 − ρ̂ⱼ)) from the KL term, and the 1/m is the one applied when averaging.

        ``misprinted=True`` gives the WRONG form copied from many write-ups, with the sparsity term added
        *outside* the sigmoid's derivative: δ² = (W2ᵀ δ³) ⊙ a²(1 − a²) + β(…). It is kept only so the lesson
        can show it failing the gradient check; never train with it.
        """
        X = self.check_batch(x, self._func("manual_grads"))
        W1, W2 = self.encoder.weight.data, self.decoder.weight.data
        with no_grad():
            a2 = self.encode(X).data
            a3 = self.decode(a2).data
        delta3 = (a3 - X) * (a3 * (1 - a3) if self.recon == "sigmoid_mse" else 1)
        sparsity = self._sparsity_delta(a2)
        sigmoid_slope = a2 * (1 - a2)
        if misprinted:
            delta2 = (delta3 @ W2) * sigmoid_slope + sparsity
        else:
            delta2 = (delta3 @ W2 + sparsity) * sigmoid_slope
        m, lam = len(X), self.weight_decay
        grads = {"encoder.weight": delta2.T @ X / m + lam * W1, "encoder.bias": delta2.mean(axis=0),
                 "decoder.weight": delta3.T @ a2 / m + lam * W2, "decoder.bias": delta3.mean(axis=0)}
        return {name: grads[name] for name, _ in self.named_parameters()}

    def _sparsity_delta(self, a2):
        """m · ∂(sparsity penalty)/∂a²ₙ: β(−ρ/ρ̂ + (1 − ρ)/(1 − ρ̂)) (the same for every row),
        or l1_weight · sign(a²)."""
        if self.penalty == "kl":
            rho, rho_hat = self.rho, a2.mean(axis=0)
            return self.beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        return self.l1_weight * np.sign(a2)

    def extra_repr(self):
        sparsity = f"rho={self.rho}, beta={self.beta}" if self.penalty == "kl" else f"l1_weight={self.l1_weight}"
        return f"{super().extra_repr()}, {sparsity}, weight_decay={self.weight_decay}"

