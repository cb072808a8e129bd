"""Conv2d and ConvTranspose2d: values against a direct loop, gradients against finite differences, the adjoint
identity between them, PyTorch's shapes and initialisation, errors, and a few training steps."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.conv import Conv2d, ConvTranspose2d, conv2d, conv_transpose2d
from gradtools import assert_backward_matches, seeds


@st.composite
def geometries(draw, max_batch=2):
    """(batch, in_channels, out_channels, height, width, kh, kw, stride, padding) for which a conv fits."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), 6))
    w = draw(st.integers(max(1, kw - 2 * padding), 6))
    return (draw(st.integers(1, max_batch)), draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w, kh, kw,
            stride, padding)


def direct_conv2d(x, weight, bias, stride, padding):
    """The definition, one output position at a time: y[n,o,i,j] = b[o] + Σ W[o,c,u,v]·x_pad[n,c,i·s+u,j·s+v]."""
    n, _, h, w = x.shape
    o, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    y = np.empty((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.einsum("ncuv,ocuv->no", patch, weight) + bias
    return y


def direct_conv_transpose2d(x, weight, bias, stride, padding, output_padding):
    """The definition as a scatter: input pixel (i, j) adds W[c]·x[n,c,i,j] to the output from (i·s − p, j·s − p)."""
    n, _, h, w = x.shape
    _, o, kh, kw = weight.shape
    oh, ow = (h - 1) * stride - 2 * padding + kh + output_padding, (w - 1) * stride - 2 * padding + kw + output_padding
    full = np.zeros((n, o, oh + 2 * padding + kh, ow + 2 * padding + kw))
    for i in range(h):
        for j in range(w):
            full[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum(
                "nc,couv->nouv", x[:, :, i, j], weight)
    return full[:, :, padding:padding + oh, padding:padding + ow] + bias[:, None, None]


# ---------------------------------------------------------------- values and shapes
@given(geometry=geometries(), seed=seeds())
def test_conv2d_matches_the_definition_and_pytorch_output_size(geometry, seed):
    n, c, o, h, w, kh, kw, stride, padding = geometry
    rng = np.random.default_rng(seed)
    x, weight, bias = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, kh, kw)), rng.standard_normal(o)
    y = conv2d(mg.tensor(x), mg.tensor(weight), mg.tensor(bias), stride, padding)
    assert y.shape == (n, o, math.floor((h + 2 * padding - kh) / stride) + 1,
                       math.floor((w + 2 * padding - kw) / stride) + 1)
    np.testing.assert_allclose(y.data, direct_conv2d(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-12)


@given(geometry=geometries(), output_padding=st.integers(0, 2), seed=seeds())
def test_conv_transpose2d_matches_the_definition_and_pytorch_output_size(geometry, output_padding, seed):
    n, c, o, h, w, kh, kw, stride, padding = geometry
    output_padding = min(output_padding, stride - 1)
    out_h = (h - 1) * stride - 2 * padding + kh + output_padding
    out_w = (w - 1) * stride - 2 * padding + kw + output_padding
    if min(out_h, out_w) < 1:
        return
    rng = np.random.default_rng(seed)
    x, weight, bias = rng.standard_normal((n, c, h, w)), rng.standard_normal((c, o, kh, kw)), rng.standard_normal(o)
    y = conv_transpose2d(mg.tensor(x), mg.tensor(weight), mg.tensor(bias), stride, padding, output_padding)
    assert y.shape == (n, o, out_h, out_w)
    np.testing.assert_allclose(y.data, direct_conv_transpose2d(x, weight, bias, stride, padding, output_padding),
                               rtol=1e-12, atol=1e-12)


def test_conv2d_is_a_cross_correlation_on_a_hand_computed_example():
    x = mg.tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    weight = mg.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))   # not flipped: y[0,0] = 0·1 + 1·2 + 3·3 + 4·4
    np.testing.assert_array_equal(conv2d(x, weight).data, [[[[27, 37], [57, 67]]]])


@given(geometry=geometries(), seed=seeds())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(geometry, seed):
    # ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ with one shared weight (O, C, kh, kw): convT reads it as (in=O, out=C)
    n, c, o, h, _, kh, _, stride, padding = geometry
    w, kw = h + stride, kh       # the residue (size + 2p − k) mod s below must be the same along both axes
    rng = np.random.default_rng(seed)
    x, weight = rng.standard_normal((n, c, h, w)), mg.tensor(rng.standard_normal((o, c, kh, kw)))
    conv_x = conv2d(mg.tensor(x), weight, None, stride, padding).data
    y = rng.standard_normal(conv_x.shape)
    output_padding = (h + 2 * padding - kh) % stride    # picks the output size that equals x's
    convt_y = conv_transpose2d(mg.tensor(y), weight, None, stride, padding, output_padding).data
    assert convt_y.shape == x.shape
    np.testing.assert_allclose(np.vdot(conv_x, y), np.vdot(x, convt_y), rtol=1e-11, atol=1e-11)


# ---------------------------------------------------------------- gradients (float64, random upstream gradient)
@given(geometry=geometries(), bias=st.booleans(), seed=seeds())
def test_conv2d_gradients_match_finite_differences(geometry, bias, seed):
    n, c, o, h, w, kh, kw, stride, padding = geometry
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, kh, kw))]
    if bias:
        arrays.append(rng.standard_normal(o))
    assert_backward_matches(lambda x, wt, *b: conv2d(x, wt, *b, stride=stride, padding=padding), arrays, seed)


@given(geometry=geometries(), bias=st.booleans(), output_padding=st.integers(0, 2), seed=seeds())
def test_conv_transpose2d_gradients_match_finite_differences(geometry, bias, output_padding, seed):
    n, c, o, h, w, kh, kw, stride, padding = geometry
    output_padding = min(output_padding, stride - 1)
    if min((h - 1) * stride - 2 * padding + kh, (w - 1) * stride - 2 * padding + kw) + output_padding < 1:
        return
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, c, h, w)), rng.standard_normal((c, o, kh, kw))]
    if bias:
        arrays.append(rng.standard_normal(o))
    assert_backward_matches(lambda x, wt, *b: conv_transpose2d(x, wt, *b, stride=stride, padding=padding,
                                                               output_padding=output_padding), arrays, seed)


def test_an_empty_batch_passes_through_both_ways():
    x = mg.tensor(np.zeros((0, 2, 5, 5)), requires_grad=True)
    conv, convt = Conv2d(2, 3, 3, stride=2, dtype=np.float64), ConvTranspose2d(3, 2, 3, stride=2, dtype=np.float64)
    y = convt(conv(x))
    assert conv(x).shape == (0, 3, 2, 2) and y.shape == (0, 2, 5, 5)
    y.sum().backward()
    assert x.grad.shape == x.shape and np.all(conv.weight.grad == 0) and np.all(convt.bias.grad == 0)


# ---------------------------------------------------------------- layers
def test_layers_have_pytorch_weight_shapes_and_initialisation():
    rng = np.random.default_rng(0)
    conv = Conv2d(3, 8, 5, stride=2, padding=1, rng=rng)
    convt = ConvTranspose2d(8, 4, (3, 2), stride=2, output_padding=1, rng=rng, dtype=np.float64)
    assert conv.weight.shape == (8, 3, 5, 5) and conv.bias.shape == (8,) and conv.weight.dtype == np.float32
    assert convt.weight.shape == (8, 4, 3, 2) and convt.bias.shape == (4,) and convt.weight.dtype == np.float64
    for layer, fan_in in ((conv, 3 * 25), (convt, 4 * 6)):    # PyTorch: fan_in from weight.shape[1]·kh·kw
        bound = 1 / math.sqrt(fan_in)
        for p in (layer.weight, layer.bias):
            assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.7 * bound
    assert [name for name, _ in nn.Sequential(conv, nn.ReLU(), convt).named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert Conv2d(1, 2, 3, bias=False).bias is None
    assert repr(conv) == "Conv2d(3, 8, kernel_size=(5, 5), stride=2, padding=1, bias=True)"
    assert repr(convt) == ("ConvTranspose2d(8, 4, kernel_size=(3, 2), stride=2, padding=0, output_padding=1, "
                           "bias=True)")


def test_a_conv_autoencoder_learns_a_few_digits():
    X = mg.data.load_digits()[0][:64].reshape(-1, 1, 8, 8)
    rng = np.random.default_rng(0)
    model = nn.Sequential(Conv2d(1, 8, 3, stride=2, padding=1, rng=rng), nn.ReLU(),
                          ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1, rng=rng), nn.Sigmoid())
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    x = mg.tensor(X)
    losses = []
    for _ in range(30):
        loss = F.mse_loss(model(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert model(x).shape == x.shape and model(x).dtype == np.float32
    assert losses[-1] < 0.5 * losses[0]


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("call, error, match", [
    (lambda: Conv2d(3, 8, 3)(mg.tensor(np.zeros((2, 4, 8, 8)))), mg.ShapeError,
     r"conv2d: input of shape \(2, 4, 8, 8\) has 4 channels but the weight \(8, 3, 3, 3\) expects in_channels=3"),
    (lambda: ConvTranspose2d(3, 8, 3)(mg.tensor(np.zeros((2, 4, 8, 8)))), mg.ShapeError,
     r"conv_transpose2d: input of shape \(2, 4, 8, 8\) has 4 channels .* expects in_channels=3.*out_channels"),
    (lambda: Conv2d(1, 2, 3)(mg.tensor(np.zeros((8, 28, 28)))), mg.ShapeError,
     r"4-d \(batch, channels, height, width\), got shape \(8, 28, 28\).*reshape\(-1, 1, 28, 28\)"),
    (lambda: Conv2d(1, 2, 5)(mg.tensor(np.zeros((1, 1, 3, 8)))), mg.ShapeError,
     r"5×5 kernel does not fit an input of height 3 with padding 0"),
    (lambda: conv2d(mg.tensor(np.zeros((1, 1, 4, 4))), mg.tensor(np.zeros((2, 1, 3, 3))), mg.tensor(np.zeros(3))),
     mg.ShapeError, r"bias of shape \(3,\) does not fit weight \(2, 1, 3, 3\); it must be \(2,\)"),
    (lambda: ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), ValueError, r"output_padding must be .*\[0, 2\)"),
    (lambda: Conv2d(2, 2, 3, stride=0), ValueError, r"Conv2d: stride \(one for height and width\) must be an integer >= 1"),
    (lambda: Conv2d(2, 2, 3, padding=-1), ValueError, r"padding \(zeros on every side\) must be an integer >= 0"),
    (lambda: Conv2d(2, 2, (3, 0)), ValueError, r"kernel_size must be a positive integer or a pair"),
    (lambda: Conv2d(0, 2, 3), ValueError, "Conv2d: in_channels must be an integer >= 1"),
])
def test_errors_name_the_layer_the_shapes_and_the_fix(call, error, match):
    with pytest.raises(error, match=match):
        call()
