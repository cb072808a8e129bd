"""Stand-ins that are not an op's backward: each gets the exercise's result by another, slower route.

A hand-derived gradient is replaced by autodiff of what it differentiates; an algorithm by a different one
(Kahn's algorithm for the depth-first topological sort, counting for a formula, brute force for one matrix
product, a walk along the schedule for its closed form). Each function names, in its first line, the exercise
it stands in for, and takes what that exercise's code has at hand.
"""
import math

import numpy as np

from .notices import notice


# ---------------------------------------------------------------- autodiff track


def unbroadcast(grad, shape):
    """Exercise ``unbroadcast``: each entry of ``grad`` added onto the input element it is a copy of, found by
    broadcasting the input's flat indices (a scatter-add; works on arrays and on Tensors)."""
    notice("unbroadcast")
    size = math.prod(shape)
    source = np.broadcast_to(np.arange(size).reshape(shape), grad.shape).reshape(-1)
    if isinstance(grad, np.ndarray):
        summed = np.bincount(source, weights=grad.reshape(-1), minlength=size)
        return summed.reshape(shape).astype(grad.dtype, copy=False)
    from ..autodiff import ops
    return ops.scatter_add(grad.reshape(-1), source, (size,)).reshape(shape)


def scatter(g, index, shape):
    """Exercise ``scatter_add``: each entry of g added onto the element of ``shape`` it was read from, found by
    indexing the flat positions of an array of ``shape`` with the same ``index`` (a weighted count)."""
    notice("scatter_add")
    size = math.prod(shape)
    source = np.arange(size).reshape(shape)[index].reshape(-1)
    return np.bincount(source, weights=np.asarray(g).reshape(-1), minlength=size).reshape(shape).astype(g.dtype)


def topological_order(roots):
    """Exercise ``topological_order``: Kahn's algorithm — count each tensor's inputs, then repeatedly take a
    tensor whose inputs are all placed — instead of a depth-first search."""
    notice("topological_order")
    from ..autodiff import Tensor
    stack = [roots] if isinstance(roots, Tensor) else list(roots)
    found, waiting, users = {}, {}, {}
    while stack:
        node = stack.pop()
        if id(node) in found:
            continue
        found[id(node)] = node
        inputs = [p for p in node.creator.parents if p.requires_grad] if node.creator is not None else []
        waiting[id(node)] = len(inputs)
        for parent in inputs:
            users.setdefault(id(parent), []).append(node)
            stack.append(parent)
    ready = [node for node in found.values() if waiting[id(node)] == 0]
    order = []
    while ready:
        node = ready.pop()
        order.append(node)
        for user in users.get(id(node), ()):
            waiting[id(user)] -= 1
            if waiting[id(user)] == 0:
                ready.append(user)
    return order


def central_differences(values, x, eps):
    """Exercise ``central_differences``: ∂values/∂xₖ for each element of the array ``x`` (``values()`` returns a
    number or a 1-d array computed from the current x), shaped (number of values, *x.shape): the mean of the
    forward and the backward difference quotient around values() at x itself (evaluated once)."""
    notice("central_differences")
    here = np.atleast_1d(values()).astype(np.float64)
    grad = np.zeros((here.size, x.size))
    flat = x.reshape(-1)   # a view: writing flat[k] moves the input that values() reads
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        forward = (np.atleast_1d(values()) - here) / eps
        flat[k] = original - eps
        backward = (here - np.atleast_1d(values())) / eps
        flat[k] = original
        grad[:, k] = (forward + backward) / 2
    return grad.reshape((here.size,) + x.shape)


def sharpness(loss, theta):
    """Exercise ``lesson18_power_iteration``: the Hessian's eigenvalue of largest magnitude at θ (the one power
    iteration converges to), from the whole Hessian (one double backward per parameter) and an eigensolver."""
    notice("lesson18_power_iteration")
    from ..autodiff import hessian
    H = hessian(loss, theta).numpy()
    eigenvalues = np.linalg.eigvalsh((H + H.T) / 2)
    return eigenvalues[np.argmax(np.abs(eigenvalues))]


def apply_post_order(module, fn):
    """Exercise ``module_apply``: fn on every module of the tree, children before their parent, by an explicit
    stack (each module pushed twice: to visit its children, then to be called) instead of recursion."""
    notice("module_apply")
    stack = [(module, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            fn(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children()))


def adam_update(param, grad, m, v, lr, beta1, beta2, eps, step, weight_decay=0.0):
    """Exercise ``adam_step``: Adam's update as the paper writes it, with bias-corrected copies m̂ and v̂ (two
    new arrays per step), instead of the kernel's in-place form."""
    notice("adam_step")
    g = grad + weight_decay * param if weight_decay else grad
    m[...] = beta1 * m + (1 - beta1) * g
    v[...] = beta2 * v + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1 ** step), v / (1 - beta2 ** step)
    param -= (lr * m_hat / (np.sqrt(v_hat) + eps)).astype(param.dtype, copy=False)


# ---------------------------------------------------------------- hand-derived gradients: autodiff instead


def autodiff_grads(exercise_id, loss, inputs, grad_output=None):
    """A hand-derived gradient's stand-in: ∂⟨grad_output, loss(*inputs)⟩/∂input for each input array, by autodiff
    (float64 arrays in, NumPy arrays out)."""
    notice(exercise_id)
    from ..autodiff import enable_grad, grad, tensor
    tensors = [tensor(np.asarray(x, dtype=np.float64), requires_grad=True, dtype=np.float64) for x in inputs]
    with enable_grad():
        out = loss(*tensors)
    return tuple(g.data for g in grad(out, tensors, None if grad_output is None else np.asarray(grad_output)))


def linear_ae_grads(model, X):
    """Exercise ``linear_ae_closed_form``: the gradients of ½ Σ‖x − x̂‖² over the batch X by autodiff, keyed like
    ``model.named_parameters()``."""
    notice("linear_ae_closed_form")
    from ..autodiff import enable_grad, grad
    names, params = zip(*model.named_parameters())
    with enable_grad():
        loss = model.loss(X, reduction="sum")
    return {name: g.data for name, g in zip(names, grad(loss, list(params)))}


def gaussian_kl_grads(mu, logvar):
    """Exercise ``vae_kl_grads``: (∂KL/∂μ, ∂KL/∂logvar) of the summed closed-form KL, by autodiff."""
    from ..nn import functional as F
    return autodiff_grads("vae_kl_grads", lambda m, v: F.gaussian_kl(m, v, reduction="sum"), [mu, logvar])


def reparameterization_grads(g_z, logvar, eps):
    """Exercise ``vae_reparam_grads``: (∂L/∂μ, ∂L/∂logvar) through z = reparameterize(μ, logvar, ε) given
    ∂L/∂z, by autodiff, shaped like z (at μ = 0: the gradient does not depend on μ's value)."""
    from ..nn import functional as F
    shape = np.broadcast_shapes(np.shape(g_z), np.shape(logvar), np.shape(eps))
    return autodiff_grads("vae_reparam_grads", lambda m, v: F.reparameterize(m, v, eps=eps)[0],
                          [np.zeros(shape), np.broadcast_to(logvar, shape)], grad_output=np.broadcast_to(g_z, shape))


def sparse_ae_delta(model, X):
    """Exercise ``sparse_delta``: δ² for the batch X, m·∂J/∂z² (z² the code's pre-activation, m the batch size),
    by autodiff of the sparse autoencoder's loss (without weight decay, which does not reach δ²)."""
    from ..autodiff import no_grad

    def loss(z2):
        h = z2.sigmoid()
        return model.reconstruction_loss(X, h) + model.sparsity_penalty(h)
    with no_grad():
        z2 = model.encoder(X).data
    return len(X) * autodiff_grads("sparse_delta", loss, [z2])[0]


def dae_bias_grad(X_hat, target):
    """Exercise ``lesson5_dae_bias_grad``: ∂L/∂b_out of L = mean (target − x̂)² for a sigmoid output x̂ = σ(s + b_out)
    at b_out = 0, by autodiff (s recovered from x̂ as its logit)."""
    from ..nn import functional as F
    logits = np.log(X_hat / (1 - X_hat)).astype(np.float64)
    return autodiff_grads("lesson5_dae_bias_grad", lambda b: F.mse_loss(F.sigmoid(logits + b), target),
                          [np.zeros(X_hat.shape[1])])[0]


def contractive_grads(X, W, b):
    """Exercise ``contractive_grad``: (∂P/∂W, ∂P/∂b) of the contractive penalty of h = σ(X Wᵀ + b), averaged over
    the rows of X, by autodiff."""
    from ..nn import functional as F

    def penalty(w, c):
        return F.contractive_penalty(F.sigmoid(F.linear(X, w, c)), w, reduction="mean")
    return autodiff_grads("contractive_grad", penalty, [W, b])


# ---------------------------------------------------------------- autoencoder track: other methods


def nearest_codes(z, codebook):
    """Exercise ``vq_nearest_code``: argminₖ ‖zₙ − eₖ‖² by brute force, the (N, K, d) differences of a few
    rows at a time, instead of one matrix product."""
    notice("vq_nearest_code")
    vectors = z.reshape(-1, codebook.shape[1])
    indices = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), 256):
        difference = vectors[start:start + 256, None, :] - codebook[None, :, :]
        indices[start:start + 256] = (difference * difference).sum(axis=2).argmin(axis=1)
    return indices.reshape(z.shape[:-1])


def conv_output_size(size, kernel, stride, padding):
    """Exercise ``conv_output_size``: slide the kernel along the padded axis and count where it fits."""
    notice("conv_output_size")
    positions, start = 0, 0
    while start + kernel <= size + 2 * padding:
        positions, start = positions + 1, start + stride
    return positions


def roc_curve(scores, is_anomaly):
    """Exercise ``roc_curve``: for each distinct score t, highest first, count the flagged samples (score ≥ t) of
    each class — one comparison per sample and threshold, instead of one sort and running counts."""
    notice("roc_curve")
    thresholds = np.unique(scores)[::-1]
    flagged_anomalies, flagged_normals = [], []
    for start in range(0, len(thresholds), 256):
        flagged = scores[None, :] >= thresholds[start:start + 256, None]
        flagged_anomalies.append((flagged & is_anomaly).sum(axis=1))
        flagged_normals.append((flagged & ~is_anomaly).sum(axis=1))
    tpr = np.concatenate(flagged_anomalies) / is_anomaly.sum()
    fpr = np.concatenate(flagged_normals) / (~is_anomaly).sum()
    return np.r_[0.0, fpr], np.r_[0.0, tpr], np.r_[np.inf, thresholds]


def cyclic_height_and_scale(schedule):
    """Exercise ``cyclic_lr``: (h, scale) of a CyclicLR at iteration ``last_epoch`` by walking the triangle from the
    start of its cycle — up by 1/step_size_up per iteration, then down by 1/step_size_down — counting whole
    cycles, instead of the closed form."""
    notice("cyclic_lr")
    up, down, it = schedule.step_size_up, schedule.step_size_down, schedule.last_epoch
    cycles, height = it // (up + down), 0.0
    for t in range(it - cycles * (up + down)):
        height += 1 / up if t < up else -1 / down
    scale = {"triangular": 1.0, "triangular2": 0.5 ** cycles, "exp_range": schedule.gamma ** it}[schedule.mode]
    return height, scale


def masking_noise(x, fraction, rng, fixed_count=False):
    """Exercise ``masking_noise``: multiply x by keep-or-drop factors — a Bernoulli(1 − fraction) draw per entry,
    or, with ``fixed_count``, a random permutation of each sample's exact number of zeros and ones."""
    notice("masking_noise")
    if not fixed_count:
        return x * rng.binomial(1, 1 - fraction, size=x.shape).astype(x.dtype)
    samples = x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(1, -1)
    n_features = samples.shape[1]
    dropped = round(fraction * n_features)
    keep = np.array([rng.permutation(np.r_[np.zeros(dropped), np.ones(n_features - dropped)]) for _ in samples])
    return (samples * keep.astype(x.dtype)).reshape(x.shape)


def kaiming_gain(negative_slope):
    """Exercise ``kaiming_gain``: 1/√E[f(z)²] for z ~ N(0, 1) and f = LeakyReLU(negative_slope), the expectation
    by the trapezoid rule on a fine grid instead of in closed form."""
    notice("kaiming_gain")
    z = np.linspace(-12, 12, 240_001)
    density = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    activation = np.where(z > 0, z, negative_slope * z)
    return float(1 / np.sqrt(np.trapezoid(activation ** 2 * density, z)))


def squared_distances(a, b):
    """Exercise ``lesson12_knn``: ‖aᵢ − bⱼ‖² for the rows of a (T, d) and b (N, d), a (T, N) array, from the
    differences of one row of a with every row of b at a time."""
    notice("lesson12_knn")
    squared = np.empty((len(a), len(b)), dtype=np.result_type(a, b))
    for row, point in enumerate(a):
        difference = b - point
        squared[row] = (difference * difference).sum(axis=1)
    return squared


def residual_jacobian(fn, x):
    """Exercise ``lesson20_residual_jacobian``: ∂fn(x)/∂x of one sample x (n,), row i = ∂fᵢ/∂x, by central
    differences of fn's forward in float64 (one column per element of x)."""
    notice("lesson20_residual_jacobian")
    from ..autodiff import no_grad, tensor
    x, eps = np.asarray(x, dtype=np.float64), 1e-6
    columns = []
    with no_grad():
        for j in range(len(x)):
            step = np.zeros_like(x)
            step[j] = eps
            ahead, behind = (fn(tensor(x + s, dtype=np.float64)).data for s in (step, -step))
            columns.append((ahead - behind) / (2 * eps))
    return np.stack(columns, axis=1)


def gradient_norms(model, loss, layers):
    """Exercise ``gradient_norms``: {name: ‖∂loss/∂W‖} of each (name, layer) in ``layers`` by ``autodiff.grad``
    (which leaves .grad alone), the norm as the square root of the sum of squares; .grad cleared as documented."""
    notice("gradient_norms")
    from ..autodiff import grad
    model.zero_grad()
    found = grad(loss, [m.weight for _, m in layers], allow_unused=True)
    return {name: 0.0 if g is None else float(np.sqrt(np.sum(np.square(g.data, dtype=np.float64))))
            for (name, _), g in zip(layers, found)}


def masked_reduction(elementwise, observed, reduction):
    """Exercise ``masked_reduction``: the observed entries of the Tensor ``elementwise`` picked out by indexing
    with the broadcast mask, then averaged or summed; for 'none', put back in place by the adjoint of that index
    (a scatter into zeros) — instead of one product with the mask."""
    notice("masked_reduction")
    from ..autodiff import ops
    where = np.broadcast_to(observed, elementwise.shape)
    picked = elementwise[where]
    if reduction == "none":
        return ops.scatter_add(picked, where, elementwise.shape)
    return picked.mean() if reduction == "mean" else picked.sum()


def contrastive_pair_loss(z1, z2, y, margin):
    """Exercise ``contrastive_pair_loss``: each pair's term chosen by its label with ``where`` — the squared
    distance, or the square of the margin minus the distance clipped at the margin — instead of one blend."""
    notice("contrastive_pair_loss")
    from ..autodiff import ops
    from ..nn.beyond_pixels import DISTANCE_EPS
    squared = ((z1 - z2) * (z1 - z2)).sum(axis=-1)
    shortfall = margin - (squared + DISTANCE_EPS).sqrt().clip(hi=margin)
    return ops.where(y == 1, squared, shortfall * shortfall)


def gaussian_kl_between(mu, logvar, prior_mu, prior_logvar):
    """Exercise ``gaussian_kl_between``: KL = E_q[log q(z) − log p(z)] per unit by three-point Gauss–Hermite
    quadrature over q = N(μ, e^logvar) (exact: the integrand is a quadratic in z), summed over each row, instead
    of the closed form."""
    notice("gaussian_kl_between")
    nodes, weights = np.polynomial.hermite.hermgauss(3)

    def log_density(z, mean, log_variance):
        return -0.5 * (math.log(2 * math.pi) + log_variance + (z - mean) ** 2 / log_variance.exp())
    per_unit = 0
    for node, weight in zip(nodes, weights):
        z = mu + (0.5 * logvar).exp() * (math.sqrt(2) * node)
        per_unit = per_unit + weight / math.sqrt(math.pi) * (log_density(z, mu, logvar)
                                                            - log_density(z, prior_mu, prior_logvar))
    return per_unit.sum(axis=-1)


def tsne_gradient(P, Y, exaggeration):
    """Exercise ``tsne_gradient``: ∂C_α/∂Y (N, d) in float64 by autodiff of ``tsne_objective``."""
    notice("tsne_gradient")
    from ..autodiff import grad, tensor
    points = tensor(Y, requires_grad=True, dtype=np.float64)
    return grad(tsne_objective(P, points, exaggeration), [points])[0].data


def tsne_objective(P, points, exaggeration=1.0):
    """t-SNE's objective from its definitions, a scalar Tensor of the map ``points`` (N, d):
    C_α = α Σ_{i≠j} pᵢⱼ log(1 + ‖yᵢ − yⱼ‖²) + log Z, which is KL(P‖Q) − Σ pᵢⱼ log pᵢⱼ at α = 1."""
    n, d = points.shape
    difference = points.reshape(n, 1, d) - points.reshape(1, n, d)
    one_plus = 1 + (difference * difference).sum(axis=2)
    Z = (one_plus ** -1 * (1 - np.eye(n))).sum()
    return exaggeration * (P * one_plus.log()).sum() + Z.log()
