"""The training loop: ``fit`` runs minibatch gradient descent and returns a ``History``.

One step, as in every framework: loss = loss_fn(model, batch); zero_grad; loss.backward(); optimizer.step().
Epochs count from 1 everywhere (progress line, messages, ``History.best_epoch``).
"""
import math
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .autodiff import no_grad
from .data import batches


@dataclass(repr=False)
class History:
    """What ``fit`` recorded: one list entry per finished epoch (``history.val_loss[k - 1]`` is epoch k).

    ``stopped_early`` is True when training ended before the last epoch, for any reason;
    ``stop_reason`` says why. ``dataclasses.asdict(history)`` is JSON-ready (plain floats), e.g. for ``mg.save`` meta.
    """
    train_loss: list = field(default_factory=list)  # mean loss over the epoch's batches (per sample)
    val_loss: list = field(default_factory=list)    # empty when fit got no validation data
    lr: list = field(default_factory=list)          # learning rate at the epoch's first batch
    time: list = field(default_factory=list)        # seconds for the epoch, validation included
    stopped_early: bool = False
    stop_reason: str = ""
    best_epoch: int | None = None                   # epoch with the lowest val loss (train loss without val)

    @property
    def epochs(self):
        return len(self.train_loss)

    def summary(self):
        """A few lines: first -> last loss, best epoch, learning rate, why training stopped."""
        if not self.epochs:
            return "History: no finished epoch" + (f"\n  stopped: {self.stop_reason}" if self.stop_reason else "")
        lines = [f"History: {self.epochs} epochs in {sum(self.time):.1f} s"
                 + (" (stopped early)" if self.stopped_early else "")]
        lines.append(f"  train loss {self.train_loss[0]:.4g} -> {self.train_loss[-1]:.4g}")
        if self.val_loss:
            lines.append(f"  val loss   {self.val_loss[0]:.4g} -> {self.val_loss[-1]:.4g}")
        if self.best_epoch is not None:
            best = (self.val_loss or self.train_loss)[self.best_epoch - 1]
            lines.append(f"  best epoch {self.best_epoch} ({'val' if self.val_loss else 'train'} loss {best:.4g})")
        lines.append(f"  lr         {self.lr[0]:.3g} -> {self.lr[-1]:.3g}")
        if self.stop_reason:
            lines.append(f"  stopped: {self.stop_reason}")
        return "\n".join(lines)

    def __repr__(self):
        return (f"History(epochs={self.epochs}, train_loss={_last(self.train_loss)}, "
                f"val_loss={_last(self.val_loss)}, best_epoch={self.best_epoch}, stopped_early={self.stopped_early})")


def fit(model, loss_fn, X, epochs, batch_size, optimizer, val=None, schedule=None, early_stopping=None,
        progress=True, rng=None, y=None):
    """Train ``model`` for up to ``epochs`` passes over ``X`` (n, ...) in shuffled minibatches; return a ``History``.

    Per batch: ``loss = loss_fn(model, xb)`` (``loss_fn(model, xb, yb)`` when ``y`` is given) must return a
    scalar Tensor, the per-sample mean; ``xb``/``yb`` are NumPy rows of X/y (ops accept arrays, and a denoising
    loss can corrupt ``xb`` with ``mg.data`` noise first). Then zero_grad, backward, step.

    * ``schedule.step()`` runs after every batch when the schedule says ``per_batch`` (CyclicLR counts
      iterations), otherwise after every epoch (StepLR counts epochs).
    * ``val`` is X_val, or (X_val, y_val) when ``y`` is given: its loss is computed after each epoch in eval
      mode without a graph. ``early_stopping.step(val_loss, model) -> bool`` may end training; with it the
      model always ends with its best weights (``early_stopping.restore(model)``).
    * A NaN/Inf loss or gradient stops training *before* that batch's update, with a RuntimeWarning: the
      model keeps the last good weights and the history is returned, ``stop_reason`` telling where.
    * ``rng`` (``np.random.Generator``) shuffles; the progress line appears only when stderr is a terminal.

    The model is left in eval mode.
    """
    rng = np.random.default_rng() if rng is None else rng
    X_val, y_val = _split_val(val, y)
    if early_stopping is not None and X_val is None:
        raise ValueError("fit: early_stopping watches the validation loss; pass val=X_val (or (X_val, y_val)).")
    named = list(model.named_parameters())
    history = History()
    bar = _ProgressLine(progress)
    n_batches = math.ceil(len(X) / batch_size)

    for epoch in range(1, epochs + 1):
        start, lr = time.perf_counter(), float(optimizer.lr)
        model.train()
        total, seen = 0.0, 0
        for b, batch in enumerate(batches(X, y, batch_size=batch_size, shuffle=True, rng=rng), start=1):
            xb, yb = batch if y is not None else (batch, None)
            loss = _loss(loss_fn, model, xb, yb)
            value = loss.item()
            optimizer.zero_grad()
            bad = None if math.isfinite(value) else f"the loss became {value}"
            if bad is None:
                loss.backward()
                bad = _first_bad_grad(named)
            if bad is not None:  # checked before step(), so the weights are still the last good ones
                bar.finish(f"epoch {epoch}/{epochs}: stopped at batch {b}")
                return _stop_on_nan(history, model, f"{bad} at epoch {epoch}, batch {b}/{n_batches}; training "
                                    "stopped and the model keeps the weights from before that batch", optimizer.lr)
            optimizer.step()
            if schedule is not None and schedule.per_batch:
                schedule.step()
            total += value * len(xb)
            seen += len(xb)
            bar.update(f"epoch {epoch}/{epochs}  batch {b}/{n_batches}  loss {total / seen:.4g}")

        if schedule is not None and not schedule.per_batch:
            schedule.step()
        history.train_loss.append(total / seen)
        history.lr.append(lr)
        line = f"epoch {epoch}/{epochs}  loss {history.train_loss[-1]:.4g}"
        if X_val is not None:
            history.val_loss.append(evaluate(model, loss_fn, X_val, y_val, max(batch_size, 256)))
            line += f"  val {history.val_loss[-1]:.4g}"
        history.time.append(time.perf_counter() - start)
        bar.finish(f"{line}  lr {history.lr[-1]:.3g}  {history.time[-1]:.3g}s")
        if X_val is not None and not math.isfinite(history.val_loss[-1]):
            return _stop_on_nan(history, model, f"the validation loss became {history.val_loss[-1]} after epoch "
                                f"{epoch}; training stopped with the weights of that epoch", optimizer.lr)
        if early_stopping is not None and early_stopping.step(history.val_loss[-1], model):
            history.stopped_early = True
            break

    history.best_epoch = _best_epoch(history.val_loss or history.train_loss)
    if early_stopping is not None and history.val_loss:
        early_stopping.restore(model)
        history.best_epoch = early_stopping.best_epoch + 1  # its 0-based count of step() calls; honours min_delta
        if history.stopped_early:
            history.stop_reason = (f"early stopping after epoch {history.epochs}: the val loss did not improve "
                                   f"for {early_stopping.patience} epochs; restored the weights of epoch "
                                   f"{history.best_epoch}")
    model.eval()
    return history


def evaluate(model, loss_fn, X, y=None, batch_size=256):
    """Mean loss over a whole data set, batch by batch, in eval mode and without recording a graph."""
    model.eval()
    total = 0.0
    with no_grad():
        for batch in batches(X, y, batch_size=batch_size, shuffle=False):
            xb, yb = batch if y is not None else (batch, None)
            total += _loss(loss_fn, model, xb, yb).item() * len(xb)  # weight by size: the last batch is smaller
    return total / len(X)


def _loss(loss_fn, model, xb, yb):
    return loss_fn(model, xb) if yb is None else loss_fn(model, xb, yb)


def _split_val(val, y):
    """(X_val, y_val) from ``val``; labels on one side only would call loss_fn with two signatures."""
    if val is None:
        return None, None
    if isinstance(val, tuple):
        if y is None:
            raise ValueError("fit: val is (X_val, y_val) but no y was given for training; pass y=... or val=X_val.")
        return val
    if y is not None:
        raise ValueError("fit: training uses labels y, so val must be (X_val, y_val).")
    return val, None


def _first_bad_grad(named):
    for name, p in named:
        if p.grad is not None and not np.isfinite(p.grad).all():
            return f"the gradient of {name} became NaN/Inf"
    return None


def _stop_on_nan(history, model, what, lr):
    history.stopped_early = True
    history.stop_reason = (f"{what}. Try a lower learning rate (it was {lr:.3g}) or check the data for NaN/Inf "
                           "or unscaled values.")
    history.best_epoch = _best_epoch(history.val_loss or history.train_loss)
    warnings.warn(history.stop_reason, RuntimeWarning, stacklevel=3)
    model.eval()
    return history


def _last(values):
    return f"{values[-1]:.4g}" if values else None


def _best_epoch(losses):
    finite = [(v, k) for k, v in enumerate(losses, start=1) if math.isfinite(v)]
    return min(finite)[1] if finite else None


class _ProgressLine:
    """One status line on stderr, rewritten in place ('\\r') at most every 0.1 s; silent unless stderr is a tty."""

    def __init__(self, enabled, interval=0.1):
        self.enabled = enabled and sys.stderr.isatty()  # keeps logs, CI output and tests clean
        self.interval, self.last, self.width = interval, 0.0, 0

    def update(self, text):
        now = time.perf_counter()
        if self.enabled and now - self.last >= self.interval:  # redrawing every batch would cost more than it shows
            self._write(text, end="")
            self.last = now

    def finish(self, text):
        """Overwrite the line with a final text and move to the next line."""
        if self.enabled:
            self._write(text, end="\n")

    def _write(self, text, end):
        sys.stderr.write("\r" + text.ljust(self.width) + end)  # ljust blanks the tail of a longer earlier text
        sys.stderr.flush()
        self.width = 0 if end else len(text)
