# %% [markdown]
# # Lesson 9 — Asymmetric autoencoders and multi-task losses
#
# Encoder and decoder of different depths; a code that also classifies and stays small.
#
# Nothing forces the decoder to mirror the encoder. A **shallow encoder with a deep decoder** encodes
# cheaply (one matrix product at deployment) and spends its parameters on drawing; the reverse spends
# them on understanding the input. And nothing forces the code to serve reconstruction alone: one loss
# can ask it for several things at once,
#
#     z = E(x),   x̂ = D(z),   logits = C z + c
#     L = L_recon + α · L_class + β · L_sparse
#     L_recon  = mean over elements of (x − x̂)²
#     L_class  = mean over the batch of −log softmax(C z + c)[y]         (cross-entropy of a linear classifier on z)
#     L_sparse = mean over the batch of Σⱼ |zⱼ|                          (L1 on the code)
#
# and, because the gradient is linear, ∇L = ∇L_recon + α ∇L_class + β ∇L_sparse: each term pulls on the
# encoder, only L_recon reaches the decoder, only L_class the classifier.
#
# We compare three shapes at one parameter budget, check the multi-task gradient, sweep α (reconstruction
# against the accuracy of the code) and β (how small — and how sparse — the code gets).

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from minigrad_ae import nn
from minigrad_ae.nn import functional as F

lesson = kit.start("Lesson 9: asymmetric autoencoders (shallow/deep encoder vs decoder at one budget) and the "
                   "multi-task loss L_recon + α·L_class + β·L_sparse", data=True)

# Quick mode: fewer epochs and a shorter α sweep; its checks are the same inequalities.
EPOCHS = lesson.pick(full=30, quick=6)
ALPHAS = lesson.pick(full=[0.0, 0.01, 0.1, 1.0], quick=[0.0, 0.1, 1.0])
BETAS = [0.0, 3e-3, 3e-2]
BATCH, LR = 64, 1e-2

# %% [markdown]
# ## 0. Data
# The bundled 8×8 digits (64 pixels in [0, 1], labels 0–9), split 80/20 with every digit in both parts.
# The held-out 20% is used for every number below: reconstruction error *and* classification accuracy.

# %%
if lesson.args.data == "digits":
    X, y = mg.data.load_digits()
    X_train, X_test, y_train, y_test = mg.data.train_test_split(X, y, test_fraction=0.2, rng=lesson.rng, stratify=True)
    HIDDEN, N_LATENT = 32, 8
elif lesson.args.data == "mnist-sample":
    X_train, y_train, X_test, y_test = mg.data.load_mnist_sample()
    HIDDEN, N_LATENT = 128, 16
else:
    X_full, y_full = mg.data.load_mnist(download=True)
    keep = lesson.rng.permutation(len(X_full))[:12000]   # a subset keeps the lesson to minutes
    X_train, X_test, y_train, y_test = mg.data.train_test_split(X_full[keep], y_full[keep], test_fraction=0.2,
                                                                rng=lesson.rng, stratify=True)
    HIDDEN, N_LATENT = 128, 16
n_in, side = X_train.shape[1], int(round(np.sqrt(X_train.shape[1])))
print(f"{lesson.args.data}: train {X_train.shape}, held out {X_test.shape}, code size {N_LATENT}")


def n_parameters(model):
    return sum(p.data.size for p in model.parameters())


def train(model, epochs=EPOCHS, labels=True, weight_decay=0.0, record=None):
    """Adam on model.loss (with labels: the multi-task loss); ``record`` collects last_losses per batch."""
    def loss_fn(m, xb, yb=None):
        loss = m.loss(xb, y=yb)
        if record is not None:
            record.append(dict(m.last_losses))
        return loss
    optimizer = mg.optim.Adam(model.parameters(), lr=LR, weight_decay=weight_decay)
    return mg.fit(model, loss_fn, X_train, epochs, BATCH, optimizer, progress=False, rng=lesson.rng,
                  y=y_train if labels else None)


def codes(model, inputs):
    with mg.no_grad():
        return model.encode(inputs).numpy()


# %% [markdown]
# ## 1. Three shapes, one parameter budget
# The symmetric baseline is 64 → 32 → 8 → 32 → 64. The asymmetric ones put one Linear on one side and
# two hidden layers of width h on the other, with h chosen so that the total parameter count is as close
# as possible to the baseline's: the comparison is then about *where* the parameters sit, not how many.

# %%
def deep_side_width(budget, n_in, n_latent):
    """h for which [n_in, n_latent] + [n_latent, h, h, n_in] has the parameter count nearest ``budget``."""
    def count(h):
        return (n_in * n_latent + n_latent) + (n_latent * h + h) + (h * h + h) + (h * n_in + n_in)
    return min(range(2, 4 * budget // n_in), key=lambda h: abs(count(h) - budget))


symmetric_sizes = [n_in, HIDDEN, N_LATENT]
budget = n_parameters(mg.models.AsymmetricAutoencoder(symmetric_sizes, symmetric_sizes[::-1], rng=lesson.rng))
h = deep_side_width(budget, n_in, N_LATENT)
shapes = {
    "symmetric": (symmetric_sizes, symmetric_sizes[::-1]),
    "shallow enc / deep dec": ([n_in, N_LATENT], [N_LATENT, h, h, n_in]),
    "deep enc / shallow dec": ([n_in, h, h, N_LATENT], [N_LATENT, n_in]),
}
mean_image_error = float(np.mean((X_test - X_train.mean(axis=0)) ** 2))   # the error of answering the mean digit
shape_results = {}
for name, (encoder_sizes, decoder_sizes) in shapes.items():
    model = mg.models.AsymmetricAutoencoder(encoder_sizes, decoder_sizes, rng=lesson.rng)
    history = train(model, labels=False)
    # encoding time alone: what a deployed encoder costs (best of 20 passes over the held-out set). In
    # batches of BATCH rows: on a busy machine one multi-threaded BLAS call on all rows can stall for
    # milliseconds waiting for a core, and we would be timing the machine rather than the encoder.
    encode_times = []
    for _ in range(20):
        tic = time.perf_counter()
        for start in range(0, len(X_test), BATCH):
            codes(model, X_test[start:start + BATCH])
        encode_times.append(time.perf_counter() - tic)
    shape_results[name] = dict(model=model, params=n_parameters(model), history=history,
                               epoch_time=float(np.median(history.time)), encode_time=min(encode_times),
                               test_error=float(model.reconstruction_error(X_test).mean()),
                               train_error=float(model.reconstruction_error(X_train).mean()))

print(f"deep side width h = {h}; mean-digit baseline error {mean_image_error:.4f}\n")
print(f"{'shape':<24}{'encoder':>18}{'decoder':>18}{'params':>8}{'s/epoch':>9}{'encode ms':>10}"
      f"{'train MSE':>10}{'held-out MSE':>13}")
for name, r in shape_results.items():
    enc, dec = shapes[name]
    print(f"{name:<24}{str(enc):>18}{str(dec):>18}{r['params']:>8}{r['epoch_time']:>9.3f}"
          f"{1e3 * r['encode_time']:>10.2f}{r['train_error']:>10.4f}{r['test_error']:>13.4f}")

largest_gap = max(abs(r["params"] - budget) / budget for r in shape_results.values())
lesson.checks.add("parameter counts within 10% of the symmetric budget", largest_gap, largest_gap < 0.10)
worst_ratio = max(r["test_error"] / mean_image_error for r in shape_results.values())
lesson.checks.add("every shape learned: held-out MSE / mean-digit MSE", worst_ratio, worst_ratio < 0.5)

# %% [markdown]
# Read the table as measurements on this machine, not laws (2 shared cores; run it again and the times
# move). What it showed with seed 0 on the digits: all three train in about the same time per epoch —
# each has four Linear layers, and at this size the Python overhead per op, not the arithmetic, sets the
# pace. Encoding alone is cheapest with the one-layer encoder. The shallow-encoder/deep-decoder model
# reconstructs about as well as the symmetric one, and the deep-encoder/shallow-decoder one worst: with a
# single Linear + sigmoid after the code, each pixel is a *fixed* squashed linear function of z, while a
# deep decoder can draw curved strokes. Where reconstruction is the goal, the parameters are better spent
# after the code than before it.

# %%
# three panels, each on its own labelled axis, and one colour per shape throughout (the legend below)
names = list(shape_results)
colours = {name: f"C{k}" for k, name in enumerate(names)}
fig, (ax_curves, ax_error, ax_time) = plt.subplots(1, 3, figsize=(14, 4.4), layout="constrained")
for name, r in shape_results.items():
    ax_curves.plot(range(1, EPOCHS + 1), r["history"].train_loss, color=colours[name],
                   label=f"{name}: {'-'.join(map(str, shapes[name][0]))} → {'-'.join(map(str, shapes[name][1]))}, "
                         f"{r['params']} parameters")
ax_curves.set(xlabel="epoch", ylabel="training MSE per pixel (log scale)", yscale="log", title="training loss")
ax_curves.grid(alpha=0.3)
short_names = [n.replace(" / ", "\n") for n in names]
bars = ax_error.bar(short_names, [shape_results[n]["test_error"] for n in names], color=colours.values())
ax_error.bar_label(bars, fmt="%.4f")
ax_error.set(ylabel="held-out reconstruction MSE per pixel", title="reconstruction error (lower is better)")
bars = ax_time.bar(short_names, [1e3 * shape_results[n]["encode_time"] for n in names], color=colours.values())
ax_time.bar_label(bars, fmt="%.2f")
ax_time.set(ylabel=f"ms to encode the {len(X_test)} held-out images", title="encoding cost (best of 20 runs)")
for ax in (ax_error, ax_time):
    ax.margins(y=0.12)   # room for the numbers on the bars
    ax.grid(alpha=0.3, axis="y")
fig.legend(loc="outside lower center", ncols=len(names))
fig.suptitle(f"{lesson.args.data}: three shapes at one parameter budget")
lesson.show(fig, "09_shapes")

show = 8
with mg.no_grad():
    grid = [X_test[:show]] + [shape_results[n]["model"](X_test[:show]).numpy() for n in names]
mg.viz.image_grid(np.concatenate(grid), (side, side), lesson.path("09_shape_reconstructions"),
                  title="Held-out digits and their reconstructions by each shape",
                  row_titles=["input"] + names)

# %% [markdown]
# ## 2. The multi-task loss: the parts add up, and the combined gradient is right
# `AsymmetricAutoencoder.loss_parts(x, y=y)` returns the three unweighted terms as Tensors; `loss(x, y=y)`
# combines them and leaves their values in `last_losses`. First, on a tiny float64 model, recompute the
# terms by hand from z and the weights, and check that the total is their weighted sum.

# %%
tiny = mg.models.AsymmetricAutoencoder([n_in, 6, 3], [3, 5, n_in], n_classes=10, alpha=0.7, beta=0.3,
                                       rng=lesson.rng, dtype=np.float64)
x_tiny, y_tiny = X_train[:16].astype(np.float64), y_train[:16]
total = tiny.loss(x_tiny, y=y_tiny).item()
parts = tiny.last_losses
with mg.no_grad():
    z_tiny = tiny.encode(x_tiny).numpy()
    x_hat_tiny = tiny(x_tiny).numpy()
logits = z_tiny @ tiny.classifier.weight.data.T + tiny.classifier.bias.data
log_softmax = logits - logits.max(axis=1, keepdims=True)
log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
by_hand = {"recon": np.mean((x_tiny - x_hat_tiny) ** 2),
           "class": -np.mean(log_softmax[np.arange(len(y_tiny)), y_tiny]),
           "sparse": np.mean(np.abs(z_tiny).sum(axis=1))}
print("  term     package      by hand")
for name, value in by_hand.items():
    print(f"  {name:<7}{parts[name]:>10.6f}{value:>13.6f}")
print(f"  total  {total:.6f} = {parts['recon']:.6f} + 0.7·{parts['class']:.6f} + 0.3·{parts['sparse']:.6f}")
terms_err = max(abs(parts[k] - v) / abs(v) for k, v in by_hand.items())
sum_err = abs(total - (parts["recon"] + 0.7 * parts["class"] + 0.3 * parts["sparse"])) / total
lesson.checks.add("terms by hand vs loss_parts (rel. err)", terms_err, terms_err < 1e-12)
lesson.checks.add("total = recon + α·class + β·sparse (rel. err)", sum_err, sum_err < 1e-12)

# %% [markdown]
# Now the gradient. `mg.gradcheck(..., mode="directional")` compares ⟨∇L, u⟩ from backward with
# (L(θ + εu) − L(θ − εu)) / 2ε for a random direction u through *all* parameters at once: two forward
# passes whatever the model's size. The L1 term has a kink at zⱼ = 0; the check is only valid where no
# code unit is within ε·|u| of 0, which holds for random weights (we print the smallest |zⱼ|).
#
# A second check uses the linearity of the gradient: backward each part on its own, combine with α and β,
# and compare with one backward of the total. It also shows *which* parameters each term reaches.

# %%
params = dict(tiny.named_parameters())
report = mg.gradcheck(lambda *_: tiny.loss(x_tiny, y=y_tiny), list(params.values()), mode="directional", seed=1)
print(report)
print(f"smallest |zⱼ| on the batch: {np.abs(z_tiny).min():.2e} (the kink of |z| is far from the ±ε steps)")
lesson.checks.add("directional gradcheck of L (float64)", report.max_rel_error,
                  bool(report) and report.max_rel_error < 1e-8)
for part in ("recon", "class", "sparse"):
    part_report = mg.gradcheck(lambda *_: tiny.loss_parts(x_tiny, y=y_tiny)[part], list(params.values()),
                               mode="directional", seed=2)
    lesson.checks.add(f"directional gradcheck of L_{part}", part_report.max_rel_error,
                      bool(part_report) and part_report.max_rel_error < 1e-8)


def gradients(loss):
    tiny.zero_grad()
    loss.backward()
    return {name: (np.zeros(p.shape) if p.grad is None else p.grad.copy()) for name, p in params.items()}


part_grads = {part: gradients(tiny.loss_parts(x_tiny, y=y_tiny)[part]) for part in ("recon", "class", "sparse")}
total_grads = gradients(tiny.loss(x_tiny, y=y_tiny))
print(f"\n{'parameter':<20}{'|∇L_recon|':>12}{'|∇L_class|':>12}{'|∇L_sparse|':>12}")
for name in params:
    print(f"{name:<20}" + "".join(f"{np.linalg.norm(part_grads[p][name]):>12.3g}" for p in part_grads))
combined = np.concatenate([(part_grads["recon"][n] + 0.7 * part_grads["class"][n] + 0.3 * part_grads["sparse"][n])
                           .ravel() for n in params])
linearity_err = mg.relative_error(combined, np.concatenate([total_grads[n].ravel() for n in params]))
lesson.checks.add("∇L = ∇L_recon + α∇L_class + β∇L_sparse", linearity_err, linearity_err < 1e-12)

# %% [markdown]
# The table shows the division of labour: the decoder gets gradient only from L_recon, the classifier
# only from L_class; the encoder gets all three — it is where the tasks compete.
#
# ## 3. α: reconstruction against a code that knows the digit
# The symmetric model with a 10-way classifier on its 8-d code, trained at several α. For each we
# measure, on held-out digits, the reconstruction error and the accuracy of the model's own classifier.
#
# At α = 0 the classifier is never trained (its gradient is multiplied by 0), so its accuracy is chance.
# That is not a fair baseline: the α = 0 code may well *contain* the label. The fair baseline is a
# **linear probe** — a fresh softmax classifier trained on the frozen α = 0 codes, exactly the form of
# C. We train the same probe on every α's codes too: it measures what the code itself carries.

# %%
def linear_probe_accuracy(train_codes, test_codes):
    """Held-out accuracy of a softmax classifier (one Linear) trained on frozen, standardised codes."""
    mean, std = train_codes.mean(axis=0), train_codes.std(axis=0) + 1e-8   # codes differ in scale across α
    probe = nn.Linear(train_codes.shape[1], 10, rng=lesson.rng)
    mg.fit(probe, lambda p, zb, yb: F.cross_entropy(p(zb), yb), ((train_codes - mean) / std).astype(np.float32),
           2 * EPOCHS, 128, mg.optim.Adam(probe.parameters(), lr=LR), progress=False, rng=lesson.rng, y=y_train)
    with mg.no_grad():
        predicted = np.argmax(probe((test_codes - mean) / std).numpy(), axis=1)
    return float(np.mean(predicted == y_test))


alpha_results, part_curves = {}, None
for alpha in ALPHAS:
    model = mg.models.AsymmetricAutoencoder(symmetric_sizes, symmetric_sizes[::-1], n_classes=10, alpha=alpha,
                                            rng=lesson.rng)
    record = []
    history = train(model, record=record)
    if alpha == 1.0:   # keep the per-epoch average of each part, for the curves below
        per_epoch = np.array_split(np.array([[r["recon"], r["class"], r["sparse"]] for r in record]), EPOCHS)
        part_curves = {name: [float(chunk[:, k].mean()) for chunk in per_epoch]
                       for k, name in enumerate((r"$L_{\mathrm{recon}}$", r"$L_{\mathrm{class}}$",
                                                 r"$L_{\mathrm{sparse}}$"))}
    alpha_results[alpha] = dict(model=model, test_error=float(model.reconstruction_error(X_test).mean()),
                                own_accuracy=model.accuracy(X_test, y_test),
                                probe_accuracy=linear_probe_accuracy(codes(model, X_train), codes(model, X_test)))

print(f"{'α':>6}{'held-out MSE':>14}{'own classifier acc.':>21}{'linear probe acc.':>19}")
for alpha, r in alpha_results.items():
    print(f"{alpha:>6g}{r['test_error']:>14.4f}{r['own_accuracy']:>21.1%}{r['probe_accuracy']:>19.1%}")

baseline = alpha_results[0.0]["probe_accuracy"]
lesson.record("asymmetric AE data", lesson.args.data)
lesson.record("asymmetric AE linear probe accuracy, α = 0 codes", baseline)
for alpha in (a for a in ALPHAS if a > 0):
    lesson.record(f"asymmetric AE held-out accuracy of its classifier, α = {alpha:g}",
                  alpha_results[alpha]["own_accuracy"])
    lesson.checks.add(f"α = {alpha:g}: held-out acc. > linear probe on α = 0 codes",
                      f"{alpha_results[alpha]['own_accuracy']:.1%} vs {baseline:.1%}",
                      alpha_results[alpha]["own_accuracy"] > baseline)
errors = [alpha_results[a]["test_error"] for a in ALPHAS]
lesson.checks.add("the price: held-out MSE at α = 1 > at α = 0", f"{errors[-1]:.4f} vs {errors[0]:.4f}",
                  alpha_results[1.0]["test_error"] > alpha_results[0.0]["test_error"])

# %% [markdown]
# The α = 0 code is far from useless — a linear probe reads the digit off it most of the time (≈ 89% with
# seed 0) — but even a small α lifts held-out accuracy to ≈ 95%, and a probe trained afterwards on the
# frozen code does as well as the model's own classifier: the supervision changed the *code*, not just
# added a head. The price is paid in reconstruction: the encoder now spends some of its 8 numbers on what
# separates digits rather than on what redraws them, and the held-out MSE grows with α (α = 0.01 is
# within run-to-run noise of α = 0; α = 1 cost about 20% more error here).

# %%
# α = 0's own classifier was never trained (chance, printed above): left out so the axis shows the trade-off.
# One colour per α, keyed in the legend, instead of text beside the points: labels would sit on markers and lines.
supervised = [a for a in ALPHAS if a > 0]
alpha_colours = dict(zip(ALPHAS, plt.get_cmap("viridis")(np.linspace(0, 0.85, len(ALPHAS)))))
fig, ax = plt.subplots(figsize=(9, 4.8))
ax.plot([alpha_results[a]["test_error"] for a in supervised], [alpha_results[a]["own_accuracy"] for a in supervised],
        "-", color="0.6", zorder=1)
ax.plot(errors, [alpha_results[a]["probe_accuracy"] for a in ALPHAS], "--", color="0.6", zorder=1)
for alpha, r in alpha_results.items():
    if alpha > 0:
        ax.plot(r["test_error"], r["own_accuracy"], "o", ms=8, color=alpha_colours[alpha], zorder=2)
    ax.plot(r["test_error"], r["probe_accuracy"], "s", ms=8, mfc="white", mec=alpha_colours[alpha], mew=2, zorder=3)
ax.axhline(baseline, color="grey", ls=":")
keys = [Line2D([], [], color="0.6", marker="o", mfc="0.3", mec="0.3", label="model's own classifier C (α > 0)"),
        Line2D([], [], color="0.6", ls="--", marker="s", mfc="white", mec="0.3", mew=2,
               label="linear probe trained on the frozen code"),
        Line2D([], [], color="grey", ls=":", label=f"probe on the α = 0 code ({baseline:.1%})")]
keys += [Line2D([], [], ls="", marker="o", ms=8, color=alpha_colours[a], label=f"α = {a:g}") for a in ALPHAS]
ax.legend(handles=keys, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
ax.set(xlabel="held-out reconstruction MSE (per pixel)", ylabel="held-out classification accuracy",
       title=f"α trade-off ({lesson.args.data}): a code that knows the digit draws it less well")
ax.margins(0.08)
ax.grid(alpha=0.3)
lesson.show(fig, "09_alpha_tradeoff")

mg.viz.loss_curves(part_curves, lesson.path("09_loss_parts"), log=True,
                   title="α = 1: unweighted parts of L per epoch (β = 0)")

# %% [markdown]
# The curves: L_class falls by orders of magnitude while L_recon falls more slowly; the L1 size of the
# code, not penalised at β = 0, is free to grow.
#
# ## 4. β: a smaller code — and is it sparser?
# Same model (α = 0), with the L1 penalty β Σⱼ |zⱼ| at several β. Two ways to measure sparsity on the
# held-out codes:
#
# * **absolute**: the mean L1 norm Σⱼ|zⱼ| and the fraction of code entries with |zⱼ| < 0.1;
# * **scale-free**: the fraction with |zⱼ| < 0.1 · RMS(z) and the ratio ‖z‖₁ / ‖z‖₂ (between 1 for a
#   one-hot code and √8 ≈ 2.83 for a flat one), which do not change if z is simply multiplied by a number.

# %%
def sparsity(code):
    rms = np.sqrt(np.mean(code ** 2))
    return dict(l1=float(np.abs(code).sum(axis=1).mean()), near_zero=float(np.mean(np.abs(code) < 0.1)),
                near_zero_scaled=float(np.mean(np.abs(code) < 0.1 * rms)),
                l1_over_l2=float(np.mean(np.abs(code).sum(axis=1) / np.linalg.norm(code, axis=1))))


def decoder_first_weight_norm(model):
    return float(np.linalg.norm(model.decoder[0].weight.data))


beta_results = {}
for beta, weight_decay in [(b, 0.0) for b in BETAS] + [(0.0, 1e-3), (3e-3, 1e-3)]:
    if beta == 0.0 and weight_decay == 0.0:
        model = alpha_results[0.0]["model"]   # α = 0, β = 0 is the model trained above
    else:
        model = mg.models.AsymmetricAutoencoder(symmetric_sizes, symmetric_sizes[::-1], n_classes=10, beta=beta,
                                                rng=lesson.rng)
        train(model, weight_decay=weight_decay)
    code = codes(model, X_test)
    beta_results[(beta, weight_decay)] = dict(code=code, test_error=float(model.reconstruction_error(X_test).mean()),
                                              decoder_norm=decoder_first_weight_norm(model), **sparsity(code))

print(f"{'β':>7}{'w. decay':>9}{'held-out MSE':>13}{'mean L1':>9}{'|z|<0.1':>9}{'|z|<0.1·RMS':>13}"
      f"{'‖z‖₁/‖z‖₂':>11}{'‖W_dec,1‖':>11}")
for (beta, wd), r in beta_results.items():
    print(f"{beta:>7g}{wd:>9g}{r['test_error']:>13.4f}{r['l1']:>9.3f}{r['near_zero']:>9.1%}"
          f"{r['near_zero_scaled']:>13.1%}{r['l1_over_l2']:>11.2f}{r['decoder_norm']:>11.2f}")

plain = [beta_results[(b, 0.0)] for b in BETAS]
lesson.checks.add("β > 0: more code entries with |z| < 0.1", " → ".join(f"{r['near_zero']:.0%}" for r in plain),
                  all(later["near_zero"] > earlier["near_zero"] for earlier, later in zip(plain, plain[1:])))
lesson.checks.add("β > 0: smaller mean L1 norm of the code", " → ".join(f"{r['l1']:.2g}" for r in plain),
                  all(later["l1"] < earlier["l1"] for earlier, later in zip(plain, plain[1:])))
lesson.checks.add("…by rescaling: decoder weights grow with β", " → ".join(f"{r['decoder_norm']:.3g}" for r in plain),
                  plain[-1]["decoder_norm"] > lesson.pick(full=1.5, quick=1.2) * plain[0]["decoder_norm"])
pinned_free, pinned_l1 = beta_results[(0.0, 1e-3)], beta_results[(3e-3, 1e-3)]
lesson.checks.add("with weight decay β makes the code truly sparser: ‖z‖₁/‖z‖₂",
                  f"{pinned_l1['l1_over_l2']:.2f} vs {pinned_free['l1_over_l2']:.2f}",
                  pinned_l1["l1_over_l2"] < 0.9 * pinned_free["l1_over_l2"])

# %% [markdown]
# The absolute measures obey β: the code shrinks by orders of magnitude and almost every entry ends
# below 0.1. The scale-free measures move far less (β = 0.003 leaves them almost where β = 0 had them). The code
# is mostly **smaller, not sparser**: the code layer is
# linear, so the encoder can divide z by c and the decoder's first layer multiply its weights by c — the
# reconstruction is unchanged and the L1 term falls by c. Its weights do grow with β (last column). This
# loophole is why sparse coding fixes the norm of the decoder's columns.
#
# Close it the cheap way, with weight decay on all the weights (Adam's `weight_decay`): rescaling now
# costs, and β finally changes the *shape* of the code — ‖z‖₁/‖z‖₂ drops and many more entries are near
# zero relative to the code's own size. It has a price: weight decay itself raises the reconstruction
# error (compare the two β = 0 rows). The histograms show both: raw codes (left) shrink with β; codes
# divided by their RMS (right) keep their shape without weight decay and grow a spike at 0 with it.

# %%
fig, (ax_raw, ax_scaled) = plt.subplots(1, 2, figsize=(12, 4.4))
for k, ((beta, wd), r) in enumerate(beta_results.items()):
    label = f"β = {beta:g}" + (f", weight decay {wd:g}" if wd else "")
    style = dict(histtype="step", lw=1.8, color=f"C{k}", ls="--" if wd else "-", label=label)
    code = r["code"].ravel()
    ax_raw.hist(np.abs(code), bins=np.logspace(-5, 1.5, 60), **style)
    ax_scaled.hist(code / np.sqrt(np.mean(code ** 2)), bins=np.linspace(-4, 4, 61), **style)
ax_raw.set(xscale="log", xlabel="|zⱼ| (log scale), every code unit of every held-out digit", ylabel="count",
           title="Raw code magnitudes: β shrinks the code")
ax_scaled.set(xlabel="zⱼ / RMS(z)", ylabel="count",
              title="Code shape (scale removed): sparse with weight decay")
ax_raw.legend(fontsize=8, loc="upper left")
ax_scaled.legend(fontsize=8)
lesson.show(fig, "09_code_histograms")

# %% [markdown]
# ## What held
# At one parameter budget the shape matters: here, parameters after the code bought better reconstructions
# than parameters before it. The multi-task loss is a plain weighted sum — its parts and its gradient add
# up exactly — and each weight buys something measurable: α a code that classifies (beyond what a linear
# probe finds in the unsupervised code) at some cost in reconstruction; β a smaller code, which becomes a
# sparser one only once the decoder cannot undo the shrinking.

# %%
lesson.finish()
