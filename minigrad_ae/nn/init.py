"""Weight initialisers, with PyTorch's names and arguments. Each fills a tensor's data in place (keeping its
dtype) and returns the tensor.

The scale keeps activations from shrinking or exploding layer after layer: Var(w) = gain² / fan, with
fan_in = inputs per unit (``in`` of an (out, in) weight) and fan_out = units fed by each input (``out``).

Random ones draw from ``rng`` (a ``np.random.Generator``, PyTorch's ``generator=``; a fresh unseeded one when
None). There is no global seed to set, as ``torch.manual_seed(0)`` does: make one generator,
``rng = np.random.default_rng(0)``, and pass it to every random call (layers, initialisers, dropout,
``DataLoader``, ``fit``); the same seed then gives the same run. PyTorch's ``m.bias.data.fill_(0.01)`` reads
``nn.init.constant_(m.bias, 0.01)`` here.
"""
import math

from ..autodiff import Tensor
from ..validate import generator, number

_GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity, param=None):
    """The gain for a nonlinearity: linear/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1 + a²)) (a = param, 0.01)."""
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + a * a))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; "
                         f"use one of {sorted(_GAINS) + ['leaky_relu']}.")
    return _GAINS[nonlinearity]


def uniform_(tensor, a=0.0, b=1.0, rng=None):
    """Fill with samples of U(a, b)."""
    shape = _check_tensor(tensor, "nn.init.uniform_").shape
    return _fill(tensor, generator(rng, "nn.init.uniform_").uniform(a, b, shape))


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with samples of N(mean, std²)."""
    shape = _check_tensor(tensor, "nn.init.normal_").shape
    return _fill(tensor, generator(rng, "nn.init.normal_").normal(mean, std, shape))


def constant_(tensor, val):
    """Fill with the number ``val`` (PyTorch's ``tensor.data.fill_(val)``)."""
    return _fill(tensor, number(val, "val", "nn.init.constant_"))


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He init: N(0, std²) with std = gain / √fan (gain from ``calculate_gain(nonlinearity, a)``; √2 for ReLU)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), rng)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He init: U(−bound, bound) with bound = √3 · gain / √fan (the same variance as ``kaiming_normal_``)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, rng)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """Glorot init: U(−bound, bound) with bound = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """Glorot init: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), rng)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' (keeps the forward signal's variance) or "
                         f"'fan_out' (keeps the gradient's), got {mode!r}.")
    fan_in, fan_out = _fans(tensor, "kaiming init")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def _fans(tensor, caller):
    """(fan_in, fan_out) of an (out, in, *kernel) weight: in·k and out·k, k = the kernel size (1 for Linear)."""
    shape = _check_tensor(tensor, caller).shape
    if len(shape) < 2:
        raise ValueError(f"{caller}: needs a weight with at least 2 dimensions (out, in) to know its fans, got shape "
                         f"{shape}. For a bias use zeros_ or uniform_.")
    kernel = math.prod(shape[2:])
    return shape[1] * kernel, shape[0] * kernel


def _fill(tensor, values):
    _check_tensor(tensor, "init").data[...] = values
    tensor.bump_version()  # in place, like an optimizer step: stale graphs must not use it
    return tensor


def _check_tensor(tensor, caller):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{caller}: expected a Tensor or Parameter (e.g. layer.weight), got {type(tensor).__name__}.")
    return tensor

