"""The adversarial autoencoder (Makhzani et al. 2015): an autoencoder whose codes are made to look like
samples of a chosen prior p(z) by a GAN game played in code space.

Encoder q(z|x) (deterministic, z = E(x)), decoder x̂ = D(z), discriminator d(z) -> logit (or its σ). Per batch:

1. reconstruction:  E, D  minimise  L_recon = mean (x − x̂)²;
2. discriminator:   d     minimises L_disc = ½ [BCE(d(z_prior), 1) + BCE(d(E(x)), 0)],  E(x) detached;
3. generator:       E     minimises L_gen = BCE(d(E(x)), 1)  (fool d), d held fixed.

BCE(ℓ, t) = −[t log σ(ℓ) + (1 − t) log(1 − σ(ℓ))], averaged over the batch, computed from the logit ℓ
(from the probability σ(ℓ) itself with disc_output='probability'). ``train_step`` runs the three phases on
one batch, so ``mg.fit(..., step=AdversarialAutoencoder.train_step)`` trains the model.
"""
import math

import numpy as np

from .. import nn
from ..autodiff import no_grad
from ..nn import functional as F
from ..optim import Adam
from ..validate import choice, generator, integer, number, positive_int
from .autoencoder import Autoencoder
from .blocks import hidden_sizes, mlp

GAN_BETAS = (0.5, 0.999)  # β₁ = 0.5 as in DCGAN: less momentum, less overshoot in the two-player game
DISC_OUTPUTS = ("logit", "probability")


def gaussian_prior(n_latent, std=1.0):
    """A sampler prior(n, rng) -> (n, n_latent) array of N(0, std² I) samples."""
    n_latent = positive_int(n_latent, "n_latent", "gaussian_prior")
    std = number(std, "std", "gaussian_prior", low=0, low_open=True)

    def prior(n, rng):
        n, rng = _sampler_arguments(n, rng, "gaussian_prior")
        return rng.normal(0.0, std, size=(n, n_latent))

    return prior


def mixture_of_gaussians_prior(n_components=10, radius=4.0, std=0.5):
    """A 2-D sampler prior(n, rng) -> (n, 2): pick a component k uniformly, then N(μ_k, std² I) with the
    means μ_k = radius · (cos 2πk/K, sin 2πk/K) evenly spaced on a circle."""
    func = "mixture_of_gaussians_prior"
    n_components = positive_int(n_components, "n_components", func)
    radius, std = number(radius, "radius", func, low=0), number(std, "std", func, low=0, low_open=True)
    angles = 2 * np.pi * np.arange(n_components) / n_components
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (K, 2)

    def prior(n, rng):
        n, rng = _sampler_arguments(n, rng, func)
        return means[rng.integers(n_components, size=n)] + rng.normal(0.0, std, size=(n, 2))

    return prior


def _sampler_arguments(n, rng, func):
    return integer(n, "n (the number of samples)", f"the sampler of {func}", low=0), generator(rng, func)


class AdversarialAutoencoder(Autoencoder):
    """An ``Autoencoder`` with encoder sizes [n_in, *hidden, n_latent] (decoder mirrored) and a
    ``discriminator`` MLP [n_latent, *disc_hidden, 1] saying whether z came from the prior.

    ``prior(n, rng) -> (n, n_latent)`` samples p(z) (default ``gaussian_prior(n_latent)``). ``rng`` initialises
    the weights and is the default generator for prior samples. The discriminator has its own activation
    (``disc_activation``, LeakyReLU with ``disc_negative_slope``; PyTorch AAE code often uses 0.2) and ends in
    a logit (``disc_output='logit'``, losses from the logit: stable) or, like the PyTorch material's
    ``nn.Sigmoid()`` + ``nn.BCELoss``, in a probability (``disc_output='probability'``).

    Train it with ``mg.fit(model, X=X, optimizer=model.make_optimizers(lr, reg_lr),
    step=AdversarialAutoencoder.train_step, ...)``: three phases per batch, each loss in the History.
    """

    def __init__(self, n_in, hidden, n_latent, disc_hidden, prior=None, activation="leaky_relu",
                 recon="sigmoid_mse", negative_slope=0.1, disc_activation="leaky_relu", disc_negative_slope=0.1,
                 disc_output="logit", rng=None, dtype=np.float32):
        rng = generator(rng, "AdversarialAutoencoder")
        hidden, disc_hidden = (hidden_sizes(sizes, "AdversarialAutoencoder", name, allow_none=True)
                               for name, sizes in (("hidden", hidden), ("disc_hidden", disc_hidden)))
        if prior is not None and not callable(prior):
            raise TypeError(f"AdversarialAutoencoder: prior must be a sampler prior(n, rng) -> (n, n_latent), e.g. "
                            f"gaussian_prior({n_latent}), got {type(prior).__name__} {prior!r}.")
        super().__init__([n_in, *hidden, n_latent], activation, recon, negative_slope, rng=rng, dtype=dtype)
        self.disc_output = choice(disc_output, "disc_output", "AdversarialAutoencoder", DISC_OUTPUTS)
        self.discriminator = mlp([n_latent, *disc_hidden, 1], disc_activation, disc_negative_slope, rng, dtype,
                                 func="AdversarialAutoencoder")
        if disc_output == "probability":
            self.discriminator.append(nn.Sigmoid())
        self.prior = gaussian_prior(n_latent) if prior is None else prior
        self.rng = rng
        shape = np.shape(self.prior(3, np.random.default_rng(0)))  # a throwaway generator: only the shape matters
        if shape != (3, n_latent):
            raise ValueError(f"AdversarialAutoencoder: prior(3, rng) returned shape {shape}, but codes are (3, "
                             f"{n_latent}); the prior must sample n_latent={n_latent} dimensions, e.g. "
                             f"gaussian_prior({n_latent}) (mixture_of_gaussians_prior is 2-D).")

    # ----- the three losses -----
    def disc_loss(self, x, rng=None):
        """L_disc = ½ [BCE(d(z_prior), 1) + BCE(d(E(x)), 0)]; E(x) is a constant here, so only d gets gradients."""
        rng = self.rng if rng is None else generator(rng, "AdversarialAutoencoder.disc_loss")
        with no_grad():   # as .detach(), without recording the encoder's graph only to cut it
            codes = self.encode(x)
        samples = self.prior(len(codes), rng).astype(codes.dtype)
        return 0.5 * (self._says(self.discriminator(samples), 1.0) + self._says(self.discriminator(codes), 0.0))

    def gen_loss(self, x):
        """L_gen = BCE(d(E(x)), 1): small when the discriminator takes the codes for prior samples."""
        return self._says(self.discriminator(self.encode(x)), 1.0)

    def _says(self, out, label):
        """Mean BCE between the discriminator's outputs and one label (1 = prior sample, 0 = code)."""
        target = np.full(out.shape, label, out.dtype)
        if self.disc_output == "logit":
            return F.binary_cross_entropy_with_logits(out, target)
        return F.binary_cross_entropy(out, target)

    # ----- training -----
    def make_optimizers(self, lr=1e-3, reg_lr=None):
        """(opt_ae, opt_disc, opt_gen): Adam over encoder + decoder (``lr``), and Adam with ``GAN_BETAS`` over the
        discriminator and over the encoder (``reg_lr`` for the regularisation phase, ``lr`` if None)."""
        reg_lr = lr if reg_lr is None else reg_lr
        return (Adam(self.encoder.parameters() + self.decoder.parameters(), lr=lr),
                Adam(self.discriminator.parameters(), lr=reg_lr, betas=GAN_BETAS),
                Adam(self.encoder.parameters(), lr=reg_lr, betas=GAN_BETAS))

    def recon_step(self, x, opt_ae):
        """Phase 1: one step of ``opt_ae`` (encoder + decoder) on L_recon; returns L_recon before the step."""
        return _step(opt_ae, self.loss(x))

    def disc_step(self, x, opt_disc, rng=None):
        """Phase 2: one step of ``opt_disc`` on L_disc. The codes are detached, so the encoder gets no
        gradient and cannot move even if ``opt_disc`` holds its parameters."""
        return _step(opt_disc, self.disc_loss(x, rng))

    def gen_step(self, x, opt_gen):
        """Phase 3: one step of ``opt_gen`` on L_gen with the discriminator frozen throughout: the gradient
        flows *through* d into the codes, but d's parameters get none, so only the encoder can move."""
        self.discriminator.freeze()
        try:
            return _step(opt_gen, self.gen_loss(x))
        finally:
            self.discriminator.unfreeze()

    def train_step(self, x, optimizers, rng=None):
        """The three phases on one batch with ``optimizers`` = (opt_ae, opt_disc, opt_gen) (``make_optimizers``);
        returns {'recon', 'disc', 'gen'}, each loss before its step. ``rng`` draws the prior samples."""
        opt_ae, opt_disc, opt_gen = optimizers
        return {"recon": self.recon_step(x, opt_ae), "disc": self.disc_step(x, opt_disc, rng),
                "gen": self.gen_step(x, opt_gen)}

    def generate(self, n, rng=None):
        """Decode n prior samples: x̂ = D(z), z ~ p(z);  -> (n, n_in) NumPy array."""
        rng = self.rng if rng is None else generator(rng, "AdversarialAutoencoder.generate")
        with no_grad():
            return self.decode(self.prior(n, rng).astype(self.dtype)).data

    def extra_repr(self):
        return f"{super().extra_repr()}, disc_output={self.disc_output!r}"


def _step(optimizer, loss):
    """zero_grad, backward, step; the loss as a float. A NaN/Inf loss skips the step (the weights keep their
    last good values) and is returned, so that ``fit`` stops there."""
    optimizer.zero_grad()
    loss.backward()
    value = loss.item()
    if math.isfinite(value):
        optimizer.step()
    return value
