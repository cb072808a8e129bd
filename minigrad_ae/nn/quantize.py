"""Vector quantisation for the VQ-VAE (van den Oord et al., 2017): snap each code to its nearest codebook row.

The nearest row is a piecewise-constant choice, so its true derivative is zero almost everywhere. Training
needs three separate gradient paths instead, built with stop-gradients (sg = ``.detach()``):

* decoder → encoder: the straight-through estimator copies ∂L/∂z_q unchanged to z_e;
* codebook loss ‖sg[z_e] − e‖²: moves the chosen codebook rows towards the codes (the encoder gets nothing);
* commitment loss β‖z_e − sg[e]‖²: keeps the codes near their rows (the codebook gets nothing).
"""
from typing import NamedTuple

import numpy as np

from ..autodiff import ShapeError, Tensor, as_tensor
from ..validate import number
from .fused import StraightThrough
from .losses import mse_loss


class Quantized(NamedTuple):
    """What ``vector_quantize`` returns. N = the number of vectors (all leading axes of z_e together)."""
    z_q: Tensor               # (..., d) the chosen codebook rows; straight-through gradient to z_e
    indices: np.ndarray       # (...) int64, index of the nearest codebook row of each vector
    codebook_loss: Tensor     # scalar (1/N) Σₙ ‖sg[z_e,n] − e_kₙ‖²: gradient to the codebook only
    commitment_loss: Tensor   # scalar (β/N) Σₙ ‖z_e,n − sg[e_kₙ]‖²: gradient to z_e only
    counts: np.ndarray        # (K,) how many vectors chose each codebook row
    perplexity: float         # exp(entropy of counts / N): 1 if one row is used, K if all are used equally


def vector_quantize(z_e, codebook, beta=0.25):
    """Quantise z_e (..., d) with a codebook (K, d): kₙ = argminₖ ‖z_e,n − eₖ‖², z_q = e_k; returns ``Quantized``.

    Both losses sum the squared distance over d and average over the N vectors, so
    ∂codebook_loss/∂eₖ = (2/N) Σ_{n: kₙ = k} (eₖ − z_e,n) and ∂commitment_loss/∂z_e,n = (2β/N)(z_e,n − e_kₙ).
    """
    z_e, codebook = as_tensor(z_e, "z_e", "vector_quantize"), as_tensor(codebook, "codebook", "vector_quantize")
    beta = number(beta, "beta (the commitment weight; the VQ-VAE paper uses 0.25)", "vector_quantize", low=0)
    _check(z_e, codebook)
    indices = nearest_codes(z_e.data, codebook.data)
    chosen = codebook[indices]  # (..., d); GetItem's backward scatter-adds, so each row sums over its vectors
    n = indices.size
    counts = np.bincount(indices.ravel(), minlength=codebook.shape[0])
    return Quantized(
        z_q=StraightThrough.apply(z_e, chosen.data),
        indices=indices,
        codebook_loss=mse_loss(z_e.detach(), chosen, reduction="sum") / n,
        commitment_loss=beta * mse_loss(z_e, chosen.detach(), reduction="sum") / n,
        counts=counts,
        perplexity=perplexity(counts))


def nearest_codes(z, codebook):
    """argminₖ ‖zₙ − eₖ‖² for z (..., d), codebook (K, d) -> int64 (...).

    ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖²: one matmul for all N·K pairs instead of an (N, K, d) difference array.
    Ties go to the lowest index.
    """
    flat = z.reshape(-1, z.shape[-1])
    squared = (flat * flat).sum(axis=1, keepdims=True) - 2 * flat @ codebook.T + (codebook * codebook).sum(axis=1)
    return squared.argmin(axis=1).reshape(z.shape[:-1])


def perplexity(counts):
    """exp(−Σₖ pₖ log pₖ), pₖ = countsₖ / Σ counts: the effective number of codebook rows in use."""
    p = counts[counts > 0] / counts.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def _check(z_e, codebook):
    if codebook.ndim != 2:
        raise ShapeError(f"vector_quantize: the codebook must be 2-d (K codes, d dims), got shape {codebook.shape}.")
    if z_e.ndim == 0 or z_e.shape[-1] != codebook.shape[1]:
        raise ShapeError(f"vector_quantize: z_e of shape {z_e.shape} does not fit a codebook of shape "
                         f"{codebook.shape}; the last axis of z_e must be the code dimension d = {codebook.shape[1]}. "
                         "Fix: make the encoder's last layer output d features.")
    if z_e.size == 0 or codebook.size == 0:
        raise ValueError(f"vector_quantize: z_e of shape {z_e.shape} and a codebook of shape {codebook.shape}: there "
                         "must be vectors to quantise and codes to choose from.")
