"""Optimizers (SGD, Adam, RMSprop), learning-rate schedules (StepLR, ExponentialLR, CyclicLR, ReduceLROnPlateau)
and early stopping, with PyTorch's names and arguments.

Read ``base.py`` (what all optimizers share), then ``optimizers.py`` (the update rules), ``schedules.py``,
``early_stopping.py``. A training step::

    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    loss.backward(); opt.step(); opt.zero_grad()
"""
from .base import Optimizer
from .early_stopping import EarlyStopping
from .optimizers import SGD, Adam, RMSprop, adam_update, rmsprop_update, sgd_update
from .schedules import CyclicLR, ExponentialLR, LRScheduler, ReduceLROnPlateau, StepLR
from . import lr_scheduler   # PyTorch's path to the same schedules: optim.lr_scheduler.CyclicLR

__all__ = ["Adam", "CyclicLR", "EarlyStopping", "ExponentialLR", "LRScheduler", "Optimizer", "RMSprop",
           "ReduceLROnPlateau", "SGD", "StepLR", "adam_update", "rmsprop_update", "sgd_update"]
