"""Reverse-mode backpropagation: walk the graph once, from the outputs back to the leaves.

The whole algorithm is ``backprop``, a dozen lines: visit the tensors in reverse topological order; when a
tensor's gradient is complete (every use of it has sent its share), hand it to the op that made it, whose
vector-Jacobian product turns it into one gradient per input. ``PendingGradients`` is the one place that says how
shares add up (summed back to each input's shape: the single un-broadcast point). ``backward`` and ``grad`` are
two ways to consume the walk: store each gradient in ``.grad``, or return the ones asked for.
``reference.py`` is the same algorithm in micrograd's size, and the tests check both agree.
"""
from contextlib import nullcontext

import numpy as np

from . import mode
from .tensor import Tensor, as_array
from ..validate import ShapeError, shape as check_shape


def topological_order(roots):
    """Every tensor the roots depend on (that requires grad), each listed after all of its inputs.

    Iterative depth-first search, so a graph thousands of ops deep does not hit Python's recursion limit.
    """
    roots = [roots] if isinstance(roots, Tensor) else list(roots)
    order, visited = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node.creator is not None:
            stack.extend((p, False) for p in node.creator.parents if p.requires_grad and id(p) not in visited)
    return order


def backprop(roots, seeds, retain_graph=False, create_graph=False):
    """The backprop walk: yields (tensor, ∂L/∂tensor, private) for every tensor the roots depend on, outputs first.

    L = Σ ⟨seed, root⟩ over the roots. Each gradient is complete when yielded. ``private`` says no one else
    holds that array (so it can become a leaf's ``.grad`` without a copy). With ``create_graph`` the gradients
    are Tensors computed with recorded ops, so they can be differentiated again.
    """
    pending = PendingGradients()
    for root, seed in zip(roots, seeds):
        pending.add(root, seed, None)
    with mode.enable_grad() if create_graph else nullcontext():
        for node in reversed(topological_order(roots)):
            g, private = pending.pop(node)
            if g is None:   # no path from the roots reaches this tensor
                continue
            yield node, g, private
            op = node.creator
            if op is None:
                continue
            for parent, parent_grad in zip(op.parents, op.vjp(g, create_graph)):
                pending.add(parent, parent_grad, op)
            if not retain_graph:
                op.release()


class PendingGradients:
    """The accumulation policy: ∂L/∂t = Σ over the uses of t of what each sent back, summed to t's shape and dtype.

    ``private`` tracks which running sums are arrays no one else holds: a sum this class made, an array a
    ``fresh_grads`` op just made, or a seed (``op`` None). Any other array may also be another tensor's gradient
    (Add sends the same g to both inputs), so a leaf gets a copy of it.
    """

    def __init__(self):
        self.sums, self.private = {}, set()

    def add(self, tensor, g, op):
        """Add ``g``, the share of ∂L/∂tensor that ``op``'s backward sent (``op`` None: a seed of the walk)."""
        if g is None or not tensor.requires_grad:
            return
        if type(g) is not np.ndarray and not isinstance(g, Tensor):
            g = np.asarray(g)   # a backward may return a NumPy scalar
        fresh = op is None or op.fn.fresh_grads
        if g.shape != tensor.data.shape or (type(g) is np.ndarray and g.dtype != tensor.data.dtype):
            g, fresh = fit_to(g, tensor, op), True
        key = id(tensor)
        if key in self.sums:
            self.sums[key] = self.sums[key] + g
            self.private.add(key)
        else:
            self.sums[key] = g
            if fresh:
                self.private.add(key)

    def pop(self, tensor):
        """(gradient, private) of ``tensor``, or (None, False) when none arrived."""
        key = id(tensor)
        return self.sums.pop(key, None), key in self.private


def fit_to(g, tensor, op):
    """``g`` summed back to ``tensor``'s shape (undoing broadcasting) and cast to its dtype."""
    try:
        g = unbroadcast(g, tensor.data.shape)
    except ValueError:
        raise RuntimeError(f"backward: {op.fn.__name__}.backward returned a gradient of shape {g.shape} for an input "
                           f"of shape {tensor.shape}; it must be that shape or one that broadcasts to it.") from None
    return g.astype(tensor.data.dtype) if type(g) is np.ndarray and g.dtype != tensor.data.dtype else g


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape``.

    If x of shape (3, 1) met y of shape (4,) the output is (3, 4); x's gradient is the output
    gradient summed over axis 1 (stretched) and y's over axis 0 (added). Works on arrays and Tensors.
    """
    if not isinstance(grad, Tensor):
        grad = as_array(grad, "grad", "unbroadcast")
    if grad.shape == shape:
        return grad
    shape = check_shape(shape, "shape", "unbroadcast")
    added = grad.ndim - len(shape)
    if added < 0 or any(n not in (1, m) for n, m in zip(shape, grad.shape[added:])):
        raise ValueError(f"unbroadcast: a gradient of shape {grad.shape} cannot be summed back to shape {shape}")
    stretched = tuple(added + i for i, n in enumerate(shape) if n == 1 and grad.shape[added + i] != 1)
    return grad.sum(axis=tuple(range(added)) + stretched).reshape(shape)


def backward(root, grad=None, retain_graph=False, create_graph=False):
    """Fill ``.grad`` of every tensor ``root`` depends on with ∂root/∂tensor (times ``grad``, the upstream gradient).

    Leaves accumulate across calls (call ``zero_grad`` between steps); other tensors get their gradient from this
    call (kept for inspection). The graph is freed afterwards unless ``retain_graph``. ``create_graph=True`` makes
    the gradients Tensors that can be differentiated again (and retains the graph).
    """
    seed = _seed(root, grad, create_graph, "backward")
    for node, g, private in backprop([root], [seed], retain_graph or create_graph, create_graph):
        if node.creator is not None:
            node.grad = g   # an intermediate: its gradient from this call, for students and draw_graph to see
        elif node.grad is None:
            node.grad = g if private or create_graph else g.copy()
        elif type(node.grad) is np.ndarray and type(g) is np.ndarray:
            node.grad += g
        else:
            node.grad = node.grad + g


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """∂(Σ ⟨grad_outputs, outputs⟩)/∂input for each input, as a tuple of Tensors; no ``.grad`` is touched.

    As ``torch.autograd.grad``: ``outputs`` and ``inputs`` are Tensors or sequences of them, ``grad_outputs`` one
    upstream gradient per output (default: 1 for a one-element output). With ``create_graph=True`` the results
    are part of a graph, so they can be differentiated again (to any order); ``retain_graph`` defaults to it.
    An input no output depends on is an error, or None with ``allow_unused=True``.
    """
    outputs, inputs = _as_tensor_list(outputs, "outputs"), _as_tensor_list(inputs, "inputs")
    if not isinstance(grad_outputs, (list, tuple)):   # None, or one gradient (a Tensor, an array, a number)
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; give one each.")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} {t.shape} does not require grad, so nothing is differentiated "
                               "with respect to it. Create it with requires_grad=True.")
    seeds = [_seed(out, g, create_graph, "grad", "grad_outputs") for out, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    wanted, found = {id(t) for t in inputs}, {}
    for node, g, private in backprop(outputs, seeds, retain, create_graph):
        if id(node) in wanted:
            found[id(node)] = g if private or create_graph else g.copy()
    results = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} {t.shape} is not used to compute the outputs, so it has no "
                               "gradient. Pass allow_unused=True to get None for it.")
        results.append(g if g is None or isinstance(g, Tensor) else Tensor._make(g, False, None))
    return tuple(results)


def _seed(root, grad, create_graph, caller, name="grad"):
    """The upstream gradient ∂L/∂root that starts the walk: 1 for a one-element root, else ``grad`` (checked)."""
    if not root.requires_grad:
        raise RuntimeError(f"{caller}: this tensor does not require grad, so there is no graph to walk. "
                           "Create the inputs with requires_grad=True (and not inside no_grad()).")
    if grad is None:
        if root.size != 1:
            raise RuntimeError(
                f"{caller}: the output has shape {root.shape}; without an upstream gradient it must be a scalar "
                "(one element). Reduce it first (e.g. y.sum() or y.mean()), or pass the upstream gradient: "
                "y.backward(np.ones_like(y.data)).")
        seed = np.ones(root.shape, dtype=root.dtype)
    elif isinstance(grad, Tensor) and create_graph:
        seed = grad
    else:
        seed = as_array(grad, name, caller).astype(root.dtype, copy=False)
    if seed.shape != root.shape:
        raise ShapeError(f"{caller}: the upstream gradient has shape {seed.shape} but the output has shape "
                         f"{root.shape}; they must match.")
    return Tensor._make(seed, False, None) if create_graph and not isinstance(seed, Tensor) else seed


def _as_tensor_list(values, name):
    tensors = [values] if isinstance(values, Tensor) else list(values) if isinstance(values, (list, tuple)) else []
    if not tensors or not all(isinstance(v, Tensor) for v in tensors):
        raise TypeError(f"grad: {name} must be a Tensor or a non-empty list of Tensors, got {values!r:.80}.")
    return tensors
