"""Variational autoencoder (Kingma & Welling, 2014), as in pytorch/examples' VAE.

Encoder q(z|x) = N(μ(x), diag e^{logvar(x)}), prior p(z) = N(0, I), decoder p(x|z) Bernoulli (logits) or Gaussian.
Per sample, the negative ELBO is  reconstruction error + KL(q(z|x) ‖ p(z)),  with z = μ + e^{½ logvar} ⊙ ε,
ε ~ N(0, I) (the reparameterisation trick: the randomness moves into ε, so z is differentiable in μ and logvar).

Loss convention: per-sample sums (over pixels, over latent dimensions), then the **mean over the batch**,
so the learning rate does not depend on the batch size (pytorch/examples sums over the batch instead).
"""
import numpy as np

from ..autodiff import ShapeError, float64_array, no_grad, tensor
from ..nn import Linear
from ..nn import functional as F
from ..validate import generator, integer, number, positive_int
from .base import AutoencoderBase
from .blocks import hidden_sizes, mlp


class VAE(AutoencoderBase):
    """x (batch, n_in) → encoder MLP → (μ, logvar) (batch, n_latent) → z → decoder MLP → x̂ (batch, n_in).

    ``hidden`` is one width or a list of widths: the encoder is Linear + ReLU for each of them, then the two
    heads Linear(hidden[-1], n_latent) for μ and logvar; the decoder mirrors it, Linear(n_latent, hidden[-1]) +
    ReLU, …, Linear(hidden[0], n_in). ``VAE(784, 400, 20)`` is pytorch/examples' VAE (fc1, fc21/fc22, fc3, fc4),
    with the encoder and decoder as ``Sequential``s rather than named layers, Kaiming-normal hidden weights, and
    the sigmoid applied by ``decode`` (so the loss can use the logits).

    ``recon='bce'``: the reconstruction term is −log Bernoulli(x | σ(logits)) summed over pixels (for x in
    [0, 1]); ``recon='mse'``: the decoder outputs means and the term is ‖x − x̂‖² (a Gaussian decoder with
    variance ½, up to a constant). loss = mean over the batch of (reconstruction + β·KL); β = 1 is the true
    negative ELBO. ``rng`` initialises the weights and then draws every ε, so a seeded run is reproducible.
    """

    def __init__(self, n_in, hidden, n_latent, beta=1.0, recon="bce", rng=None, dtype=np.float32):
        super().__init__(n_in, n_latent, recon, dtype)
        hidden = hidden_sizes(hidden, "VAE")
        # β = 1 gives the true ELBO, β > 1 a β-VAE
        self.beta = number(beta, "beta (the weight of the KL term)", "VAE", low=0)
        self.rng = generator(rng, "VAE")
        self.encoder = mlp([n_in, *hidden], "relu", rng=self.rng, dtype=dtype, final_activation=True)
        self.mu_head = Linear(hidden[-1], n_latent, rng=self.rng, dtype=dtype)
        self.logvar_head = Linear(hidden[-1], n_latent, rng=self.rng, dtype=dtype)
        self.decoder = mlp([n_latent, *hidden[::-1], n_in], "relu", rng=self.rng, dtype=dtype)

    def encode(self, x):
        """q(z|x): (μ, logvar), each (batch, n_latent)."""
        h = self.encoder(self.check_input(x, "VAE.encode"))
        return self.mu_head(h), self.logvar_head(h)

    def forward(self, x):
        """Reconstruction from the posterior mean: decode(μ(x)) — deterministic, unlike the loss's sampled z."""
        return self.decode(self.encode(x)[0])

    def loss(self, x, target=None, eps=None):
        """mean over the batch of (reconstruction + β·KL), one ε per sample (drawn from ``self.rng`` unless given);
        the reconstruction is scored against x unless ``target`` is given."""
        x = self.check_input(x, "VAE.loss")
        recon, kl = self.per_sample_terms(x, eps, self.check_target(x if target is None else target, "VAE.loss"))
        return (recon + self.beta * kl).mean()

    def per_sample_terms(self, x, eps=None, target=None):
        """(reconstruction error, KL) per sample, Tensors (batch,); z = μ + e^{½ logvar} ⊙ ε."""
        x = self.check_input(x, "VAE.per_sample_terms")
        target = self.check_target(x if target is None else target, "VAE.per_sample_terms")
        mu, logvar = self.encode(x)
        z, _ = F.reparameterize(mu, logvar, eps=eps, rng=self.rng)
        recon = self.recon_loss(self.decoder(z), target, reduction="none").sum(axis=-1)
        return recon, F.gaussian_kl(mu, logvar, reduction="none")

    def elbo(self, X, n_samples=1):
        """ELBO estimate per sample (NumPy (n,)): −(reconstruction + KL), averaged over ``n_samples`` draws of ε.

        The KL is exact; only the reconstruction term is sampled. With β = 1, loss(x) = −mean(elbo) for the same ε.
        For the squared errors it is the Gaussian log-likelihood bound up to an additive constant.
        """
        n_samples, X = positive_int(n_samples, "n_samples", "VAE.elbo"), self.check_batch(X, "VAE.elbo", "X")
        total = np.zeros(len(X))
        with no_grad():
            for _ in range(n_samples):
                recon, kl = self.per_sample_terms(X)
                total += (recon + kl).data
        return -total / n_samples

    def sample(self, n, rng=None):
        """n new samples: z ~ N(0, I) (from ``rng``, else the model's), decoded; NumPy (n, n_in)."""
        rng = self.rng if rng is None else generator(rng, "VAE.sample")
        z = rng.standard_normal((integer(n, "n (the number of samples)", "VAE.sample", low=0), self.n_latent))
        return self._decode_array(z)

    def interpolate(self, z0, z1, steps):
        """Decode ``steps`` points z = (1 − t) z0 + t z1, t from 0 to 1, on the line between two codes (n_latent,);
        NumPy (steps, n_in)."""
        z0, z1 = (float64_array(z, name, "VAE.interpolate") for name, z in (("z0", z0), ("z1", z1)))
        if z0.shape != (self.n_latent,) or z1.shape != (self.n_latent,):
            raise ValueError(f"VAE.interpolate: z0 and z1 must be single codes of shape ({self.n_latent},), got "
                             f"{z0.shape} and {z1.shape}. Take one row of encode(x)[0] for each.")
        t = np.linspace(0.0, 1.0, positive_int(steps, "steps", "VAE.interpolate"))[:, None]
        return self._decode_array((1 - t) * z0 + t * z1)

    def _decode_array(self, z):
        with no_grad():
            return self.decode(tensor(z, dtype=self.dtype)).data

    def extra_repr(self):
        return f"{super().extra_repr()}, beta={self.beta}"


# ---------------------------------------------------------------- hand-derived gradients


def kl_grads(mu, logvar):
    """Gradients of KL = −½ Σ (1 + logvar − μ² − e^logvar) (summed over all elements):
    ∂KL/∂μ = μ,  ∂KL/∂logvar = ½(e^logvar − 1).  NumPy arrays shaped like μ."""
    mu, logvar = _broadcastable("kl_grads", mu=mu, logvar=logvar)
    # BEGIN SOLUTION vae_kl_grads
    return np.array(mu, dtype=np.float64), 0.5 * (np.exp(logvar) - 1)
    # END SOLUTION


def reparam_grads(g_z, logvar, eps):
    """Chain rule through z = μ + e^{½ logvar} ⊙ ε, given g_z = ∂L/∂z:
    ∂L/∂μ = g_z,  ∂L/∂logvar = g_z ⊙ ½ e^{½ logvar} ⊙ ε.  NumPy arrays shaped like z."""
    g_z, logvar, eps = _broadcastable("reparam_grads", g_z=g_z, logvar=logvar, eps=eps)
    # BEGIN SOLUTION vae_reparam_grads
    return np.array(g_z, dtype=np.float64), g_z * 0.5 * np.exp(0.5 * np.asarray(logvar)) * eps
    # END SOLUTION


def _broadcastable(func, **arrays):
    """The arrays as float64, refused naming ``func`` unless they hold real numbers and broadcast together."""
    arrays = {name: float64_array(a, name, func) for name, a in arrays.items()}
    try:
        np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{name} {a.shape}" for name, a in arrays.items())
        raise ShapeError(f"{func}: the shapes {shapes} do not broadcast together; pass arrays shaped like z.") from None
    return arrays.values()
