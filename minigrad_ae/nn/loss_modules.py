"""Losses as modules, PyTorch's way: ``criterion = nn.MSELoss(); loss = criterion(output, target)``.

Each one keeps its ``reduction`` ('mean', 'sum' or 'none') and calls the function in ``functional``
(``F.mse_loss`` ...), so module and function always give the same number.
"""
from ..validate import choice, number
from . import functional as F
from .beyond_pixels import ADVERSARIAL_FORMS
from .module import Module


class _Loss(Module):
    """A loss module: ``reduction`` chosen once, ``forward(input, target)`` calls the functional form."""

    function = None   # each subclass sets it: the F.* loss it wraps, as a staticmethod

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = choice(reduction, "reduction", type(self).__name__, ("mean", "sum", "none"))

    def forward(self, input, target):
        return self.function(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class _MaskableLoss(_Loss):
    """A reconstruction loss that can count only the observed entries: ``criterion(output, target, mask=m)``
    (m: 1 or True where observed; see ``losses.masked``)."""

    def forward(self, input, target, mask=None):
        return self.function(input, target, reduction=self.reduction, mask=mask)


class MSELoss(_MaskableLoss):
    """(x − y)² per element, then reduced: ``F.mse_loss``."""
    function = staticmethod(F.mse_loss)


class L1Loss(_MaskableLoss):
    """|x − y| per element, then reduced: ``F.l1_loss``."""
    function = staticmethod(F.l1_loss)


class BCELoss(_MaskableLoss):
    """−[y log p + (1 − y) log(1 − p)] per element, p probabilities in [0, 1]: ``F.binary_cross_entropy``."""
    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_MaskableLoss):
    """BCE of σ(z) from the logits z, stable for any z: ``F.binary_cross_entropy_with_logits``."""
    function = staticmethod(F.binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """−log softmax(logits)[label] per sample; logits (batch, classes), integer labels (batch,): ``F.cross_entropy``."""
    function = staticmethod(F.cross_entropy)


# ---------------------------------------------------------------- losses with settings of their own (lesson 22)


class ContrastiveLoss(_Loss):
    """yᵢ·dᵢ² + (1 − yᵢ)·max(0, m − dᵢ)² per pair of codes, dᵢ = ‖z₁ᵢ − z₂ᵢ‖: ``F.contrastive_loss``;
    ``criterion(z1, z2, similar)``."""
    function = staticmethod(F.contrastive_loss)

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction)
        self.margin = number(margin, "margin", "ContrastiveLoss", low=0, low_open=True)

    def forward(self, z1, z2, similar):
        return self.function(z1, z2, similar, margin=self.margin, reduction=self.reduction)

    def extra_repr(self):
        return ", ".join(filter(None, [f"margin={self.margin}", super().extra_repr()]))


class AdversarialReconstructionLoss(_Loss):
    """mean |x̂ − x| − λ·log D(x̂) (or + λ·log(1 − D(x̂)) with form='saturating') per sample, D(x̂) = σ(fake_logits):
    ``F.adversarial_reconstruction_loss``; ``criterion(input, target, fake_logits)``."""
    function = staticmethod(F.adversarial_reconstruction_loss)

    def __init__(self, weight=0.01, form="non_saturating", reduction="mean"):
        super().__init__(reduction)
        name = type(self).__name__
        self.weight = number(weight, "weight", name, low=0)
        self.form = choice(form, "form", name, ADVERSARIAL_FORMS)

    def forward(self, input, target, fake_logits):
        return self.function(input, target, fake_logits, weight=self.weight, form=self.form, reduction=self.reduction)

    def extra_repr(self):
        return ", ".join(filter(None, [f"weight={self.weight}, form={self.form!r}", super().extra_repr()]))


class PerceptualLoss(_Loss):
    """mean (Φ(x̂) − Φ(x))² + λ·mean (x̂ − x)² per sample through ``features`` Φ, which it freezes and puts in eval
    mode: ``F.perceptual_loss``; ``criterion(input, target)``."""
    function = staticmethod(F.perceptual_loss)

    def __init__(self, features, weight=1.0, reduction="mean"):
        super().__init__(reduction)
        name = type(self).__name__
        if not isinstance(features, Module):
            raise TypeError(f"{name}: features must be a Module (the network Φ whose features are compared), got "
                            f"{type(features).__name__}; for a plain function use F.perceptual_loss.")
        self.weight = number(weight, "weight", name, low=0)
        self.features = features.freeze().eval()

    def forward(self, input, target):
        return self.function(input, target, self.features, weight=self.weight, reduction=self.reduction)

    def extra_repr(self):
        return ", ".join(filter(None, [f"weight={self.weight}", super().extra_repr()]))
