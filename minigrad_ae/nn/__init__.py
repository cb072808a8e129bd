"""Neural-network toolkit on top of autodiff: ``Module`` / ``Parameter`` / ``Sequential``, layers,
initialisers (``init``) and stateless functions and losses (``functional``, imported as ``F``)."""
from . import functional, init
from .activations import ACTIVATIONS, activation
from .conv import Conv2d, ConvTranspose2d
from .layers import BatchNorm1d, Dropout, Flatten, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh, Unflatten
from .loss_modules import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss
from .module import Module, Parameter, Sequential
from .residual import Residual

__all__ = ["BatchNorm1d", "Conv2d", "ConvTranspose2d", "Dropout", "Identity", "LeakyReLU", "Linear", "Module", "Parameter", "ReLU", "Sequential",
           "Sigmoid", "Tanh", "functional", "init"]
__all__ += ["ACTIVATIONS", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "L1Loss", "MSELoss", "Softmax",
            "Unflatten", "activation"]
__all__ += ["Residual"]
