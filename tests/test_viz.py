"""Tests for minigrad_ae.viz: every figure function writes a plausible PNG and closes its figure."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import viz
from minigrad_ae.train import History


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    assert plt.get_fignums() == []  # every function closes what it opened


def assert_png(path, min_width=300, min_height=150):
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    height, width = plt.imread(path).shape[:2]
    assert width >= min_width and height >= min_height


def test_image_grid_takes_flat_and_square_images(tmp_path):
    images = np.random.default_rng(0).random((12, 64)).astype(np.float32)
    flat = viz.image_grid(images, (8, 8), tmp_path / "flat.png", title="digits")
    square = viz.image_grid(mg.tensor(images.reshape(12, 8, 8)), (8, 8), tmp_path / "square.png")
    assert flat == tmp_path / "flat.png"
    assert_png(flat)
    assert_png(square)
    assert plt.imread(flat).shape == plt.imread(square).shape  # same grid either way (4 x 3)


def test_image_grid_row_titles_set_the_rows(tmp_path):
    x = np.random.default_rng(1).random((10, 16))
    path = viz.image_grid(np.concatenate([x, 1 - x]), (4, 4), tmp_path / "rows.png",
                          row_titles=["input", "reconstruction"])
    height, width = plt.imread(path).shape[:2]
    assert width > 3 * height  # 2 rows of 10
    with pytest.raises(ValueError, match="3 row_titles"):
        viz.image_grid(x, (4, 4), tmp_path / "bad.png", nrow=5, row_titles=["a", "b", "c"])


def test_image_grid_of_constant_images(tmp_path):
    assert_png(viz.image_grid(np.zeros((1, 9)), (3, 3), tmp_path / "one.png"), min_width=200)


def test_loss_curves_from_a_history_and_from_a_dict(tmp_path):
    history = History(train_loss=[1.0, 0.5, 0.3, 0.25], val_loss=[1.1, 0.6, 0.45, 0.5], lr=[0.1] * 4,
                      time=[0.1] * 4, best_epoch=3)
    assert_png(viz.loss_curves(history, tmp_path / "history.png", title="AE on digits"))
    assert_png(viz.loss_curves({"sgd": [3.0, 2.0, 1.5], "adam": [3.0, 1.0, 0.2]}, tmp_path / "dict.png", log=True))
    no_val = History(train_loss=[1.0, 0.5], lr=[0.1] * 2, time=[0.1] * 2, best_epoch=2)
    assert_png(viz.loss_curves(no_val, tmp_path / "train_only.png"))


def test_latent_scatter_in_2d_and_projected_from_5d(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 300)
    z5 = rng.normal(size=(300, 5)) + labels[:, None]
    assert_png(viz.latent_scatter(z5, labels, tmp_path / "z5.png"))
    assert_png(viz.latent_scatter(mg.tensor(z5[:, :2]), rng.random(300), tmp_path / "z2.png"))  # colour bar
    assert_png(viz.latent_scatter(z5, None, tmp_path / "plain.png"))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        viz.latent_scatter(z5[:, :1], labels, tmp_path / "z1.png")


def test_latent_scatter_names_the_principal_components(monkeypatch):
    z = np.random.default_rng(3).normal(size=(50, 4)) * [3.0, 1.0, 0.1, 0.1]
    captured = {}

    def capture(fig, path):  # read the labels off the figure instead of saving it
        ax = fig.axes[0]
        captured.update(x=ax.get_xlabel(), y=ax.get_ylabel(), title=ax.get_title())
        plt.close(fig)
        return path

    monkeypatch.setattr(viz, "_save", capture)
    viz.latent_scatter(z, np.arange(50) % 3, "unused.png")
    assert captured["x"].startswith("principal component 1 (") and "% of variance" in captured["y"]
    assert "4-d codes" in captured["title"]


def test_draw_graph_still_works(tmp_path):
    x = mg.tensor(np.ones((2, 3)), requires_grad=True)
    y = (x * 2.0).sum()
    y.backward()
    assert_png(viz.draw_graph(y, tmp_path / "graph.png"))


def test_draw_graph_explains_its_colours_and_ends_each_arrow_at_a_box(monkeypatch):
    x, c = mg.tensor(np.ones((2, 3)), requires_grad=True), mg.tensor(np.ones(3))
    y = ((x * c).tanh() + x).sum()
    captured = {}

    def capture(fig, path):  # read the legend and the arrows off the figure instead of saving it
        fig.canvas.draw()
        ax = fig.axes[0]
        captured["legend"] = [t.get_text() for t in ax.get_legend().get_texts()]
        captured["arrows"] = [a.arrow_patch for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
        plt.close(fig)
        return path

    monkeypatch.setattr(viz, "_save", capture)
    viz.draw_graph(y, "unused.png")
    assert captured["legend"] == ["op (the tensor it made)", "leaf that needs a gradient", "constant (no gradient)"]
    arrows = captured["arrows"]
    assert len(arrows) == 6  # x → Mul, c → Mul, Mul → Tanh, Tanh → Add, x → Add, Add → Sum
    for arrow in arrows:  # a visible head: each arrow starts and ends on the edge of a box, not under it
        assert arrow.get_arrowstyle().__class__.__name__ == "CurveFilledB"
        assert arrow.patchA is not None and arrow.patchB is not None
