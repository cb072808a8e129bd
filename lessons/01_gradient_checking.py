# %% [markdown]
# # Lesson 1 — Gradient checking
#
# Trust a gradient only after finite differences agree with it: in float64, at the right ε.
#
# Lesson 0 wrote a backward by hand and checked it. Every hand-written backward in this course — each
# layer, each loss, each autoencoder's closed-form gradient — is checked the same way, so here we look
# at the check itself: which formula, which step ε, which dtype, which error measure, and which bugs it
# catches (or hides).
#
# A derivative is a limit; a computer can only take a small, finite step ε:
#
#     forward difference   f'(x) ≈ (f(x + ε) − f(x)) / ε              error ≈ ε·|f''|/2     = O(ε)
#     central difference   f'(x) ≈ (f(x + ε) − f(x − ε)) / 2ε         error ≈ ε²·|f'''|/6   = O(ε²)
#
# (Taylor: f(x ± ε) = f ± εf' + ε²f''/2 ± ε³f'''/6 + …; in the central difference the even terms cancel.)
# The analytic gradient from `backward()` passes when it matches, measured by the relative error
#
#     rel_err = ‖num − ana‖ / ‖num + ana‖

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm
from minigrad_ae import nn
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 1: gradient checking — finite differences, the choice of ε, float64, "
                   "relative error, bugs a check catches, broadcasting, the directional check")


def verdict(rel_err):
    """The usual reading of a float64 relative error (for smooth functions, eps ≈ 1e-6)."""
    return "fine" if rel_err < 1e-7 else ("suspicious" if rel_err < 1e-4 else "wrong")



# %% [markdown]
# ## 1. Forward vs central differences, on a function we know
# f(x) = eˣ at x = 1: every derivative is e, so the predicted errors are exact formulas —
# forward ≈ ε·e/2, central ≈ ε²·e/6. Shrinking ε tenfold should cut the forward error tenfold and the
# central error a hundredfold. (f is evaluated by the package, `Tensor.exp`, in float64.)

# %%
def exp_at(x, dtype):
    """eˣ through the package, elementwise, in ``dtype`` (no graph needed: we only want values)."""
    with mg.no_grad():
        return mg.tensor(np.asarray(x, dtype=dtype), dtype=dtype).exp().numpy()


x0, true_slope = 1.0, np.e
steps = np.array([1e-1, 1e-2, 1e-3, 1e-4])
forward_err = np.abs((exp_at(x0 + steps, np.float64) - exp_at(x0, np.float64)) / steps - true_slope)
central_err = np.abs((exp_at(x0 + steps, np.float64) - exp_at(x0 - steps, np.float64)) / (2 * steps) - true_slope)
print(f"{'ε':>8}{'forward err':>14}{'≈ ε·e/2':>11}{'central err':>14}{'≈ ε²·e/6':>11}")
for eps, fe, ce in zip(steps, forward_err, central_err):
    print(f"{eps:>8.0e}{fe:>14.3e}{eps * np.e / 2:>11.3e}{ce:>14.3e}{eps ** 2 * np.e / 6:>11.3e}")

# the order of a method is the slope of log(error) against log(ε)
forward_order = np.polyfit(np.log10(steps), np.log10(forward_err), 1)[0]
central_order = np.polyfit(np.log10(steps), np.log10(central_err), 1)[0]
print(f"fitted order: forward {forward_order:.3f}, central {central_order:.3f}")
lesson.checks.add("forward difference error is O(ε): fitted order", forward_order, abs(forward_order - 1) < 0.05)
lesson.checks.add("central difference error is O(ε²): fitted order", central_order, abs(central_order - 2) < 0.05)

# %% [markdown]
# ## 2. The ε sweet spot, and why gradient checks run in float64
# Smaller ε is not always better. f(x ± ε) is stored with a relative rounding error of about the
# machine epsilon ε_mach (2.2e-16 in float64, 1.2e-7 in float32), and the difference quotient divides
# that by ε. For central differences the total error is roughly
#
#     error(ε) ≈ ε²·|f'''|/6  +  ε_mach·|f|/ε        (truncation falls, rounding rises)
#
# which is smallest near ε* = (3·ε_mach·|f|/|f'''|)^(1/3) ~ ε_mach^(1/3): about 6e-6 in float64, 5e-3 in
# float32 (forward differences: ε* ~ ε_mach^(1/2)). The best achievable error is roughly ε_mach^(2/3):
# 4e-11 in float64, but 2e-5 in float32. We measure it on 201 points x ∈ [−1, 1] at once (each element
# is its own f), computing everything — x, x ± ε, eˣ, the quotient — in the dtype under test.

# %%
points = np.linspace(-1, 1, 201)
eps_grid = np.logspace(-1, -12, 45)
sweep = {}
for dtype in (np.float32, np.float64):
    x = points.astype(dtype)
    errors = {"central": [], "forward": []}
    for eps in eps_grid.astype(dtype):
        central = (exp_at(x + eps, dtype) - exp_at(x - eps, dtype)) / (2 * eps)
        forward = (exp_at(x + eps, dtype) - exp_at(x, dtype)) / eps
        exact = np.exp(points)  # f'(x) = eˣ, in float64
        errors["central"].append(np.median(np.abs(central - exact) / exact))
        errors["forward"].append(np.median(np.abs(forward - exact) / exact))
    sweep[dtype] = {k: np.array(v) for k, v in errors.items()}
    best = int(np.argmin(sweep[dtype]["central"]))
    sweep[dtype]["best_eps"], sweep[dtype]["best_err"] = eps_grid[best], sweep[dtype]["central"][best]
    machine_eps = np.finfo(dtype).eps
    print(f"{dtype.__name__}: ε_mach = {machine_eps:.2e}, ε_mach^(1/3) = {machine_eps ** (1 / 3):.1e}; "
          f"best central ε = {eps_grid[best]:.1e} with median relative error {sweep[dtype]['best_err']:.1e}")

# %%
fig, ax = plt.subplots(figsize=(8, 5.2))
colours = {np.float32: "tab:red", np.float64: "tab:blue"}
for dtype, colour in colours.items():
    name, cube_root = dtype.__name__, np.finfo(dtype).eps ** (1 / 3)
    ax.loglog(eps_grid, sweep[dtype]["central"], "-o", ms=3, color=colour, label=f"{name}, central")
    ax.loglog(eps_grid, sweep[dtype]["forward"], "--", lw=1, color=colour, alpha=0.6, label=f"{name}, forward")
    ax.plot(sweep[dtype]["best_eps"], sweep[dtype]["best_err"], "*", ms=16, color=colour, mec="k",
            label=f"{name} best: ε = {sweep[dtype]['best_eps']:.0e}, error {sweep[dtype]['best_err']:.0e}")
    ax.axvline(cube_root, color=colour, ls=":", lw=1.2)
    ax.text(cube_root * 1.25, 3e-15, f"{name}\nε_mach^(1/3)", color=colour, fontsize=8, va="bottom")
ax.loglog(eps_grid[:12], eps_grid[:12] ** 2 / 6, color="0.5", lw=4, alpha=0.35, label="truncation ε²/6")
ax.set_ylim(1e-15, 3)
ax.invert_xaxis()  # read left to right as "ε shrinking"
ax.set_xlabel("finite-difference step ε (shrinking →)")
ax.set_ylabel("median relative error of f'(x) estimate")
ax.set_title("Derivative of eˣ by finite differences: truncation error falls, rounding error rises")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=8, loc="lower right")
lesson.show(fig, "01_eps_sweep")

best64, best32 = sweep[np.float64], sweep[np.float32]
decades_off = abs(np.log10(best64["best_eps"] / np.finfo(np.float64).eps ** (1 / 3)))
lesson.checks.add("float64 best ε vs ε_mach^(1/3): decades apart", decades_off, decades_off <= 1.0)
lesson.checks.add("float64 best error / float32 best error", best64["best_err"] / best32["best_err"],
                  best64["best_err"] < 1e-4 * best32["best_err"])

# %% [markdown]
# Read the figure right to left. For large ε the central curves follow the ε²/6 line (slope 2); the
# forward curves fall only with slope 1. Then rounding takes over and the error *rises* as ε shrinks —
# in float32 it reaches 100 % (x + ε rounds back to x, the quotient is 0). The float32 floor (a few 1e-6)
# is where a *bug* would show up in float64: a gradient check in float32 cannot tell a correct op from
# a slightly wrong one. That is why `mg.gradcheck` and `mg.numerical_grad` promote everything to
# float64 and use ε = 1e-6 by default — the float64 sweet spot.
#
# ## 3. The relative error and its thresholds
# An absolute error means nothing without a scale (1e-4 is tiny for a gradient of size 1e3, huge for
# one of size 1e-5), so checks use the scale-free ‖num − ana‖ / ‖num + ana‖ (`mg.relative_error`).
# The usual reading in float64 with ε ≈ 1e-6, for smooth functions:
#
#     rel_err < 1e-7          fine            (a healthy op is typically 1e-10 … 1e-9)
#     1e-7 … 1e-4             suspicious      (a subtle bug, or a kink, or float32 somewhere)
#     > 1e-4                  wrong           (a bug — unless a kink is within ε of an input)
#
# `mg.gradcheck` also tests each element: |ana − num| ≤ atol + rtol·|num|, and says which one is worst.
# The caveat: at a **kink** f is not differentiable and the central difference straddles it. ReLU at
# x = 0 gives (ε − 0)/2ε = 0.5, while backward says 0 (or 1): a correct op fails. Same when an input
# lies *within ε* of the kink.

# %%
x_kinks = lesson.rng.standard_normal(8)
x_kinks[2], x_kinks[5] = 0.0, 4e-7        # one input at the kink, one within ε = 1e-6 of it
v_kinks = lesson.rng.standard_normal(8)
relu = lambda x: x.relu()  # noqa: E731
numeric = mg.numerical_grad(relu, [x_kinks], grad_output=v_kinks)[0]
x_tensor = mg.tensor(x_kinks, requires_grad=True, dtype=np.float64)
relu(x_tensor).backward(v_kinks)
kink_report = mg.gradcheck(relu, [x_kinks], grad_output=v_kinks)
print("ReLU with inputs at / near 0:", kink_report, sep="\n")
print("per element  numeric / v:", np.round(numeric / v_kinks, 3) + 0.0, "\n             backward / v:",
      np.round(x_tensor.grad / v_kinks, 3) + 0.0)  # + 0.0 turns -0. into 0.
bad_elements = np.flatnonzero(np.abs(numeric - x_tensor.grad) > 1e-5 + 1e-3 * np.abs(numeric))
x_smooth = np.where(np.abs(x_kinks) < 1e-3, 0.5, x_kinks)  # move the inputs off the kink
smooth_report = mg.gradcheck(relu, [x_smooth], grad_output=v_kinks)
print(f"same check with inputs moved off the kink: rel err {smooth_report.max_rel_error:.1e} "
      f"({verdict(smooth_report.max_rel_error)})")
lesson.checks.add("ReLU: check fails only at the kink elements", str(bad_elements.tolist()),
                  not kink_report and bad_elements.tolist() == [2, 5])
lesson.checks.add("ReLU off the kink passes: rel err", smooth_report.max_rel_error, bool(smooth_report))

# %% [markdown]
# ## 4. One function, three gradients
# f(x₁, x₂) = x₁² + 3·x₁·x₂. By hand: ∂f/∂x₁ = 2x₁ + 3x₂ and ∂f/∂x₂ = 3x₁. Then by `backward()`, then by
# `mg.numerical_grad` (central differences in float64).

# %%
x1_value, x2_value = 1.5, -0.7
f = lambda x1, x2: x1 ** 2 + 3 * x1 * x2  # noqa: E731

by_hand = np.array([2 * x1_value + 3 * x2_value, 3 * x1_value])

x1 = mg.tensor(x1_value, requires_grad=True, dtype=np.float64)
x2 = mg.tensor(x2_value, requires_grad=True, dtype=np.float64)
f(x1, x2).backward()
by_autodiff = np.array([x1.grad.item(), x2.grad.item()])

by_numeric = np.array([g.item() for g in mg.numerical_grad(f, [np.array(x1_value), np.array(x2_value)])])

print(f"{'':>14}{'∂f/∂x₁':>22}{'∂f/∂x₂':>22}")
for label, grad in [("by hand", by_hand), ("by autodiff", by_autodiff), ("by numeric", by_numeric)]:
    print(f"{label:>14}{grad[0]:>22.15f}{grad[1]:>22.15f}")
hand_vs_auto = mg.relative_error(by_hand, by_autodiff)
hand_vs_numeric = mg.relative_error(by_hand, by_numeric)
print(f"rel err hand vs autodiff {hand_vs_auto:.1e} ({verdict(hand_vs_auto)}), "
      f"hand vs numeric {hand_vs_numeric:.1e} ({verdict(hand_vs_numeric)})")
lesson.checks.add("x₁² + 3x₁x₂: hand vs autodiff rel err", hand_vs_auto, hand_vs_auto < 1e-9)
lesson.checks.add("x₁² + 3x₁x₂: hand vs numeric rel err", hand_vs_numeric, hand_vs_numeric < 1e-9)

# %% [markdown]
# ## 5. A buggy hand-written op, caught
# SiLU (swish): s(x) = x·σ(x). Its derivative needs the product rule:
#
#     s'(x) = σ(x) + x·σ(x)·(1 − σ(x))
#
# A classic slip is to treat the second x as a constant and return g ⊙ σ(x). We write the correct op and
# the buggy one side by side; `mg.gradcheck` feeds both the same random input and upstream gradient.

# %%
def stable_sigmoid(x):
    """σ(x) = ½(1 + tanh(x/2)): no overflow for large |x|."""
    return 0.5 * (1 + np.tanh(0.5 * x))


class SiLU(mg.Function):
    """s = x ⊙ σ(x);  ∂L/∂x = g ⊙ (σ(x) + x σ(x)(1 − σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * stable_sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        s = stable_sigmoid(x)
        return (g * (s + x * s * (1 - s)),)


class SiLUForgotProductRule(SiLU):
    """Bug: differentiates x·σ(x) as if the first x were a constant."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return (g * stable_sigmoid(x),)


x_silu = 2 * lesson.rng.standard_normal((6, 8))
v_silu = lesson.rng.standard_normal((6, 8))
good_report = mg.gradcheck(SiLU.apply, [x_silu], grad_output=v_silu)
bad_report = mg.gradcheck(SiLUForgotProductRule.apply, [x_silu], grad_output=v_silu)
print("correct SiLU:", good_report, sep="\n")
print(f"→ {verdict(good_report.max_rel_error)}")
print("buggy SiLU:", bad_report, sep="\n")
print(f"→ {verdict(bad_report.max_rel_error)}")
lesson.checks.add("correct SiLU passes gradcheck: rel err", good_report.max_rel_error,
                  bool(good_report) and good_report.max_rel_error < 1e-9)
lesson.checks.add("buggy SiLU fails gradcheck: rel err", bad_report.max_rel_error,
                  not bad_report and verdict(bad_report.max_rel_error) == "wrong")

# %% [markdown]
# Where is it wrong? The per-element error of the buggy op is exactly the missing term
# |v·x·σ(x)(1 − σ(x))|: zero at x = 0 and vanishing for large |x|. A check at x = 0, or at saturated
# inputs, would have *passed* — check at random inputs of order 1.

# %%
def analytic_grad(op, x, v):
    """Σ v ⊙ op(x) differentiated by backward, in float64."""
    t = mg.tensor(x, requires_grad=True, dtype=np.float64)
    op.apply(t).backward(v)
    return t.grad


numeric_silu = mg.numerical_grad(SiLU.apply, [x_silu], grad_output=v_silu)[0]
error_good = np.abs(analytic_grad(SiLU, x_silu, v_silu) - numeric_silu)
error_bad = np.abs(analytic_grad(SiLUForgotProductRule, x_silu, v_silu) - numeric_silu)

fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1, 1, 1.25]}, layout="constrained")
norm = LogNorm(vmin=1e-13, vmax=max(error_bad.max(), 1e-12))
for ax, error, name in [(axes[0], error_good, "correct SiLU"), (axes[1], error_bad, "buggy SiLU (no product rule)")]:
    image = ax.imshow(np.maximum(error, 1e-13), norm=norm, cmap="magma")
    ax.set_title(f"{name}\n|ana − num| per element (max {error.max():.0e})", fontsize=10)
    ax.set_xlabel("column of x (6 × 8 input)")
    ax.set_ylabel("row of x")
fig.colorbar(image, ax=axes[:2], label="absolute error (log scale)", shrink=0.85)
grid = np.linspace(-7, 7, 400)
sig = stable_sigmoid(grid)
axes[2].plot(grid, np.abs(grid * sig * (1 - sig)), color="0.3", label="missing term |x σ(x)(1 − σ(x))|")
axes[2].scatter(x_silu.ravel(), error_bad.ravel() / np.abs(v_silu.ravel()), s=14, color="tab:red",
                label="buggy op: |ana − num| / |v| per element", zorder=3)
axes[2].set_xlabel("input value x")
axes[2].set_ylabel("error per unit of upstream gradient")
axes[2].set_title("The buggy op's error is the forgotten term", fontsize=10)
axes[2].set_ylim(0, 0.32)
axes[2].legend(fontsize=8, loc="upper right")
lesson.show(fig, "01_buggy_op_errors")

# %% [markdown]
# **Why not just float32?** The same correct SiLU, differentiated numerically in float32 at float32's own
# best ε (found in section 2), lands in the "suspicious" band: the check could not tell it from a bug.
# (SiLU acts elementwise, so one perturbation of the whole array gives every diagonal derivative at once.)

# %%
x32, eps32 = x_silu.astype(np.float32), np.float32(best32["best_eps"])
with mg.no_grad():
    silu32 = lambda x: SiLU.apply(mg.tensor(x, dtype=np.float32)).numpy()  # noqa: E731
    numeric32 = v_silu * ((silu32(x32 + eps32) - silu32(x32 - eps32)) / (2 * eps32))
rel_err_32 = mg.relative_error(numeric32, analytic_grad(SiLU, x_silu, v_silu))
print(f"correct SiLU, numeric grad in float32 (ε = {eps32:.0e}): rel err {rel_err_32:.1e} ({verdict(rel_err_32)}); "
      f"in float64: {good_report.max_rel_error:.1e} ({verdict(good_report.max_rel_error)})")
lesson.checks.add("correct op checked in float32 looks suspicious: rel err", rel_err_32, verdict(rel_err_32) != "fine")

# %% [markdown]
# ## 6. Why the upstream gradient must be random
# backward computes a vector-Jacobian product vᵀJ. Another classic slip: return the local derivative and
# forget to multiply by the incoming g. Checking `op(x).sum()` feeds g = ones, and multiplying by ones
# changes nothing — the bug passes. A random v (what `mg.gradcheck` uses for non-scalar outputs) exposes
# it. (`.mean()` would catch this particular bug, since g = 1/n rescales the true gradient; but no uniform
# g can catch a backward that mixes up *which* element of g goes where, e.g. a transposed g.)

# %%
class SiLUIgnoresUpstream(SiLU):
    """Bug: returns the local derivative s'(x) and drops g."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        s = stable_sigmoid(x)
        return (s + x * s * (1 - s),)


sum_report = mg.gradcheck(lambda x: SiLUIgnoresUpstream.apply(x).sum(), [x_silu])
random_report = mg.gradcheck(SiLUIgnoresUpstream.apply, [x_silu], seed=lesson.args.seed)
print(f"ignores-g bug, checked through .sum():      rel err {sum_report.max_rel_error:.1e} → "
      f"{'passed' if sum_report else 'FAILED'}")
print(f"ignores-g bug, checked with a random v:     rel err {random_report.max_rel_error:.1e} → "
      f"{'passed' if random_report else 'FAILED'}")
lesson.checks.add("ignores-g bug passes the .sum() check: rel err", sum_report.max_rel_error, bool(sum_report))
lesson.checks.add("ignores-g bug fails the random-v check: rel err", random_report.max_rel_error, not random_report)

# %% [markdown]
# ## 7. Broadcasting: gradients are summed back
# Adding a bias b of shape (3,) to X of shape (4, 3) uses every bᵢ four times — once per row. By the
# chain rule its gradient is the sum over those uses: the **column sum** of the upstream gradient,
#
#     ∂L/∂bⱼ = Σᵢ Gᵢⱼ        (G = ∂L/∂(X + b), shape (4, 3))
#
# The Add op's backward just hands G to both inputs; the engine sums it back to each input's shape in
# one place, `unbroadcast` — so no op can forget to.

# %%
X_values, b_values = lesson.rng.standard_normal((4, 3)), lesson.rng.standard_normal(3)
upstream = lesson.rng.standard_normal((4, 3))
X_tensor = mg.tensor(X_values, requires_grad=True, dtype=np.float64)
b_tensor = mg.tensor(b_values, requires_grad=True, dtype=np.float64)
(X_tensor + b_tensor).backward(upstream)
column_sum = upstream.sum(axis=0)
print("upstream gradient G:\n", np.round(upstream, 3))
print("b.grad from backward:     ", np.round(b_tensor.grad, 6))
print("column sum of G:          ", np.round(column_sum, 6))
print("unbroadcast(G, (3,)):     ", np.round(mg.unbroadcast(upstream, (3,)), 6))
bias_report = mg.gradcheck(lambda X, b: X + b, [X_values, b_values], grad_output=upstream)
print("gradcheck of X + b:", bias_report, sep="\n")
lesson.checks.add("bias grad = column sum of upstream: max diff", float(np.abs(b_tensor.grad - column_sum).max()),
                  np.allclose(b_tensor.grad, column_sum, rtol=0, atol=1e-12))
lesson.checks.add("gradcheck of X + b (broadcast): rel err", bias_report.max_rel_error,
                  bool(bias_report) and bias_report.max_rel_error < 1e-9)

# %% [markdown]
# ## 8. The directional check: a whole model in two evaluations
# The full check perturbs one element at a time: 2 evaluations of f **per parameter**. For a model with
# thousands of parameters that is thousands of forward passes. Instead pick a random direction u (one
# array per input) and compare one number computed two ways:
#
#     ⟨v, J u⟩  ≈  (v·f(θ + εu) − v·f(θ − εu)) / 2ε        2 evaluations, whatever the size
#     ⟨v, J u⟩  =  Σ ⟨∂(v·f)/∂θ, u⟩                        from one backward
#
# A wrong gradient agrees *exactly* with the truth along a random u only by accident. But it can agree
# *nearly*: the disagreement ⟨error, u⟩ is a random number that is sometimes small, so use a few
# directions (2 evaluations each). The other price: one number per direction, so a failure does not say
# *which* element is wrong — run the full check on the op you suspect next. Here: a small SiLU
# autoencoder on 32 bundled digits, every parameter checked at once.

# %%
n_features, n_hidden, n_batch = 64, lesson.pick(full=48, quick=8), 32
digits, _labels = mg.data.load_digits()
batch = mg.tensor(digits[lesson.rng.choice(len(digits), n_batch, replace=False)], dtype=np.float64)
encoder = nn.Linear(n_features, n_hidden, rng=lesson.rng, dtype=np.float64)
decoder = nn.Linear(n_hidden, n_features, rng=lesson.rng, dtype=np.float64)
parameters = list(encoder.parameters()) + list(decoder.parameters())
n_parameters = sum(p.size for p in parameters)

evaluations = 0


def reconstruction_loss(activation):
    """The loss as a function of the parameters (gradcheck swaps their data; the model reads them)."""
    def loss(*_params):
        global evaluations
        evaluations += 1
        return F.mse_loss(decoder(activation.apply(encoder(batch))), batch)
    return loss


timings = {}
for mode in ("directional", "full"):
    evaluations, start = 0, time.perf_counter()
    report = mg.gradcheck(reconstruction_loss(SiLU), parameters, mode=mode, seed=lesson.args.seed)
    timings[mode] = (report, evaluations, time.perf_counter() - start)
    print(f"{mode:>11} check: {evaluations:>6} evaluations of the loss, {timings[mode][2]:.3f} s, "
          f"rel err {report.max_rel_error:.1e}, {'passed' if report else 'FAILED'}")
print(f"({n_parameters} parameters: the full check needs 2·{n_parameters} + 1 evaluations, the directional one 2 + 1)")
n_directions = 3
buggy_directional = [mg.gradcheck(reconstruction_loss(SiLUForgotProductRule), parameters, mode="directional",
                                  seed=lesson.args.seed + k) for k in range(n_directions)]
print("the same autoencoder with the buggy SiLU, first direction:", buggy_directional[0], sep="\n")
print(f"buggy SiLU along {n_directions} random directions: rel err",
      ", ".join(f"{r.max_rel_error:.1e} ({'passed' if r else 'FAILED'})" for r in buggy_directional))

directional, full = timings["directional"], timings["full"]
lesson.checks.add(f"directional check, {n_parameters} params: rel err", directional[0].max_rel_error,
                  bool(directional[0]) and directional[0].max_rel_error < 1e-7)
lesson.checks.add("full check agrees: rel err", full[0].max_rel_error, bool(full[0]) and full[0].max_rel_error < 1e-7)
lesson.checks.add("evaluations: directional vs full", f"{directional[1]} vs {full[1]}",
                  directional[1] == 3 and full[1] == 2 * n_parameters + 1)
lesson.checks.add(f"directional check ({n_directions} directions) catches the buggy SiLU: max rel err",
                  max(r.max_rel_error for r in buggy_directional), not all(buggy_directional))

# %% [markdown]
# ## What held
# Central differences are second-order accurate; their best step is near ε_mach^(1/3), and only in float64
# is the best error (~1e-11) far below the size of a real bug. A relative error under 1e-7 is fine, above
# 1e-4 is a bug — or a kink within ε. Random inputs and a random upstream gradient expose bugs that
# special points and `.sum()` hide; broadcast gradients are summed back by the engine; and the directional
# check covers a whole model in two evaluations. Every gradient in the rest of the course is checked this way.

# %%
lesson.finish()
