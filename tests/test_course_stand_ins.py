"""The stand-ins a student copy runs on: each gets the exercise's result another way, as precisely as the
dtype allows; the notices; and telling untouched exercise blocks from answers."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from gradtools import seeds
from minigrad_ae import stand_ins
from minigrad_ae.autodiff import engine, ops
from minigrad_ae.stand_ins.blocks import unsolved
from test_gradients import EXERCISE, ROWS


def recorded(op, inputs, dtype=np.float64):
    """(output, its Context) of ``op`` on fresh leaves made of ``inputs``."""
    out = op(*[mg.tensor(np.asarray(a, dtype=dtype), requires_grad=True, dtype=dtype) for a in inputs])
    return out, out.creator


def summed_back(grads, ctx):
    return [None if g is None else engine.unbroadcast(np.asarray(g, dtype=np.float64), p.shape)
            for g, p in zip(grads, ctx.parents)]


@pytest.mark.parametrize("kind", [k for k in ROWS if k in EXERCISE], ids=lambda k: k.__name__)
@settings(max_examples=15)
@given(case=st.data(), seed=seeds())
def test_the_stand_in_vjp_of_every_exercised_op_matches_its_backward(kind, case, seed):
    op, inputs = case.draw(ROWS[kind]())
    out, _ = recorded(op, inputs)
    # a row may wrap its op (in a loss's reduction, a reshape): find it in the graph
    node = next(t for t in engine.topological_order(out) if t.creator is not None and t.creator.fn is kind)
    ctx, g = node.creator, np.random.default_rng(seed).standard_normal(node.shape)
    expected = ctx.fn.backward(ctx, g)
    got = stand_ins.vjp(ctx, g, "test")
    expected = expected if isinstance(expected, tuple) else (expected,)
    for want, have in zip(summed_back(expected, ctx), summed_back(got, ctx)):
        if want is not None:
            assert mg.relative_error(have, want) < 1e-9 or np.abs(have - want).max() < 1e-9


def test_float32_inputs_take_one_plain_central_difference():
    a = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    out, ctx = recorded(lambda t: t.tanh(), [a], dtype=np.float32)
    g = np.ones((4, 5), dtype=np.float32)
    got = stand_ins.vjp(ctx, g, "test")[0]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 1 - np.tanh(a.astype(np.float64)) ** 2, rtol=1e-6)


def test_relu_at_its_kink_follows_the_op_convention_and_the_stand_in_needs_no_graph_of_gradients():
    out, ctx = recorded(lambda t: t.relu(), [np.array([-1.0, 0.0, 4e-7, 2.0])])
    np.testing.assert_array_equal(stand_ins.vjp(ctx, np.ones(4), "test")[0], [0, 0, 1, 1])
    with pytest.raises(stand_ins.NotSolvedError, match="cannot build a graph of gradients"):
        stand_ins.vjp(ctx, mg.tensor(np.ones(4)), "relu_backward")


def test_log_near_zero_shrinks_its_step_instead_of_stepping_outside_the_domain():
    x = np.array([1e-6, 0.3, 50.0])
    out, ctx = recorded(lambda t: t.log(), [x])
    np.testing.assert_allclose(stand_ins.vjp(ctx, np.ones(3), "test")[0], 1 / x, rtol=1e-10)


def test_a_missing_kernel_makes_the_op_use_the_stand_in_and_refuses_direct_calls():
    class Square(mg.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("the stand-in should have replaced this")

    kernel = stand_ins.missing_kernel("square_backward", Square)
    x = mg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True, dtype=np.float64)
    Square.apply(x).backward(np.ones(3))
    np.testing.assert_allclose(x.grad, [2.0, -4.0, 6.0], rtol=1e-12)
    with pytest.raises(stand_ins.NotSolvedError, match="square_backward is not solved yet"):
        kernel(np.ones(3), np.ones(3))


def test_each_notice_is_printed_once_per_process_and_uses_are_counted(capsys):
    before = stand_ins.calls().get("notice_test", 0)
    for _ in range(3):
        stand_ins.notice("notice_test")
    assert capsys.readouterr().err.count("Exercise notice_test is not solved yet: using a slow stand-in") == (
        0 if before else 1)
    assert stand_ins.used("notice_test") and stand_ins.calls()["notice_test"] == before + 3
    assert not stand_ins.used("never_called")


# ---------------------------------------------------------------- the other stand-ins against the solutions


@given(case=st.sampled_from([((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (1, 4)), ((2, 3), ()), ((5,), (5,))]),
       seed=seeds())
def test_unbroadcast_scatters_onto_the_sources(case, seed):
    big, small = case
    g = np.random.default_rng(seed).standard_normal(big)
    np.testing.assert_allclose(stand_ins.unbroadcast(g, small), engine.unbroadcast(g, small), rtol=1e-12, atol=1e-14)
    as_tensor = stand_ins.unbroadcast(mg.tensor(g, dtype=np.float64), small)
    assert isinstance(as_tensor, mg.Tensor)
    np.testing.assert_allclose(as_tensor.data, engine.unbroadcast(g, small), rtol=1e-12, atol=1e-14)


@given(seed=seeds())
def test_scatter_adds_repeated_places(seed):
    rng = np.random.default_rng(seed)
    for index in (np.array([0, 2, 0, 0]), (slice(1, 3), 1), rng.random((4, 3)) > 0.5, (np.array([1, 1]), 2)):
        g = rng.standard_normal(np.zeros((4, 3))[index].shape)
        np.testing.assert_allclose(stand_ins.scatter(g, index, (4, 3)), ops._scatter(g, index, (4, 3)), atol=1e-14)


def test_kahns_order_is_a_topological_order_even_10000_ops_deep():
    x = mg.tensor(np.ones(3), requires_grad=True)
    w = mg.tensor(np.ones(3), requires_grad=True)
    h = x * w
    out = ((h + x) * (h - 1.0)).sum() + (w * w).sum()
    order = stand_ins.topological_order(out)
    assert {id(t) for t in order} == {id(t) for t in engine.topological_order(out)} and len(order) == len(set(map(id, order)))
    position = {id(t): i for i, t in enumerate(order)}
    assert all(position[id(p)] < position[id(t)] for t in order if t.creator for p in t.creator.parents
               if p.requires_grad)
    deep = x
    for _ in range(10_000):
        deep = deep * 1.0
    assert stand_ins.topological_order(deep)[-1] is deep


def test_nearest_codes_conv_size_roc_and_knn_by_another_method():
    from minigrad_ae.kernels import conv_output_size
    from minigrad_ae.nn.quantize import nearest_codes
    rng = np.random.default_rng(0)
    z, codebook = rng.standard_normal((300, 5)), rng.standard_normal((9, 5))
    np.testing.assert_array_equal(stand_ins.nearest_codes(z, codebook), nearest_codes(z, codebook))
    for case in [(h, k, s, p) for h in range(1, 9) for k in range(1, 5) for s in (1, 2, 3) for p in (0, 1, 2)
                 if k <= h + 2 * p]:
        assert stand_ins.conv_output_size(*case) == conv_output_size(*case), case
    scores, labels = np.round(rng.standard_normal(200), 1), rng.random(200) < 0.3
    for got, want in zip(stand_ins.roc_curve(scores, labels), mg.models.roc_curve(scores, labels)):
        np.testing.assert_allclose(got, want)
    train, test = rng.standard_normal((40, 3)), rng.standard_normal((7, 3))
    distances = ((test[:, None] - train[None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(stand_ins.squared_distances(test, train), distances, rtol=1e-12)


def test_schedule_optimizer_and_initialisation_stand_ins_match_the_package():
    from minigrad_ae.kernels.optim import adam_update_reference
    from minigrad_ae.nn.init import calculate_gain
    param = mg.nn.Parameter(np.zeros(1))
    for mode, down in (("triangular", 5), ("triangular2", 5), ("triangular2", 2), ("exp_range", 8)):
        schedule = mg.optim.CyclicLR(mg.optim.SGD([param], lr=0.1), 0.001, 0.01, step_size_up=5,
                                     step_size_down=down, mode=mode, gamma=0.98)
        for t in range(40):
            assert stand_ins.cyclic_height_and_scale(schedule) == pytest.approx(schedule._height_and_scale())
            schedule.step()
    rng = np.random.default_rng(1)
    state = [rng.standard_normal(6), np.zeros(6), np.zeros(6)]
    twin = [a.copy() for a in state]
    for step in range(1, 4):
        grad = rng.standard_normal(6)
        adam_update_reference(*state[:1], grad, *state[1:], 0.01, 0.9, 0.999, 1e-8, step, 0.1)
        stand_ins.adam_update(*twin[:1], grad, *twin[1:], 0.01, 0.9, 0.999, 1e-8, step, 0.1)
    for a, b in zip(state, twin):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for slope in (0.0, 0.01, 0.2):
        assert stand_ins.kaiming_gain(slope) == pytest.approx(calculate_gain("leaky_relu", slope), rel=1e-9)


def test_central_differences_and_masking_noise_by_other_methods():
    x, v = np.random.default_rng(2).standard_normal((3, 4)), np.random.default_rng(3).standard_normal((3, 4))
    t = mg.tensor(x.copy(), dtype=np.float64)
    got = stand_ins.central_differences(lambda: float(np.sum(np.sin(t.data) * v)), t.data, 1e-5)
    np.testing.assert_allclose(got, [np.cos(x) * v], rtol=1e-8, atol=1e-10)
    several = stand_ins.central_differences(lambda: np.array([np.sum(t.data ** 2), t.data[0, 0]]), t.data, 1e-5)
    np.testing.assert_allclose(several, [2 * x, np.eye(1, 12).reshape(3, 4)], rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(t.data, x)
    data = np.random.default_rng(4).uniform(0.1, 1, (500, 40))
    noisy = stand_ins.masking_noise(data, 0.25, np.random.default_rng(5))
    assert noisy.shape == data.shape and abs(np.mean(noisy == 0) - 0.25) < 0.02
    assert np.all((noisy == data) | (noisy == 0))
    exact = stand_ins.masking_noise(data, 0.25, np.random.default_rng(6), fixed_count=True)
    assert np.all((exact == 0).sum(axis=1) == 10)


def test_hand_derived_gradients_become_autodiff():
    rng = np.random.default_rng(7)
    model = mg.models.LinearAutoencoder(6, 3, rng=rng, dtype=np.float64)
    X = rng.standard_normal((5, 6))
    closed = model.closed_form_grads(X)
    for name, grad in stand_ins.linear_ae_grads(model, X).items():
        np.testing.assert_allclose(grad, closed[name], rtol=1e-10, atol=1e-12)
    mu, logvar, eps, g_z = (rng.standard_normal((4, 3)) for _ in range(4))
    for got, want in zip(stand_ins.gaussian_kl_grads(mu, logvar), mg.models.kl_grads(mu, logvar)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for got, want in zip(stand_ins.reparameterization_grads(g_z, logvar, eps), mg.models.reparam_grads(g_z, logvar, eps)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    row = rng.standard_normal(3)      # a logvar shared by every sample broadcasts
    for got, want in zip(stand_ins.reparameterization_grads(g_z, row, eps), mg.models.reparam_grads(g_z, row, eps)):
        np.testing.assert_allclose(got, want, rtol=1e-12)


# ---------------------------------------------------------------- untouched blocks


def test_an_exercise_is_unsolved_while_every_block_holds_a_stub(tmp_path):
    (tmp_path / "minigrad_ae").mkdir()
    stub = 'from minigrad_ae import stand_ins\nreturn stand_ins.vjp(ctx, g, "mul_backward")'
    block = ("    # BEGIN EXERCISE mul_backward\n    # replace the stand-in\n    " + stub.replace("\n", "\n    ")
             + "\n    # END EXERCISE\n")
    (tmp_path / "minigrad_ae" / "ops.py").write_text("def backward(ctx, g):\n" + block)
    stubs = {"mul_backward": [stub.splitlines()]}
    assert unsolved(tmp_path, stubs) == {"mul_backward"}
    assert unsolved(tmp_path) == set()    # no exercises.json: not a student copy
    answered = block.replace("return stand_ins.vjp", "a, b = ctx.saved\n    return stand_ins.vjp")
    (tmp_path / "minigrad_ae" / "ops.py").write_text("def backward(ctx, g):\n" + answered)
    assert unsolved(tmp_path, stubs) == set()


def test_the_stand_ins_of_the_lessons_hand_derivations_match_autodiff_and_the_formulas():
    rng = np.random.default_rng(7)
    X, target = rng.uniform(0.05, 0.95, (6, 4)), rng.random((6, 4))
    np.testing.assert_allclose(stand_ins.dae_bias_grad(X, target),
                               np.sum(2 * (X - target) * X * (1 - X), axis=0) / X.size, rtol=1e-10)
    X, W, b = rng.standard_normal((3, 5)), rng.standard_normal((4, 5)), rng.standard_normal(4)
    dW, db = stand_ins.contractive_grads(X, W, b)
    numeric = mg.numerical_grad(lambda w, c: mg.nn.functional.contractive_penalty(
        mg.nn.functional.sigmoid(mg.nn.functional.linear(X, w, c)), w, reduction="mean"), [W, b])
    assert mg.relative_error(dW, numeric[0]) < 1e-8 and mg.relative_error(db, numeric[1]) < 1e-8
    block = mg.nn.Residual(mg.nn.Sequential(mg.nn.Sigmoid(), mg.nn.Linear(4, 4, rng=rng, dtype=np.float64)))
    x0, weight = rng.standard_normal(4), block.fn[1].weight.data
    slope = 1 / (1 + np.exp(-x0)) * (1 - 1 / (1 + np.exp(-x0)))
    np.testing.assert_allclose(stand_ins.residual_jacobian(block, x0), np.eye(4) + weight * slope, atol=1e-9)


def test_the_power_iteration_apply_and_gradient_norm_stand_ins_match_the_package():
    A = np.random.default_rng(8).standard_normal((5, 5))
    H = A @ A.T - 3 * np.eye(5)   # indefinite: the eigenvalue of largest magnitude, whatever its sign

    def loss(t):
        return 0.5 * (t @ mg.tensor(H) @ t)
    eigenvalues = np.linalg.eigvalsh(H)
    assert stand_ins.sharpness(loss, np.ones(5)) == pytest.approx(eigenvalues[np.argmax(np.abs(eigenvalues))])
    model = mg.nn.Sequential(mg.nn.Linear(2, 3), mg.nn.Sequential(mg.nn.ReLU(), mg.nn.Tanh()), mg.nn.Sigmoid())
    by_apply, by_stand_in = [], []
    model.apply(by_apply.append)
    stand_ins.apply_post_order(model, by_stand_in.append)
    assert [id(m) for m in by_stand_in] == [id(m) for m in by_apply]
    from minigrad_ae.nn.diagnostics import gradient_norms
    auto = mg.models.Autoencoder([6, 4, 2], rng=np.random.default_rng(0), dtype=np.float64)
    x = np.random.default_rng(1).random((5, 6))
    layers = [(name, m) for name, m in auto.named_modules() if isinstance(m, mg.nn.Linear)]
    got = stand_ins.gradient_norms(auto, auto.loss(x), layers)
    assert got == pytest.approx(gradient_norms(auto, auto.loss(x)), rel=1e-12)
    assert all(p.grad is None for p in auto.parameters())



def assert_same_value_gradient_and_dtype(solution, stand_in, arrays, upstream, tolerance):
    """``stand_in`` against ``solution`` on Tensors made of ``arrays``: output, dtype and every input's gradient."""
    results = []
    for fn in (solution, stand_in):
        inputs = [mg.tensor(a, requires_grad=True, dtype=a.dtype) for a in arrays]
        out = fn(*inputs)
        out.backward(upstream.astype(out.dtype))
        results.append((out, [t.grad for t in inputs]))
    (expected, expected_grads), (got, got_grads) = results
    assert got.dtype == expected.dtype == arrays[0].dtype and got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected.data, rtol=tolerance, atol=tolerance)
    for got_grad, expected_grad in zip(got_grads, expected_grads):
        np.testing.assert_allclose(got_grad, expected_grad, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("mask_shape", [(4, 5), (5,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_masked_reduction_stand_in_matches_masked_in_value_gradient_and_dtype(reduction, mask_shape, dtype):
    from minigrad_ae.nn.losses import masked
    rng = np.random.default_rng(3)
    observed = rng.random(mask_shape) < 0.6
    observed.flat[0] = True
    upstream = rng.standard_normal((4, 5) if reduction == "none" else ())
    assert_same_value_gradient_and_dtype(lambda t: masked("mse_loss", t, observed, reduction),
                                         lambda t: stand_ins.masked_reduction(t, observed, reduction),
                                         [rng.standard_normal((4, 5)).astype(dtype)], upstream,
                                         1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(6, 3), (3,)])
def test_the_contrastive_stand_in_matches_the_loss_in_value_gradient_and_dtype(shape, dtype):
    from minigrad_ae.nn import functional as F
    rng = np.random.default_rng(4)
    z2 = rng.standard_normal(shape).astype(dtype)
    z1 = z2.copy()
    z1[..., 1:] += 1.5 * rng.standard_normal(shape[:-1] + (shape[-1] - 1,)).astype(dtype)   # some inside margin
    y = (rng.random(shape[:-1]) < 0.5).astype(dtype)
    if len(shape) > 1:
        z1[0], y[:2] = z2[0], [0, 1]   # equal codes of a dissimilar pair: gradient 0, not NaN
    assert_same_value_gradient_and_dtype(lambda a: F.contrastive_loss(a, z2, y, margin=2.0, reduction="none"),
                                         lambda a: stand_ins.contrastive_pair_loss(a, mg.tensor(z2), y, 2.0),
                                         [z1], rng.standard_normal(shape[:-1]), 1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 3), (5,)])
def test_the_gaussian_kl_between_stand_in_matches_the_closed_form_in_value_gradient_and_dtype(shape, dtype):
    from minigrad_ae.models import gaussian_kl_between
    rng = np.random.default_rng(5)
    assert_same_value_gradient_and_dtype(lambda *t: gaussian_kl_between(*t, reduction="none"),
                                         stand_ins.gaussian_kl_between,
                                         [rng.uniform(-2, 2, shape).astype(dtype) for _ in range(4)],
                                         rng.standard_normal(shape[:-1]), 1e-4 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("exaggeration", [1.0, 12.0])
@pytest.mark.parametrize("d", [2, 3])
def test_the_tsne_gradient_stand_in_matches_the_reference(d, exaggeration):
    from minigrad_ae.kernels import tsne_gradient
    rng = np.random.default_rng(6)
    affinity = rng.random((15, 15))
    P = affinity + affinity.T
    np.fill_diagonal(P, 0)
    P /= P.sum()
    Y = rng.standard_normal((15, d))
    np.testing.assert_allclose(stand_ins.tsne_gradient(P, Y, exaggeration),
                               tsne_gradient.reference(P, Y, exaggeration, with_kl=False)[0], rtol=1e-12, atol=1e-15)
