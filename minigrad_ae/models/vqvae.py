"""Vector-quantised VAE (van den Oord et al., 2017) with MLPs: the code is one of K learned vectors.

x → encoder → z_e (d) → nearest codebook row z_q = e_k → decoder → x̂. The loss per batch is
reconstruction + codebook loss + commitment loss; ``nn/quantize.py`` explains the three gradient paths
(straight-through, codebook, commitment).

Loss scale: the reconstruction error is the **mean over pixels** (and the batch), as in the reference
implementations (mse / data variance), while the two VQ terms sum over the d code dimensions. Summed over
the n_in pixels instead (the VAE's convention), the decoder's straight-through gradient outweighs the
commitment term by about n_in/d: the encoder's outputs run away from the codebook (which Adam moves only
~lr per step) and nearly every input lands on one or two codes. β = 0.25 keeps the paper's meaning only
at this scale.
"""
import numpy as np

from ..autodiff import no_grad
from ..nn import Parameter, init
from ..nn.quantize import vector_quantize
from ..validate import generator, number, positive_int
from .base import AutoencoderBase
from .blocks import hidden_sizes, mlp


class VQVAE(AutoencoderBase):
    """x (batch, n_in) → z_e (batch, n_latent) → z_q (a row of the codebook (n_codes, n_latent)) → x̂.

    Encoder Linear + ReLU per ``hidden`` width, then Linear(hidden[-1], n_latent); the decoder mirrors it.
    ``recon='bce'``: the decoder outputs logits (x in [0, 1]); 'mse': means. The codebook starts uniform in
    ±1/n_codes (as the reference implementations). ``rng`` initialises all weights. One code per input, so the
    model is a learned K-way clustering: its reconstruction can at best match k-means with K centroids.
    """

    def __init__(self, n_in, hidden, n_latent, n_codes, beta=0.25, recon="bce", rng=None, dtype=np.float32):
        super().__init__(n_in, n_latent, recon, dtype)
        hidden = hidden_sizes(hidden, "VQVAE")
        self.n_codes = positive_int(n_codes, "n_codes (the codebook size K)", "VQVAE")
        self.beta = number(beta, "beta (the commitment weight; the paper uses 0.25)", "VQVAE", low=0)
        rng = generator(rng, "VQVAE")
        self.encoder = mlp([n_in, *hidden, n_latent], "relu", rng=rng, dtype=dtype)
        self.codebook = init.uniform_(Parameter(np.empty((n_codes, n_latent), dtype)), -1 / n_codes, 1 / n_codes, rng)
        self.decoder = mlp([n_latent, *hidden[::-1], n_in], "relu", rng=rng, dtype=dtype)

    def quantize(self, z_e):
        """``vector_quantize`` with this model's codebook and β: z_q, indices, the two VQ losses, usage."""
        return vector_quantize(z_e, self.codebook, self.beta)

    def forward(self, x):
        """Reconstruction decode(z_q(x))."""
        return self.decode(self.quantize(self.encode(x)).z_q)

    def loss(self, x, target=None):
        """Reconstruction error (mean over pixels and batch) + codebook loss + commitment loss (a scalar Tensor);
        the reconstruction is scored against x unless ``target`` is given."""
        x = self.check_input(x, "VQVAE.loss")
        target = self.check_target(x if target is None else target, "VQVAE.loss")
        q = self.quantize(self.encode(x))
        return self.recon_loss(self.decoder(q.z_q), target) + q.codebook_loss + q.commitment_loss

    def codebook_usage(self, X):
        """How many rows of X choose each code: NumPy int (n_codes,). Codes at 0 are 'dead' (never trained)."""
        with no_grad():
            return self.quantize(self.encode(X)).counts

    def restart_dead_codes(self, X, rng):
        """Move every code that no row of X chooses onto the encoding z_e of a random row of X; returns how many.

        A code nobody chooses gets no gradient (the codebook loss pulls only chosen rows), so it stays dead for
        good; on a real encoding it is chosen again (by that row, at least). Call it between epochs.
        """
        with no_grad():
            z_e = self.encode(X).data
            dead = np.flatnonzero(self.quantize(z_e).counts == 0)
        rng = generator(rng, "VQVAE.restart_dead_codes")
        rows = rng.choice(len(z_e), size=len(dead), replace=len(dead) > len(z_e))
        self.codebook.data[dead] = z_e[rows]
        self.codebook.bump_version()  # in place, like an optimizer step: graphs built before must not use it
        return len(dead)

    def extra_repr(self):
        return f"{super().extra_repr()}, n_codes={self.n_codes}, beta={self.beta}"
