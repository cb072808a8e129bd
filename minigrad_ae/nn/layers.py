"""Layers: ``Module``s that hold parameters (Linear, BatchNorm1d) or a mode (Dropout) around ``functional``,
and the shape layers (Flatten, Unflatten) that let a Sequential go from images to vectors and back."""
import math

import numpy as np

from ..autodiff import ShapeError, as_tensor, ops
from ..validate import axis as check_axis
from ..validate import dtype as check_dtype
from ..validate import generator, integer, number
from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """y = x Wᵀ + b;  x (batch, in) or (in,), weight W (out, in), bias b (out,).

    Initialised like PyTorch: W, b ~ U(−1/√in, 1/√in) (its kaiming_uniform_ with a=√5 reduces to this).
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float32):
        super().__init__()
        _check_size("Linear", "in_features", in_features)
        _check_size("Linear", "out_features", out_features)
        rng, dtype = generator(rng, "Linear"), check_dtype(dtype, "dtype", "Linear", floating=True)
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features)
        self.weight = init.uniform_(Parameter(np.empty((out_features, in_features), dtype)), -bound, bound, rng)
        self.bias = init.uniform_(Parameter(np.empty(out_features, dtype)), -bound, bound, rng) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """max(x, 0) elementwise. (``inplace``, here and in LeakyReLU and Dropout, is accepted so that PyTorch code
    such as ``nn.ReLU(True)`` runs; nothing is computed in place here, and the result is the same.)"""

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope · x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = number(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e⁻ˣ) elementwise."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x):
        return F.tanh(x)


class Softmax(Module):
    """softmax(x)ᵢ = e^{xᵢ} / Σₖ e^{xₖ} along ``dim`` (e.g. dim=1 for (batch, classes) logits)."""

    def __init__(self, dim):
        super().__init__()
        self.dim = integer(dim, "dim", "nn.Softmax")

    def forward(self, x):
        return F.softmax(x, axis=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for 'no activation')."""

    def forward(self, x):
        return x


class Dropout(Module):
    """Inverted dropout while training (drop with probability p, scale survivors by 1/(1 − p)); identity in eval."""

    def __init__(self, p=0.5, inplace=False, rng=None):
        super().__init__()
        F.check_dropout_p(p)
        self.p = p
        self.rng = generator(rng, "nn.Dropout")

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1d(Module):
    """y = γ (x − μ)/√(σ² + ε) + β per feature;  x (batch, num_features).

    Training: batch statistics, and running_mean / running_var (unbiased) move towards them by
    ``momentum`` (``momentum=None``: their plain average over all batches so far, 1/n for the n-th batch);
    ``num_batches_tracked`` (int64) counts those batches. Evaluation: the running statistics. γ starts at 1,
    β at 0. Parameter and buffer names are PyTorch's, so state dicts move between the two.
    """

    _optional_state = ("num_batches_tracked",)   # checkpoints saved before it was counted still load

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float32):
        super().__init__()
        _check_size("BatchNorm1d", "num_features", num_features)
        dtype = check_dtype(dtype, "dtype", "BatchNorm1d", floating=True)
        self.num_features = num_features
        self.eps = number(eps, "eps", "BatchNorm1d", low=0, low_open=True)
        self.momentum = None if momentum is None else number(momentum, "momentum", "BatchNorm1d", low=0, high=1)
        self.weight = Parameter(np.ones(num_features, dtype))
        self.bias = Parameter(np.zeros(num_features, dtype))
        self.register_buffer("running_mean", np.zeros(num_features, dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype))
        self.register_buffer("num_batches_tracked", np.array(0, np.int64))

    def forward(self, x):
        momentum = self.momentum
        if self.training and momentum is None:
            momentum = 1.0 / (int(self.num_batches_tracked) + 1)
        y = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, self.training, momentum,
                         self.eps)
        if self.training:
            self.num_batches_tracked += 1   # in place (the same 0-d array), and only once the batch went through
        return y

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class Flatten(Module):
    """Merge dims ``start_dim``..``end_dim`` into one: (N, C, H, W) -> (N, C·H·W) with the defaults."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = integer(start_dim, "start_dim", "nn.Flatten")
        self.end_dim = integer(end_dim, "end_dim", "nn.Flatten")

    def forward(self, x):
        x = as_tensor(x, "x", "nn.Flatten")
        shape = x.shape
        start, end = (check_axis(dim, len(shape), name, "nn.Flatten") for name, dim in
                      (("start_dim", self.start_dim), ("end_dim", self.end_dim)))
        if start > end:
            raise ShapeError(f"nn.Flatten: start_dim={self.start_dim} comes after end_dim={self.end_dim} for an "
                             f"input of shape {shape}; start_dim must not be the later dimension.")
        return ops.Reshape.apply(x, shape=shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: Unflatten(1, (32, 7, 7)) takes (N, 1568) to (N, 32, 7, 7)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = integer(dim, "dim", "nn.Unflatten")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else (unflattened_size,)
        self.unflattened_size = tuple(integer(n, "unflattened_size", "nn.Unflatten", low=1) for n in sizes)

    def forward(self, x):
        x = as_tensor(x, "x", "nn.Unflatten")
        shape = x.shape
        dim = check_axis(self.dim, len(shape), "dim", "nn.Unflatten")
        if math.prod(self.unflattened_size) != shape[dim]:
            raise ShapeError(f"nn.Unflatten: dimension {self.dim} of the input {shape} has {shape[dim]} elements, "
                             f"but unflattened_size {self.unflattened_size} holds {math.prod(self.unflattened_size)}.")
        return ops.Reshape.apply(x, shape=shape[:dim] + self.unflattened_size + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _check_size(layer, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}.")
