# %% [markdown]
# # Lesson 8 — Stacked autoencoders: greedy pretraining and fine-tuning
#
# Pretrain a deep encoder one frozen layer at a time, then fine-tune it into a classifier.
#
# In 2006 deep networks of sigmoid units were hard to train from random weights. Hinton &
# Salakhutdinov (2006) and Bengio et al. (2007) got around it **greedily**: train a shallow
# autoencoder on the data, freeze it, train a second one on the first one's codes, and so on.
# For an encoder stack with layer sizes n₀ → n₁ → … → n_K and h₀ = x:
#
#     h_{k+1} = σ(W_k h_k + b_k)                     encoder layer k
#     ĥ_k     = σ(V_k h_{k+1} + c_k)                 its own decoder, used only while pretraining
#     L_k     = mean ‖h_k − ĥ_k‖²                    phase k trains W_k, b_k, V_k, c_k only;
#                                                    layers 0 … k−1 are frozen and just produce h_k
#
# Then the decoders are dropped, a softmax head is put on the top code, and the whole stack is
# **fine-tuned** with labels:
#
#     p(y | x) = softmax(U h_K + d),      L = −1/B Σ_batch log p(y | x)      (cross-entropy)
#
# `mg.models.StackedAutoencoder` is the model; `minigrad_ae.pretraining` runs both stages. We check
# that freezing is real (bit-identical weights, no gradient), watch each phase's loss fall, and then
# measure — honestly — when pretraining helps: a short fine-tuning budget, the same network from random
# weights, a frozen-encoder linear probe, and learning from only 10% of the labels.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.models import StackedAutoencoder, pca
from minigrad_ae.pretraining import fine_tune, pretrain_layer

lesson = kit.start("Lesson 8: stacked autoencoders — greedy layer-wise pretraining with frozen layers, supervised "
                   "fine-tuning, and pretrained vs random init", data=True)

# %% [markdown]
# ## The data and the budget
# Bundled 8×8 digits by default, split 75/25 and stratified (every digit keeps its share in both
# parts); `--data mnist-sample` uses the bundled 4,000 + 1,000 MNIST images, `--data mnist` a random
# 10,000 of full MNIST's training images (downloaded once) and its 10,000 test images.
#
# The digits settings are the model author's reference run: encoder 64 → 48 → 32, sigmoid units,
# Adam η = 3·10⁻³, batch 32, 20 pretraining epochs per layer, then 5 ("short") or 30 fine-tuning epochs.

# %%
SETTINGS = {  # encoder sizes after the input, image shape, (default, --quick) epochs and accuracy target, and
    # by how much pretraining must lead after the short budget (on MNIST random init is quick too: see section 6)
    "digits": dict(hidden=[48, 32], shape=(8, 8), pretrain=(20, 5), fine_tune=(30, 8), short=(5, 2),
                   probe=(30, 10), few=(200, 30), target=(0.95, 0.80), lead=0.05),
    "mnist-sample": dict(hidden=[256, 64], shape=(28, 28), pretrain=(10, 2), fine_tune=(15, 3), short=(1, 1),
                         probe=(15, 3), few=(60, 15), target=(0.93, 0.80), lead=0.0),
    "mnist": dict(hidden=[256, 64], shape=(28, 28), pretrain=(10, 2), fine_tune=(15, 3), short=(1, 1),
                  probe=(15, 3), few=(60, 15), target=(0.93, 0.80), lead=0.0),
}
setting = SETTINGS[lesson.args.data]
if lesson.args.data == "digits":
    X, y = mg.data.load_digits()
    X_train, X_test, y_train, y_test = mg.data.train_test_split(X, y, test_fraction=0.25, rng=lesson.rng, stratify=True)
elif lesson.args.data == "mnist-sample":
    X_train, y_train, X_test, y_test = mg.data.load_mnist_sample()
else:
    X_train, y_train = mg.data.load_mnist("train", download=True)
    keep = lesson.rng.choice(len(X_train), size=10_000, replace=False)
    X_train, y_train = X_train[keep], y_train[keep]
    X_test, y_test = mg.data.load_mnist("test", download=True)

SIZES = [X_train.shape[1]] + setting["hidden"]
PRETRAIN_EPOCHS, FT_EPOCHS, SHORT_EPOCHS, PROBE_EPOCHS, FEW_EPOCHS = (
    lesson.pick(full=setting[key][0], quick=setting[key][1])
    for key in ("pretrain", "fine_tune", "short", "probe", "few"))
TOTAL_EPOCHS = PRETRAIN_EPOCHS * (len(SIZES) - 1) + FT_EPOCHS  # passes over the data, pretraining included
LR, BATCH = 3e-3, 32
# one seeded generator makes every other seed, so each experiment can replay the same init or batch order
init_seed, pretrain_seed, ft_seed, probe_seed, few_seed = (int(s) for s in lesson.rng.integers(2 ** 31, size=5))
print(f"{lesson.args.data}: {len(X_train)} training and {len(X_test)} held-out images; encoder {SIZES}; "
      f"{PRETRAIN_EPOCHS} pretraining epochs per layer, fine-tuning {SHORT_EPOCHS} (short) and {FT_EPOCHS} epochs")

# %% [markdown]
# ## 1. The model, and why a deep sigmoid stack starts badly
# `StackedAutoencoder(sizes, n_classes=10)` holds `encoder[k]` (Linear + sigmoid), one decoder per
# layer `decoders[k]`, and the softmax `head`. We build it from a generator seeded with `init_seed`,
# so that later a second copy can start from *exactly the same* random weights, without pretraining.
#
# First, look at the codes of the random network. `Linear` draws its weights uniformly in ±1/√n
# (variance 1/(3n)), so if the n inputs of a unit vary from image to image by about s, its
# pre-activation z = Σᵢ wᵢhᵢ + b varies by about √(n · 1/(3n)) · s = s/√3. Near z = 0 a sigmoid is
# ½ + z/4, so the unit's output varies by s/(4√3) ≈ s/7: every layer squeezes the differences between
# images about 7-fold, and on the way back the gradient is squeezed the same way (σ′ ≤ ¼).
# The spread we print is the standard deviation of each unit over the held-out images, averaged over units.

# %%
def same_init():
    """A generator that gives every model built from it the same initial weights."""
    return np.random.default_rng(init_seed)


def code_spread(model):
    """Average over units of each layer's std over X_test: how much the codes tell images apart."""
    with mg.no_grad():
        return [float(model.layer_input(k, X_test).data.std(axis=0).mean()) for k in range(1, len(SIZES))]


model = StackedAutoencoder(SIZES, n_classes=10, activation="sigmoid", rng=same_init())
print(model)
random_spread = code_spread(model)
pixel_spread = float(X_test.std(axis=0).mean())
shrink = np.array([pixel_spread] + random_spread[:-1]) / np.array(random_spread)
print("random init, spread of the codes h₁, h₂, …:", ", ".join(f"{s:.4f}" for s in random_spread),
      f"(the pixels: {pixel_spread:.3f}); shrunk by", ", ".join(f"{r:.1f}×" for r in shrink), "per layer")
lesson.checks.add("random init: each sigmoid layer shrinks the spread > 4×", float(shrink.min()), shrink.min() > 4)

# %% [markdown]
# ## 2. Phase 0: an ordinary autoencoder on the pixels
# `pretrain_layer(model, 0, X, …)` trains encoder[0] and decoders[0] on
#
#     L₀ = mean ‖x − σ(V₀ σ(W₀x + b₀) + c₀)‖²
#
# then freezes encoder[0]. `layer_loss(k, X)` evaluates Lₖ; we measure it on the whole training set
# before and after the phase.

# %%
def snapshot(module):
    """Copies of every parameter's array, by name (a frozen layer must stay equal to these, bit for bit)."""
    return {name: p.data.copy() for name, p in module.named_parameters()}


def subscript(k):
    """k as subscript digits, for printed names such as L₁."""
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def full_layer_loss(k):
    with mg.no_grad():
        return model.layer_loss(k, X_train).item()


pretrain_rng = np.random.default_rng(pretrain_seed)
phase_clock = time.perf_counter()
loss_before, loss_after, histories = [], [], []
loss_before.append(full_layer_loss(0))
histories.append(pretrain_layer(model, 0, X_train, epochs=PRETRAIN_EPOCHS, batch_size=BATCH, lr=LR, rng=pretrain_rng))
loss_after.append(full_layer_loss(0))
print(f"phase 0: L₀ {loss_before[0]:.4f} → {loss_after[0]:.4f}")
layer0_after_phase0 = snapshot(model.encoder[0])
print("requires_grad of encoder[0]:", [p.requires_grad for p in model.encoder[0].parameters()],
      "  of encoder[1]:", [p.requires_grad for p in model.encoder[1].parameters()])

# %% [markdown]
# ## 3. Freezing is real: no graph, no gradient
# Frozen parameters have `requires_grad = False`. An op whose inputs all have `requires_grad = False`
# records nothing (lesson 0's graph simply does not grow through it), so h₁ = `layer_input(1, x)` arrives
# in phase 1 as a plain constant: backward cannot reach W₀, b₀ even in principle.
#
# Below: one backward pass of L₁ on a batch gives encoder[1] and decoders[1] a gradient and leaves
# encoder[0]'s `.grad` at `None`. We also compute L₁ by hand with NumPy from the weights
# (`weight` is (out, in), so a batch of rows is multiplied by its transpose) and compare.

# %%
def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def layer_by_hand(linear, h):
    """σ(h Wᵀ + b) in float64, straight from a Linear's weight (out, in) and bias."""
    return sigmoid(h @ linear.weight.data.astype(np.float64).T + linear.bias.data.astype(np.float64))


x_batch = X_train[:BATCH]
h1 = model.layer_input(1, x_batch)
lesson.checks.add("frozen layer 0 records no graph: h₁.requires_grad", str(h1.requires_grad), not h1.requires_grad)

loss1 = model.layer_loss(1, x_batch)
loss1.backward()
grad_norms = {name: (None if p.grad is None else float(np.linalg.norm(p.grad)))
              for name, p in model.named_parameters()}
for name, norm in grad_norms.items():
    print(f"  {name:<22} |grad| = {'None' if norm is None else f'{norm:.3g}'}")
frozen_got_none = all(grad_norms[f"encoder.0.{n}"] is None for n, _ in model.encoder[0].named_parameters())
phase1_got_some = all((grad_norms[n] or 0) > 0 for n in grad_norms if n.startswith(("encoder.1", "decoders.1")))
lesson.checks.add("backward of L₁: encoder[0] .grad is None", str(frozen_got_none), frozen_got_none)
lesson.checks.add("backward of L₁: encoder[1], decoders[1] get |grad| > 0", str(phase1_got_some), phase1_got_some)
model.zero_grad()

h1_hand = layer_by_hand(model.encoder[0][0], x_batch.astype(np.float64))
h1_rebuilt = layer_by_hand(model.decoders[1][0], layer_by_hand(model.encoder[1][0], h1_hand))
loss1_hand = np.mean((h1_hand - h1_rebuilt) ** 2)
rel = abs(loss1_hand - loss1.item()) / loss1_hand
print(f"L₁ on the batch: by hand {loss1_hand:.7f}, layer_loss {loss1.item():.7f} (float32)")
lesson.checks.add("L₁ by hand (float64) vs layer_loss(1) rel err", rel, rel < 1e-5)

# %% [markdown]
# ## 4. Phase 1: an autoencoder on the codes h₁
# Same recipe, one level up: it rebuilds h₁ (48 numbers in (0, 1)), not the pixels. After it, the
# parameters of encoder[0] must be exactly the ones phase 0 left: not close — equal, bit for bit.

# %%
for k in range(1, len(SIZES) - 1):
    loss_before.append(full_layer_loss(k))
    histories.append(pretrain_layer(model, k, X_train, epochs=PRETRAIN_EPOCHS, batch_size=BATCH, lr=LR,
                                    rng=pretrain_rng))
    loss_after.append(full_layer_loss(k))
    print(f"phase {k}: L{subscript(k)} {loss_before[k]:.4f} → {loss_after[k]:.4f}")
pretrain_seconds = time.perf_counter() - phase_clock

identical = all(np.array_equal(p.data, layer0_after_phase0[name]) and p.grad is None
                for name, p in model.encoder[0].named_parameters())
lesson.checks.add("encoder[0] bit-identical, .grad None after phase 1", str(identical), identical)
for k in range(len(SIZES) - 1):  # at least halved, even by the few epochs of --quick
    lesson.checks.add(f"phase {k} lowers L{subscript(k)} (after / before < 0.5)", loss_after[k] / loss_before[k],
                      loss_after[k] < 0.5 * loss_before[k])
pretrained_state = model.state_dict()  # the pretrained weights; every experiment below starts from a copy
pretrained_spread = code_spread(model)
print("pretrained, spread of the codes h₁, h₂, …:", ", ".join(f"{s:.3f}" for s in pretrained_spread))

curves = {f"phase {k}: $L_{k}$, layer {SIZES[k]}→{SIZES[k + 1]} rebuilds {'$x$' if k == 0 else f'$h_{k}$'}":
          h.train_loss for k, h in enumerate(histories)}
mg.viz.loss_curves(curves, lesson.path("08_pretraining_curves"), log=True,
                   title="greedy pretraining, one phase per layer (MSE per element)")

# %% [markdown]
# Each phase's loss falls on its own scale: L₁ measures how well the 32-number code rebuilds the
# 48 first-layer features, not the pixels. The pretrained codes also spread out far more than the
# random ones (printed above): they now differ from image to image, which is what a classifier on top
# needs.
#
# The stack is also a deep autoencoder: `model(x)` runs every encoder and then every decoder in
# reverse, x → h₁ → h₂ → ĥ₁ → x̂. Nobody trained that chain end to end, yet it reconstructs.

# %%
shown = X_test[:10]
with mg.no_grad():
    one_layer = model.decoders[0](model.encoder[0](shown)).numpy()
    unrolled = model(shown).numpy()
mg.viz.image_grid(np.concatenate([shown, one_layer, unrolled]), setting["shape"], lesson.path("08_reconstructions"),
                  row_titles=["input", "layer 0 AE", "unrolled stack"],
                  title=f"held-out digits through the pretrained stack (no fine-tuning): "
                        f"{'→'.join(map(str, SIZES))}→…→{SIZES[0]}")
print(f"unrolled reconstruction error on the held-out images: {F.mse_loss(model(X_test), X_test).item():.4f} "
      "per pixel")

# %% [markdown]
# ## 5. Fine-tuning: a softmax head and cross-entropy
# `fine_tune(model, X, y, epochs, …)` unfreezes the encoder and trains it together with the head on
# `classification_loss`, the mean of −log softmax(U h_K + d)[y]. First that loss by hand:
#
#     log softmax(a)_y = a_y − log Σ_j e^{a_j},  computed with a − max(a) so the exp never overflows.

# %%
with mg.no_grad():
    logits = model.logits(x_batch).numpy().astype(np.float64)
    ce_package = model.classification_loss(x_batch, y_train[:BATCH]).item()
shifted = logits - logits.max(axis=1, keepdims=True)
log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
ce_hand = -np.mean(log_softmax[np.arange(BATCH), y_train[:BATCH]])
rel = abs(ce_hand - ce_package) / ce_hand
print(f"cross-entropy on a batch with an untrained head: by hand {ce_hand:.6f}, package {ce_package:.6f} "
      f"(log 10 = {np.log(10):.6f}: a head that knows nothing)")
lesson.checks.add("cross-entropy by hand vs classification_loss rel err", rel, rel < 1e-5)

# %% [markdown]
# To draw accuracy against epochs we test after every epoch: `fine_tune` passes `on_epoch` to `fit`,
# which calls it after each one. The other way, one `fine_tune` call per epoch, hides a trap: every call
# builds a fresh Adam, and restarting Adam (its moment estimates m, v and its step count t) every epoch
# is a different optimizer run. Calls that share one Adam (an `optimizer_factory` returning it) avoid
# it: we check that 2 such calls of one epoch give exactly the weights of one call of 2 epochs, while
# 2 calls that each start a fresh Adam do not.

# %%
def fresh_copy(pretrained):
    """A new model with the initial random weights, or the pretrained ones loaded."""
    copy = StackedAutoencoder(SIZES, n_classes=10, activation="sigmoid", rng=same_init())
    if pretrained:
        copy.load_state_dict(pretrained_state)
    return copy


def fine_tune_curve(net, X_lab, y_lab, epochs, seed, freeze_encoder=False):
    """Fine-tune ``net`` for ``epochs`` epochs; held-out accuracy before and after each."""
    accuracy = [net.accuracy(X_test, y_test)]

    def test_accuracy(model, history):
        accuracy.append(model.accuracy(X_test, y_test))

    fine_tune(net, X_lab, y_lab, epochs=epochs, batch_size=BATCH, lr=LR, freeze_encoder=freeze_encoder,
              rng=np.random.default_rng(seed), on_epoch=test_accuracy)
    return np.array(accuracy)


in_one_call = fresh_copy(pretrained=True)
fine_tune(in_one_call, X_train, y_train, epochs=2, batch_size=BATCH, lr=LR, rng=np.random.default_rng(ft_seed))
epoch_by_epoch = fresh_copy(pretrained=True)
shared_adam = mg.optim.Adam(epoch_by_epoch.head.parameters() + epoch_by_epoch.encoder.parameters(), lr=LR)
shared_rng = np.random.default_rng(ft_seed)
for _ in range(2):
    fine_tune(epoch_by_epoch, X_train, y_train, epochs=1, batch_size=BATCH,
              optimizer_factory=lambda params: shared_adam, rng=shared_rng)
restarted = fresh_copy(pretrained=True)
restart_rng = np.random.default_rng(ft_seed)  # the same batches: only the optimizer's memory differs
for _ in range(2):
    fine_tune(restarted, X_train, y_train, epochs=1, batch_size=BATCH, lr=LR, rng=restart_rng)


def largest_difference(a, b):
    return max(float(np.max(np.abs(a[name] - b[name]))) for name in a)


reference = in_one_call.state_dict()
kept_adam, fresh_adams = largest_difference(reference, epoch_by_epoch.state_dict()), \
    largest_difference(reference, restarted.state_dict())
print(f"largest weight difference from fine_tune(epochs=2): one Adam kept {kept_adam:.3g}, "
      f"a fresh Adam per epoch {fresh_adams:.3g}")
lesson.checks.add("1+1 epochs with one Adam = fine_tune(epochs=2), max |Δw|", kept_adam, kept_adam == 0)
lesson.checks.add("1+1 epochs with a fresh Adam each differ, max |Δw|", fresh_adams, fresh_adams > 1e-4)

# %% [markdown]
# ## 6. Pretrained vs random init
# Both networks start from the same random weights and see the same batches; the only difference is
# the greedy pretraining. The random one is fine-tuned longer: up to the **same total budget** —
# as many passes over the data as pretraining plus fine-tuning took together. (A pretraining epoch is
# cheaper than a fine-tuning one, since it runs one layer and its decoder, so that total is generous to
# random init.) On digits one held-out image is worth 1/450 = 0.2 points, and the binomial standard
# error of an accuracy near 96% measured on 450 images is √(0.96·0.04/450) ≈ 0.9 points: differences
# of about a point mean nothing.

# %%
clock = time.perf_counter()
pretrained_net = fresh_copy(pretrained=True)
acc_pretrained = fine_tune_curve(pretrained_net, X_train, y_train, FT_EPOCHS, ft_seed)
ft_seconds = time.perf_counter() - clock
clock = time.perf_counter()
random_net = fresh_copy(pretrained=False)
acc_random = fine_tune_curve(random_net, X_train, y_train, TOTAL_EPOCHS, ft_seed)
random_seconds = time.perf_counter() - clock

print(f"{'held-out accuracy':<44} {'pretrained':>10} {'random init':>12}")
for label, e in [(f"after {SHORT_EPOCHS} fine-tuning epoch{'s' * (SHORT_EPOCHS != 1)} (short)", SHORT_EPOCHS),
                 (f"after {FT_EPOCHS} fine-tuning epochs", FT_EPOCHS)]:
    print(f"{label:<44} {acc_pretrained[e]:>10.1%} {acc_random[e]:>12.1%}")
print(f"{f'random init, {TOTAL_EPOCHS} epochs (same total)':<44} {'':>10} {acc_random[TOTAL_EPOCHS]:>12.1%}")
print(f"time: pretraining {pretrain_seconds:.1f} s + fine-tuning {ft_seconds:.1f} s, "
      f"random init {TOTAL_EPOCHS} epochs {random_seconds:.1f} s (wall clock, shared machine)")
target = lesson.pick(full=setting["target"][0], quick=setting["target"][1])
lesson.checks.add(f"pretrained + {FT_EPOCHS} epochs held-out accuracy ≥ {target:.0%}",
                  float(acc_pretrained[FT_EPOCHS]), acc_pretrained[FT_EPOCHS] >= target)
lesson.record("stacked AE data", lesson.args.data)
lesson.record("stacked AE held-out accuracy, pretrained + fine-tuned", float(acc_pretrained[FT_EPOCHS]))
lead = float(acc_pretrained[SHORT_EPOCHS] - acc_random[SHORT_EPOCHS])
lesson.checks.add(f"short budget ({SHORT_EPOCHS} ep): pretrained − random init > {setting['lead']:.0%}", lead,
                  lead > setting["lead"])

# %%
def at(curve, *epochs):
    return ", ".join(f"{e} ep: {curve[e]:.1%}" for e in epochs)


fig, (ax_ft, ax_total) = plt.subplots(1, 2, figsize=(12, 4.4), sharey=True)
ax_ft.plot(acc_pretrained, "o-", ms=3,
           label=f"pretrained, then fine-tuned ({at(acc_pretrained, SHORT_EPOCHS, FT_EPOCHS)})")
ax_ft.plot(acc_random[:FT_EPOCHS + 1], "s-", ms=3, color="tab:red",
           label=f"random init, fine-tuned ({at(acc_random, SHORT_EPOCHS, FT_EPOCHS)})")
ax_ft.axvline(SHORT_EPOCHS, color="0.5", ls=":", label=f"short budget ({SHORT_EPOCHS} epochs)")
ax_ft.set_xlabel("fine-tuning epochs (passes with labels)")
ax_ft.set_title("same fine-tuning budget")
ax_ft.legend(loc="lower right", fontsize=8)
pretrain_passes = TOTAL_EPOCHS - FT_EPOCHS
ax_total.axvspan(0, pretrain_passes, color="tab:blue", alpha=0.08, label="pretraining (no labels)")
ax_total.plot(np.arange(FT_EPOCHS + 1) + pretrain_passes, acc_pretrained, "o-", ms=3,
              label=f"pretrained ({acc_pretrained[-1]:.1%})")
ax_total.plot(acc_random, "s-", ms=2, color="tab:red", label=f"random init ({acc_random[-1]:.1%})")
ax_total.set_xlabel("total epochs (passes over the training images, pretraining included)")
ax_total.set_title("same total budget")
ax_total.legend(loc="lower right", fontsize=8)
for ax in (ax_ft, ax_total):
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax.grid(alpha=0.3)
ax_ft.set_ylabel("held-out accuracy")
fig.suptitle(f"{lesson.args.data}: encoder {'-'.join(map(str, SIZES))} + softmax, Adam η = {LR}, batch {BATCH}")
lesson.show(fig, "08_accuracy_vs_epochs")

# %% [markdown]
# Pretraining wins clearly when labelled training is short. In the default run (digits, seed 0) the
# pretrained network is at 92.2% after 5 epochs against 73.6% from random init: its codes already
# differ from digit to digit, while the random network first has to pry apart codes that barely differ
# (spread 0.005, section 1). Given more epochs random init catches up: after 30 epochs both are at
# about 96–97% (96.4% vs 96.7%), and with the same total budget random init gets 96.2% — level,
# within the ±0.9 points that 450 test images can resolve. With Adam and only two sigmoid layers,
# training from scratch is not hard; the early papers' deeper nets, trained with plain gradient descent,
# got much more out of a good starting point.
#
# With `--data mnist-sample` (4,000 images: 125 Adam steps per epoch) random init catches up even
# sooner: we measured 86.2% vs 83.0% after one epoch and no lead after 15.
#
# ## 7. What the fine-tuned classifier gets wrong

# %%
predicted = pretrained_net.predict(X_test)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)
fig, ax = plt.subplots(figsize=(6, 5.2))
picture = ax.imshow(confusion, cmap="Blues")
for true in range(10):
    for guess in range(10):
        if confusion[true, guess]:
            ax.text(guess, true, confusion[true, guess], ha="center", va="center", fontsize=8,
                    color="white" if confusion[true, guess] > confusion.max() / 2 else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title(f"confusion matrix, pretrained + {FT_EPOCHS} epochs ({acc_pretrained[FT_EPOCHS]:.1%} of "
             f"{len(y_test)} held-out)", fontsize=10)
fig.colorbar(picture, ax=ax, label="images")
lesson.show(fig, "08_confusion")

wrong = np.flatnonzero(predicted != y_test)[:16]
if len(wrong):
    columns = min(8, len(wrong))
    rows = int(np.ceil(len(wrong) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows + 0.5), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(X_test[i].reshape(setting["shape"]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"true {y_test[i]} → {predicted[i]}", fontsize=8)
    fig.suptitle(f"held-out digits the fine-tuned stack got wrong (first {len(wrong)} of "
                 f"{int(np.sum(predicted != y_test))})", fontsize=10)
    lesson.show(fig, "08_misclassified")
top = np.argsort((confusion - np.diag(np.diag(confusion))).ravel())[::-1][:3]
print("most frequent confusions (true → predicted, count):",
      ", ".join(f"{t // 10} → {t % 10}: {confusion.flat[t]}" for t in top))

# %% [markdown]
# ## 8. A linear probe: how good are the pretrained codes on their own?
# `fine_tune(model, …, freeze_encoder=True)` trains only the head: a linear softmax classifier on the frozen
# pretrained codes h_K. References, trained the same way (Adam, same epochs and batches):
# a linear softmax on the raw pixels, on the PCA codes of the same size (lesson 2), and on the codes of
# the frozen *random* encoder.

# %%
def linear_probe(train_features, test_features, labels=y_train, epochs=PROBE_EPOCHS):
    """Held-out accuracy of softmax(U f + d) trained on fixed features f."""
    head = nn.Linear(train_features.shape[1], 10, rng=same_init())
    mg.fit(head, lambda m, fb, yb: F.cross_entropy(m(fb), yb), train_features, epochs, BATCH,
           mg.optim.Adam(head.parameters(), lr=LR), progress=False, rng=np.random.default_rng(probe_seed), y=labels)
    with mg.no_grad():
        return float(np.mean(np.argmax(head(test_features).data, axis=1) == y_test))


probe = {}
for name, pretrained in [("pretrained encoder (frozen)", True), ("random encoder (frozen)", False)]:
    net = fresh_copy(pretrained)
    encoder_before = snapshot(net.encoder)
    probe[name] = fine_tune_curve(net, X_train, y_train, PROBE_EPOCHS, probe_seed, freeze_encoder=True)[-1]
    if pretrained:
        untouched = all(np.array_equal(p.data, encoder_before[n]) for n, p in net.encoder.named_parameters())
        lesson.checks.add("freeze_encoder=True: encoder bit-identical after the probe", str(untouched), untouched)
code_size = SIZES[-1]
components = pca(X_train, code_size)
probe["raw pixels"] = linear_probe(X_train, X_test)
probe[f"PCA, {code_size} components"] = linear_probe(components.transform(X_train).astype(np.float32),
                                                     components.transform(X_test).astype(np.float32))
print(f"linear probes, {PROBE_EPOCHS} epochs:")
for name, accuracy in probe.items():
    print(f"  {name:<28} {accuracy:.1%}")
lesson.checks.add("probe: pretrained − random frozen encoder", probe["pretrained encoder (frozen)"]
                  - probe["random encoder (frozen)"],
                  probe["pretrained encoder (frozen)"] > probe["random encoder (frozen)"] + 0.3)
# --quick pretrains for a few epochs only, and its codes are still far less separable: a weaker bound there
margin = lesson.pick(full=0.05, quick=0.35)
lesson.checks.add(f"probe: pretrained codes − raw pixels > −{margin:.0%}", probe["pretrained encoder (frozen)"]
                  - probe["raw pixels"], probe["pretrained encoder (frozen)"] > probe["raw pixels"] - margin)

# %% [markdown]
# The random encoder's codes are nearly the same for every image (their spread, section 1, is tiny), so
# a linear head on them learns almost nothing in this budget (16.0% in the default run: chance is 10%).
# The pretrained codes keep the class information: a linear head on them gets 92.7%, about as good as
# one on the raw pixels (93.6%) or on 32 PCA components (94.9%) — not better. The greedy autoencoders
# were trained to *reconstruct*, not to *classify*, and the 64 pixels of a digit are already nearly
# linearly separable. What pretraining gives is a good *starting point* for fine-tuning.
#
# ## 9. Few labels: pretrain on everything, fine-tune on 10%
# The classic setting: images are cheap, labels are not. Pretraining already used all training images
# *without* their labels; now only a stratified 10% keep their labels for fine-tuning. Random init gets
# the same labelled images, epochs and batches.

# %%
X_few, _, y_few, _ = mg.data.train_test_split(X_train, y_train, test_fraction=0.9, rng=np.random.default_rng(few_seed),
                                              stratify=True)
acc_few_pretrained = fine_tune_curve(fresh_copy(pretrained=True), X_few, y_few, FEW_EPOCHS, few_seed)
acc_few_random = fine_tune_curve(fresh_copy(pretrained=False), X_few, y_few, FEW_EPOCHS, few_seed)
few_raw_pixels = linear_probe(X_few, X_test, labels=y_few, epochs=FEW_EPOCHS)
print(f"{len(X_few)} labelled images, {FEW_EPOCHS} epochs: pretrained {acc_few_pretrained[-1]:.1%}, "
      f"random init {acc_few_random[-1]:.1%}, linear softmax on raw pixels {few_raw_pixels:.1%} held-out accuracy")
few_lead = float(acc_few_pretrained[-1] - acc_few_random[-1])
lesson.checks.add(f"10% labels, {FEW_EPOCHS} ep: pretrained − random init", few_lead, few_lead > 0)

fig, ax = plt.subplots(figsize=(6.4, 4.4))
ax.plot(acc_few_pretrained, label=f"pretrained on all images, fine-tuned on 10% ({acc_few_pretrained[-1]:.1%})")
ax.plot(acc_few_random, color="tab:red", label=f"random init, trained on 10% ({acc_few_random[-1]:.1%})")
ax.axhline(acc_pretrained[FT_EPOCHS], color="0.5", ls=":",
           label=f"pretrained, all {len(X_train)} labels, {FT_EPOCHS} epochs ({acc_pretrained[FT_EPOCHS]:.1%})")
ax.axhline(few_raw_pixels, color="tab:green", ls="--",
           label=f"linear softmax on raw pixels, 10%, {FEW_EPOCHS} epochs ({few_raw_pixels:.1%})")
ax.set_ylim(0, 1.02)
ax.set_xlabel(f"fine-tuning epochs over the {len(X_few)} labelled images")
ax.set_ylabel("held-out accuracy")
ax.set_title(f"{len(X_few)} labels ({len(X_few) / len(X_train):.0%} of the training set)")
ax.grid(alpha=0.3)
ax.legend(loc="lower right", fontsize=9)
lesson.show(fig, "08_few_labels")

# %% [markdown]
# With 135 labels the pretrained network reaches 91.6% in the default run against 87.1% from random
# init, and the gap stays after 200 epochs, when both curves have flattened: the unlabelled images
# taught the encoder something the 135 labels alone do not. Honest reference: a linear softmax on the raw
# pixels, with the same 135 labels, gets 90.9% — on digits about as good. Pretraining rescues the deep
# network from its poor random start; it does not make it beat the simplest model on 8×8 digits.
#
# ## What held
# Greedy pretraining trains one layer at a time and really freezes the ones below: they record no
# graph, get no gradient and stay bit-identical. Each phase lowers its own reconstruction loss. The
# fine-tuned stack classifies held-out digits well; pretraining buys a large head start when
# labelled training is short and a lasting gain over random init when labels are few, while with a
# generous budget and all labels a randomly initialised network catches up. Its codes alone, under a
# linear probe, are about as good as raw pixels or PCA.

# %%
lesson.finish()
