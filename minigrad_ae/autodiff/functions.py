"""PyTorch's function spellings of Tensor methods, so ported code keeps them: ``mg.exp(x)`` is ``x.exp()``,
``mg.sum(x, dim=1)`` is ``x.sum(dim=1)``, ``mg.chunk(h, 2, dim=1)`` is ``h.chunk(2, dim=1)`` (``torch.exp``,
``torch.sum``, ``torch.chunk`` …). Each records exactly the op its method records; an array or a number is made a
tensor first, as ``mg.tensor`` would.
"""
from . import methods  # noqa: F401  (attaches the methods these forms call)
from .tensor import Tensor, as_tensor

FUNCTION_FORMS = ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sum", "mean", "pow", "chunk", "split")


def _function_form(name):
    def function(input, *args, **kwargs):
        return getattr(as_tensor(input, "input", name), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"``{name}(x, …)`` = ``x.{name}(…)`` (PyTorch's ``torch.{name}``).\n\n"
                        + (getattr(Tensor, name).__doc__ or ""))
    return function


# sum, abs and pow hide Python's builtins in this module only, which uses none of them below this line
(exp, log, sqrt, abs, tanh, sigmoid, relu, sum, mean, pow, chunk, split) = map(_function_form, FUNCTION_FORMS)
