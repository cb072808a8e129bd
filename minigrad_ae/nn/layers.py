"""Layers: ``Module``s that hold parameters (Linear, BatchNorm1d) or a mode (Dropout) around ``functional``."""
import math

import numpy as np

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
        rng = np.random.default_rng() if rng is None else rng
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features)
        self.weight = init.uniform_(Parameter(np.empty((out_features, in_features), dtype)), -bound, bound, rng)
        self.bias = init.uniform_(Parameter(np.empty(out_features, dtype)), -bound, bound, rng) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """max(x, 0) elementwise."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x where x > 0, else negative_slope · x."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

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


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for 'no activation')."""

    def forward(self, x):
        return x


class Dropout(Module):
    """Inverted dropout while training (drop with probability p, scale survivors by 1/(1 − p)); identity in eval."""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        F.check_dropout_p(p)
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1d(Module):
    """y = γ (x − μ)/√(σ² + ε) + β per feature;  x (batch, num_features).

    Training: batch statistics, and running_mean / running_var (unbiased) move towards them by
    ``momentum``. Evaluation: the running statistics. γ starts at 1, β at 0.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float32):
        super().__init__()
        _check_size("BatchNorm1d", "num_features", num_features)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype))
        self.bias = Parameter(np.zeros(num_features, dtype))
        self.register_buffer("running_mean", np.zeros(num_features, dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype))

    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training, self.momentum, self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


def _check_size(layer, name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}.")
