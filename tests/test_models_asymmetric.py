"""AsymmetricAutoencoder: sizes are checked, L = L_recon + α L_class + β L_sparse adds up, every term's
gradient is right (directional gradcheck in float64), and training lowers the loss."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.models.asymmetric import AsymmetricAutoencoder


def tiny_model(alpha=0.7, beta=0.3, seed=0):
    return AsymmetricAutoencoder([6, 5, 3], [3, 6], n_classes=4, alpha=alpha, beta=beta,
                                 rng=np.random.default_rng(seed), dtype=np.float64)


def tiny_batch(seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((8, 6)), rng.integers(4, size=8)


def test_encoder_and_decoder_have_independent_depths():
    model = AsymmetricAutoencoder([64, 48, 32, 8], [8, 64], rng=np.random.default_rng(0))
    linears = lambda seq: [m for m in seq if isinstance(m, mg.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears(model.encoder)] == [(64, 48), (48, 32), (32, 8)]
    assert [(m.in_features, m.out_features) for m in linears(model.decoder)] == [(8, 64)]
    X = np.random.default_rng(1).random((5, 64))
    assert model(X).shape == (5, 64) and model.encode(X).shape == (5, 8)


@pytest.mark.parametrize("encoder_sizes, decoder_sizes", [
    ([64, 32, 8], [4, 64]),        # the decoder does not start at the code size
    ([64, 32, 8], [8, 32, 60]),    # nor return to the input size
])
def test_encoder_and_decoder_must_meet_at_the_code_and_return_to_the_input(encoder_sizes, decoder_sizes):
    with pytest.raises(ValueError, match=r"decoder_sizes .* must run from the code size 8 back to the input size 64"):
        AsymmetricAutoencoder(encoder_sizes, decoder_sizes)


@pytest.mark.parametrize("kwargs, message", [
    (dict(alpha=1.0), r"alpha=1.0 weighs a classification loss.*pass n_classes"),
    (dict(beta=-0.1), r"beta \(a loss weight\) must be a finite number >= 0"),
    (dict(alpha=float("nan"), n_classes=3), r"alpha \(a loss weight\) must be"),
    (dict(n_classes=1), r"n_classes \(None for no classifier\) must be an integer >= 2"),
])
def test_bad_loss_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AsymmetricAutoencoder([6, 3], [3, 6], **kwargs)


def test_labels_without_a_classifier_are_refused():
    model = AsymmetricAutoencoder([6, 3], [3, 6], rng=np.random.default_rng(0))
    x, y = tiny_batch()
    with pytest.raises(ValueError, match="no classifier; build it with n_classes"):
        model.loss(x, y=y)


def test_the_weighted_parts_add_up_to_the_total():
    model, (x, y) = tiny_model(alpha=0.7, beta=0.3), tiny_batch()
    total = model.loss(x, y=y).item()
    parts = model.last_losses
    assert set(parts) == {"recon", "class", "sparse", "total"}
    assert total == parts["total"]
    assert total == pytest.approx(parts["recon"] + 0.7 * parts["class"] + 0.3 * parts["sparse"], rel=1e-12)
    assert parts["sparse"] == pytest.approx(np.abs(model.encode(x).data).sum(axis=1).mean(), rel=1e-12)
    # unlabelled data: no class term
    assert model.loss(x).item() == pytest.approx(parts["recon"] + 0.3 * parts["sparse"], rel=1e-12)
    assert set(model.last_losses) == {"recon", "sparse", "total"}


@pytest.mark.parametrize("part", ["class", "sparse", "recon"])
def test_each_term_has_the_right_gradient(part):
    model, (x, y) = tiny_model(), tiny_batch()
    params = model.parameters()
    report = mg.gradcheck(lambda *_: model.loss_parts(x, y=y)[part], params, mode="directional", seed=2)
    assert report and report.max_rel_error < 1e-8, report


def test_the_total_loss_has_the_right_gradient():
    model, (x, y) = tiny_model(), tiny_batch()
    report = mg.gradcheck(lambda *_: model.loss(x, y=y), model.parameters(), mode="directional", seed=3)
    assert report and report.max_rel_error < 1e-8, report


def test_the_class_and_sparsity_terms_reach_the_parameters_they_should():
    model, (x, y) = tiny_model(), tiny_batch()

    def grads(part):
        model.zero_grad()
        model.loss_parts(x, y=y)[part].backward()
        return {name: p.grad for name, p in model.named_parameters()}

    for part in ("class", "sparse"):
        g = grads(part)
        assert all(g[name] is None for name in g if name.startswith("decoder"))  # the decoder is not involved
        assert all(np.any(g[name] != 0) for name in g if name.startswith("encoder"))
    assert np.any(grads("class")["classifier.weight"] != 0)
    assert grads("sparse")["classifier.weight"] is None


def test_training_lowers_the_multi_task_loss():
    X, y = mg.data.load_digits()
    X, y = X[:300], y[:300]
    model = AsymmetricAutoencoder([64, 32, 8], [8, 64], n_classes=10, alpha=0.5, beta=0.01,
                                  rng=np.random.default_rng(4))
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
    history = mg.fit(model, X=X, y=y, epochs=8, batch_size=32, optimizer=optimizer, progress=False,
                     rng=np.random.default_rng(5))  # the default path: model.loss(xb, y=yb)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0], history.train_loss
    assert model.accuracy(X, y) > 0.8
