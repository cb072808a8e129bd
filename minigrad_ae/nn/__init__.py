"""Neural-network toolkit on top of autodiff: ``Module`` / ``Parameter`` / ``Sequential``, layers,
initialisers (``init``) and stateless functions and losses (``functional``, imported as ``F``)."""
from . import functional, init
from .activations import ACTIVATIONS, activation
from .conv import Conv2d, ConvTranspose2d
from .layers import BatchNorm1d, Dropout, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from .module import Module, Parameter, Sequential

__all__ = ["BatchNorm1d", "Conv2d", "ConvTranspose2d", "Dropout", "Identity", "LeakyReLU", "Linear", "Module", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Tanh", "functional", "init"]
