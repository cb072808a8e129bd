# %% [markdown]
# # Lesson 16 — The convolutional autoencoder
#
# Conv2d encoder, ConvTranspose2d decoder: local, shared weights and their adjoint.
#
# An MLP autoencoder connects every pixel to every hidden unit: it has to learn separately that a stroke
# at the top-left and the same stroke one pixel to the right are alike. A **convolution** builds that in
# by changing *which connections exist*:
#
# - **local connectivity** — an output unit sees only a k×k window of its input;
# - **weight sharing** — every window is read with the same kernel, so a detector learned in one place
#   works everywhere.
#
# For an image x (C channels) and a kernel W (O, C, k, k), stride s and zero padding p,
#
#     y[o, i, j] = b[o] + Σ_c Σ_u Σ_v  W[o, c, u, v] · x_pad[c, i·s + u, j·s + v]        (a cross-correlation)
#     H_out = ⌊(H + 2p − k)/s⌋ + 1
#
# The decoder has to grow the image back. Its layer, the **transposed convolution**, is the adjoint (the
# matrix transpose) of a convolution: each input pixel *scatters* a copy of the kernel onto the output,
#
#     H_out = (H − 1)·s − 2p + k + output_padding,        ⟨conv_W(x), y⟩ = ⟨x, convT_W(y)⟩.
#
# So the network is built from two different kinds of connection: gathering windows on the way down,
# scattering them on the way up — each with its own weights, not the encoder's tied in reverse.
#
# We rebuild a convolution as one matrix product of patches (**im2col**), check the output sizes and the
# adjoint identity, gradient-check both layers, then train a small conv AE on 28×28 MNIST digits and set it
# against an MLP autoencoder with a code of the same size.

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae import nn
from minigrad_ae.kernels import keep_freed_memory
from minigrad_ae.nn import functional as F

keep_freed_memory()  # glibc: reuse freed pages, not fault im2col's big buffers in afresh each step (halves a conv step)
lesson = kit.start("Lesson 16: the convolutional autoencoder (im2col, output sizes, ConvTranspose2d as the "
                   "adjoint of Conv2d, a conv AE against an MLP AE)", data=True, default_data="mnist-sample")

# Quick mode: fewer training images and epochs; the checks are the same, with a weaker training threshold.
EPOCHS = lesson.pick(full=20 if lesson.args.data == "digits" else 6, quick=2)   # 8×8 digits: tiny, so more epochs
N_TRAIN = lesson.pick(full=None, quick=1000)      # None: the whole training split
BATCH, LR = 64, 5e-3

# %% [markdown]
# ## 0. Data
# The bundled MNIST sample (4000 training and 1000 held-out images, 28×28, pixels in [0, 1]). A
# convolution wants images, not rows: we reshape to (n, channels = 1, height, width), PyTorch's **NCHW**
# layout. `--data digits` runs everything at 8×8 with a smaller stack.

# %%
if lesson.args.data == "digits":
    X, y = mg.data.load_digits()
    X_train, X_test, y_train, y_test = mg.data.train_test_split(X, y, test_fraction=0.2, rng=lesson.rng,
                                                                stratify=True)
elif lesson.args.data == "mnist-sample":
    X_train, y_train, X_test, y_test = mg.data.load_mnist_sample()
else:
    X_train, y_train = mg.data.load_mnist("train", download=True)
    X_test, y_test = mg.data.load_mnist("test", download=True)
    keep = lesson.rng.permutation(len(X_train))[:8000]   # a subset keeps the lesson to about a minute
    X_train, y_train, X_test, y_test = X_train[keep], y_train[keep], X_test[:2000], y_test[:2000]
if N_TRAIN is not None:
    X_train, y_train = X_train[:N_TRAIN], y_train[:N_TRAIN]
side = int(round(np.sqrt(X_train.shape[1])))
images_train, images_test = X_train.reshape(-1, 1, side, side), X_test.reshape(-1, 1, side, side)
print(f"{lesson.args.data}: train {images_train.shape}, held out {images_test.shape} (N, C, H, W)")

# %% [markdown]
# ## 1. Local connectivity and weight sharing, counted
# Take the first layer we will train: 16 feature maps of 14×14 from one 28×28 image. A `Linear` layer
# with that many outputs needs one weight per (pixel, output) pair; a 3×3 convolution needs 16 kernels of
# 9 weights, whatever the image size.

# %%
first_layer = nn.Conv2d(1, 16, 3, stride=2, padding=1, rng=lesson.rng)
out_units = 16 * ((side + 2 - 3) // 2 + 1) ** 2
dense_weights = side * side * out_units
conv_weights = first_layer.weight.data.size
print(f"{side * side} pixels -> {out_units} units: Linear {dense_weights:,} weights, Conv2d {conv_weights} weights "
      f"(each unit sees 9 pixels; all units of a map share one kernel)")

# %% [markdown]
# ## 2. im2col: a convolution is one matrix product of patches
# Cut every k×k window the kernel visits out of the (padded) image and lay it out as one **column**:
# cols has shape (C·k·k, H_out·W_out). Then all O kernels, flattened to rows of W₂ = W.reshape(O, C·k·k),
# read all windows at once:
#
#     y = W₂ @ cols + b        (O, H_out·W_out), then reshape to (O, H_out, W_out)
#
# One large matrix product instead of a Python loop over pixels: BLAS does the work. The price is memory
# (each pixel is copied into up to k² columns). `Conv2d` does exactly this, with a compiled im2col.
#
# A worked example: a 4×4 image with a bright right-hand edge in its top three rows, and a 3×3 kernel that
# answers left-minus-right brightness. Four positions fit (stride 1, no padding), so cols is 9×4; the two
# windows on the left see no edge (0), the two on the right do. (No kernel flip: frameworks' "convolution"
# is a cross-correlation.)

# %%
def im2col_by_hand(image, k, stride, padding):
    """image (C, H, W) -> (C·k·k, H_out·W_out): one flattened k×k window per column, row-major over positions."""
    padded = np.pad(image, ((0, 0), (padding, padding), (padding, padding)))
    out_h = (image.shape[1] + 2 * padding - k) // stride + 1
    out_w = (image.shape[2] + 2 * padding - k) // stride + 1
    windows = [padded[:, i * stride:i * stride + k, j * stride:j * stride + k].ravel()
               for i in range(out_h) for j in range(out_w)]
    return np.stack(windows, axis=1), (out_h, out_w)


def conv_by_loop(image, weight, bias, stride, padding):
    """The definition, one output pixel at a time: y[o, i, j] = b[o] + Σ W[o] ⊙ window(i, j)."""
    padded = np.pad(image, ((0, 0), (padding, padding), (padding, padding)))
    k = weight.shape[-1]
    out_h = (image.shape[1] + 2 * padding - k) // stride + 1
    out_w = (image.shape[2] + 2 * padding - k) // stride + 1
    y = np.empty((len(weight), out_h, out_w))
    for o in range(len(weight)):
        for i in range(out_h):
            for j in range(out_w):
                window = padded[:, i * stride:i * stride + k, j * stride:j * stride + k]
                y[o, i, j] = bias[o] + np.sum(weight[o] * window)
    return y


tiny_image = np.array([[[1.0, 1, 1, 4], [1, 1, 1, 4], [1, 1, 1, 4], [1, 1, 1, 1]]])
edge_kernel = np.array([[[[1.0, 0.0, -1.0]] * 3]])              # (O=1, C=1, 3, 3)
cols, (out_h, out_w) = im2col_by_hand(tiny_image, 3, stride=1, padding=0)
by_matmul = (edge_kernel.reshape(1, -1) @ cols).reshape(1, out_h, out_w)
by_loop = conv_by_loop(tiny_image, edge_kernel, np.zeros(1), stride=1, padding=0)
by_package = F.conv2d(mg.tensor(tiny_image[None]), mg.tensor(edge_kernel)).numpy()[0]
print("image:\n", tiny_image[0], "\ncols (one 3×3 window per column):\n", cols)
print("W₂ @ cols =", by_matmul.ravel(), "  loop =", by_loop.ravel(), "  F.conv2d =", by_package.ravel())
lesson.checks.add("worked example: W₂ @ cols = loop = F.conv2d", float(np.abs(by_package - by_loop).max()),
                  np.array_equal(by_matmul, by_loop) and np.array_equal(by_package, by_loop))

# %% [markdown]
# The same comparison on something less friendly: 3 channels in, 4 out, 9×9 images, stride 2, padding 1,
# a bias — in float64 and in float32 (where the two orders of summation differ by rounding only).

# %%
x64 = lesson.rng.standard_normal((2, 3, 9, 9))
w64, b64 = lesson.rng.standard_normal((4, 3, 3, 3)), lesson.rng.standard_normal(4)
loop64 = np.stack([conv_by_loop(image, w64, b64, stride=2, padding=1) for image in x64])
for dtype, tolerance in ((np.float64, 1e-12), (np.float32, 1e-5)):
    package = F.conv2d(mg.tensor(x64, dtype=dtype), mg.tensor(w64, dtype=dtype), mg.tensor(b64, dtype=dtype),
                       stride=2, padding=1).numpy()
    error = float(np.abs(package - loop64).max() / np.abs(loop64).max())
    lesson.checks.add(f"F.conv2d vs loop over output pixels ({np.dtype(dtype).name}), rel", error,
                      error < tolerance)

# %% [markdown]
# ## 3. Output sizes
# A convolution fits ⌊(H + 2p − k)/s⌋ + 1 windows along an axis. A transposed convolution undoes that
# size: (H − 1)·s − 2p + k, plus `output_padding`. Why the extra term? With stride 2, both 28 and 27
# convolve down to 14 (the floor throws the difference away), so going back up is ambiguous;
# output_padding ∈ [0, s) picks which one. Our decoder uses output_padding = 1 to land on 28, not 27.

# %%
def conv_size(h, k, s, p):
    return (h + 2 * p - k) // s + 1


def conv_transpose_size(h, k, s, p, output_padding):
    return (h - 1) * s - 2 * p + k + output_padding


size_cases = []
for h, k, s, p in [(28, 3, 2, 1), (14, 3, 2, 1), (27, 3, 2, 1), (28, 5, 1, 2), (28, 4, 2, 1), (9, 3, 3, 0),
                   (8, 3, 2, 1)]:
    layer = nn.Conv2d(1, 1, k, stride=s, padding=p, rng=lesson.rng)
    got = layer(np.zeros((1, 1, h, h), np.float32)).shape[-1]
    size_cases.append((f"conv  H={h:2d} k={k} s={s} p={p}", got, conv_size(h, k, s, p)))
for h, k, s, p, op in [(7, 3, 2, 1, 1), (14, 3, 2, 1, 1), (7, 3, 2, 1, 0), (7, 4, 2, 1, 0), (5, 3, 1, 0, 0),
                       (4, 3, 3, 1, 2), (2, 3, 2, 1, 1)]:
    layer = nn.ConvTranspose2d(1, 1, k, stride=s, padding=p, output_padding=op, rng=lesson.rng)
    got = layer(np.zeros((1, 1, h, h), np.float32)).shape[-1]
    size_cases.append((f"convT H={h:2d} k={k} s={s} p={p} op={op}", got, conv_transpose_size(h, k, s, p, op)))
for name, got, formula in size_cases:
    print(f"  {name:<28} layer -> {got:2d}   formula -> {formula:2d}")
n_match = sum(got == formula for _, got, formula in size_cases)
lesson.checks.add("layer output sizes = formulas", f"{n_match}/{len(size_cases)}", n_match == len(size_cases))

# %% [markdown]
# ## 4. ConvTranspose2d is the adjoint of Conv2d
# A convolution is linear in x: y = A x for a big sparse matrix A built from W. Its transpose Aᵀ is what
# backpropagation multiplies by (∂L/∂x = Aᵀ ∂L/∂y), and it is the transposed convolution with the **same
# weight array** — read with PyTorch's layouts, W (O, C, k, k) is a conv from C to O channels and a convT
# from O back to C. The defining identity of a transpose,
#
#     ⟨A x, y⟩ = ⟨x, Aᵀ y⟩        for every x and y,
#
# is checked in float64 at the geometry of our encoder (28 → 14, so output_padding = 1 to get back 28),
# and so is the other face of it: autodiff's ∂⟨conv(x), y⟩/∂x *is* convT(y).

# %%
h_in = side
x = lesson.rng.standard_normal((2, 3, h_in, h_in))
shared_weight = lesson.rng.standard_normal((5, 3, 3, 3))      # conv: 3 -> 5 channels; convT: 5 -> 3
output_padding = (h_in + 2 * 1 - 3) % 2                        # the size the floor dropped
x_t = mg.tensor(x, requires_grad=True)
conv_x = F.conv2d(x_t, mg.tensor(shared_weight), stride=2, padding=1)
y = lesson.rng.standard_normal(conv_x.shape)
convt_y = F.conv_transpose2d(mg.tensor(y), mg.tensor(shared_weight), stride=2, padding=1,
                             output_padding=output_padding).numpy()
left, right = float(np.vdot(conv_x.numpy(), y)), float(np.vdot(x, convt_y))
adjoint_rel = abs(left - right) / abs(left)
print(f"x {x.shape} -> conv {conv_x.shape} -> convT {convt_y.shape};  ⟨conv x, y⟩ = {left:.12f}, "
      f"⟨x, convT y⟩ = {right:.12f}")
lesson.checks.add("adjoint: |⟨conv x, y⟩ − ⟨x, convT y⟩| / |⟨conv x, y⟩|", adjoint_rel,
                  convt_y.shape == x.shape and adjoint_rel < 1e-10)
(conv_x * y).sum().backward()
backward_gap = float(np.abs(x_t.grad - convt_y).max() / np.abs(convt_y).max())
lesson.checks.add("∂⟨conv x, y⟩/∂x (autodiff) = convT(y), rel", backward_gap, backward_gap < 1e-12)

# %% [markdown]
# ## 5. Gradient check of both layers
# `Conv2d`'s backward is two more matrix products next to col2im (the adjoint of im2col); `ConvTranspose2d`'s
# is the same pieces swapped. Finite differences in float64, with a random upstream gradient, over the
# input, the weight and the bias of a small layer with stride and padding.

# %%
gx, gw, gb = (lesson.rng.standard_normal(shape) for shape in [(2, 2, 6, 6), (3, 2, 3, 3), (3,)])
conv_report = mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [gx, gw, gb])
print(conv_report)
lesson.checks.add("gradcheck conv2d (x, W, b), float64", conv_report.max_rel_error,
                  conv_report.passed and conv_report.max_rel_error < 1e-8)
tx, tw, tb = (lesson.rng.standard_normal(shape) for shape in [(2, 3, 3, 3), (3, 2, 3, 3), (2,)])
convt_report = mg.gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                            [tx, tw, tb])
print(convt_report)
lesson.checks.add("gradcheck conv_transpose2d (x, W, b), float64", convt_report.max_rel_error,
                  convt_report.passed and convt_report.max_rel_error < 1e-8)

# %% [markdown]
# ## 6. The convolutional autoencoder
# Two stride-2 convolutions halve the image twice; two stride-2 transposed convolutions double it back:
#
#     28×28×1 → Conv 3×3 s2 → 14×14×32 → ReLU → Conv 3×3 s2 → 7×7×4 = code (196 numbers, linear)
#             → ConvT 3×3 s2 → 14×14×32 → ReLU → ConvT 3×3 s2 → 28×28×1 → sigmoid
#
# The code has 4 channels on a 7×7 grid: 196 numbers, a quarter of the pixels. (With 32 code channels the
# "code" would hold 1568 numbers, twice the input — a conv AE can quietly be overcomplete; count the code,
# not just the layers.) The code is left linear like the MLP's, so no code channel can die under a ReLU.
# The decoder returns logits; the loss is binary cross-entropy on them (the stable form).
#
# The MLP to compare with has the **same code size**: `Autoencoder([784, 196])`, one dense layer each way
# — every code unit connected to every pixel. (A deeper `[784, 256, 196]` costs ~2× the time per epoch and,
# when we tried it with these settings, reconstructed worse after 6 epochs — held-out MSE 0.0090 against
# 0.0040 — so the shallow one is the stronger baseline at this budget.) On 8×8 digits the stack is
# 8×8 → 4×4×16 → 2×2×4 (code 16) and back, against `Autoencoder([64, 16])` — at 8×8 the dense layers are
# small too, so the parameter gap nearly closes.

# %%
WIDTH, CODE_CHANNELS = (16, 4) if lesson.args.data == "digits" else (32, 4)
code_side = conv_size(conv_size(side, 3, 2, 1), 3, 2, 1)
code_size = CODE_CHANNELS * code_side ** 2
mlp_sizes = [side * side, code_size]


def output_padding_to(big):
    """output_padding that brings a 3×3, stride-2, padding-1 convT back to ``big`` (the size its conv started from)."""
    return big - conv_transpose_size(conv_size(big, 3, 2, 1), 3, 2, 1, 0)


class ConvAutoencoder(nn.Module):
    """z = encoder(x): (N, 1, side, side) -> (N, code_channels, side/4, side/4);  x̂ = σ(decoder(z)), x's shape."""

    def __init__(self, side, width, code_channels, rng):
        super().__init__()
        half = conv_size(side, 3, 2, 1)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, width, 3, stride=2, padding=1, rng=rng), nn.ReLU(),
            nn.Conv2d(width, code_channels, 3, stride=2, padding=1, rng=rng))
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(code_channels, width, 3, stride=2, padding=1, output_padding=output_padding_to(half),
                               rng=rng), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 3, stride=2, padding=1, output_padding=output_padding_to(side), rng=rng))

    def logits(self, x):
        return self.decoder(self.encoder(x))

    def forward(self, x):
        return self.logits(x).sigmoid()


def n_parameters(model):
    return sum(p.data.size for p in model.parameters())


conv_ae = ConvAutoencoder(side, WIDTH, CODE_CHANNELS, lesson.rng)
mlp_ae = mg.models.Autoencoder(mlp_sizes, recon="bce", rng=lesson.rng)  # sigmoid output, BCE from the logits
shape = images_test[:1].shape
print(f"conv AE shapes: input {shape}", end="")
probe = mg.tensor(images_test[:1])
for layer in [*conv_ae.encoder, *conv_ae.decoder]:
    probe = layer(probe)
    if not isinstance(layer, nn.ReLU):
        print(f" -> {type(layer).__name__} {probe.shape}", end="")
print()
n_conv, n_mlp = n_parameters(conv_ae), n_parameters(mlp_ae)
print(f"parameters: conv AE {n_conv:,}  MLP AE {mlp_sizes} {n_mlp:,}  (code size {code_size} for both)")
lesson.checks.add("conv AE output shape = input shape", str(probe.shape), probe.shape == shape)
# a dense layer grows with (pixels × code), a conv layer only with (channels × k²): the gap widens with the image
fewer_by = 20 if side >= 28 else 1
lesson.checks.add(f"conv AE parameters / MLP AE parameters (< 1/{fewer_by})", n_conv / n_mlp,
                  n_conv * fewer_by < n_mlp)

# %% [markdown]
# ## 7. Train both for the same number of epochs
# Same data, batches, optimizer (Adam) and loss (BCE on the logits). The held-out error we compare is the
# mean squared error per pixel on images neither model trained on, measured before and after training.
# (In the curves, the first epoch's held-out loss sits below its training loss: the training loss is an
# average over the epoch, most of it taken while the model was still bad.)
# Equal epochs is one fair budget; equal *seconds* is another, and they need not agree — see section 8.

# %%
def heldout_mse(model, images):
    """Mean over held-out pixels of (x − x̂)², no graph; the MLP sees rows, the conv AE images."""
    with mg.no_grad():
        inputs = images if isinstance(model, ConvAutoencoder) else images.reshape(len(images), -1)
        return float(np.mean((model(inputs).numpy().reshape(images.shape) - images) ** 2))


def conv_loss(model, xb):
    return F.binary_cross_entropy_with_logits(model.logits(xb), xb)


def mlp_loss(model, xb):
    return model.loss(xb)


results = {}
for name, model, loss_fn, train_data, test_data in [
        ("conv AE", conv_ae, conv_loss, images_train, images_test),
        ("MLP AE", mlp_ae, mlp_loss, X_train, X_test)]:
    initial = heldout_mse(model, images_test)
    optimizer = mg.optim.Adam(model.parameters(), lr=LR)
    history = mg.fit(model, loss_fn, train_data, epochs=EPOCHS, batch_size=BATCH, val=test_data,
                     optimizer=optimizer, rng=lesson.rng, progress=False)
    results[name] = dict(history=history, initial=initial, final=heldout_mse(model, images_test),
                         seconds=sum(history.time), params=n_parameters(model), optimizer=optimizer)
    r = results[name]
    print(f"{name}: {r['params']:>7,} parameters, held-out MSE {r['initial']:.4f} -> {r['final']:.4f} "
          f"in {EPOCHS} epochs, {r['seconds']:.1f} s ({r['seconds'] / EPOCHS:.2f} s/epoch)")
    lesson.record(f"{name}: parameters", r["params"])
    lesson.record(f"{name}: held-out MSE per pixel after {EPOCHS} epochs", r["final"])
    lesson.record(f"{name}: seconds per epoch (timing)", r["seconds"] / EPOCHS)
conv_r, mlp_r = results["conv AE"], results["MLP AE"]
winner = "conv AE" if conv_r["final"] < mlp_r["final"] else "MLP AE"
print(f"lower held-out error after {EPOCHS} epochs: {winner} "
      f"(conv {conv_r['final']:.4f} vs MLP {mlp_r['final']:.4f}, ratio {mlp_r['final'] / conv_r['final']:.2f})")
drop_needed = lesson.pick(full=0.25, quick=0.4)  # quick: 1000 images × 2 epochs; still a clear drop
lesson.checks.add(f"conv AE held-out MSE final / initial (< {drop_needed})", conv_r["final"] / conv_r["initial"],
                  conv_r["final"] < drop_needed * conv_r["initial"])

# %% [markdown]
# ## 8. The same budget in seconds
# Epochs are not equally expensive. The MLP's epoch is a few large dense matrix products — what BLAS does
# best. The conv AE's is im2col/col2im copies plus products of thin matrices (4 code channels; 9 taps of
# one pixel channel: little arithmetic per number moved), so its epoch is several times *slower* despite 1%
# of the weights (fewer weights ≠ fewer operations: each 3×3 kernel is applied at every position). So we
# keep training the MLP, one epoch at a time, until it has used as many seconds as the conv AE did (capped
# at 8× the epochs), and compare again. Timings are measured, so this part varies from run to run and
# machine to machine: on a machine busy with other work, large multi-threaded BLAS products suffer most,
# and the verdict can flip.

# %%
mlp_seconds, mlp_times = mlp_r["seconds"], list(np.cumsum(mlp_r["history"].time))
mlp_heldout_by_time = list(mlp_r["history"].val_loss)
while mlp_seconds < conv_r["seconds"] and len(mlp_times) < 8 * EPOCHS:
    more = mg.fit(mlp_ae, mlp_loss, X_train, epochs=1, batch_size=BATCH, val=X_test,
                  optimizer=mlp_r["optimizer"], rng=lesson.rng, progress=False)
    mlp_seconds += more.time[0]
    mlp_times.append(mlp_seconds)
    mlp_heldout_by_time.append(more.val_loss[0])
mlp_equal_time = heldout_mse(mlp_ae, images_test)
print(f"time budget: conv AE {EPOCHS} epochs in {conv_r['seconds']:.1f} s, MLP AE {len(mlp_times)} epochs in "
      f"{mlp_seconds:.1f} s; held-out MSE conv {conv_r['final']:.4f} vs MLP {mlp_equal_time:.4f} -> lower: "
      f"{'conv AE' if conv_r['final'] < mlp_equal_time else 'MLP AE'}")
lesson.record("MLP AE: epochs in the conv AE's training time (timing)", len(mlp_times))
lesson.record("MLP AE: held-out MSE per pixel at equal time (timing)", mlp_equal_time)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.plot(np.cumsum(conv_r["history"].time), conv_r["history"].val_loss, marker="o", ms=3,
        label=f"conv AE ({n_conv:,} params)")
ax.plot(mlp_times, mlp_heldout_by_time, marker="o", ms=3, label=f"MLP AE ({n_mlp:,} params)")
ax.axvline(conv_r["seconds"], color="0.5", linestyle=":", label="conv AE's training time")
ax.set_xlabel("training time (s, measured; one marker per epoch)")
ax.set_ylabel("held-out BCE per pixel")
ax.set_title("held-out loss against wall-clock time")
ax.grid(alpha=0.3)
ax.legend()
lesson.show(fig, "16_heldout_vs_time")

# %% [markdown]
# ## 9. Figures: reconstructions, training curves
# The reconstructions show both models after the same training *time* (the MLP with its extra epochs);
# the curves are the equal-epoch part.

# %%
show = images_test[:10]
with mg.no_grad():
    conv_recon = conv_ae(show).numpy()
    mlp_recon = mlp_ae(show.reshape(len(show), -1)).numpy()
mg.viz.image_grid(
    np.concatenate([show.reshape(len(show), -1), conv_recon.reshape(len(show), -1), mlp_recon]), (side, side),
    lesson.path("16_reconstructions"), row_titles=["original", f"conv AE\n{EPOCHS} epochs",
                                                   f"MLP AE\n{len(mlp_times)} epochs"],
    title=f"held-out digits and reconstructions after equal time (code size {code_size} for both)")
mg.viz.loss_curves(
    {"conv AE train": conv_r["history"].train_loss, "conv AE held-out": conv_r["history"].val_loss,
     "MLP AE train": mlp_r["history"].train_loss, "MLP AE held-out": mlp_r["history"].val_loss},
    lesson.path("16_training_curves"), title="BCE per pixel: conv AE vs MLP AE (same epochs)")

# %% [markdown]
# ## 10. What the first layer learned, and what it sees
# The first layer's 3×3 kernels are tiny pictures of what each feature map responds to: brightness
# steps in some direction, spots, or plain ink-versus-background (3×3 is too small for pretty edges).
# Each feature map is one kernel slid over the whole digit — weight sharing made visible: the same
# detector fires wherever its pattern occurs. Some maps answer the *background* (a bias above zero plus a
# negative kernel), and a map can be **dead**: a ReLU that is zero for every image passes no gradient to
# its kernel, so it never recovers. The code is still an image, 7×7 per channel: the conv AE keeps *where*
# things are, which is what lets its decoder paint strokes back in place.

# %%
with mg.no_grad():
    all_maps = conv_ae.encoder[1](conv_ae.encoder[0](images_test)).numpy()   # (n_test, WIDTH, side/2, side/2)
dead = np.flatnonzero(all_maps.max(axis=(0, 2, 3)) == 0)
print(f"first-layer maps that are zero on every held-out image (dead ReLUs): {len(dead)} of {WIDTH}, "
      f"channels {[int(k) for k in dead]}")
lesson.record("conv AE: dead first-layer maps", len(dead))

kernels = conv_ae.encoder[0].weight.numpy()[:, 0]              # (WIDTH, 3, 3)
fig, axes = plt.subplots(WIDTH // 8, 8, figsize=(8.5, 1.1 * (WIDTH // 8) + 0.7), layout="constrained")
for k, ax in enumerate(axes.ravel()):
    # each kernel divided by its own largest |weight|: what matters is its pattern, not its norm
    kernel_image = ax.imshow(kernels[k] / np.abs(kernels[k]).max(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_axis_off()
    ax.set_title(f"{k}: dead" if k in dead else f"{k}", fontsize=8, color="tab:red" if k in dead else "black")
fig.colorbar(kernel_image, ax=axes, shrink=0.8, label="weight / largest |weight|\nof its kernel")
fig.suptitle(f"the {WIDTH} learned 3×3 kernels of the first Conv2d (red > 0 > blue; \"dead\": its map is zero on "
             "every held-out image)", fontsize=10)
lesson.show(fig, "16_first_layer_filters")

digit = images_test[:1]
with mg.no_grad():
    maps1 = conv_ae.encoder[1](conv_ae.encoder[0](digit)).numpy()[0]      # after ReLU: (WIDTH, side/2, side/2)
    code = conv_ae.encoder(digit).numpy()[0]                               # (CODE_CHANNELS, side/4, side/4)
n_maps = min(16, len(maps1))
# one colour scale per kind of picture, so that maps (and code channels) compare: a map's colour is its value
maps_top = float(maps1[:n_maps].max()) or 1.0
code_top = float(np.abs(code).max()) or 1.0
fig, axes = plt.subplots(3, 8, figsize=(13, 5.6), layout="constrained")
for ax in axes.ravel():
    ax.set_axis_off()
axes[0, 0].imshow(digit[0, 0], cmap="gray", vmin=0, vmax=1)
axes[0, 0].set_title(f"input {side}×{side}\n(black 0, white 1)", fontsize=8)
for k in range(n_maps):
    ax = axes[1 + k // 8, k % 8]
    maps_image = ax.imshow(maps1[k], cmap="viridis", vmin=0, vmax=maps_top)
    if k in dead:  # an all-zero map is one flat colour: say why
        ax.set_title(f"map {k}: dead", fontsize=8, color="tab:red")
        ax.text(0.5, 0.5, f"0 on all {len(images_test):,}\nheld-out images", transform=ax.transAxes,
                ha="center", va="center", fontsize=7, color="white")
    else:
        ax.set_title(f"map {k}" + (" (0 on this digit)" if maps1[k].max() == 0 else ""), fontsize=8)
for c in range(len(code)):
    ax = axes[0, 2 + c]
    code_image = ax.imshow(code[c], cmap="RdBu_r", vmin=-code_top, vmax=code_top)
    ax.set_title(f"code channel {c}", fontsize=8)
fig.colorbar(maps_image, ax=axes[1:, :], shrink=0.9, label="feature-map value after ReLU")
fig.colorbar(code_image, cax=axes[0, 2 + len(code)].inset_axes([0.05, 0.0, 0.12, 1.0]), label="code value")
fig.suptitle(f"one held-out digit: the code channels ({code.shape[1]}×{code.shape[2]}, row 1) and the first "
             f"{n_maps} of {len(maps1)} first-layer feature maps after ReLU ({maps1.shape[1]}×{maps1.shape[2]}, rows "
             f"2–3)\none colour scale for all maps and one for all code channels; {len(dead)} of {WIDTH} maps are "
             "dead (zero on every held-out image)", fontsize=10)
lesson.show(fig, "16_feature_maps")

# %% [markdown]
# ## What held
# A convolution is one matrix product of patches and matches its definition; the layers' sizes follow
# the two formulas; the transposed convolution is exactly the adjoint of the convolution (which is why it
# is also its backward); both layers pass a float64 gradient check; and a conv AE with a few thousand
# weights learns to reconstruct held-out digits.
#
# Who wins depends on the budget, so the lesson measures both and prints both verdicts (sections 7 and 8).
# In the default run (seed 0, 4,000 images) the conv AE wins at **equal epochs**: held-out MSE 0.0026
# against 0.0040 after 6 epochs, with 1% of the parameters. At **equal time** the answer depends on the
# machine, because the two models spend their seconds so differently: in our default runs (one BLAS
# thread, a busy 2-core machine) the MLP fitted 21 epochs into the conv AE's time and won, reaching
# 0.0022; a machine that slows large BLAS products more than im2col's copies can flip that verdict.
# In `--quick` (1000 images, 2 epochs) the two tie at equal epochs (0.0344 against 0.0343), and so they
# do on the 8×8 digits (`--data digits`, 20 epochs: 0.0134 against 0.0133), where an image is too small
# for locality to buy much. Parameters are not compute. The conv AE's advantage is its assumption —
# nearby pixels matter together, and a pattern means the same thing anywhere — which holds for digits. On data
# without that structure (a table of unrelated features) the assumption would cost, not help.

# %%
lesson.finish()
