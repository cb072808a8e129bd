"""The schedules under PyTorch's module name, so ``optim.lr_scheduler.CyclicLR(...)`` and
``from minigrad_ae.optim.lr_scheduler import StepLR`` port unchanged. They are written in ``schedules.py``."""
from .schedules import CyclicLR, ExponentialLR, LRScheduler, ReduceLROnPlateau, StepLR

__all__ = ["CyclicLR", "ExponentialLR", "LRScheduler", "ReduceLROnPlateau", "StepLR"]
