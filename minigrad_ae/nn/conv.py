"""Convolutions of image batches (N, C, H, W): ``Conv2d`` and its adjoint ``ConvTranspose2d``, as in PyTorch.

Each is one matrix product on BLAS next to a gather or scatter kernel (``minigrad_ae/kernels/im2col.py``);
the Functions with their backward are in fused.py, the layers and their argument checks here:

    conv:   cols = im2col(x)  (N, C·kh·kw, OH·OW);   y[n] = W.reshape(O, C·kh·kw) @ cols[n]
    convT:  cols[n] = W.reshape(C, O·kh·kw)ᵀ @ x[n];  y = col2im(cols)

A transposed convolution is the adjoint (the transpose) of a convolution with the same weight, which is
why its forward is the convolution's backward with respect to the input, and the other way round.
Output sizes (per spatial axis, kernel k, stride s, padding p):
conv H_out = ⌊(H + 2p − k)/s⌋ + 1;  convT H_out = (H − 1)·s − 2p + k + output_padding.
"""
import math

import numpy as np

from ..autodiff import ShapeError, as_tensor
from ..validate import dtype as check_dtype
from ..validate import generator, integer, is_integer, positive_int
from . import init
from .fused import Convolution2d, TransposedConvolution2d
from .module import Module, Parameter


# ---------------------------------------------------------------- functions
def conv2d(x, weight, bias=None, stride=1, padding=0):
    """Cross-correlation y[n, o] = Σ_c W[o, c] ⋆ x[n, c] + b[o];  x (N, C, H, W), W (O, C, kh, kw), b (O,) / None."""
    x, weight = as_tensor(x, "x", "conv2d"), as_tensor(weight, "weight", "conv2d")
    out_channels, in_channels, kh, kw = _check_weight("conv2d", weight, "(out_channels, in_channels, kh, kw)")
    _check_input("conv2d", x, in_channels, weight)
    _check_geometry("conv2d", stride, padding)
    for axis, size, k in (("height", x.shape[2], kh), ("width", x.shape[3], kw)):
        if size + 2 * padding < k:
            raise ShapeError(f"conv2d: a {kh}×{kw} kernel does not fit an input of {axis} {size} with padding "
                             f"{padding} (input {x.shape}); use a smaller kernel, more padding or larger images.")
    return Convolution2d.apply(x, *_with_bias("conv2d", weight, bias, out_channels), stride=stride, padding=padding)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """The adjoint of ``conv2d``: x (N, C, H, W), W (C, O, kh, kw), b (O,) or None  ->  (N, O, H_out, W_out)."""
    x, weight = as_tensor(x, "x", "conv_transpose2d"), as_tensor(weight, "weight", "conv_transpose2d")
    in_channels, out_channels, kh, kw = _check_weight("conv_transpose2d", weight, "(in_channels, out_channels, kh, kw)")
    _check_input("conv_transpose2d", x, in_channels, weight)
    _check_geometry("conv_transpose2d", stride, padding, output_padding)
    out_hw = [(size - 1) * stride - 2 * padding + k + output_padding for size, k in zip(x.shape[2:], (kh, kw))]
    if min(out_hw) < 1:
        raise ShapeError(f"conv_transpose2d: input {x.shape} with a {kh}×{kw} kernel, stride {stride} and padding "
                         f"{padding} gives an output of size {tuple(out_hw)}; reduce the padding.")
    return TransposedConvolution2d.apply(x, *_with_bias("conv_transpose2d", weight, bias, out_channels),
                                         stride=stride, padding=padding, out_hw=tuple(out_hw))


# ---------------------------------------------------------------- layers
class Conv2d(Module):
    """2-d convolution (cross-correlation, as in every framework) of (N, in_channels, H, W) images.

    weight (out_channels, in_channels, kh, kw), bias (out_channels,); ``kernel_size`` an int or (kh, kw);
    ``stride`` and ``padding`` (zeros on every side) ints. Initialised like PyTorch: U(−1/√fan_in, 1/√fan_in),
    fan_in = in_channels·kh·kw.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, rng=None,
                 dtype=np.float32):
        super().__init__()
        kh, kw = _kernel_pair("Conv2d", kernel_size)
        _check_channels("Conv2d", in_channels, out_channels)
        _check_geometry("Conv2d", stride, padding)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, (kh, kw)
        self.stride, self.padding = stride, padding
        self.weight, self.bias = _init_params((out_channels, in_channels, kh, kw), out_channels, bias, rng, dtype,
                                              "Conv2d")

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, bias={self.bias is not None}")


class ConvTranspose2d(Module):
    """Transposed 2-d convolution (the adjoint of Conv2d: it upsamples by ``stride``) of (N, in_channels, H, W).

    weight (in_channels, out_channels, kh, kw), as in PyTorch; bias (out_channels,). Output
    H_out = (H − 1)·stride − 2·padding + kh + output_padding (0 <= output_padding < stride). Initialised like
    PyTorch: U(−1/√fan_in, 1/√fan_in) with fan_in = weight.shape[1]·kh·kw = out_channels·kh·kw.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, bias=True,
                 rng=None, dtype=np.float32):
        super().__init__()
        kh, kw = _kernel_pair("ConvTranspose2d", kernel_size)
        _check_channels("ConvTranspose2d", in_channels, out_channels)
        _check_geometry("ConvTranspose2d", stride, padding, output_padding)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, (kh, kw)
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        self.weight, self.bias = _init_params((in_channels, out_channels, kh, kw), out_channels, bias, rng, dtype,
                                              "ConvTranspose2d")

    def forward(self, x):
        return conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, output_padding={self.output_padding}, bias={self.bias is not None}")


# ---------------------------------------------------------------- shared helpers
def _with_bias(name, weight, bias, out_channels):
    if bias is None:
        return (weight,)
    bias = as_tensor(bias, "bias", name)
    if bias.shape != (out_channels,):
        raise ShapeError(f"{name}: bias of shape {bias.shape} does not fit weight {weight.shape}; it must be "
                         f"({out_channels},), one per output channel.")
    return weight, bias


def _check_weight(name, weight, layout):
    if weight.ndim != 4:
        raise ShapeError(f"{name}: weight must be 4-d {layout}, got shape {weight.shape}.")
    return weight.shape


def _check_input(name, x, in_channels, weight):
    if x.ndim != 4:
        raise ShapeError(f"{name}: input must be 4-d (batch, channels, height, width), got shape {x.shape}. "
                         "For one image use x.reshape(1, C, H, W); for flat MNIST rows use x.reshape(-1, 1, 28, 28).")
    if x.shape[1] != in_channels:
        raise ShapeError(f"{name}: input of shape {x.shape} has {x.shape[1]} channels but the weight {weight.shape} "
                         f"expects in_channels={in_channels} (axis 1 of the input). Fix: build the layer with "
                         f"in_channels={x.shape[1]}, or check the previous layer's out_channels.")


def _check_geometry(name, stride, padding, output_padding=0):
    integer(stride, "stride (one for height and width)", name, low=1)
    integer(padding, "padding (zeros on every side)", name, low=0)
    if not (is_integer(output_padding) and 0 <= output_padding < stride):
        raise ValueError(f"{name}: output_padding must be an integer in [0, stride) = [0, {stride}), got "
                         f"{output_padding!r}. The stride output sizes from H_out to H_out + stride − 1 all "
                         "convolve back to the input's size; output_padding picks one of them.")


def _check_channels(name, in_channels, out_channels):
    positive_int(in_channels, "in_channels", name)
    positive_int(out_channels, "out_channels", name)


def _kernel_pair(name, kernel_size):
    pair = (kernel_size,) * 2 if is_integer(kernel_size) else kernel_size
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(is_integer(k) and k >= 1 for k in pair)):
        raise ValueError(f"{name}: kernel_size must be a positive integer or a pair (kh, kw) of them, "
                         f"got {kernel_size!r}.")
    return int(pair[0]), int(pair[1])


def _init_params(weight_shape, out_channels, bias, rng, dtype, layer):
    """PyTorch's default: weight and bias ~ U(−1/√fan_in, 1/√fan_in), fan_in = weight_shape[1]·kh·kw."""
    rng, dtype = generator(rng, layer), check_dtype(dtype, "dtype", layer, floating=True)
    bound = 1 / math.sqrt(weight_shape[1] * weight_shape[2] * weight_shape[3])
    weight = init.uniform_(Parameter(np.empty(weight_shape, dtype)), -bound, bound, rng)
    return weight, (init.uniform_(Parameter(np.empty(out_channels, dtype)), -bound, bound, rng) if bias else None)
