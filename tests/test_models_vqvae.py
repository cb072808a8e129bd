"""Vector quantisation and the VQ-VAE: nearest codes by brute force, the straight-through estimator, the
codebook and commitment gradients three ways (each reaching only its own side), and a few training steps.

Mean convention: both VQ losses sum the squared distance over the d code dimensions and average over the
N vectors, so ∂codebook_loss/∂eₖ = (2/N) Σ_{n: kₙ = k} (eₖ − z_e,n) and ∂commitment/∂z_e,n = (2β/N)(z_e,n − e_kₙ).
Finite differences are valid here because the assignment is piecewise constant and the random data keep
every z_e far from a tie (checked below), so a 1e-6 nudge never changes it.
"""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.data import load_digits
from minigrad_ae.models.vqvae import VQVAE
from minigrad_ae.nn import Parameter
from minigrad_ae.nn.quantize import nearest_codes, vector_quantize
from minigrad_ae.optim import Adam

from gradtools import assert_three_way

TIGHT = 1e-9
BETA = 0.4


def brute_force_nearest(z, codebook):
    distances = ((z[..., None, :] - codebook) ** 2).sum(axis=-1)  # (..., K)
    return distances.argmin(axis=-1), np.sort(distances, axis=-1)


@pytest.fixture
def vq_data():
    rng = np.random.default_rng(0)
    z_e, codebook = rng.normal(size=(12, 3)), rng.normal(size=(5, 3))
    _, sorted_distances = brute_force_nearest(z_e, codebook)
    assert np.all(sorted_distances[:, 1] - sorted_distances[:, 0] > 1e-3)  # no ties: finite differences are valid
    return z_e, codebook


def hand_codebook_grad(z_e, codebook, indices):
    grad = np.zeros_like(codebook)
    np.add.at(grad, indices, codebook[indices] - z_e)  # each code sums over the vectors that chose it
    return 2 / len(z_e) * grad


# ---------------------------------------------------------------- the forward pass


@pytest.mark.parametrize("shape", [(50, 4), (3, 7, 4)])
def test_indices_are_the_true_nearest_codes_and_z_q_their_rows(shape):
    rng = np.random.default_rng(1)
    z_e, codebook = rng.normal(size=shape), rng.normal(size=(9, 4))
    q = vector_quantize(mg.tensor(z_e), Parameter(codebook))
    np.testing.assert_array_equal(q.indices, brute_force_nearest(z_e, codebook)[0])
    np.testing.assert_array_equal(nearest_codes(z_e, codebook), q.indices)
    assert q.indices.shape == shape[:-1] and np.issubdtype(q.indices.dtype, np.integer)
    np.testing.assert_array_equal(q.z_q.data, codebook[q.indices])  # exactly, not up to rounding
    assert q.counts.sum() == q.indices.size and q.counts.shape == (9,)
    assert 1 <= q.perplexity <= np.count_nonzero(q.counts)


def test_perplexity_counts_the_codes_in_use():
    codebook = np.eye(4)
    assert vector_quantize(np.repeat(codebook, 3, axis=0), codebook).perplexity == pytest.approx(4)
    assert vector_quantize(np.tile(codebook[1], (6, 1)), codebook).perplexity == pytest.approx(1)


# ---------------------------------------------------------------- the three gradient paths


def test_straight_through_copies_the_gradient_and_gives_the_codebook_none(vq_data):
    z_e0, codebook0 = vq_data
    v = np.random.default_rng(2).standard_normal(z_e0.shape)
    z_e, codebook = mg.tensor(z_e0, requires_grad=True), Parameter(codebook0)
    (vector_quantize(z_e, codebook).z_q * v).sum().backward()
    np.testing.assert_array_equal(z_e.grad, v)
    assert codebook.grad is None  # the decoder path never reaches the codebook


def test_codebook_loss_gradient_three_ways_and_none_to_the_encoder(vq_data):
    z_e0, codebook0 = vq_data
    z_e, codebook = mg.tensor(z_e0, requires_grad=True), Parameter(codebook0)
    q = vector_quantize(z_e, codebook, beta=BETA)
    q.codebook_loss.backward()
    assert z_e.grad is None
    hand = hand_codebook_grad(z_e0, codebook0, q.indices)
    assert np.count_nonzero(q.counts) >= 3 and np.all(hand[q.counts == 0] == 0)  # unused codes get nothing
    assert_three_way([hand], lambda cb: vector_quantize(z_e0, cb, BETA).codebook_loss, [codebook0], tolerance=TIGHT)


def test_commitment_loss_gradient_three_ways_and_none_to_the_codebook(vq_data):
    z_e0, codebook0 = vq_data
    z_e, codebook = mg.tensor(z_e0, requires_grad=True), Parameter(codebook0)
    q = vector_quantize(z_e, codebook, beta=BETA)
    q.commitment_loss.backward()
    assert codebook.grad is None
    hand = 2 * BETA / len(z_e0) * (z_e0 - codebook0[q.indices])
    assert_three_way([hand], lambda z: vector_quantize(z, codebook0, BETA).commitment_loss, [z_e0], tolerance=TIGHT)


def test_all_three_paths_together_add_up(vq_data):
    z_e0, codebook0 = vq_data
    v = np.random.default_rng(3).standard_normal(z_e0.shape)
    z_e, codebook = mg.tensor(z_e0, requires_grad=True), Parameter(codebook0)
    q = vector_quantize(z_e, codebook, beta=BETA)
    ((q.z_q * v).sum() + q.codebook_loss + q.commitment_loss).backward()
    np.testing.assert_allclose(z_e.grad, v + 2 * BETA / len(z_e0) * (z_e0 - codebook0[q.indices]), rtol=1e-12)
    np.testing.assert_allclose(codebook.grad, hand_codebook_grad(z_e0, codebook0, q.indices), rtol=1e-12)


def test_bad_inputs_are_refused_with_a_clear_message():
    with pytest.raises(mg.ShapeError, match="must be 2-d"):
        vector_quantize(np.zeros((4, 3)), np.zeros(3))
    with pytest.raises(mg.ShapeError, match="code dimension d = 2"):
        vector_quantize(np.zeros((4, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="beta"):
        vector_quantize(np.zeros((4, 2)), np.zeros((5, 2)), beta=-1)


# ---------------------------------------------------------------- the model


def test_decoder_gradient_is_exact_and_the_encoder_gets_the_straight_through_one():
    """The decoder's parameters see an ordinary smooth loss: gradcheck passes. For the encoder, finite differences
    see values only: the reconstruction is flat (a nudge does not change the chosen code) and stop-gradients are
    invisible, so both VQ terms count, (1 + β)(2/N)(z_e − e) = (1 + β)/β × the commitment gradient. Autodiff
    gives something else on purpose: the commitment gradient plus the straight-through estimate."""
    rng = np.random.default_rng(4)
    model = VQVAE(6, 5, 2, 4, beta=BETA, rng=rng, dtype=np.float64)
    x = rng.uniform(size=(8, 6))
    decoder = [p for name, p in model.named_parameters() if name.startswith("decoder")]
    assert mg.gradcheck(lambda *params: model.loss(x), decoder, raise_on_fail=True).max_rel_error < 1e-7

    weight = model.encoder[0].weight
    (numeric,) = mg.numerical_grad(lambda w: model.loss(x), [weight])
    model.zero_grad()  # gradcheck's backward also reached the encoder
    model.quantize(model.encode(x)).commitment_loss.backward()
    assert mg.relative_error(numeric, (1 + BETA) / BETA * weight.grad) < 1e-7
    model.zero_grad()
    model.loss(x).backward()
    assert mg.relative_error(numeric, weight.grad) > 0.1


def test_vqvae_shapes_usage_and_restarting_dead_codes():
    X = load_digits()[0][:100]
    model = VQVAE(64, [32, 16], 3, 40, rng=np.random.default_rng(5))
    assert model(X).shape == (100, 64) and model.encode(X).shape == (100, 3)
    usage = model.codebook_usage(X)
    assert usage.shape == (40,) and usage.sum() == 100 and np.count_nonzero(usage) < 40
    dead = 40 - np.count_nonzero(usage)
    assert model.restart_dead_codes(X, np.random.default_rng(0)) == dead
    assert np.count_nonzero(model.codebook_usage(X)) > 40 - dead


def test_a_few_training_steps_lower_the_loss():
    X = load_digits()[0][:256]
    rng = np.random.default_rng(6)
    model = VQVAE(64, 32, 4, 16, rng=rng)
    before = model.loss(X).item()
    mg.fit(model, X=X, epochs=3, batch_size=32, optimizer=Adam(model.parameters(), lr=3e-3), progress=False, rng=rng)
    assert model.loss(X).item() < 0.8 * before


@pytest.mark.parametrize("kwargs, words", [
    ({"n_codes": 0}, "VQVAE: n_codes .* must be an integer >= 1"),
    ({"hidden": []}, "VQVAE: hidden must be a positive int"),
    ({"recon": "l1"}, "VQVAE: recon must be one of 'bce'"),
    ({"beta": -0.1}, "VQVAE: beta .* must be a finite number >= 0"),
])
def test_bad_configuration_is_refused_with_a_clear_message(kwargs, words):
    args = {"n_in": 4, "hidden": 3, "n_latent": 2, "n_codes": 8} | kwargs
    with pytest.raises(ValueError, match=words):
        VQVAE(**args)
