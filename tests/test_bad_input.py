"""Issue 15's table of student mistakes, row by row: each is refused with a message that names the function and
the fix (tests/test_fuzz.py throws every kind of bad input at every public function; these are the rows as the
issue wrote them, and the new checks the fuzzing led to).

Rows tested where their code lives:
* uint8 images + BCE + fit, integer images 0..16 into fit, fit(batch_size=0), fit(optimizer=None), an optimizer
  on another model's parameters, fit on an empty data set: tests/test_train.py
* model(X[:3].tolist()): tests/test_model_interface.py::test_lists_and_tuples_are_read_like_arrays
* Autoencoder(64), Autoencoder.loss(x) with BCE on uint8 images: tests/test_models_autoencoder.py
* truncated .npz (no ResourceWarning), non-JSON __meta__, non-scalar __format_version__, missing __shapes__:
  tests/test_io.py
"""
import os

import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F


def digits(n=20):
    return mg.data.load_digits()[0][:n]


# ---------------------------------------------------------------- the table's remaining rows


@pytest.mark.parametrize("loss", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
@pytest.mark.parametrize("target", [255, np.full((2, 3), 255.0), np.array([[0, 128, 255]] * 2, np.uint8)])
def test_bce_with_targets_up_to_255_says_to_scale_the_images(loss, target):
    """Before: a negative, unbounded loss (targets far outside [0, 1]); a scalar 255 was a shape error."""
    with pytest.raises(ValueError, match=rf"{loss.__name__}: target holds values from \d+ to 255; BCE needs targets "
                                         r"in \[0, 1\].*Scale the images: X / 255"):
        loss(mg.tensor(np.full((2, 3), 0.5)), target)


@pytest.mark.parametrize("model", [mg.models.Autoencoder([64, 16, 4], rng=np.random.default_rng(0)),
                                   nn.Sequential(nn.Linear(64, 16, rng=np.random.default_rng(0)))])
def test_one_8x8_image_into_a_64_input_model_suggests_a_batch_of_one_first(model):
    """Before: the model's message suggested x.reshape(len(x), -1), which keeps an 8×8 image 8×8."""
    with pytest.raises(mg.ShapeError, match=r"(Autoencoder.encode|linear): .*shape \(8, 8\).* Fix: it looks like one "
                                            r"sample: flatten it to a batch of one, x.reshape\(1, 64\)"):
        model(digits(1)[0].reshape(8, 8))
    with pytest.raises(mg.ShapeError, match=r"Fix: flatten each sample: x.reshape\(len\(x\), 64\)"):
        model(digits(5).reshape(5, 8, 8))
    assert model(digits(1)[0].reshape(8, 8).reshape(1, 64)).shape[0] == 1   # and the fix works


def test_mse_loss_in_float32_is_accurate_on_a_large_batch():
    """Before: a float32 sum over 10000×784 squares drifted by 6.4e-5 relative."""
    rng = np.random.default_rng(0)
    x, y = rng.random((10000, 784), dtype=np.float32), rng.random((10000, 784), dtype=np.float32)
    exact = np.mean((x.astype(np.float64) - y) ** 2)
    loss = F.mse_loss(mg.tensor(x), y)
    assert loss.dtype == np.float32 and abs(loss.item() - exact) / exact < 1e-6


# ---------------------------------------------------------------- lists and tuples wherever data enters


@pytest.mark.parametrize("call", [
    lambda x: F.relu(x), lambda x: F.sigmoid(x), lambda x: F.softmax(x), lambda x: F.dropout(x, 0.0),
    lambda x: F.mse_loss(x, x), lambda x: F.l1_loss(x, x), lambda x: F.binary_cross_entropy_with_logits(x, x),
    lambda x: F.linear(x, np.ones((2, 3)), [0.5, -0.5]), lambda x: nn.Linear(3, 2, rng=np.random.default_rng(0))(x),
    lambda x: nn.Flatten()(x), lambda x: mg.cat([x, x]), lambda x: mg.stack([x, x]),
    lambda x: mg.data.gaussian_noise(x, 0.1, np.random.default_rng(0)),
])
def test_lists_where_arrays_go_give_what_the_array_gives(call):
    """Before: F.* and the ops refused lists ('MSE: got a list ...'), while fit and the models took them."""
    x = np.array([[0.25, 0.5, 0.75], [0.1, 0.2, 0.3]], np.float32)
    expected = call(x)
    for as_list in (x.tolist(), tuple(map(tuple, x.tolist()))):
        got = call(as_list)
        np.testing.assert_allclose(mg.as_array(got), mg.as_array(expected), rtol=1e-6)


def test_a_list_of_samples_is_a_data_set_for_batches_and_split():
    X = digits(10)
    assert [b.tolist() for b in mg.data.batches(X.tolist(), batch_size=4, shuffle=False)] == [
        b.tolist() for b in mg.data.batches(X, batch_size=4, shuffle=False)]
    assert mg.data.train_test_split(X.tolist(), rng=np.random.default_rng(0))[0].shape == (8, 64)


# ---------------------------------------------------------------- what the fuzzing found


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.mse_loss(None, np.ones(3)), TypeError, r"mse_loss: input must be a real-valued array, got dtype object"),
    (lambda: F.relu(np.ones(3, complex)), TypeError, r"relu: x must be a real-valued array, got dtype complex128"),
    (lambda: F.linear(np.ones((2, 3)), "w"), TypeError, r"linear: weight must be a real-valued array"),
    (lambda: F.l1_penalty(np.zeros((0, 4))), ValueError, r"l1_penalty: h of shape \(0, 4\) is empty .* mean of no elements"),
    (lambda: F.batch_norm(np.ones((4, 3)), None, None, np.ones(3), np.zeros(3)), TypeError,
     r"batch_norm: running_mean must be a float array of shape \(3,\), updated in place"),
    (lambda: F.log_softmax(np.ones((2, 3)), axis=2), mg.ShapeError, r"log_softmax: axis=2 is out of range"),
    (lambda: mg.cat(mg.tensor(np.ones((2, 3)))), TypeError, r"cat: tensors must be a list or tuple of tensors"),
    (lambda: mg.stack([np.ones(2), np.ones(3)]), mg.ShapeError, r"stack: tensors\[1\] has shape \(3,\)"),
    (lambda: mg.chunk(mg.tensor(np.ones(4)), 0), ValueError, r"chunk: chunks must be an integer >= 1, got 0"),
    (lambda: mg.zeros((2, -1)), ValueError, r"zeros: size \(2, -1\) has a negative size"),
    (lambda: mg.tensor([1.0], dtype=np.complex64), TypeError, r"tensor: dtype must be np.float32, np.float64 or an"),
    (lambda: nn.Linear(3, 2, rng=0), TypeError, r"Linear: rng must be a numpy.random.Generator"),
    (lambda: nn.Linear(3, 2, dtype=np.int64), TypeError, r"Linear: dtype must be np.float32 or np.float64"),
    (lambda: mg.models.VAE(6, 4, 2, dtype=np.float16), TypeError, r"VAE: dtype must be np.float32 or np.float64"),
    (lambda: nn.init.normal_(nn.Parameter(np.ones((2, 2))), std=-1.0), ValueError,
     r"nn.init.normal_: std must be a finite number >= 0, got -1.0"),
    (lambda: nn.init.kaiming_normal_(nn.Parameter(np.ones((2, 2))), nonlinearity="gelu"), ValueError,
     r"nn.init.kaiming_normal_: unknown nonlinearity 'gelu'"),
    (lambda: mg.models.AdversarialAutoencoder(6, None, 2, 4), ValueError,
     r"AdversarialAutoencoder: hidden must be a positive int or a list"),
    (lambda: mg.models.VAE(6, 4, 2).sample(2.5), TypeError, r"VAE.sample: n \(the number of samples\) must be an"),
    (lambda: mg.models.pca(np.full((4, 3), np.nan), 2), ValueError, r"pca: X holds NaN/Inf"),
])
def test_found_by_fuzzing_refused_with_the_function_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def fit_arguments(**changes):
    model = mg.models.Autoencoder([64, 8], rng=np.random.default_rng(0))
    return dict(model=model, X=digits(), epochs=1, batch_size=10,
                optimizer=mg.optim.Adam(model.parameters(), lr=1e-3)) | changes


@pytest.mark.parametrize("changes, error, message", [
    (dict(loss_fn=lambda m, xb: 0.5), TypeError, r"fit: the loss function must return the batch's loss as a scalar "
                                                  r"Tensor.*got float"),
    (dict(loss_fn=lambda m, xb: m(xb)), ValueError, r"fit: the loss function returned a Tensor of shape \(10, 64\)"),
    (dict(loss_fn=lambda m: m), TypeError, r"fit: loss_fn is called as loss_fn\(model, xb\)"),
    (dict(val=np.full((4, 64), np.nan)), ValueError, r"fit: X_val holds NaN/Inf in 4 of its 4 samples"),
    (dict(val=np.zeros((0, 64))), ValueError, r"fit: X_val has no samples"),
    (dict(X=digits()[0]), mg.ShapeError, r"fit: X must be a data set of shape \(n_samples, 64\), got shape \(64,\)"),
    (dict(schedule=3), TypeError, r"fit: schedule must be an object with step, per_batch"),
    (dict(on_epoch="plot"), TypeError, r"fit: on_epoch must be a function on_epoch\(model, history\)"),
    (dict(optimizer=[]), TypeError, r"fit: optimizer is an empty list"),
    (dict(model=nn.Linear), TypeError, r"fit: model must be a model"),
])
def test_fit_refuses_bad_helpers_before_training(changes, error, message):
    """Before: AttributeError ('float' object has no attribute 'item'), ZeroDivisionError, IndexError, or the
    error of a later call."""
    with pytest.raises(error, match=message):
        mg.fit(**fit_arguments(**changes))


def test_evaluate_checks_its_data_as_fit_does():
    model = mg.models.Autoencoder([64, 8], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"evaluate: X has no samples"):   # before: ZeroDivisionError
        mg.evaluate(model, X=digits()[:0])
    with pytest.raises(TypeError, match=r"evaluate: model must be a model"):   # before: AttributeError
        mg.evaluate(None, X=digits())


def test_paths_are_checked_where_they_enter(tmp_path):
    """Before: read_idx(3) opened and then closed file descriptor 3; the others were bare OSErrors."""
    read_end, write_end = os.pipe()
    try:
        with pytest.raises(TypeError, match=r"read_idx: path must be a file name \(a str or pathlib.Path\), got int"):
            mg.data.read_idx(read_end)
        os.fstat(read_end)   # still open
    finally:
        os.close(read_end)
        os.close(write_end)
    with pytest.raises(FileNotFoundError, match=r"load: there is no file '.*missing.npz'"):
        mg.load(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match=r"load: '.*' is a folder, not a file"):
        mg.load(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"save: the folder '.*nowhere' does not exist; create it first"):
        mg.save(tmp_path / "nowhere" / "model.npz", {"w": np.ones(2)})
    with pytest.raises(TypeError, match=r"save: module_or_state must be a Module or a state dict"):
        mg.save(tmp_path / "model.npz", None)


def test_a_sparse_model_that_diverged_stops_fit_with_its_warning():
    """NaN codes give a NaN sparsity penalty (before: kl_sparsity raised about ReLU activations), so fit's NaN
    stop takes over, as for every other model."""
    model = mg.models.SparseAutoencoder(64, 8, rng=np.random.default_rng(0))
    model.encoder.weight.data[0, 0] = np.nan
    with pytest.warns(RuntimeWarning, match=r"the loss became nan at epoch 1, batch 1"):
        history = mg.fit(model, X=digits(), epochs=1, batch_size=10,
                         optimizer=mg.optim.Adam(model.parameters(), lr=1e-3))
    assert history.stopped_early
