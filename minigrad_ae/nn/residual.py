"""The residual connection (He et al., 2016): a layer that learns a change to its input, not a new value.

    y = x + f(x)          x and f(x) of the same shape
    ∂L/∂x = g + J_fᵀ g    the identity term passes the gradient g from above unchanged

Stacked, L blocks give ∂h_L/∂h_0 = Π (I + J_k) instead of a plain stack's Π J_k: the gradient reaching the first
layers no longer shrinks (or grows) with each factor J_k, which is why very deep networks train with them.
"""
from ..autodiff import ShapeError, as_tensor
from .module import Module


class Residual(Module):
    """y = x + fn(x);  x (..., n), fn(x) the same shape (no broadcasting: a residual branch keeps the shape).

    ``fn`` is a Module (its parameters are found and trained, e.g. ``Residual(Sequential(Tanh(), Linear(32, 32)))``,
    the pre-activation block of He et al. 2016) or any function of one Tensor (e.g. ``F.tanh``), which has none.
    Built from existing ops, so its backward is theirs: the sum sends g to x and to fn's input alike.
    """

    def __init__(self, fn):
        super().__init__()
        if isinstance(fn, type):
            raise TypeError(f"nn.Residual: got the class {fn.__name__}, not a layer; call it: "
                            f"nn.Residual({fn.__name__}(...)).")
        if not callable(fn):
            raise TypeError(f"nn.Residual: fn must be a Module or a function of one Tensor (y = x + fn(x)), got "
                            f"{type(fn).__name__} {fn!r}.")
        self.fn = fn

    def forward(self, x):
        x = as_tensor(x)
        change = as_tensor(self.fn(x))
        if change.shape != x.shape:
            width = x.shape[-1] if x.ndim else "n"
            raise ShapeError(f"nn.Residual: y = x + fn(x) needs fn(x) shaped like x, but x has shape {x.shape} and "
                             f"fn(x) has shape {change.shape}. Make fn keep the shape (e.g. Linear({width}, {width})), "
                             "or change the width outside the Residual, with a Linear of its own.")
        return x + change

    def extra_repr(self):
        return "" if isinstance(self.fn, Module) else f"fn={getattr(self.fn, '__name__', repr(self.fn))}"
