"""SGD (momentum, Nesterov, weight decay), Adam and RMSprop, with PyTorch's names and update rules.

Each rule is a function of arrays and scalars that updates ``param`` and its state arrays in place
(``sgd_update``, ``adam_update``, ``rmsprop_update``); the classes only keep the state and call it.
The rules are kernels: read their formulas in ``minigrad_ae/kernels/optim.py`` (``sgd_update_ref`` ...,
plain NumPy), beside the compiled loops that run them (one pass over memory instead of 5-10).
``grad`` is never written to: it belongs to the parameter, and a student may want to inspect it after the step.
"""
import numpy as np

from ..kernels import adam_update, rmsprop_update, sgd_update
from .base import Optimizer, check_number


# ----------------------------------------------------------------------------- SGD
class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum μ and L2 weight decay λ, as PyTorch."""

    _hyper_names = ("lr", "momentum", "nesterov", "weight_decay")
    _state_names = ("v",)

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params)
        self._set_hyper(lr, momentum, nesterov, weight_decay)

    def _set_hyper(self, lr, momentum, nesterov, weight_decay):
        self.lr = lr
        self.momentum = check_number("SGD", "momentum", momentum, lambda v: v >= 0, ">= 0")
        self.weight_decay = check_number("SGD", "weight_decay", weight_decay, lambda v: v >= 0, ">= 0")
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0 (Nesterov's look-ahead is a momentum method), "
                             f"got momentum={momentum!r}")

    def _update(self, param, grad, state):
        """v ← μv + (g + λθ);  θ ← θ − lr·v   (Nesterov: θ ← θ − lr·(g + λθ + μv))."""
        if self.momentum and "v" not in state:
            state["v"] = np.zeros_like(param)   # v₀ = 0 makes v₁ = g: PyTorch's first step exactly
        sgd_update(param, grad, state.get("v"), self.lr, self.momentum, self.nesterov, self.weight_decay)


# ----------------------------------------------------------------------------- Adam
class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): a step of about lr per coordinate, in the direction of the averaged gradient."""

    _hyper_names = ("lr", "beta1", "beta2", "eps", "weight_decay")
    _state_names = ("m", "v", "t")
    _counter_names = ("t",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}") from None
        self._set_hyper(lr, beta1, beta2, eps, weight_decay)

    def _set_hyper(self, lr, beta1, beta2, eps, weight_decay):
        self.lr = lr
        self.beta1 = check_number("Adam", "beta1", beta1, lambda b: 0 <= b < 1, "in [0, 1)")
        self.beta2 = check_number("Adam", "beta2", beta2, lambda b: 0 <= b < 1, "in [0, 1)")
        self.eps = check_number("Adam", "eps", eps, lambda e: e > 0, "> 0")
        self.weight_decay = check_number("Adam", "weight_decay", weight_decay, lambda w: w >= 0, ">= 0")

    @property
    def betas(self):
        return (self.beta1, self.beta2)

    def _update(self, param, grad, state):
        """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − lr·m̂/(√v̂ + ε)."""
        if not state:
            state.update(m=np.zeros_like(param), v=np.zeros_like(param), t=0)
        # t is per parameter (as in PyTorch): a parameter skipped on some steps keeps a correct bias correction
        state["t"] += 1
        adam_update(param, grad, state["m"], state["v"], self.lr, self.beta1, self.beta2, self.eps, state["t"],
                    self.weight_decay)


# ----------------------------------------------------------------------------- RMSprop
class RMSprop(Optimizer):
    """RMSprop (Hinton 2012): divide the gradient by a running root-mean-square of its recent values."""

    _hyper_names = ("lr", "alpha", "eps", "momentum", "weight_decay")
    _state_names = ("s", "v")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0):
        super().__init__(params)
        self._set_hyper(lr, alpha, eps, momentum, weight_decay)

    def _set_hyper(self, lr, alpha, eps, momentum, weight_decay):
        self.lr = lr
        self.alpha = check_number("RMSprop", "alpha", alpha, lambda a: 0 <= a < 1, "in [0, 1)")
        self.eps = check_number("RMSprop", "eps", eps, lambda e: e > 0, "> 0")
        self.momentum = check_number("RMSprop", "momentum", momentum, lambda v: v >= 0, ">= 0")
        self.weight_decay = check_number("RMSprop", "weight_decay", weight_decay, lambda w: w >= 0, ">= 0")

    def _update(self, param, grad, state):
        """s ← αs + (1−α)g²;  θ ← θ − lr·g/(√s + ε)."""
        if "s" not in state:
            state["s"] = np.zeros_like(param)
        if self.momentum and "v" not in state:
            state["v"] = np.zeros_like(param)
        rmsprop_update(param, grad, state["s"], state.get("v"), self.lr, self.alpha, self.eps, self.momentum,
                       self.weight_decay)
