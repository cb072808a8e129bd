"""Tests for minigrad_ae.train.fit: learning, the history, early stopping, schedules, NaN stops, quiet output."""
import dataclasses
import io
import json
import sys

import numpy as np
import pytest

from minigrad_ae import nn
from minigrad_ae.data import load_digits
from minigrad_ae.nn import functional as F
from minigrad_ae.optim import SGD, Adam, CyclicLR, EarlyStopping, StepLR
from minigrad_ae.train import History, evaluate, fit


def linear(n_in, n_out, rng, dtype=np.float64):
    return nn.Linear(n_in, n_out, rng=rng, dtype=dtype)


def mse(model, xb):
    return F.mse_loss(model(xb), xb)


def low_rank_data(rng, n=96):
    """Points on a fixed 2-d plane in 6-d, so a validation set from another call shares the structure."""
    basis = np.random.default_rng(42).normal(size=(2, 6))
    return rng.normal(size=(n, 2)) @ basis


def test_fit_learns_and_fills_the_history():
    rng = np.random.default_rng(0)
    X, X_val = low_rank_data(rng), low_rank_data(rng, n=32)
    model = linear(6, 6, rng)
    history = fit(model, mse, X, epochs=15, batch_size=16, optimizer=SGD(model.parameters(), lr=0.05),
                  val=X_val, rng=rng)
    assert history.train_loss[-1] < 0.3 * history.train_loss[0]
    assert history.val_loss[-1] < 0.3 * history.val_loss[0]
    assert history.epochs == len(history.val_loss) == len(history.lr) == len(history.time) == 15
    assert history.lr == [0.05] * 15 and all(t > 0 for t in history.time)
    assert not history.stopped_early and history.stop_reason == ""
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert not model.training  # left in eval mode, ready for inference
    json.dumps(dataclasses.asdict(history))  # plain floats: storable as checkpoint meta
    assert "15 epochs" in history.summary() and "best epoch" in history.summary()
    assert repr(history).startswith("History(epochs=15")


def test_epoch_loss_is_the_per_sample_mean():
    rng = np.random.default_rng(1)
    X = low_rank_data(rng, n=50)
    model = linear(6, 6, rng)
    history = fit(model, mse, X, epochs=1, batch_size=50, optimizer=SGD(model.parameters(), lr=1e-9), rng=rng)
    assert history.val_loss == [] and history.best_epoch == 1
    assert history.train_loss[0] == pytest.approx(evaluate(model, mse, X, batch_size=7), rel=1e-6)


def test_same_rng_seed_gives_the_same_run():
    def run():
        rng = np.random.default_rng(3)
        X = low_rank_data(rng)
        model = linear(6, 6, rng)
        fit(model, mse, X, epochs=3, batch_size=10, optimizer=SGD(model.parameters(), lr=0.05), rng=rng)
        return model.state_dict()

    a, b = run(), run()
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_train_mode_and_graph_for_batches_eval_mode_and_no_graph_for_validation():
    seen = []

    def loss_fn(model, xb):
        loss = mse(model, xb)
        seen.append((model.training, loss.requires_grad))
        return loss

    rng = np.random.default_rng(2)
    model = linear(6, 6, rng)
    fit(model, loss_fn, low_rank_data(rng, n=20), epochs=2, batch_size=10, optimizer=SGD(model.parameters(), lr=0.01),
        val=low_rank_data(rng, n=5), rng=rng)
    assert seen == [(True, True)] * 2 + [(False, False)] + [(True, True)] * 2 + [(False, False)]


def test_early_stopping_stops_and_restores_the_best_weights():
    # Only the bias b learns, pulled from -1 towards the training mean 1; it passes the validation mean 0.4
    # on the way, so the val loss falls, then rises, and training stops `patience` epochs after the best.
    def loss_fn(model, xb):
        return ((model.bias - xb) ** 2).mean()

    def run(epochs, early_stopping=None):
        rng = np.random.default_rng(5)
        model = linear(1, 1, rng)
        model.bias.data[...] = -1.0
        history = fit(model, loss_fn, np.ones((8, 1)), epochs=epochs, batch_size=8,
                      optimizer=SGD(model.parameters(), lr=0.1), val=np.full((4, 1), 0.4),
                      early_stopping=early_stopping, rng=rng)
        return model, history

    model, history = run(50, EarlyStopping(patience=3))
    assert history.stopped_early and history.epochs == history.best_epoch + 3 < 50
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert "early stopping" in history.stop_reason and f"epoch {history.best_epoch}" in history.stop_reason
    best_model, _ = run(history.best_epoch)  # the same run, just ended at the best epoch
    np.testing.assert_array_equal(model.bias.data, best_model.bias.data)
    assert not model.training


def test_early_stopping_needs_validation_data():
    model = linear(2, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="pass val="):
        fit(model, mse, np.ones((4, 2)), 1, 2, SGD(model.parameters(), lr=0.1), early_stopping=EarlyStopping(2))


def test_per_batch_schedules_step_every_batch_and_history_records_the_epoch_lr():
    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    opt = SGD(model.parameters(), lr=0.01)
    schedule = CyclicLR(opt, base_lr=0.01, max_lr=0.05, step_size_up=4)
    history = fit(model, mse, low_rank_data(rng, n=30), epochs=3, batch_size=8, optimizer=opt,
                  schedule=schedule, rng=rng)
    assert schedule.last_epoch == 3 * 4  # ceil(30 / 8) = 4 batches per epoch
    assert history.lr == pytest.approx([0.01, 0.05, 0.01])  # a full triangle every 8 iterations


def test_per_epoch_schedules_step_once_per_epoch():
    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    opt = SGD(model.parameters(), lr=1.0)
    schedule = StepLR(opt, step_size=1, gamma=0.5)
    history = fit(model, mse, low_rank_data(rng, n=30), epochs=3, batch_size=8, optimizer=opt,
                  schedule=schedule, rng=rng)
    assert schedule.last_epoch == 3
    assert history.lr == [1.0, 0.5, 0.25]


def test_labels_reach_the_loss_and_val_must_match():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    model = linear(3, 2, rng)

    def loss_fn(model, xb, yb):
        return ((model(xb) - yb) ** 2).mean()

    history = fit(model, loss_fn, X, 2, 10, SGD(model.parameters(), lr=0.05), val=(X[:5], Y[:5]), y=Y, rng=rng)
    assert len(history.val_loss) == 2
    with pytest.raises(ValueError, match=r"\(X_val, y_val\)"):
        fit(model, loss_fn, X, 1, 10, SGD(model.parameters(), lr=0.05), val=X[:5], y=Y)
    with pytest.raises(ValueError, match="no y"):
        fit(model, mse, X, 1, 10, SGD(model.parameters(), lr=0.05), val=(X[:5], Y[:5]))


def test_nan_loss_stops_before_the_update_and_keeps_the_last_good_weights():
    calls, before = [], {}

    def loss_fn(model, xb):
        calls.append(len(calls))
        loss = mse(model, xb)
        if len(calls) == 7:  # epoch 2, batch 3 of 4
            before.update(model.state_dict())
            return loss * float("nan")
        return loss

    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    with pytest.warns(RuntimeWarning, match=r"loss became nan at epoch 2, batch 3/4.*lower learning rate"):
        history = fit(model, loss_fn, low_rank_data(rng, n=32), epochs=5, batch_size=8,
                      optimizer=SGD(model.parameters(), lr=0.05), rng=rng)
    assert len(calls) == 7
    assert all(np.array_equal(model.state_dict()[k], before[k]) for k in before)
    assert history.stopped_early and "epoch 2, batch 3/4" in history.stop_reason
    assert history.epochs == 1 and len(history.lr) == len(history.time) == 1  # only finished epochs


def test_nan_gradient_is_caught_before_the_update():
    def loss_fn(model, xb):  # finite loss, but d sqrt(u)/du = 1/(2 sqrt(u)) is infinite at u = 0
        return mse(model, xb) + (model.bias * 0.0).sqrt().sum()

    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    start = model.state_dict()
    match = "gradient of bias became NaN/Inf at epoch 1, batch 1/1"
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match=match):  # errstate: silence NumPy's own
        history = fit(model, loss_fn, low_rank_data(rng, n=8), 3, 8, SGD(model.parameters(), lr=0.05), rng=rng)
    assert all(np.array_equal(model.state_dict()[k], start[k]) for k in start)
    assert history.epochs == 0 and "gradient of bias" in history.summary()


def test_nan_validation_loss_stops_after_that_epoch():
    def loss_fn(model, xb):
        return mse(model, xb) * (1.0 if model.training else float("nan"))

    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    with pytest.warns(RuntimeWarning, match="validation loss became nan after epoch 1"):
        history = fit(model, loss_fn, low_rank_data(rng, n=8), 3, 8, SGD(model.parameters(), lr=0.05),
                      val=low_rank_data(rng, n=4), early_stopping=EarlyStopping(2), rng=rng)
    assert history.epochs == 1 and history.stopped_early and history.best_epoch is None


def test_divergence_stops_with_finite_weights():
    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="lower learning rate"):
        history = fit(model, mse, low_rank_data(rng, n=16), epochs=500, batch_size=16,
                      optimizer=SGD(model.parameters(), lr=10.0), rng=rng)
    assert history.stopped_early and history.epochs < 500
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_quiet_when_stderr_is_not_a_terminal(capsys):
    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    fit(model, mse, low_rank_data(rng, n=16), 2, 4, SGD(model.parameters(), lr=0.01), val=low_rank_data(rng, n=4),
        progress=True, rng=rng)
    assert capsys.readouterr() == ("", "")


def test_progress_line_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    fit(model, mse, low_rank_data(rng, n=16), 2, 4, SGD(model.parameters(), lr=0.01), val=low_rank_data(rng, n=4),
        rng=rng)
    lines = terminal.getvalue().split("\n")
    assert lines[0].startswith("\r") and "epoch 1/2" in lines[0] and "val" in lines[0]
    assert "epoch 2/2" in lines[1] and lines[2] == ""

    terminal.seek(0)
    terminal.truncate()
    fit(model, mse, low_rank_data(rng, n=16), 1, 4, SGD(model.parameters(), lr=0.01), progress=False, rng=rng)
    assert terminal.getvalue() == ""


def test_history_summary_without_epochs():
    assert "no finished epoch" in History().summary()


def test_a_small_autoencoder_on_digits_learns():
    rng = np.random.default_rng(0)
    X, _ = load_digits()
    X_train, X_val = X[:300], X[300:400]
    model = nn.Sequential(nn.Linear(64, 16, rng=rng), nn.ReLU(), nn.Linear(16, 64, rng=rng), nn.Sigmoid())
    history = fit(model, lambda m, xb: F.binary_cross_entropy(m(xb), xb), X_train, epochs=8, batch_size=32,
                  optimizer=Adam(model.parameters(), lr=3e-3), val=X_val, early_stopping=EarlyStopping(3), rng=rng)
    assert history.val_loss[-1] < 0.8 * history.val_loss[0]
    assert not any(m.training for m in model.modules())
