"""The checks of the autoencoder track: fused losses and layers against central differences, hand-derived model
gradients against finite differences of the loss, and the other answers against a reference computed here."""
import math

import numpy as np

from check_tools import against_numeric, gradient_check, mismatches, run_lesson


def kl_sparsity_backward(rng):
    from minigrad_ae.nn import functional as F
    return gradient_check(lambda r: F.kl_sparsity(r, 0.05), [rng.uniform(0.1, 0.9, size=7)])


def bce_with_logits_backward(rng):
    from minigrad_ae.nn import functional as F
    z, y = 3 * rng.standard_normal((3, 4)), rng.uniform(0.05, 0.95, (3, 4))
    worst = max((gradient_check(lambda a, b, r=r: F.binary_cross_entropy_with_logits(a, b, reduction=r), [z, y])
                 for r in ("mean", "sum", "none")), key=lambda result: result[0])
    import minigrad_ae as mg
    huge = mg.tensor(np.array([-800.0, 800.0]), requires_grad=True, dtype=np.float64)
    F.binary_cross_entropy_with_logits(huge, np.array([1.0, 0.0]), reduction="sum").backward()
    if not np.allclose(huge.grad, [-1.0, 1.0]):
        return float("inf"), f"logits ±800: gradient {huge.grad}, expected [-1, 1] (no overflow)"
    return worst


def batchnorm_backward(rng):
    from minigrad_ae.nn import functional as F
    x = rng.standard_normal((5, 3)) + np.arange(5)[:, None]
    return gradient_check(lambda a, w, b: F.batch_norm(a, np.zeros(3), np.ones(3), w, b, training=True),
                          [x, rng.standard_normal(3), rng.standard_normal(3)])


def log_softmax_backward(rng):
    from minigrad_ae.nn import functional as F
    a = rng.standard_normal((3, 5))
    return max(gradient_check(lambda t: F.log_softmax(t, axis=-1), [a]),
               gradient_check(lambda t: F.log_softmax(t, axis=0), [a]), key=lambda r: r[0])


def straight_through_backward(rng):
    import minigrad_ae as mg
    from minigrad_ae.nn import fused
    z_e = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True, dtype=np.float64)
    chosen = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True, dtype=np.float64)
    g = rng.standard_normal((3, 2))
    fused.StraightThrough.apply(z_e, chosen.data).backward(g)
    if chosen.grad is not None:
        return float("inf"), "the codebook rows got a gradient through the straight-through op"
    return mg.relative_error(z_e.grad, g), "z_e's gradient against the upstream gradient"


def vq_nearest_code(rng):
    from minigrad_ae.nn.quantize import nearest_codes
    z, codebook = rng.standard_normal((7, 5, 4)), rng.standard_normal((9, 4))
    codebook[3] = codebook[1]   # a tie: the lowest index wins
    z[0, 0] = codebook[1]
    expected = ((z[..., None, :] - codebook) ** 2).sum(axis=-1).argmin(axis=-1)
    return mismatches(nearest_codes(z, codebook), expected, "nearest codes")


def conv_output_size(rng):
    from minigrad_ae.kernels import conv_output_size as size_of
    cases = [(h, k, s, p) for h in range(1, 12) for k in range(1, 6) for s in range(1, 4) for p in range(3)
             if k <= h + 2 * p]
    got = [size_of(*case) for case in cases]
    expected = [len(range(0, h + 2 * p - k + 1, s)) for h, k, s, p in cases]
    return mismatches(got, expected, f"{len(cases)} (size, kernel, stride, padding) cases")


def linear_ae_closed_form(rng):
    import minigrad_ae as mg
    model = mg.models.LinearAutoencoder(6, 3, rng=rng, dtype=np.float64)
    x = rng.standard_normal((5, 6))
    params = [p for _, p in model.named_parameters()]
    return against_numeric(model.closed_form_grads(x), lambda *_: model.loss(x), params)


def vae_kl_grads(rng):
    import minigrad_ae as mg
    from minigrad_ae.nn import functional as F
    mu, logvar = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    hand = against_numeric(mg.models.kl_grads(mu, logvar),
                           lambda mu, logvar: F.gaussian_kl(mu, logvar, reduction="sum"), [mu, logvar])
    fused_op = gradient_check(lambda mu, logvar: F.gaussian_kl(mu, logvar, reduction="none"), [mu, logvar])
    return max(hand, fused_op, key=lambda r: r[0])


def vae_reparam_grads(rng):
    import minigrad_ae as mg
    from minigrad_ae.nn import functional as F
    mu, logvar = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    eps, g_z = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    return against_numeric(mg.models.reparam_grads(g_z, logvar, eps),
                           lambda mu, logvar: F.reparameterize(mu, logvar, eps=eps)[0], [mu, logvar], grad_output=g_z)


def kaiming_gain(rng):
    from minigrad_ae.nn.init import calculate_gain
    slopes = [0.0, 0.01, 0.1, 0.2, 1.0]
    errors = [abs(calculate_gain("leaky_relu", a) - math.sqrt(2 / (1 + a * a))) for a in slopes]
    return max(errors), f"gains for slopes {slopes}: largest error {max(errors):.1e}"


def sparse_delta(rng):
    import minigrad_ae as mg
    model = mg.models.SparseAutoencoder(6, 4, rho=0.1, beta=3.0, weight_decay=1e-3, rng=rng, dtype=np.float64)
    x = rng.uniform(0, 1, (5, 6))
    params = [p for _, p in model.named_parameters()]
    return against_numeric(model.manual_grads(x), lambda *_: model.loss(x), params)


def masking_noise(rng):
    from minigrad_ae.data import masking_noise as corrupt
    x = rng.uniform(0.1, 1, (400, 50))
    before = x.copy()
    y = corrupt(x, 0.3, rng=np.random.default_rng(1))
    exact = corrupt(x, 0.3, rng=np.random.default_rng(2), fixed_count=True)
    if not np.array_equal(x, before) or y.shape != x.shape or y.dtype != x.dtype:
        return float("inf"), "x must stay unchanged, and the result must have x's shape and dtype"
    kept = (y == x) | (y == 0)
    share = float(np.mean(y == 0))
    counts = (exact == 0).sum(axis=1)
    wrong = int((~kept).sum()) + int(np.sum(counts != 15)) + int(abs(share - 0.3) > 0.02)
    return float(wrong), f"zeroed share {share:.3f} (expected 0.3); exact counts per sample {np.unique(counts)}"


def cyclic_lr(rng):
    import minigrad_ae as mg
    errors = []
    for mode, up, down in (("triangular", 7, 7), ("triangular2", 7, 7), ("triangular", 5, 2), ("triangular2", 3, 6),
                           ("exp_range", 4, 9)):
        param = mg.nn.Parameter(np.zeros(1))
        schedule = mg.optim.CyclicLR(mg.optim.SGD([param], lr=0.1), 0.001, 0.01, step_size_up=up,
                                     step_size_down=down, mode=mode, gamma=0.99, cycle_momentum=False)
        for t in range(60):
            cycle, position = divmod(t, up + down)
            height = position / up if position <= up else (up + down - position) / down
            scale = {"triangular": 1.0, "triangular2": 0.5 ** cycle, "exp_range": 0.99 ** t}[mode]
            expected = 0.001 + 0.009 * height * scale
            errors.append(abs(schedule.get_lr() - expected) / expected)
            schedule.step()
    return max(errors), f"60 iterations of 5 schedules (both modes, unequal up/down); largest relative error " \
                        f"{max(errors):.1e}"


def roc_curve(rng):
    import minigrad_ae as mg
    scores = np.round(rng.standard_normal(300), 1)   # many ties
    is_anomaly = rng.random(300) < 0.3
    fpr, tpr, thresholds = mg.models.roc_curve(scores, is_anomaly)
    expected_t = np.r_[np.inf, np.unique(scores)[::-1]]
    flagged = scores[None, :] >= expected_t[:, None]
    expected_tpr = (flagged & is_anomaly).sum(axis=1) / is_anomaly.sum()
    expected_fpr = (flagged & ~is_anomaly).sum(axis=1) / (~is_anomaly).sum()
    if np.shape(fpr) != expected_fpr.shape:
        return float("inf"), f"{np.shape(fpr)[0]} points, expected {len(expected_fpr)} (one per distinct score)"
    return max(np.abs(fpr - expected_fpr).max(), np.abs(tpr - expected_tpr).max(),
               float(np.any(thresholds != expected_t))), "rates and thresholds against counting"


def lesson5_dae_bias_grad(rng):
    return run_lesson("05_denoising_autoencoder.py", "lesson5_dae_bias_grad")


def contractive_grad(rng):
    return run_lesson("06_contractive_autoencoder.py", "contractive_grad")


def lesson12_knn(rng):
    return run_lesson("12_latent_spaces.py", "lesson12_knn")


def lesson20_residual_jacobian(rng):
    return run_lesson("20_residual_and_skip_connections.py", "lesson20_residual_jacobian")


def gradient_norms(rng):
    import minigrad_ae as mg
    from minigrad_ae.nn.diagnostics import gradient_norms as norms_of
    model = mg.models.Autoencoder([6, 4, 2], rng=rng, dtype=np.float64)
    x = rng.random((5, 6))
    weights = [m.weight for m in model.modules() if isinstance(m, mg.nn.Linear)]
    expected = [np.linalg.norm(g.data) for g in mg.grad(model.loss(x), weights)]
    model.loss(x).backward()   # stale gradients that gradient_norms must clear
    got = norms_of(model, model.loss(x))
    if any(p.grad is not None for p in model.parameters()):
        return float("inf"), "the parameters' .grad must be cleared afterwards (None)"
    cut = norms_of(model, mg.nn.functional.mse_loss(model.decode(model.encode(x).detach()), x))
    if not (cut["encoder.0"] == cut["encoder.2"] == 0.0 and all(isinstance(v, float) for v in got.values())):
        return float("inf"), f"a layer the gradient does not reach must read 0.0 (a float); got {cut}"
    return mg.relative_error(np.array(list(got.values())), np.array(expected)), "norms against autodiff's gradients"


def masked_reduction(rng):
    from minigrad_ae.nn import functional as F
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    columns, entries = rng.random(5) < 0.6, rng.random((4, 5)) < 0.5
    columns[0], entries[0, 0] = True, True   # at least one observed entry in each mask
    squared = (x - y) ** 2
    for mask in (columns, entries):
        kept = np.where(np.broadcast_to(mask, squared.shape), squared, 0.0)
        for reduction, expected in (("mean", kept.sum() / np.broadcast_to(mask, squared.shape).sum()),
                                    ("sum", kept.sum()), ("none", kept)):
            got = F.mse_loss(x, y, reduction=reduction, mask=mask).data
            if np.shape(got) != np.shape(expected) or not np.allclose(got, expected, rtol=1e-12, atol=0):
                return float("inf"), (f"mse_loss(x, y, reduction={reduction!r}, mask of shape {mask.shape}): value "
                                      f"{np.round(got, 6)}, expected {np.round(expected, 6)}")

    def loss(reduction, mask):   # named inputs, so the feedback says which one is off
        return lambda input, target: F.mse_loss(input, target, reduction=reduction, mask=mask)
    return max((gradient_check(loss(r, m), [x, y]) for r in ("mean", "sum", "none") for m in (columns, entries)),
               key=lambda result: result[0])


def contrastive_pair_loss(rng):
    from minigrad_ae.nn import functional as F
    z1 = rng.standard_normal((6, 3))
    direction = rng.standard_normal((6, 3))
    lengths = np.array([0.5, 1.2, 3.0, 0.4, 1.4, 2.6])   # inside and beyond the margin 2, away from d = m
    z2 = z1 + direction / np.linalg.norm(direction, axis=1, keepdims=True) * lengths[:, None]
    similar = np.array([1, 1, 1, 0, 0, 0])
    expected = np.where(similar == 1, lengths ** 2, np.maximum(0, 2.0 - lengths) ** 2)
    got = F.contrastive_loss(z1, z2, similar, margin=2.0, reduction="none").data
    if np.shape(got) != expected.shape or not np.allclose(got, expected, rtol=1e-10, atol=0):
        return float("inf"), (f"pairs at distances {lengths} (margin 2, similar {similar}): losses {np.round(got, 6)}, "
                              f"expected {np.round(expected, 6)}")
    return gradient_check(lambda z1, z2: F.contrastive_loss(z1, z2, similar, margin=2.0, reduction="none"), [z1, z2])


def gaussian_kl_between(rng):
    from minigrad_ae.models import gaussian_kl_between as kl_between
    mu, logvar, prior_mu, prior_logvar = (rng.uniform(-1.5, 1.5, (4, 3)) for _ in range(4))
    variance, prior_variance = np.exp(logvar), np.exp(prior_logvar)
    expected = 0.5 * (prior_logvar - logvar + (variance + (mu - prior_mu) ** 2) / prior_variance - 1).sum(axis=-1)
    got = kl_between(mu, logvar, prior_mu, prior_logvar, reduction="none").data
    if np.shape(got) != expected.shape or not np.allclose(got, expected, rtol=1e-12, atol=0):
        return float("inf"), (f"KL per row for inputs (4, 3): {np.round(got, 6)}, expected {np.round(expected, 6)}"
                               " (the KL between two diagonal Gaussians, summed over the latent axis)")
    return gradient_check(lambda mu, logvar, prior_mu, prior_logvar:
                          kl_between(mu, logvar, prior_mu, prior_logvar, reduction="none"),
                          [mu, logvar, prior_mu, prior_logvar])


def tsne_gradient(rng):
    from minigrad_ae.kernels import tsne_gradient as kernel
    from minigrad_ae.stand_ins.substitutes import tsne_objective
    affinity = rng.random((12, 12))
    P = affinity + affinity.T
    np.fill_diagonal(P, 0)
    P /= P.sum()
    Y = rng.standard_normal((12, 2))

    def objective(alpha):   # a function of Y alone, so the feedback names it
        return lambda Y: tsne_objective(P, Y, alpha)
    return max((against_numeric((kernel.reference(P, Y, alpha, with_kl=False)[0],), objective(alpha), [Y])
                for alpha in (1.0, 12.0)), key=lambda result: result[0])
