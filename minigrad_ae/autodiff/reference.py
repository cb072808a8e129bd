"""Backpropagation in micrograd's size: the textbook algorithm with nothing else, to read and to test against.

``engine.backprop`` is this algorithm plus what a library needs (an iterative sort for deep graphs, freeing
the graph, copy-free gradients, graphs of gradients); tests/test_engine.py checks both give the same gradients
on random graphs. Recursive, like micrograd's ``build_topo``: fine for the small graphs it is meant for.
"""
import numpy as np


def reference_gradients(root, grad):
    """{id(leaf): ∂L/∂leaf} for L = Σ grad ⊙ root, over the leaves that require grad. Leaves no ``.grad``."""
    order, visited = [], set()

    def visit(node):                       # post-order depth-first search: a node after all of its inputs
        if id(node) not in visited:
            visited.add(id(node))
            for parent in (node.creator.parents if node.creator else ()):
                visit(parent)
            order.append(node)

    visit(root)
    grads = {id(root): np.asarray(grad, dtype=np.float64)}
    leaves = {}
    for node in reversed(order):           # outputs first: every use of a node is done before the node itself
        g = grads.pop(id(node), None)
        if g is None or not node.requires_grad:
            continue
        if node.creator is None:
            leaves[id(node)] = g
            continue
        for parent, parent_grad in zip(node.creator.parents, node.creator.vjp(g)):
            if parent_grad is not None and parent.requires_grad:
                summed = _sum_to_shape(np.asarray(parent_grad, dtype=np.float64), parent.shape)
                grads[id(parent)] = grads.get(id(parent), 0) + summed   # the chain rule's sum over uses
    return leaves


def _sum_to_shape(g, shape):
    """Undo broadcasting the plain way: sum leading axes away, then every axis that was 1 in ``shape``."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1:
            g = g.sum(axis=axis, keepdims=True)
    return g
