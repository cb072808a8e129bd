"""``Optimizer``: what every optimizer shares: the parameter list, ``lr``, ``zero_grad``, ``step``, saving.

A subclass only writes ``_update(param, grad, state)``: one parameter's update rule, in place.
"""
import math

import numpy as np

from ..autodiff import Tensor
from ..statedict import check_state_dict


class Optimizer:
    """Updates a fixed list of parameters in place from their ``.grad``; subclasses supply the rule.

    ``opt.lr`` is the current learning rate (LR schedules set it). ``opt.state[i]`` holds parameter i's
    running arrays (momentum, moments), created on its first update. A new optimizer is a few lines::

        class SignSGD(Optimizer):
            def __init__(self, params, lr):
                super().__init__(params)
                self.lr = lr
            def _update(self, param, grad, state):   # θ ← θ − lr·sign(g)
                param -= self.lr * np.sign(grad)
    """

    _hyper_names = ("lr",)   # hyper-parameters saved by state_dict, in the order _set_hyper takes them
    _state_names = ()        # per-parameter state entries, saved as "<name>.<index>"
    _counter_names = ()      # the state entries that are integer counters, not arrays

    def __init__(self, params):
        self.params = _collect_params(params, type(self).__name__)
        self.state = [{} for _ in self.params]
        self.step_count = 0   # how many times step() has run

    # ----- the learning rate: validated on every set, because schedules set it too -----
    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_number(type(self).__name__, "lr", value, lambda v: v > 0, "a finite number > 0")

    def _set_hyper(self, lr):
        """Validate and store the hyper-parameters (``__init__`` and ``load_state_dict`` both come here)."""
        self.lr = lr

    # ----- the training-loop API -----
    def zero_grad(self):
        """Forget the gradients (set to None), so the next backward() starts from zero, not accumulates."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient; skip frozen ones (requires_grad False) and unused ones."""
        for i, p in enumerate(self.params):
            if not p.requires_grad or p.grad is None:
                continue
            grad = np.asarray(p.grad)
            if grad.shape != p.data.shape:
                # checked because NumPy would silently broadcast a (n,) grad over an (m, n) parameter
                raise ValueError(f"{type(self).__name__}.step: parameter {i} has shape {p.data.shape} but its grad "
                                 f"has shape {grad.shape}; they must match.")
            self._update(p.data, grad, self.state[i])
            p.bump_version()   # any graph built before this step is now stale: backward through it must refuse
        self.step_count += 1

    def _update(self, param, grad, state):
        raise NotImplementedError(f"{type(self).__name__} must implement _update(param, grad, state)")

    # ----- saving and resuming -----
    def state_dict(self):
        """Flat dict, ready for ``np.savez``: optimizer name, hyper-parameters, ``step_count``, state ``m.0`` …"""
        out = {"optimizer": type(self).__name__, "n_params": len(self.params), "step_count": self.step_count}
        out.update({name: getattr(self, name) for name in self._hyper_names})
        for i, st in enumerate(self.state):
            for name, value in st.items():
                # copy: the live arrays keep changing in place, a saved state must not
                out[f"{name}.{i}"] = value.copy() if isinstance(value, np.ndarray) else value
        return out

    def load_state_dict(self, state):
        """Resume from ``state_dict()`` output (also a loaded ``.npz``): hyper-parameters, step count, state."""
        owner = type(self).__name__
        state = dict(state)
        saved_by = str(state.get("optimizer", "an unknown optimizer (no 'optimizer' key)"))
        if saved_by != owner:
            raise ValueError(f"{owner}.load_state_dict: this state was saved by {saved_by}, not {owner}.")
        if "n_params" in state and int(state["n_params"]) != len(self.params):
            raise ValueError(f"{owner}.load_state_dict: the state is for {int(state['n_params'])} parameters but this "
                             f"optimizer has {len(self.params)}; build it with the same parameters, in the same order.")
        per_param = {f"{name}.{i}": (None if name in self._counter_names else p.data.shape)
                     for name in self._state_names for i, p in enumerate(self.params)}
        check_state_dict(state, f"{owner}.load_state_dict",
                         dict.fromkeys(("optimizer", "n_params", "step_count", *self._hyper_names)),
                         optional=per_param, expected_in=f"{owner}.state_dict()",
                         fix=f"Pass what {owner}.state_dict() returned.")

        per_param_state = [{} for _ in self.params]
        for key in (k for k in per_param if k in state):
            name, _, index = key.rpartition(".")
            p, value = self.params[int(index)], state[key]
            # a fresh array in the parameter's dtype: later in-place updates must not write into the caller's dict
            per_param_state[int(index)][name] = (int(value) if name in self._counter_names   # e.g. Adam's t
                                                 else np.array(value, dtype=p.data.dtype, copy=True))
        self._set_hyper(**{name: _to_python(state[name]) for name in self._hyper_names})   # validated as in __init__
        self.step_count = int(state["step_count"])
        self.state = per_param_state

    @property
    def param_groups(self):
        raise AttributeError(f"{type(self).__name__} has no param_groups: a minigrad_ae optimizer has one group, "
                             "whose learning rate is optimizer.lr (read it, or set it: optimizer.lr = 0.01).")

    def __repr__(self):
        hyper = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyper_names)
        n = len(self.params)
        return f"{type(self).__name__}({n} parameter{'s' * (n != 1)}, {hyper})"


def check_number(owner, name, value, ok, rule):
    """``float(value)`` if ``ok`` holds for it (and it is finite), else an error naming owner, argument, rule."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None
    # NaN and ±inf are never a sensible rate or coefficient, whatever the rule says
    if not (math.isfinite(v) and ok(v)):
        raise ValueError(f"{owner}: {name} must be {rule}, got {value!r}")
    return v


def _to_python(value):
    """0-d arrays (what an .npz gives back) to the Python number/bool/str they were saved from."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def _collect_params(params, owner):
    """The parameters as a list of float Tensors, each once, with errors that say what went wrong."""
    if isinstance(params, Tensor):
        # a Tensor is itself iterable (over its rows), which would silently optimise copies of the rows
        raise TypeError(f"{owner}: params must be an iterable of tensors, got a single Tensor; "
                        f"wrap it in a list: {owner}([w], ...).")
    if isinstance(params, dict):
        raise TypeError(f"{owner}: params must be an iterable of tensors, got a dict; "
                        "pass model.parameters() or list(d.values()).")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"{owner}: params must be an iterable of tensors such as model.parameters(), "
                        f"got {type(params).__name__}.") from None
    if not params:
        raise ValueError(f"{owner}: got an empty parameter list, so there is nothing to optimise. "
                         "(A generator such as model.parameters() can only be iterated once: was it used up?)")
    unique, seen = [], set()
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            hint = (" It looks like a (name, tensor) pair: pass model.parameters(), not named_parameters()."
                    if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Tensor) else "")
            raise TypeError(f"{owner}: parameter {i} is a {type(p).__name__}, not a Tensor.{hint}")
        if not np.issubdtype(p.data.dtype, np.floating):
            raise TypeError(f"{owner}: parameter {i} has dtype {p.data.dtype}; only floating point tensors "
                            "can be optimised (make it with dtype=np.float32 or np.float64).")
        if id(p) not in seen:   # a tied weight listed twice must still be stepped once
            seen.add(id(p))
            unique.append(p)
    return unique
