# %% [markdown]
# # Lesson 18 — Gradients of gradients
#
# A gradient is a function of the inputs too, so it can be differentiated again.
#
# `backward()` turns a graph of ops into numbers. With `create_graph=True` it records what it does instead —
# every multiplication of the chain rule becomes an op in a new graph — so the gradient is a Tensor whose own
# gradient autodiff can take. That gives second derivatives, with no new machinery:
#
#     Hessian-vector product   H v = ∇ₓ ⟨∇ₓ f(x), v⟩             (mg.hvp: one backward through the gradient)
#     Hessian                  H[i, :] = ∇ₓ (∂f/∂xᵢ)              (mg.hessian: one such backward per xᵢ)
#     Jacobian                 J[i, :] = ∇ₓ fᵢ(x)                  (mg.jacobian: one backward per output)
#
# Autoencoders need them in three places. **Curvature**: the Hessian of the loss says how large a step plain
# gradient descent can take and how slowly it then creeps along flat directions — and why Adam does better.
# **Newton's method**: a step of −H⁻¹∇L, exact in one step on a quadratic. **The contractive penalty**
# ‖J_f(x)‖²_F of lesson 6: for any encoder, not just one sigmoid layer, it is built from autodiff's Jacobian, and
# its gradient with respect to the weights is then a second derivative.

# %%
import time

import numpy as np

import minigrad_ae as mg
import minigrad_ae.viz  # noqa: F401  (imported before pyplot: it picks the Agg backend when there is no display)
import matplotlib.pyplot as plt  # noqa: E402
from minigrad_ae.lesson import Checks, lesson_args
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.penalties import jacobian_penalty

args = lesson_args("Lesson 18: gradients of gradients — the double-backward graph, the Hessian of the linear "
                   "autoencoder (curvature, SGD vs Adam, Newton's step), and the contractive penalty by autodiff")
checks = Checks("Lesson 18 checks")
rng = np.random.default_rng(args.seed)
started = time.perf_counter()


def save_figure(fig, axes, name, legend_size=9):
    """A light grid and a legend on every panel, then the PNG in --out."""
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=legend_size)
    fig.tight_layout()
    fig.savefig(args.out / name, dpi=120)
    plt.close(fig)


# %% [markdown]
# ## 1. The graph of a gradient
# Take y = tanh(w·x) for two vectors w, x. By hand, ∂y/∂w = (1 − y²) x. Differentiating once more,
#
#     ∂²y/∂w²   = −2y(1 − y²) x xᵀ                    (y depends on w through w·x)
#     ∂²y/∂x∂w  = (1 − y²) I − 2y(1 − y²) x wᵀ        (x appears twice: as the factor and inside y)
#
# `mg.grad(y, w, create_graph=True)` returns ∂y/∂w as a Tensor. Its graph, drawn below, holds the ops tanh's
# backward ran (1 − y², times the upstream gradient, times x): the forward's output y and the leaves are in it,
# which is why it can be differentiated again, with respect to w or to x.

# %%
w = mg.tensor(np.array([0.8, -0.3]), requires_grad=True, name="w")
x = mg.tensor(np.array([0.5, 1.5]), requires_grad=True, name="x")
y = (w * x).sum().tanh()
y.name = "y"
(dy_dw,) = mg.grad(y, w, create_graph=True)              # (1 − y²) x, a Tensor with a graph of its own
dy_dw.name = "∂y/∂w"
dy_dw.graph()
mg.viz.draw_graph(dy_dw, args.out / "18_double_backward_graph.png",
                  title="the graph of ∂y/∂w for y = tanh(w·x), recorded by backward (create_graph=True)")

y_, x_, w_ = y.item(), x.data, w.data
by_hand_ww = -2 * y_ * (1 - y_ ** 2) * np.outer(x_, x_)
by_hand_xw = (1 - y_ ** 2) * np.eye(2) - 2 * y_ * (1 - y_ ** 2) * np.outer(x_, w_)   # row i: ∂(∂y/∂wᵢ)/∂x
hessian_ww = mg.hessian(lambda w: (w * x).sum().tanh(), w).numpy()
mixed = np.stack([mg.grad(dy_dw[i], x, retain_graph=True)[0].numpy() for i in range(2)])
err_ww, err_xw = mg.relative_error(hessian_ww, by_hand_ww), mg.relative_error(mixed, by_hand_xw)
print(f"∂²y/∂w² by hessian vs by hand: rel err {err_ww:.1e};  ∂²y/∂x∂w by grad of the graph: {err_xw:.1e}")
checks.add("∂²y/∂w² = −2y(1 − y²) x xᵀ, rel err", err_ww, err_ww < 1e-14)
checks.add("∂²y/∂x∂w = (1 − y²)I − 2y(1 − y²) x wᵀ, rel err", err_xw, err_xw < 1e-14)
checks.add("the gradient's graph contains the forward's tanh", "Tanh",
           any(t.creator is not None and t.creator.fn.__name__ == "Tanh" for t in mg.autodiff.graph.graph_nodes(dy_dw)))

# %% [markdown]
# `gradcheck(..., order=2)` does the same against finite differences for every pair of inputs: for a random
# direction u it differentiates ⟨u, ∂f/∂a⟩ with respect to b by backward through the graph, and by central
# differences of ordinary first-order backward passes. Each row names one Hessian block.

# %%
report = mg.gradcheck(lambda w, x: (w * x).sum().tanh(), [w, x], order=2)
print(report)
checks.add("gradcheck order 2 on tanh(w·x), max rel err", report.max_rel_error, bool(report))

# %% [markdown]
# ## 2. The Hessian of the linear autoencoder's loss
# Lesson 2's linear autoencoder, z = W1 x + b1, x̂ = W2 z + b2, on N = 300 digits with a code of k = 2, now with
# the loss averaged over the images, L = (1/2N) Σ ‖x − x̂‖². To see the Hessian over *all* parameters at once we
# write L as a function of one flat vector θ = (W1, b1, W2, b2) — 2·64 + 2 + 64·2 + 64 = 322 numbers — that it
# slices and reshapes: `mg.hessian(L, θ)` is then a 322 × 322 matrix (322 backward passes through ∇L's graph).
#
# We take it at the optimum, which PCA gives in closed form (lesson 2): W1 = C, b1 = −Cμ, W2 = Cᵀ, b2 = μ with C
# the top k principal directions, where L* = (1/2N) Σ_{i>k} sᵢ².

# %%
X_all, _ = mg.data.load_digits()
X_all = X_all.astype(np.float64)
N, n, k = 300, X_all.shape[1], 2
X = X_all[rng.choice(len(X_all), N, replace=False)]


def unpacker(shapes):
    """(unpack, size): unpack(θ) slices one flat vector into tensors of these shapes, so one Hessian covers them."""
    ends = np.cumsum([int(np.prod(s)) for s in shapes])
    starts = ends - [int(np.prod(s)) for s in shapes]
    return (lambda theta: [theta[a:b].reshape(*s) for a, b, s in zip(starts, ends, shapes)]), int(ends[-1])


unpack_ae, P = unpacker([(k, n), (k,), (n, k), (n,)])


def linear_ae_loss(theta):
    """L(θ) = (1/2N) Σ ‖x − (W2 (W1 x + b1) + b2)‖² over the N images."""
    W1, b1, W2, b2 = unpack_ae(theta)
    residual = (X @ W1.T + b1) @ W2.T + b2 - X
    return (residual * residual).sum() * (0.5 / N)


mu = X.mean(axis=0)
_, s, Vt = np.linalg.svd(X - mu, full_matrices=False)
C = Vt[:k]
theta_star = np.concatenate([C.ravel(), -C @ mu, C.T.ravel(), mu])
L_star = 0.5 * np.sum(s[k:] ** 2) / N
L_at_star = linear_ae_loss(mg.tensor(theta_star)).item()
checks.add("L(θ*) = (1/2N) Σ_{i>k} sᵢ², rel err", abs(L_at_star / L_star - 1), abs(L_at_star / L_star - 1) < 1e-12)

start = time.perf_counter()
H = mg.hessian(linear_ae_loss, theta_star).numpy()
hessian_seconds = time.perf_counter() - start
print(f"Hessian {H.shape} in {hessian_seconds:.2f} s ({P} backward passes through the gradient's graph)")

# %% [markdown]
# Three checks. H is symmetric (mixed partials commute). `hvp` — one double backward, never forming H — gives
# the same H v for random v. And `gradcheck(order=2, mode="directional")` compares ⟨u′, H u⟩ with central
# differences of the gradient along u′ — at a random point θ₀, where the first derivative is not 0 as at θ*
# (θ₀ is also where section 3's optimisers start).

# %%
v = rng.standard_normal((3, P))
err_sym = mg.relative_error(H, H.T)
err_hvp = max(mg.relative_error(mg.hvp(linear_ae_loss, theta_star, vi).numpy(), H @ vi) for vi in v)
theta_init = rng.standard_normal(P) * 0.1
report = mg.gradcheck(linear_ae_loss, [theta_init], order=2, mode="directional")
print(report)
checks.add("H = Hᵀ, rel err", err_sym, err_sym < 1e-13)
checks.add("hvp(L, θ*, v) = H v, max rel err", err_hvp, err_hvp < 1e-12)
checks.add("gradcheck order 2 (directional), max rel err", report.max_rel_error, bool(report))

# %% [markdown]
# **The spectrum.** The eigenvalues of H are the curvatures of L along its eigenvectors. At a minimum they are
# ≥ 0, and here some are exactly 0, for two reasons we can count:
# * **symmetry**: for any invertible k × k matrix A and vector c, the weights (A W1, A b1 + c, W2 A⁻¹, b2 − W2 A⁻¹ c)
#   give the same x̂ — lesson 2's "same subspace, different axes". Moving along those k² + k directions leaves L
#   unchanged, so its curvature there is 0;
# * **dead pixels**: a pixel that is 0 in every image never multiplies its column of W1: k more zeros per such pixel.

# %%
eigenvalues = np.linalg.eigvalsh(H)
lam_max = eigenvalues[-1]
flat = np.abs(eigenvalues) < 1e-10 * lam_max
dead_pixels = int(np.sum(X.max(axis=0) == 0))
expected_flat = k * k + k + k * dead_pixels
curved = eigenvalues[~flat]
kappa = lam_max / curved[0]
print(f"eigenvalues from {eigenvalues[0]:.1e} to {lam_max:.3g}; {flat.sum()} zero (k² + k + k·{dead_pixels} dead "
      f"pixels = {expected_flat}); the curved ones span κ = λ_max / λ_min = {kappa:.2g}")
checks.add("H ⪰ 0 at the optimum (λ_min / λ_max)", eigenvalues[0] / lam_max, eigenvalues[0] > -1e-12 * lam_max)
checks.add("zero eigenvalues = k² + k + k·(dead pixels)", f"{flat.sum()} = {expected_flat}",
           flat.sum() == expected_flat)

# %% [markdown]
# κ in the millions: the loss is a valley millions of times steeper across than along. The diagonal of H alone —
# the curvature of each parameter on its own — spreads over orders of magnitude: every bias of the decoder has
# curvature exactly 1 (∂²L/∂b2ᵢ² = 1 for this mean loss), while an encoder weight on a rarely inked pixel has
# almost none. Rescaling each parameter by its own curvature, D^(−½) H D^(−½) with D = diag(H) (Jacobi's
# preconditioner), removes most of that spread: a per-parameter step size is worth a lot here.

# %%
diagonal = np.diag(H)
print(f"diag(H), the parameters' own curvatures: from {diagonal[diagonal > 0].min():.1e} to {diagonal.max():.3g} "
      f"(and 0 for the {np.sum(diagonal == 0)} weights on dead pixels)")
scaled = 1 / np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
jacobi = np.linalg.eigvalsh(scaled[:, None] * H * scaled[None, :])
jacobi_curved = jacobi[np.abs(jacobi) >= 1e-10 * jacobi[-1]]
kappa_jacobi = jacobi_curved[-1] / jacobi_curved[0]
print(f"κ after rescaling each parameter by its curvature: {kappa_jacobi:.3g} (was {kappa:.2g})")
checks.add("per-parameter rescaling cuts κ by ×", kappa / kappa_jacobi, kappa_jacobi < kappa / 100)

fig, ax = plt.subplots(figsize=(8, 4.4))
index = np.arange(1, P + 1)
ax.semilogy(index[: (~flat).sum()], curved[::-1] / curved[-1], label=f"H: κ = {kappa:.1e}")
ax.semilogy(index[: len(jacobi_curved)], jacobi_curved[::-1] / jacobi_curved[-1],
            label=f"D^(−½) H D^(−½), D = diag(H): κ = {kappa_jacobi:.1e}")
ax.set(xlabel="eigenvalue index (largest first)", ylabel="eigenvalue / largest",
       title=f"Hessian of the linear AE loss at PCA's optimum, {P} parameters\n"
             f"(its {flat.sum()} zero eigenvalues not drawn)")
save_figure(fig, [ax], "18_hessian_spectrum.png")

# %% [markdown]
# ## 3. What the curvature says about step sizes
# Near a minimum L(θ* + δ) ≈ L* + ½ δᵀHδ, and a gradient step δ ← δ − ηHδ multiplies the component of δ along
# an eigenvector of eigenvalue λ by (1 − ηλ). That shrinks every component only if |1 − ηλ| < 1 for all λ:
#
#     η < 2 / λ_max                      (the largest step plain gradient descent can afford)
#
# and then the flattest curved direction shrinks by (1 − ηλ_min) ≥ 1 − 2/κ per step: about κ steps to gain a
# factor e. First on a loss that *is* quadratic: the decoder alone, D = [W2 | b2], with the encoder held fixed
# (codes Z̃ = [Z, 1]); its Hessian is the same everywhere. Steps just below and just above 2/λ_max:

# %%
W1_init, b1_init = rng.standard_normal((k, n)) * 0.1, np.zeros(k)
Z1 = np.hstack([X @ W1_init.T + b1_init, np.ones((N, 1))])            # Z̃: the codes and a column of ones


def decoder_loss(d):
    """L(D) = (1/2N) Σ ‖x − D z̃‖², D = d.reshape(n, k + 1): a quadratic in D."""
    residual = Z1 @ d.reshape(n, k + 1).T - X
    return (residual * residual).sum() * (0.5 / N)


d_init = rng.standard_normal(n * (k + 1)) * 0.1
H_decoder = mg.hessian(decoder_loss, d_init).numpy()
gram = np.kron(np.eye(n), Z1.T @ Z1 / N)                          # by hand: one block Z̃ᵀZ̃/N per pixel
err_gram = mg.relative_error(H_decoder, gram)
checks.add("decoder Hessian = I ⊗ Z̃ᵀZ̃/N, rel err", err_gram, err_gram < 1e-13)
lam_max_decoder = np.linalg.eigvalsh(H_decoder)[-1]
D_best = np.linalg.lstsq(Z1, X, rcond=None)[0].T                   # least squares: the decoder's optimum
L_decoder_star = decoder_loss(mg.tensor(D_best.ravel())).item()


def descend(loss, theta0, optimizer, steps):
    """Loss before each of ``steps`` full-batch steps of ``optimizer`` (a class and its settings) from θ₀."""
    theta = mg.nn.Parameter(theta0)
    opt, curve = optimizer([theta]), []
    for _ in range(steps):
        value = loss(theta)
        curve.append(value.item())
        value.backward()
        opt.step()
        opt.zero_grad()
    return np.array(curve), theta.numpy()


STEPS_QUADRATIC = 60
quadratic = {factor: descend(decoder_loss, d_init, lambda p, f=factor: mg.optim.SGD(p, lr=f / lam_max_decoder),
                             STEPS_QUADRATIC)[0] - L_decoder_star
             for factor in (1.9, 2.1)}
print(f"decoder only: λ_max = {lam_max_decoder:.3g}; after {STEPS_QUADRATIC} steps L − L* = "
      + ", ".join(f"{quadratic[f][-1]:.2g} at η = {f}/λ_max" for f in quadratic))
checks.add("quadratic: GD at 1.9/λ_max converges", f"{quadratic[1.9][-1]:.1e}", quadratic[1.9][-1] < quadratic[1.9][0])
checks.add("quadratic: GD at 2.1/λ_max diverges", f"{quadratic[2.1][-1]:.1e}",
           quadratic[2.1][-1] > 10 * quadratic[2.1][0])

# %% [markdown]
# **SGD against Adam on the whole autoencoder**, from the same random start, full batch, the same number of steps.
# Gradient descent gets the largest safe step, η = 1.9/λ_max with λ_max the optimum's sharpest curvature. Adam
# divides each parameter's step by a running root-mean-square of its own gradient — a per-parameter rescaling,
# cruder than D^(−½) above but in its spirit — at two learning rates.

# %%
STEPS = 200 if args.quick else 600
optimizers = {f"gradient descent, η = 1.9/λ_max = {1.9 / lam_max:.3f}": lambda p: mg.optim.SGD(p, lr=1.9 / lam_max),
              "Adam, η = 0.01": lambda p: mg.optim.Adam(p, lr=0.01),
              "Adam, η = 0.03": lambda p: mg.optim.Adam(p, lr=0.03)}
curves = {}
for name, optimizer in optimizers.items():
    start = time.perf_counter()
    curves[name] = descend(linear_ae_loss, theta_init, optimizer, STEPS)[0] - L_star
    print(f"{name:<42} L − L* after {STEPS} steps: {curves[name][-1]:.2e}  ({time.perf_counter() - start:.1f} s)")
gd_gap, adam_gap = curves[next(iter(optimizers))][-1], curves["Adam, η = 0.03"][-1]
adam_bar = 2 if args.quick else 10      # --quick stops after 200 steps, before the gap has opened up
checks.add(f"after {STEPS} steps, Adam's (η = 0.03) L − L* below GD's ×", gd_gap / adam_gap,
           adam_gap < gd_gap / adam_bar)

# %% [markdown]
# With η = 0.03 Adam ends orders of magnitude closer to L* than the best plain gradient descent: the flat
# directions that GD crawls along at (1 − ηλ_min) per step get steps of their own size under Adam. With η = 0.01
# it is no better than GD after these steps: the per-parameter scaling helps, the learning rate still needs tuning.
# Neither curve falls steadily: a step that suits the valley floor can overshoot where the walls are steeper, and
# both recover from such spikes.
#
# The limit 2/λ_max is exact for a quadratic, and the autoencoder's loss is not one. Started near θ* with
# η = 2.1/λ_max, gradient descent does not blow up: it slides along the valley of equally good optima (the
# symmetry above) to one that is flatter, where 2.1/λ_max(θ*) *is* a safe step. We measure the sharpness where it
# ends with **power iteration on hvp** — v ← H v / ‖H v‖ converges to the top eigenvector — without forming H.

# %%
def sharpness(loss, theta, iterations=20):
    """λ_max of the Hessian at θ by power iteration: only Hessian-vector products (double backward)."""
    u = np.random.default_rng(0).standard_normal(theta.shape)
    for _ in range(iterations):
        Hu = mg.hvp(loss, theta, u).numpy()
        lam, u = u @ Hu / (u @ u), Hu / np.linalg.norm(Hu)
    return lam


err_power = abs(sharpness(linear_ae_loss, theta_star) / lam_max - 1)
checks.add("power iteration on hvp finds λ_max at θ*, rel err", err_power, err_power < 1e-6)
eta_big = 2.1 / lam_max
near = theta_star + 1e-3 * rng.standard_normal(P)
edge_curve, theta_edge = descend(linear_ae_loss, near, lambda p: mg.optim.SGD(p, lr=eta_big), 300)
lam_edge = sharpness(linear_ae_loss, theta_edge)
print(f"GD at η = 2.1/λ_max from near θ*: L − L* {edge_curve[0] - L_star:.1e} → {edge_curve[-1] - L_star:.1e}; "
      f"sharpness {lam_max:.3f} → {lam_edge:.3f} (2/η = {2 / eta_big:.3f}); moved ‖Δθ‖ = "
      f"{np.linalg.norm(theta_edge - theta_star):.3f}")
checks.add("GD beyond 2/λ_max(θ*) found a flatter optimum: λ_max < 2/η", f"{lam_edge:.3f} < {2 / eta_big:.3f}",
           lam_edge < 2 / eta_big and edge_curve[-1] - L_star < 1e-6)

fig, (ax_q, ax_ae) = plt.subplots(1, 2, figsize=(12.5, 4.5))
for factor, curve in quadratic.items():
    ax_q.semilogy(curve, label=f"η = {factor}/λ_max")
ax_q.set(xlabel="step", ylabel="L − L*", title="decoder alone (a quadratic): 2/λ_max is the limit")
for name, curve in curves.items():
    ax_ae.semilogy(np.maximum(curve, 1e-16), label=name)
ax_ae.set(xlabel="step (full batch)", ylabel="L − L*  (floored at 1e-16)",
          title=f"whole linear AE, {P} parameters, κ ≈ {kappa:.0e}")
save_figure(fig, [ax_q, ax_ae], "18_gd_vs_adam.png")

# %% [markdown]
# ## 4. Newton's step
# Minimise the local quadratic model L(θ + δ) ≈ L + gᵀδ + ½ δᵀHδ: its stationary point is δ = −H⁻¹g. On a
# quadratic the model is exact, so **one step lands on the optimum** from anywhere. The decoder alone is one:
# a single Newton step from a random D must give the least-squares decoder, `np.linalg.lstsq(Z̃, X)`.

# %%
d0 = mg.tensor(d_init, requires_grad=True)
(g0,) = mg.grad(decoder_loss(d0), d0)
d_newton = d_init - np.linalg.solve(H_decoder, g0.numpy())
err_newton = mg.relative_error(d_newton, D_best.ravel())
d1 = mg.tensor(d_newton, requires_grad=True)
grad_after = np.linalg.norm(mg.grad(decoder_loss(d1), d1)[0].numpy())
print(f"one Newton step vs least squares: rel err {err_newton:.1e}; ‖∇L‖ after it {grad_after:.1e} "
      f"(before {np.linalg.norm(g0.numpy()):.2g}); GD at 1.9/λ_max after {STEPS_QUADRATIC} steps: L − L* = "
      f"{quadratic[1.9][-1]:.1e}")
checks.add("one Newton step = least-squares decoder, rel err", err_newton, err_newton < 1e-10)

# %% [markdown]
# **The whole autoencoder is not a quadratic**, and away from the optimum its Hessian is not even positive
# semi-definite: at a random start it has negative eigenvalues, directions along which the loss curves *down*.
# There the stationary point of the model is a saddle, and a plain Newton step walks towards it. The damped step
# δ = −(H + μI)⁻¹g with μ > −λ_min(H) fixes that: every eigenvalue of H + μI is positive, so δ points downhill;
# a small μ is nearly Newton's step, a large μ a short gradient step (δ ≈ −g/μ). We try a range of μ, and for
# comparison plain gradient steps −ηg over a range of η.

# %%
H_init = mg.hessian(linear_ae_loss, theta_init).numpy()
t0 = mg.tensor(theta_init, requires_grad=True)
L_init = linear_ae_loss(t0)
(g_init,) = mg.grad(L_init, t0)
g_init, L_init = g_init.numpy(), L_init.item()
lam_init = np.linalg.eigvalsh(H_init)
n_negative = int(np.sum(lam_init < -1e-10 * lam_init[-1]))     # not the ~0 ones of dead pixels


def loss_after(step):
    return linear_ae_loss(mg.tensor(theta_init - step)).item()


plain_step = np.linalg.lstsq(H_init, g_init, rcond=None)[0]            # lstsq: H is singular (dead pixels)
L_plain_newton = loss_after(plain_step)
mus = -lam_init[0] + np.logspace(-1, 3, 25)
damped_steps = [np.linalg.solve(H_init + mu_ * np.eye(P), g_init) for mu_ in mus]
etas = np.logspace(-3, 0, 25)
damped = np.array([loss_after(step) for step in damped_steps])
gradient_steps = np.array([loss_after(eta * g_init) for eta in etas])
best_mu, best_eta = mus[np.argmin(damped)], etas[np.argmin(gradient_steps)]
print(f"at a random start: {n_negative} negative eigenvalues (λ_min = {lam_init[0]:.2f}); L = {L_init:.3f}")
print(f"  plain Newton step → L = {L_plain_newton:.4g};  best damped step (μ = {best_mu:.3g}) → L = {damped.min():.3f};"
      f"  best gradient step (η = {best_eta:.3g}) → L = {gradient_steps.min():.3f}   (L* = {L_star:.3f})")
checks.add("random start: H has negative eigenvalues", n_negative, n_negative > 0)
checks.add("plain Newton step raises L (towards a saddle)", f"{L_init:.2f} → {L_plain_newton:.3g}",
           L_plain_newton > L_init)
checks.add("best damped Newton step beats best gradient step", f"{damped.min():.3f} < {gradient_steps.min():.3f}",
           damped.min() < gradient_steps.min())

fig, (ax_quad, ax_damp) = plt.subplots(1, 2, figsize=(12.5, 4.5))
ax_quad.semilogy(quadratic[1.9], label="gradient descent, η = 1.9/λ_max")
ax_quad.semilogy([0, 1], [quadratic[1.9][0], max(decoder_loss(mg.tensor(d_newton)).item() - L_decoder_star, 1e-16)],
                 "o-", label="one Newton step (L − L* floored at 1e-16)")
ax_quad.set(xlabel="step", ylabel="L − L*", title="decoder alone (quadratic): Newton is exact in one step")
ax_damp.semilogx([np.linalg.norm(step) for step in damped_steps], damped, "o-", ms=3,
                 label=f"damped Newton −(H + μI)⁻¹g, μ from {mus[0]:.1f} (right) to {mus[-1]:.0f} (left)")
ax_damp.semilogx(etas * np.linalg.norm(g_init), gradient_steps, "s-", ms=3,
                 label="gradient step −ηg, η from 0.001 to 1")
ax_damp.axhline(L_init, color="grey", ls="--", lw=1, label=f"L before the step = {L_init:.2f}")
ax_damp.axhline(L_star, color="black", ls=":", lw=1, label=f"L* = {L_star:.2f}")
ax_damp.set(xlabel="length of the step ‖δ‖", ylabel="L after one step",
            title=f"whole AE at a random start; plain Newton: ‖δ‖ = {np.linalg.norm(plain_step):.0f}, "
                  f"L = {L_plain_newton:.0f}")
ax_damp.set_ylim(0, 1.3 * L_init)
save_figure(fig, [ax_quad, ax_damp], "18_newton.png", legend_size=8)

# %% [markdown]
# Curvature makes a step count: the best damped step gets further than the best gradient step. But each Newton
# step here cost a 322 × 322 Hessian (322 backward passes) and a solve; a network with a million weights would
# need a 10¹² matrix. That is why optimisers for networks keep only a diagonal, cheap stand-in — Adam's running
# RMS — or use H only through Hessian-vector products.
#
# ## 5. The contractive penalty for any encoder
# Lesson 6 derived ‖J_f(x)‖²_F = Σⱼ (hⱼ(1 − hⱼ))² Σᵢ Wⱼᵢ² for *one* sigmoid layer. `jacobian_penalty(encoder, x)`
# needs no derivation: it asks autodiff for the Jacobian — with n_hidden backward passes per batch, each with the
# one-hot upstream eⱼ in every row, so row j of every sample's J comes out at once — built as a graph
# (`create_graph`), and sums its squares. Training through it differentiates those backward passes: a second
# derivative. First, one layer, where it must equal the closed form.

# %%
X_probe = X_all[rng.choice(len(X_all), 5, replace=False)]
units = 3                                     # a few code units keep the finite differences below quick
W_one, b_one = rng.standard_normal((units, n)) * 0.3, rng.standard_normal(units) * 0.3


def one_layer(W, b):
    return lambda x: F.sigmoid(F.linear(x, W, b))


closed = F.contractive_penalty(one_layer(W_one, b_one)(X_probe), W_one, reduction="none").numpy()
autodiff = jacobian_penalty(one_layer(W_one, b_one), X_probe, reduction="none").numpy()
err_value = mg.relative_error(autodiff, closed)
print(f"one layer, ‖J‖²_F per image: autodiff {np.round(autodiff, 5)}  closed form {np.round(closed, 5)}")
checks.add("jacobian_penalty = contractive_penalty (one layer), rel err", err_value, err_value < 1e-13)

# %% [markdown]
# **Its gradient, three ways.** By hand, from lesson 6: with sⱼ = hⱼ(1 − hⱼ), rⱼ = Σᵢ Wⱼᵢ² and the mean over the
# batch, ∂P/∂W = 2 mean(s²) ⊙ W + (∂P/∂a)ᵀX with ∂P/∂a = 2s²(1 − 2h) r / m, and ∂P/∂b = Σ ∂P/∂a. By double
# backward through `jacobian_penalty`. By central differences of the penalty's value.

# %%
def penalty_of(W, b):
    return jacobian_penalty(one_layer(W, b), X_probe)


h = 1 / (1 + np.exp(-(X_probe @ W_one.T + b_one)))
s2, r = (h * (1 - h)) ** 2, (W_one ** 2).sum(axis=1)
dP_da = 2 * s2 * (1 - 2 * h) * r / len(X_probe)
by_hand = [2 * s2.mean(axis=0)[:, None] * W_one + dP_da.T @ X_probe, dP_da.sum(axis=0)]
W_t, b_t = mg.tensor(W_one, requires_grad=True), mg.tensor(b_one, requires_grad=True)
penalty_of(W_t, b_t).backward()
by_double_backward = [W_t.grad, b_t.grad]
by_differences = mg.numerical_grad(penalty_of, [W_one, b_one], eps=1e-5)
three_way = {pair: max(mg.relative_error(a, b) for a, b in zip(first, second)) for pair, (first, second) in {
    "hand vs double backward": (by_hand, by_double_backward), "hand vs finite differences": (by_hand, by_differences),
    "double backward vs finite differences": (by_double_backward, by_differences)}.items()}
for pair, error in three_way.items():
    print(f"  ∂P/∂(W, b), {pair:<38} rel err {error:.1e}")
    checks.add(f"one-layer gradient: {pair}, rel err", error, error < (1e-12 if "finite" not in pair else 1e-8))

# %% [markdown]
# **Two layers**, h = σ(W2 tanh(W1 x + b1) + b2), where no one wrote a closed form for us. The chain rule gives
# one per sample, J = diag(h(1 − h)) W2 diag(1 − t²) W1 with t = tanh(W1 x + b1), which we code for the whole
# batch as a check; its penalty is an ordinary expression, so first-order backprop gives a gradient to compare
# the double backward with. And finite differences, along a random direction of all four parameters (two
# evaluations) and entry by entry for W2 and b2.

# %%
n_mid, n_code = 12, 4
W1_two, b1_two = rng.standard_normal((n_mid, n)) * 0.3, rng.standard_normal(n_mid) * 0.1
W2_two, b2_two = rng.standard_normal((n_code, n_mid)) * 0.5, rng.standard_normal(n_code) * 0.1


def two_layers(W1, b1, W2, b2):
    return lambda x: F.sigmoid(F.linear(F.tanh(F.linear(x, W1, b1)), W2, b2))


def formula_penalty(W1, b1, W2, b2):
    """Mean over the batch of ‖diag(h(1 − h)) W2 diag(1 − t²) W1‖²_F: J by the chain rule, (m, n_code, n_in)."""
    t = F.tanh(F.linear(X_probe, W1, b1))
    h = F.sigmoid(F.linear(t, W2, b2))
    J = ((h * (1 - h)).reshape(len(X_probe), n_code, 1) * W2 * (1 - t * t).reshape(len(X_probe), 1, n_mid)) @ W1
    return (J * J).sum() / len(X_probe)


def autodiff_penalty(W1, b1, W2, b2):
    return jacobian_penalty(two_layers(W1, b1, W2, b2), X_probe)


params_two = [W1_two, b1_two, W2_two, b2_two]
err_two = mg.relative_error(autodiff_penalty(*params_two).numpy(), formula_penalty(*params_two).numpy())
grads = {}
for name, fn in {"double backward": autodiff_penalty, "backprop through the formula": formula_penalty}.items():
    tensors = [mg.tensor(p, requires_grad=True) for p in params_two]
    fn(*tensors).backward()
    grads[name] = [t.grad for t in tensors]
err_two_grad = max(mg.relative_error(a, b) for a, b in zip(*grads.values()))
report_two = mg.gradcheck(autodiff_penalty, params_two, mode="directional", eps=1e-5)
numeric_decoder_side = mg.numerical_grad(lambda W2, b2: autodiff_penalty(W1_two, b1_two, W2, b2), params_two[2:],
                                         eps=1e-5)
err_two_fd = max(mg.relative_error(a, b) for a, b in zip(grads["double backward"][2:], numeric_decoder_side))
print(f"two layers: penalty autodiff vs chain-rule formula rel err {err_two:.1e}; gradient: double backward vs "
      f"backprop through the formula {err_two_grad:.1e}, vs finite differences (W2, b2) {err_two_fd:.1e}")
print(report_two)
checks.add("two layers: jacobian_penalty = chain-rule formula, rel err", err_two, err_two < 1e-13)
checks.add("two layers: double backward = backprop of the formula, rel err", err_two_grad, err_two_grad < 1e-12)
checks.add("two layers: double backward = finite differences (W2, b2)", err_two_fd, err_two_fd < 1e-8)
checks.add("two layers: gradcheck directional, rel err", report_two.max_rel_error, bool(report_two))

# %% [markdown]
# **The price of generality**, measured on a batch of 64 digits and a 64 → 32 sigmoid encoder: the closed form is
# one forward pass; the autodiff penalty is 32 backward passes, recorded, and its gradient a backward through
# all of them.

# %%
X_batch = X_all[rng.choice(len(X_all), 64, replace=False)]
W_time = mg.tensor(rng.standard_normal((32, n)) * 0.3, requires_grad=True)
b_time = mg.tensor(np.zeros(32), requires_grad=True)
timings = {}
for name, penalty in {"closed form": lambda: F.contractive_penalty(one_layer(W_time, b_time)(X_batch), W_time),
                      "autodiff": lambda: jacobian_penalty(one_layer(W_time, b_time), X_batch)}.items():
    repeats, start = (5 if name == "autodiff" else 50), time.perf_counter()
    for _ in range(repeats):
        penalty().backward()
    timings[name] = (time.perf_counter() - start) / repeats
print(f"penalty + its gradient per batch: closed form {timings['closed form'] * 1e3:.2f} ms, autodiff "
      f"{timings['autodiff'] * 1e3:.1f} ms ({timings['autodiff'] / timings['closed form']:.0f}×)")

# %% [markdown]
# **Training through it.** A contractive autoencoder with the two-layer encoder 64 → 32 → 8 (tanh, then sigmoid)
# and a sigmoid decoder, trained with Adam on J = (1/2m) Σ ‖x − x̂‖² + λ · `jacobian_penalty(encoder, x)`, once
# with λ = 0 and once with λ = 0.1, from the same weights on the same minibatches. The penalty must come out
# lower on held-out digits — something no closed form in this package could have trained.

# %%
order = rng.permutation(len(X_all))
X_train, X_test = X_all[order[:1200]], X_all[order[1200:1500]]
TRAIN_STEPS, BATCH = (60 if args.quick else 120), 32
init_seed, batch_seed = (int(v) for v in rng.integers(2 ** 31, size=2))


def contractive_run(lam):
    init = np.random.default_rng(init_seed)
    encoder = mg.nn.Sequential(mg.nn.Linear(n, 32, rng=init, dtype=np.float64), mg.nn.Tanh(),
                               mg.nn.Linear(32, 8, rng=init, dtype=np.float64), mg.nn.Sigmoid())
    decoder = mg.nn.Sequential(mg.nn.Linear(8, n, rng=init, dtype=np.float64), mg.nn.Sigmoid())
    opt = mg.optim.Adam(encoder.parameters() + decoder.parameters(), lr=0.03)
    batches = np.random.default_rng(batch_seed)
    for _ in range(TRAIN_STEPS):
        xb = X_train[batches.choice(len(X_train), BATCH, replace=False)]
        loss = 0.5 * F.mse_loss(decoder(encoder(xb)), xb, reduction="sum") / BATCH
        if lam:
            loss = loss + lam * jacobian_penalty(encoder, xb)
        loss.backward()
        opt.step()
        opt.zero_grad()
    with mg.no_grad():
        reconstruction = 0.5 * np.mean(np.sum((decoder(encoder(X_test)).numpy() - X_test) ** 2, axis=1))
        return jacobian_penalty(encoder, X_test).item(), reconstruction


start = time.perf_counter()
runs = {lam: contractive_run(lam) for lam in (0.0, 0.1)}
print(f"{TRAIN_STEPS} steps each ({time.perf_counter() - start:.1f} s): held-out ‖J‖²_F and reconstruction: "
      + ", ".join(f"λ = {lam:g}: {p:.3f}, {rec:.3f}" for lam, (p, rec) in runs.items()))
checks.add("training through jacobian_penalty lowers held-out ‖J‖²_F", f"{runs[0.0][0]:.3f} → {runs[0.1][0]:.3f}",
           runs[0.1][0] < runs[0.0][0] / 1.5)

# %% [markdown]
# ## What held
# A gradient recorded with `create_graph=True` is a graph like any other: differentiating it gave the closed-form
# second derivatives of tanh(w·x), Hessian-vector products equal to the explicit Hessian, and second derivatives
# that agree with finite differences of the first. The linear autoencoder's Hessian at PCA's optimum is positive
# semi-definite with exactly k² + k + k·(dead pixels) zero eigenvalues — its symmetries and its unused inputs — and
# a condition number in the millions. Gradient descent, held below 2/λ_max, crawls along the flat directions, while
# Adam's per-parameter steps (at a learning rate that suits it) end orders of magnitude closer in the same number
# of steps; beyond 2/λ_max, the non-quadratic loss let gradient descent slide to a flatter optimum instead of
# diverging. Newton's step solves the quadratic decoder problem exactly in one step, and needs damping where the
# Hessian is indefinite. The contractive penalty built from autodiff's Jacobian equals lesson 6's closed form on
# one layer, works for two, and its gradient — a second derivative — agrees with the hand derivation, with
# backprop through the chain-rule formula, and with finite differences; training through it lowers the code's
# sensitivity, at about 30 times the closed form's cost per step.

# %%
print(f"\nlesson ran in {time.perf_counter() - started:.1f} s; figures in {args.out}")
checks.assert_all()
