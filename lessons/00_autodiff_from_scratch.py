# %% [markdown]
# # Lesson 0 — Autodiff from scratch
#
# The chain rule three ways: by hand, by `Tensor.backward()`, and by finite differences.
#
# Every autoencoder in this course is trained by gradient descent, and every gradient comes from one
# idea: the **chain rule**, applied backwards through a graph of simple operations.
#
# We take a tiny expression, differentiate it by hand, then let `minigrad_ae` build the graph and
# walk it backwards, and finally check both against finite differences.
#
#     L = (a·b + c)²        with a = 2, b = −3, c = 10

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae.autodiff.engine import topological_order
from minigrad_ae.lesson import Checks, lesson_args

args = lesson_args("Lesson 0: the chain rule by hand, by Tensor.backward(), and by finite differences")
checks = Checks("Lesson 0 checks")

# %% [markdown]
# ## 1. By hand
# Name the intermediate values: u = a·b, v = u + c, L = v². Each step has a local derivative:
#
#     ∂L/∂v = 2v      ∂v/∂u = 1, ∂v/∂c = 1      ∂u/∂a = b, ∂u/∂b = a
#
# Going backwards, multiply along the path (the chain rule):
#
#     ∂L/∂c = 2v · 1        ∂L/∂a = 2v · 1 · b        ∂L/∂b = 2v · 1 · a

# %%
a, b, c = 2.0, -3.0, 10.0
u = a * b
v = u + c
L = v ** 2
dL_dv = 2 * v
dL_du = dL_dv * 1.0
hand = {"a": dL_du * b, "b": dL_du * a, "c": dL_dv * 1.0}
print(f"L = {L}, by hand: dL/da = {hand['a']}, dL/db = {hand['b']}, dL/dc = {hand['c']}")

# %% [markdown]
# ## 2. By `Tensor.backward()`
# Each operation on tensors records a node: the op, its inputs and what its backward needs.
# `backward()` visits the nodes in reverse topological order and applies each op's
# vector-Jacobian product — exactly the multiplications above, done by the machine.

# %%
ta = mg.tensor(a, requires_grad=True, dtype=np.float64, name="a")
tb = mg.tensor(b, requires_grad=True, dtype=np.float64, name="b")
tc = mg.tensor(c, requires_grad=True, dtype=np.float64, name="c")
tL = (ta * tb + tc) ** 2
tL.backward()
auto = {"a": ta.grad.item(), "b": tb.grad.item(), "c": tc.grad.item()}
print(f"autodiff: dL/da = {auto['a']}, dL/db = {auto['b']}, dL/dc = {auto['c']}")
for name in "abc":
    checks.add(f"hand vs autodiff dL/d{name}", abs(hand[name] - auto[name]), hand[name] == auto[name])

# %% [markdown]
# ## 3. The graph and its topological order
# Backward must handle a node only after every node that uses it: that order is a reverse
# topological sort, computed iteratively so that even a graph 10,000 ops deep works.

# %%
order = topological_order(tL)
print("topological order (inputs first):", " → ".join(
    t.name or t.creator.fn.__name__ for t in order))
tL.graph()
graph_png = mg.viz.draw_graph(tL, args.out / "00_graph.png", title="L = (a·b + c)²: ops, shapes, gradient norms")
print(f"saved {graph_png}")
checks.add("order ends at the output", order[-1].creator.fn.__name__, order[-1] is tL)

# %% [markdown]
# ## 4. A new op, written by hand: forward and its vector-Jacobian product side by side
# A `Function` gets the gradient g = ∂L/∂output and returns ∂L/∂input. For softplus
# s(x) = log(1 + eˣ), the derivative is σ(x), so the VJP is g ⊙ σ(x).

# %%
class Softplus(mg.Function):
    """s = log(1 + eˣ);  ∂L/∂x = g ⊙ σ(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0, x)

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION lesson0_softplus
        (x,) = ctx.saved
        return (g / (1 + np.exp(-x)),)
        # END SOLUTION


# %% [markdown]
# ## 5. Check it a third way: finite differences
# ∂f/∂xᵢ ≈ (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, in float64. `gradcheck` compares this with backward
# for every input, using a random upstream gradient for non-scalar outputs (broadcasting included:
# the bias of shape (3,) is added to every row of a (4, 3) matrix, so its gradient is a sum over rows).

# %%
rng = np.random.default_rng(args.seed)
x, w, bias = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
report = mg.gradcheck(lambda x, w, bias: Softplus.apply(x @ w + bias), [x, w, bias])
print(report)
checks.add("gradcheck softplus(x @ w + b)", report.max_rel_error, report.passed and report.max_rel_error < 1e-8)
scalar_report = mg.gradcheck(lambda a, b, c: (a * b + c) ** 2, [np.array(a), np.array(b), np.array(c)])
checks.add("gradcheck (a·b + c)²", scalar_report.max_rel_error, bool(scalar_report))

# %% [markdown]
# ## What held
# Three independent ways to get a gradient agree. Everything later in the course — every layer,
# loss and autoencoder — is checked the same way.

# %%
checks.assert_all()
