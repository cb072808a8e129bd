"""minigrad_ae: learn autoencoders by building them, with every gradient checkable.

    import minigrad_ae as mg
    x = mg.tensor(array, requires_grad=True)
    loss = ((x @ w + b).relu() ** 2).mean(); loss.backward(); x.grad
    mg.gradcheck(fn, [x, w, b])

Layers, bottom to top: validate → kernels → autodiff → nn, optim, data → models → ``train`` (fit), ``io``
(save/load), ``viz`` (figures) → ``pretraining`` (greedy layer-wise training of a stacked AE); each imports only
from layers below it (tests/test_engine.py checks).
"""
import importlib

from numpy import float32, float64   # PyTorch's torch.float32 / torch.float64 are mg.float32 / mg.float64

from .autodiff import (Context, Function, GradcheckError, GradcheckReport, ShapeError, Tensor, as_array, as_tensor,
                       broadcast_to, cat, chunk, concatenate, detect_anomaly, enable_grad, grad, gradcheck, hessian,
                       hvp, jacobian, manual_seed, no_grad, numerical_grad, ones, ones_like, randn, randn_like,
                       relative_error, split, stack, tensor, unbroadcast, where, zeros, zeros_like)
# PyTorch's function spellings (torch.exp(x) …); abs, pow and sum hide Python's builtins in this file only
from .autodiff import abs, exp, log, mean, pow, relu, sigmoid, sqrt, sum, tanh
from . import data, models, nn, optim, pretraining
from .io import Checkpoint, CheckpointError, load, save
from .train import History, evaluate, fit
from .tsne import trustworthiness, tsne

__version__ = "0.1.0"

_LAZY_SUBMODULES = {"viz"}  # matplotlib costs ~0.3 s to import: load it only when asked for


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minigrad_ae' has no attribute {name!r}")
