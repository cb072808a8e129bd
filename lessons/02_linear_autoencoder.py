# %% [markdown]
# # Lesson 2 — The linear autoencoder
#
# A linear autoencoder learns PCA's subspace, but not PCA's axes.
#
# Take the activations out of an autoencoder and what is left is two matrices. With n inputs and a
# code of k < n numbers (column vectors, as in the formulas):
#
#     encoder   z = W1 x + b1          W1 (k × n), b1 (k)
#     decoder   x̂ = W2 z + b2          W2 (n × k), b2 (n)
#     loss      L = ½ ‖x − x̂‖²         summed over the samples of a batch
#
# Whatever the weights, x̂ = b2 + W2 z lies in a k-dimensional flat (affine) subspace of the
# n-dimensional input space. The best such subspace is known in closed form: **PCA** keeps the top k
# principal directions, and by the Eckart–Young theorem no rank-k affine map reconstructs the data with
# a smaller squared error. So gradient descent on L can reach PCA's error, but never go below it.
#
# This lesson derives the gradients by hand and checks them three ways, trains a linear autoencoder on
# the 8×8 digits, and holds it against PCA: same error, same subspace — but different axes.

# %%
import numpy as np

import minigrad_ae as mg
from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt
from minigrad_ae.models import LinearAutoencoder, pca, subspace_alignment

lesson = kit.start("Lesson 2: the linear autoencoder — hand-derived gradients, PCA's optimum, "
                   "the principal subspace, and why the weights are not the principal components", data=True)

# %% [markdown]
# ## 1. The gradients, by hand
# One sample, column vectors. Call the reconstruction error e = x̂ − x, so L = ½ eᵀe and a small change
# of the weights changes the loss by dL = eᵀ dx̂. Differentiate the two layers:
#
#     x̂ = W2 z + b2    →   dx̂ = dW2 z + W2 dz + db2
#     z  = W1 x + b1    →   dz = dW1 x + db1
#
#     dL = eᵀ dW2 z  +  eᵀ db2  +  (W2ᵀ e)ᵀ dW1 x  +  (W2ᵀ e)ᵀ db1
#
# A term eᵀ A z = Σᵢⱼ eᵢ Aᵢⱼ zⱼ says that ∂L/∂Aᵢⱼ = eᵢ zⱼ, i.e. ∂L/∂A = e zᵀ. So
#
#     ∂L/∂W2 = e zᵀ          (n × k)          ∂L/∂b2 = e
#     ∂L/∂W1 = (W2ᵀ e) xᵀ    (k × n)          ∂L/∂b1 = W2ᵀ e
#
# W2ᵀ e is the error carried back to the code — backpropagation in one line — and both weight gradients
# have the same form: (error at the layer's output) × (the layer's input)ᵀ.
#
# **Onto the package's weights.** `Linear(n_in, n_out).weight` has shape (out, in): the encoder's is
# (k, n) = W1 and the decoder's is (n, k) = W2, so the formulas land on them with no transposes.
#
# **Batches.** The package feeds samples as rows, X (B × n), and L sums over the samples, so every
# gradient is a sum of the per-sample ones. With codes Z (B × k) and errors E = X̂ − X (B × n), the sums
# of outer products are matrix products: Σᵢ eᵢ zᵢᵀ = Eᵀ Z, and row i of E W2 is (W2ᵀ eᵢ)ᵀ:
#
#     ∂L/∂W2 = Eᵀ Z      ∂L/∂b2 = Σᵢ eᵢ (column sums of E)
#     ∂L/∂W1 = (E W2)ᵀ X ∂L/∂b1 = column sums of E W2
#
# `LinearAutoencoder.closed_form_grads(X)` implements this matrix form (`reduction="mean"` divides it by
# B). Below we write the per-sample column formulas in a loop, sum them, and compare with it; then with
# `backward()`; then with central differences.

# %%
n_small, k_small, batch_small = 6, 3, 5
small = LinearAutoencoder(n_small, k_small, rng=lesson.rng, dtype=np.float64)  # float64: a gradient check needs it
X_small = lesson.rng.standard_normal((batch_small, n_small))
W1, b1 = small.encoder.weight.data, small.encoder.bias.data
W2, b2 = small.decoder.weight.data, small.decoder.bias.data
print(f"encoder.weight {W1.shape} = W1 (k × n),  decoder.weight {W2.shape} = W2 (n × k)")

# the column formulas, one sample at a time, summed over the batch
by_hand = {name: np.zeros_like(p.data) for name, p in small.named_parameters()}
for x in X_small:
    z = W1 @ x + b1
    e = (W2 @ z + b2) - x
    back = W2.T @ e                                  # the error carried back to the code
    by_hand["decoder.weight"] += np.outer(e, z)
    by_hand["decoder.bias"] += e
    by_hand["encoder.weight"] += np.outer(back, x)
    by_hand["encoder.bias"] += back

closed = small.closed_form_grads(X_small)            # the batch (matrix) form, from the package

small.zero_grad()
small.loss(X_small).backward()
autodiff = {name: p.grad.copy() for name, p in small.named_parameters()}

# %% [markdown]
# **The finite-difference step.** Lesson 1 chose ε ≈ 1e-6 as the float64 sweet spot between truncation
# and rounding error. Here we can do better: x̂ is affine in any *single* weight (the others held fixed),
# so L is a quadratic in it, and the central difference of a quadratic is exact — no truncation error
# at all. A large ε = 1e-3 then only shrinks the rounding error.

# %%
names = [name for name, _ in small.named_parameters()]
numeric = dict(zip(names, mg.numerical_grad(lambda *params: small.loss(X_small), small.parameters(), eps=1e-3)))

print(f"\n{'parameter':<16}{'shape':>9}{'hand-loop vs closed':>21}{'closed vs autodiff':>20}"
      f"{'closed vs numeric':>19}{'autodiff vs numeric':>21}")
worst = {"hand": 0.0, "closed-auto": 0.0, "closed-num": 0.0, "auto-num": 0.0}
for name in names:
    pairs = {"hand": (by_hand, closed), "closed-auto": (closed, autodiff),
             "closed-num": (closed, numeric), "auto-num": (autodiff, numeric)}
    errs = {key: mg.relative_error(a[name], b[name]) for key, (a, b) in pairs.items()}
    worst = {key: max(worst[key], errs[key]) for key in worst}
    print(f"{name:<16}{str(closed[name].shape):>9}{errs['hand']:>21.1e}{errs['closed-auto']:>20.1e}"
          f"{errs['closed-num']:>19.1e}{errs['auto-num']:>21.1e}")
lesson.checks.add("per-sample column formulas summed = batch closed form", worst["hand"], worst["hand"] < 1e-12)
lesson.checks.add("closed form vs autodiff: max rel err", worst["closed-auto"], worst["closed-auto"] < 1e-9)
lesson.checks.add("closed form vs numerical_grad: max rel err", worst["closed-num"], worst["closed-num"] < 1e-9)
lesson.checks.add("autodiff vs numerical_grad: max rel err", worst["auto-num"], worst["auto-num"] < 1e-9)

# %% [markdown]
# ## 2. The data and PCA, the answer in closed form
# PCA centres the data (mean μ) and takes the SVD Xc = U S Vᵀ. The top k rows of Vᵀ are the principal
# directions (`components`), λᵢ = sᵢ² / N are the variances along them (`explained_variance`), and the
# best rank-k reconstruction x̂ = μ + Cᵀ C (x − μ) leaves exactly the discarded variance:
#
#     L* = ½ Σ_{i>k} sᵢ² = ½ N Σ_{i>k} λᵢ          (`optimal_error`, same ½ Σ ‖x − x̂‖² as the AE's loss)

# %%
# k is chosen where the eigenvalues have a clear gap (λ_k well above λ_{k+1}): see sections 3 and 4
if lesson.args.data == "digits":
    X, _ = mg.data.load_digits()
    image_shape, k, lr, batch_size, epochs, quick_epochs = (8, 8), 5, 0.05, 450, 300, 100
elif lesson.args.data == "mnist-sample":
    X, _, _, _ = mg.data.load_mnist_sample()
    image_shape, k, lr, batch_size, epochs, quick_epochs = (28, 28), 6, 0.01, 500, 250, 60
else:  # full MNIST, only when asked for (downloaded once); its first 10,000 training images keep this quick
    X, _ = mg.data.load_mnist("train", download=True)
    X = X[:10000]
    image_shape, k, lr, batch_size, epochs, quick_epochs = (28, 28), 6, 0.01, 500, 100, 25
epochs = lesson.pick(full=epochs, quick=quick_epochs)
n_samples, n_features = X.shape
print(f"{lesson.args.data}: {n_samples} images of {n_features} pixels, code size k = {k}")

result = pca(X, k)
print(result)
print("largest eigenvalues λᵢ:", np.round(result.explained_variance[:k + 3], 3))
# the reconstruction error of PCA's own projection, measured: it must be the formula above
pca_error = 0.5 * np.sum((X.astype(np.float64) - result.reconstruct(X)) ** 2)
print(f"PCA's optimum L* = {result.optimal_error:.2f}; measured ½ Σ ‖x − reconstruct(x)‖² = {pca_error:.2f}")
lesson.checks.add("PCA: measured error = ½ Σ_{i>k} sᵢ²: rel err", abs(pca_error / result.optimal_error - 1),
                  abs(pca_error / result.optimal_error - 1) < 1e-10)

# %%
n_shown = min(30, len(result.explained_variance))
cumulative = np.cumsum(result.explained_variance_ratio)
fig, (ax_eig, ax_cum) = plt.subplots(1, 2, figsize=(12, 4.3))
index = np.arange(1, n_shown + 1)
ax_eig.bar(index, result.explained_variance[:n_shown],
           color=["tab:blue" if i <= k else "0.7" for i in index])
ax_eig.set_xlabel("principal component i")
ax_eig.set_ylabel("variance along it, λᵢ")
ax_eig.set_title(f"Eigenvalues: the first k = {k} are kept (blue), the rest is the error")
ax_cum.plot(np.arange(1, len(cumulative) + 1), cumulative, "-o", ms=3)
ax_cum.axvline(k, color="tab:red", ls="--", label=f"k = {k}: {cumulative[k - 1]:.1%} of the variance kept")
ax_cum.axhline(cumulative[k - 1], color="tab:red", ls=":", lw=1)
ax_cum.set_xlabel("number of components kept")
ax_cum.set_ylabel("cumulative explained variance ratio")
ax_cum.set_ylim(0, 1.02)
ax_cum.set_title(f"{lesson.args.data}: how much variance k components keep")
ax_cum.grid(alpha=0.3)
ax_cum.legend(loc="lower right")
lesson.show(fig, "02_explained_variance")

# %% [markdown]
# ## 3. Train the linear autoencoder and watch it approach L*
# Adam on batches of a few hundred images (`mg.fit`, measuring after every epoch with its `on_epoch`).
# The model trains in float32, the package default; after every epoch we copy its weights into a
# float64 twin and measure ½ Σ ‖x − x̂‖² on the whole data set. The copied weights define an exact
# rank-k affine map, so Eckart–Young applies to it and the float64 measurement has no rounding that could
# hide a violation: the curve may touch L*, but must never cross it.

# %%
model = LinearAutoencoder(n_features, k, rng=lesson.rng)
W2_init = model.decoder.weight.data.astype(np.float64)              # kept for section 5
meter = LinearAutoencoder(n_features, k, rng=lesson.rng, dtype=np.float64)   # the float64 twin that measures
X64 = X.astype(np.float64)


def full_error(trained):
    """½ Σ ‖x − x̂‖² over the whole data set, with ``trained``'s weights, in float64."""
    meter.load_state_dict(trained.state_dict())
    with mg.no_grad():
        return meter.loss(X64).item()


steps_per_epoch = -(-n_samples // batch_size)
steps, errors = [0], [full_error(model)]


def measure(trained, history):
    steps.append(history.epochs * steps_per_epoch)
    errors.append(full_error(trained))


mg.fit(model, lambda m, xb: m.loss(xb, reduction="mean"), X, epochs=epochs, batch_size=batch_size,
       optimizer=mg.optim.Adam(model.parameters(), lr=lr), progress=False, rng=lesson.rng, on_epoch=measure)
steps, errors = np.array(steps), np.array(errors)
gap = errors / result.optimal_error - 1          # relative excess over PCA's optimum
print(f"{steps[-1]} Adam steps (lr {lr}, batches of {batch_size}): error {errors[0]:.1f} → {errors[-1]:.2f}, "
      f"PCA's optimum {result.optimal_error:.2f}; final excess {gap[-1]:.3%}, smallest excess seen {gap.min():.2e}")

target = lesson.pick(full=0.01, quick=0.05)   # --quick stops early, in the slow tail described below
lesson.checks.add(f"AE error within {target:.0%} of PCA's optimum: excess", gap[-1], 0 <= gap[-1] < target)
lesson.checks.add(f"never below PCA at any of {len(steps)} checkpoints: min excess", gap.min(), gap.min() > -1e-9)

# %%
fig, (ax_err, ax_gap) = plt.subplots(1, 2, figsize=(12, 4.3))
ax_err.plot(steps, errors, label="linear AE (whole data set, float64)")
ax_err.axhline(result.optimal_error, color="k", ls="--", label=f"PCA optimum L* = {result.optimal_error:.1f}")
ax_err.set_yscale("log")
ax_err.set_xlabel("Adam step")
ax_err.set_ylabel("½ Σ ‖x − x̂‖²  (log scale)")
ax_err.set_title(f"Linear AE (k = {k}) on {lesson.args.data}: the error falls to PCA's optimum")
ax_err.legend()
ax_err.grid(alpha=0.3, which="both")
ax_gap.semilogy(steps, np.maximum(gap, 1e-12), color="tab:green")
ax_gap.axhline(0.01, color="tab:red", ls=":", label="1 % above the optimum")
ax_gap.set_xlabel("Adam step")
ax_gap.set_ylabel("(L − L*) / L*  (log scale)")
ax_gap.set_title("Relative excess over PCA: shrinks, stays positive")
ax_gap.legend()
ax_gap.grid(alpha=0.3, which="both")
lesson.show(fig, "02_training_curve")

# %% [markdown]
# The spikes are Adam overshooting across the floor of a long, flat valley; each is undone within a few
# steps, and none dips below the dashed line.
#
# The slow tail has a reason. The last per cent is the decoder turning its weakest direction away from
# the (k+1)-th principal direction towards the k-th, and the loss only feels the difference λ_k − λ_{k+1}
# between their variances — on the digits λ₅ = 0.27 vs λ₆ = 0.23. Close eigenvalues make a flat valley.
# (Decaying the learning rate makes this worse, not better: the tail needs big steps, not careful ones.)
#
# ## 4. Same subspace
# Does span(W2) equal the principal subspace span(C)? The **principal angles** θᵢ between two
# k-dimensional subspaces answer it: with orthonormal bases Q_W and Q_C, the cosines cos θᵢ are the
# singular values of Q_Wᵀ Q_C (`subspace_alignment`). All cosines 1 means the same subspace.
#
# How close must they be? If the AE's subspace is tilted by angles θᵢ, the variance it misses grows by at
# least (λ_k − λ_{k+1}) per unit of Σ sin²θᵢ, so
#
#     Σᵢ sin²θᵢ  ≤  (L − L*) / (½ N (λ_k − λ_{k+1}))
#
# An error close to L* pins the subspace down only if the eigengap λ_k − λ_{k+1} is not tiny. After the
# short `--quick` run the k-th direction is still turning (the slow tail above), so there only the
# k − 1 strongest alignments are checked, and more loosely (cos θ > 0.95; a random k-dimensional
# subspace would give cosines far below that).

# %%
W2_trained = model.decoder.weight.data.astype(np.float64)          # (n, k): the columns span the AE's subspace
cosines = subspace_alignment(W2_trained, result.components)
eigengap = result.explained_variance[k - 1] - result.explained_variance[k]
tilt_bound = (errors[-1] - result.optimal_error) / (0.5 * n_samples * eigengap)
tilt = float(np.sum(1 - cosines ** 2))
print("cosines of the principal angles between span(W2) and span(C):", np.round(cosines, 5))
print(f"Σ sin²θ = {tilt:.2e} ≤ bound from the error {tilt_bound:.2e}")
if lesson.args.quick:
    lesson.checks.add("k − 1 of the k principal angles: cos θ > 0.95", f"{cosines[k - 2]:.5f}", cosines[k - 2] > 0.95)
else:
    lesson.checks.add("spans the principal subspace: min cos θ > 0.99", f"{cosines.min():.5f}", cosines.min() > 0.99)
lesson.checks.add("Σ sin²θ within the eigengap bound: Σ sin²θ / bound", tilt / tilt_bound, tilt <= tilt_bound)

# %% [markdown]
# ## 5. …but not the principal components
# Now compare the decoder's columns one by one with the principal directions: the cosine between
# column wⱼ and component cᵢ. If the AE had learnt PCA, this k × k table would be a permutation of the
# identity (up to signs).

# %%
def unit_columns(W):
    """W with each column scaled to length 1, so that dot products are cosines."""
    return W / np.linalg.norm(W, axis=0)


column_cosines = np.abs(result.components @ unit_columns(W2_trained))     # [i, j] = |cos(cᵢ, wⱼ)|
print("|cos| between component cᵢ (rows) and decoder column wⱼ (columns):")
print(np.array2string(column_cosines, precision=2, suppress_small=True))


def describe_columns(W, when):
    """Norms of W's columns and the largest |cosine| between two different columns."""
    gram = unit_columns(W).T @ unit_columns(W)
    off_diagonal = np.abs(gram[~np.eye(len(gram), dtype=bool)]).max()
    print(f"decoder columns {when}: norms {np.round(np.linalg.norm(W, axis=0), 2)}, "
          f"largest |cos| between two columns {off_diagonal:.2f}")


describe_columns(W2_init, "at initialisation")
describe_columns(W2_trained, "after training   ")
best_match = float(column_cosines.max())
lesson.checks.add("no decoder column is a principal component: max |cos|", best_match, best_match < 0.99)

# %% [markdown]
# Each column is a blend of several components. On the digits the columns did come out nearly
# orthogonal and of similar lengths (as they started: random vectors in many dimensions already point in
# nearly orthogonal directions) — close to a scaled *rotation* of the principal axes. That is where this
# start and this optimizer happened to land, not something the loss asks for: the next section builds a
# skewed, non-orthogonal basis that the loss likes exactly as much.

# %% [markdown]
# ## 6. Why: the code can be mixed for free
# Take any invertible k × k matrix A and change the weights to
#
#     W1' = A⁻¹ W1,   b1' = A⁻¹ b1,   W2' = W2 A      →      W2' (W1' x + b1') = W2 A A⁻¹ (W1 x + b1)
#
# The code becomes z' = A⁻¹ z, the reconstruction does not change at all. So the minima of L are not
# points but a whole k²-dimensional family, and the loss has no preference among them: which W2 you get
# depends on where training started. PCA is one member of that family — the one with orthonormal
# columns ordered by variance — and nothing in L asks for it.

# %%
mixing = lesson.rng.standard_normal((k, k))
twin = LinearAutoencoder(n_features, k, rng=lesson.rng, dtype=np.float64)
meter.load_state_dict(model.state_dict())
twin.load_state_dict({
    "encoder.weight": np.linalg.solve(mixing, meter.encoder.weight.data),
    "encoder.bias": np.linalg.solve(mixing, meter.encoder.bias.data),
    "decoder.weight": meter.decoder.weight.data @ mixing,
    "decoder.bias": meter.decoder.bias.data,
})
with mg.no_grad():
    x_hat, x_hat_twin = meter(X64).numpy(), twin(X64).numpy()
    loss_meter, loss_twin = meter.loss(X64).item(), twin.loss(X64).item()
twin_columns = np.abs(unit_columns(meter.decoder.weight.data).T @ unit_columns(twin.decoder.weight.data))
print(f"mixing A with condition number {np.linalg.cond(mixing):.1f}: "
      f"max |x̂ − x̂'| = {np.abs(x_hat - x_hat_twin).max():.1e}, loss {loss_meter:.6f} vs {loss_twin:.6f}")
print("yet |cos| between the old and the new decoder columns:\n",
      np.array2string(twin_columns, precision=2, suppress_small=True))
lesson.checks.add("mixed code, same reconstruction: max |x̂ − x̂'|", float(np.abs(x_hat - x_hat_twin).max()),
                  np.abs(x_hat - x_hat_twin).max() < 1e-9)
lesson.checks.add("…with different decoder columns: min over j of |cos(wⱼ, wⱼ')|", float(np.diag(twin_columns).min()),
                  np.diag(twin_columns).min() < 0.99)

# %% [markdown]
# ## 7. Getting the axes back
# The subspace holds everything PCA knows, so one small extra step recovers the axes: run PCA on the
# autoencoder's *reconstructions*. They lie in span(W2) (shifted by b2), so their k principal directions
# are the data's, as far as the AE has converged. (Another way: train with weight decay, which breaks the
# symmetry of section 6 — an L2-regularised linear AE learns the principal directions as the left
# singular vectors of its decoder, Kunin et al. 2019 — though slowly, Bao et al. 2020.)

# %%
recovered = pca(x_hat, k).components                                  # rows: directions, unit norm
recovered_cosines = np.abs(result.components @ recovered.T)
print("|cos| between component cᵢ and the i-th direction recovered from the AE's reconstructions:",
      np.round(np.diag(recovered_cosines), 4))
if lesson.args.quick:  # the k-th direction has not settled yet (section 4): check the first k − 1 axes
    lesson.checks.add("PCA of the AE's output recovers axes 1…k−1: min |cos| > 0.95",
                      f"{np.diag(recovered_cosines)[:k - 1].min():.5f}",
                      np.diag(recovered_cosines)[:k - 1].min() > 0.95)
else:
    lesson.checks.add("PCA of the AE's output recovers the axes: min |cos| > 0.99",
                      f"{np.diag(recovered_cosines).min():.5f}", np.diag(recovered_cosines).min() > 0.99)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.4), layout="constrained")
for ax, table, title, xlabel in [
        (axes[0], column_cosines, "decoder columns wⱼ vs components cᵢ\n(same subspace, mixed axes)",
         "decoder column j"),
        (axes[1], recovered_cosines, "PCA of the AE's reconstructions vs components\n(the axes recovered)",
         "recovered direction j")]:
    image = ax.imshow(table, vmin=0, vmax=1, cmap="viridis")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{table[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="k" if table[i, j] > 0.6 else "w")
    ax.set_xticks(range(k), [str(j + 1) for j in range(k)])
    ax.set_yticks(range(k), [str(i + 1) for i in range(k)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("principal component i")
    ax.set_title(title, fontsize=10)
fig.colorbar(image, ax=axes, label="|cosine|", shrink=0.85)
lesson.show(fig, "02_cosines")

# the same vectors as images, each scaled to unit norm (W2's columns have other norms); a direction's
# sign is arbitrary, so each recovered one is flipped to point the same way as its component
signs = np.sign(np.sum(recovered * result.components, axis=1, keepdims=True))
rows = [result.components, unit_columns(W2_trained).T, signs * recovered]
mg.viz.image_grid(np.concatenate(rows), image_shape, lesson.path("02_components_vs_decoder"),
                  row_titles=["PCA\ncomponents", "decoder\ncolumns", "PCA of the\nAE's output"],
                  title=f"{lesson.args.data}: principal directions, the AE's decoder columns, and the axes recovered")

# %% [markdown]
# ## What held
# The hand-derived gradients agree with autodiff and with finite differences. Trained by gradient
# descent, the linear autoencoder reaches PCA's error and never beats it, and its decoder spans the
# principal subspace — but its columns are an arbitrary mix of the principal directions, because mixing
# the code changes nothing the loss can see. The next lessons add nonlinearities, which is where an
# autoencoder starts to do something PCA cannot.

# %%
lesson.finish()
