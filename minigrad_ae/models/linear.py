"""The linear autoencoder and PCA, the closed form it learns.

z = W1 x + b1,  x̂ = W2 z + b2,  L = ½ Σ_batch ‖x − x̂‖².  With k < n code units the best x̂ any such
model can give is PCA's rank-k reconstruction (Eckart–Young), so gradient descent on L can reach
``pca(X, k).optimal_error`` but never go below it, and W2's columns end up spanning the top-k
principal subspace (``subspace_alignment``), though not necessarily along the principal axes.
"""
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..autodiff import ShapeError, float64_array, no_grad
from ..validate import choice, generator, integer
from .base import AutoencoderBase, as_numpy

REDUCTIONS = ("sum", "mean")


class LinearAutoencoder(AutoencoderBase):
    """z = W1 x + b1 (``encoder``: Linear(n_in, n_latent)),  x̂ = W2 z + b2 (``decoder``: Linear(n_latent, n_in)).

    No activations: a linear map into the code and back (so recon is 'mse', the only choice). x is (batch, n_in)
    or (n_in,).
    """
    RECONS = ("mse",)

    def __init__(self, n_in, n_latent, bias=True, rng=None, dtype=np.float32):
        super().__init__(n_in, n_latent, "mse", dtype)
        rng = generator(rng, "LinearAutoencoder")
        self.encoder = nn.Linear(n_in, n_latent, bias=bias, rng=rng, dtype=dtype)
        self.decoder = nn.Linear(n_latent, n_in, bias=bias, rng=rng, dtype=dtype)

    def loss(self, x, target=None, reduction="sum"):
        """L = ½ Σ_batch ‖t − x̂‖² ('sum', the formulas' and ``pca``'s ``optimal_error``'s convention), or L / batch
        ('mean': per sample, what keeps the step size batch-independent); the target t is x unless given."""
        choice(reduction, "reduction", "LinearAutoencoder.loss", REDUCTIONS)
        x = self.check_input(x, "LinearAutoencoder.loss")
        total = 0.5 * self.recon_loss(self.decoder(self.encode(x)), x if target is None else target, reduction="sum")
        return total if reduction == "sum" else total / _batch_size(x)

    def closed_form_grads(self, x, reduction="sum"):
        """The gradients of ``loss(x, reduction)`` from the formulas, as NumPy arrays keyed like ``named_parameters()``.

        One sample (columns): e = x̂ − x,  ∂L/∂W2 = e zᵀ,  ∂L/∂b2 = e,  ∂L/∂W1 = (W2ᵀ e) xᵀ,  ∂L/∂b1 = W2ᵀ e.
        For a batch of rows X (B, n_in), codes Z (B, n_latent) and errors E = X̂ − X, summed over the samples:
        dW2 = Eᵀ Z,  db2 = Σ E,  dW1 = (E W2)ᵀ X,  db1 = Σ E W2.
        """
        choice(reduction, "reduction", "LinearAutoencoder.closed_form_grads", REDUCTIONS)
        X = np.atleast_2d(np.asarray(as_numpy(self.check_input(x, "LinearAutoencoder.closed_form_grads")),
                                     dtype=self.dtype))
        with no_grad():
            Z = self.encode(X).data
            E = self.decode(Z).data - X               # row i is eᵢᵀ = (x̂ᵢ − xᵢ)ᵀ
        W2 = self.decoder.weight.data
        # BEGIN SOLUTION linear_ae_closed_form
        back = E @ W2                                 # row i is (W2ᵀ eᵢ)ᵀ, the error sent back to the code
        # Σᵢ eᵢ zᵢᵀ = Eᵀ Z is already (out, in) = (n_in, n_latent), the shape of decoder.weight: the
        # column formulas land on Linear's (out, in) weights with no transposes.
        grads = {"encoder.weight": back.T @ X, "encoder.bias": back.sum(axis=0),
                 "decoder.weight": E.T @ Z, "decoder.bias": E.sum(axis=0)}
        # END SOLUTION
        scale = 1.0 if reduction == "sum" else 1.0 / len(X)
        return {name: scale * grads[name] for name, _ in self.named_parameters()}


@dataclass(frozen=True, repr=False)
class PCAResult:
    """What ``pca(X, k)`` found. ``components`` (k, n) are orthonormal rows, ``mean`` (n,);
    ``explained_variance`` (r,) are all r = min(n_samples, n) eigenvalues of the biased covariance
    Xcᵀ Xc / n_samples, largest first, and ``explained_variance_ratio`` their shares (summing to 1);
    ``optimal_error`` = ½ Σ ‖x − x̂‖² of ``reconstruct`` over the X it was fitted on.
    """
    components: np.ndarray
    mean: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray
    optimal_error: float

    def transform(self, X):
        """The code: z = C (x − μ);  X (batch, n) or (n,) -> (batch, k) or (k,)."""
        X = float64_array(X, "X", "PCAResult.transform")
        if X.ndim not in (1, 2) or X.shape[-1] != len(self.mean):
            raise ShapeError(f"PCAResult.transform: X must be (batch, {len(self.mean)}) or ({len(self.mean)},), the "
                             f"width of the data pca was fitted on, got shape {X.shape}.")
        return (X - self.mean) @ self.components.T

    def reconstruct(self, X):
        """x̂ = μ + Cᵀ C (x − μ), the projection onto the principal subspace;  X (batch, n) -> (batch, n)."""
        return self.mean + self.transform(X) @ self.components

    def __repr__(self):
        k, n = self.components.shape
        kept = self.explained_variance_ratio[:k].sum()
        return f"PCAResult(k={k}, n_features={n}, variance kept={kept:.1%}, optimal_error={self.optimal_error:.6g})"


def pca(X, k):
    """PCA of X (n_samples, n) by the SVD of the centred data Xc = U S Vᵀ, in float64.

    components = the first k rows of Vᵀ; eigenvalues of the biased covariance = S² / n_samples.
    optimal_error = ½ Σ_{i>k} sᵢ² = ½ · n_samples · Σ of the discarded eigenvalues: the smallest
    ½ Σ ‖x − x̂‖² over every rank-k affine reconstruction, directly comparable to ``LinearAutoencoder.loss(X)``.
    """
    X = float64_array(X, "X", "pca")
    if X.ndim != 2:
        raise ValueError(f"pca: X must be (n_samples, n_features), got shape {X.shape}; reshape it, e.g. "
                         "X.reshape(len(X), -1).")
    if not np.isfinite(X).all():
        raise ValueError("pca: X holds NaN/Inf; drop or repair those samples, e.g. X = X[np.isfinite(X).all(axis=1)].")
    # at most min(n_samples, n_features) components exist
    k = integer(k, "k (the number of components)", f"pca of X with shape {X.shape}", low=1, high=min(X.shape))
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    squared = s ** 2
    if squared.sum() == 0:
        raise ValueError(f"pca: X (shape {X.shape}) has zero variance: every row is the same, so there are no "
                         "principal directions.")
    return PCAResult(components=Vt[:k], mean=mean, explained_variance=squared / len(X),
                     explained_variance_ratio=squared / squared.sum(), optimal_error=0.5 * float(squared[k:].sum()))


def subspace_alignment(W, components):
    """Cosines of the principal angles between span(W's columns) and span(components' rows), largest first.

    W (n, k), e.g. a trained ``decoder.weight``; components (k', n), e.g. ``pca(X, k).components``.
    Returns min(k, k') values in [0, 1]: all 1 means the same subspace, a 0 a direction orthogonal to the other.
    Computed as the singular values of Q_Wᵀ Q_C for orthonormal bases Q_W, Q_C of the two spans.
    """
    W, C = float64_array(W, "W", "subspace_alignment"), float64_array(components, "components", "subspace_alignment")
    if W.ndim != 2 or C.ndim != 2 or W.shape[0] != C.shape[1] or 0 in W.shape + C.shape:
        raise ValueError(f"subspace_alignment: W must be (n, k) with basis vectors as columns and components "
                         f"(k', n) with basis vectors as rows, got W {W.shape} and components {C.shape}. For a "
                         "LinearAutoencoder pass model.decoder.weight.data and pca(X, k).components.")
    if not (np.isfinite(W).all() and np.isfinite(C).all()):
        raise ValueError("subspace_alignment: W or components hold NaN/Inf (did training diverge? try a lower "
                         "learning rate).")
    basis_w, _ = np.linalg.qr(W)
    basis_c, _ = np.linalg.qr(C.T)
    return np.clip(np.linalg.svd(basis_w.T @ basis_c, compute_uv=False), 0.0, 1.0)


def _batch_size(x):
    """B for x (B, n); 1 for a single sample x (n,)."""
    return 1 if x.ndim == 1 else len(x)
