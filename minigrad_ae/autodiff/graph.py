"""Reading a computation graph: one label per node, and the whole graph as indented text."""
import numpy as np


def node_label(t):
    """'MatMul (64, 8) |grad|=0.31' — the op (or the tensor's name / 'leaf'), shape, gradient norm if known."""
    op = t.creator.fn.__name__ if t.creator is not None else (t.name or ("param" if t.requires_grad else "const"))
    if t.creator is not None and t.name:
        op = f"{t.name} = {op}"
    label = f"{op} {t.shape}"
    if t.size == 1:
        label += f" value={t.data.item():.4g}"
    if t.grad is not None:
        label += f" |grad|={np.linalg.norm(getattr(t.grad, 'data', t.grad)):.3g}"
    return label


def graph_nodes(root):
    """All tensors of the graph (inputs included, even those that need no gradient), output first."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        if node.creator is not None:
            stack.extend(reversed(node.creator.parents))
    return order


def graph_text(root):
    """The graph as an indented tree, output at the top; a node used twice is printed once, then referred to."""
    lines, numbers = [], {}
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        indent = "    " * depth
        if id(node) in numbers:
            lines.append(f"{indent}└─ (see #{numbers[id(node)]})")
            continue
        numbers[id(node)] = len(numbers) + 1
        lines.append(f"{indent}{'└─ ' if depth else ''}#{numbers[id(node)]} {node_label(node)}")
        if node.creator is not None:
            stack.extend((p, depth + 1) for p in reversed(node.creator.parents))
    return "\n".join(lines)

