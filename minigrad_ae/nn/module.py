"""``Module``: a container that finds its own trainable ``Parameter``s, so an optimizer can be handed them all.

Setting ``self.weight = Parameter(...)`` or ``self.encoder = Sequential(...)`` in ``__init__`` registers it;
``named_parameters()`` then walks the tree and names each parameter by its path (``encoder.0.weight``).
"""
from collections import namedtuple

import numpy as np

from ..autodiff import Tensor, as_array
from ..statedict import check_state_dict
from ..validate import dtype as check_dtype


class Parameter(Tensor):
    """A trainable tensor: always created with ``requires_grad=True``; float32 unless given float64.

    It owns a copy of ``data``, so two parameters never share memory by accident.
    """

    __slots__ = ()

    def __init__(self, data, dtype=None, name=None):
        dtype = None if dtype is None else check_dtype(dtype, "dtype", "nn.Parameter", floating=True)
        super().__init__(np.array(as_array(data, "data", "nn.Parameter"), dtype=dtype), requires_grad=True, name=name)

    def __repr__(self):
        return "Parameter" + super().__repr__()[len("tensor"):]


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model: subclass it, set parts in ``__init__``, write ``forward``.

    ``module(x)`` calls ``forward(x)``. ``training`` (set by ``train()`` / ``eval()``) switches layers
    such as Dropout and BatchNorm1d between their training and evaluation behaviour.
    """

    _optional_state = ()   # buffers that older state dicts may lack (e.g. BatchNorm1d's num_batches_tracked)

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these registries to exist already
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, x) in the subclass.")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----- registration -----
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: cannot set {name!r} before Module.__init__() has run; "
                               "call super().__init__() first in your __init__.")
        if name in self._parameters and not isinstance(value, Parameter) and value is not None:
            raise TypeError(f"cannot assign a {type(value).__name__} to parameter {name!r}: wrap it as "
                            f"nn.Parameter(value), or change the values in place: module.{name}.data[...] = value.")
        if name in self._buffers and not isinstance(value, np.ndarray):
            raise TypeError(f"buffer {name!r} must stay a NumPy array, got {type(value).__name__}.")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array):
        """Keep a non-trained array (e.g. BatchNorm's running mean) as ``self.<name>``, saved in ``state_dict``."""
        if name in self.__dict__ and name not in self._buffers:
            raise KeyError(f"register_buffer: {type(self).__name__} already has an attribute {name!r}.")
        self._buffers[name] = np.asarray(array)
        object.__setattr__(self, name, self._buffers[name])

    # ----- walking the tree (lists, not generators: they can be reused and len()-ed) -----
    def named_modules(self, prefix=""):
        """[(dotted path, module)] for this module ('' for itself) and every descendant, each module once."""
        found, seen, stack = [], set(), [(prefix, self)]
        while stack:
            path, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            found.append((path, module))
            stack.extend(reversed([(_join(path, n), m) for n, m in module._modules.items()]))
        return found

    def modules(self):
        return [m for _, m in self.named_modules()]

    def named_children(self):
        return list(self._modules.items())

    def children(self):
        return list(self._modules.values())

    def named_parameters(self):
        """[(dotted name, Parameter)], e.g. ('encoder.0.weight', ...); a shared (tied) parameter is listed once."""
        return self._named_members("_parameters")

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self):
        return self._named_members("_buffers")

    def _named_members(self, *registries):
        found, seen = [], set()
        for path, module in self.named_modules():
            for registry in registries:
                for name, value in getattr(module, registry).items():
                    if id(value) not in seen:
                        seen.add(id(value))
                        found.append((_join(path, name), value))
        return found

    def apply(self, fn):
        """Call ``fn(module)`` on every child's subtree, children first, then on this module; returns self.

        As in PyTorch, e.g. custom initialisation (every random init takes the ``rng`` you pass on)::

            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight, rng=rng)
                    nn.init.constant_(m.bias, 0.01)      # PyTorch: m.bias.data.fill_(0.01)
            model.apply(init_weights)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients -----
    def train(self, mode=True):
        """Set ``training`` on this module and all its descendants; returns self."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: Dropout passes through, BatchNorm1d uses its running statistics."""
        return self.train(False)

    def zero_grad(self):
        """Forget accumulated gradients (``grad = None``) before the next backward."""
        for p in self.parameters():
            p.grad = None

    def requires_grad_(self, requires_grad=True):
        """Turn gradient tracking of every parameter on or off; returns self."""
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    def freeze(self):
        """Stop training these parameters: later backward passes give them no gradient (old ones are dropped)."""
        self.zero_grad()
        return self.requires_grad_(False)

    def unfreeze(self):
        return self.requires_grad_(True)

    # ----- devices: there is one, the CPU -----
    def to(self, device):
        """``model.to("cpu")`` returns the model unchanged: its arrays are NumPy arrays, always on the CPU."""
        _check_cpu(device, f"{type(self).__name__}.to")
        return self

    def cpu(self):
        return self

    def cuda(self, device=None):
        """Refused with the fix: there is no GPU here."""
        _check_cpu("cuda", f"{type(self).__name__}.cuda")

    # ----- precision -----
    def double(self):
        """Every floating-point parameter, gradient and buffer cast to float64, in place; returns self (as PyTorch's
        ``model.double()``: e.g. to check gradients against finite differences, which need float64). The
        parameters stay the same objects, so an optimizer built before still updates them; integer buffers
        (BatchNorm1d's ``num_batches_tracked``) keep their type."""
        return self._cast(np.float64)

    def float(self):
        """Every floating-point parameter, gradient and buffer cast to float32, in place; returns self."""
        return self._cast(np.float32)

    def _cast(self, dtype):
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None and p.data.dtype != dtype:
                    p.data = p.data.astype(dtype)
                    if isinstance(p.grad, np.ndarray):
                        p.grad = p.grad.astype(dtype)
                    p.bump_version()   # a graph recorded with the old array must not backpropagate into the new
            for name, buffer in module._buffers.items():
                if buffer.dtype.kind == "f":
                    setattr(module, name, buffer.astype(dtype))
        return self

    # ----- saving and loading -----
    def state_dict(self):
        """{dotted name: copy of the array} for every parameter and buffer, in registration order."""
        return {name: _array(value).copy() for name, value in self._named_members("_parameters", "_buffers")}

    def load_state_dict(self, state, strict=True):
        """Copy ``state``'s arrays into the existing parameters and buffers, in place (cast to their dtype).

        All keys and shapes are checked before anything is written, so a failed load changes nothing.
        ``strict=False`` tolerates missing and unexpected keys (returned); shape mismatches always raise.
        A buffer a layer lists in ``_optional_state`` may be missing: it keeps its value.
        """
        own = dict(self._named_members("_parameters", "_buffers"))
        optional = {_join(path, name) for path, module in self.named_modules() for name in module._optional_state}
        shapes = {k: _array(v).shape for k, v in own.items()}
        missing, unexpected = check_state_dict(
            state, f"load_state_dict for {type(self).__name__}", {k: s for k, s in shapes.items() if k not in optional},
            optional={k: s for k, s in shapes.items() if k in optional}, strict=strict, expected_in="the model",
            fix="Build the model with the same layer sizes it was saved with"
                + (", or pass strict=False to skip missing/unexpected keys." if strict else "."))
        for k, target in own.items():
            if k in state:
                _array(target)[...] = _array(state[k])
                if isinstance(target, Tensor):
                    target.bump_version()  # graphs built before the load must not backpropagate through it
        return IncompatibleKeys(missing, unexpected)

    # ----- printing -----
    def extra_repr(self):
        """The layer's settings, shown inside its parentheses by ``repr``."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        if not self._modules:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + [f"({name}): {m!r}".replace("\n", "\n  ")
                                              for name, m in self._modules.items()]
        return f"{type(self).__name__}(\n" + "".join(f"  {line}\n" for line in lines) + ")"


class Sequential(Module):
    """Modules applied in order: ``Sequential(Linear(64, 8), ReLU())(x)`` = ReLU()(Linear(64, 8)(x)).

    Indexable (``seq[0]``, ``seq[-1]``, a slice gives a Sequential), ``len``-able and iterable.
    """

    def __init__(self, *modules):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        if isinstance(module, type) and issubclass(module, Module):
            raise TypeError(f"Sequential: got the class {module.__name__}, not a layer; call it: {module.__name__}().")
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: item {len(self)} is a {type(module).__name__}, not a Module; "
                            "use layer objects such as nn.ReLU() (not F.relu).")
        setattr(self, str(len(self)), module)
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*layers[index])
        try:
            return layers[index]
        except IndexError:
            raise IndexError(f"Sequential: index {index} is out of range for {len(layers)} layers.") from None

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


def _check_cpu(device, caller):
    if isinstance(device, str):
        if device == "cpu":
            return
        raise RuntimeError(f"{caller}: minigrad_ae computes with NumPy on the CPU only; there is no {device!r} "
                           "device. Delete the call, or set device = 'cpu' where the PyTorch code picks one.")
    raise TypeError(f"{caller}: expected a device ('cpu'), got {type(device).__name__} {device!r}. A layer's dtype "
                    "is chosen when it is built, e.g. nn.Linear(4, 2, dtype=np.float64), and changed with "
                    "model.double() or model.float().")


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _array(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)
