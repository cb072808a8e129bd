"""Reverse-mode backpropagation: walk the graph once, from the output back to the leaves."""
import numpy as np

from . import mode
from .function import ShapeError, check_finite, unbroadcast
from .tensor import Tensor


def topological_order(root):
    """Every tensor ``root`` depends on (that requires grad), each listed after all of its inputs.

    Iterative depth-first search, so a graph thousands of ops deep does not hit Python's recursion limit.
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        key = id(node)
        if key in visited:
            continue
        visited.add(key)
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for p in ctx.parents:
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    return order


def backward(root, grad=None, retain_graph=False):
    """Chain rule over the whole graph: ∂L/∂input = Σ over uses of each op's vector-Jacobian product.

    Leaves (tensors made by the user) accumulate into ``.grad``; intermediate tensors get ``.grad``
    set to their gradient from this call (so a student can inspect it and ``draw_graph`` can show it).
    """
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad, so there is no graph to walk. "
                           "Create the inputs with requires_grad=True (and not inside no_grad()).")
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {root.shape}; backward() without an argument needs a scalar "
                "(one element). Reduce it first (e.g. y.sum() or y.mean()), or pass the upstream gradient: "
                "y.backward(np.ones_like(y.data)).")
        grad = np.ones(root.shape, dtype=root.dtype)
    else:
        grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ShapeError(f"backward: grad has shape {grad.shape} but the output has shape {root.shape}; "
                             "they must match.")

    pending = {id(root): grad}
    owned = set()  # tensors whose pending gradient is a new array no one else holds (see Function.fresh_grads)
    anomaly = mode.anomaly_enabled
    for node in reversed(topological_order(root)):
        key = id(node)
        g = pending.pop(key, None)
        if g is None:
            continue
        ctx = node._ctx
        if ctx is None:  # a leaf: accumulate (copy first, unless owned, so no two tensors share one array)
            if node.grad is None:
                node.grad = g if key in owned else np.array(g, dtype=node.data.dtype)
            else:
                node.grad += g
            continue
        node.grad = g
        parents = ctx.parents
        if ctx.versions != [p._version for p in parents]:
            _refuse_modified_inputs(ctx)
        input_grads = ctx.fn.backward(ctx, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if len(input_grads) != len(parents):
            raise RuntimeError(f"backward: {ctx.fn.__name__}.backward returned {len(input_grads)} gradients "
                               f"for {len(parents)} inputs; return one per input (None for no gradient).")
        fresh = ctx.fn.fresh_grads
        for parent, pg in zip(parents, input_grads):
            if pg is None or not parent.requires_grad:
                continue
            if type(pg) is not np.ndarray:
                pg = np.asarray(pg)
            data = parent.data
            made_here = fresh
            if pg.shape != data.shape or pg.dtype != data.dtype:
                pg, made_here = _fit_to_input(pg, parent, ctx), True
            if anomaly:
                check_finite(pg, "backward gradient", ctx, parents)
            key = id(parent)
            if key in pending:
                pending[key] = pending[key] + pg
                owned.add(key)
            else:
                pending[key] = pg
                if made_here:
                    owned.add(key)
        if not retain_graph:
            ctx.release()


def _fit_to_input(grad, parent, ctx):
    """Un-broadcast a gradient to its input's shape and dtype (the one place this happens)."""
    try:
        grad = unbroadcast(grad, parent.shape)
    except ValueError:
        raise RuntimeError(f"backward: {ctx.fn.__name__}.backward returned a gradient of shape {grad.shape} "
                           f"for an input of shape {parent.shape}; it must be that shape or broadcast to it.") from None
    return grad if grad.dtype == parent.dtype else grad.astype(parent.dtype)


def _refuse_modified_inputs(ctx):
    """Refuse to backpropagate through inputs that were changed in place after the forward pass."""
    for parent, seen in zip(ctx.parents, ctx.versions):
        if parent._version != seen:
            raise RuntimeError(
                f"backward: an input {parent.shape} of {ctx.fn.__name__} was modified in place after the forward "
                f"pass (version {seen} -> {parent._version}), e.g. by optimizer.step(); its gradient would be wrong. "
                "Call loss.backward() before optimizer.step(), or recompute the forward pass.")
