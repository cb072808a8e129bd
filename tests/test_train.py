"""Tests for minigrad_ae.train.fit: learning, the history, early stopping, schedules, NaN stops, quiet output."""
import dataclasses
import io
import json
import sys

import numpy as np
import pytest

import minigrad_ae as mg
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


# ---------------------------------------------------------------- the model's own loss, steps, callbacks


def small_autoencoder(seed=0, **kwargs):
    return mg.models.Autoencoder([64, 16, 4], rng=np.random.default_rng(seed), **kwargs)


def test_without_a_loss_fn_fit_trains_on_the_models_own_loss():
    X = load_digits()[0][:200]
    runs = {}
    for name, loss_fn in [("default", None), ("explicit", lambda m, xb: m.loss(xb))]:
        model = small_autoencoder()
        runs[name] = fit(model, loss_fn, X, epochs=2, batch_size=50, optimizer=Adam(model.parameters(), lr=1e-2),
                         rng=np.random.default_rng(1))
    assert runs["default"].train_loss == runs["explicit"].train_loss
    assert runs["default"].losses == {"loss": runs["default"].train_loss}
    assert evaluate(model, X=X) == pytest.approx(evaluate(model, lambda m, xb: m.loss(xb), X), rel=1e-12)


def test_a_custom_step_trains_and_every_loss_it_names_is_recorded():
    calls = []

    def step(model, xb, optimizers):
        first, second = optimizers
        calls.append(len(xb))
        losses = {}
        for name, optimizer in (("half", first), ("all", second)):
            loss = F.mse_loss(model(xb), xb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses[name] = loss.item()
        return losses

    rng = np.random.default_rng(0)
    model = linear(6, 6, rng)
    optimizers = (SGD([model.weight], lr=0.01), SGD(model.parameters(), lr=0.02))
    history = fit(model, X=low_rank_data(rng, n=40), epochs=3, batch_size=16, optimizer=optimizers, step=step,
                  rng=rng)
    assert calls == [16, 16, 8] * 3
    assert list(history.losses) == ["half", "all"] and history.train_loss == history.losses["half"]
    assert history.lr == [0.01] * 3  # the first optimizer's
    assert history.losses["all"][-1] < history.losses["all"][0]
    assert "half loss" in history.summary() and "all loss" in history.summary()


def test_on_epoch_runs_after_every_epoch_in_eval_mode_and_matches_epoch_by_epoch_calls():
    X = load_digits()[0][:120]
    seen = []

    def record(model, history):
        seen.append((history.epochs, model.training, model.reconstruction_error(X[:5]).mean()))

    model = small_autoencoder(3)
    fit(model, X=X, epochs=3, batch_size=40, optimizer=Adam(model.parameters(), lr=1e-2),
        rng=np.random.default_rng(4), on_epoch=record)
    assert [(epoch, training) for epoch, training, _ in seen] == [(1, False), (2, False), (3, False)]

    stepwise, batch_rng = small_autoencoder(3), np.random.default_rng(4)
    optimizer, measured = Adam(stepwise.parameters(), lr=1e-2), []
    for _ in range(3):  # what lessons did before on_epoch: one fit call per epoch, measuring in between
        fit(stepwise, X=X, epochs=1, batch_size=40, optimizer=optimizer, rng=batch_rng)
        measured.append(stepwise.reconstruction_error(X[:5]).mean())
    assert [error for _, _, error in seen] == measured
    assert all(np.array_equal(a, b) for a, b in zip(model.state_dict().values(), stepwise.state_dict().values()))


# ---------------------------------------------------------------- bad input, refused where it enters fit


def bce_autoencoder():
    return mg.models.Autoencoder([64, 8], recon="bce", rng=np.random.default_rng(0))


def adam(model):
    return Adam(model.parameters(), lr=1e-3)


def test_uint8_images_are_refused_with_the_scaling_to_apply():
    """Before: trained silently, BCE loss −169354.6 (targets far outside [0, 1])."""
    images = (load_digits()[0][:50] * 255).astype(np.uint8)
    model = bce_autoencoder()
    with pytest.raises(TypeError, match=r"fit: X holds integers \(dtype uint8, values 0..255\).*scaled to \[0, 1\]; "
                                        r"convert and scale the images: X = X.astype\(np.float32\) / 255"):
        fit(model, X=images, epochs=1, batch_size=10, optimizer=adam(model))
    sequential = nn.Sequential(nn.Linear(64, 8), nn.Linear(8, 64))  # any model: the data are checked by fit
    with pytest.raises(TypeError, match=r"X = X.astype\(np.float32\) / 255"):
        fit(sequential, lambda m, xb: F.binary_cross_entropy_with_logits(m(xb), xb), images, 1, 10, adam(sequential))


def test_integer_digits_0_to_16_are_refused_with_the_scaling_to_apply():
    """Before: trained silently to a loss of 53.9 (a sigmoid output cannot reach 16)."""
    raw = np.rint(load_digits()[0][:50] * 16).astype(np.int64)
    model = small_autoencoder()
    with pytest.raises(TypeError, match=r"fit: X holds integers \(dtype int64, values 0..16\).*"
                                        r"X = X.astype\(np.float32\) / 16"):
        fit(model, X=raw, epochs=1, batch_size=10, optimizer=adam(model))
    with pytest.raises(TypeError, match=r"fit: X_val holds integers"):
        fit(model, X=raw / 16.0, val=raw, epochs=1, batch_size=10, optimizer=adam(model))


def test_float_images_outside_0_1_are_refused_for_bce_and_warned_about_for_a_sigmoid_output():
    unscaled = load_digits()[0][:50] * 255
    model = bce_autoencoder()
    with pytest.raises(ValueError, match=r"fit: recon='bce' reads every value of X as a probability in \[0, 1\].*"
                                         r"values in \[0, 255\]\. Scale the images: X / 255"):
        fit(model, X=unscaled, epochs=1, batch_size=10, optimizer=adam(model))
    model = small_autoencoder()
    with pytest.warns(UserWarning, match=r"fit: X has values in \[0, 255\], but Autoencoder's recon='sigmoid_mse' "
                                         r"output only reaches \(0, 1\).*X / 255"):
        fit(model, X=unscaled, epochs=1, batch_size=10, optimizer=adam(model))
    with pytest.raises(ValueError, match=r"fit: X must be a batch of shape \(batch, 64\).*got shape \(50, 8, 8\)"):
        fit(model, X=unscaled.reshape(50, 8, 8) / 255, epochs=1, batch_size=10, optimizer=adam(model))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(batch_size=0), ValueError, r"fit: batch_size must be an integer >= 1, got 0"),
    (dict(epochs=2.5), TypeError, r"fit: epochs must be an integer, got float 2.5"),
    (dict(X=np.zeros((0, 64), np.float32)), ValueError, r"fit: X has no samples \(shape \(0, 64\)\)"),
    (dict(X=None), TypeError, r"fit: no training data; pass X=array"),
    (dict(optimizer=None), TypeError, r"fit: no optimizer; build one over the model's parameters, e.g. "
                                      r"optimizer=mg.optim.Adam\(model.parameters\(\), lr=1e-3\)"),
    (dict(optimizer="adam"), TypeError, r"fit: optimizer must be an optimizer from mg.optim"),
    (dict(loss_fn=np.ones((4, 64))), TypeError, r"fit: loss_fn must be a function .* got ndarray.*fit\(model, X=X"),
    (dict(y=np.arange(10)), ValueError, r"fit: X has 20 samples but y has shape \(10,\)"),
    (dict(y=np.arange(20)), TypeError, r"fit: got labels y, but Autoencoder.loss takes none"),
])
def test_bad_arguments_are_refused_before_training(kwargs, error, message):
    model = small_autoencoder()
    arguments = dict(X=load_digits()[0][:20], epochs=1, batch_size=10, optimizer=adam(model)) | kwargs
    start = model.state_dict()
    with pytest.raises(error, match=message):
        fit(model, **arguments)
    assert all(np.array_equal(start[k], v) for k, v in model.state_dict().items())  # nothing trained


def test_an_optimizer_over_another_models_parameters_is_refused():
    """Before: trained silently, and the model never changed."""
    model, other = small_autoencoder(0), small_autoencoder(1)
    with pytest.raises(ValueError, match=r"fit: the Adam optimizer holds none of this Autoencoder's parameters, so "
                                         r"training would change nothing \(was it built on another model\?\)"):
        fit(model, X=load_digits()[0][:20], epochs=1, batch_size=10, optimizer=adam(other))


def test_nan_in_the_data_is_refused_with_the_row():
    X = load_digits()[0][:20].copy()
    X[7, 3] = np.nan
    model = small_autoencoder()
    with pytest.raises(ValueError, match=r"fit: X holds NaN/Inf in 1 of its 20 samples \(the first is row 7\)"):
        fit(model, X=X, epochs=1, batch_size=10, optimizer=adam(model))


def test_a_step_must_return_named_losses():
    model = small_autoencoder()
    with pytest.raises(TypeError, match=r"fit: a step must return a dict of named losses, e.g. \{'loss': 0.31\}"):
        fit(model, X=load_digits()[0][:20], epochs=1, batch_size=10, optimizer=adam(model),
            step=lambda m, xb, opt: 0.5)


def test_lists_are_accepted_like_arrays():
    X = load_digits()[0][:40]
    runs = []
    for data in (X, X.tolist()):
        model = small_autoencoder()
        runs.append(fit(model, X=data, epochs=1, batch_size=10, optimizer=adam(model),
                        rng=np.random.default_rng(2)).train_loss)
    assert runs[0] == pytest.approx(runs[1], rel=1e-6)
