"""Hierarchical latents: a two-level VAE with a coarse code z₁ and a fine code z₂ drawn given z₁.

    generative (top-down)   z₁ ~ N(0, I),   z₂ | z₁ ~ p(z₂|z₁) = N(μₚ(z₁), e^{logvarₚ(z₁)}),   x ~ p(x | z₁, z₂)
    inference               q(z₁|x) = N(μ₁(x), e^{logvar₁(x)}),   q(z₂|x, z₁) = N(μ₂(x, z₁), e^{logvar₂(x, z₁)})
    −ELBO per sample        −log p(x|z₁, z₂) + KL(q(z₁|x) ‖ N(0, I)) + KL(q(z₂|x, z₁) ‖ p(z₂|z₁))

z₁ and z₂ are sampled with the reparameterisation trick. The fine code's KL is measured against a prior that
already knows z₁, so z₂ pays only for what z₁ does not say: the information splits into two levels (a two-level
version of Sønderby et al. 2016's ladder VAE and Vahdat & Kautz 2020's NVAE, with one shared encoder).
"""
import numpy as np

from ..autodiff import ShapeError, Tensor, as_tensor, concatenate, float64_array, no_grad, tensor
from ..nn import Linear
from ..nn import functional as F
from ..nn.losses import check_not_empty, check_reduction
from ..nn.fused import reduce
from ..validate import generator, integer, number, positive_int
from .base import AutoencoderBase
from .blocks import hidden_sizes, mlp
from .vae import VAE


def gaussian_kl_between(mu, logvar, prior_mu, prior_logvar, reduction="sum"):
    """KL(N(μ, e^logvar) ‖ N(μₚ, e^logvarₚ)) between two diagonal Gaussians, in closed form (lesson 23), per row of
    (batch, latent), all four of one shape; then summed over the batch ('sum'), averaged ('mean') or per sample
    ('none'). With μₚ = logvarₚ = 0 it is ``F.gaussian_kl``. Built from autodiff ops, so the gradients
    reach the prior's parameters too (a learned prior trains through this term)."""
    name = "gaussian_kl_between"
    check_reduction(name, reduction)
    names = ("mu", "logvar", "prior_mu", "prior_logvar")
    mu, logvar, prior_mu, prior_logvar = (as_tensor(value, what, name) for value, what in
                                          zip((mu, logvar, prior_mu, prior_logvar), names))
    shapes = {what: t.shape for what, t in zip(names, (mu, logvar, prior_mu, prior_logvar))}
    if len(set(shapes.values())) > 1 or mu.ndim == 0:
        got = ", ".join(f"{what} {shape}" for what, shape in shapes.items())
        raise ShapeError(f"{name}: mu, logvar, prior_mu and prior_logvar must be arrays of one shape, (batch, latent) "
                         f"or (latent,); got {got}. Pass the prior's parameters for each row, e.g. "
                         "np.broadcast_to(prior_mu, mu.shape).")
    check_not_empty(name, mu.shape[:-1], reduction, "mu")
    # BEGIN SOLUTION gaussian_kl_between
    # KL = ½ Σⱼ (logvarₚ − logvar + (e^logvar + (μ − μₚ)²) / e^logvarₚ − 1): the units are independent, so the KL
    # is a sum of one-dimensional ones, each E_q[log q − log p] of two quadratics in z.
    per_unit = prior_logvar - logvar + (logvar.exp() + (mu - prior_mu) ** 2) / prior_logvar.exp() - 1
    per_row = 0.5 * per_unit.sum(axis=-1)
    # END SOLUTION
    return reduce(per_row, reduction)


class HierarchicalVAE(VAE):
    """x (batch, n_in) → encoder MLP → h → q(z₁|x) → z₁ (batch, n_coarse);  [h, z₁] → q(z₂|x, z₁) → z₂
    (batch, n_fine);  [z₁, z₂] → decoder MLP → x̂ (batch, n_in).  z₁ → prior MLP → p(z₂|z₁).

    The code z = [z₁, z₂] has n_latent = n_coarse + n_fine units, so the family's interface reads it whole:
    ``encode`` gives the posterior (μ, logvar), each (batch, n_latent), with z₂'s half taken at z₁ = μ₁; ``decode``
    reads [z₁, z₂]; ``split`` cuts a code into its levels. ``hidden`` is one width or a list (as for ``VAE``);
    the prior network is Linear(n_coarse, hidden[-1]) + ReLU and two heads. loss = mean over the batch of
    (reconstruction + β·(KL₁ + KL₂)); ``level_terms`` gives the three terms apart. ``rng`` initialises the
    weights and then draws every ε.
    """

    def __init__(self, n_in, hidden, n_coarse, n_fine, beta=1.0, recon="bce", rng=None, dtype=np.float32):
        name = "HierarchicalVAE"
        n_coarse, n_fine = positive_int(n_coarse, "n_coarse", name), positive_int(n_fine, "n_fine", name)
        # AutoencoderBase, not VAE.__init__: the two-level model has its own heads in place of the VAE's one pair
        AutoencoderBase.__init__(self, n_in, n_coarse + n_fine, recon, dtype)
        self.n_coarse, self.n_fine = n_coarse, n_fine
        hidden = hidden_sizes(hidden, name)
        self.beta = number(beta, "beta (the weight of the KL terms)", name, low=0)
        self.rng = generator(rng, name)
        layer = dict(rng=self.rng, dtype=dtype)
        self.encoder = mlp([n_in, *hidden], "relu", final_activation=True, **layer)
        self.coarse_mu, self.coarse_logvar = (Linear(hidden[-1], self.n_coarse, **layer) for _ in range(2))
        self.fine_mu, self.fine_logvar = (Linear(hidden[-1] + self.n_coarse, self.n_fine, **layer) for _ in range(2))
        self.prior_net = mlp([self.n_coarse, hidden[-1]], "relu", final_activation=True, **layer)
        self.prior_mu, self.prior_logvar = (Linear(hidden[-1], self.n_fine, **layer) for _ in range(2))
        self.decoder = mlp([self.n_latent, *hidden[::-1], n_in], "relu", **layer)

    # ----- the two levels
    def split(self, z):
        """(z₁, z₂): the coarse and the fine part of codes z (batch, n_latent), Tensors or arrays as given."""
        if np.shape(z)[-1:] != (self.n_latent,):
            raise ShapeError(f"HierarchicalVAE.split: z must be codes of shape (batch, {self.n_latent}) (n_coarse "
                             f"{self.n_coarse} + n_fine {self.n_fine}), got shape {np.shape(z)}.")
        return z[..., :self.n_coarse], z[..., self.n_coarse:]

    def fine_posterior(self, h, z_coarse):
        """q(z₂|x, z₁): (μ₂, logvar₂), each (batch, n_fine), from the encoder's features h and the coarse code."""
        hz = concatenate([h, as_tensor(z_coarse)], axis=-1)
        return self.fine_mu(hz), self.fine_logvar(hz)

    def fine_prior(self, z_coarse):
        """p(z₂|z₁): (μₚ, logvarₚ), each (batch, n_fine), for coarse codes z₁ (batch, n_coarse)."""
        if not isinstance(z_coarse, Tensor):
            z_coarse = tensor(float64_array(z_coarse, "z_coarse", "HierarchicalVAE.fine_prior"), dtype=self.dtype)
        if z_coarse.ndim != 2 or z_coarse.shape[-1] != self.n_coarse:
            raise ShapeError(f"HierarchicalVAE.fine_prior: z_coarse must be coarse codes of shape (batch, "
                             f"{self.n_coarse}), got shape {z_coarse.shape}.")
        g = self.prior_net(z_coarse)
        return self.prior_mu(g), self.prior_logvar(g)

    # ----- the family's interface
    def encode(self, x):
        """q(z|x) as (μ, logvar), each (batch, n_latent) = [coarse | fine]; the fine half is q(z₂|x, z₁ = μ₁)."""
        h = self.encoder(self.check_input(x, "HierarchicalVAE.encode"))
        mu1, logvar1 = self.coarse_mu(h), self.coarse_logvar(h)
        mu2, logvar2 = self.fine_posterior(h, mu1)
        return concatenate([mu1, mu2], axis=-1), concatenate([logvar1, logvar2], axis=-1)

    def level_terms(self, x, eps=None, target=None):
        """(reconstruction error, KL₁, KL₂) per sample, Tensors (batch,): KL₁ = KL(q(z₁|x) ‖ N(0, I)) and
        KL₂ = KL(q(z₂|x, z₁) ‖ p(z₂|z₁)) at the sampled z₁. ``eps`` (batch, n_latent) = [ε₁ | ε₂], drawn from the
        model's rng unless given."""
        x = self.check_input(x, "HierarchicalVAE.level_terms")
        target = self.check_target(x if target is None else target, "HierarchicalVAE.level_terms")
        shape = (*x.shape[:-1], self.n_latent)
        eps = self.rng.standard_normal(shape) if eps is None else float64_array(eps, "eps", "HierarchicalVAE.level_terms")
        if eps.shape != shape:
            raise ShapeError(f"HierarchicalVAE.level_terms: eps must have shape {shape} (one [ε₁ | ε₂] per sample of x), "
                             f"got {eps.shape}.")
        eps1, eps2 = self.split(eps)
        h = self.encoder(x)
        mu1, logvar1 = self.coarse_mu(h), self.coarse_logvar(h)
        z1, _ = F.reparameterize(mu1, logvar1, eps=eps1)
        mu2, logvar2 = self.fine_posterior(h, z1)
        z2, _ = F.reparameterize(mu2, logvar2, eps=eps2)
        recon = self.recon_loss(self.decoder(concatenate([z1, z2], axis=-1)), target, reduction="none").sum(axis=-1)
        kl_coarse = F.gaussian_kl(mu1, logvar1, reduction="none")
        kl_fine = gaussian_kl_between(mu2, logvar2, *self.fine_prior(z1), reduction="none")
        return recon, kl_coarse, kl_fine

    def per_sample_terms(self, x, eps=None, target=None):
        """(reconstruction error, KL₁ + KL₂) per sample, Tensors (batch,): the VAE's two terms, so ``loss`` and
        ``elbo`` are the VAE's."""
        recon, kl_coarse, kl_fine = self.level_terms(x, eps, target)
        return recon, kl_coarse + kl_fine

    def loss(self, x, target=None, eps=None):
        """mean over the batch of (reconstruction + β·(KL₁ + KL₂)); the reconstruction is scored against x unless
        ``target`` is given."""
        x = self.check_input(x, "HierarchicalVAE.loss")
        recon, kl = self.per_sample_terms(x, eps, self.check_target(x if target is None else target,
                                                                    "HierarchicalVAE.loss"))
        return (recon + self.beta * kl).mean()

    def sample_fine(self, z_coarse, rng=None):
        """z₂ ~ p(z₂|z₁) for each coarse code z₁ (batch, n_coarse), from ``rng`` (else the model's); NumPy
        (batch, n_fine)."""
        rng = self.rng if rng is None else generator(rng, "HierarchicalVAE.sample_fine")
        with no_grad():
            mu, logvar = self.fine_prior(z_coarse)
        return mu.data + np.exp(0.5 * logvar.data) * rng.standard_normal(mu.shape)

    def sample(self, n, rng=None):
        """n new samples by ancestral sampling: z₁ ~ N(0, I), z₂ ~ p(z₂|z₁), decoded; NumPy (n, n_in)."""
        rng = self.rng if rng is None else generator(rng, "HierarchicalVAE.sample")
        z1 = rng.standard_normal((integer(n, "n (the number of samples)", "HierarchicalVAE.sample", low=0),
                                  self.n_coarse))
        return self.decode_levels(z1, self.sample_fine(z1, rng))

    def decode_levels(self, z_coarse, z_fine):
        """x̂ from the two codes given apart, z₁ (batch, n_coarse) and z₂ (batch, n_fine); NumPy (batch, n_in)."""
        func = "HierarchicalVAE.decode_levels"
        z_coarse, z_fine = float64_array(z_coarse, "z_coarse", func), float64_array(z_fine, "z_fine", func)
        if z_coarse.ndim != 2 or z_fine.shape != (len(z_coarse), self.n_fine) or z_coarse.shape[1] != self.n_coarse:
            raise ShapeError(f"HierarchicalVAE.decode_levels: z_coarse must be (batch, {self.n_coarse}) and z_fine "
                             f"(batch, {self.n_fine}) with the same batch, got {z_coarse.shape} and {z_fine.shape}.")
        with no_grad():
            return self.decode(tensor(np.concatenate([z_coarse, z_fine], axis=-1), dtype=self.dtype)).data

    def extra_repr(self):
        return (f"n_in={self.n_in}, n_coarse={self.n_coarse}, n_fine={self.n_fine}, recon={self.recon!r}, "
                f"beta={self.beta}")
