"""The contractive autoencoder (Rifai et al., 2011): a sigmoid code made insensitive to small input changes.

h = σ(W1 x + b1),  x̂ = f(W2 h + b2),  and over a batch of m samples

    J = (1/2m) Σₙ ‖xₙ − x̂ₙ‖²  +  λ (1/m) Σₙ ‖∂h/∂x (xₙ)‖²_F,

where the Frobenius norm of the encoder's Jacobian has the closed form Σⱼ (hⱼ(1 − hⱼ))² Σᵢ W1ⱼᵢ²
(``contractive_penalty``) for one sigmoid layer. A deeper encoder (``hidden``) has no such form: its penalty is
built from the Jacobian by autodiff (``jacobian_penalty``), and its gradient is a second derivative.
Reconstruction pulls the code to follow the data; the penalty lets it follow only the directions the data
actually vary along.
"""
import numpy as np

from .. import nn
from ..autodiff import jacobian, no_grad
from ..nn.penalties import contractive_penalty, jacobian_penalty
from ..validate import choice, generator, number, positive_int
from .base import as_numpy
from .sigmoid_code import SigmoidCodeAutoencoder

PENALTIES = ("closed_form", "autodiff")


class ContractiveAutoencoder(SigmoidCodeAutoencoder):
    """h = σ(W1 x + b1) (``encoder``: Linear(n_in, n_latent)),  x̂ = f(W2 h + b2) (``decoder``: Linear(n_latent, n_in)).

    ``lam`` is λ, the weight of the contractive penalty (0 gives a plain sigmoid autoencoder, for comparison);
    f is σ (recon='sigmoid_mse', data in [0, 1]) or the identity (recon='mse'). x is (batch, n_in).
    ``hidden`` (widths, e.g. [64]) puts sigmoid layers before the code: the encoder becomes Sequential(Linear,
    Sigmoid, …, Linear), still followed by σ. ``penalty``: 'closed_form' (one layer only) or 'autodiff' (any
    encoder; the default when ``hidden`` is given): both give the same value on one layer, autodiff at ~n_latent×
    the cost.
    """

    def __init__(self, n_in, n_latent, lam=0.1, recon="sigmoid_mse", hidden=(), penalty=None, rng=None,
                 dtype=np.float32):
        name = "ContractiveAutoencoder"
        lam = number(lam, "lam (the weight of the contractive penalty; typically 0.01 to 1)", name, low=0)
        hidden = [positive_int(width, "each hidden width", name) for width in hidden]
        penalty = choice("autodiff" if hidden and penalty is None else penalty or "closed_form", "penalty", name,
                         PENALTIES)
        if hidden and penalty == "closed_form":
            raise ValueError(f"{name}: penalty='closed_form' holds for a one-layer sigmoid encoder only, but hidden="
                             f"{hidden} makes it deeper. Use penalty='autodiff' (the default with hidden layers).")
        rng = generator(rng, name)
        super().__init__(n_in, n_latent, recon, rng, dtype)
        if hidden:
            sizes = [n_in, *hidden, n_latent]
            layers = []
            for n_from, n_to in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(n_from, n_to, rng=rng, dtype=dtype), nn.Sigmoid()]
            self.encoder = nn.Sequential(*layers[:-1])   # the code's own σ is applied by encode
        self.lam, self.hidden, self.penalty = lam, hidden, penalty

    def loss(self, x, target=None):
        """J above: (1/2m) Σₙ ‖tₙ − x̂ₙ‖² + λ · mean over the batch of ‖∂h/∂x‖²_F, a scalar Tensor (t = x unless
        given)."""
        x = self.check_batch(x, self._func("loss"))
        h = self.encode(x)
        target = x if target is None else self.check_batch(target, self._func("loss"))
        if self.penalty == "closed_form":
            contraction = contractive_penalty(h, self.encoder.weight, reduction="mean")
        else:
            contraction = jacobian_penalty(self.encode, x, reduction="mean")
        return self.reconstruction_loss(target, h) + self.lam * contraction

    def jacobian(self, x):
        """The encoder's Jacobian ∂h/∂x at one sample x (n_in,), as a NumPy array (n_latent, n_in).

        Built by autodiff (``mg.jacobian``: one backward pass per code unit), for any encoder, and without
        touching the parameters' ``.grad``: no closed form is used, so it can check ``contractive_penalty``.
        """
        x = np.asarray(as_numpy(self.check_input(x, self._func("jacobian"))), dtype=self.dtype)
        if x.shape != (self.n_in,):
            raise ValueError(f"ContractiveAutoencoder.jacobian: x must be one sample of shape "
                             f"({self.n_in},), got shape {x.shape}; for a batch, call it row by row.")
        return jacobian(lambda sample: self.encode(sample.reshape(1, -1)).reshape(-1), x).data

    def code_sensitivity(self, X, eps=1e-3, rng=None):
        """Mean over the rows x of X of ‖h(x + δ) − h(x)‖ / ‖δ‖, with δ a random direction of length ``eps``.

        For small eps this is ‖J(x) u‖ for a random unit vector u: how much the code moves per unit of input change.
        """
        X = self.check_batch(X, self._func("code_sensitivity"))
        rng = generator(rng, "ContractiveAutoencoder.code_sensitivity")
        directions = rng.standard_normal(X.shape)
        delta = (eps * directions / np.linalg.norm(directions, axis=1, keepdims=True)).astype(X.dtype)
        with no_grad():
            moved = self.encode(X + delta).data - self.encode(X).data
        return float(np.mean(np.linalg.norm(moved, axis=1) / np.linalg.norm(delta, axis=1)))

    def extra_repr(self):
        depth = f", hidden={self.hidden}" if self.hidden else ""
        return f"{super().extra_repr()}, lam={self.lam}{depth}, penalty={self.penalty!r}"
