"""Figures with matplotlib (Agg backend when there is no display): computation graphs and more."""
import os

import matplotlib

if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .autodiff.graph import graph_nodes, node_label  # noqa: E402


def draw_graph(root, path, title=None):
    """Draw the graph that produced ``root`` to a PNG: one box per tensor (op, shape, |grad|), arrows input → op.

    Layout: the output at the top, each node one row below the deepest node that uses it.
    """
    nodes = graph_nodes(root)
    depth = {id(root): 0}
    for node in nodes:  # output-first order: every user of a node is placed before the node is read
        if node._ctx is not None:
            for p in node._ctx.parents:
                depth[id(p)] = max(depth.get(id(p), 0), depth[id(node)] + 1)
    rows = {}
    for node in nodes:
        rows.setdefault(depth[id(node)], []).append(node)
    position = {}
    for d, row in rows.items():
        for i, node in enumerate(row):
            position[id(node)] = ((i + 1) / (len(row) + 1), -d)

    n_rows, widest = len(rows), max(len(r) for r in rows.values())
    fig, ax = plt.subplots(figsize=(max(6, 3.2 * widest), 1.3 * n_rows + 1))
    for node in nodes:
        if node._ctx is None:
            continue
        for p in node._ctx.parents:
            ax.annotate("", xy=position[id(node)], xytext=position[id(p)],
                        arrowprops=dict(arrowstyle="->", color="0.4", shrinkA=14, shrinkB=14))
    for node in nodes:
        x, y = position[id(node)]
        colour = "#cde3f7" if node._ctx is not None else ("#f7e2c4" if node.requires_grad else "#e6e6e6")
        ax.text(x, y, node_label(node).replace(" |grad|", "\n|grad|").replace(" value", "\nvalue"),
                ha="center", va="center", fontsize=8, bbox=dict(boxstyle="round", fc=colour, ec="0.3"))
    ax.set_xlim(0, 1)
    ax.set_ylim(-(n_rows - 1) - 0.6, 0.6)
    ax.axis("off")
    ax.set_title(title or "computation graph (blue: op, orange: leaf needing grad, grey: constant)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
