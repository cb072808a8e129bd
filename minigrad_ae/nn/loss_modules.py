"""Losses as modules, PyTorch's way: ``criterion = nn.MSELoss(); loss = criterion(output, target)``.

Each one keeps its ``reduction`` ('mean', 'sum' or 'none') and calls the function in ``functional``
(``F.mse_loss`` ...), so module and function always give the same number.
"""
from ..validate import choice
from . import functional as F
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


class MSELoss(_Loss):
    """(x − y)² per element, then reduced: ``F.mse_loss``."""
    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """|x − y| per element, then reduced: ``F.l1_loss``."""
    function = staticmethod(F.l1_loss)


class BCELoss(_Loss):
    """−[y log p + (1 − y) log(1 − p)] per element, p probabilities in [0, 1]: ``F.binary_cross_entropy``."""
    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """BCE of σ(z) from the logits z, stable for any z: ``F.binary_cross_entropy_with_logits``."""
    function = staticmethod(F.binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """−log softmax(logits)[label] per sample; logits (batch, classes), integer labels (batch,): ``F.cross_entropy``."""
    function = staticmethod(F.cross_entropy)
