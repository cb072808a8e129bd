# %% [markdown]
# # Lesson 6 — The contractive autoencoder
#
# Penalise the encoder's Jacobian: codes that barely move when the input is nudged.
#
# A denoising autoencoder (lesson 5) makes the model *robust* to corruption by showing it corrupted
# inputs. The **contractive autoencoder** (Rifai et al. 2011) asks for the same thing analytically:
# the code h = f(x) should change little when x changes a little. How much h moves per unit of input
# change is the encoder's Jacobian J_f(x) = ∂h/∂x, so the CAE adds its squared Frobenius norm to the loss:
#
#     h = σ(W x + b)   (the code; W is (n_hidden, n_in), each hⱼ in (0, 1))      x̂ = σ(W₂ h + b₂)
#     J = (1/2m) Σₙ ‖xₙ − x̂ₙ‖²  +  λ (1/m) Σₙ ‖J_f(xₙ)‖²_F,      ‖J‖²_F = Σⱼ Σᵢ (∂hⱼ/∂xᵢ)²
#
# The two terms pull against each other. The reconstruction term wants the code to follow every change
# of the input it needs to rebuild; the penalty wants the code to follow none. The compromise: the code
# stays sensitive only along the directions in which the training data actually vary (the tangent
# directions of the data manifold) and contracts in all the others.
#
# We derive the penalty's closed form for a sigmoid encoder and check it against the explicit Jacobian
# (autodiff, and finite differences), see what the closed form saves, derive and check its gradient,
# then train with several λ and measure the code's sensitivity, the reconstruction price, and the
# singular values of J: which directions the code keeps.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from minigrad_ae.models import ContractiveAutoencoder
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 6: the contractive autoencoder — the Jacobian penalty's closed form, checked against "
                   "autodiff and finite differences, its gradient, and what λ does to code sensitivity", data=True)

# %% [markdown]
# ## 0. Data and settings
# Bundled 8×8 digits by default (80/20 split), the bundled 5,000-image MNIST sample with
# `--data mnist-sample`, or full MNIST with `--data mnist` (downloaded once; a random 10,000 of its
# training images). Pixels are in [0, 1]. The code has 100 sigmoid units: overcomplete for 64 pixels,
# so without a penalty nothing stops the encoder from reacting to everything.

# %%
SETTINGS = {  # code units, epochs (default, --quick), image shape
    "digits": dict(n_hidden=100, epochs=(40, 8), shape=(8, 8)),
    "mnist-sample": dict(n_hidden=100, epochs=(15, 2), shape=(28, 28)),
    "mnist": dict(n_hidden=100, epochs=(8, 1), shape=(28, 28)),
}
setting = SETTINGS[lesson.args.data]
X_train, y_train, X_test, y_test = kit.load_lesson_data(lesson.args.data, lesson.rng)

N_IN, N_HIDDEN, SHAPE = X_train.shape[1], setting["n_hidden"], setting["shape"]
EPOCHS = lesson.pick(full=setting["epochs"][0], quick=setting["epochs"][1])
LAMBDAS = lesson.pick(full=[0.0, 0.01, 0.1, 0.3, 1.0], quick=[0.0, 0.1, 1.0])
LR, BATCH = 1e-2, 64
print(f"{lesson.args.data}: {len(X_train)} training and {len(X_test)} held-out images of {N_IN} pixels; "
      f"code {N_HIDDEN} sigmoid units; λ in {LAMBDAS}, {EPOCHS} epochs of Adam η = {LR:g} each")

# %% [markdown]
# ## 1. The closed form
# Write aⱼ = Σᵢ Wⱼᵢ xᵢ + bⱼ, so hⱼ = σ(aⱼ). Only aⱼ depends on x, through row j of W, and σ′(a) = σ(a)(1 − σ(a)):
#
#     ∂hⱼ/∂xᵢ = σ′(aⱼ) · ∂aⱼ/∂xᵢ = hⱼ(1 − hⱼ) · Wⱼᵢ
#
# Row j of the Jacobian is row j of W scaled by the slope of unit j. Squaring and summing,
#
#     ‖J_f(x)‖²_F = Σⱼ (hⱼ(1 − hⱼ))² Σᵢ Wⱼᵢ²
#
# — the slope of each unit (large when the unit sits in the middle of its sigmoid, tiny when it is
# saturated at 0 or 1) times the squared length of its weight row. Two ways to make it small: short
# weight rows, or saturated units. `F.contractive_penalty(h, W)` computes this from the code h the
# forward pass already has.
#
# Three checks, in float64 on a fresh model and a few held-out images:
# * by hand with NumPy (the formula above) against `contractive_penalty`;
# * against the explicit Jacobian: `model.jacobian(x)` builds it with no closed form, one backward pass
#   per code unit (upstream gradient eⱼ gives row j), and we square and sum it;
# * against finite differences of the encoder, column by column: J[:, i] ≈ (h(x + εeᵢ) − h(x − εeᵢ)) / 2ε.

# %%
probe = ContractiveAutoencoder(N_IN, N_HIDDEN, rng=lesson.rng, dtype=np.float64)
W, b = probe.encoder.weight.data, probe.encoder.bias.data
X_probe = X_test[:5].astype(np.float64)

# by hand: the formula, in plain NumPy
H = 1 / (1 + np.exp(-(X_probe @ W.T + b)))
by_hand = (H * (1 - H)) ** 2 @ (W ** 2).sum(axis=1)                       # one ‖J‖²_F per image
package = F.contractive_penalty(probe.encode(X_probe), probe.encoder.weight, reduction="none").numpy()

# the explicit Jacobians, by autodiff (n_hidden backward passes each) and by finite differences
EPS = 1e-5
autodiff_jacobians = [probe.jacobian(x) for x in X_probe]                # each (n_hidden, n_in)
with mg.no_grad():
    shifts = EPS * np.eye(N_IN)                                          # row i is ε·eᵢ: all columns in one batch
    fd_jacobians = [((probe.encode(x + shifts).numpy() - probe.encode(x - shifts).numpy()) / (2 * EPS)).T
                    for x in X_probe]
from_jacobian = np.array([np.sum(J ** 2) for J in autodiff_jacobians])
from_fd = np.array([np.sum(J ** 2) for J in fd_jacobians])
rows_by_formula = [(h * (1 - h))[:, None] * W for h in H]                # row j = hⱼ(1 − hⱼ) · Wⱼ

print("‖J‖²_F per image:")
print(f"  by hand            {np.array2string(by_hand, precision=6)}")
print(f"  contractive_penalty{np.array2string(package, precision=6)}")
print(f"  autodiff Jacobian  {np.array2string(from_jacobian, precision=6)}")
print(f"  finite differences {np.array2string(from_fd, precision=6)}")
err_hand = mg.relative_error(package, by_hand)
err_jac = mg.relative_error(package, from_jacobian)
err_rows = max(mg.relative_error(J, R) for J, R in zip(autodiff_jacobians, rows_by_formula))
err_fd = max(mg.relative_error(J, Jfd) for J, Jfd in zip(autodiff_jacobians, fd_jacobians))
lesson.checks.add("contractive_penalty = formula by hand, rel err", err_hand, err_hand < 1e-12)
lesson.checks.add("contractive_penalty = ‖autodiff J‖²_F, rel err", err_jac, err_jac < 1e-9)
lesson.checks.add("autodiff J rows = hⱼ(1 − hⱼ)·Wⱼ, rel err", err_rows, err_rows < 1e-12)
lesson.checks.add("autodiff J = finite-difference J, rel err", err_fd, err_fd < 1e-9)

# %% [markdown]
# ## 2. What the closed form saves
# The explicit route needs a forward pass and then one backward pass *per code unit*, each costing
# about as much as the forward pass: O(n_hidden · n_hidden · n_in) per image. The closed form needs the
# forward pass we are doing anyway, O(n_hidden · n_in) per image; the row norms Σᵢ Wⱼᵢ² are computed
# once per batch, and the rest is O(n_hidden) per image. And for *training* the explicit route would
# be worse still: the gradient of ‖J‖² with respect to W means backpropagating through a backward pass,
# which this engine (like many small ones) does not record. The closed form is an ordinary expression
# in h and W, so ordinary backprop handles it.

# %%
X_timing = X_test[:lesson.pick(full=200, quick=50)].astype(np.float64)
start = time.perf_counter()
repeats = 10
for _ in range(repeats):
    with mg.no_grad():
        F.contractive_penalty(probe.encode(X_timing), probe.encoder.weight, reduction="none")
closed_form_time = (time.perf_counter() - start) / (repeats * len(X_timing))
start = time.perf_counter()
n_explicit = lesson.pick(full=20, quick=10)
for x in X_timing[:n_explicit]:
    np.sum(probe.jacobian(x) ** 2)
explicit_time = (time.perf_counter() - start) / n_explicit
print(f"per image: closed form (forward pass included) {closed_form_time * 1e6:.0f} µs, explicit Jacobian "
      f"({N_HIDDEN} backward passes) {explicit_time * 1e6:.0f} µs — {explicit_time / closed_form_time:.0f}× slower")
lesson.checks.add("explicit Jacobian slower than closed form (×)", explicit_time / closed_form_time,
                  explicit_time > 10 * closed_form_time)

# %% [markdown]
# ## 3. The penalty's gradient, by hand and checked
# With sⱼ = hⱼ(1 − hⱼ) and rⱼ = Σᵢ Wⱼᵢ², one image's penalty is P = Σⱼ sⱼ² rⱼ. W enters twice — directly
# through rⱼ, and through h (because h = σ(Wx + b)) — so its gradient has two parts:
#
#     direct:     ∂P/∂Wⱼᵢ = 2 sⱼ² Wⱼᵢ                          (a weight decay, scaled per unit by sⱼ²)
#     through h:  ∂P/∂hⱼ = 2 sⱼ (1 − 2hⱼ) rⱼ     (since ∂sⱼ/∂hⱼ = 1 − 2hⱼ)
#                 ∂P/∂aⱼ = ∂P/∂hⱼ · sⱼ = 2 sⱼ² (1 − 2hⱼ) rⱼ,   ∂P/∂Wⱼᵢ += ∂P/∂aⱼ · xᵢ,   ∂P/∂bⱼ = ∂P/∂aⱼ
#
# The second part pushes each unit towards saturation (1 − 2hⱼ is positive below ½, negative above),
# the first shrinks weight rows. We code the sum (averaged over the batch) and compare it with
# autodiff through `F.contractive_penalty(σ(linear(x, W, b)), W)`, then let `gradcheck` compare autodiff
# with finite differences: for the penalty alone (inputs h and W, a random upstream gradient per image)
# and for the full path from W and b.

# %%
# gradcheck perturbs every entry of W twice: on the first few code units only (the penalty is a sum over
# units, so a slice of the encoder is the same computation), which keeps it to a second
UNITS = 10 if N_IN <= 64 else 2                                   # MNIST rows are 784 long
X_grad, W_grad, b_grad = X_probe[:3], W[:UNITS], b[:UNITS]
W_t, b_t = mg.tensor(W_grad, requires_grad=True), mg.tensor(b_grad, requires_grad=True)


def penalty_through_encoder(weight, bias):
    """Mean over the batch of ‖J_f(x)‖²_F as a function of the encoder's W and b (h depends on both)."""
    return F.contractive_penalty(F.sigmoid(F.linear(X_grad, weight, bias)), weight, reduction="mean")


penalty_through_encoder(W_t, b_t).backward()

h = 1 / (1 + np.exp(-(X_grad @ W_grad.T + b_grad)))
s, r = h * (1 - h), (W_grad ** 2).sum(axis=1)
dP_da = 2 * s ** 2 * (1 - 2 * h) * r / len(X_grad)              # (batch, units), the mean's 1/m included
hand_dW = 2 * np.mean(s ** 2, axis=0)[:, None] * W_grad + dP_da.T @ X_grad
hand_db = dP_da.sum(axis=0)
err_grad = max(mg.relative_error(hand_dW, W_t.grad), mg.relative_error(hand_db, b_t.grad))
print(f"hand-derived ∂P/∂W, ∂P/∂b vs autodiff: rel err {err_grad:.2g}")
lesson.checks.add("hand ∂P/∂W, ∂P/∂b = autodiff, rel err", err_grad, err_grad < 1e-12)

# ε = 1e-5 rather than the default 1e-6: the gradient entries are only ~0.01 (P is ~0.2), and the rounding
# error of a difference quotient, ≈ 1e-16·P/ε, is then already ~1e-9 of them; ε = 1e-5 cuts it tenfold
# while the O(ε²) truncation error stays smaller still
H_codes = lesson.rng.uniform(0.02, 0.98, (4, UNITS))                     # codes strictly inside (0, 1), as σ gives
report_penalty = mg.gradcheck(lambda h, w: F.contractive_penalty(h, w, reduction="none"), [H_codes, W_grad], eps=1e-5)
report_full = mg.gradcheck(penalty_through_encoder, [W_grad, b_grad], eps=1e-5)
print(report_penalty)
print(report_full)
lesson.checks.add("gradcheck penalty(h, W), max rel err", report_penalty.max_rel_error,
                  bool(report_penalty) and report_penalty.max_rel_error < 1e-9)
lesson.checks.add("gradcheck penalty(σ(Wx + b), W), max rel err", report_full.max_rel_error,
                  bool(report_full) and report_full.max_rel_error < 1e-9)

# %% [markdown]
# ## 4. Training with and without the penalty
# `ContractiveAutoencoder(n_in, n_latent, lam=λ)` has `loss(x)` = the J at the top; λ = 0 is a plain
# sigmoid autoencoder. One model per λ, the same initial weights and the same minibatches.
#
# What we measure on the held-out images:
# * **reconstruction**: ½ · mean over images of ‖x − x̂‖² (the first term of J);
# * **‖J‖²_F**: the penalty itself, mean over images;
# * **code sensitivity** (`model.code_sensitivity(X)`): nudge each image by a random δ of length 10⁻³
#   and measure ‖h(x + δ) − h(x)‖ / ‖δ‖ — how far the code moves per unit of input change. For a
#   small δ in a random direction u this is ‖J u‖, and E‖J u‖² = ‖J‖²_F / n_in, so it should sit
#   near (a little below, by Jensen) √(‖J‖²_F / n_in).

# %%
init_seed, batch_seed = (int(v) for v in lesson.rng.integers(2 ** 31, size=2))


def reconstruction_error(model, X_eval):
    with mg.no_grad():
        return float(0.5 * np.mean(np.sum((model(X_eval).numpy() - X_eval) ** 2, axis=1)))


def mean_penalty(model, X_eval):
    with mg.no_grad():
        return F.contractive_penalty(model.encode(X_eval), model.encoder.weight).item()


models, results = {}, {}
print(f"\n{'λ':>6}  {'train loss':>10}  {'reconstruction':>14}  {'‖J‖²_F':>8}  {'sensitivity':>11}  "
      f"{'√(‖J‖²/n)':>10}  {'time':>6}")
for lam in LAMBDAS:
    model = ContractiveAutoencoder(N_IN, N_HIDDEN, lam=lam, rng=np.random.default_rng(init_seed))
    start = time.perf_counter()
    history = mg.fit(model, lambda m, xb: m.loss(xb), X_train, EPOCHS, BATCH,
                     mg.optim.Adam(model.parameters(), lr=LR), rng=np.random.default_rng(batch_seed), progress=False)
    seconds = time.perf_counter() - start
    penalty = mean_penalty(model, X_test)
    results[lam] = dict(reconstruction=reconstruction_error(model, X_test), penalty=penalty,
                        sensitivity=model.code_sensitivity(X_test, rng=np.random.default_rng(batch_seed)))
    models[lam] = model
    row = results[lam]
    print(f"{lam:>6g}  {history.train_loss[-1]:>10.4f}  {row['reconstruction']:>14.4f}  {penalty:>8.3f}  "
          f"{row['sensitivity']:>11.4f}  {np.sqrt(penalty / N_IN):>10.4f}  {seconds:>5.1f}s")

shown_lams = [0.0, 0.1, 1.0]                                   # three models to look at closely
sensitivity = np.array([results[lam]["sensitivity"] for lam in LAMBDAS])
reconstruction = np.array([results[lam]["reconstruction"] for lam in LAMBDAS])
factor = results[0.0]["sensitivity"] / results[0.1]["sensitivity"]
# --quick trains a few epochs only: the plain AE has not yet grown as sensitive, so the bar is lower
factor_bar = lesson.pick(full=3.0, quick=2.0)
lesson.record("data", lesson.args.data)
lesson.record("code sensitivity, λ = 0", results[0.0]["sensitivity"])
lesson.record("code sensitivity, λ = 0.1", results[0.1]["sensitivity"])
print(f"λ = 0.1 makes the code {factor:.1f}× less sensitive than λ = 0, at "
      f"{results[0.1]['reconstruction'] / results[0.0]['reconstruction']:.1f}× the reconstruction error")
lesson.checks.add(f"sensitivity λ=0 / λ=0.1 > {factor_bar:g}", float(factor), factor > factor_bar)
lesson.checks.add("sensitivity falls as λ grows", " > ".join(f"{v:.2g}" for v in sensitivity),
                  bool(np.all(np.diff(sensitivity) < 0)))
# the price, on held-out images, at three λ a decade apart (a very small λ can even help a little on
# held-out images: the penalty also regularises — on the MNIST sample λ = 0.01 does)
price = [results[lam]["reconstruction"] for lam in shown_lams]
lesson.checks.add("reconstruction error: λ=0 < λ=0.1 < λ=1", " < ".join(f"{v:.2g}" for v in price),
                  price[0] < price[1] < price[2])

# %% [markdown]
# ## 5. The trade-off
# Every λ buys insensitivity with reconstruction error. On the left, each trained model is one point;
# on the right, both measures against λ.

# %%
fig, (ax_trade, ax_lam) = plt.subplots(1, 2, figsize=(12, 4.6))
ax_trade.plot(reconstruction, sensitivity, "o-", color="tab:blue")
for lam, rec, sens in zip(LAMBDAS, reconstruction, sensitivity):
    ax_trade.annotate(f"λ = {lam:g}", (rec, sens), textcoords="offset points", xytext=(6, 4), fontsize=9)
ax_trade.set(xlabel="held-out reconstruction error ½·mean ‖x − x̂‖²",
             ylabel="code sensitivity ‖h(x + δ) − h(x)‖ / ‖δ‖", yscale="log",
             title="each λ: less sensitive codes, worse reconstructions")
ax_trade.margins(x=0.12, y=0.12)                                # room for the λ labels
ax_trade.grid(alpha=0.3, which="both")
positions = np.arange(len(LAMBDAS))                            # λ = 0 has no place on a log axis: one slot each
ax_lam.plot(positions, sensitivity, "o-", color="tab:blue", label="code sensitivity (log, left)")
ax_lam.set(xticks=positions, xticklabels=[f"{lam:g}" for lam in LAMBDAS], xlabel="penalty weight λ",
           ylabel="code sensitivity", yscale="log", title="both measures against λ (held-out images)")
ax_lam.grid(alpha=0.3, which="both")
ax_rec = ax_lam.twinx()
ax_rec.plot(positions, reconstruction, "s--", color="tab:red", label="reconstruction error (right)")
ax_rec.set_ylabel("reconstruction error ½·mean ‖x − x̂‖²", color="tab:red")
ax_lam.legend(handles=ax_lam.get_lines() + ax_rec.get_lines(), loc="upper center", fontsize=9)
fig.suptitle(f"contractive AE {N_IN}→{N_HIDDEN}→{N_IN} on {lesson.args.data}, {EPOCHS} epochs per λ")
lesson.show(fig, "06_tradeoff")

one_per_class = np.array([np.flatnonzero(y_test == digit)[0] for digit in range(10)])
examples = X_test[one_per_class]
with mg.no_grad():
    rebuilt = [models[lam](examples).numpy() for lam in shown_lams]
mg.viz.image_grid(np.concatenate([examples] + rebuilt), SHAPE, lesson.path("06_reconstructions"),
                  row_titles=["held-out x"] + [f"x̂, λ = {lam:g}" for lam in shown_lams],
                  title="reconstructions grow blurrier as λ grows (the price of a contractive code)")

# %% [markdown]
# A small λ already removes most of the sensitivity for a modest price; a large λ pushes the code
# towards not caring about the input at all, and the reconstructions fade towards an average digit.
#
# ## 6. Which directions survive: the singular values of J
# The sensitivity above is an average over random directions. The singular value decomposition of
# J(x) = U Σ Vᵀ says more: the code moves by σₖ per unit step along the input direction vₖ (row k
# of Vᵀ). The penalty is Σₖ σₖ², so it pushes every σₖ down — but the reconstruction term needs the
# code to follow the directions in which the digits vary, so those few σₖ are kept. A contractive code
# has a spectrum that *falls off*: a handful of large σₖ (the local tangent directions of the data),
# the rest near zero. We average the spectra over held-out images.
#
# The autodiff Jacobian costs n_hidden backward passes per image. Section 1 showed that its rows are
# exactly hⱼ(1 − hⱼ)·Wⱼ, so from here on we build J from the closed form — for every image of a batch
# at once — after one more check, now at trained weights (a float32 model, so a float32 tolerance).

# %%
def jacobians(model, X_points):
    """J_f(x) = diag(h(1 − h)) W for every row x of X_points: (n_points, n_hidden, n_in), float64."""
    with mg.no_grad():
        h = model.encode(X_points).numpy().astype(np.float64)
    return (h * (1 - h))[:, :, None] * model.encoder.weight.data.astype(np.float64)[None]


n_points = 50 if N_IN > 64 else lesson.pick(full=150, quick=50)
points = X_test[:n_points]
lam_mid = 0.1
closed_vs_autodiff = max(mg.relative_error(J, models[lam_mid].jacobian(x))
                         for J, x in zip(jacobians(models[lam_mid], points[:5]), points[:5]))
lesson.checks.add(f"closed-form J = autodiff J, trained λ={lam_mid:g}", closed_vs_autodiff, closed_vs_autodiff < 1e-6)
spectra = {lam: np.linalg.svd(jacobians(models[lam], points), compute_uv=False) for lam in LAMBDAS}


def kept_directions(S, fraction=0.1):
    """Per image: how many singular values are at least ``fraction`` of the largest one."""
    return np.mean(np.sum(S >= fraction * S[:, :1], axis=1))


kept = {lam: kept_directions(S) for lam, S in spectra.items()}
print("directions with σₖ ≥ 0.1·σ₁ (mean over images): "
      + ", ".join(f"λ = {lam:g}: {kept[lam]:.1f}" for lam in LAMBDAS))

# A pixel that is 0 in every training image gives the reconstruction term nothing to learn from, and the
# penalty's weight decay shrinks its weights towards 0. J has min(n_hidden, n_in) singular values; when the
# pixels the data use are fewer than that (on the digits: 61 of 64), the last σₖ, one per unused pixel, fall
# with λ > 0 by many orders of magnitude, some to the SVD's rounding level (~1e-16·σ₁: exact zeros). A log axis
# would spend most of its height on them, so the figure stops at a floor below every other σₖ and marks those
# as ▼ on it.
dead = X_train.max(axis=0) == 0                                  # pixels that are 0 in every training image
n_reached = min(N_HIDDEN, N_IN - int(dead.sum()))                # σₖ the training data can keep away from 0
if n_reached < min(N_HIDDEN, N_IN):
    print(f"{dead.sum()} pixels are 0 in every training image; the last {min(N_HIDDEN, N_IN) - n_reached} σₖ "
          "(largest … smallest): " + ", ".join(f"λ = {lam:g}: {S[:, n_reached:].max():.1g} … "
                                               f"{S[:, n_reached:].min():.1g}" for lam, S in spectra.items()))


def floor_below(curves):
    """A power of ten below every value of the first n_reached σₖ: where the axis stops."""
    smallest = min(values[:n_reached].min() for values in curves.values())
    return 10.0 ** np.floor(np.log10(smallest / 2))


def plot_spectrum(ax, values, floor, colour, label):
    """``values`` against k = 1, 2, … on a log axis down to ``floor``; those below it as a grey ▼ on the floor
    (the same for every λ: they are the same pixels)."""
    k = np.arange(1, len(values) + 1)
    under = values < floor
    ax.semilogy(k, np.where(under, np.nan, values), color=colour, label=label)
    if under.any():   # (an empty unclipped line would upset the layout)
        ax.plot(k[under], np.full(under.sum(), floor), "v", color="0.3", ms=6, clip_on=False)


fig, (ax_raw, ax_norm) = plt.subplots(1, 2, figsize=(12, 4.8))
panels = [(ax_raw, {lam: S.mean(axis=0) for lam, S in spectra.items()}),
          (ax_norm, {lam: (S / S[:, :1]).mean(axis=0) for lam, S in spectra.items()})]
below_floor = Line2D([], [], ls="", marker="v", color="0.3", ms=6,
                     label=f"below the axis, down to 0: the {dead.sum()} pixels\nthat no training image uses")
for ax, curves in panels:
    floor = floor_below(curves)
    for colour, lam in zip(plt.cm.viridis(np.linspace(0, 0.9, len(LAMBDAS))), LAMBDAS):
        plot_spectrum(ax, curves[lam], floor, colour,
                      f"λ = {lam:g}" + (rf" ({kept[lam]:.0f} $\geq 0.1\,\sigma_1$)" if ax is ax_norm else ""))
    ax.set_ylim(floor, 2 * max(values.max() for values in curves.values()))
    ax.grid(alpha=0.3, which="both")
    anything_below = any((values < floor).any() for values in curves.values())
    ax.legend(handles=ax.get_legend_handles_labels()[0] + ([below_floor] if anything_below else []),
              fontsize=8, loc="lower left")
ax_raw.set(xlabel="k (singular values in decreasing order)", ylabel=r"$\sigma_k$ of $J_f(x)$, mean over images",
           title="singular values of the encoder's Jacobian")
ax_norm.axhline(0.1, color="grey", ls=":", lw=1)
ax_norm.set(xlabel="k (singular values in decreasing order)", ylabel=r"$\sigma_k / \sigma_1$, mean over images",
            title="the same, relative to the largest: the shape of the spectrum")
fig.suptitle(rf"$J_f(x)$ at {n_points} held-out images: the penalty lowers all $\sigma_k$ and keeps only a few large")
lesson.show(fig, "06_jacobian_spectra")
lesson.checks.add("fewer kept directions: λ=1 vs λ=0", f"{kept[1.0]:.1f} vs {kept[0.0]:.1f}",
                  kept[1.0] < 0.8 * kept[0.0])

# %% [markdown]
# On the digits every spectrum with λ > 0 ends in three singular values far below all the others (▼ on the
# axis floor; the line printed above the figure says how small: some are zero to rounding). There is one for
# each pixel that is 0 in every training image: the penalty's weight decay drives their weights towards zero,
# and J loses those directions. The plain autoencoder keeps them — the story of the next figure. (On MNIST
# the code's 100 units, fewer than the pixels in use, bound the spectrum first, and there is no such tail.)
#
# What are the kept directions? Below, for one held-out digit, the top right singular vectors vₖ
# (red = brighten that pixel, blue = darken) with their σₖ. The plain autoencoder is most sensitive
# to pixels at the left and right **borders**, pixels that are 0 in almost every training digit. The
# reconstruction loss hardly trains the weights on such a pixel (their gradient is proportional to xᵢ,
# almost always 0), so they keep about their random initial values, and the code reacts to changes no
# digit makes. The penalty's direct gradient 2sⱼ²Wⱼᵢ shrinks every weight, and only the weights the
# reconstruction needs grow back; what is left are stroke-shaped directions: moving, thickening or
# bending the strokes of this digit.

# %%
example = X_test[one_per_class[3]]
n_dirs = 8
fig, axes = plt.subplots(len(shown_lams), n_dirs + 1, figsize=(1.25 * (n_dirs + 1) + 0.6, 1.45 * len(shown_lams) + 0.6))
for row, lam in zip(axes, shown_lams):
    _, sigma, Vt = np.linalg.svd(jacobians(models[lam], example[None])[0], full_matrices=False)
    row[0].imshow(example.reshape(SHAPE), cmap="gray", vmin=0, vmax=1)
    row[0].set_ylabel(f"λ = {lam:g}", rotation=0, ha="right", va="center")
    for index, (ax, v, sigma_k) in enumerate(zip(row[1:], Vt[:n_dirs], sigma), start=1):
        v = v * np.sign(np.sum(v ** 3))                    # a singular vector's sign is arbitrary: fix one
        limit = np.abs(v).max()
        ax.imshow(v.reshape(SHAPE), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(rf"$\sigma_{{{index}}}$ = {sigma_k:.2g}", fontsize=8)
    for ax in row:
        ax.set_xticks([])
        ax.set_yticks([])
axes[0, 0].set_title("input x", fontsize=8)
fig.suptitle(r"input directions the code is most sensitive to (top right singular vectors $v_k$ of $J_f(x)$; "
             "red = brighter, blue = darker)", fontsize=10)
lesson.show(fig, "06_sensitive_directions")

# %% [markdown]
# The same in numbers, over all the held-out images of section 6: the share of the top 8 directions'
# length ‖vₖ‖² = 1 that falls on **rare pixels** (non-zero in fewer than 5% of the training images). A
# direction drawn at random would put (number of rare pixels)/n_in there.

# %%
rare = np.mean(X_train > 0, axis=0) < 0.05


def share_on_rare_pixels(model, top=8):
    """Mean over images of Σₖ≤top Σ_{i rare} Vₖᵢ² / top: how much the most sensitive directions use rare pixels."""
    _, _, Vt = np.linalg.svd(jacobians(model, points), full_matrices=False)
    return float(np.mean(np.sum(Vt[:, :top, rare] ** 2, axis=(1, 2)) / top))


rare_share = {lam: share_on_rare_pixels(models[lam]) for lam in shown_lams}
print(f"{rare.sum()} rare pixels ({dead.sum()} never used); a random direction puts {rare.mean():.0%} of itself "
      "there, the top 8 sensitive directions: " + ", ".join(f"λ = {lam:g}: {v:.1%}" for lam, v in rare_share.items()))
if dead.any():
    print("mean |Wⱼᵢ| on the never-used pixels: " + ", ".join(
        f"λ = {lam:g}: {np.abs(models[lam].encoder.weight.data[:, dead]).mean():.2g}" for lam in shown_lams))
lesson.checks.add("top directions on rare pixels: λ=0 vs λ=0.1", f"{rare_share[0.0]:.0%} vs {rare_share[0.1]:.1%}",
                  rare_share[0.0] > 3 * rare_share[0.1])

# %% [markdown]
# One number for "the code follows the data": the code's sensitivity along directions *towards
# neighbouring training images* (a crude estimate of the data's local tangent directions), divided by
# its sensitivity along random directions. Both are ‖J u‖ for unit vectors u. A code that reacts to
# everything alike gives ≈ 1; a contractive code, which kept the data's directions and dropped the
# others, gives more.

# %%
def neighbour_vs_random(model, X_points, n_neighbours=5):
    """Mean ‖J u‖ over u towards each point's nearest training images, over the mean for random unit u."""
    squared = (X_points ** 2).sum(1)[:, None] + (X_train ** 2).sum(1)[None] - 2 * X_points @ X_train.T
    nearest = np.argsort(squared, axis=1)[:, :n_neighbours]
    along_data, along_random = [], []
    for x, idx, J in zip(X_points, nearest, jacobians(model, X_points)):
        towards = X_train[idx] - x
        towards /= np.linalg.norm(towards, axis=1, keepdims=True)
        random_dirs = lesson.rng.standard_normal((n_neighbours, N_IN))
        random_dirs /= np.linalg.norm(random_dirs, axis=1, keepdims=True)
        along_data.append(np.linalg.norm(towards @ J.T, axis=1))
        along_random.append(np.linalg.norm(random_dirs @ J.T, axis=1))
    return float(np.mean(along_data) / np.mean(along_random))


ratios = {lam: neighbour_vs_random(models[lam], points) for lam in shown_lams}
print("sensitivity towards neighbours / along random directions: "
      + ", ".join(f"λ = {lam:g}: {ratio:.2f}" for lam, ratio in ratios.items()))
# in --quick the plain AE has trained too briefly to spread its sensitivity evenly, so the gap is smaller
ratio_bar = lesson.pick(full=1.3, quick=1.1)
lesson.checks.add(f"neighbour/random sensitivity: λ=0.1 over λ=0 > {ratio_bar:g}", ratios[0.1] / ratios[0.0],
                  ratios[0.1] > ratio_bar * ratios[0.0])

# %% [markdown]
# ## What held
# For a sigmoid encoder, ‖J_f(x)‖²_F = Σⱼ (hⱼ(1 − hⱼ))² Σᵢ Wⱼᵢ² exactly: the closed form agrees with the
# Jacobian built by autodiff and by finite differences to float64 precision, at a small fraction of the
# cost, and its gradient (a per-unit weight decay plus a push towards saturation) agrees with autodiff
# and with finite differences. Trained with it, the code becomes several times less sensitive to small
# input changes, and the reconstruction error rises with λ: a real trade-off, not a free lunch. The
# Jacobian's spectrum shows where the sensitivity went: most directions are contracted, and the few
# that are kept point along the data.

# %%
lesson.finish()
