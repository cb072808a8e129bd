"""Greedy layer-wise pretraining and supervised fine-tuning of a ``StackedAutoencoder``, both through ``fit``
(Hinton & Salakhutdinov 2006; Bengio et al. 2007).

Phase k trains encoder[k] and decoders[k] on ``model.layer_loss(k, ·)`` while the layers below are frozen
(no graph through them, no update), then freezes encoder[k] too. Fine-tuning then trains the softmax head,
and unless told otherwise the whole encoder, on ``model.classification_loss``.

It sits above ``models`` and ``train``: a model never imports the loop that trains it.
"""
import numpy as np

from .models import StackedAutoencoder
from .optim import Adam
from .train import fit
from .validate import integer


def pretrain_layer(model, k, X, epochs, batch_size=64, lr=1e-3, optimizer_factory=None, rng=None, progress=False,
                   on_epoch=None):
    """Phase k: train ``model.encoder[k]`` + ``model.decoders[k]`` on ``layer_loss(k, ·)`` with the layers below
    frozen, then freeze encoder[k] too. Returns fit's History.

    ``optimizer_factory(params) -> Optimizer`` picks the optimizer; by default Adam(params, lr).
    """
    _check_model(model, "pretrain_layer")
    k = integer(k, "k (the layer to pretrain)", "pretrain_layer", low=0, high=model.n_layers - 1)
    for below in list(model.encoder)[:k]:
        below.freeze()
    phase = [model.encoder[k], model.decoders[k]]
    for module in phase:
        module.unfreeze()
    optimizer = _make_optimizer(optimizer_factory, lr, [p for m in phase for p in m.parameters()])
    history = fit(model, lambda m, xb: m.layer_loss(k, xb), X, epochs, batch_size, optimizer, progress=progress,
                  rng=rng, on_epoch=on_epoch)
    model.encoder[k].freeze()
    return history


def pretrain(model, X, epochs, batch_size=64, lr=1e-3, optimizer_factory=None, rng=None, progress=False):
    """Greedy layer-wise pretraining: ``pretrain_layer(model, k, …)`` for k = 0, 1, …, each for ``epochs``
    epochs. Leaves the whole encoder frozen; returns one History per layer."""
    _check_model(model, "pretrain")
    return [pretrain_layer(model, k, X, epochs, batch_size, lr, optimizer_factory, rng, progress)
            for k in range(model.n_layers)]


def fine_tune(model, X, y, epochs, batch_size=64, lr=1e-3, optimizer_factory=None, freeze_encoder=False, val=None,
              rng=None, progress=False, on_epoch=None):
    """Train the head (and, unless ``freeze_encoder``, the whole encoder, unfrozen first) on
    ``model.classification_loss``; ``val`` = (X_val, y_val) is passed to fit. Returns fit's History."""
    _check_model(model, "fine_tune")
    model.require_head("fine_tune")
    if freeze_encoder:
        model.encoder.freeze()
    else:
        model.encoder.unfreeze()
    params = model.head.parameters() + ([] if freeze_encoder else model.encoder.parameters())
    optimizer = _make_optimizer(optimizer_factory, lr, params)
    return fit(model, lambda m, xb, yb: m.classification_loss(xb, yb), X, epochs, batch_size, optimizer, val=val,
               progress=progress, rng=rng, y=np.asarray(y), on_epoch=on_epoch)


def _make_optimizer(optimizer_factory, lr, params):
    return Adam(params, lr=lr) if optimizer_factory is None else optimizer_factory(params)


def _check_model(model, func):
    if not isinstance(model, StackedAutoencoder):
        raise TypeError(f"{func}: needs a StackedAutoencoder (its per-layer encoders and decoders), got "
                        f"{type(model).__name__}; build one as StackedAutoencoder([64, 48, 32], n_classes=10).")
