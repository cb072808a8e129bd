"""Looking at graphs: text view, topological order, and the matplotlib drawing."""
import numpy as np

import minigrad_ae as mg
from minigrad_ae.autodiff.engine import topological_order


def small_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True, name="x")
    w = mg.tensor([0.5, -0.5], requires_grad=True, name="w")
    h = (x * w).tanh()
    return x, w, (h * h + h).sum()


def test_topological_order_puts_inputs_before_users():
    x, w, y = small_graph()
    order = topological_order(y)
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        if t.creator is not None:
            assert all(position[id(p)] < position[id(t)] for p in t.creator.parents if p.requires_grad)
    assert order[-1] is y and len(order) == len({id(t) for t in order})


def test_graph_text_shows_ops_shapes_grads_and_shared_nodes(capsys):
    x, w, y = small_graph()
    y.backward()
    y.graph()
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("#1 Sum ()")
    assert "Tanh (2,)" in text and "x (2,)" in text and "|grad|=" in text
    assert "(see #" in text  # h is used twice: printed once, then referred to


def test_draw_graph_writes_a_png(tmp_path):
    x, w, y = small_graph()
    y.backward()
    path = mg.viz.draw_graph(y, tmp_path / "graph.png")
    data = (tmp_path / "graph.png").read_bytes()
    assert path == tmp_path / "graph.png" and data[:4] == b"\x89PNG" and len(data) > 5000
