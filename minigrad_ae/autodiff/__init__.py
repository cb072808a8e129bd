"""Reverse-mode automatic differentiation on NumPy arrays.

Read in this order: ``tensor.py`` (the data + its creator), ``function.py`` (how an op records itself),
``ops.py`` (every primitive op with its vector-Jacobian product), ``engine.py`` (the backprop walk; ``reference.py``
is the same in micrograd's size), ``methods.py`` (what a Tensor can do, and which op does it), ``gradcheck.py``
(checking it all against finite differences), ``graph.py`` (looking at a graph), ``mode.py``/``anomaly.py``
(switches and NaN hunting). Fused ops (a layer or a loss in one Function) live in ``nn/fused.py``.
"""
from . import methods  # noqa: F401  (attaches the operators and methods to Tensor)
from .derivatives import hessian, hvp, jacobian
from .engine import backward, grad, topological_order, unbroadcast
from .function import Context, Function
from .gradcheck import GradcheckError, GradcheckReport, gradcheck, numerical_grad, relative_error
from .mode import detect_anomaly, enable_grad, no_grad
from .functions import abs, chunk, exp, log, mean, pow, relu, sigmoid, split, sqrt, sum, tanh
from .ops import broadcast_to, cat, concatenate, stack, where
from .tensor import (Tensor, as_array, as_tensor, float64_array, manual_seed, ones, ones_like, randn, randn_like,
                     tensor, zeros, zeros_like)
from ..validate import ShapeError

# abs, pow and sum (PyTorch's torch.abs …) hide Python's builtins in this file only, which calls none of them
__all__ = ["Context", "Function", "GradcheckError", "GradcheckReport", "ShapeError", "Tensor", "as_array", "as_tensor",
           "backward", "broadcast_to", "cat", "chunk", "concatenate", "detect_anomaly", "enable_grad", "float64_array",
           "grad", "gradcheck", "hessian", "hvp", "jacobian", "manual_seed", "no_grad", "numerical_grad", "ones",
           "ones_like", "randn", "randn_like", "relative_error", "split", "stack", "tensor", "topological_order",
           "unbroadcast", "where", "zeros", "zeros_like"]
__all__ += ["abs", "exp", "log", "mean", "pow", "relu", "sigmoid", "sqrt", "sum", "tanh"]
