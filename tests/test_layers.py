"""Layers and initialisers of minigrad_ae.nn: forward against NumPy, fused backwards against finite
differences (float64, random upstream gradients), statistics of random parts, and error messages."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.nn import init
from gradtools import arrays, assert_backward_matches, seeds

sizes = st.integers(1, 5)


# ---------------------------------------------------------------- Linear


@given(sizes, sizes, sizes, st.booleans(), st.booleans(), seeds(), st.data())
def test_linear_forward_and_fused_backward(batch, n_in, n_out, one_sample, with_bias, seed, data):
    x = data.draw(arrays((n_in,) if one_sample else (batch, n_in)))
    w, b = data.draw(arrays((n_out, n_in))), data.draw(arrays((n_out,)))
    np.testing.assert_allclose(F.linear(mg.tensor(x), mg.tensor(w), mg.tensor(b) if with_bias else None).data,
                               x @ w.T + (b if with_bias else 0), atol=1e-12)
    if with_bias:
        gx, gw, gb = assert_backward_matches(F.linear, [x, w, b], seed)
    else:
        gx, gw = assert_backward_matches(F.linear, [x, w], seed)
    g = np.random.default_rng(seed).standard_normal((n_out,) if one_sample else (batch, n_out))
    np.testing.assert_allclose(gw, np.atleast_2d(g).T @ np.atleast_2d(x))  # dW = gᵀ x
    np.testing.assert_allclose(gx, g @ w)                                # dx = g W
    if with_bias:
        np.testing.assert_allclose(gb, np.atleast_2d(g).sum(axis=0))      # db = Σ_batch g


def test_linear_layer_matches_formula_and_keeps_float32():
    layer = nn.Linear(4, 3, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    y = layer(mg.tensor(x))
    assert y.shape == (5, 3) and y.dtype == np.float32
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,) and layer.weight.dtype == np.float32
    np.testing.assert_allclose(y.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    assert nn.Linear(4, 3, dtype=np.float64).weight.dtype == np.float64


def test_linear_default_init_is_uniform_within_one_over_sqrt_in():
    layer = nn.Linear(400, 300, rng=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.99 * bound
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    same = nn.Linear(400, 300, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(same.weight.data, layer.weight.data)


def test_linear_without_bias_and_skipped_gradients():
    layer = nn.Linear(3, 2, bias=False, dtype=np.float64)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    layer.weight.requires_grad = False
    x = mg.tensor(np.ones((4, 3)), requires_grad=True)
    layer(x).sum().backward()
    assert layer.weight.grad is None
    np.testing.assert_allclose(x.grad, np.ones((4, 2)) @ layer.weight.data)


def test_linear_shape_error_names_the_layer_sizes():
    layer = nn.Linear(64, 8)
    with pytest.raises(mg.ShapeError, match=r"input of shape \(32, 10\) does not fit a layer with in_features=64, "
                                            r"out_features=8.*Linear\(10, 8\)"):
        layer(mg.zeros((32, 10)))
    with pytest.raises(mg.ShapeError, match=r"input of shape \(\) does not fit"):
        layer(mg.tensor(1.0))
    with pytest.raises(mg.ShapeError, match=r"bias of shape \(3,\) does not fit weight \(8, 64\)"):
        F.linear(mg.zeros((2, 64)), layer.weight, mg.zeros(3))


@pytest.mark.parametrize("args", [(0, 3), (3, -1), (2.5, 3), (True, 3)])
def test_linear_refuses_bad_sizes(args):
    with pytest.raises(ValueError, match="Linear: (in|out)_features must be a positive integer"):
        nn.Linear(*args)


# ---------------------------------------------------------------- activations


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Identity(), lambda x: x),
]


@pytest.mark.parametrize("layer, reference", ACTIVATIONS, ids=lambda v: type(v).__name__)
@given(shape=st.tuples(sizes, sizes), seed=seeds())
def test_activation_layers_values_and_gradients(layer, reference, shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 3, shape)  # away from the kink at 0
    np.testing.assert_allclose(layer(mg.tensor(x)).data, reference(x), rtol=1e-12)
    if not isinstance(layer, nn.Identity):
        assert_backward_matches(layer, [x], seed)


def test_pytorch_inplace_flag_is_accepted_and_changes_nothing():
    x = mg.tensor(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(nn.ReLU(True)(x).data, [0.0, 2.0])
    np.testing.assert_array_equal(nn.LeakyReLU(0.5, True)(x).data, [-0.5, 2.0])
    np.testing.assert_array_equal(nn.Dropout(0.2, True).eval()(x).data, x.data)
    np.testing.assert_array_equal(x.data, [-1.0, 2.0])
    with pytest.raises(TypeError, match="nn.Dropout: rng must be a numpy.random.Generator"):
        nn.Dropout(0.2, rng=3)


def test_activation_reprs():
    assert [repr(layer) for layer, _ in ACTIVATIONS] == [
        "ReLU()", "LeakyReLU(negative_slope=0.2)", "Sigmoid()", "Tanh()", "Identity()"]


# ---------------------------------------------------------------- Dropout


def test_dropout_eval_is_identity():
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)))
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_train_keeps_expectation_and_scales_survivors():
    x = mg.tensor(np.full((200, 500), 2.0, np.float32))
    y = nn.Dropout(0.3, rng=np.random.default_rng(0))(x).data
    assert y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, np.float32(2 / 0.7)}
    assert (y == 0).mean() == pytest.approx(0.3, abs=0.01)
    assert y.mean() == pytest.approx(2.0, rel=0.02)


@given(st.tuples(sizes, sizes), st.floats(0.0, 0.9), seeds())
def test_dropout_gradient_is_the_scaled_mask(shape, p, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    (gx,) = assert_backward_matches(lambda t: F.dropout(t, p, rng=np.random.default_rng(seed)), [x], seed)
    y = F.dropout(mg.tensor(x), p, rng=np.random.default_rng(seed)).data
    g = np.random.default_rng(seed).standard_normal(shape)
    np.testing.assert_allclose(gx, g * (y != 0) / (1 - p))


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, float("nan")])
def test_dropout_refuses_bad_p(p):
    with pytest.raises(ValueError, match=r"dropout: p is the probability of dropping an element and must satisfy "
                                         r"0 <= p < 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="0 <= p < 1"):
        F.dropout(mg.zeros(3), p)


# ---------------------------------------------------------------- BatchNorm1d


def bn_buffers(features):
    return np.zeros(features), np.ones(features)


def batch_norm_composed(x, gamma, beta, eps=1e-5):
    """The same normalisation from autodiff ops, to compare the fused compact backward with."""
    mean = x.mean(axis=0, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=0, keepdims=True)
    return gamma * (x - mean) / (var + eps).sqrt() + beta


@given(st.integers(2, 6), sizes, seeds())
def test_batch_norm_training_backward_matches_finite_differences_and_autodiff(batch, features, seed):
    rng = np.random.default_rng(seed)
    # rows kept ≥ 0.5 apart: a feature whose batch variance is ~0 makes (x − μ)/√(σ² + ε) too ill-conditioned
    # for central differences to resolve (measured: 7e-8 off at batch 2)
    x = rng.standard_normal((batch, features)) + 0.5 * np.arange(batch)[:, None]
    gamma = rng.uniform(0.5, 2, features)
    beta = rng.standard_normal(features)
    fused = assert_backward_matches(lambda *t: F.batch_norm(t[0], *bn_buffers(features), t[1], t[2], training=True),
                                    [x, gamma, beta], seed)
    composed = assert_backward_matches(batch_norm_composed, [x, gamma, beta], seed)
    for a, b in zip(fused, composed):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@given(sizes, sizes, seeds())
def test_batch_norm_eval_backward(batch, features, seed):
    rng = np.random.default_rng(seed)
    x, gamma = rng.standard_normal((batch, features)), rng.uniform(0.5, 2, features)
    beta = rng.standard_normal(features)
    mean, var = rng.standard_normal(features), rng.uniform(0.5, 2, features)
    y = F.batch_norm(mg.tensor(x), mean, var, mg.tensor(gamma), mg.tensor(beta), eps=1e-5)
    np.testing.assert_allclose(y.data, gamma * (x - mean) / np.sqrt(var + 1e-5) + beta)
    assert_backward_matches(lambda *t: F.batch_norm(t[0], mean, var, t[1], t[2]), [x, gamma, beta], seed)


def test_batch_norm_train_normalises_and_updates_unbiased_running_stats():
    x = np.random.default_rng(0).normal(3.0, 2.0, (50, 4))
    bn = nn.BatchNorm1d(4, dtype=np.float64)
    y = bn(mg.tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-4)  # 1 up to ε / σ²
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))


def test_batch_norm_eval_uses_running_stats_and_leaves_them_alone():
    bn = nn.BatchNorm1d(3)
    bn.running_mean[...] = [1.0, 2.0, 3.0]
    bn.running_var[...] = [4.0, 1.0, 0.25]
    bn.weight.data[...] = 2.0
    bn.eval()
    x = np.array([[1.0, 1.0, 1.0]], np.float32)  # a batch of 1 is fine in eval
    y = bn(mg.tensor(x))
    np.testing.assert_allclose(y.data, 2 * (x - [1, 2, 3]) / np.sqrt(np.array([4, 1, 0.25]) + 1e-5), rtol=1e-6)
    np.testing.assert_array_equal(bn.running_mean, [1, 2, 3])
    assert y.dtype == np.float32


def test_batch_norm_errors():
    bn = nn.BatchNorm1d(8)
    with pytest.raises(ValueError, match=r"training needs at least 2 samples per batch.*\(1, 8\).*model.eval\(\)"):
        bn(mg.zeros((1, 8)))
    with pytest.raises(mg.ShapeError, match=r"input of shape \(4, 10\) does not fit num_features=8"):
        bn(mg.zeros((4, 10)))
    with pytest.raises(mg.ShapeError, match=r"input of shape \(8,\) does not fit"):
        bn(mg.zeros(8))
    with pytest.raises(ValueError, match="BatchNorm1d: num_features must be a positive integer"):
        nn.BatchNorm1d(0)


def test_batch_norm_state_and_repr():
    bn = nn.BatchNorm1d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert repr(bn) == "BatchNorm1d(3, eps=1e-05, momentum=0.1)"


def test_a_state_dict_from_before_num_batches_tracked_still_loads():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model(mg.tensor(np.ones((4, 2))))
    old = {k: v for k, v in nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3)).state_dict().items()
           if not k.endswith("num_batches_tracked")}
    assert model.load_state_dict(old) == ([], [])
    assert model[1].num_batches_tracked == 1   # kept, as PyTorch does for its pre-0.4.1 checkpoints
    with pytest.raises(ValueError, match=r"shape mismatch for 1.num_batches_tracked: expected \(\), got \(1,\)"):
        model.load_state_dict({**old, "1.num_batches_tracked": np.zeros(1)})


def test_batch_norm_counts_training_batches_and_momentum_none_averages_them_all():
    rng = np.random.default_rng(0)
    batches = [rng.normal(i, 1.0 + i, (6, 3)) for i in range(4)]
    bn = nn.BatchNorm1d(3, momentum=None, dtype=np.float64)
    counter = bn.num_batches_tracked
    for x in batches:
        bn(mg.tensor(x))
    assert bn.num_batches_tracked is counter and counter.dtype == np.int64 and counter == 4
    # 1/n for the n-th batch makes the running statistics plain averages of the batch statistics
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(axis=0) for x in batches], axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean([x.var(axis=0, ddof=1) for x in batches], axis=0), rtol=1e-12)
    bn.eval()
    bn(mg.tensor(batches[0]))
    with pytest.raises(ValueError, match="at least 2 samples"):
        bn.train()(mg.zeros((1, 3), dtype=np.float64))
    assert counter == 4   # neither evaluation nor a refused batch counts
    with pytest.raises(ValueError, match=r"BatchNorm1d: momentum must be a number in \[0, 1\], got 1.5"):
        nn.BatchNorm1d(3, momentum=1.5)


# ---------------------------------------------------------------- Softmax, Flatten, Unflatten


@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data(), seeds())
def test_softmax_layer_values_and_gradient(shape, data, seed):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).standard_normal(shape)
    y = nn.Softmax(dim)(mg.tensor(x)).data
    np.testing.assert_allclose(y, np.exp(x) / np.exp(x).sum(axis=dim, keepdims=True), rtol=1e-12)
    assert_backward_matches(nn.Softmax(dim), [x], seed)


@given(hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), st.data(), seeds())
def test_flatten_merges_the_dims_like_numpy_reshape_and_unflatten_undoes_it(shape, data, seed):
    start = data.draw(st.integers(-len(shape), len(shape) - 1))
    end = data.draw(st.integers(start % len(shape), len(shape) - 1))
    x = np.random.default_rng(seed).standard_normal(shape)
    s, e = start % len(shape), end
    want = shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:]
    flat = nn.Flatten(start, end)(mg.tensor(x))
    assert flat.shape == want
    np.testing.assert_array_equal(flat.data, x.reshape(want))
    np.testing.assert_array_equal(nn.Unflatten(s, shape[s:e + 1])(flat).data, x)
    assert_backward_matches(nn.Flatten(start, end), [x], seed)


def test_flatten_unflatten_in_a_conv_autoencoder_stack():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, rng=rng), nn.Flatten(), nn.Linear(2 * 4 * 4, 32, rng=rng),
                          nn.Unflatten(1, (2, 4, 4)), nn.ConvTranspose2d(2, 1, 3, padding=1, rng=rng))
    assert model(rng.random((5, 1, 4, 4))).shape == (5, 1, 4, 4)
    assert repr(model[1]) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(model[3]) == "Unflatten(dim=1, unflattened_size=(2, 4, 4))"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"


def test_shape_layer_errors():
    with pytest.raises(mg.ShapeError, match=r"nn.Flatten: start_dim=2 comes after end_dim=1"):
        nn.Flatten(2, 1)(mg.zeros((2, 3, 4)))
    with pytest.raises(mg.ShapeError, match=r"nn.Flatten: start_dim=1 is out of range for an input with 1 "
                                            r"dimensions \(valid: -1 to 0\)"):
        nn.Flatten()(mg.zeros(5))
    with pytest.raises(mg.ShapeError, match=r"nn.Unflatten: dimension 1 of the input \(2, 12\) has 12 elements, "
                                            r"but unflattened_size \(2, 5\) holds 10"):
        nn.Unflatten(1, (2, 5))(mg.zeros((2, 12)))
    with pytest.raises(ValueError, match="nn.Unflatten: unflattened_size must be an integer >= 1, got 0"):
        nn.Unflatten(1, (0, 5))
    with pytest.raises(TypeError, match="nn.Softmax: dim must be an integer, got NoneType"):
        nn.Softmax(None)


# ---------------------------------------------------------------- init


def big(shape=(600, 400), dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype))


@pytest.mark.parametrize("kwargs, fan", [({}, 400), ({"mode": "fan_out"}, 600), ({"nonlinearity": "relu"}, 400)])
def test_kaiming_normal_std(kwargs, fan):
    w = init.kaiming_normal_(big(), rng=np.random.default_rng(0), **kwargs)
    assert w.data.std() == pytest.approx(math.sqrt(2 / fan), rel=0.02)
    assert w.data.mean() == pytest.approx(0, abs=0.002)


def test_kaiming_leaky_relu_gain_and_uniform_bound():
    a = 0.2
    gain = math.sqrt(2 / (1 + a * a))
    assert init.calculate_gain("leaky_relu", a) == pytest.approx(gain)
    w = init.kaiming_normal_(big(), a=a, rng=np.random.default_rng(0))
    assert w.data.std() == pytest.approx(gain / math.sqrt(400), rel=0.02)
    w = init.kaiming_uniform_(big(), a=a, nonlinearity="leaky_relu", rng=np.random.default_rng(0))
    bound = math.sqrt(3) * gain / math.sqrt(400)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    assert w.data.std() == pytest.approx(gain / math.sqrt(400), rel=0.02)


def test_xavier_std_and_bound():
    std = 2.0 * math.sqrt(2 / (600 + 400))
    assert init.xavier_normal_(big(), gain=2.0, rng=np.random.default_rng(0)).data.std() == pytest.approx(std, rel=0.02)
    w = init.xavier_uniform_(big(), rng=np.random.default_rng(0)).data
    assert np.abs(w).max() <= math.sqrt(6 / 1000) and w.std() == pytest.approx(math.sqrt(2 / 1000), rel=0.02)


def test_calculate_gain_table_and_error():
    assert [init.calculate_gain(n) for n in ("linear", "sigmoid", "tanh", "relu")] == [1, 1, 5 / 3, math.sqrt(2)]
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    with pytest.raises(ValueError, match="calculate_gain: unknown nonlinearity 'gelu'"):
        init.calculate_gain("gelu")


def test_initialisers_work_in_place_keep_dtype_and_bump_version():
    w = nn.Parameter(np.ones((3, 2), np.float32))
    array, version = w.data, w._version
    assert init.kaiming_uniform_(w, rng=np.random.default_rng(0)) is w
    assert w.data is array and w.dtype == np.float32 and w._version == version + 1
    np.testing.assert_array_equal(init.zeros_(w).data, 0)
    np.testing.assert_array_equal(init.constant_(w, 0.5).data, 0.5)
    np.testing.assert_array_equal(init.ones_(w).data, 1)
    assert w.data is array and w._version == version + 4
    f64 = init.normal_(nn.Parameter(np.zeros(4, np.float64)), rng=np.random.default_rng(0))
    assert f64.dtype == np.float64


def test_initialiser_errors():
    with pytest.raises(ValueError, match="mode must be 'fan_in'.*or 'fan_out'.*got 'fan_avg'"):
        init.kaiming_normal_(big(), mode="fan_avg")
    with pytest.raises(ValueError, match=r"needs a weight with at least 2 dimensions.*got shape \(5,\).*zeros_"):
        init.xavier_uniform_(nn.Parameter(np.zeros(5)))
    with pytest.raises(TypeError, match="expected a Tensor or Parameter.*got ndarray"):
        init.zeros_(np.zeros(3))
    with pytest.raises(TypeError, match="nn.init.uniform_: expected a Tensor or Parameter.*got list"):
        init.uniform_([0.0, 0.0])
    with pytest.raises(TypeError, match=r"nn.init.normal_: rng must be a numpy.random.Generator.*default_rng\(seed\)"):
        init.normal_(big(), rng=0)
    with pytest.raises(ValueError, match="nn.init.constant_: val must be a finite number, got nan"):
        init.constant_(big(), float("nan"))


def test_linear_gradients_are_handed_over_without_copies_but_never_shared():
    # Affine's backward makes new arrays (fresh_grads), so the engine gives them to the parameters as they are;
    # a gradient passed through unchanged (by +) must still be copied, so no two tensors share one array
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float64)
    x = mg.tensor(np.ones((4, 3)), requires_grad=True)
    y = mg.tensor(np.ones((4, 2)), requires_grad=True)
    out = layer(x) + y
    out.backward(np.ones((4, 2)))
    grads = [layer.weight.grad, layer.bias.grad, x.grad, y.grad, out.grad]
    assert len({id(g) for g in grads}) == 5 and not np.shares_memory(y.grad, out.grad)
    np.testing.assert_array_equal(layer.bias.grad, [4.0, 4.0])
    (layer(x) + y).backward(np.ones((4, 2)))        # a second backward accumulates into the same arrays
    np.testing.assert_array_equal(layer.bias.grad, [8.0, 8.0])
    np.testing.assert_array_equal(y.grad, 2.0)
