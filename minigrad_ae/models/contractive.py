"""The contractive autoencoder (Rifai et al., 2011): a sigmoid code made insensitive to small input changes.

h = σ(W1 x + b1),  x̂ = f(W2 h + b2),  and over a batch of m samples

    J = (1/2m) Σₙ ‖xₙ − x̂ₙ‖²  +  λ (1/m) Σₙ ‖∂h/∂x (xₙ)‖²_F,

where the Frobenius norm of the encoder's Jacobian has the closed form Σⱼ (hⱼ(1 − hⱼ))² Σᵢ W1ⱼᵢ²
(``contractive_penalty``). Reconstruction pulls the code to follow the data; the penalty lets it follow
only the directions the data actually vary along.
"""
import numpy as np

from ..autodiff import no_grad, tensor
from ..nn import functional as F
from ..nn.penalties import contractive_penalty
from ..validate import generator, number
from .base import as_numpy
from .sigmoid_code import SigmoidCodeAutoencoder


class ContractiveAutoencoder(SigmoidCodeAutoencoder):
    """h = σ(W1 x + b1) (``encoder``: Linear(n_in, n_latent)),  x̂ = f(W2 h + b2) (``decoder``: Linear(n_latent, n_in)).

    ``lam`` is λ, the weight of the contractive penalty (0 gives a plain sigmoid autoencoder, for comparison);
    f is σ (recon='sigmoid_mse', data in [0, 1]) or the identity (recon='mse'). x is (batch, n_in).
    """

    def __init__(self, n_in, n_latent, lam=0.1, recon="sigmoid_mse", rng=None, dtype=np.float32):
        lam = number(lam, "lam (the weight of the contractive penalty; typically 0.01 to 1)", "ContractiveAutoencoder",
                     low=0)
        super().__init__(n_in, n_latent, recon, rng, dtype)
        self.lam = lam

    def loss(self, x, target=None):
        """J above: (1/2m) Σₙ ‖tₙ − x̂ₙ‖² + λ · mean over the batch of ‖∂h/∂x‖²_F, a scalar Tensor (t = x unless
        given)."""
        x = self.check_batch(x, self._func("loss"))
        h = self.encode(x)
        target = x if target is None else self.check_batch(target, self._func("loss"))
        return self.reconstruction_loss(target, h) + self.lam * contractive_penalty(h, self.encoder.weight,
                                                                                     reduction="mean")

    def jacobian(self, x):
        """The encoder's Jacobian ∂h/∂x at one sample x (n_in,), as a NumPy array (n_latent, n_in).

        Built by autodiff, one backward pass per hidden unit j: the upstream gradient eⱼ (one-hot) makes
        x.grad = eⱼᵀ ∂h/∂x, which is row j. No closed form is used, so it can check ``contractive_penalty``.
        """
        x = np.asarray(as_numpy(self.check_input(x, self._func("jacobian"))), dtype=self.dtype)
        if x.shape != (self.n_in,):
            raise ValueError(f"ContractiveAutoencoder.jacobian: x must be one sample of shape "
                             f"({self.n_in},), got shape {x.shape}; for a batch, call it row by row.")
        x = tensor(x, requires_grad=True)
        # detached parameters: the Jacobian is w.r.t. x only, and the model's .grad must stay untouched
        h = F.sigmoid(F.linear(x, self.encoder.weight.detach(), self.encoder.bias.detach()))
        rows = []
        for unit in np.eye(h.shape[0], dtype=h.dtype):
            x.grad = None
            h.backward(unit, retain_graph=True)
            rows.append(x.grad)
        return np.stack(rows)

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
        return f"{super().extra_repr()}, lam={self.lam}"
