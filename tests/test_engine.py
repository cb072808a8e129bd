"""The engine: the backprop walk against the micrograd-sized reference on random graphs, the graph freed after
backward (no node keeps an array), mg.grad's PyTorch semantics, gradients of gradients, and a package whose
imports run one way (no cycle, no layer importing a layer above it)."""
import ast
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.autodiff.reference import reference_gradients

UNARY = [lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x * x, lambda x: (x * 0.5).exp(), lambda x: -x,
         lambda x: x.sum(axis=-1, keepdims=True), lambda x: x.T.T, lambda x: x.leaky_relu(0.3)]
BINARY = [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x - y, lambda x, y: x @ y.T @ y]


@st.composite
def random_graphs(draw):
    """(leaves, output): a random DAG over a few (3, 4) leaves, nodes reused by later nodes (shared subgraphs)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    leaves = [mg.tensor(rng.standard_normal((3, 4)), requires_grad=draw(st.booleans()) or i == 0)
              for i in range(draw(st.integers(1, 3)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            nodes.append(draw(st.sampled_from(UNARY))(draw(st.sampled_from(nodes))))
        else:
            a, b = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
            b = b if b.shape == a.shape else b.sum(axis=-1, keepdims=True) * np.ones(a.shape)
            nodes.append(draw(st.sampled_from(BINARY))(a, b))
    out = nodes[-1]
    for node in nodes[len(leaves):-1]:   # every node reaches the output, so shared subgraphs add up
        out = out + node.sum() * 0.1 if node.shape != out.shape else out + node * 0.1
    return leaves, out


@given(graph=random_graphs(), seed=st.integers(0, 100))
def test_engine_and_reference_give_the_same_gradients(graph, seed):
    leaves, out = graph
    if not out.requires_grad:
        return
    g = np.random.default_rng(seed).standard_normal(out.shape)
    expected = reference_gradients(out, g)
    out.backward(g)
    for leaf in leaves:
        if leaf.requires_grad:
            want = expected.get(id(leaf), np.zeros(leaf.shape))
            got = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def arrays_held(value, seen=None):
    """Every ndarray reachable from ``value`` through tuples, lists, dicts and plain attributes."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in arrays_held(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in arrays_held(v)]
    return []


def graph_records(out):
    records, seen, stack = [], set(), [out]
    while stack:
        t = stack.pop()
        if id(t) in seen or t.creator is None:
            continue
        seen.add(id(t))
        records.append(t.creator)
        stack.extend(t.creator.parents)
    return records


def every_kind_of_op():
    """One graph through every way ops save state: inputs, outputs, masks, indices, settings, fused ops."""
    from minigrad_ae.nn import functional as F
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = F.linear(x, w).sigmoid()
    h = mg.where(h.data > 0.5, h, h.tanh()).max(axis=0, keepdims=True) * h[np.array([0, 0, 2])].exp().mean()
    h = mg.concatenate([h, (x[:, :2] ** 2).clip(0.1, 2.0)], axis=0)
    loss = (F.mse_loss(h, np.zeros(h.shape)) + F.binary_cross_entropy_with_logits(h, np.ones(h.shape))
            + F.gaussian_kl(h, h.abs()) + F.log_softmax(h).sum() + F.batch_norm(
                h, np.zeros(2), np.ones(2), mg.tensor(np.ones(2), requires_grad=True), np.zeros(2), training=True).sum())
    return loss


def test_no_graph_node_holds_an_array_after_backward():
    loss = every_kind_of_op()
    records = graph_records(loss)
    assert len({r.fn for r in records}) >= 15 and any(arrays_held(r._saved) for r in records)
    loss.backward()
    for record in records:
        held = arrays_held([record._saved, record.params, vars(record)])
        assert not held, f"{record.fn.__name__} still holds {[a.shape for a in held]} after backward"


def test_retain_graph_keeps_it_and_a_second_backward_then_adds_up():
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    with pytest.raises(RuntimeError, match=r"graph through .* was already freed.*retain_graph=True"):
        y.backward()


# ---------------------------------------------------------------- mg.grad and gradients of gradients
def test_grad_returns_tensors_and_leaves_dot_grad_alone():
    x = mg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (gx,) = mg.grad((x ** 3).sum(), x)
    assert isinstance(gx, mg.Tensor) and not gx.requires_grad and x.grad is None
    np.testing.assert_allclose(gx.data, 3 * x.data ** 2)


def test_grad_to_any_order_matches_the_closed_form():
    """f = Σ x⁴: f′ = 4x³, f″ = 12x², f‴ = 24x, f⁗ = 24 — each by differentiating the previous gradient."""
    x = mg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    g = (x ** 4).sum()
    expected = [4 * x.data ** 3, 12 * x.data ** 2, 24 * x.data, np.full(3, 24.0)]
    for order, want in enumerate(expected, start=1):
        (g,) = mg.grad(g.sum() if order > 1 else g, x, create_graph=True)
        np.testing.assert_allclose(g.data, want, rtol=1e-12, err_msg=f"order {order}")


def test_backward_create_graph_makes_grad_differentiable():
    x = mg.tensor(np.array([0.3, -0.7]), requires_grad=True)
    x.sigmoid().sum().backward(create_graph=True)
    first = x.grad                                  # σ′(x) = σ(1 − σ), a Tensor with its own graph
    assert isinstance(first, mg.Tensor) and first.requires_grad
    (second,) = mg.grad(first.sum(), x)
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(second.data, s * (1 - s) * (1 - 2 * s), rtol=1e-12)


def test_grad_semantics_unused_inputs_and_several_outputs():
    x, y = mg.tensor(np.ones(2), requires_grad=True), mg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(2,\) is not used.*allow_unused=True"):
        mg.grad((x * 2).sum(), [x, y], retain_graph=True)
    gx, gy = mg.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and np.array_equal(gx.data, [2, 2])
    (gx,) = mg.grad([(x * 2).sum(), (x * x).sum()], x)          # Σ over outputs
    np.testing.assert_array_equal(gx.data, [4.0, 4.0])
    with pytest.raises(RuntimeError, match=r"grad: input 0 \(2,\) does not require grad"):
        mg.grad((x * 2).sum(), mg.tensor(np.ones(2)))


# ---------------------------------------------------------------- the import graph
PACKAGE = pathlib.Path(mg.__file__).parent
# each top-level part of the package and its layer, bottom to top: a module imports only from its layer or below
LEVEL = {"validate": 0, "kernels": 1, "autodiff": 2, "nn": 3, "optim": 3, "data": 3, "tsne": 3, "models": 4,
         "train": 5, "pretraining": 6, "io": 5, "viz": 5, "lesson": 7, "course": 8, "cli": 9}


def package_imports():
    """{module: set of package modules it imports at any depth of its code (functions included)}."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
                targets.update(f"{stem}.{alias.name}" if not node.module else stem for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("minigrad_ae"):
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("minigrad_ae"))
        graph[module] = targets
    return graph


def layer_of(module):
    part = module.split(".")[1] if module.count(".") else "__init__"
    return part


def test_no_module_imports_from_a_layer_above_it():
    upward = []
    for module, targets in package_imports().items():
        here = layer_of(module)
        if here not in LEVEL:
            continue
        for target in targets:
            there = layer_of(target)
            if there in LEVEL and LEVEL[there] > LEVEL[here]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports going up the layers: " + ", ".join(sorted(upward))


def test_autodiff_modules_import_in_one_direction():
    """tensor -> engine -> function -> ops -> methods: no cycle, not even through a function-level import."""
    graph = {m: {t for t in ts if t.startswith("minigrad_ae.autodiff")} for m, ts in package_imports().items()
             if m.startswith("minigrad_ae.autodiff.")}
    def reaches(start, goal, seen=()):
        return any(t == goal or (t not in seen and reaches(t, goal, seen + (t,))) for t in graph.get(start, ()))
    cycles = [m for m in graph if reaches(m, m)]
    assert not cycles, f"import cycles through {cycles}"
