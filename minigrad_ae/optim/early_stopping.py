"""``EarlyStopping``: stop training when the validation loss has not improved for ``patience`` epochs."""
import math

import numpy as np

from ..autodiff import Tensor
from ..statedict import check_state_dict


class EarlyStopping:
    """Call ``step(val_loss, model)`` once per epoch; it returns True when training should stop.

    An epoch improves when val_loss < best_loss − min_delta. ``best_epoch`` is the 0-based index of the best
    call (so ``history[best_epoch] == best_loss``); ``best_state`` is a copy of ``model.state_dict()`` then,
    and ``restore(model)`` puts it back: the weights that generalised best, not the last ones.
    """

    def __init__(self, patience, min_delta=0.0):
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        try:
            min_delta = float(min_delta)
        except (TypeError, ValueError):
            raise TypeError(f"EarlyStopping: min_delta must be a number, got {min_delta!r}") from None
        if not (math.isfinite(min_delta) and min_delta >= 0):
            raise ValueError(f"EarlyStopping: min_delta must be a finite number >= 0, got {min_delta!r}")
        self.patience = int(patience)
        self.min_delta = min_delta
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1            # index of the latest step() call
        self.num_bad_epochs = 0    # epochs since the last improvement
        self.should_stop = False

    def step(self, val_loss, model=None):
        """Record this epoch's validation loss; True means stop (``patience`` epochs in a row without improving)."""
        loss = self._as_float(val_loss)
        self.epoch += 1
        if loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.num_bad_epochs = loss, self.epoch, 0
            if model is not None:
                # copies: the optimizer will keep changing the model's arrays in place
                self.best_state = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
        else:
            self.num_bad_epochs += 1
        self.should_stop = self.num_bad_epochs > 0 and self.num_bad_epochs >= self.patience
        return self.should_stop

    def restore(self, model):
        """Load the best weights seen back into ``model``."""
        if self.best_state is None:
            raise RuntimeError("EarlyStopping.restore: no best state was saved; pass the model to "
                               "step(val_loss, model) so the weights at the best loss are kept.")
        model.load_state_dict({k: v.copy() for k, v in self.best_state.items()})

    def state_dict(self):
        """Flat dict for an .npz (best_epoch −1 stands for "none yet"; best weights as ``best_state.<name>``)."""
        out = {"patience": self.patience, "min_delta": self.min_delta, "best_loss": self.best_loss,
               "best_epoch": -1 if self.best_epoch is None else self.best_epoch, "epoch": self.epoch,
               "num_bad_epochs": self.num_bad_epochs}
        for k, v in (self.best_state or {}).items():
            out[f"best_state.{k}"] = v.copy()
        return out

    def load_state_dict(self, state):
        """Resume from ``state_dict()`` output (also a loaded ``.npz``)."""
        state = dict(state)
        scalars = ("patience", "min_delta", "best_loss", "best_epoch", "epoch", "num_bad_epochs")
        check_state_dict(state, "EarlyStopping.load_state_dict", dict.fromkeys(scalars),
                         optional={k: None for k in state if k.startswith("best_state.")},
                         expected_in="EarlyStopping.state_dict()", fix="Pass what EarlyStopping.state_dict() returned.")
        self.__init__(int(state["patience"]), float(state["min_delta"]))   # re-validates both
        self.best_loss, self.epoch = float(state["best_loss"]), int(state["epoch"])
        self.best_epoch = None if int(state["best_epoch"]) < 0 else int(state["best_epoch"])
        self.num_bad_epochs = int(state["num_bad_epochs"])
        self.should_stop = self.num_bad_epochs > 0 and self.num_bad_epochs >= self.patience
        best = {k[len("best_state."):]: np.array(v, copy=True) for k, v in state.items() if k.startswith("best_state.")}
        self.best_state = best or None

    def _as_float(self, val_loss):
        if isinstance(val_loss, Tensor):
            val_loss = val_loss.data
        try:
            arr = np.asarray(val_loss, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"EarlyStopping.step: val_loss must be a number, got {val_loss!r}") from None
        if arr.size != 1:
            raise ValueError(f"EarlyStopping.step: val_loss must be one number, got an array of shape {arr.shape}.")
        loss = float(arr.reshape(()))
        if not math.isfinite(loss):
            raise ValueError(f"EarlyStopping.step: val_loss is {loss} at epoch {self.epoch + 1}; training has "
                             "diverged (try a smaller learning rate), so there is nothing sensible to compare.")
        return loss

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, best_loss={self.best_loss}, "
                f"best_epoch={self.best_epoch}, num_bad_epochs={self.num_bad_epochs})")
