"""Penalties on an encoder's behaviour (not just its code): the contractive penalty ‖J_f(x)‖²_F.

Built from autodiff ops, so its gradient w.r.t. both the code and the weights comes from the engine.
"""
from ..autodiff import ShapeError, as_tensor
from .fused import reduce
from .losses import check_reduction


def contractive_penalty(h, weight, reduction="mean"):
    """‖J_f(x)‖²_F = Σⱼ (hⱼ(1 − hⱼ))² Σᵢ Wⱼᵢ² per sample, for a sigmoid encoder h = σ(W x + b).

    h (batch, n_hidden) is the code, W (n_hidden, n_in) the encoder's weight (``Linear.weight``).
    Closed form because ∂hⱼ/∂xᵢ = hⱼ(1 − hⱼ) Wⱼᵢ: row j of the Jacobian is hⱼ(1 − hⱼ) times row j of W.
    Then the mean ('mean') or sum ('sum') over the batch, or one value per sample ('none').
    Only valid for a sigmoid encoder: another activation has another derivative.
    """
    check_reduction("contractive_penalty", reduction)
    h, weight = as_tensor(h), as_tensor(weight)
    if weight.ndim != 2 or h.ndim == 0 or h.shape[-1] != weight.shape[0]:
        raise ShapeError(f"contractive_penalty: code h of shape {h.shape} does not fit encoder weight of shape "
                         f"{weight.shape}; expected h (batch, n_hidden) and weight (n_hidden, n_in), e.g. "
                         "contractive_penalty(encoder(x).sigmoid(), encoder.weight).")
    squared_row_norms = (weight ** 2).sum(axis=1)             # Σᵢ Wⱼᵢ², (n_hidden,)
    slopes = h * (1 - h)                                      # σ′ at each unit, written through σ's output
    return reduce((slopes ** 2 * squared_row_norms).sum(axis=-1), reduction)
