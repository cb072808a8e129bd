"""The training loop: ``fit`` runs minibatch gradient descent and returns a ``History``.

One step, as in every framework (``gradient_step``): loss = loss_fn(model, batch); zero_grad; loss.backward();
optimizer.step(). The loss is the model's own ``loss`` unless a ``loss_fn`` is given. A model trained by more
than one loss and optimizer (the adversarial autoencoder's three players) passes its own ``step``; batches,
history, validation, schedules, early stopping, NaN stops and the progress line stay fit's.
Epochs count from 1 everywhere (progress line, messages, ``History.best_epoch``).
"""
import inspect
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from .autodiff import Tensor, no_grad
from .data import batches
from .validate import float_data, generator, numeric_array, positive_int


@dataclass(repr=False)
class History:
    """What ``fit`` recorded: one list entry per finished epoch (``history.val_loss[k - 1]`` is epoch k).

    ``stopped_early`` is True when training ended before the last epoch, for any reason;
    ``stop_reason`` says why. ``dataclasses.asdict(history)`` is JSON-ready (plain floats), e.g. for ``mg.save`` meta.
    """
    train_loss: list = field(default_factory=list)  # mean over the epoch's samples of the step's first loss
    val_loss: list = field(default_factory=list)    # empty when fit got no validation data
    lr: list = field(default_factory=list)          # learning rate at the epoch's first batch
    time: list = field(default_factory=list)        # seconds for the epoch, validation included
    losses: dict = field(default_factory=dict)      # every loss the step returned, by name: {'loss': [...]}
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
        for name, values in self.losses.items():  # 'loss' for fit's own step; a custom step names its losses
            lines.append(f"  {'train' if name == 'loss' else name} loss {values[0]:.4g} -> {values[-1]:.4g}")
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


def fit(model, loss_fn=None, X=None, epochs=1, batch_size=64, optimizer=None, val=None, schedule=None,
        early_stopping=None, progress=True, rng=None, y=None, step=None, on_epoch=None):
    """Train ``model`` for up to ``epochs`` passes over ``X`` (n, ...) in shuffled minibatches; return a ``History``.

        mg.fit(model, X=X, epochs=10, batch_size=64, optimizer=mg.optim.Adam(model.parameters(), 1e-3))

    * The loss of a batch is ``model.loss(xb)`` (``model.loss(xb, y=yb)`` when labels ``y`` are given), or
      ``loss_fn(model, xb)`` (``loss_fn(model, xb, yb)``): a scalar Tensor, the per-sample mean. ``xb``/``yb``
      are NumPy rows of X/y (a denoising loss can corrupt ``xb`` with ``mg.data`` noise first).
    * ``step(model, batch, optimizer) -> {name: float}`` replaces ``gradient_step`` for models trained by more
      than one loss (batch = xb, or (xb, yb); ``optimizer`` is passed through, e.g. a tuple of optimizers). The
      History keeps every named loss (``history.losses``); ``train_loss`` is the first. A step must skip its
      update on a NaN/Inf loss, as ``gradient_step`` does; fit then stops.
    * ``schedule.step()`` runs after every batch when the schedule says ``per_batch`` (CyclicLR counts
      iterations), otherwise after every epoch (StepLR counts epochs); a schedule that ``needs_metric``
      (ReduceLROnPlateau) gets the epoch's validation loss, or its training loss without ``val``.
    * ``val`` is X_val, or (X_val, y_val) when ``y`` is given: its loss is computed after each epoch in eval
      mode without a graph. ``early_stopping.step(val_loss, model) -> bool`` may end training; with it the
      model always ends with its best weights (``early_stopping.restore(model)``).
    * ``on_epoch(model, history)`` runs after every finished epoch, in eval mode: measure, plot, log.
    * A NaN/Inf loss or gradient stops training *before* that batch's update, with a RuntimeWarning: the
      model keeps the last good weights and the history is returned, ``stop_reason`` telling where.
    * ``rng`` (``np.random.Generator``) shuffles; the progress line appears only when stderr is a terminal.

    The data are checked once, here: integer data (unscaled images) is refused with the scaling to apply, and a
    model of the family checks the sizes and value ranges it needs (``model.check_data``). The model is left in
    eval mode.
    """
    _check_model(model, "fit")
    X, y, X_val, y_val = _check_data(model, X, y, val, "fit")
    if step is None or X_val is not None:  # a custom step computes its own losses; validation still needs one
        loss_fn = _check_loss_fn(model, loss_fn, y, "fit")
    _check_optimizers(model, optimizer)
    epochs, batch_size = positive_int(epochs, "epochs", "fit"), positive_int(batch_size, "batch_size", "fit")
    rng = generator(rng, "fit")
    _check_helpers(step, on_epoch, schedule, early_stopping, y)
    if early_stopping is not None and X_val is None:
        raise ValueError("fit: early_stopping watches the validation loss; pass val=X_val (or (X_val, y_val)).")
    step = partial(gradient_step, loss_fn=loss_fn) if step is None else step
    history = History()
    bar = _ProgressLine(progress)
    n_batches = math.ceil(len(X) / batch_size)

    for epoch in range(1, epochs + 1):
        start, lr = time.perf_counter(), _lr(optimizer)
        model.train()
        totals, seen = {}, 0
        for b, batch in enumerate(batches(X, y, batch_size=batch_size, shuffle=True, rng=rng), start=1):
            try:
                losses = _finite(step(model, batch, optimizer))
            except _Diverged as bad:  # raised before the update, so the weights are still the last good ones
                bar.finish(f"epoch {epoch}/{epochs}: stopped at batch {b}")
                return _stop_on_nan(history, model, f"{bad} at epoch {epoch}, batch {b}/{n_batches}; training "
                                    "stopped and the model keeps the weights from before that update", _lr(optimizer))
            if schedule is not None and schedule.per_batch:
                schedule.step()
            n = len(batch[0] if y is not None else batch)
            totals = {name: totals.get(name, 0.0) + value * n for name, value in losses.items()}
            seen += n
            bar.update(f"epoch {epoch}/{epochs}  batch {b}/{n_batches}  loss {next(iter(totals.values())) / seen:.4g}")

        for name, total in totals.items():
            history.losses.setdefault(name, []).append(total / seen)
        history.train_loss.append(next(iter(totals.values())) / seen)
        history.lr.append(lr)
        line = f"epoch {epoch}/{epochs}  loss {history.train_loss[-1]:.4g}"
        if X_val is not None:
            history.val_loss.append(_evaluate(model, loss_fn, X_val, y_val, max(batch_size, 256), "fit"))
            line += f"  val {history.val_loss[-1]:.4g}"
        if schedule is not None and not schedule.per_batch:   # ReduceLROnPlateau watches the epoch's loss
            schedule.step(*[(history.val_loss or history.train_loss)[-1]] * getattr(schedule, "needs_metric", False))
        history.time.append(time.perf_counter() - start)
        bar.finish(f"{line}  lr {history.lr[-1]:.3g}  {history.time[-1]:.3g}s")
        if X_val is not None and not math.isfinite(history.val_loss[-1]):
            return _stop_on_nan(history, model, f"the validation loss became {history.val_loss[-1]} after epoch "
                                f"{epoch}; training stopped with the weights of that epoch", _lr(optimizer))
        stop = early_stopping is not None and early_stopping.step(history.val_loss[-1], model)
        if on_epoch is not None:
            model.eval()
            on_epoch(model, history)
        if stop:
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


def gradient_step(model, batch, optimizer, loss_fn=None):
    """One step of gradient descent on one batch: loss, zero_grad, backward, step. Returns {'loss': value}.

    ``loss_fn(model, xb)`` (``loss_fn(model, xb, yb)`` for a labelled batch (xb, yb)); the model's own loss when
    None. A NaN/Inf loss or gradient stops the step before ``optimizer.step()``: the weights stay finite.
    """
    loss = _loss(model_loss if loss_fn is None else loss_fn, model, batch)
    value = loss.item()
    optimizer.zero_grad()
    if not math.isfinite(value):
        raise _Diverged(f"the loss became {value}")
    loss.backward()
    _check_gradients(model, optimizer)
    optimizer.step()
    return {"loss": value}


def model_loss(model, xb, yb=None):
    """``fit``'s default loss_fn: the model's own training loss, ``model.loss(xb)`` (``model.loss(xb, y=yb)``)."""
    return model.loss(xb) if yb is None else model.loss(xb, y=yb)


def evaluate(model, loss_fn=None, X=None, y=None, batch_size=256):
    """Mean loss over a whole data set, batch by batch, in eval mode and without recording a graph;
    ``loss_fn`` as in ``fit`` (the model's own loss when None). The data are checked as ``fit`` checks them."""
    _check_model(model, "evaluate")
    X, y, _, _ = _check_data(model, X, y, None, "evaluate")
    loss_fn = _check_loss_fn(model, loss_fn, y, "evaluate")
    return _evaluate(model, loss_fn, X, y, positive_int(batch_size, "batch_size", "evaluate"))


def _evaluate(model, loss_fn, X, y, batch_size, func="evaluate"):
    model.eval()
    total = 0.0
    with no_grad():
        for batch in batches(X, y, batch_size=batch_size, shuffle=False):
            n = len(batch[0] if y is not None else batch)
            total += _loss(loss_fn, model, batch, func).item() * n  # weight by size: the last batch is smaller
    return total / len(X)


def _loss(loss_fn, model, batch, func="fit"):
    """loss_fn(model, xb), or loss_fn(model, xb, yb) for a labelled batch (xb, yb): a scalar Tensor."""
    loss = loss_fn(model, *batch) if isinstance(batch, tuple) else loss_fn(model, batch)
    if not isinstance(loss, Tensor):
        raise TypeError(f"{func}: the loss function must return the batch's loss as a scalar Tensor, e.g. "
                        f"F.mse_loss(m(xb), xb), got {type(loss).__name__} {loss!r:.40}.")
    if loss.size != 1:
        raise ValueError(f"{func}: the loss function returned a Tensor of shape {loss.shape}; it must be one number, "
                         "the batch's mean loss: reduce it, e.g. F.mse_loss(m(xb), xb) or ((m(xb) - xb) ** 2).mean().")
    return loss


class _Diverged(ArithmeticError):
    """A loss or gradient became NaN/Inf; the message says which."""


def _finite(losses):
    """The step's losses as floats; a NaN/Inf one ends training."""
    if not isinstance(losses, dict) or not losses:
        raise TypeError(f"fit: a step must return a dict of named losses, e.g. {{'loss': 0.31}}, got {losses!r}.")
    losses = {name: float(value) for name, value in losses.items()}
    for name, value in losses.items():
        if not math.isfinite(value):
            raise _Diverged(f"the loss became {value}" if name == "loss" else f"the {name} loss became {value}")
    return losses


def _check_gradients(model, optimizer):
    for p in optimizer.params:
        if p.grad is not None and not np.isfinite(p.grad).all():
            name = next((n for n, q in model.named_parameters() if q is p), "a parameter")
            raise _Diverged(f"the gradient of {name} became NaN/Inf")


def _lr(optimizer):
    """The learning rate to record: the (first) optimizer's."""
    return float((optimizer[0] if isinstance(optimizer, (tuple, list)) else optimizer).lr)


# ---------------------------------------------------------------- checks, once per fit


def _check_model(model, func):
    is_model = not isinstance(model, type) and all(callable(getattr(model, method, None))
                                                   for method in ("parameters", "train", "eval"))
    if not is_model:
        raise TypeError(f"{func}: model must be a model (an nn.Module: parameters(), train(), eval()), got "
                        f"{type(model).__name__} {model!r:.60}; e.g. mg.models.Autoencoder([64, 16, 4]).")


def _check_data(model, X, y, val, func):
    """(X, y, X_val, y_val) as arrays; integer, empty or non-finite data, mismatched labels, and (for a model of
    the family) data of the wrong width or range are refused here, before any training."""
    if X is None:
        raise TypeError(f"{func}: no {'training ' * (func == 'fit')}data; pass X=array of shape (n_samples, "
                        "n_features), e.g. fit(model, X=X_train, epochs=10, batch_size=64, optimizer=...).")
    X, y = _samples(X, "X", func), _labels(y, X, "y", func)
    X_val, y_val = _split_val(val, y)
    if X_val is not None:
        X_val = _samples(X_val, "X_val", func)
        y_val = _labels(y_val, X_val, "y_val", func)
    check = getattr(model, "check_data", None)
    if check is not None:
        check(X, func)
        if X_val is not None:
            check(X_val, func, "X_val")
    return X, y, X_val, y_val


def _samples(X, name, func):
    X = float_data(X, name, func)
    if X.ndim == 0 or len(X) == 0:
        raise ValueError(f"{func}: {name} has no samples (shape {X.shape}). Check the slice or the filter that "
                         "built it.")
    if not np.isfinite(X).all():
        bad = ~np.isfinite(X.reshape(len(X), -1)).all(axis=1)
        raise ValueError(f"{func}: {name} holds NaN/Inf in {bad.sum()} of its {len(X)} samples (the first is row "
                         f"{np.flatnonzero(bad)[0]}); drop or repair those samples before training, e.g. "
                         f"{name} = {name}[np.isfinite({name}).all(axis=1)].")
    return X


def _labels(y, X, name, func):
    if y is None:
        return None
    y = numeric_array(y, name, func)
    if y.ndim == 0 or len(y) != len(X):
        x_name = "X_val" if name == "y_val" else "X"
        raise ValueError(f"{func}: {x_name} has {len(X)} samples but {name} has shape {y.shape}; pass one label per "
                         f"row of {x_name}.")
    return y


def _check_loss_fn(model, loss_fn, y, func):
    batch = ("model", "xb") if y is None else ("model", "xb", "yb")
    if loss_fn is not None:
        if not callable(loss_fn):
            raise TypeError(f"{func}: loss_fn must be a function loss_fn(model, xb) -> loss Tensor, got "
                            f"{type(loss_fn).__name__}. To train on the model's own loss, leave it out and pass "
                            f"the data by name: {func}(model, X=X, ...).")
        return _check_signature(loss_fn, "loss_fn", batch, func)
    name = type(model).__name__
    if not callable(getattr(model, "loss", None)):
        raise TypeError(f"{func}: {name} has no loss method, so {func} needs loss_fn(model, xb) -> scalar loss "
                        "Tensor, e.g. loss_fn=lambda m, xb: F.mse_loss(m(xb), xb).")
    if y is not None and "y" not in inspect.signature(model.loss).parameters:
        raise TypeError(f"{func}: got labels y, but {name}.loss takes none; pass a loss_fn(model, xb, yb) that "
                        "uses them, e.g. loss_fn=lambda m, xb, yb: m.classification_loss(xb, yb).")
    return model_loss


def _check_helpers(step, on_epoch, schedule, early_stopping, y):
    """The functions and objects fit calls back: callable with the arguments fit passes, or with the methods."""
    batch = "xb" if y is None else "(xb, yb)"
    if step is not None:
        _check_signature(step, "step", ("model", batch, "optimizer"), "fit")
    if on_epoch is not None:
        _check_signature(on_epoch, "on_epoch", ("model", "history"), "fit")
    for name, value, needs, example in (("schedule", schedule, ("step", "per_batch"),
                                         "mg.optim.StepLR(optimizer, step_size=10)"),
                                        ("early_stopping", early_stopping, ("step", "restore"),
                                         "mg.optim.EarlyStopping(patience=5)")):
        if value is not None and not all(hasattr(value, attribute) for attribute in needs):
            raise TypeError(f"fit: {name} must be an object with {', '.join(needs)}, e.g. {name}={example}, got "
                            f"{type(value).__name__} {value!r:.40}.")


def _check_signature(function, name, arguments, func):
    """``function`` if it can be called with these (positional) ``arguments``; refused, naming them, if not."""
    if not callable(function):
        raise TypeError(f"{func}: {name} must be a function {name}({', '.join(arguments)}), got "
                        f"{type(function).__name__} {function!r:.40}.")
    try:
        inspect.signature(function).bind(*arguments)
    except TypeError:
        raise TypeError(f"{func}: {name} is called as {name}({', '.join(arguments)}), which "
                        f"{getattr(function, '__name__', name)}{inspect.signature(function)} cannot take.") from None
    except ValueError:   # no signature to read (some builtins): let the call itself tell
        pass
    return function


def _check_optimizers(model, optimizer):
    """One optimizer (or a tuple, for a custom step), each updating some of this model's parameters."""
    if optimizer is None:
        raise TypeError("fit: no optimizer; build one over the model's parameters, e.g. "
                        "optimizer=mg.optim.Adam(model.parameters(), lr=1e-3).")
    own = {id(p) for p in model.parameters()}
    if isinstance(optimizer, (tuple, list)) and not optimizer:
        raise TypeError("fit: optimizer is an empty list; pass one optimizer (or a tuple of them for a custom step).")
    for opt in optimizer if isinstance(optimizer, (tuple, list)) else [optimizer]:
        if not (callable(getattr(opt, "step", None)) and callable(getattr(opt, "zero_grad", None))):
            raise TypeError(f"fit: optimizer must be an optimizer from mg.optim (with zero_grad() and step()), got "
                            f"{type(opt).__name__} {opt!r}; e.g. optimizer=mg.optim.Adam(model.parameters(), lr=1e-3).")
        if not any(id(p) in own for p in opt.params):
            raise ValueError(f"fit: the {type(opt).__name__} optimizer holds none of this {type(model).__name__}'s "
                             f"parameters, so training would change nothing (was it built on another model?); "
                             f"build it on this one: {type(opt).__name__}(model.parameters(), ...).")


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
