"""minigrad_ae: learn autoencoders by building them, with every gradient checkable.

    import minigrad_ae as mg
    x = mg.tensor(array, requires_grad=True)
    loss = ((x @ w + b).relu() ** 2).mean(); loss.backward(); x.grad
    mg.gradcheck(fn, [x, w, b])

Layers, bottom to top: autodiff → nn → optim → data → models; then ``train`` (fit), ``io`` (save/load)
and ``viz`` (figures).
"""
import importlib

from .autodiff import (Context, Function, GradcheckError, GradcheckReport, ShapeError, Tensor, concatenate,
                       detect_anomaly, enable_grad, gradcheck, no_grad, numerical_grad, ones, randn,
                       relative_error, stack, tensor, unbroadcast, where, zeros)
from . import data, models, nn, optim
from .io import Checkpoint, CheckpointError, load, save
from .train import History, evaluate, fit
from .tsne import trustworthiness, tsne

__version__ = "0.1.0"

_LAZY_SUBMODULES = {"viz"}  # matplotlib costs ~0.3 s to import: load it only when asked for


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minigrad_ae' has no attribute {name!r}")
