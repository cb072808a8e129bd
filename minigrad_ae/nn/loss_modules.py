"""Losses as modules, PyTorch's way: ``criterion = nn.MSELoss(); loss = criterion(output, target)``.

Each one keeps its ``reduction`` ('mean', 'sum' or 'none') and calls the function in ``functional``
(``F.mse_loss`` ...), so module and function always give the same number. ``l1_loss`` is new here: it is
composed from autodiff ops (|x − y| and a reduction), so its gradient needs no code of its own.
"""
from ..autodiff import Tensor, tensor
from ..validate import choice
from . import functional as F
from .losses import _check_pair
from .module import Module


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: mean(|x − y|) over all elements, x and y of the same shape;
    ∂/∂x = sign(x − y)/n for 'mean' (0 where x = y)."""
    _check_pair("l1_loss", input, target, reduction)
    per_element = ((input if isinstance(input, Tensor) else tensor(input)) - target).abs()
    if reduction == "none":
        return per_element
    return per_element.mean() if reduction == "mean" else per_element.sum()


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
    """|x − y| per element, then reduced: ``l1_loss``."""
    function = staticmethod(l1_loss)


class BCELoss(_Loss):
    """−[y log p + (1 − y) log(1 − p)] per element, p probabilities in [0, 1]: ``F.binary_cross_entropy``."""
    function = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """BCE of σ(z) from the logits z, stable for any z: ``F.binary_cross_entropy_with_logits``."""
    function = staticmethod(F.binary_cross_entropy_with_logits)


class CrossEntropyLoss(_Loss):
    """−log softmax(logits)[label] per sample; logits (batch, classes), integer labels (batch,): ``F.cross_entropy``."""
    function = staticmethod(F.cross_entropy)
