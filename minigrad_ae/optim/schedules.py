"""Learning-rate schedules, with PyTorch's names, arguments and values: each ``step()`` sets ``optimizer.lr``.

StepLR, ExponentialLR and CyclicLR are closed-form functions of the step count (not "multiply the current
lr"), so any step's rate can be computed, checked and resumed on its own. ReduceLROnPlateau is the one that
watches the loss: ``step(val_loss)``. Protocol read by ``mg.fit``: ``per_batch`` (step after every batch,
not every epoch) and ``needs_metric`` (pass the epoch's loss to ``step``).
"""
import math

from ..statedict import check_state_dict
from ..validate import choice, integer, number, positive_int
from .base import _to_python, check_number


class LRScheduler:
    """Base: ``last_epoch`` counts ``step()`` calls; ``get_lr()`` gives the rate for it; ``last_lr`` the rate set."""

    _fields = ()               # constructor settings saved by state_dict, in the order _configure takes them
    _progress = ("last_epoch",)  # what changes as it steps, saved by state_dict too
    per_batch = False          # True: step() after every batch (iterations); False: once per epoch. ``fit`` reads it.
    needs_metric = False       # True: step(loss) takes the epoch's (validation) loss

    def __init__(self, optimizer):
        self.optimizer = _check_optimizer(type(self).__name__, optimizer)
        self.last_epoch = 0
        self._apply()

    def get_lr(self):
        """The learning rate for step ``last_epoch``."""
        raise NotImplementedError

    def get_last_lr(self):
        """``[last_lr]``: PyTorch's list, one rate per parameter group (a minigrad_ae optimizer has one)."""
        return [self.last_lr]

    def step(self):
        """Advance one step (an epoch for StepLR, a batch for CyclicLR) and set the optimizer's lr."""
        self.last_epoch += 1
        self._apply()

    def _apply(self):
        self.last_lr = self.get_lr()
        self.optimizer.lr = self.last_lr

    def state_dict(self):
        """Flat dict for an .npz: the scheduler's name, its settings and its progress (``last_epoch`` ...)."""
        out = {"scheduler": type(self).__name__}
        out.update({name: getattr(self, name) for name in self._progress + self._fields})
        return out

    def load_state_dict(self, state):
        """Resume from ``state_dict()`` output, and set the optimizer's lr to match."""
        owner = type(self).__name__
        state = {k: _to_python(v) for k, v in dict(state).items()}
        saved_by = str(state.get("scheduler", "an unknown scheduler (no 'scheduler' key)"))
        if saved_by != owner:
            raise ValueError(f"{owner}.load_state_dict: this state was saved by {saved_by}, not {owner}.")
        expected = dict.fromkeys(("scheduler",) + self._progress + self._fields)
        check_state_dict(state, f"{owner}.load_state_dict", expected, expected_in=f"{owner}.state_dict()",
                         fix=f"Pass what {owner}.state_dict() returned.")
        self._configure(*(state[name] for name in self._fields))
        for name in self._progress:
            setattr(self, name, state[name])
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
        self.step_size = positive_int(step_size, "step_size", "StepLR")
        self.gamma = check_number("StepLR", "gamma", gamma, lambda v: v > 0, "> 0")

    def get_lr(self):
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr · γ^epoch: multiply the rate by γ every epoch. ``base_lr`` is the optimizer's lr when made."""

    _fields = ("base_lr", "gamma")

    def __init__(self, optimizer, gamma):
        self._configure(_check_optimizer("ExponentialLR", optimizer).lr, gamma)
        super().__init__(optimizer)

    def _configure(self, base_lr, gamma):
        self.base_lr = check_number("ExponentialLR", "base_lr (the optimizer's lr)", base_lr, lambda v: v > 0, "> 0")
        self.gamma = check_number("ExponentialLR", "gamma", gamma, lambda v: v > 0, "> 0")

    def get_lr(self):
        return self.base_lr * self.gamma ** self.last_epoch


class CyclicLR(LRScheduler):
    """Cyclical learning rate (Smith 2017), stepped once per batch, as PyTorch's CyclicLR.

    Each cycle climbs from base_lr to max_lr in ``step_size_up`` iterations and falls back in
    ``step_size_down`` (= step_size_up when None). With h(it) ∈ [0, 1] the height of that triangle,
    lr = base_lr + (max_lr − base_lr)·h·scale, scale = 1 ('triangular'), 1/2^(cycle−1) ('triangular2': the
    amplitude halves every cycle) or γ^it ('exp_range'). With ``cycle_momentum`` the optimizer's momentum
    (Adam: β₁) moves the other way, max_momentum − (max_momentum − base_momentum)·h·scale: high momentum
    while the rate is low. It needs an optimizer with a momentum (SGD, RMSprop: note that it sets one even
    where it was 0, as PyTorch does) or Adam's β₁; pass ``cycle_momentum=False`` to leave it alone.
    """

    _fields = ("base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "cycle_momentum",
               "base_momentum", "max_momentum")
    per_batch = True

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, cycle_momentum=True, base_momentum=0.8, max_momentum=0.9):
        step_size_down = step_size_up if step_size_down is None else step_size_down
        self._configure(base_lr, max_lr, step_size_up, step_size_down, mode, gamma, cycle_momentum, base_momentum,
                        max_momentum)
        if self.cycle_momentum:
            _momentum_name(_check_optimizer("CyclicLR", optimizer))   # refuse now, not at the first step
        super().__init__(optimizer)

    def _configure(self, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, cycle_momentum, base_momentum,
                   max_momentum):
        self.base_lr = check_number("CyclicLR", "base_lr", base_lr, lambda v: v > 0, "> 0")
        self.max_lr = check_number("CyclicLR", "max_lr", max_lr, lambda v: v >= self.base_lr,
                                   f">= base_lr ({self.base_lr!r})")
        self.step_size_up = positive_int(step_size_up, "step_size_up", "CyclicLR")
        self.step_size_down = positive_int(step_size_down, "step_size_down", "CyclicLR")
        self.mode = choice(mode, "mode", "CyclicLR", ("triangular", "triangular2", "exp_range"))
        self.gamma = number(gamma, "gamma", "CyclicLR", low=0, high=1, low_open=True)
        self.cycle_momentum = bool(cycle_momentum)
        self.base_momentum = number(base_momentum, "base_momentum", "CyclicLR", low=0, high=1, high_open=True)
        self.max_momentum = number(max_momentum, "max_momentum", "CyclicLR", low=0, high=1, high_open=True)

    def _height_and_scale(self):
        """h: how far up the current triangle iteration ``last_epoch`` is (0 at base_lr, 1 at max_lr); the scale."""
        it, total = self.last_epoch, self.step_size_up + self.step_size_down
        cycle = math.floor(1 + it / total)
        x = 1.0 + it / total - cycle            # the position in this cycle, in [0, 1)
        up = self.step_size_up / total          # the share of the cycle spent climbing
        height = x / up if x <= up else (x - 1) / (up - 1)
        scale = {"triangular": 1.0, "triangular2": 1 / 2.0 ** (cycle - 1), "exp_range": self.gamma ** it}[self.mode]
        return height, scale

    def get_lr(self):
        height, scale = self._height_and_scale()
        return self.base_lr + (self.max_lr - self.base_lr) * height * scale

    def get_momentum(self):
        """The momentum (or β₁) for iteration ``last_epoch``: max_momentum at base_lr, base_momentum at max_lr."""
        height, scale = self._height_and_scale()
        return self.max_momentum - (self.max_momentum - self.base_momentum) * height * scale

    def _apply(self):
        super()._apply()
        if self.cycle_momentum:
            setattr(self.optimizer, _momentum_name(self.optimizer), self.get_momentum())


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` once the watched loss has not improved for more than ``patience`` epochs.

    Call ``step(val_loss)`` once per epoch. Improving means val_loss < best·(1 − threshold) ('rel'; for
    mode='max': > best·(1 + threshold)) or < best − threshold ('abs'). After a cut, ``cooldown`` epochs pass
    before bad epochs count again; the lr never goes below ``min_lr`` (cuts smaller than ``eps`` are skipped).
    As PyTorch's, except that a NaN/Inf loss is refused (PyTorch would count it as one more bad epoch).
    """

    _fields = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps")
    _progress = ("last_epoch", "best", "num_bad_epochs", "cooldown_counter")
    needs_metric = True

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        self._configure(mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)
        self.best, self.num_bad_epochs, self.cooldown_counter = (math.inf if mode == "min" else -math.inf), 0, 0
        super().__init__(optimizer)

    def _configure(self, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps):
        owner = "ReduceLROnPlateau"
        self.mode = choice(mode, "mode", owner, ("min", "max"))
        self.factor = number(factor, "factor", owner, low=0, high=1, low_open=True, high_open=True)
        self.patience = integer(patience, "patience", owner, low=0)
        self.threshold = number(threshold, "threshold", owner, low=0)
        self.threshold_mode = choice(threshold_mode, "threshold_mode", owner, ("rel", "abs"))
        self.cooldown = integer(cooldown, "cooldown", owner, low=0)
        self.min_lr = number(min_lr, "min_lr", owner, low=0)
        self.eps = number(eps, "eps", owner, low=0)

    def get_lr(self):
        return self.optimizer.lr   # not a formula of the step count: the rate is whatever the cuts left

    def step(self, metrics=None):
        """Record this epoch's loss (``metrics``, PyTorch's name) and cut the lr after too many bad epochs."""
        if metrics is None:
            raise TypeError("ReduceLROnPlateau.step needs the loss it watches: scheduler.step(val_loss), once per "
                            "epoch.")
        value = metrics.item() if getattr(metrics, "size", None) == 1 else metrics   # a Tensor, a 0-d array
        current = number(value, "metrics", "ReduceLROnPlateau.step")
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0   # bad epochs right after a cut do not count
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.optimizer.lr * self.factor, self.min_lr)
            if self.optimizer.lr - new_lr > self.eps:
                self.optimizer.lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self.last_lr = self.optimizer.lr

    def _is_better(self, current):
        if self.threshold_mode == "rel":
            bound = self.best * (1 - self.threshold if self.mode == "min" else 1 + self.threshold)
        else:
            bound = self.best - self.threshold if self.mode == "min" else self.best + self.threshold
        return current < bound if self.mode == "min" else current > bound


def _momentum_name(optimizer):
    """The attribute CyclicLR cycles: Adam's ``beta1`` (PyTorch's betas[0]), else ``momentum`` (SGD, RMSprop)."""
    for name in ("beta1", "momentum"):
        if hasattr(optimizer, name):
            return name
    raise ValueError(f"CyclicLR: cycle_momentum=True cycles the optimizer's momentum (or Adam's beta1), and "
                     f"{type(optimizer).__name__} has neither; pass cycle_momentum=False.")


def _check_optimizer(owner, optimizer):
    if not hasattr(optimizer, "lr"):
        raise TypeError(f"{owner}: expected an optimizer (something with an .lr attribute), "
                        f"got {type(optimizer).__name__}.")
    return optimizer
