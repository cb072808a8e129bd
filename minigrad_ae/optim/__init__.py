"""Optimizers (SGD, Adam, RMSprop), learning-rate schedules and early stopping.

Read ``base.py`` (what all optimizers share), then ``optimizers.py`` (the update rules), ``schedules.py``,
``early_stopping.py``. A training step::

    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    loss.backward(); opt.step(); opt.zero_grad()
"""
from .base import Optimizer
from .early_stopping import EarlyStopping
from .optimizers import SGD, Adam, RMSprop, adam_update, rmsprop_update, sgd_update
from .schedules import CyclicLR, LRScheduler, StepLR

__all__ = ["Adam", "CyclicLR", "EarlyStopping", "LRScheduler", "Optimizer", "RMSprop", "SGD", "StepLR",
           "adam_update", "rmsprop_update", "sgd_update"]
