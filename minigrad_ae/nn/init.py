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
    return _gain(nonlinearity, param, "calculate_gain")


def uniform_(tensor, a=0.0, b=1.0, rng=None):
    """Fill with samples of U(a, b), a <= b."""
    return _uniform(tensor, a, b, rng, "nn.init.uniform_")


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with samples of N(mean, std²), std >= 0."""
    return _normal(tensor, mean, std, rng, "nn.init.normal_")


def constant_(tensor, val):
    """Fill with the number ``val`` (PyTorch's ``tensor.data.fill_(val)``)."""
    return _fill(tensor, number(val, "val", "nn.init.constant_"), "nn.init.constant_")


def zeros_(tensor):
    return _fill(tensor, 0, "nn.init.zeros_")


def ones_(tensor):
    return _fill(tensor, 1, "nn.init.ones_")


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He init: N(0, std²) with std = gain / √fan (gain from ``calculate_gain(nonlinearity, a)``; √2 for ReLU)."""
    func = "nn.init.kaiming_normal_"
    return _normal(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, func), rng, func)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """He init: U(−bound, bound) with bound = √3 · gain / √fan (the same variance as ``kaiming_normal_``)."""
    func = "nn.init.kaiming_uniform_"
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, func)
    return _uniform(tensor, -bound, bound, rng, func)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """Glorot init: U(−bound, bound) with bound = gain · √(6 / (fan_in + fan_out))."""
    func = "nn.init.xavier_uniform_"
    fan_in, fan_out = _fans(tensor, func)
    bound = number(gain, "gain", func, low=0) * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(tensor, -bound, bound, rng, func)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """Glorot init: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    func = "nn.init.xavier_normal_"
    fan_in, fan_out = _fans(tensor, func)
    return _normal(tensor, 0.0, number(gain, "gain", func, low=0) * math.sqrt(2.0 / (fan_in + fan_out)), rng, func)


def _kaiming_std(tensor, a, mode, nonlinearity, func):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{func}: mode must be 'fan_in' (keeps the forward signal's variance) or "
                         f"'fan_out' (keeps the gradient's), got {mode!r}.")
    fan_in, fan_out = _fans(tensor, func)
    return _gain(nonlinearity, a, func) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


# ``func`` below: the public initialiser that was called, named by its errors


def _gain(nonlinearity, param, func):
    if nonlinearity == "leaky_relu":
        a = 0.01 if param is None else number(param, "the negative slope a", func)
        return math.sqrt(2.0 / (1 + a * a))
    if not isinstance(nonlinearity, str) or nonlinearity not in _GAINS:
        raise ValueError(f"{func}: unknown nonlinearity {nonlinearity!r}; use one of "
                         f"{sorted(_GAINS) + ['leaky_relu']}.")
    return _GAINS[nonlinearity]


def _uniform(tensor, a, b, rng, func):
    shape = _check_tensor(tensor, func).shape
    a, b = number(a, "a", func), number(b, "b", func)
    if a > b:
        raise ValueError(f"{func}: the interval [a, b] = [{a}, {b}] is empty; pass a <= b.")
    return _fill(tensor, generator(rng, func).uniform(a, b, shape), func)


def _normal(tensor, mean, std, rng, func):
    shape = _check_tensor(tensor, func).shape
    mean, std = number(mean, "mean", func), number(std, "std", func, low=0)
    return _fill(tensor, generator(rng, func).normal(mean, std, shape), func)


def _fans(tensor, func):
    """(fan_in, fan_out) of an (out, in, *kernel) weight: in·k and out·k, k = the kernel size (1 for Linear)."""
    shape = _check_tensor(tensor, func).shape
    if len(shape) < 2 or 0 in shape:
        raise ValueError(f"{func}: needs a weight with at least 2 dimensions (out, in), none empty, to know its fans, "
                         f"got shape {shape}. For a bias use zeros_ or uniform_.")
    kernel = math.prod(shape[2:])
    return shape[1] * kernel, shape[0] * kernel


def _fill(tensor, values, func):
    _check_tensor(tensor, func).data[...] = values
    tensor.bump_version()  # in place, like an optimizer step: stale graphs must not use it
    return tensor


def _check_tensor(tensor, func):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{func}: expected a Tensor or Parameter to fill in place (e.g. layer.weight), got "
                        f"{type(tensor).__name__}.")
    return tensor

