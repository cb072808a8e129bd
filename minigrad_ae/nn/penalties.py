"""Penalties on an encoder's behaviour (not just its code): the contractive penalty ‖J_f(x)‖²_F.

Two ways to compute it: ``contractive_penalty``, the closed form for one sigmoid layer, an ordinary expression in
the code and the weights; and ``jacobian_penalty``, for any encoder, from the Jacobian that autodiff builds — whose
gradient with respect to the weights is then a second derivative (backward through backward passes).
"""
from ..autodiff import ShapeError, Tensor, as_array, as_tensor, jacobian, mode
from ..validate import numeric_array
from .fused import reduce
from .losses import check_not_empty, check_reduction


def contractive_penalty(h, weight, reduction="mean"):
    """‖J_f(x)‖²_F = Σⱼ (hⱼ(1 − hⱼ))² Σᵢ Wⱼᵢ² per sample, for a sigmoid encoder h = σ(W x + b).

    h (batch, n_hidden) is the code, W (n_hidden, n_in) the encoder's weight (``Linear.weight``).
    Closed form because ∂hⱼ/∂xᵢ = hⱼ(1 − hⱼ) Wⱼᵢ: row j of the Jacobian is hⱼ(1 − hⱼ) times row j of W.
    Then the mean ('mean') or sum ('sum') over the batch, or one value per sample ('none').
    Only valid for a sigmoid encoder: another activation has another derivative (``jacobian_penalty`` takes any).
    """
    check_reduction("contractive_penalty", reduction)
    h, weight = as_tensor(h, "h", "contractive_penalty"), as_tensor(weight, "weight", "contractive_penalty")
    if weight.ndim != 2 or h.ndim == 0 or h.shape[-1] != weight.shape[0]:
        raise ShapeError(f"contractive_penalty: code h of shape {h.shape} does not fit encoder weight of shape "
                         f"{weight.shape}; expected h (batch, n_hidden) and weight (n_hidden, n_in), e.g. "
                         "contractive_penalty(encoder(x).sigmoid(), encoder.weight).")
    check_not_empty("contractive_penalty", h.shape[:-1], reduction, f"h of shape {h.shape}")   # one value per row
    squared_row_norms = (weight ** 2).sum(axis=1)             # Σᵢ Wⱼᵢ², (n_hidden,)
    slopes = h * (1 - h)                                      # σ′ at each unit, written through σ's output
    return reduce((slopes ** 2 * squared_row_norms).sum(axis=-1), reduction)


def jacobian_penalty(encoder, x, reduction="mean"):
    """‖J_f(x)‖²_F = Σⱼ Σᵢ (∂fⱼ/∂xᵢ)² per sample, for any encoder f, by autodiff; then the batch's mean, sum or none.

    ``encoder``: a Module or callable mapping a batch x (B, n_in) to codes (B, n_hidden) (any trailing shapes),
    each row on its own — no batch statistics (BatchNorm in eval mode). J comes from ``jacobian(..., batched=True)``:
    n_hidden backward passes, each with the one-hot eⱼ in every row of the upstream gradient, give row j of all B
    Jacobians at once (n_hidden passes per batch, not B·n_hidden). While gradients are recorded, J is built as a
    graph (``create_graph``), so the penalty trains the encoder: its gradient w.r.t. the weights is a second
    derivative. Under ``no_grad`` it is a plain value. Only x's values are used (no gradient flows to x).
    On a one-layer sigmoid encoder it equals ``contractive_penalty``, at about n_hidden times the cost.
    """
    check_reduction("jacobian_penalty", reduction)
    x = numeric_array(as_array(x), "x", "jacobian_penalty", float_only=True)
    if x.ndim < 1 or len(x) == 0:
        raise ShapeError(f"jacobian_penalty: x must be a non-empty batch (B, n_in), got shape {x.shape}; "
                         "for one sample use x.reshape(1, -1).")

    def code(batch):
        h = encoder(batch)
        if not isinstance(h, Tensor) or h.ndim == 0 or len(h) != len(batch):
            raise ShapeError(f"jacobian_penalty: the encoder must map the batch x {batch.shape} to a Tensor of codes "
                             f"with the same first axis (B, n_hidden), got {getattr(h, 'shape', type(h).__name__)}.")
        return h

    J = jacobian(code, x, create_graph=mode.grad_enabled, batched=True)   # (B, *code_row, *x_row)
    return reduce((J ** 2).reshape(len(x), -1).sum(axis=1), reduction)
