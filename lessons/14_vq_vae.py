# %% [markdown]
# # Lesson 14 — The VQ-VAE
#
# A discrete code: nearest-codebook quantisation, straight-through gradients, dead codes.
#
# A **vector-quantised** autoencoder (van den Oord et al., 2017) does not pass the encoder's output
# z_e = enc(x) ∈ ℝᵈ to the decoder. It snaps it to the nearest of K learned vectors, the **codebook**
# e₁ … e_K ∈ ℝᵈ, and decodes that:
#
#     k(x) = argminₖ ‖z_e(x) − eₖ‖²        z_q = e_k(x)        x̂ = dec(z_q)
#
# Every image is summarised by one integer k ∈ {1 … K}. The argmin has no useful derivative, so the
# loss is built from three pieces, each with its own gradient path (sg = stop-gradient, `.detach()`):
#
#     loss = reconstruction(x, dec(z_q))           decoder; encoder via the straight-through estimator
#          + ‖sg[z_e] − e_k‖²                      codebook loss: moves the codebook only
#          + β ‖z_e − sg[e_k]‖²                    commitment loss: moves the encoder only (β = 0.25)
#
# We check each piece on small arrays first — the nearest code as one matmul, the straight-through
# gradient, who receives which gradient — then train a VQ-VAE and look at how many of its K codes it
# really uses, with and without restarting the dead ones, and at what each code decodes to.

# %%
import time

import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae.models import VQVAE
from minigrad_ae.nn import Parameter
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.quantize import nearest_codes, vector_quantize

lesson = kit.start("Lesson 14: the VQ-VAE — nearest-code quantisation, the straight-through estimator, "
                   "codebook and commitment losses, dead codes", data=True)

# %% [markdown]
# ## 1. The nearest code, as one matrix product
# For N vectors and K codes the obvious way computes N·K differences of length d. Expanding the square,
#
#     ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖²
#
# turns the N × K table of squared distances into one matmul z Eᵀ plus two vectors of norms — what
# `nearest_codes` does. We compare it with a plain double loop on a few vectors.

# %%
z_small, codebook_small = lesson.rng.normal(size=(6, 3)), lesson.rng.normal(size=(5, 3))
loop_distances = np.empty((6, 5))
for n in range(6):  # brute force: one difference vector per (vector, code) pair
    for k in range(5):
        loop_distances[n, k] = np.sum((z_small[n] - codebook_small[k]) ** 2)
matmul_distances = ((z_small ** 2).sum(axis=1, keepdims=True) - 2 * z_small @ codebook_small.T
                    + (codebook_small ** 2).sum(axis=1))
print("squared distances, loop (rows: vectors, columns: codes):\n", np.round(loop_distances, 3))
print("nearest code by loop:         ", loop_distances.argmin(axis=1))
print("nearest code by nearest_codes:", nearest_codes(z_small, codebook_small))
lesson.checks.add("‖z‖² − 2z·e + ‖e‖² = loop distances (max abs diff)",
                  float(np.abs(matmul_distances - loop_distances).max()),
                  np.allclose(matmul_distances, loop_distances, rtol=0, atol=1e-12))
lesson.checks.add("nearest_codes = brute-force argmin (6 vectors)", "identical",
                  np.array_equal(nearest_codes(z_small, codebook_small), loop_distances.argmin(axis=1)))

# the same on a batch the size of training: here the (N, K, d) difference array would be the cost
z_big, codebook_big = lesson.rng.normal(size=(2000, 8)), lesson.rng.normal(size=(64, 8))


def best_time(fn, repeats=5):
    """Fastest of a few runs, in ms: the machine is shared, the minimum is the least disturbed."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, 1e3 * min(times)


broadcast_nearest, t_broadcast = best_time(
    lambda: ((z_big[:, None, :] - codebook_big[None]) ** 2).sum(axis=-1).argmin(axis=1))
matmul_nearest, t_matmul = best_time(lambda: nearest_codes(z_big, codebook_big))
print(f"2000 vectors × 64 codes, d = 8 (best of 5): (N, K, d) differences {t_broadcast:.1f} ms, "
      f"one matmul {t_matmul:.1f} ms")
lesson.checks.add("nearest_codes = broadcast argmin (2000 vectors)", "identical",
                  np.array_equal(broadcast_nearest, matmul_nearest))

# %% [markdown]
# ## 2. The straight-through estimator
# As z_e moves a little, the chosen code does not change, so z_q = e_k does not move at all: the true
# derivative ∂z_q/∂z_e is **zero** almost everywhere (and undefined where the choice flips). Backprop
# through it would tell the encoder nothing. The straight-through estimator pretends the quantiser is
# the identity on the way back:
#
#     forward: z_q = e_k          backward: ∂L/∂z_e := ∂L/∂z_q     (the one-liner: z_q = z_e + sg[e_k − z_e])
#
# The decoder's gradient at z_q says which direction of code space would lower the loss; z_e sits close
# to z_q (the commitment loss sees to that), so it is a sensible direction for z_e too.
#
# We put a small random "decoder" L = Σ v ⊙ tanh(z_q W) after the quantiser, so the gradient arriving
# at z_q is not a constant, and compare it with what reaches z_e. Finite differences show the other side:
# the true derivative of L with respect to z_e is zero.

# %%
z_e0 = lesson.rng.normal(size=(8, 3))
codebook0 = lesson.rng.normal(size=(5, 3))
W_toy, v_toy = lesson.rng.normal(size=(3, 4)), lesson.rng.normal(size=(8, 4))


def toy_decoder_loss(z_q):
    return ((z_q @ W_toy).tanh() * v_toy).sum()


z_e = mg.tensor(z_e0, requires_grad=True)
codebook = Parameter(codebook0)
q = vector_quantize(z_e, codebook)
toy_decoder_loss(q.z_q).backward()
print("gradient arriving at z_q (first 2 rows):\n", np.round(q.z_q.grad[:2], 4))
print("gradient reaching z_e   (first 2 rows):\n", np.round(z_e.grad[:2], 4))
(true_derivative,) = mg.numerical_grad(lambda z: toy_decoder_loss(vector_quantize(z, codebook0).z_q), [z_e0])
lesson.checks.add("straight-through: ∂L/∂z_e = ∂L/∂z_q exactly (max abs diff)",
                  float(np.abs(z_e.grad - q.z_q.grad).max()),
                  np.array_equal(z_e.grad, q.z_q.grad))
lesson.checks.add("true ∂L/∂z_e by finite differences is zero (max abs)", float(np.abs(true_derivative).max()),
                  np.all(true_derivative == 0))
lesson.checks.add("decoder path gives the codebook no gradient", "grad is None", codebook.grad is None)

# %% [markdown]
# ## 3. Codebook loss and commitment loss: who gets which gradient
# The decoder path never reaches the codebook, so something else must move it. Both VQ terms measure the
# same distance ‖z_e − e_k‖², but each stops the gradient on one side:
#
#     codebook loss   (1/N) Σₙ ‖sg[z_e,n] − e_kₙ‖²   ∂/∂eₖ = (2/N) Σ_{n: kₙ = k} (eₖ − z_e,n),  ∂/∂z_e = 0
#     commitment loss (β/N) Σₙ ‖z_e,n − sg[e_kₙ]‖²   ∂/∂z_e,n = (2β/N) (z_e,n − e_kₙ),       ∂/∂e = 0
#
# The first pulls each *used* code towards the mean of the encodings that chose it (a k-means step); a
# code no vector chooses gets exactly zero — remember that for section 5. The second keeps the encoder's
# outputs from running away from the codebook. We write both with `.detach()` by hand, compare with
# `vector_quantize`, and check each gradient against its formula — and that the other side gets nothing.

# %%
BETA = 0.25
z_e = mg.tensor(z_e0, requires_grad=True)
codebook = Parameter(codebook0)
q = vector_quantize(z_e, codebook, beta=BETA)
chosen = codebook[q.indices]
N = len(z_e0)
codebook_loss_by_hand = ((z_e.detach() - chosen) ** 2).sum() / N
commitment_by_hand = BETA * ((z_e - chosen.detach()) ** 2).sum() / N
print(f"codes chosen: {q.indices}, counts per code {q.counts}")
print(f"codebook loss: by hand {codebook_loss_by_hand.item():.12f}, vector_quantize {q.codebook_loss.item():.12f}")
print(f"commitment:    by hand {commitment_by_hand.item():.12f}, vector_quantize {q.commitment_loss.item():.12f}")
lesson.checks.add("codebook + commitment losses with .detach() = package",
                  abs(codebook_loss_by_hand.item() - q.codebook_loss.item()) + abs(commitment_by_hand.item()
                                                                                  - q.commitment_loss.item()),
                  np.isclose(codebook_loss_by_hand.item(), q.codebook_loss.item(), rtol=1e-12)
                  and np.isclose(commitment_by_hand.item(), q.commitment_loss.item(), rtol=1e-12))

# the codebook loss alone: only the codebook moves, each used row towards its encodings
q.codebook_loss.backward()
hand_codebook_grad = np.zeros_like(codebook0)
np.add.at(hand_codebook_grad, q.indices, codebook0[q.indices] - z_e0)  # each code sums over its vectors
hand_codebook_grad *= 2 / N
codebook_error = mg.relative_error(hand_codebook_grad, codebook.grad)
print("∂codebook_loss/∂codebook (rows = codes):\n", np.round(codebook.grad, 4))
lesson.checks.add("codebook loss: autodiff ∂/∂e = (2/N)Σ(e − z_e) rel err", codebook_error,
                  codebook_error < 1e-12)
lesson.checks.add("codebook loss: encoder gets no gradient", "grad is None", z_e.grad is None)
unused = q.counts == 0
lesson.checks.add("codebook loss: unused codes get exactly zero", f"{unused.sum()} unused",
                  unused.any() and np.all(codebook.grad[unused] == 0))

# the commitment loss alone: only the encoder output moves, towards its chosen code
z_e = mg.tensor(z_e0, requires_grad=True)
codebook = Parameter(codebook0)
q = vector_quantize(z_e, codebook, beta=BETA)
q.commitment_loss.backward()
commitment_error = mg.relative_error(2 * BETA / N * (z_e0 - codebook0[q.indices]), z_e.grad)
lesson.checks.add("commitment: autodiff ∂/∂z_e = (2β/N)(z_e − e_k) rel err", commitment_error,
                  commitment_error < 1e-12)
lesson.checks.add("commitment: codebook gets no gradient", "grad is None", codebook.grad is None)

# %% [markdown]
# Finite differences cannot see stop-gradients: numerically, both VQ terms are the same function
# ‖z_e − e‖² of both arguments. So the numerical gradient of the codebook loss with respect to the
# codebook matches autodiff (that side is not stopped), while its numerical gradient with respect to z_e
# is the mirror image, −∂/∂e gathered per vector — a gradient autodiff deliberately throws away.

# %%
numeric_ze, numeric_cb = mg.numerical_grad(lambda z, cb: vector_quantize(z, cb, BETA).codebook_loss,
                                           [z_e0, codebook0])
numeric_error = mg.relative_error(numeric_cb, hand_codebook_grad)
lesson.checks.add("codebook loss: finite differences ∂/∂e = formula rel err", numeric_error, numeric_error < 1e-8)
lesson.checks.add("finite differences see a z_e gradient that sg[·] removes (max abs)",
                  float(np.abs(numeric_ze).max()), np.abs(numeric_ze).max() > 1e-3)

# %% [markdown]
# ## 4. Training a VQ-VAE
# The data: the bundled 8×8 digits (split 80/20; the sizes are printed below) by default, the 5,000-image
# MNIST sample with `--data mnist-sample`, or full MNIST with `--data mnist` (downloaded once; 10,000
# random training images). The model is `VQVAE`: an MLP encoder to z_e ∈ ℝᵈ, a codebook of K rows,
# an MLP decoder with a Bernoulli (BCE) output, Adam. Its loss averages the reconstruction BCE over the
# pixels, so that β = 0.25 keeps the paper's balance against the VQ terms (the module docstring says why);
# we report the BCE per image (the sum over pixels) to compare with the other lessons.
#
# We train **two** copies from the same initial weights: one plain, and one that after every epoch
# moves each code that no training image chose onto the encoding of a random training image
# (`restart_dead_codes`). After every epoch we record the held-out BCE, the two VQ terms and the codebook
# **perplexity** exp(−Σₖ pₖ log pₖ), pₖ = share of images choosing code k: the effective number of codes
# in use (1 if every image picks the same code, K if all codes are used equally).

# %%
SETTINGS = {  # hidden widths, code dimension d, codebook size K, epochs (default, quick), learning rate
    "digits": dict(hidden=[64], d=4, K=64, epochs=(30, 8), lr=2e-3, shape=(8, 8)),
    # 784 pixels: a wider encoder and code; 6 epochs keep the run short
    "mnist-sample": dict(hidden=[256], d=8, K=64, epochs=(6, 3), lr=1e-3, shape=(28, 28)),
    "mnist": dict(hidden=[256], d=8, K=64, epochs=(6, 3), lr=1e-3, shape=(28, 28)),
}
setting = SETTINGS[lesson.args.data]
X_train, y_train, X_test, y_test = kit.load_lesson_data(lesson.args.data, lesson.rng)
if lesson.args.data == "mnist":
    X_test, y_test = X_test[:2000], y_test[:2000]
if lesson.args.quick and lesson.args.data != "digits":
    X_train, y_train, X_test, y_test = X_train[:1000], y_train[:1000], X_test[:500], y_test[:500]

SHAPE, N_PIXELS, K = setting["shape"], X_train.shape[1], setting["K"]
EPOCHS = lesson.pick(full=setting["epochs"][0], quick=setting["epochs"][1])
BATCH = 64
print(f"{lesson.args.data}: {len(X_train)} training, {len(X_test)} held-out images of {N_PIXELS} pixels; VQ-VAE "
      f"{N_PIXELS}-{'-'.join(map(str, setting['hidden']))}-{setting['d']}, K = {K} codes, {EPOCHS} epochs")


def heldout_terms(model, X):
    """Held-out BCE per image (summed over pixels), the two VQ terms, perplexity and code counts; no graph."""
    with mg.no_grad():
        q = model.quantize(model.encode(X))
        bce = F.binary_cross_entropy_with_logits(model.decoder(q.z_q), X).item() * X.shape[1]
    return dict(bce=bce, codebook=q.codebook_loss.item(), commitment=q.commitment_loss.item(),
                perplexity=q.perplexity, used=int(np.count_nonzero(q.counts)))


def train_vqvae(model, restart):
    """Train, recording after every epoch; restart dead codes between epochs when asked. Per-epoch records."""
    records, restarted = [heldout_terms(model, X_test)], []

    def after_epoch(model, history):
        records.append(heldout_terms(model, X_test) | {"train": history.train_loss[-1]})
        if restart and history.epochs < EPOCHS:  # between epochs, never after the last: the final usage is its own
            restarted.append(model.restart_dead_codes(X_train, lesson.rng))

    mg.fit(model, X=X_train, epochs=EPOCHS, batch_size=BATCH, optimizer=mg.optim.Adam(model.parameters(),
           lr=setting["lr"]), progress=False, rng=lesson.rng, on_epoch=after_epoch)
    return records, restarted


plain = VQVAE(N_PIXELS, setting["hidden"], setting["d"], K, rng=lesson.rng)
with_restarts = VQVAE(N_PIXELS, setting["hidden"], setting["d"], K, rng=lesson.rng)
with_restarts.load_state_dict(plain.state_dict())  # the same start: the only difference is the restarts

# %% [markdown]
# Before training, the same gradient bookkeeping inside the real model, on one batch: the reconstruction
# term alone reaches the decoder and (straight through) the encoder, never the codebook; with the whole
# loss, the codebook's gradient is exactly that of the codebook loss.

# %%
x_batch = X_train[:BATCH]
q = plain.quantize(plain.encode(x_batch))
F.binary_cross_entropy_with_logits(plain.decoder(q.z_q), x_batch).backward()
encoder_grad_norm = float(np.linalg.norm(plain.encoder[0].weight.grad))
lesson.checks.add("model: reconstruction term gives the codebook no gradient", "grad is None",
                  plain.codebook.grad is None and encoder_grad_norm > 0)
plain.zero_grad()
q = plain.quantize(plain.encode(x_batch))
q.codebook_loss.backward()
codebook_grad_alone = plain.codebook.grad.copy()
plain.zero_grad()
plain.loss(x_batch).backward()
lesson.checks.add("model: codebook grad of the whole loss = of the codebook loss (max abs diff)",
                  float(np.abs(plain.codebook.grad - codebook_grad_alone).max()),
                  np.array_equal(plain.codebook.grad, codebook_grad_alone))
plain.zero_grad()

# %%
runs = {}
for name, model, restart in [("no restarts", plain, False), ("dead-code restarts", with_restarts, True)]:
    t0 = time.perf_counter()
    records, restarted = train_vqvae(model, restart)
    runs[name] = records
    first, last = records[0], records[-1]
    print(f"{name:>18}: held-out BCE/image {first['bce']:6.1f} → {last['bce']:5.1f}, codes used "
          f"{first['used']:2d} → {last['used']:2d} of {K}, perplexity {first['perplexity']:4.1f} → "
          f"{last['perplexity']:4.1f}  ({time.perf_counter() - t0:.1f} s)")
    print(f"{'':>20}held-out perplexity after each epoch: "
          + " ".join(f"{r['perplexity']:.0f}" for r in records[1:]))
    if restart:
        print(f"{'':>20}dead codes restarted before each epoch: {restarted}")
    lesson.record(f"held-out perplexity, {name}", last["perplexity"])
    lesson.record(f"codes used on held-out images, {name}", last["used"])
    lesson.record(f"held-out BCE per image, {name}", last["bce"])

# %%
for name, records in runs.items():
    lesson.checks.add(f"{name}: held-out BCE/image falls (epoch 0 → {EPOCHS})",
                      f"{records[0]['bce']:.1f} → {records[-1]['bce']:.1f}",
                      records[-1]["bce"] < 0.7 * records[0]["bce"])
# only for the restarted model: without restarts, on the MNIST sample with --quick (3 epochs), the plain model
# collapsed onto a single code and its training loss *rose* after epoch 1 (measured 1.28 → 2.01)
restarted_records = runs["dead-code restarts"]
lesson.checks.add(f"dead-code restarts: training loss falls (epoch 1 → {EPOCHS})",
                  f"{restarted_records[1]['train']:.3f} → {restarted_records[-1]['train']:.3f}",
                  restarted_records[-1]["train"] < restarted_records[1]["train"])
# measured on digits, seeds 0–3: 30 epochs, held-out perplexity 47–52 with restarts, 21–33 without;
# --quick (8 epochs) 39–44 with, 4–8 without. MNIST thresholds are looser: not measured over seeds.
perplexity_needed = lesson.pick(full={"digits": 40}.get(lesson.args.data, 10),
                                quick={"digits": 20}.get(lesson.args.data, 3))
restarted_perplexity, plain_perplexity = (runs[n][-1]["perplexity"] for n in ("dead-code restarts", "no restarts"))
lesson.checks.add(f"restarts: held-out perplexity > {perplexity_needed} of K = {K}", restarted_perplexity,
                  restarted_perplexity > perplexity_needed)
lesson.checks.add("restarts use more codes: perplexity with / without",
                  f"{restarted_perplexity:.1f} / {plain_perplexity:.1f}",
                  restarted_perplexity > 1.2 * plain_perplexity)
lesson.record("codebook size K", K)

# %% [markdown]
# In the default run (digits, seed 0) the two models end with the same held-out BCE, about 21 nats per
# image against 44 for the untrained one (64 · log 2: every pixel predicted 0.5). They differ in how they
# use the codebook. The plain model first collapses — two epochs in, its perplexity falls to about 2: nearly
# every image picks the same couple of codes — and then wins codes back only slowly, about one per epoch,
# as the moving encodings drift past dead ones: ~33 effective codes after 30 epochs. The restarted model
# revives 46, then 37 dead codes after its first two epochs and stays between 38 and 48 from epoch 4 on
# (the per-epoch perplexities are printed above). With `--data mnist-sample` (784-256-8, K = 64, 6 epochs,
# seed 0) the lesson prints the same story faster: without restarts the perplexity drops to 1 after the
# first epoch and climbs back to 10 (18 codes in use), with restarts it reaches 43 (61 codes in use).
#
# ## 5. Dead codes: the usage histogram
# The codebook starts as tiny random vectors (±1/K) while the untrained encoder's outputs are spread far
# wider, so at first a handful of codes are nearest to everything (measured above: the untrained model
# uses a few of its 64 codes). Section 3 showed what follows: the codebook loss moves only codes that were
# chosen. A code that no image picks gets no gradient, never moves, and stays dead for good — unless the
# encodings happen to wander past it. Restarting puts each dead code *on* a real encoding, where at least
# that image picks it, and the codebook loss takes over from there.
#
# Below: how many training images choose each code at the end, codes sorted from most to least used.

# %%
usage = {name: model.codebook_usage(X_train) for name, model in
         [("no restarts", plain), ("dead-code restarts", with_restarts)]}
fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, (name, counts), colour in zip(axes, usage.items(), ["tab:red", "tab:blue"]):
    share = counts / counts.sum()
    train_perplexity = float(np.exp(-(share[share > 0] * np.log(share[share > 0])).sum()))
    ax.bar(np.arange(K), np.sort(counts)[::-1], color=colour, width=0.85)
    ax.axhline(len(X_train) / K, color="k", ls="--", lw=1, label=f"uniform use: {len(X_train) / K:.0f} images per code")
    ax.set(xlabel=f"code, sorted by use (K = {K})", ylabel="training images choosing it",
           title=f"{name}: {np.count_nonzero(counts)} of {K} codes used, perplexity {train_perplexity:.1f}")
    ax.legend(fontsize=9)
fig.suptitle(f"VQ-VAE on {lesson.args.data} after {EPOCHS} epochs: codebook usage on the training set")
lesson.show(fig, "14_codebook_usage")

# %% [markdown]
# ## 6. Reconstructions, and what each code means
# Each reconstruction is the decoder's image of the one code its input chose, so a VQ-VAE with K codes can
# draw at most K different images: it is a learned K-way clustering of the data (its reconstructions can
# at best match k-means with K centroids). More codes in use means finer clusters.

# %%
N_SHOW = 12
with mg.no_grad():
    recon_restart = with_restarts(X_test[:N_SHOW]).data
    recon_plain = plain(X_test[:N_SHOW]).data
    chosen_codes = with_restarts.quantize(with_restarts.encode(X_test[:N_SHOW])).indices
print("codes chosen by the first held-out images (restarted model):", chosen_codes)
mg.viz.image_grid(np.concatenate([X_test[:N_SHOW], recon_restart, recon_plain]), SHAPE,
                  lesson.path("14_reconstructions"), nrow=N_SHOW,
                  row_titles=["held-out x", "with restarts", "no restarts"],
                  title=f"VQ-VAE on {lesson.args.data}: held-out digits and "
                        r"$\mathrm{decode}(e_{k(x)})$" f", K = {K}")

# %% [markdown]
# The 8×8 reconstructions keep each digit's rough shape — a 0's ring, the bar of a 1, a 6's loop — but
# not its details: every input that chose code k gets the very same image back, the decoder's best
# average for that cluster. Without restarts two codes end up shared by 120 training images each, so more
# digits come back as the same blurred compromise.
#
# Decoding the codebook rows themselves shows the whole vocabulary at once: decode(eₖ) for every k. Over
# each one: how many training images chose it, and the digit label most common among them (labels the
# model never saw).

# %%
with mg.no_grad():
    decoded_codes = with_restarts.decode(with_restarts.codebook.data).data
    train_codes = with_restarts.quantize(with_restarts.encode(X_train)).indices
order = np.argsort(-usage["dead-code restarts"], kind="stable")
n_cols, (h, w) = 8, SHAPE
n_rows = int(np.ceil(K / n_cols))
gap, text_gap = 1, int(np.ceil(0.35 * h))  # room above each tile for its caption
# one mosaic and one imshow: 64 separate subplots take seconds to draw
mosaic = np.full((n_rows * (h + text_gap) , n_cols * (w + gap) - gap), np.nan)
captions, purities = [], []
for i, k in enumerate(order):
    r, c = divmod(i, n_cols)
    top, left = r * (h + text_gap) + text_gap, c * (w + gap)
    mosaic[top:top + h, left:left + w] = decoded_codes[k].reshape(SHAPE)
    members = y_train[train_codes == k]
    if len(members):
        label, votes = np.unique(members, return_counts=True)
        purities.append((votes.max(), len(members)))
        captions.append((left + w / 2, top, f"n={len(members)}: {label[votes.argmax()]} "
                                            f"{votes.max() / len(members):.0%}"))
    else:
        captions.append((left + w / 2, top, "n=0 (dead)"))
fig, ax = plt.subplots(figsize=(1.4 * n_cols, 1.65 * n_rows + 0.5))
ax.imshow(mosaic, cmap=plt.get_cmap("gray").with_extremes(bad="white"), vmin=0, vmax=1, interpolation="nearest")
for x_text, y_text, text in captions:
    ax.text(x_text, y_text - 0.6, text, ha="center", va="bottom", fontsize=8)
ax.set_axis_off()
ax.set_title(f"decode(eₖ) for all K = {K} codes (restarted model), most used first; above each:\n"
             "training images choosing it, their most common digit and its share", fontsize=10)
lesson.show(fig, "14_decoded_codes")
purity = sum(v for v, _ in purities) / sum(n for _, n in purities)
print(f"label purity of the codes (share of training images whose code's majority digit is their own): "
      f"{purity:.1%}; chance would be about 10%")
# measured on digits, seeds 0–3: 81–85% (quick 60–72%); the MNIST sample, seed 0: 56% (quick, 3 epochs: 32%)
purity_needed = lesson.pick(full=0.7, quick=0.5) if lesson.args.data == "digits" else lesson.pick(full=0.3, quick=0.2)
lesson.checks.add(f"codes group digits: label purity of the codes (> {purity_needed:.0%}; chance ~10%)",
                  f"{purity:.1%}", purity > purity_needed)
lesson.record("label purity of the codes, dead-code restarts", purity)

# %% [markdown]
# The most used codes are clean prototypes of one digit (a 6, a 0, a 7, a 4, each chosen by 40–70
# images, nearly all of that digit); further down come codes shared by look-alikes (3/5/8/9, 1/7) and a
# few rare codes for unusual writings. No label was used in training: with one integer per image, the
# cheapest way to reconstruct well is to give each common way of writing a digit its own code.
#
# ## 7. The training curves
# Held-out BCE per image, the effective number of codes in use, and the mean squared distance between
# each encoding and its code, per epoch. (The two VQ terms have the same value up to the factor β: they
# differ only in where the gradient stops.)

# %%
fig, (ax_bce, ax_perp, ax_vq) = plt.subplots(1, 3, figsize=(15, 4.2))
epochs = np.arange(EPOCHS + 1)
for (name, records), colour in zip(runs.items(), ["tab:red", "tab:blue"]):
    ax_bce.plot(epochs, [r["bce"] for r in records], marker="o", ms=3, color=colour, label=name)
    ax_perp.plot(epochs, [r["perplexity"] for r in records], marker="o", ms=3, color=colour, label=name)
    ax_vq.plot(epochs, [r["codebook"] for r in records], marker="o", ms=3, color=colour, label=name)
ax_bce.set(xlabel="epoch (0 = untrained)", ylabel="held-out BCE per image (nats)", title="reconstruction error")
ax_perp.axhline(K, color="k", ls=":", lw=1, label=f"K = {K} (all codes, equally)")
ax_perp.set(xlabel="epoch (0 = untrained)", ylabel="perplexity exp(H) of held-out code use",
            title="effective number of codes in use")
ax_vq.set(xlabel="epoch (0 = untrained)", ylabel=r"held-out mean $\|z_e - e_k\|^2$ (log scale)", yscale="log",
          title="codebook loss (commitment loss = β × this)")
for ax in (ax_bce, ax_perp, ax_vq):
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
lesson.show(fig, "14_training_curves")

# %% [markdown]
# In the default run the reconstruction curves meet by the end, the perplexity curves do not, and the
# encodings settle at a mean squared distance of about 0.05 from their codes once the commitment term has
# pulled them in.
#
# ## What held
# The nearest code is one matmul away and agrees with brute force. The argmin's true derivative is zero,
# and the straight-through estimator hands the decoder's gradient to the encoder unchanged. The codebook
# loss moves only the codebook (and only the codes in use), the commitment loss only the encoder; the
# decoder never reaches the codebook. Trained, the VQ-VAE summarises each digit by one of K integers —
# and keeps most of its K codes alive only when dead codes are restarted.

# %%
lesson.finish()
