"""StackedAutoencoder and minigrad_ae.pretraining: greedy pretraining really freezes the layers below, each
phase lowers its own loss, and supervised fine-tuning turns the codes into a digit classifier."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.models.stacked import StackedAutoencoder
from minigrad_ae.pretraining import fine_tune, pretrain, pretrain_layer


@pytest.fixture(scope="module")
def digits():
    X, y = mg.data.load_digits()
    return X[:600], y[:600], X[600:900], y[600:900]


def snapshot(module):
    return {name: p.data.copy() for name, p in module.named_parameters()}


def moved(before, module):
    """The names of the parameters of ``module`` that differ from ``before``."""
    return {name for name, p in module.named_parameters() if not np.array_equal(before[name], p.data)}


def test_pretraining_trains_one_layer_at_a_time_and_freezes_the_ones_below(digits):
    X = digits[0]
    model = StackedAutoencoder([64, 24, 12], rng=np.random.default_rng(0))
    start = snapshot(model)

    pretrain_layer(model, 0, X, epochs=2, batch_size=64, lr=1e-2, rng=np.random.default_rng(1))
    assert moved(start, model) == {"encoder.0.0.weight", "encoder.0.0.bias", "decoders.0.0.weight", "decoders.0.0.bias"}
    assert all(not p.requires_grad and p.grad is None for p in model.encoder[0].parameters())

    after_phase_0 = snapshot(model)
    pretrain_layer(model, 1, X, epochs=2, batch_size=64, lr=1e-2, rng=np.random.default_rng(2))
    assert moved(after_phase_0, model) == {"encoder.1.0.weight", "encoder.1.0.bias", "decoders.1.0.weight",
                                           "decoders.1.0.bias"}
    for name, p in model.encoder[0].named_parameters():  # frozen: bit-identical, never given a gradient
        assert np.array_equal(p.data, after_phase_0[f"encoder.0.{name}"])
        assert p.grad is None
    assert not any(p.requires_grad for p in model.encoder.parameters())


def test_each_pretraining_phase_lowers_its_own_loss(digits):
    X = digits[0]
    model = StackedAutoencoder([64, 24, 12], activation="leaky_relu", rng=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    for k in range(model.n_layers):
        with mg.no_grad():
            before = model.layer_loss(k, X).item()
        history = pretrain_layer(model, k, X, epochs=3, batch_size=32, lr=1e-2, rng=rng)
        with mg.no_grad():
            after = model.layer_loss(k, X).item()
        assert after < 0.7 * before, (k, before, after)
        assert history.train_loss[-1] < history.train_loss[0]


def test_pretrain_returns_one_history_per_layer_and_the_unrolled_model_reconstructs(digits):
    X = digits[0][:100]
    model = StackedAutoencoder([64, 32, 16, 8], rng=np.random.default_rng(5))
    histories = pretrain(model, X, epochs=1, batch_size=50, rng=np.random.default_rng(6))
    assert [h.epochs for h in histories] == [1, 1, 1]
    assert model(X).shape == X.shape and model.encode(X).shape == (100, 8)
    assert np.isfinite(model.loss(X).item())


def test_fine_tuning_after_pretraining_classifies_held_out_digits(digits):
    X, y, X_test, y_test = digits
    model = StackedAutoencoder([64, 32, 16], n_classes=10, rng=np.random.default_rng(7))
    pretrain(model, X, epochs=3, batch_size=32, lr=1e-2, rng=np.random.default_rng(8))
    chance = model.accuracy(X_test, y_test)
    history = fine_tune(model, X, y, epochs=20, batch_size=32, lr=1e-2, rng=np.random.default_rng(9))
    accuracy = model.accuracy(X_test, y_test)
    assert chance < 0.4 and accuracy > 0.8, (chance, accuracy)
    assert history.train_loss[-1] < history.train_loss[0]
    assert all(p.requires_grad for p in model.parameters())  # fine-tuning unfroze the stack
    assert model.predict(X_test[:5]).shape == (5,)


def test_fine_tuning_with_a_frozen_encoder_trains_only_the_head(digits):
    X, y = digits[0][:200], digits[1][:200]
    model = StackedAutoencoder([64, 16], n_classes=10, rng=np.random.default_rng(10))
    start = snapshot(model)
    fine_tune(model, X, y, epochs=1, batch_size=50, freeze_encoder=True, rng=np.random.default_rng(11))
    assert moved(start, model) == {"head.weight", "head.bias"}


def test_relu_codes_as_in_the_pytorch_material(digits):
    """activation='relu': Linear + ReLU per layer; deeper decoders rebuild unbounded codes with no activation."""
    model = StackedAutoencoder([64, 32, 16], activation="relu", recon="mse", rng=np.random.default_rng(13))
    kinds = lambda seq: [type(m).__name__ for m in seq]  # noqa: E731
    assert [kinds(layer) for layer in model.encoder] == [["Linear", "ReLU"]] * 2
    assert [kinds(decoder) for decoder in model.decoders] == [["Linear", "Identity"]] * 2
    X = digits[0][:100]
    history = pretrain_layer(model, 0, X, epochs=3, batch_size=20, lr=1e-2, rng=np.random.default_rng(14))
    assert history.train_loss[-1] < history.train_loss[0]
    assert np.all(model.encode(X).data >= 0)


@pytest.mark.parametrize("sizes", [[64], [64, 0], [64, 2.5], [64, True]])
def test_bad_sizes_are_refused_with_an_example(sizes):
    with pytest.raises(ValueError, match=r"StackedAutoencoder: sizes .*\[64, 48, 32\]"):
        StackedAutoencoder(sizes)


def test_sizes_that_are_not_a_list_are_refused_with_an_example():
    with pytest.raises(TypeError, match=r"StackedAutoencoder: sizes must be a list .*\[64, 48, 32\]; got str '64-32'"):
        StackedAutoencoder("64-32")


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_classes=1), r"n_classes \(None for no classifier head\) must be an integer >= 2"),
    (dict(activation="gelu"), "activation must be one of 'relu', 'leaky_relu', 'sigmoid', 'tanh'"),
    (dict(recon="tanh_mse"), "recon must be one of 'sigmoid_mse', 'mse'"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        StackedAutoencoder([64, 16], **kwargs)


def test_classifying_without_n_classes_says_how_to_fix_it(digits):
    X, y = digits[0][:10], digits[1][:10]
    model = StackedAutoencoder([64, 16], rng=np.random.default_rng(12))
    for call in (lambda: fine_tune(model, X, y, epochs=1), lambda: model.predict(X), lambda: model.accuracy(X, y)):
        with pytest.raises(ValueError, match=r"without n_classes.*n_classes=10"):
            call()
    with pytest.raises(ValueError, match=r"pretrain_layer: k \(the layer to pretrain\) must be an integer from 0 to 0"):
        pretrain_layer(model, 1, X, epochs=1)
    with pytest.raises(TypeError, match=r"pretrain: needs a StackedAutoencoder .*, got Autoencoder"):
        pretrain(mg.models.Autoencoder([64, 16]), X, epochs=1)
