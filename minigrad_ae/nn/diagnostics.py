"""Debugging helpers: where the gradient of a loss arrives, layer by layer (a "gradient-flow" check).

    norms = gradient_norms(model, model.loss(xb))      # {'encoder.0': 0.041, ..., 'decoder.4': 0.13}

A layer whose norm is 0 got no gradient at all (a ``.detach()`` or a NumPy round trip cut it off); norms that
shrink by a steady factor from the output layer down to the input one are a vanishing gradient.
"""
import numpy as np

from .layers import Linear


def gradient_norms(model, loss, layer=Linear):
    """{dotted name: ‖∂loss/∂W‖} of the weight W of every ``layer`` in ``model``, in the order ``modules()`` lists
    them (input side first for the family's models), after one backward of ``loss`` (a scalar Tensor built from the
    model); 0.0 for a layer the gradient did not reach. Gradients are cleared before and after, so training
    is not disturbed."""
    layers = [(name, m) for name, m in model.named_modules() if isinstance(m, layer)]
    if not layers:
        raise ValueError(f"gradient_norms: {type(model).__name__} has no {layer.__name__} layer to measure; pass "
                         "layer= the layer type that holds its weights (e.g. layer=nn.Conv2d).")
    model.zero_grad()
    loss.backward()
    norms = {name: 0.0 if m.weight.grad is None else float(np.linalg.norm(m.weight.grad)) for name, m in layers}
    model.zero_grad()
    return norms
