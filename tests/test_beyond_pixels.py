"""The contrastive, adversarial-reconstruction and perceptual losses (nn/beyond_pixels.py) and their modules: values
against their formulas in NumPy, backward against float64 central differences (random shapes, random upstream
gradient), the gradient facts lesson 22 builds on, and the errors for bad input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from gradtools import arrays, assert_backward_matches, seeds
from minigrad_ae import nn
from minigrad_ae.nn import functional as F

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def reduced(per_sample, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](per_sample)


def softplus(a):
    return np.logaddexp(0, a)


# ---------------------------------------------------------------- contrastive_loss


@st.composite
def code_pairs(draw):
    """z1, z2 (batch, latent) or (latent,), the pairs' 0/1 labels and a margin m. z2 = z1 + an offset of length
    d >= 0.3, and |d − m| >= 0.15: off the tip of the cone max(0, m − d)², where no derivative exists, and off the
    hinge at d = m, where central differences lose accuracy (the second derivative jumps there)."""
    batch = draw(st.one_of(st.just(()), st.tuples(st.integers(1, 4))))
    latent = draw(st.integers(1, 4))
    z1 = draw(arrays(batch + (latent,)))
    direction = draw(arrays(batch + (latent,), low=-1, high=1))
    direction = np.where(np.abs(direction) < 0.1, 0.5, direction)
    unit = direction / np.linalg.norm(direction, axis=-1, keepdims=True)
    margin = draw(st.floats(0.5, 3.0))
    length = draw(arrays(batch + (1,), low=0.3, high=3.0))
    length = np.where(np.abs(length - margin) < 0.15, margin + np.where(length < margin, -0.15, 0.15), length)
    similar = draw(st.lists(st.booleans(), min_size=int(np.prod(batch)), max_size=int(np.prod(batch))))
    return z1, z1 + unit * length, np.array(similar).reshape(batch), margin


@pytest.mark.contrastive_pair_loss
@given(case=code_pairs(), reduction=REDUCTIONS, seed=seeds())
def test_contrastive_value_and_gradient(case, reduction, seed):
    z1, z2, similar, margin = case
    d = np.linalg.norm(z1 - z2, axis=-1)
    want = reduced(np.where(similar, d ** 2, np.maximum(0, margin - d) ** 2), reduction)
    got = F.contrastive_loss(z1, z2, similar, margin=margin, reduction=reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-9, atol=1e-12)
    assert_backward_matches(lambda a, b: F.contrastive_loss(a, b, similar, margin, reduction), [z1, z2], seed)


@pytest.mark.contrastive_pair_loss
def test_contrastive_pulls_similar_pairs_and_pushes_dissimilar_ones_only_inside_the_margin():
    z1 = mg.tensor(np.zeros((3, 2)), requires_grad=True)
    z2 = np.array([[0.3, 0.4], [0.3, 0.4], [3.0, 4.0]])   # d = 0.5, 0.5, 5
    F.contrastive_loss(z1, z2, [1, 0, 0], margin=2.0, reduction="sum").backward()
    # similar: ∂(d²)/∂z1 = 2(z1 − z2), towards z2; dissimilar inside m: −2(m − d)(z1 − z2)/d, away; beyond m: 0
    np.testing.assert_allclose(z1.grad, [[-0.6, -0.8], [2 * 1.5 * 0.6, 2 * 1.5 * 0.8], [0, 0]], rtol=1e-9)


@pytest.mark.contrastive_pair_loss
def test_contrastive_gradient_at_equal_codes_is_finite_and_zero():
    """Without the 1e-24 under the square root, d = √0 would give 0/0 = NaN for a dissimilar pair of equal codes."""
    z1 = mg.tensor(np.ones((2, 3)), requires_grad=True)
    loss = F.contrastive_loss(z1, np.ones((2, 3)), [0, 1], margin=1.5)
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1.5 ** 2 / 2, rtol=1e-9)
    np.testing.assert_array_equal(z1.grad, 0)


@pytest.mark.contrastive_pair_loss
def test_contrastive_keeps_float32():
    z = np.ones((4, 2), np.float32)
    assert F.contrastive_loss(z, 2 * z, np.ones(4, bool)).dtype == np.float32


def test_contrastive_errors():
    z = np.ones((4, 2))
    with pytest.raises(mg.ShapeError, match=r"contrastive_loss: similar has shape \(3,\)"):
        F.contrastive_loss(z, z, [1, 0, 1])
    with pytest.raises(ValueError, match=r"contrastive_loss: similar must hold 1 .* got \[2 7\].*labels1 == labels2"):
        F.contrastive_loss(z, z, [0, 2, 7, 1])
    with pytest.raises(mg.ShapeError, match=r"contrastive_loss: z1 has shape \(4, 2\) but z2 has shape \(4, 3\)"):
        F.contrastive_loss(z, np.ones((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"contrastive_loss: margin must be a finite number > 0, got 0.0"):
        F.contrastive_loss(z, z, [0, 1, 0, 1], margin=0.0)
    with pytest.raises(mg.ShapeError, match=r"contrastive_loss: z1 and z2 must be codes"):
        F.contrastive_loss(1.0, 2.0, 1)
    with pytest.raises(ValueError, match=r"contrastive_loss: reduction must be"):
        F.contrastive_loss(z, z, [0, 1, 0, 1], reduction="max")


# ---------------------------------------------------------------- adversarial_reconstruction_loss


@st.composite
def adversarial_case(draw):
    """x̂, x (batch, features) or (batch, C, H, W) with |x̂ − x| >= 0.15 (off the kink of |·|), and the logits."""
    batch = draw(st.integers(1, 4))
    shape = (batch,) + draw(st.one_of(st.tuples(st.integers(1, 4)), st.tuples(*[st.integers(1, 2)] * 3)))
    target = draw(arrays(shape))
    gap = draw(arrays(shape, low=0.15, high=2.0)) * np.where(draw(arrays(shape)) < 0, -1, 1)
    logits = draw(arrays(draw(st.sampled_from([(batch,), (batch, 1)])), low=-6, high=6))
    return target + gap, target, logits


@given(case=adversarial_case(), form=st.sampled_from(["saturating", "non_saturating"]),
       weight=st.floats(0, 2), reduction=REDUCTIONS, seed=seeds())
def test_adversarial_value_and_gradient(case, form, weight, reduction, seed):
    x_hat, x, logits = case
    d = 1 / (1 + np.exp(-logits.reshape(-1)))
    term = np.log(1 - d) if form == "saturating" else -np.log(d)
    want = reduced(np.abs(x_hat - x).reshape(len(x), -1).mean(axis=1) + weight * term, reduction)
    got = F.adversarial_reconstruction_loss(x_hat, x, logits, weight, form, reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-9, atol=1e-12)
    assert_backward_matches(lambda a, b, c: F.adversarial_reconstruction_loss(a, b, c, weight, form, reduction),
                            [x_hat, x, logits], seed)


@pytest.mark.parametrize("form, slope", [("saturating", lambda d: d), ("non_saturating", lambda d: 1 - d)])
def test_adversarial_gradient_to_the_logit_is_minus_lambda_times_d_or_one_minus_d(form, slope):
    """The fact lesson 22 measures: while D rejects x̂ (D(x̂) ≈ 0) the saturating form's gradient vanishes."""
    logits = mg.tensor(np.array([-9.0, -3.0, 0.0, 4.0]), requires_grad=True)
    x = np.zeros((4, 2))
    F.adversarial_reconstruction_loss(x + 0.5, x, logits, weight=0.7, form=form, reduction="sum").backward()
    d = 1 / (1 + np.exp(-logits.data))
    np.testing.assert_allclose(logits.grad, -0.7 * slope(d), rtol=1e-9)
    if form == "saturating":   # D(x̂) = σ(−9) = 1.2e-4: a thousandth of the λ = 0.7 the other form passes on
        assert abs(logits.grad[0]) < 1e-3 * 0.7


def test_adversarial_is_finite_for_huge_logits():
    x = np.zeros((2, 3))
    for form in ("saturating", "non_saturating"):
        logits = mg.tensor(np.array([-1000.0, 1000.0]), requires_grad=True)
        loss = F.adversarial_reconstruction_loss(x, x, logits, weight=1.0, form=form, reduction="none")
        loss.backward(np.ones(2))
        assert np.isfinite(loss.data).all() and np.isfinite(logits.grad).all()
        np.testing.assert_allclose(np.abs(loss.data), [1000, 0] if form == "non_saturating" else [0, 1000])


def test_adversarial_keeps_float32():
    x = np.ones((4, 3), np.float32)
    assert F.adversarial_reconstruction_loss(x, x, np.zeros((4, 1), np.float32)).dtype == np.float32


def test_adversarial_errors():
    x = np.ones((4, 3))
    call = F.adversarial_reconstruction_loss
    with pytest.raises(mg.ShapeError, match=r"adversarial_reconstruction_loss: fake_logits has shape \(4, 3\).*"
                                             r"\(4,\) or \(4, 1\)"):
        call(x, x, x)
    with pytest.raises(mg.ShapeError, match=r"adversarial_reconstruction_loss: input and target must be a batch"):
        call(np.ones(3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"adversarial_reconstruction_loss: form must be one of 'non_saturating', "
                                         "'saturating'; got 'minimax'"):
        call(x, x, np.zeros(4), form="minimax")
    with pytest.raises(ValueError, match=r"adversarial_reconstruction_loss: weight must be a finite number >= 0"):
        call(x, x, np.zeros(4), weight=-1.0)
    with pytest.raises(mg.ShapeError, match=r"adversarial_reconstruction_loss: input has shape \(4, 3\) but target"):
        call(x, x.T, np.zeros(4))


# ---------------------------------------------------------------- perceptual_loss


def frozen_features(n_in, rng, n_out=3):
    """A small fixed Φ in float64: Linear -> tanh -> Linear, frozen."""
    return nn.Sequential(nn.Linear(n_in, 4, rng=rng, dtype=np.float64), nn.Tanh(),
                         nn.Linear(4, n_out, rng=rng, dtype=np.float64)).freeze()


def features_by_hand(phi, x):
    first, _, second = phi
    h = np.tanh(x @ first.weight.data.T + first.bias.data)
    return h @ second.weight.data.T + second.bias.data


@given(batch=st.integers(1, 4), n_in=st.integers(1, 4), weight=st.floats(0, 2), reduction=REDUCTIONS,
       seed=seeds(), data=st.data())
def test_perceptual_value_and_gradient(batch, n_in, weight, reduction, seed, data):
    x_hat, x = data.draw(arrays((batch, n_in))), data.draw(arrays((batch, n_in)))
    phi = frozen_features(n_in, np.random.default_rng(seed))
    feature_term = ((features_by_hand(phi, x_hat) - features_by_hand(phi, x)) ** 2).mean(axis=1)
    want = reduced(feature_term + weight * ((x_hat - x) ** 2).mean(axis=1), reduction)
    got = F.perceptual_loss(x_hat, x, phi, weight, reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-9, atol=1e-12)
    assert_backward_matches(lambda a, b: F.perceptual_loss(a, b, phi, weight, reduction), [x_hat, x], seed)
    assert all(p.grad is None for p in phi.parameters())   # frozen: no gradient reaches Φ's weights


def test_perceptual_of_images_through_a_convolution():
    rng = np.random.default_rng(0)
    phi = nn.Sequential(nn.Conv2d(1, 2, 3, rng=rng, dtype=np.float64), nn.ReLU(), nn.Flatten()).freeze()
    x_hat, x = rng.uniform(size=(2, 1, 5, 5)), rng.uniform(size=(2, 1, 5, 5))
    assert_backward_matches(lambda a, b: F.perceptual_loss(a, b, phi, 0.5, "none"), [x_hat, x], seed=1)


def test_perceptual_refuses_trainable_features_and_bad_outputs():
    x = np.ones((4, 3))
    trainable = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"perceptual_loss: features \(a Linear\) has trainable parameters.*"
                                         r"features.freeze\(\)"):
        F.perceptual_loss(x, x, trainable)
    with pytest.raises(TypeError, match=r"perceptual_loss: features must be a function"):
        F.perceptual_loss(x, x, np.ones(3))
    with pytest.raises(mg.ShapeError, match=r"perceptual_loss: features must map the batch input \(4, 3\) to a "
                                            r"non-empty Tensor with the same first axis, got shape \(3,\)"):
        F.perceptual_loss(x, x, lambda t: t.sum(axis=0))
    with pytest.raises(TypeError, match=r"perceptual_loss: features must return a Tensor .* got ndarray"):
        F.perceptual_loss(x, x, lambda t: t.data)
    with pytest.raises(ValueError, match=r"perceptual_loss: weight must be a finite number >= 0"):
        F.perceptual_loss(x, x, nn.Linear(3, 2).freeze(), weight=float("nan"))


# ---------------------------------------------------------------- the loss modules


def test_loss_modules_are_their_functions_with_the_settings_kept():
    rng = np.random.default_rng(0)
    z1, z2, similar = rng.standard_normal((5, 2)), rng.standard_normal((5, 2)), np.arange(5) % 2
    x_hat, x, logits = rng.uniform(size=(5, 4)), rng.uniform(size=(5, 4)), rng.standard_normal((5, 1))
    phi = frozen_features(4, rng)
    pairs = [(nn.ContrastiveLoss(2.0, "none")(z1, z2, similar), F.contrastive_loss(z1, z2, similar, 2.0, "none")),
             (nn.AdversarialReconstructionLoss(0.3, "saturating", "sum")(x_hat, x, logits),
              F.adversarial_reconstruction_loss(x_hat, x, logits, 0.3, "saturating", "sum")),
             (nn.PerceptualLoss(phi, 0.5)(x_hat, x), F.perceptual_loss(x_hat, x, phi, 0.5))]
    for module_value, function_value in pairs:
        np.testing.assert_array_equal(module_value.data, function_value.data)


def test_perceptual_loss_module_freezes_its_network_and_puts_it_in_eval_mode():
    phi = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))
    criterion = nn.PerceptualLoss(phi)
    assert criterion.features is phi and not phi.training
    assert not any(p.requires_grad for p in phi.parameters())
    assert "weight=1.0" in repr(criterion) and "(features): Sequential" in repr(criterion)


def test_loss_module_errors_name_the_class():
    with pytest.raises(ValueError, match=r"ContrastiveLoss: margin must be a finite number > 0"):
        nn.ContrastiveLoss(margin=-1.0)
    with pytest.raises(ValueError, match=r"AdversarialReconstructionLoss: form must be one of"):
        nn.AdversarialReconstructionLoss(form="log")
    with pytest.raises(TypeError, match=r"PerceptualLoss: features must be a Module .* F.perceptual_loss"):
        nn.PerceptualLoss(lambda t: t)
    with pytest.raises(ValueError, match=r"PerceptualLoss: reduction must be one of"):
        nn.PerceptualLoss(nn.Linear(2, 2), reduction="avg")
