"""Losses that look past a pixel-by-pixel comparison: on pairs of codes (contrastive), through a discriminator's
verdict on the reconstruction (adversarial), and through the features of a frozen network (perceptual).
Use them through ``minigrad_ae.nn.functional``; lesson 22 trains with each one and measures what it changes.

All three are composed from autodiff ops (and the stable fused BCE of ``fused.py``), so their gradients need no
code of their own. ``reduction`` is over the batch: 'mean', 'sum', or 'none' (one value per sample or pair).
"""
import math

import numpy as np

from ..autodiff import ShapeError, Tensor, as_array, as_tensor
from ..validate import callable_of, choice, number
from .fused import BCEWithLogits, reduce
from .losses import _pair
from .module import Module

DISTANCE_EPS = 1e-24   # added to ‖z₁ − z₂‖² under the square root, so that d = 0 has a finite gradient
ADVERSARIAL_FORMS = ("non_saturating", "saturating")


def contrastive_loss(z1, z2, similar, margin=1.0, reduction="mean"):
    """Contrastive loss on pairs of codes (Hadsell, Chopra & LeCun 2006): similar pairs are pulled together,
    dissimilar ones pushed at least ``margin`` m apart, then left alone; each pair's term ℓᵢ is a square of the
    distance dᵢ = ‖z₁ᵢ − z₂ᵢ‖ = √(Σⱼ (z₁ᵢⱼ − z₂ᵢⱼ)² + 10⁻²⁴) or of how far it falls short of m (lesson 22).

    z1, z2 (batch, latent): row i of each is pair i ((latent,) for one pair); ``similar`` y (batch,) (or ()):
    1 or True for a similar pair, 0 or False for a dissimilar one, e.g. ``labels1 == labels2``. The 10⁻²⁴ keeps
    the gradient finite for two equal codes: there it is 0 (the cone max(0, m − d)² has no one slope at d = 0).
    """
    func = "contrastive_loss"
    z1, z2 = _pair(func, z1, z2, reduction, names=("z1", "z2"))
    if z1.ndim == 0 or z1.shape[-1] == 0:
        raise ShapeError(f"{func}: z1 and z2 must be codes (batch, latent) or one code (latent,) with latent >= 1, "
                         f"got shape {z1.shape}.")
    margin = number(margin, "margin", func, low=0, low_open=True)
    y = as_array(similar, "similar", func)
    if y.shape != z1.shape[:-1]:
        raise ShapeError(f"{func}: similar has shape {y.shape}, but codes of shape {z1.shape} make pairs of shape "
                         f"{z1.shape[:-1]}; give one 1 (similar) or 0 (dissimilar) per row.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{func}: similar must hold 1 (a similar pair) or 0 (a dissimilar pair), got "
                         f"{np.unique(y[~np.isin(y, (0, 1))])[:5]}; from class labels write "
                         "similar = (labels1 == labels2).")
    y = y.astype(z1.dtype if z1.dtype.kind == "f" else np.float32)
    # BEGIN SOLUTION contrastive_pair_loss
    # ℓ = y·d² + (1 − y)·max(0, m − d)²: y is 0 or 1, so one product picks each pair's term; d² needs no root.
    squared = ((z1 - z2) ** 2).sum(axis=-1)
    distance = (squared + DISTANCE_EPS).sqrt()
    per_pair = y * squared + (1 - y) * (margin - distance).relu() ** 2
    # END SOLUTION
    return reduce(per_pair, reduction)


def adversarial_reconstruction_loss(input, target, fake_logits, weight=0.01, form="non_saturating",
                                    reduction="mean"):
    """The reconstruction loss of an autoencoder trained against an image-space discriminator D, whose verdict
    D(x̂) = σ(ℓ) ("real") comes from its logit ℓ = ``fake_logits`` on the reconstruction x̂ = ``input`` of x = ``target``:

        ℓᵢ = mean_j |x̂ᵢⱼ − xᵢⱼ| + λ·log(1 − D(x̂ᵢ))      form='saturating': the minimax game's own term
        ℓᵢ = mean_j |x̂ᵢⱼ − xᵢⱼ| − λ·log D(x̂ᵢ)           form='non_saturating' (the default; Goodfellow et al. 2014)

    input, target (batch, features) or (batch, C, H, W); fake_logits (batch,) or (batch, 1); λ = ``weight`` (the
    default 0.01 is pix2pix's 1 : 100 between the two terms). Both adversarial terms fall as D(x̂) rises, with
    ∂/∂ℓ = −λ·D(x̂) (saturating) and −λ·(1 − D(x̂)) (non-saturating): while D confidently rejects x̂ (D(x̂) ≈ 0,
    early in training) the saturating form passes almost no gradient to the autoencoder. Computed from the logit,
    log(1 − σ(ℓ)) = −softplus(ℓ) and −log σ(ℓ) = softplus(−ℓ), so any ℓ gives a finite loss.
    """
    func = "adversarial_reconstruction_loss"
    input, target = _batch_pair(func, input, target, reduction)
    fake_logits = as_tensor(fake_logits, "fake_logits", func)
    batch = len(input)
    if fake_logits.shape not in ((batch,), (batch, 1)):
        raise ShapeError(f"{func}: fake_logits has shape {fake_logits.shape}; it must hold the discriminator's logit "
                         f"for each of the {batch} reconstructions, shape ({batch},) or ({batch}, 1): "
                         "fake_logits = discriminator(input).")
    weight = number(weight, "weight", func, low=0)
    form = choice(form, "form", func, ADVERSARIAL_FORMS)
    logits = fake_logits.reshape(batch)
    if form == "saturating":   # λ·log(1 − σ(ℓ)) = −λ·BCE(ℓ, 0)
        adversarial = -BCEWithLogits.apply(logits, np.zeros(batch, logits.dtype), reduction="none")
    else:                      # −λ·log σ(ℓ) = λ·BCE(ℓ, 1)
        adversarial = BCEWithLogits.apply(logits, np.ones(batch, logits.dtype), reduction="none")
    return reduce(_per_sample_mean((input - target).abs()) + weight * adversarial, reduction)


def perceptual_loss(input, target, features, weight=1.0, reduction="mean"):
    """Reconstruction x̂ = ``input`` of x = ``target`` compared through a frozen network Φ = ``features`` as well as
    pixel by pixel (Johnson et al. 2016's feature loss, with a pixel term):

        ℓᵢ = mean_k (Φ(x̂ᵢ)ₖ − Φ(xᵢ)ₖ)² + λ·mean_j (x̂ᵢⱼ − xᵢⱼ)²      (each ‖·‖² over its number of elements)

    input, target (batch, …) as Φ takes them; Φ maps a batch to a Tensor (batch, …), e.g. the hidden layers of a
    trained classifier; λ = ``weight`` >= 0. Φ must be frozen (``features.freeze()``; ``nn.PerceptualLoss`` does it):
    trained along with the autoencoder, it could shrink its features until the loss says nothing, so a Module with
    trainable parameters is refused. Put it in eval mode if it has dropout or batch norm. The gradient reaches x̂
    through Φ; Φ's weights get none.
    """
    func = "perceptual_loss"
    input, target = _batch_pair(func, input, target, reduction, min_ndim=1)
    callable_of(features, 1, "features", func, "the frozen hidden layers of a trained classifier, "
                "classifier[:4].freeze()")
    if isinstance(features, Module) and any(p.requires_grad for p in features.parameters()):
        raise ValueError(f"{func}: features (a {type(features).__name__}) has trainable parameters; Φ must be a "
                         "fixed network, or training would move it too (it could shrink its features to make the "
                         "loss vanish). Fix: features.freeze(), or use nn.PerceptualLoss(features), which freezes it.")
    seen, wanted = features(input), features(target)
    for name, out in (("input", seen), ("target", wanted)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{func}: features must return a Tensor computed from its input by autodiff ops (so the "
                            f"gradient can flow back through it), got {type(out).__name__} for the {name}.")
        if out.ndim == 0 or len(out) != len(input) or out.size == 0:
            raise ShapeError(f"{func}: features must map the batch {name} {input.shape} to a non-empty Tensor with the "
                             f"same first axis, got shape {out.shape}.")
    weight = number(weight, "weight", func, low=0)
    return reduce(_per_sample_mean((seen - wanted) ** 2) + weight * _per_sample_mean((input - target) ** 2),
                  reduction)


def _batch_pair(func, input, target, reduction, min_ndim=2):
    """Input and target of one shape (batch, …), with at least one sample and one value per sample."""
    input, target = _pair(func, input, target, reduction)
    if input.ndim < min_ndim or math.prod(input.shape[1:]) == 0:
        wanted = "(batch, features) or images (batch, C, H, W)" if min_ndim == 2 else "(batch, …)"
        raise ShapeError(f"{func}: input and target must be a batch {wanted} with at least one value per sample, "
                         f"got shape {input.shape}; for one sample use x.reshape(1, -1).")
    return input, target


def _per_sample_mean(values):
    """(batch, …) -> (batch,): the mean over everything but the batch axis."""
    return values.reshape(len(values), -1).mean(axis=1)
