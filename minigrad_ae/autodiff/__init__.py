"""Reverse-mode automatic differentiation on NumPy arrays.

Read in this order: ``tensor.py`` (the data + graph node), ``function.py`` (how an op records
itself), ``ops.py`` (every op with its vector-Jacobian product), ``engine.py`` (backward),
``gradcheck.py`` (checking it all against finite differences), ``graph.py`` (looking at a graph).
"""
from .tensor import Tensor, ones, randn, tensor, zeros  # first: tensor.py pulls in ops.py and function.py
from .function import Context, Function, ShapeError, unbroadcast
from .gradcheck import GradcheckError, GradcheckReport, gradcheck, numerical_grad, relative_error
from .mode import detect_anomaly, enable_grad, no_grad
from .ops import concatenate, stack, where

__all__ = ["Context", "Function", "GradcheckError", "GradcheckReport", "ShapeError", "Tensor", "concatenate",
           "detect_anomaly", "enable_grad", "gradcheck", "no_grad", "numerical_grad", "ones", "randn",
           "relative_error", "stack", "tensor", "unbroadcast", "where", "zeros"]
