"""Learning-rate schedules: each ``step()`` sets ``optimizer.lr`` from a closed-form function of the step count.

Closed forms (not "multiply the current lr") so any step's rate can be computed, checked and resumed on its own.
"""
import math

import numpy as np

from .base import _to_python, check_number


class LRScheduler:
    """Base: ``last_epoch`` counts ``step()`` calls; ``get_lr()`` gives the rate for it; ``last_lr`` the rate set."""

    _fields = ()   # constructor settings saved by state_dict, in the order _configure takes them
    per_batch = False  # True: step() after every batch (iterations); False: once per epoch. ``fit`` reads it.

    def __init__(self, optimizer):
        self.optimizer = _check_optimizer(type(self).__name__, optimizer)
        self.last_epoch = 0
        self._apply()

    def get_lr(self):
        """The learning rate for step ``last_epoch``."""
        raise NotImplementedError

    def step(self):
        """Advance one step (an epoch for StepLR, a batch for CyclicLR) and set the optimizer's lr."""
        self.last_epoch += 1
        self._apply()

    def _apply(self):
        self.last_lr = self.get_lr()
        self.optimizer.lr = self.last_lr

    def state_dict(self):
        """Flat dict for an .npz: the scheduler's name, its settings and ``last_epoch``."""
        out = {"scheduler": type(self).__name__, "last_epoch": self.last_epoch}
        out.update({name: getattr(self, name) for name in self._fields})
        return out

    def load_state_dict(self, state):
        """Resume from ``state_dict()`` output, and set the optimizer's lr to match."""
        owner = type(self).__name__
        state = {k: _to_python(v) for k, v in dict(state).items()}
        expected = {"scheduler", "last_epoch", *self._fields}
        if set(state) != expected:
            raise KeyError(f"{owner}.load_state_dict: expected keys {sorted(expected)}, got {sorted(state)}.")
        if str(state["scheduler"]) != owner:
            raise ValueError(f"{owner}.load_state_dict: this state was saved by {state['scheduler']}, not {owner}.")
        self._configure(*(state[name] for name in self._fields))
        self.last_epoch = int(state["last_epoch"])
        self._apply()

    def __repr__(self):
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields}, last_epoch={self.last_epoch}, last_lr={self.last_lr!r})"


class StepLR(LRScheduler):
    """lr = base_lr · γ^⌊epoch / step_size⌋: divide the rate by 1/γ every ``step_size`` epochs.

    ``base_lr`` is the optimizer's lr when the scheduler is made.
    """

    _fields = ("base_lr", "step_size", "gamma")

    def __init__(self, optimizer, step_size, gamma=0.1):
        self._configure(_check_optimizer("StepLR", optimizer).lr, step_size, gamma)
        super().__init__(optimizer)

    def _configure(self, base_lr, step_size, gamma):
        self.base_lr = check_number("StepLR", "base_lr (the optimizer's lr)", base_lr, lambda v: v > 0, "> 0")
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = check_number("StepLR", "gamma", gamma, lambda v: v > 0, "> 0")

    def get_lr(self):
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class CyclicLR(LRScheduler):
    """Triangular cyclical learning rate (Smith 2017), stepped once per batch.

    cycle = ⌊1 + it/(2·step)⌋,  x = |it/step − 2·cycle + 1|,  lr = base + (max − base)·max(0, 1 − x)·scale,
    scale = 1 ('triangular') or 1/2^(cycle−1) ('triangular2': the amplitude halves every cycle).
    """

    _fields = ("base_lr", "max_lr", "step_size_up", "mode")
    per_batch = True

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, mode="triangular"):
        self._configure(base_lr, max_lr, step_size_up, mode)
        super().__init__(optimizer)

    def _configure(self, base_lr, max_lr, step_size_up, mode):
        self.base_lr = check_number("CyclicLR", "base_lr", base_lr, lambda v: v > 0, "> 0")
        self.max_lr = check_number("CyclicLR", "max_lr", max_lr, lambda v: v >= self.base_lr,
                                   f">= base_lr ({self.base_lr!r})")
        self.step_size_up = _positive_int("CyclicLR", "step_size_up", step_size_up)
        if mode not in ("triangular", "triangular2"):
            raise ValueError(f"CyclicLR: mode must be 'triangular' or 'triangular2', got {mode!r}")
        self.mode = str(mode)

    def get_lr(self):
        it, step = self.last_epoch, self.step_size_up
        cycle = math.floor(1 + it / (2 * step))
        x = abs(it / step - 2 * cycle + 1)   # 1 at the cycle's ends, 0 at its peak
        scale = 1.0 if self.mode == "triangular" else 1 / 2 ** (cycle - 1)
        return self.base_lr + (self.max_lr - self.base_lr) * max(0.0, 1 - x) * scale


def _check_optimizer(owner, optimizer):
    if not hasattr(optimizer, "lr"):
        raise TypeError(f"{owner}: expected an optimizer (something with an .lr attribute), "
                        f"got {type(optimizer).__name__}.")
    return optimizer


def _positive_int(owner, name, value):
    # bool is an int subclass, and True as a step size is surely a mistake
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)
