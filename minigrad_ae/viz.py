"""Figures with matplotlib (Agg backend when there is no display): computation graphs, image grids,
loss curves, latent codes. Every function saves a PNG, closes its figure and returns the path."""
import math
import os

import matplotlib

if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .autodiff import Tensor  # noqa: E402
from .autodiff.graph import graph_nodes, node_label  # noqa: E402


def draw_graph(root, path, title=None):
    """Draw the graph that produced ``root`` to a PNG: one box per tensor (op, shape, |grad|), arrows input → op.

    Layout: the output at the top, each node one row below the deepest node that uses it.
    """
    nodes = graph_nodes(root)
    depth = {id(root): 0}
    for node in nodes:  # output-first order: every user of a node is placed before the node is read
        if node.creator is not None:
            for p in node.creator.parents:
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
        if node.creator is None:
            continue
        for p in node.creator.parents:
            ax.annotate("", xy=position[id(node)], xytext=position[id(p)],
                        arrowprops=dict(arrowstyle="->", color="0.4", shrinkA=14, shrinkB=14))
    for node in nodes:
        x, y = position[id(node)]
        colour = "#cde3f7" if node.creator is not None else ("#f7e2c4" if node.requires_grad else "#e6e6e6")
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


def image_grid(images, shape, path, title=None, nrow=None, row_titles=None):
    """Show images (n, h*w) or (n, h, w) as a grid, ``nrow`` per row (as torchvision's ``make_grid``).

    With ``row_titles`` (one per row) each row is labelled, and nrow defaults to n / len(row_titles):
    ``image_grid(np.concatenate([x, x_hat]), (8, 8), p, row_titles=["input", "reconstruction"])``.
    One grey scale for all images (the data's min to max), so they compare and none is saturated.
    Drawn as one mosaic (a single ``imshow``), so a grid of hundreds of images stays fast.
    """
    images = _array(images).reshape(-1, *shape)
    n = len(images)
    if nrow is None:
        nrow = math.ceil(n / len(row_titles)) if row_titles else math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    if row_titles is not None and len(row_titles) != rows:
        raise ValueError(f"image_grid: {n} images at {nrow} per row make {rows} rows, "
                         f"but {len(row_titles)} row_titles were given.")
    lo, hi = float(images.min()), float(images.max())
    h, w = shape
    gap = max(1, min(h, w) // 8)
    mosaic = np.full((rows * (h + gap) - gap, nrow * (w + gap) - gap), np.nan)  # NaN gaps show as background
    for i, image in enumerate(images):
        r, c = divmod(i, nrow)
        mosaic[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = image
    cell = 1.0 if n > 1 else 3.0
    margin = 1.4 if row_titles else 0.2  # room for the row titles on the left
    fig, ax = plt.subplots(figsize=(margin + cell * nrow, 0.7 + cell * rows))
    cmap = plt.get_cmap("gray").with_extremes(bad="white")
    ax.imshow(mosaic, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_frame_on(False)
    for r, text in enumerate(row_titles or []):
        ax.text(-gap, r * (h + gap) + h / 2, text, ha="right", va="center", fontsize=10)
    ax.set_title(title or f"{n} image{'s' * (n != 1)} ({h}×{w}), grey scale {lo:.3g} to {hi:.3g}", fontsize=11)
    fig.tight_layout()
    return _save(fig, path)

def loss_curves(history, path, title=None, log=False):
    """Plot loss against epoch: a ``History`` (train and val loss, best epoch marked) or a dict name -> list."""
    if isinstance(history, dict):
        curves, best = history, None
    else:
        curves = {"train": history.train_loss, "validation": history.val_loss}
        best = history.best_epoch
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for name, values in curves.items():
        if len(values):
            ax.plot(range(1, len(values) + 1), values, marker="o" if len(values) < 30 else None, ms=3, label=name)
    if best is not None:
        ax.axvline(best, color="0.5", linestyle=":", label=f"best epoch ({best})")
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (log scale)" if log else "loss")
    ax.set_title(title or "loss per epoch")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def latent_scatter(z, labels, path, title=None):
    """Scatter codes z (n, d) coloured by ``labels`` (n,): a legend for a few classes, a colour bar otherwise.

    For d > 2 the codes are projected onto their first two principal components, z_c V[:, :2] with
    z_c = z − mean(z) = U S Vᵀ, and the axes say how much of the variance each one keeps.
    """
    z = _array(z).reshape(len(z), -1)
    if z.shape[1] < 2:
        raise ValueError(f"latent_scatter: needs codes with at least 2 dimensions, got shape {z.shape}.")
    if z.shape[1] == 2:
        xy, axis_names, what = z, ("$z_1$", "$z_2$"), "2-d codes"
    else:
        centred = z - z.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        xy, share = centred @ vt[:2].T, s ** 2 / np.sum(s ** 2)
        axis_names = [f"principal component {k + 1} ({share[k]:.0%} of variance)" for k in range(2)]
        what = f"{z.shape[1]}-d codes, first 2 principal components"

    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    labels = None if labels is None else _array(labels).ravel()
    if labels is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=8, alpha=0.7)
    elif np.unique(labels).size <= 20 and np.all(labels == np.round(labels)):  # class labels: one colour each
        classes = np.unique(labels)
        cmap = plt.get_cmap("tab10" if classes.size <= 10 else "tab20")
        for k, c in enumerate(classes):
            mask = labels == c
            ax.scatter(xy[mask, 0], xy[mask, 1], s=8, alpha=0.7, color=cmap(k), label=f"{c:g}")
        # outside the axes, so the legend never hides points
        ax.legend(title="label", markerscale=2, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        points = ax.scatter(xy[:, 0], xy[:, 1], c=labels, s=8, alpha=0.7, cmap="viridis")
        fig.colorbar(points, ax=ax, label="label")
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.set_title(title or f"latent codes ({what})")
    fig.tight_layout()
    return _save(fig, path)


def _array(x):
    """A NumPy array from an array, list or Tensor (plots never need the graph)."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _save(fig, path):
    fig.savefig(path, dpi=120, bbox_inches="tight")  # tight: row titles and legends outside the axes stay in
    plt.close(fig)  # pyplot keeps every open figure alive otherwise
    return path
