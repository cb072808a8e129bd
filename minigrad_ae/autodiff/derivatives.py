"""Derivatives beyond one gradient — Jacobians, Hessians, Hessian-vector products — each a short loop over ``grad``.

Reverse mode gives one vector-Jacobian product vᵀJ per backward pass, so:

* ``jacobian(f, x)``: row i of J is eᵢᵀJ, one backward with the one-hot upstream gradient eᵢ per output element
  (cheap for few outputs: an encoder's code, the gradient of a small model);
* ``hvp(f, x, v)``: H v = ∇ₓ⟨∇ₓf(x), v⟩, a *double backward* — the gradient built as a graph (``create_graph``),
  its inner product with v, differentiated again. A few times the cost of f, whatever the size of x: H is never formed;
* ``hessian(f, x)``: the Jacobian of the gradient (one backward through the gradient's graph per element of x).

Inputs may be Tensors that require grad (used as they are, so ``f`` may also reach them from outside, like a
model's parameters) or arrays (wrapped in new leaves); ``f`` is called as ``f(*inputs)`` and must build its result
with the package's ops. Nothing touches ``.grad``.
"""
from functools import reduce
from operator import add

import numpy as np

from .engine import grad
from .mode import enable_grad
from .ops import stack
from .tensor import Tensor, as_array, zeros
from ..validate import ShapeError, callable_of


def jacobian(f, inputs, create_graph=False, batched=False):
    """∂f/∂x with J[i…, j…] = ∂f(x)[i…] / ∂x[j…], shape f(x).shape + x.shape, row by row in reverse mode.

    One backward per element of f(x) (the upstream gradient eᵢ gives row i): a few outputs, any number of inputs.
    ``inputs``: a Tensor or array x, or a sequence of them (then a tuple, one Jacobian per input).
    ``batched=True``: x is a batch (B, …) whose rows f maps each on its own (no batch statistics, e.g. BatchNorm in
    training mode). Then eᵢ in *every* row of the upstream gradient gives row i of all B Jacobians in one pass:
    shape (B, *out_row, *in_row) in out_row.size passes instead of B·out_row.size.
    ``create_graph=True`` builds the result as a graph, so it can be differentiated again (a penalty on J, a Hessian).
    Returns Tensors, as ``grad`` does.
    """
    tensors, single = _inputs(inputs, "jacobian")
    out = _call(f, tensors, "jacobian")
    if batched:
        _check_batch(out, tensors)
    jacobians = _jacobian_rows(out, tensors, create_graph, batched)
    return jacobians[0] if single else tuple(jacobians)


def hvp(f, inputs, v, create_graph=False):
    """H v for the Hessian H = ∇²f(x) of a scalar f, without forming H: ∇ₓ⟨∇ₓf(x), v⟩ (double backward).

    ``v`` is shaped like x (result too). For inputs x₁ … x_k (a sequence) and v = (v₁ … v_k), result i is
    Σⱼ ∂²f/∂xᵢ∂xⱼ vⱼ: one row block of the whole Hessian times the whole v. Cost: the forward, one backward that
    builds the gradient as a graph, one backward through it — a small multiple of f, for any size of x.
    (PyTorch's ``torch.autograd.functional.hvp`` returns (f(x), H v); this returns H v.)
    """
    tensors, single = _inputs(inputs, "hvp")
    if not single and not isinstance(v, (list, tuple)):
        raise TypeError(f"hvp: for a sequence of {len(tensors)} inputs, v must be a sequence of as many directions, "
                        f"one shaped like each input; got {type(v).__name__}.")
    vectors = [v] if single else list(v)
    if len(vectors) != len(tensors):
        raise ValueError(f"hvp: got {len(vectors)} vectors v for {len(tensors)} inputs; give one per input.")
    for i, (t, u) in enumerate(zip(tensors, vectors)):
        if np.shape(as_array(u, f"v[{i}]", "hvp")) != t.shape:
            raise ShapeError(f"hvp: v for input {i} has shape {np.shape(as_array(u))} but the input has shape "
                             f"{t.shape}; v is a direction in the input's space, so their shapes must match.")
    out = _scalar(_call(f, tensors, "hvp"), "hvp")
    grads = grad(out, tensors, create_graph=True, allow_unused=True)
    terms = [(g * (u if isinstance(u, Tensor) else np.asarray(u, dtype=t.dtype))).sum()
             for g, u, t in zip(grads, vectors, tensors) if g is not None and g.requires_grad]
    if not terms:   # every first derivative is constant (f is linear in x): H = 0
        products = [None] * len(tensors)
    else:
        products = grad(reduce(add, terms), tensors, create_graph=create_graph, allow_unused=True)
    products = [zeros(t.shape, dtype=t.dtype) if p is None else p for p, t in zip(products, tensors)]
    return products[0] if single else tuple(products)


def hessian(f, x, create_graph=False):
    """∇²f(x) with H[i…, j…] = ∂²f / ∂x[i…]∂x[j…], shape x.shape + x.shape (symmetric), for a scalar f.

    The Jacobian of the gradient: one backward builds ∇f as a graph, then one backward through that graph per
    element of x (the i-th gives H eᵢ, i.e. one hvp per basis vector). Small x only: x.size² numbers.
    One input; for several (a model's parameters) write f of one flat vector and unpack it inside f.
    """
    if isinstance(x, (list, tuple)):
        raise TypeError("hessian: takes one input x (a Tensor or array); for several, write f of one flat vector "
                        "that it unpacks (theta[:n].reshape(...)), or use hvp, which takes a sequence.")
    (t,), _ = _inputs(x, "hessian")
    out = _scalar(_call(f, [t], "hessian"), "hessian")
    (g,) = grad(out, t, create_graph=True, allow_unused=True)
    if g is None or not g.requires_grad:   # f is linear in x
        return zeros(t.shape + t.shape, dtype=t.dtype)
    (h,) = _jacobian_rows(g, [t], create_graph, batched=False)
    return h


def _jacobian_rows(out, tensors, create_graph, batched):
    """One Jacobian per tensor from out.size (or, batched, one row's size) backward passes with one-hot seeds."""
    per_row = int(np.prod(out.shape[1:])) if batched else out.size
    rows = [[] for _ in tensors]
    for i in range(per_row):
        seed = np.zeros(out.shape, dtype=out.dtype)
        if batched:
            seed.reshape(len(out), per_row)[:, i] = 1
        else:
            seed.reshape(-1)[i] = 1
        # the last pass may free the graph, unless the result is itself to be a graph
        grads = grad(out, tensors, seed, create_graph=create_graph, retain_graph=create_graph or i < per_row - 1,
                     allow_unused=True)
        for found, g, t in zip(rows, grads, tensors):
            found.append(zeros(t.shape, dtype=t.dtype) if g is None else g)
    if not per_row:   # an empty output: an empty Jacobian
        return [zeros(out.shape + (t.shape[1:] if batched else t.shape), dtype=t.dtype) for t in tensors]
    if batched:
        return [stack(found, axis=1).reshape(out.shape + t.shape[1:]) for found, t in zip(rows, tensors)]
    return [stack(found, axis=0).reshape(out.shape + t.shape) for found, t in zip(rows, tensors)]


def _inputs(inputs, caller):
    """(tensors, single): a Tensor that requires grad is used as it is; anything else becomes a new float leaf."""
    single = not isinstance(inputs, (list, tuple))
    items = [inputs] if single else list(inputs)
    if not items:
        raise ValueError(f"{caller}: got no inputs; pass a Tensor or array, or a sequence of them.")
    tensors = []
    for i, x in enumerate(items):
        if isinstance(x, Tensor) and x.requires_grad:
            tensors.append(x)
            continue
        data = as_array(x, f"input {i}", caller)
        if not np.issubdtype(data.dtype, np.floating):
            raise TypeError(f"{caller}: input {i} has dtype {data.dtype}; derivatives need float inputs. "
                            "Convert it first, e.g. np.asarray(x, dtype=np.float64).")
        tensors.append(Tensor(data, requires_grad=True))
    return tensors, single


def _call(f, tensors, caller):
    """f(*tensors), recorded even inside ``no_grad`` (there is nothing to differentiate otherwise), checked."""
    callable_of(f, len(tensors), "f", caller, f"{caller}(lambda x: (x * x).sum(), x)")
    with enable_grad():
        out = f(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"{caller}: f returned a {type(out).__name__}; it must return a Tensor computed from its "
                        "inputs with the package's ops (not .numpy() or .data, which leave the graph).")
    if not out.requires_grad:
        raise RuntimeError(f"{caller}: f's output {out.shape} does not depend on its inputs through recorded ops, so "
                           "there is nothing to differentiate. Check that f uses the Tensors it is given (not their "
                           ".data, not a detached copy).")
    return out


def _scalar(out, caller):
    if out.size != 1:
        raise ShapeError(f"{caller}: f must return a scalar (one element) to have a Hessian, got shape {out.shape}. "
                         "Reduce it (.sum(), .mean()), or use jacobian for a vector-valued f.")
    return out


def _check_batch(out, tensors):
    if out.ndim == 0 or any(t.ndim == 0 or len(t) != len(out) for t in tensors):
        raise ShapeError(f"jacobian(batched=True): the inputs {[t.shape for t in tensors]} and the output "
                         f"{out.shape} must all have the batch as their first axis, of the same length.")
