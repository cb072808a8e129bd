# %% [markdown]
# # Lesson 3 — The undercomplete nonlinear autoencoder
#
# A deep autoencoder with a small code beats PCA with the same number of components.
#
# An **undercomplete** autoencoder squeezes each input x (n pixels) through a code z of k < n numbers
# and rebuilds it:
#
#     z = f(x)        the encoder: Linear → LeakyReLU → … → Linear (the code layer is linear)
#     x̂ = g(z)        the decoder: the mirror image, ending in an output activation (sigmoid or tanh)
#     L = 1/(B·n) Σ_batch ‖x − x̂‖²    (B images of n pixels; or a cross-entropy, section 4)
#
# L is the mean of (x − x̂)² over all B·n pixels of the batch, as `F.mse_loss` (and PyTorch's) computes it.
# The factor 1/n only rescales: the per-image error ‖x − x̂‖² = n·L has the same minimiser, and Adam's steps
# do not change when the loss is multiplied by a constant. To read the result we use the per-image error
# itself — "how far is a reconstruction from its image", PCA's error formula — and section 5 checks
# that it is n times the package's loss.
#
# With k < n it cannot copy x: it must keep what matters. If f and g were linear, the best it could
# do is PCA with k components (lesson 2, Eckart–Young). With nonlinear f and g it can bend its
# k-dimensional "subspace" into a curved surface through the data — Hinton & Salakhutdinov (2006)
# showed deep autoencoders reconstructing far better than PCA at the same code size. This lesson
# builds one from `mg.models.Autoencoder`, explains each design choice by measuring it (layer sizes,
# LeakyReLU, Kaiming initialisation, output activation, loss) and ends with that comparison.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae import nn
from minigrad_ae.models import Autoencoder, pca, shrink_sizes

lesson = kit.start("Lesson 3: the undercomplete nonlinear autoencoder (shrink rule, LeakyReLU, Kaiming init, "
                   "sigmoid/tanh, MSE/BCE) against PCA at the same code size", data=True)

# %% [markdown]
# ## The data
# Bundled 8×8 digits by default (80/20 split), the bundled 5,000-image MNIST sample with
# `--data mnist-sample`, or full MNIST with `--data mnist` (downloaded once; we train on a random
# 10,000 of its 60,000 training images to keep a CPU lesson short). Pixels are in [0, 1].
#
# Each data set gets a code size k and a training budget. For digits: code size 8 (a 64-32-16-8
# encoder, section 1), Adam η = 3·10⁻³, batch 64, 100 epochs; section 5 draws the held-out error
# epoch by epoch, so you can see how much of it the last epochs still buy.

# %%
SETTINGS = {  # code size k, widest hidden layer, epochs (default, --quick), Adam η, image shape
    "digits": dict(code=8, widest=32, epochs=(100, 8), lr=3e-3, shape=(8, 8)),
    "mnist-sample": dict(code=16, widest=128, epochs=(15, 2), lr=3e-3, shape=(28, 28)),
    "mnist": dict(code=16, widest=128, epochs=(15, 2), lr=3e-3, shape=(28, 28)),
}
setting = SETTINGS[lesson.args.data]
X_train, y_train, X_test, y_test = kit.load_lesson_data(lesson.args.data, lesson.rng)

n_pixels, CODE = X_train.shape[1], setting["code"]
EPOCHS = lesson.pick(full=setting["epochs"][0], quick=setting["epochs"][1])
BATCH, LR = 64, setting["lr"]
print(f"{lesson.args.data}: {len(X_train)} training and {len(X_test)} held-out images of {n_pixels} pixels; "
      f"code size k = {CODE}, {EPOCHS} epochs")

# %% [markdown]
# ## 1. How wide is each layer? The shrink rule
# Squeeze gradually: each encoder layer is about α times narrower than the one before,
#
#     nₖ ≈ nₖ₋₁ / α,     α ∈ [1.2, 2],
#
# until the next layer would reach the code size. Small α makes deep, slow encoders; α much above 2
# throws information away faster than one layer can learn to keep it. The rule by hand, against
# `shrink_sizes`:

# %%
def shrink_by_hand(n_in, n_latent, alpha):
    """nₖ = round(nₖ₋₁ / α) while that is still above n_latent; then the code layer n_latent."""
    sizes = [n_in]
    while True:
        # at least one unit narrower each step: round(3 / 1.2) = 2 but round(2 / 1.2) = 2 would never end
        n_next = min(round(sizes[-1] / alpha), sizes[-1] - 1)
        if n_next <= n_latent:
            return sizes + [n_latent]
        sizes.append(n_next)


rule_holds = []
for n_in, n_latent in [(64, 8), (784, 30)]:
    for alpha in (1.2, 1.6, 2.0):
        sizes = shrink_sizes(n_in, n_latent, alpha)
        ratios = [a / b for a, b in zip(sizes[:-1], sizes[1:])]
        rule_holds.append(sizes == shrink_by_hand(n_in, n_latent, alpha))
        print(f"α = {alpha}: {'-'.join(map(str, sizes)):<44} ratios nₖ₋₁/nₖ: "
              + " ".join(f"{r:.2f}" for r in ratios))
lesson.checks.add("shrink_sizes = nₖ = round(nₖ₋₁/α) by hand (6 cases)", f"{sum(rule_holds)}/6", all(rule_holds))

# %% [markdown]
# Every ratio is α up to rounding, except the last step, which lands on the code size and so is
# smaller. For the model of this lesson we take α = 2 from the widest hidden layer down. On digits
# that is exactly the rule from the input: 64 → 32 → 16 → 8. On MNIST the rule from 784 would start
# with 392 and 196 units, costly for a CPU lesson, so the first hidden layer is capped at 128 there.

# %%
ALPHA = 2.0
sizes = [n_pixels] + shrink_sizes(min(round(n_pixels / ALPHA), setting["widest"]), CODE, ALPHA)
print(f"encoder {sizes}, decoder {sizes[::-1]}")
if lesson.args.data == "digits":
    lesson.checks.add("digits model = shrink_sizes(64, 8, α = 2)", "-".join(map(str, sizes)),
                      sizes == shrink_sizes(64, 8, ALPHA))

# %% [markdown]
# ## 2. Why LeakyReLU(0.1): no dead units
#
#     ReLU(h)      = max(h, 0),               ReLU′      ∈ {0, 1}
#     LeakyReLU(h) = h if h > 0 else 0.1·h,   LeakyReLU′ ∈ {1, 0.1}
#
# The gradient of a unit's incoming weights is (its upstream gradient) × f′(h) × (its input). A
# ReLU unit whose pre-activation h is negative for *every* input has f′ = 0 on all of them: its
# weights and bias get an exactly-zero gradient and stop learning. The unit is **dead**: only a
# change in the layers below it could ever bring its h back above 0 — and for a first-layer unit,
# whose input is the data itself, nothing can. With LeakyReLU the slope is 0.1, never 0, so such a
# unit keeps learning and can climb back.
#
# We train a ReLU and a LeakyReLU version of the same autoencoder — same initial weights, same
# batches — with a brisk η = 10⁻² (large steps are what push units into the dead zone), then
# count the hidden units that are negative on every training image and measure their gradients.

# %%
init_seed, batch_seed = (int(s) for s in lesson.rng.integers(2 ** 31, size=2))


def same_init():
    """A generator that gives every model built from it the same initial weights."""
    return np.random.default_rng(init_seed)


def same_batches():
    """A generator that gives every run the same shuffled batches, epoch after epoch."""
    return np.random.default_rng(batch_seed)


def hidden_activations(model, X):
    """The output of every hidden LeakyReLU/ReLU layer, in order, without building a graph."""
    outputs, h = [], mg.tensor(X)
    with mg.no_grad():
        for layer in list(model.encoder) + list(model.decoder):
            h = layer(h)
            if isinstance(layer, (nn.ReLU, nn.LeakyReLU)):
                outputs.append(h.numpy())
    return outputs


def incoming_grad_norms(model, X):
    """‖∂L/∂(weights and bias)‖ of each hidden unit, for L = MSE over all of X (one backward)."""
    model.zero_grad()
    model.loss(X).backward()
    linears = [layer for layer in list(model.encoder) + list(model.decoder) if isinstance(layer, nn.Linear)]
    # hidden units are the outputs of every Linear except the code layer and the output layer
    hidden = [lin for lin in linears if lin not in (model.encoder[-1], model.decoder[-1])]
    norms = [np.sqrt((lin.weight.grad ** 2).sum(axis=1) + lin.bias.grad ** 2) for lin in hidden]
    model.zero_grad()
    return norms


X_units = X_train[:1500]
dead_epochs = lesson.pick(full=15, quick=3)
unit_report = {}
for activation in ("relu", "leaky_relu"):
    model = Autoencoder(sizes, activation=activation, rng=same_init())
    mg.fit(model, lambda m, xb: m.loss(xb), X_units, dead_epochs, BATCH, mg.optim.Adam(model.parameters(), 1e-2),
           rng=same_batches(), progress=False)
    negative = np.concatenate([(h <= 0).all(axis=0) for h in hidden_activations(model, X_units)])
    grad_norm = np.concatenate(incoming_grad_norms(model, X_units))
    unit_report[activation] = dict(negative=negative, zero_grad=grad_norm == 0, grad_norm=grad_norm)
    print(f"{activation:<10} after {dead_epochs} epochs: {negative.sum():2d} of {negative.size} hidden units are "
          f"≤ 0 on every training image; {(grad_norm == 0).sum():2d} units get an exactly-zero gradient; "
          f"smallest gradient norm among the always-negative ones: "
          f"{grad_norm[negative].min() if negative.any() else float('nan'):.2g}")

relu, leaky = unit_report["relu"], unit_report["leaky_relu"]
lesson.checks.add("ReLU: always-negative units = zero-gradient units (dead)", f"{relu['negative'].sum()} dead",
                  relu["negative"].any() and np.array_equal(relu["negative"], relu["zero_grad"]))
lesson.checks.add("LeakyReLU(0.1): units with an exactly-zero gradient", f"{leaky['zero_grad'].sum()} of "
                  f"{leaky['zero_grad'].size}", not leaky["zero_grad"].any())

# %% [markdown]
# Every ReLU unit that is silent on the whole training set has a gradient of exactly 0: once
# Adam's running averages have decayed, its step m̂/(√v̂ + ε) is 0 too. The LeakyReLU network may
# have units that are negative everywhere as well, but each still receives a gradient (through the
# 0.1 slope), so none is frozen. A dead unit is width the model pays for and cannot use.
#
# ## 3. Kaiming initialisation: keep the signal's size from layer to layer
# A Linear layer's output hⱼ = Σᵢ wⱼᵢ uᵢ sums fan_in terms (u: the previous layer's activations),
# so with zero-mean weights E[h²] = fan_in · Var(w) · E[u²]. LeakyReLU with slope a passes on
# (1 + a²)/2 of E[h²] for a symmetric h (all of the positive half, a² of the negative half). To keep
# E[h²] the same in every layer, Var(w) must undo both factors:
#
#     std(w) = √( 2 / ((1 + a²) · fan_in) )          (He et al. 2015; a = 0.1 here)
#
# `Autoencoder` draws every weight this way (biases 0). First the formula against the weights it drew:

# %%
model = Autoencoder(sizes, rng=same_init())
linears = [layer for layer in list(model.encoder) + list(model.decoder) if isinstance(layer, nn.Linear)]
slope = model.negative_slope
standardised = np.concatenate([
    (lin.weight.numpy() / np.sqrt(2 / ((1 + slope ** 2) * lin.in_features))).ravel() for lin in linears])
print("std(w) per layer, formula vs drawn: " + ", ".join(
    f"{np.sqrt(2 / ((1 + slope ** 2) * lin.in_features)):.3f}/{lin.weight.numpy().std():.3f}" for lin in linears))
lesson.checks.add("Kaiming: std of w / √(2/((1+a²)·fan_in)), all weights", float(standardised.std()),
                  abs(standardised.std() - 1) < 0.05)

# %% [markdown]
# Now the point of it. We push training images through a deeper version (α = 1.6, so more layers)
# and measure the standard deviation of every Linear layer's output, under four initialisations of
# the same architecture: Kaiming; the `nn.Linear` default U(±1/√fan_in); a "naive" N(0, 1); and a
# "small" N(0, 0.01²). Biases are 0 in all four, so only the weights' scale differs. The narrow
# layers near the code have only 8–16 units, so one random draw of the weights is noisy (a factor
# of 2 either way is common): we draw each initialisation 5 times and average the variances.

# %%
def layer_output_stds(model, X):
    """Std of each Linear layer's output (what the next activation sees), in order, over X."""
    stds, h = [], mg.tensor(X)
    with mg.no_grad():
        for layer in list(model.encoder) + list(model.decoder):
            h = layer(h)
            if isinstance(layer, nn.Linear):
                stds.append(float(h.numpy().std()))
    return stds


KAIMING, DEFAULT, NAIVE, SMALL = ("Kaiming  N(0, 2/((1+a²)·fan_in))", "nn.Linear default  U(±1/√fan_in)",
                                  "naive  N(0, 1)", "small  N(0, 0.01²)")
INITS = {  # name -> how to redraw one weight (None: keep Autoencoder's Kaiming draw)
    KAIMING: None,
    DEFAULT: lambda w: nn.init.uniform_(w, -1 / np.sqrt(w.shape[1]), 1 / np.sqrt(w.shape[1]), rng=lesson.rng),
    NAIVE: lambda w: nn.init.normal_(w, 0.0, 1.0, rng=lesson.rng),
    SMALL: lambda w: nn.init.normal_(w, 0.0, 0.01, rng=lesson.rng),
}
N_DRAWS = 5
deep_sizes = [n_pixels] + shrink_sizes(min(round(n_pixels / 1.6), 2 * setting["widest"]), CODE, 1.6)
X_probe = X_train[:500]
draw_stds = {}   # name -> (N_DRAWS, layers)
for name, redraw in INITS.items():
    draws = []
    for _ in range(N_DRAWS):
        deep = Autoencoder(deep_sizes, rng=lesson.rng)
        for layer in deep.modules():
            if isinstance(layer, nn.Linear) and redraw is not None:
                redraw(layer.weight)
        draws.append(layer_output_stds(deep, X_probe))
    draw_stds[name] = np.array(draws)
init_stds = {name: np.sqrt((stds ** 2).mean(axis=0)) for name, stds in draw_stds.items()}  # √(mean variance)
n_linear = len(init_stds[KAIMING])
print(f"deeper model for this measurement: {deep_sizes} and back ({n_linear} Linear layers), {N_DRAWS} draws each")
for name, stds in init_stds.items():
    print(f"  {name:<34} std layer 1 → last: {stds[0]:.3g} → {stds[-1]:.3g}  (×{stds[-1] / stds[0]:.3g})")

# %%
fig, ax = plt.subplots(figsize=(7.4, 4.8))
layers_axis = np.arange(1, n_linear + 1)
for (name, stds), style, colour in zip(init_stds.items(), ["-o", "--s", "-.^", ":v"],
                                       ["tab:blue", "tab:orange", "tab:green", "tab:red"]):
    ax.plot(layers_axis, draw_stds[name].T, color=colour, lw=0.6, alpha=0.35)   # each draw, faint
    ax.plot(layers_axis, stds, style, color=colour, ms=4, label=name)
ax.set(yscale="log", xlabel="Linear layer (encoder, then decoder)",
       ylabel="std of the layer's output (log scale)",
       title=f"signal scale at initialisation: {'-'.join(map(str, deep_sizes))}-… autoencoder\n"
             f"(bold: {N_DRAWS} random draws averaged; faint: each draw)")
ax.set_xticks(layers_axis)
ax.axvline(len(deep_sizes) - 0.5, color="0.6", lw=0.8, zorder=0)  # between the code layer and the decoder
ax.text(len(deep_sizes) - 0.45, ax.get_ylim()[1], " code", va="top", fontsize=8, color="0.4")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
lesson.show(fig, "03_init_activation_std")

kaiming, naive, small = init_stds[KAIMING], init_stds[NAIVE], init_stds[SMALL]
kaiming_level = np.exp(np.log(kaiming).mean())   # its typical scale: the geometric mean over the layers
lesson.checks.add("Kaiming: every layer's std within 0.5–2× of its typical level",
                  f"{(kaiming / kaiming_level).min():.2f}–{(kaiming / kaiming_level).max():.2f}×",
                  0.5 <= (kaiming / kaiming_level).min() and (kaiming / kaiming_level).max() <= 2)
lesson.checks.add("naive N(0, 1): last layer's std / layer 1's > 100", float(naive[-1] / naive[0]),
                  naive[-1] / naive[0] > 100)
lesson.checks.add("small N(0, 0.01²): last layer's std / layer 1's < 0.01", float(small[-1] / small[0]),
                  small[-1] / small[0] < 0.01)

# %% [markdown]
# Kaiming keeps the signal at one scale through all the layers. N(0, 1) multiplies it by about
# √(fan_in·(1 + a²)/2) per layer (2 to 4.5 here) — the outputs explode and the sigmoid at the end
# saturates, its gradient vanishing. N(0, 0.01²) divides it layer after layer until the code and the
# output carry almost nothing of x. Even `nn.Linear`'s default, fine for one layer, shrinks the
# signal by √((1 + a²)/6) ≈ 0.4 per layer: deep networks need the init matched to their activation.
#
# One small step remains in the Kaiming line, just after the code: the code layer is linear, so the
# decoder's first Linear reads z directly, not a LeakyReLU output. Nothing halves E[z²] there, and
# the gain √(2/(1 + a²)) lifts the std once by ≈ 1.4. A single factor like this is harmless; the
# per-layer factors of the other inits, compounded over the depth, are not.
#
# ## 4. The output and the loss
# The output activation must be able to reach every value the data takes:
#
# * **sigmoid** σ(s) = 1/(1 + e⁻ˢ) ∈ (0, 1): for data in [0, 1], like our pixels;
# * **tanh** ∈ (−1, 1): for data in [−1, 1] — rescale first, x′ = 2x − 1, and map back x̂ = (x̂′ + 1)/2.
#
# A sigmoid can never output a negative number, so on [−1, 1] data its squared error has a floor
# we can compute without training: every pixel x′ < 0 costs at least x′².

# %%
X_test_pm1 = 2 * X_test - 1
sigmoid_floor = float(np.mean(np.minimum(X_test_pm1, 0) ** 2) * n_pixels)
print(f"sigmoid output on [−1, 1] data: per-image ‖x′ − x̂′‖² ≥ {sigmoid_floor:.1f} whatever it learns "
      f"({np.mean(X_test_pm1 < 0):.0%} of the pixels are below 0)")

# %% [markdown]
# Two losses for x ∈ [0, 1] with a sigmoid output x̂ = σ(s):
#
#     MSE  = mean (x − x̂)²                                   ∂/∂s = 2(x̂ − x)·x̂(1 − x̂) / n
#     BCE  = mean −[x log x̂ + (1 − x) log(1 − x̂)]            ∂/∂s = (x̂ − x) / n
#
# BCE treats each pixel as the probability of "ink". Its gradient with respect to the logit s has
# no x̂(1 − x̂) factor, so a saturated output that is confidently wrong still gets a full-sized
# gradient. `Autoencoder(sizes, recon="bce").loss(x)` computes it from the logits (stable for any s).
# The two losses have different units, so we compare the models by **one yardstick**: the held-out
# per-image squared error ‖x − x̂‖², in [0, 1] pixel units for all of them.
#
# ## 5. Training three autoencoders, and PCA
# Same architecture, same initial weights, same batches, Adam η = 3·10⁻³, batch 64:
# sigmoid + MSE, sigmoid + BCE, and tanh + MSE on the rescaled data 2x − 1.
# PCA with k components (`pca(X_train, k).reconstruct`) is the best any *linear* k-code can do.

# %%
def heldout_error_sigmoid(model):
    """Mean over held-out images of ‖x − x̂‖² (reconstruction_error is that ÷ n_pixels)."""
    return float(model.reconstruction_error(X_test).mean() * n_pixels)


def heldout_error_tanh(model):
    """The same yardstick for the tanh model: x̂ = (x̂′ + 1)/2, so ‖x − x̂‖² = ‖x′ − x̂′‖²/4."""
    return float(model.reconstruction_error(X_test_pm1).mean() * n_pixels / 4)


RUNS = {  # name -> (recon: output activation + loss, training data, held-out yardstick)
    "sigmoid + MSE": ("sigmoid_mse", X_train, heldout_error_sigmoid),
    "sigmoid + BCE": ("bce", X_train, heldout_error_sigmoid),
    "tanh + MSE on 2x − 1": ("tanh_mse", 2 * X_train - 1, heldout_error_tanh),
}
models, curves, seconds = {}, {}, {}
for name, (recon, X_fit, heldout_error) in RUNS.items():
    model = Autoencoder(sizes, recon=recon, rng=same_init())
    curve, start = [heldout_error(model)], time.perf_counter()
    mg.fit(model, X=X_fit, epochs=EPOCHS, batch_size=BATCH, optimizer=mg.optim.Adam(model.parameters(), lr=LR),
           rng=same_batches(), progress=False, on_epoch=lambda m, history: curve.append(heldout_error(m)))
    models[name], curves[name], seconds[name] = model, curve, time.perf_counter() - start
    print(f"{name:<22} held-out ‖x − x̂‖²: {curve[0]:.4f} at init → {curve[-1]:.4f} after {EPOCHS} epochs "
          f"({seconds[name]:.1f} s)")
final_errors = [curve[-1] for curve in curves.values()]
print(f"the three end within {max(final_errors) / min(final_errors) - 1:.1%} of each other")

# the yardstick is n times the package's loss, which averages over the pixels too (the formula at the top)
with mg.no_grad():
    mse_loss = models["sigmoid + MSE"].loss(X_test).item()
per_image_gap = abs(n_pixels * mse_loss / curves["sigmoid + MSE"][-1] - 1)
print(f"sigmoid + MSE: model.loss(X_test) = {mse_loss:.5f}, × n = {n_pixels}: {n_pixels * mse_loss:.4f} "
      f"= the per-image ‖x − x̂‖² {curves['sigmoid + MSE'][-1]:.4f}")
lesson.checks.add("per-image ‖x − x̂‖² = n · model.loss (held out), rel err", per_image_gap, per_image_gap < 1e-5)


# One SVD gives PCA for every k up to 2·CODE: the principal directions are nested, so PCA with k
# components uses the first k rows C_k of the components: x̂ = μ + C_kᵀ C_k (x − μ).
pca_wide, pca_k = pca(X_train, 2 * CODE), pca(X_train, CODE)
centred_test = X_test - pca_wide.mean


def pca_heldout_error(k):
    """Mean over held-out images of ‖x − x̂‖² for PCA with the first k principal components."""
    C_k = pca_wide.components[:k]
    return float(np.sum((centred_test - centred_test @ C_k.T @ C_k) ** 2, axis=1).mean())


pca_error = {k: pca_heldout_error(k) for k in range(1, 2 * CODE + 1)}
nested_gap = float(np.abs(pca_error[CODE] - np.sum((X_test - pca_k.reconstruct(X_test)) ** 2, axis=1).mean()))
lesson.checks.add(f"PCA: first {CODE} of {2 * CODE} components = pca(X, {CODE}) (held-out error)", nested_gap,
                  nested_gap < 1e-9 * pca_error[CODE])
mean_image_error = float(np.sum((X_test - X_train.mean(axis=0)) ** 2, axis=1).mean())
print(f"PCA held-out ‖x − x̂‖²: k = {CODE // 2}: {pca_error[CODE // 2]:.3f}, "
      f"k = {CODE}: {pca_error[CODE]:.3f}, "
      f"k = {2 * CODE}: {pca_error[2 * CODE]:.3f}; the mean image alone (k = 0): {mean_image_error:.3f}")

tanh_curve = curves["tanh + MSE on 2x − 1"]
lesson.checks.add("tanh model on 2x − 1: held-out error falls ≥ 3×", float(tanh_curve[0] / tanh_curve[-1]),
                  tanh_curve[-1] < tanh_curve[0] / 3)
lesson.checks.add("tanh model beats the mean image (PCA k = 0)", float(tanh_curve[-1]),
                  tanh_curve[-1] < mean_image_error)

# %%
fig, ax = plt.subplots(figsize=(7.4, 4.6))
epochs_axis = np.arange(EPOCHS + 1)
for (name, curve), colour in zip(curves.items(), ["tab:blue", "tab:orange", "tab:green"]):
    ax.plot(epochs_axis, curve, color=colour, label=f"AE {name} ({curve[-1]:.3f})")
for k, style in [(CODE // 2, ":"), (CODE, "--"), (2 * CODE, "-.")]:
    ax.axhline(pca_error[k], color="tab:red", linestyle=style, lw=1.2, label=f"PCA, k = {k} ({pca_error[k]:.2f})")
ax.axhline(mean_image_error, color="0.5", lw=1, label=f"mean image, k = 0 ({mean_image_error:.2f})")
ax.set(yscale="log", xlabel="epoch (0 = initial weights)", ylabel="held-out ‖x − x̂‖² per image (log scale)",
       title=f"held-out {lesson.args.data}: autoencoders with code size k = {CODE} vs PCA")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
lesson.show(fig, "03_training_curves")

# %% [markdown]
# All three train, and by the same yardstick they end close together (the legend has your run's
# numbers, and the line printed above how far apart they are). BCE is the usual choice for [0, 1] data; MSE
# is the one we hold against PCA, since PCA minimises exactly that. The tanh model does about as
# well as the sigmoid ones once its data is rescaled: what matters is that the output range covers
# the data's range, not the function's name.
#
# ## 6. The main result: nonlinear beats linear at the same code size

# %%
ae_name = "sigmoid + MSE"
ae_error, ae_model = curves[ae_name][-1], models[ae_name]
worth = next((k for k in sorted(pca_error) if pca_error[k] <= ae_error), None)
change = ae_error / pca_error[CODE] - 1
print(f"held-out ‖x − x̂‖² per image: autoencoder (k = {CODE}) {ae_error:.3f} vs PCA (k = {CODE}) "
      f"{pca_error[CODE]:.3f}: {abs(change):.0%} {'lower' if change < 0 else 'higher'}")
print(f"PCA needs {f'k = {worth}' if worth else f'more than {2 * CODE}'} components to do at least as well as "
      f"the autoencoder's {CODE}-number code")
lesson.record("data", lesson.args.data)
lesson.record(f"held-out error per image, AE {'-'.join(map(str, sizes))}", ae_error)
lesson.record(f"held-out error per image, PCA-{CODE}", pca_error[CODE])
if lesson.args.quick:
    # a handful of epochs: the AE is still far from done, so hold it to a weaker but still real bar
    quick_k = max(CODE // 4, 1)
    lesson.checks.add(f"--quick: AE (k = {CODE}, {EPOCHS} epochs) < PCA with k = {quick_k}", ae_error,
                      ae_error < pca_error[quick_k])
else:
    lesson.checks.add(f"AE held-out error < PCA's at the same k = {CODE}", f"{ae_error:.3f} < {pca_error[CODE]:.3f}",
                      ae_error < pca_error[CODE])

# %% [markdown]
# The reconstructions, one held-out image of each digit: originals, the autoencoder, PCA with the
# same k. (One grey scale for the whole grid, the data's min to max: PCA's output is not confined
# to [0, 1], so its faint negative ringing sets the darkest grey.)

# %%
one_per_class = np.array([np.flatnonzero(y_test == digit)[0] for digit in range(10)])
originals = X_test[one_per_class]
with mg.no_grad():
    ae_images = ae_model(originals).numpy()
pca_images = pca_k.reconstruct(originals)
mg.viz.image_grid(np.concatenate([originals, ae_images, pca_images]), setting["shape"],
                  lesson.path("03_reconstructions"),
                  row_titles=["original", f"AE, k = {CODE}", f"PCA, k = {CODE}"],
                  title=f"held-out {lesson.args.data}: per-image ‖x − x̂‖² AE {ae_error:.2f}, "
                        f"PCA {pca_error[CODE]:.2f}")

# %% [markdown]
# ## What held
# The shrink rule gives the layer sizes; LeakyReLU leaves no unit with a zero gradient; Kaiming
# keeps the signal's scale through the depth; the output activation must cover the data's range;
# and with all that, the nonlinear autoencoder reconstructs held-out images better than PCA with
# the same number of code units — the curved code surface beats the best flat one.

# %%
lesson.finish()
