# %% [markdown]
# # Lesson 10 — The training toolkit
#
# Optimizers, LR schedules and regularisers, measured on one digits autoencoder.
#
# Backward gives the gradient g = ∂L/∂θ. Everything else about training is a choice this lesson
# measures instead of asserting: how big a step to take along g (the **optimizer** and the
# **learning-rate schedule**), and what to do against fitting the training set too well (**weight
# decay**, **dropout**, **early stopping**; **BatchNorm** is measured too). The update rules, as the
# docstrings of `mg.optim.SGD`, `RMSprop` and `Adam` give them (η is the learning rate, all per coordinate):
#
#     SGD            θ ← θ − η g
#     SGD + momentum v ← μ v + g;                      θ ← θ − η v
#     RMSprop        s ← α s + (1 − α) g²;             θ ← θ − η g / (√s + ε)
#     Adam           m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
#                    m̂ = m / (1 − β₁ᵗ),       v̂ = v / (1 − β₂ᵗ);   θ ← θ − η m̂ / (√v̂ + ε)
#     weight decay   g ← g + λ θ   (the gradient of the penalty ½ λ ‖θ‖², added before any rule)
#
# The difference that matters most: SGD's step is η·g, so it scales with the gradient; RMSprop's
# and Adam's step is divided by a running root-mean-square of g, so it is about η whatever the
# gradient's scale.

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from minigrad_ae import nn
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 10: optimizers, learning-rate schedules, weight decay, dropout, BatchNorm, early stopping")

# %% [markdown]
# ## 1. One Adam step by hand
# Kingma & Ba's own check: minimise f(θ) = θ² from θ₀ = 1 with η = 0.1 (β₁ = 0.9, β₂ = 0.999,
# ε = 10⁻⁸). Then g = 2, m = 0.2, v = 0.004, and the bias correction gives m̂ = 2, v̂ = 4, so
#
#     θ₁ = 1 − 0.1 · 2 / (√4 + 10⁻⁸) = 0.9000000005
#
# Without the correction the step would use m = 0.2 and √v = 0.063: a step of 0.32, not 0.1.
# m and v start at 0, so early on they are biased towards 0; dividing by 1 − βᵗ removes that bias.

# %%
def adam_by_hand(theta, grad_fn, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8, bias_correction=True):
    """Adam on one number, written from the formula with Python floats; returns θ after each step."""
    m = v = 0.0
    trajectory = []
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = (m / (1 - beta1 ** t), v / (1 - beta2 ** t)) if bias_correction else (m, v)
        theta = theta - lr * m_hat / (v_hat ** 0.5 + eps)
        trajectory.append(theta)
    return trajectory


def adam_by_package(theta0, f, lr, steps):
    """The same with mg.optim.Adam on a float64 tensor, the gradient coming from backward()."""
    theta = mg.tensor(np.array(theta0), requires_grad=True, dtype=np.float64)
    optimizer = mg.optim.Adam([theta], lr=lr)
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        f(theta).backward()
        optimizer.step()
        trajectory.append(theta.item())
    return trajectory


hand = adam_by_hand(1.0, lambda th: 2 * th, lr=0.1, steps=5)
package = adam_by_package(1.0, lambda th: th ** 2, lr=0.1, steps=5)
no_correction = adam_by_hand(1.0, lambda th: 2 * th, lr=0.1, steps=1, bias_correction=False)[0]
print(f"θ₁ by hand {hand[0]:.12f}, by mg.optim.Adam {package[0]:.12f}, "
      f"without bias correction {no_correction:.6f}")
print("five steps, by hand:   ", " ".join(f"{t:.10f}" for t in hand))
print("five steps, by package:", " ".join(f"{t:.10f}" for t in package))
lesson.checks.add("Adam θ₁: package vs published 0.9000000005", abs(package[0] - 0.9000000005),
                  abs(package[0] - 0.9000000005) < 1e-15)
step_error = max(abs(a - b) for a, b in zip(hand, package))
lesson.checks.add("Adam, 5 steps: hand formula vs mg.optim.Adam", step_error, step_error < 1e-15)

# %% [markdown]
# Scale the function by 1000: f(θ) = 1000 θ², g = 2000. SGD's first step η·g would jump from 1 to
# −199; Adam's is η · m̂/√v̂ = η · g/|g| — the same 0.1 as before. Keep this in mind for section 2.

# %%
steep = adam_by_package(1.0, lambda th: 1000 * th ** 2, lr=0.1, steps=1)[0]
print(f"f = 1000 θ²: Adam θ₁ = {steep:.12f} (SGD with the same η: {1 - 0.1 * 2000:.0f})")
first_step_error = abs((1 - steep) - 0.1)
lesson.checks.add("Adam's first step is η whatever the gradient's scale", first_step_error, first_step_error < 1e-9)

# %% [markdown]
# ## 2. Four optimizers, one autoencoder
# The 64-32-8-32-64 MLP autoencoder on the bundled 8×8 digits, loss L = mean((x̂ − x)²). Every run
# starts from the **same initial weights** and sees the **same batches in the same order**: two
# generators seeded once from `lesson.rng`, re-created for each run. Only the update rule and η differ.
#
# A fair race needs each optimizer at a good learning rate, so each gets a small grid (factors of
# ~3) and we keep its best. The grids are far apart on purpose: look at the gradient's size first.

# %%
X, y = mg.data.load_digits()
X_train, X_val = mg.data.train_test_split(X, test_fraction=0.2, rng=lesson.rng)
n_pixels = X.shape[1]
init_seed, batch_seed = (int(s) for s in lesson.rng.integers(2 ** 31, size=2))


def same_init():
    """A generator that gives every model built from it the same initial weights."""
    return np.random.default_rng(init_seed)


def same_batches():
    """A generator that gives every run the same shuffled batches, epoch after epoch."""
    return np.random.default_rng(batch_seed)


def make_autoencoder(init_rng, hidden=32, code=8, batchnorm=None, dropout=0.0, dropout_rng=None):
    """n_pixels-hidden-code-hidden-n_pixels MLP, LeakyReLU hidden layers, linear code, sigmoid output.

    batchnorm: None, "before" or "after" the activation of each hidden layer; dropout: p after it.
    The Linear layers draw from init_rng in the same order whatever the options: same init_rng, same weights.
    """
    def hidden_block(n_in, n_out):
        layers = [nn.Linear(n_in, n_out, rng=init_rng)]
        if batchnorm == "before":
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(nn.LeakyReLU(0.1))
        if batchnorm == "after":
            layers.append(nn.BatchNorm1d(n_out))
        if dropout:
            layers.append(nn.Dropout(dropout, rng=dropout_rng))
        return layers
    return nn.Sequential(*hidden_block(n_pixels, hidden), nn.Linear(hidden, code, rng=init_rng),
                         *hidden_block(code, hidden), nn.Linear(hidden, n_pixels, rng=init_rng), nn.Sigmoid())


def reconstruction_loss(model, xb):
    return F.mse_loss(model(xb), xb)


model = make_autoencoder(same_init())
reconstruction_loss(model, X_train).backward()
grads = np.concatenate([p.grad.ravel() for p in model.parameters()])
median_grad = np.median(np.abs(grads))
print(f"at initialisation: median |g| = {median_grad:.1e}, largest |g| = {np.abs(grads).max():.1e}")
print(f"so an SGD step with η = 0.01 moves a typical weight by η·|g| = {0.01 * median_grad:.0e}; "
      "an Adam step with η = 0.01 moves it by about 0.01")

# %%
BATCH = 32
EPOCHS = lesson.pick(full=16, quick=3)
OPTIMIZERS = {  # name -> (optimizer from (params, lr), learning rates to try; --quick tries the middle one)
    "SGD": (lambda params, lr: mg.optim.SGD(params, lr), [10.0, 30.0, 100.0]),
    "SGD + momentum 0.9": (lambda params, lr: mg.optim.SGD(params, lr, momentum=0.9), [1.0, 3.0, 10.0]),
    "RMSprop": (lambda params, lr: mg.optim.RMSprop(params, lr), [3e-3, 1e-2, 3e-2]),
    "Adam": (lambda params, lr: mg.optim.Adam(params, lr), [3e-3, 1e-2, 3e-2]),
}


def final_loss(history):
    """The last epoch's training loss; inf when the run was stopped by a NaN/Inf."""
    return history.train_loss[-1] if history.epochs and not history.stopped_early else np.inf


runs = {}   # (optimizer name, lr) -> History
for name, (make_optimizer, lrs) in OPTIMIZERS.items():
    for lr in lesson.pick(full=lrs, quick=lrs[1:2]):
        model = make_autoencoder(same_init())
        runs[name, lr] = mg.fit(model, reconstruction_loss, X_train, EPOCHS, BATCH,
                                make_optimizer(model.parameters(), lr), rng=same_batches(), progress=False)

best_lr = {name: min((lr for n, lr in runs if n == name), key=lambda lr: final_loss(runs[name, lr]))
           for name in OPTIMIZERS}
print(f"final training loss after {EPOCHS} epochs (batch {BATCH}):")
for (name, lr), history in runs.items():
    mark = "  <- best for " + name if lr == best_lr[name] else ""
    print(f"  {name:<20} η = {lr:<6g} {final_loss(history):.4f}{mark}")

# %%
colours = dict(zip(OPTIMIZERS, ["tab:blue", "tab:orange", "tab:green", "tab:red"]))
fig, (ax_curves, ax_grid) = plt.subplots(1, 2, figsize=(12, 4.6))
for name in OPTIMIZERS:
    history = runs[name, best_lr[name]]
    ax_curves.plot(range(1, history.epochs + 1), history.train_loss, marker="o", ms=3, color=colours[name],
                   label=f"{name} (η = {best_lr[name]:g})")
    lrs = sorted(lr for n, lr in runs if n == name)
    ax_grid.plot(lrs, [min(final_loss(runs[name, lr]), 1.0) for lr in lrs], marker="o", color=colours[name],
                 label=name)
ax_curves.set(yscale="log", xlabel="epoch", ylabel="training loss (MSE per pixel, log scale)",
              title="each optimizer at its best η: same init, same batches")
ax_grid.set(xscale="log", yscale="log", xlabel="learning rate η (log scale)",
            ylabel=f"training loss after {EPOCHS} epochs (log scale)",
            title="final loss vs η: where each optimizer trains")
ax_curves.xaxis.set_major_locator(MaxNLocator(integer=True))
for ax in (ax_curves, ax_grid):
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=9)
lesson.show(fig, "10_optimizers")

adam_loss, sgd_loss = final_loss(runs["Adam", best_lr["Adam"]]), final_loss(runs["SGD", best_lr["SGD"]])
print(f"best Adam {adam_loss:.4f} vs best plain SGD {sgd_loss:.4f}: Adam's loss is "
      f"{(1 - adam_loss / sgd_loss):.0%} lower at the same budget")
lesson.checks.add("Adam (best η) loss < plain SGD (best η) loss", adam_loss / sgd_loss, adam_loss < sgd_loss)

# %% [markdown]
# Read the right panel first: plain SGD's good η is thousands of times Adam's, because its step is
# η·g and g is tiny here (a mean over 64 pixels and a batch, through a sigmoid whose slope is at most
# ¼). Plain SGD and RMSprop show a cliff: one grid step (×3) past their best η and the run fails (the
# loss stalls near 0.2, the sigmoid outputs saturated); Adam and momentum degrade gently on these
# grids. Once each has its own η, the four end close together (the table above; Adam lowest, plain SGD highest for
# the seeds we tried) — "Adam is much faster" is mostly "Adam's default η is already about right".
# SGD with momentum 0.9 at η behaves roughly like plain SGD at η / (1 − μ) = 10η, since v sums about
# 1/(1 − μ) past gradients. Adam and RMSprop find their good η near 10⁻², and would for a model with
# ten times larger or smaller gradients too: that is most of why Adam is the usual first choice.
#
# ## 3. A cyclical learning rate (Smith 2017)
# Instead of one η, sweep it up and down between a low and a high rate that both train (the grid
# above told us: 1 and 10 for SGD + momentum), in triangles of `step_size_up` iterations up and as
# many down:
#
#     cycle = ⌊1 + it / (2·step)⌋,   x = |it / step − 2·cycle + 1|
#     η = η_low + (η_high − η_low) · max(0, 1 − x)
#
# It counts **iterations**, so `mg.fit` steps it after every batch (`CyclicLR.per_batch` is True).
# A small recorder passed as the schedule shows exactly which η each batch used.

# %%
class RecordedSchedule:
    """Pass-through schedule for mg.fit that remembers the lr it set: lrs[i] is the lr of batch i."""

    def __init__(self, schedule):
        self.schedule, self.per_batch = schedule, schedule.per_batch
        self.lrs = [schedule.optimizer.lr]   # set by the schedule when it was made: batch 0's rate

    def step(self):
        self.schedule.step()
        self.lrs.append(self.schedule.optimizer.lr)


def triangular_lr(it, low, high, step):
    """Smith's triangular rate, from the formula above."""
    cycle = np.floor(1 + it / (2 * step))
    x = np.abs(it / step - 2 * cycle + 1)
    return low + (high - low) * np.maximum(0, 1 - x)


batches_per_epoch = int(np.ceil(len(X_train) / BATCH))
LR_LOW, LR_HIGH = 1.0, 10.0
step_size_up = batches_per_epoch * lesson.pick(full=2, quick=1)   # Smith: 2–10 epochs' worth; ends on a low rate
model = make_autoencoder(same_init())
optimizer = mg.optim.SGD(model.parameters(), LR_LOW, momentum=0.9)
recorder = RecordedSchedule(mg.optim.CyclicLR(optimizer, LR_LOW, LR_HIGH, step_size_up=step_size_up,
                                                 cycle_momentum=False))   # keep momentum 0.9 as in the comparison
clr_history = mg.fit(model, reconstruction_loss, X_train, EPOCHS, BATCH, optimizer, schedule=recorder,
                     rng=same_batches(), progress=False)

used = np.array(recorder.lrs[:-1])   # the last entry was set after the last batch, for a batch that never came
iterations = np.arange(len(used))
formula_error = np.abs(used - triangular_lr(iterations, LR_LOW, LR_HIGH, step_size_up)).max()
lesson.checks.add("CyclicLR rate vs the triangular formula (max err)", float(formula_error), formula_error < 1e-9)
per_batch = len(used) == EPOCHS * batches_per_epoch and np.allclose(
    clr_history.lr, used[::batches_per_epoch], rtol=0, atol=1e-12)
lesson.checks.add("fit stepped CyclicLR once per batch", f"{len(used)} steps", per_batch)

constant = {lr: runs["SGD + momentum 0.9", lr] for n, lr in runs if n == "SGD + momentum 0.9"}
print(f"SGD + momentum, {EPOCHS} epochs: cyclic η {LR_LOW:g}..{LR_HIGH:g} → {final_loss(clr_history):.4f}; "
      + ", ".join(f"constant η = {lr:g} → {final_loss(h):.4f}" for lr, h in constant.items()))
best_constant = min(constant, key=lambda lr: final_loss(constant[lr]))
verdict = "beats" if final_loss(clr_history) < final_loss(constant[best_constant]) else "does not beat"
print(f"measured: the cycle {verdict} the best constant rate tried (η = {best_constant:g}); its promise is "
      "to need only a range that trains, not the one best rate")

# %%
fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.2))
ax_lr.plot(iterations, used, color="tab:purple")
for epoch in range(1, EPOCHS):
    ax_lr.axvline(epoch * batches_per_epoch, color="0.85", lw=0.8, zorder=0)
ax_lr.set(xlabel=f"iteration (batch; grey lines: epochs of {batches_per_epoch} batches)", ylabel="learning rate η",
          title=f"CyclicLR triangular: η {LR_LOW:g} → {LR_HIGH:g}, step_size_up = {step_size_up}")
epochs_axis = range(1, EPOCHS + 1)
ax_loss.plot(epochs_axis, clr_history.train_loss, marker="o", ms=3, color="tab:purple",
             label=f"cyclic η {LR_LOW:g}..{LR_HIGH:g}")
for (lr, history), style in zip(constant.items(), ["--", "-.", ":"]):
    ax_loss.plot(epochs_axis, history.train_loss, style, color="tab:orange", label=f"constant η = {lr:g}")
ax_loss.set(yscale="log", xlabel="epoch", ylabel="training loss (log scale)",
            title="SGD + momentum 0.9: cyclic vs constant η")
ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))
for ax in (ax_lr, ax_loss):
    ax.grid(alpha=0.3)
ax_loss.legend(fontsize=9)
lesson.show(fig, "10_cyclic_lr")

# %% [markdown]
# The cyclic run's loss is not monotone: it climbs while η is high and drops while η comes back down,
# so a cyclic run should end at the bottom of a cycle, as this one does (its length is a whole number
# of cycles). The promise measured here is Smith's: pick a range that trains instead of the one best η.

# %% [markdown]
# ## 4. Weight decay
# Add ½ λ ‖θ‖² to the loss: its gradient λθ joins g, and a plain SGD step becomes
# θ ← (1 − ηλ) θ − η g — every step first shrinks the weights by a factor, then follows the data.
# Same init, same batches, SGD + momentum at η = 3; we watch ‖θ‖ (all parameters) after each epoch.

# %%
def parameter_norm(model):
    return float(np.sqrt(sum(np.sum(p.data.astype(np.float64) ** 2) for p in model.parameters())))


decay_norms, decay_val = {}, {}
for decay in (0.0, 3e-5, 3e-4):
    model = make_autoencoder(same_init())
    decay_norms[decay] = norms = [parameter_norm(model)]
    optimizer = mg.optim.SGD(model.parameters(), 3.0, momentum=0.9, weight_decay=decay)
    mg.fit(model, reconstruction_loss, X_train, EPOCHS, BATCH, optimizer, rng=same_batches(), progress=False,
           on_epoch=lambda m, history: norms.append(parameter_norm(m)))  # ‖θ‖ after every epoch
    decay_val[decay] = mg.evaluate(model, reconstruction_loss, X_val)
    print(f"λ = {decay:<6g} ‖θ‖ {decay_norms[decay][0]:.2f} → {decay_norms[decay][-1]:.2f}, "
          f"validation loss {decay_val[decay]:.4f}")
final_norms = [decay_norms[d][-1] for d in (0.0, 3e-5, 3e-4)]
lesson.checks.add("weight decay shrinks ‖θ‖: λ=0 > 3e-5 > 3e-4", " > ".join(f"{n:.1f}" for n in final_norms),
                  final_norms[0] > final_norms[1] > final_norms[2])

fig, ax = plt.subplots(figsize=(6.8, 4.3))
for decay, style in zip(decay_norms, ["-", "--", ":"]):
    ax.plot(range(EPOCHS + 1), decay_norms[decay], style, marker="o", ms=3,
            label=f"λ = {decay:g} (val loss {decay_val[decay]:.4f})")
ax.set(xlabel="epoch (0 = initial weights)", ylabel="‖θ‖₂ over all parameters",
       title="weight decay: SGD + momentum, η = 3, same init and batches")
ax.xaxis.set_major_locator(MaxNLocator(integer=True))
ax.grid(alpha=0.3)
ax.legend()
lesson.show(fig, "10_weight_decay")

# %% [markdown]
# Without decay the weights grow as the model learns; a small λ holds them back, a large one keeps
# them near their starting size and the autoencoder can no longer reconstruct well. Compare the
# validation losses in the legend: with 1,438 training digits this model hardly over-fits, so decay
# has nothing to cure here and only costs. It is a trade between the two terms of the loss, not a
# free win; it pays when the model over-fits (sections 6 and 7 build such a case).
#
# ## 5. BatchNorm: where, and whether
# `BatchNorm1d` standardises each feature over the batch, then rescales: y = γ (h − μ_B)/√(σ²_B + ε) + β.
# In training it uses the batch's μ_B, σ²_B (and keeps running averages); in eval, the running averages.
# First what it does, on the first layer's outputs of a fresh model:

# %%
first_layer = nn.Linear(n_pixels, 32, rng=lesson.rng)
batchnorm = nn.BatchNorm1d(32)   # γ = 1, β = 0 at the start, so y is just the standardised h
with mg.no_grad():
    h = first_layer(X_train[:256]).numpy()
    normalised = batchnorm(h).numpy()
by_hand = (h - h.mean(axis=0)) / np.sqrt(h.var(axis=0) + batchnorm.eps)
print(f"per-feature mean of y: |max| {np.abs(normalised.mean(axis=0)).max():.1e}; per-feature variance "
      f"{normalised.var(axis=0).min():.4f}..{normalised.var(axis=0).max():.4f} (σ²/(σ² + ε), just under 1)")
bn_error = float(np.abs(normalised - by_hand).max())
lesson.checks.add("BatchNorm (train mode) vs (h − μ_B)/√(σ²_B + ε) by hand", bn_error, bn_error < 1e-5)

# %% [markdown]
# Where should it go in a hidden layer: Linear → BN → activation (the original paper), or
# Linear → activation → BN? And does it help at all? Same init for the Linear layers, same batches,
# Adam at η = 10⁻²; we compare **validation** loss (eval mode for all three: in training mode a BN
# network's loss uses batch statistics and is not comparable).

# %%
BN_EPOCHS = lesson.pick(full=10, quick=2)
bn_curves, bn_seconds = {}, {}
for placement, label in [(None, "no BatchNorm"), ("before", "Linear → BN → LeakyReLU"),
                         ("after", "Linear → LeakyReLU → BN")]:
    model = make_autoencoder(same_init(), batchnorm=placement)
    history = mg.fit(model, reconstruction_loss, X_train, BN_EPOCHS, BATCH, mg.optim.Adam(model.parameters(), 1e-2),
                     val=X_val, rng=same_batches(), progress=False)
    bn_curves[label], bn_seconds[label] = history.val_loss, sum(history.time) / history.epochs
    print(f"{label:<24} val loss epoch 1 {history.val_loss[0]:.4f}, epoch {BN_EPOCHS} {history.val_loss[-1]:.4f}"
          f"  ({bn_seconds[label] * 1000:.0f} ms per epoch)")
mg.viz.loss_curves(bn_curves, lesson.path("10_batchnorm"), log=True,
                   title=f"validation MSE per pixel, Adam η = 0.01: BatchNorm placement ({BN_EPOCHS} epochs)")

# %% [markdown]
# Read the measurement, not a rule: on this small model BatchNorm mostly speeds up the first epochs;
# the placements end close to each other (see the printed numbers for your seed), and each BN layer
# costs time per step.
#
# ## 6. Dropout
# In training, each unit is zeroed with probability p and the survivors are scaled by 1/(1 − p), so
# the expected output is unchanged (**inverted dropout**); in eval mode it is the identity.

# %%
dropout = nn.Dropout(0.5, rng=lesson.rng)
ones = mg.tensor(np.ones((200, 64), dtype=np.float32))
dropout.train()
dropped = dropout(ones).numpy()
dropout.eval()
kept = dropout(ones).numpy()
print(f"train mode: values {np.unique(dropped)}, fraction zeroed {np.mean(dropped == 0):.3f}, "
      f"mean {dropped.mean():.3f} (expected 1)")
lesson.checks.add("Dropout is the identity in eval mode", "exact" if np.array_equal(kept, ones.numpy()) else "differs",
                  np.array_equal(kept, ones.numpy()))
lesson.checks.add("Dropout in train mode keeps the mean (|mean − 1|)", abs(float(dropped.mean()) - 1),
                  abs(float(dropped.mean()) - 1) < 0.05 and set(np.unique(dropped)) == {0.0, 2.0})

# %% [markdown]
# Its effect shows when a model can over-fit: a **small training slice** (100 digits) and a wider
# model (64-256-8-256-64), Adam at η = 3·10⁻³, batches of 10. We measure the training loss the same
# way as the validation loss — in eval mode — so the gap val − train is the over-fitting itself.

# %%
SMALL, WIDE, SMALL_BATCH = 100, 256, 10
X_small = X_train[:SMALL]
OVERFIT_EPOCHS = lesson.pick(full=60, quick=20)


def train_and_val_loss(model):
    return mg.evaluate(model, reconstruction_loss, X_small), mg.evaluate(model, reconstruction_loss, X_val)


dropout_curves = {}
for p in (0.0, 0.2):
    model = make_autoencoder(same_init(), hidden=WIDE, dropout=p, dropout_rng=lesson.rng)
    curve = []
    mg.fit(model, reconstruction_loss, X_small, OVERFIT_EPOCHS, SMALL_BATCH, mg.optim.Adam(model.parameters(), 3e-3),
           rng=same_batches(), progress=False, on_epoch=lambda m, history: curve.append(train_and_val_loss(m)))
    dropout_curves[p] = np.array(curve)
    train_loss, val_loss = dropout_curves[p][-1]
    print(f"dropout p = {p}: train {train_loss:.4f}, val {val_loss:.4f}, gap {val_loss - train_loss:.4f}, "
          f"best val {dropout_curves[p][:, 1].min():.4f}")
gaps = {p: curve[-1, 1] - curve[-1, 0] for p, curve in dropout_curves.items()}
lesson.checks.add("dropout 0.2 narrows the train/val gap", f"{gaps[0.0]:.4f} → {gaps[0.2]:.4f}", gaps[0.2] < gaps[0.0])

fig, ax = plt.subplots(figsize=(6.8, 4.3))
for p, colour in zip(dropout_curves, ["tab:blue", "tab:green"]):
    epochs_axis = range(1, OVERFIT_EPOCHS + 1)
    ax.plot(epochs_axis, dropout_curves[p][:, 0], "--", color=colour, label=f"p = {p}: train (eval mode)")
    ax.plot(epochs_axis, dropout_curves[p][:, 1], "-", color=colour, label=f"p = {p}: validation")
ax.set(yscale="log", xlabel="epoch", ylabel="reconstruction loss (log scale)",
       title=f"dropout on {SMALL} training digits: the train/val gap")
ax.xaxis.set_major_locator(MaxNLocator(integer=True))
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=9)
lesson.show(fig, "10_dropout")

# %% [markdown]
# Dropout makes the training set harder to memorise: the training loss (dashed) stays higher, the
# gap to validation narrows. Whether the validation loss itself ends lower depends on p and on
# training long enough — noisy training converges more slowly (compare the printed best values).

# %% [markdown]
# ## 7. Early stopping
# On the same over-fitting setup (no dropout) the validation loss falls, bottoms out and turns up.
# `EarlyStopping(patience)` watches it after every epoch; after `patience` epochs without a new best
# it stops training, and `mg.fit` puts back the weights of the best epoch (a copy kept when it was
# best), not the last ones.

# %%
PATIENCE = lesson.pick(full=10, quick=5)
MAX_EPOCHS = lesson.pick(full=100, quick=60)
model = make_autoencoder(same_init(), hidden=WIDE)
stopper = mg.optim.EarlyStopping(patience=PATIENCE)
history = mg.fit(model, reconstruction_loss, X_small, MAX_EPOCHS, SMALL_BATCH, mg.optim.Adam(model.parameters(), 3e-3),
                 val=X_val, early_stopping=stopper, rng=same_batches(), progress=False)
print(history.summary())
restored_val = mg.evaluate(model, reconstruction_loss, X_val, batch_size=256)   # the batches fit evaluates with
print(f"after fit: val loss {restored_val:.6f}; best recorded {min(history.val_loss):.6f} (epoch "
      f"{history.best_epoch}); last epoch's {history.val_loss[-1]:.6f}")
lesson.checks.add("early stopping stopped before the epoch limit", f"epoch {history.epochs}/{MAX_EPOCHS}",
                  history.stopped_early and history.epochs == history.best_epoch + PATIENCE < MAX_EPOCHS)
lesson.checks.add("restored weights: val loss == best recorded", abs(restored_val - min(history.val_loss)),
                  restored_val == min(history.val_loss) and restored_val < history.val_loss[-1])
shared = min(history.epochs, OVERFIT_EPOCHS)
same_path = np.allclose(history.val_loss[:shared], dropout_curves[0.0][:shared, 1], rtol=1e-5, atol=0)
lesson.checks.add("same init + batches: same val curve as section 6", f"{shared} epochs", same_path)

# %%
fig, (ax_all, ax_zoom) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
zoom_from = max(1, history.best_epoch // 2)   # the right panel: linear scale, from half-way to the best epoch
for ax, first in ((ax_all, 1), (ax_zoom, zoom_from)):
    full = np.arange(first, OVERFIT_EPOCHS + 1)
    ax.plot(full, dropout_curves[0.0][full - 1, 1], color="0.7", lw=3, label="validation if training went on")
    stopped = np.arange(first, history.epochs + 1)
    if ax is ax_all:
        ax.plot(stopped, np.array(history.train_loss)[stopped - 1], "--", color="tab:blue", label="train (epoch mean)")
    ax.plot(stopped, np.array(history.val_loss)[stopped - 1], color="tab:red", label="validation")
    ax.axvline(history.best_epoch, color="tab:green", ls=":", label=f"best epoch {history.best_epoch}: restored")
    ax.axvline(history.epochs, color="k", ls="-.", label=f"stopped after epoch {history.epochs} (patience {PATIENCE})")
    ax.plot(history.best_epoch, min(history.val_loss), "o", color="tab:green")
    ax.set(xlabel="epoch", ylabel="reconstruction loss" + (" (log scale)" if ax is ax_all else ""))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
ax_all.set(yscale="log", title=f"early stopping on {SMALL} training digits (64-{WIDE}-8-{WIDE}-64, Adam)")
ax_zoom.set(title="zoom on the validation loss: it bottoms out, then turns up")
fig.legend(*ax_all.get_legend_handles_labels(), loc="outside lower center", ncols=5)  # below the panels: hides nothing
lesson.show(fig, "10_early_stopping")

# %% [markdown]
# ## What held
# The Adam step computed from its formula (bias correction included) equals the optimizer's; the
# optimizers' good learning rates differ by orders of magnitude because only SGD's step scales with
# the gradient, and at the same budget (each at its best η from a small grid) Adam ended lower than
# plain SGD; the cyclical rate followed Smith's triangle batch by batch; weight decay held the
# weight norm down; dropout is the identity in eval and narrowed the train/val gap; early stopping
# stopped on the turned-up validation curve and left the model with its best weights.

# %%
lesson.finish()
