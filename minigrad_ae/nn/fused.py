"""Fused ops: a layer or a loss as one ``Function`` with a hand-written backward, where composing it from primitive
ops would be unstable (log of a saturated sigmoid), slow (nine graph nodes on small arrays, all overhead) or is
what a lesson derives (batch norm's compact backward, the straight-through estimator).

Each shows its forward and VJP side by side, like ``autodiff/ops.py``. A fused op whose backward reads an
intermediate result (not only its inputs and output) also has ``composite``: the same forward built from
primitive ops. Backward uses it only when it builds a graph of gradients (``create_graph=True``), and
tests/test_fused.py checks that it computes what ``forward`` does.
The checking wrappers that users call live in functional.py, losses.py, conv.py and quantize.py.
"""
import numpy as np

from .. import kernels
from ..autodiff import Function, Tensor, where
from ..kernels.im2col import batch_col2im, batch_im2col

REDUCTIONS = ("mean", "sum", "none")


def reduce(values, reduction):
    """Σ ('sum'), mean ('mean') or nothing ('none'): on arrays (in a forward) and on Tensors (in a composite)."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def upstream(g, reduction, n):
    """∂L/∂ℓᵢ for every element ℓᵢ of a reduced loss: g itself for 'none' and 'sum' (broadcast), g / n for 'mean'."""
    return g / n if reduction == "mean" else g


# ---------------------------------------------------------------- the affine map of Linear


class Affine(Function):
    """y = x Wᵀ + b;  ∂L/∂x = g W,  ∂L/∂W = gᵀ x (summed over the batch),  ∂L/∂b = Σ_batch g.

    Leading axes of x are batch axes. All three products, and the batch sum (a product with a vector
    of ones), run on BLAS. The backward uses only the inputs, so it is its own graph of gradients.
    """
    fresh_grads = True

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is None:
            return y
        if bias.dtype != y.dtype:
            return y + bias  # mixed precision: let NumPy promote
        y += bias            # y is fresh from the product: adding in place saves a pass and an allocation
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved
        need = ctx.needs_input_grad  # (x, W) or (x, W, b)
        rows = g.reshape(-1, g.shape[-1])
        gx = g @ weight if need[0] else None
        gw = rows.T @ x.reshape(-1, x.shape[-1]) if need[1] else None
        if len(need) == 2:
            return gx, gw
        gb = np.ones(len(rows), dtype=g.dtype) @ rows if need[2] else None
        return gx, gw, gb


# ---------------------------------------------------------------- batch normalisation


class BatchNorm(Function):
    """Training batch norm over the m rows of x (m, n): μ, σ² the per-column mean and (biased) variance,
    x̂ = (x − μ)/√(σ² + ε), y = γ x̂ + β with γ, β of shape (n,). Forward saves x̂, γ and 1/√(σ² + ε).

    The running statistics (arrays passed as settings) move towards the batch's in place.
    """
    fresh_grads = True

    @staticmethod
    def forward(ctx, x, gamma, beta, eps, momentum, running_mean, running_var):
        m = x.shape[0]
        mean, var = x.mean(axis=0), x.var(axis=0)
        inv_std = 1 / np.sqrt(var + eps)
        x_hat = (x - mean) * inv_std
        # the running variance estimates the population's, hence the unbiased m/(m − 1) form
        running_mean += momentum * (mean - running_mean)
        running_var += momentum * (var * m / (m - 1) - running_var)
        ctx.save_for_backward(x_hat, gamma, inv_std)
        return gamma * x_hat + beta

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION batchnorm_backward
        # ∂L/∂x = γ/(m√(σ² + ε)) · (m·g − Σg − x̂·Σ(g ⊙ x̂)),  ∂L/∂γ = Σ g ⊙ x̂,  ∂L/∂β = Σ g  (sums over the rows):
        # μ and σ² depend on every row, so each x reaches y through x̂ directly and through μ and σ²
        x_hat, gamma, inv_std = ctx.saved
        m = g.shape[0]
        sum_g, sum_g_xhat = g.sum(axis=0), (g * x_hat).sum(axis=0)
        need_x, need_gamma, need_beta = ctx.needs_input_grad
        gx = gamma * inv_std / m * (m * g - sum_g - x_hat * sum_g_xhat) if need_x else None
        return gx, (sum_g_xhat if need_gamma else None), (sum_g if need_beta else None)
        # END SOLUTION

    @staticmethod
    def composite(x, gamma, beta, eps, **_):
        centred = x - x.mean(axis=0)
        return gamma * centred / ((centred * centred).mean(axis=0) + eps).sqrt() + beta


# ---------------------------------------------------------------- reconstruction losses


class MSE(Function):
    """ℓᵢ = (xᵢ − yᵢ)²;  ∂ℓ/∂x = 2(x − y)·g (÷ n for 'mean'),  ∂ℓ/∂y = −∂ℓ/∂x.

    Summed in float64: a float32 sum of 10⁷ squares drifts by ~1e-4 relative (measured 6.4e-5 on 10000×784).
    """

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        ctx.save_for_backward(diff)
        ctx.reduction, ctx.n = reduction, diff.size
        if reduction == "none":
            return diff * diff
        flat = diff.reshape(-1).astype(np.float64, copy=False)
        total = np.dot(flat, flat)   # Σ(x − y)² as one BLAS dot product
        return diff.dtype.type(total / diff.size if reduction == "mean" else total)

    @staticmethod
    def backward(ctx, g):
        (diff,) = ctx.saved
        gx = 2 * upstream(g, ctx.reduction, ctx.n) * diff
        need_x, need_y = ctx.needs_input_grad
        return (gx if need_x else None), (-gx if need_y else None)

    @staticmethod
    def composite(x, y, reduction):
        return reduce((x - y) * (x - y), reduction)


class BCE(Function):
    """ℓᵢ = −[y log p + (1 − y) log(1 − p)], each log clamped at −100 (so p = 0 or 1 costs 100, not ∞);
    ∂ℓ/∂p = (p − y) / (p(1 − p)) (denominator floored at 1e-12),  ∂ℓ/∂y = log(1 − p) − log p."""

    @staticmethod
    def forward(ctx, p, y, reduction):
        ctx.save_for_backward(p, y)
        ctx.reduction, ctx.n = reduction, p.size
        if reduction == "none":
            return kernels.bce_elementwise(p, y)
        total = kernels.bce_sum(p, y)   # one fused pass after the two logs (kernels/losses.py)
        return total / p.size if reduction == "mean" else total

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved
        up = upstream(g, ctx.reduction, ctx.n)
        need_p, need_y = ctx.needs_input_grad
        if need_y:   # rare (the target is usually data): the logs are recomputed rather than kept from forward
            log_p, log_q = kernels.bce_logs(p)
        return ((kernels.bce_grad(p, y, up) if need_p else None),   # up·(p − y)/max(p(1 − p), 1e-12)
                (up * (log_q - log_p) if need_y else None))

    @staticmethod
    def composite(p, y, reduction):
        return reduce(-(y * p.log().clip(lo=kernels.LOG_FLOOR) + (1 - y) * (1 - p).log().clip(lo=kernels.LOG_FLOOR)),
                      reduction)


class BCEWithLogits(Function):
    """ℓᵢ = max(z, 0) − z·y + log(1 + e^−|z|)  (= log(1 + eᶻ) − z·y = BCE(σ(z), y) without overflow), for logits z
    and targets y of one shape; forward saves z, y and log(1 + eᶻ)."""

    @staticmethod
    def forward(ctx, z, y, reduction):
        # log(1 + eᶻ); log(1 + e), not log1p(e): NumPy's float32 log1p has no vector code (3.5 ms against 0.66 ms on
        # 64×784 here), and 1 + e only rounds where e < 6e-8 (float32): an absolute error below the loss's precision
        softplus = np.maximum(z, 0) + np.log(1 + np.exp(-np.abs(z)))
        ctx.save_for_backward(z, y, softplus)
        ctx.reduction, ctx.n = reduction, z.size
        return reduce(softplus - z * y, reduction)

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION bce_with_logits_backward
        # ∂ℓ/∂z = σ(z) − y,  ∂ℓ/∂y = −z
        z, y, softplus = ctx.saved
        up = upstream(g, ctx.reduction, ctx.n)
        need_z, need_y = ctx.needs_input_grad
        sigmoid = np.exp(z - softplus)  # σ(z) = eᶻ / (1 + eᶻ), with an exponent that is always ≤ 0
        return (up * (sigmoid - y) if need_z else None), (-up * z if need_y else None)
        # END SOLUTION

    @staticmethod
    def composite(z, y, reduction):
        # log(1 + eᶻ) = z − log σ(z) for z ≥ 0, −log σ(−z) for z < 0: the same analytic function either way (so
        # every derivative agrees at 0), each evaluated where its σ ≥ ½ cannot underflow
        positive = z.data >= 0
        softplus = where(positive, z, 0 * z) - (z * np.where(positive, 1.0, -1.0)).sigmoid().log()
        return reduce(softplus - z * y, reduction)


# ---------------------------------------------------------------- classification


class LogSoftmax(Function):
    """z = a − log Σₖ e^{aₖ} along ``axis`` (a shifted by its max first, so every e^{…} ≤ 1); forward saves z."""
    hint = "axis must be one of the input's dimensions (-1 for the last)."

    @staticmethod
    def forward(ctx, a, axis):
        shifted = a - a.max(axis=axis, keepdims=True)
        z = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(z)
        ctx.axis = axis
        return z

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION log_softmax_backward
        # ∂L/∂a = g − softmax(a) · Σₖ gₖ, and softmax(a) = e^z
        (z,) = ctx.saved
        return g - np.exp(z) * g.sum(axis=ctx.axis, keepdims=True)
        # END SOLUTION

    @staticmethod
    def composite(a, axis):
        shifted = a - a.detach().max(axis=axis, keepdims=True)   # the shift cancels: it needs no gradient
        return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


# ---------------------------------------------------------------- regularisers of the code


class KLSparsity(Function):
    """KL = Σⱼ ρ log(ρ/ρ̂ⱼ) + (1 − ρ) log((1 − ρ)/(1 − ρ̂ⱼ)), the divergence of each unit's mean activation ρ̂ⱼ
    from the target ρ (a scalar). Its gradient ∂KL/∂ρ̂ⱼ is the sparse autoencoder's extra term."""

    @staticmethod
    def forward(ctx, rho_hat, rho):
        rho = rho_hat.dtype.type(rho)  # a float64 constant must not promote a float32 graph
        ctx.save_for_backward(rho_hat)
        ctx.rho = rho
        return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION kl_sparsity_backward
        # ∂KL/∂ρ̂ⱼ = −ρ/ρ̂ⱼ + (1 − ρ)/(1 − ρ̂ⱼ)
        (rho_hat,) = ctx.saved
        rho = ctx.rho
        return g * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        # END SOLUTION

    @staticmethod
    def composite(rho_hat, rho):
        return (rho * (rho / rho_hat).log() + (1 - rho) * ((1 - rho) / (1 - rho_hat)).log()).sum()


class GaussianKL(Function):
    """KLᵢ = −½ Σⱼ (1 + logvarᵢⱼ − μᵢⱼ² − e^logvarᵢⱼ) per row: KL(N(μ, e^logvar) ‖ N(0, I)). Forward saves μ, e^logvar.

    One fused op: composed from autodiff ops it was nine graph nodes on small arrays, all overhead.
    Its backward is the VAE's hand-derived KL gradient (``models.vae.kl_grads``), so it is part of that exercise.
    """

    @staticmethod
    def forward(ctx, mu, logvar, reduction):
        var = np.exp(logvar)
        ctx.save_for_backward(mu, var)
        per_row = -0.5 * (1 + logvar - mu * mu - var).sum(axis=-1)
        ctx.reduction, ctx.n = reduction, per_row.size
        return reduce(per_row, reduction)

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION vae_kl_grads
        # ∂KLᵢ/∂μ = μ,  ∂KLᵢ/∂logvar = ½(e^logvar − 1)
        mu, var = ctx.saved
        up = upstream(g, ctx.reduction, ctx.n)
        up = up.reshape(np.shape(up) + (1,)) if np.ndim(up) else up   # one per row, spread over its latent units
        need_mu, need_logvar = ctx.needs_input_grad
        return (up * mu if need_mu else None), (0.5 * up * (var - 1) if need_logvar else None)
        # END SOLUTION

    @staticmethod
    def composite(mu, logvar, reduction):
        return reduce(-0.5 * (1 + logvar - mu * mu - logvar.exp()).sum(axis=-1), reduction)


# ---------------------------------------------------------------- vector quantisation


class StraightThrough(Function):
    """Forward z_q = e, the chosen codebook rows; backward: the straight-through estimator for the encoder's
    output z_e (the nearest-code choice has no useful derivative), and no gradient for the codebook rows.

    The same as the usual one-liner z_q = z_e + sg[e − z_e] (``composite``; sg = stop-gradient); as a Function
    the forward is exactly e (no z_e + (e − z_e) rounding).
    """

    @staticmethod
    def forward(ctx, z_e, chosen):
        return chosen

    @staticmethod
    def backward(ctx, g):
        # BEGIN SOLUTION straight_through_backward
        return g, None   # ∂L/∂z_e = ∂L/∂z_q copied unchanged; e gets nothing
        # END SOLUTION

    @staticmethod
    def composite(z_e, chosen):
        return z_e + (chosen - z_e).detach()


# ---------------------------------------------------------------- convolutions
# conv:   cols = im2col(x) (N, C·kh·kw, OH·OW);  y[n] = W₂ cols[n] + b, W₂ = W.reshape(O, C·kh·kw)
# convT:  cols[n] = W₂ᵀ x[n] (W₂ = W.reshape(C, O·kh·kw));  y = col2im(cols) + b   (the adjoint of conv)


class Im2Col(Function):
    """cols = im2col(x): every kernel-sized patch of x as a column;  ∂L/∂x = col2im(g), its adjoint."""

    @staticmethod
    def forward(ctx, x, kh, kw, stride, padding):
        ctx.x_shape, ctx.geometry = x.shape, (kh, kw, stride, padding)
        return kernels.im2col(x, kh, kw, stride, padding)

    @staticmethod
    def backward(ctx, g):
        return col2im(g, ctx.x_shape, *ctx.geometry)


class Col2Im(Function):
    """x = col2im(cols): each column entry added back onto its pixel;  ∂L/∂cols = im2col(g), its adjoint."""

    @staticmethod
    def forward(ctx, cols, shape, kh, kw, stride, padding):
        ctx.geometry = (kh, kw, stride, padding)
        return kernels.col2im(cols, shape, kh, kw, stride, padding)

    @staticmethod
    def backward(ctx, g):
        return im2col(g, *ctx.geometry)


def im2col(x, kh, kw, stride, padding):
    """The patches of x (N, C, H, W) as columns (N, C·kh·kw, OH·OW): an array stays an array, a Tensor records."""
    if isinstance(x, Tensor):
        return Im2Col.apply(x, kh=kh, kw=kw, stride=stride, padding=padding)
    return kernels.im2col(x, kh, kw, stride, padding)


def col2im(cols, shape, kh, kw, stride, padding):
    """im2col's adjoint: columns back to an image batch of ``shape``: arrays stay arrays, a Tensor records."""
    if isinstance(cols, Tensor):
        return Col2Im.apply(cols, shape=shape, kh=kh, kw=kw, stride=stride, padding=padding)
    return kernels.col2im(cols, shape, kh, kw, stride, padding)


class Convolution2d(Function):
    """y[n] = W₂ cols[n] + b, with W₂ = W.reshape(O, C·kh·kw) and cols = im2col(x);
    ∂L/∂W₂ = Σₙ g[n] cols[n]ᵀ,  ∂L/∂x = col2im(W₂ᵀ g[n]),  ∂L/∂b = Σ over n, h, w of g.

    Every image's columns side by side make each sum over n one product: Y = W₂ [cols[0] … cols[N−1]], and so on."""
    fresh_grads = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, *, stride, padding):
        n, _, h, w = x.shape
        out_channels, _, kh, kw = weight.shape
        cols = batch_im2col(x, kh, kw, stride, padding)               # (C·kh·kw, N·OH·OW)
        ctx.save_for_backward(cols, weight)
        ctx.x_shape, ctx.stride, ctx.padding = x.shape, stride, padding
        out_hw = kernels.conv_output_size(h, kh, stride, padding), kernels.conv_output_size(w, kw, stride, padding)
        return _batch_first(weight.reshape(out_channels, -1) @ cols, (n, out_channels, *out_hw), bias)

    @staticmethod
    def backward(ctx, g):
        cols, weight = ctx.saved
        need = ctx.needs_input_grad
        w2 = weight.reshape(len(weight), -1)
        g2 = _channels_first(g)                                        # (O, N·OH·OW)
        gx = gw = None
        if need[0]:
            gx = batch_col2im(w2.T @ g2, ctx.x_shape, *weight.shape[2:], ctx.stride, ctx.padding)
        if need[1]:
            gw = (g2 @ cols.T).reshape(weight.shape)
        return _with_bias_grad(need, gx, gw, g)

    @staticmethod
    def composite(x, weight, bias=None, *, stride, padding):
        out_channels, _, kh, kw = weight.shape
        y = weight.reshape(out_channels, -1) @ im2col(x, kh, kw, stride, padding)
        if bias is not None:
            y = y + bias.reshape(out_channels, 1)
        out_hw = [kernels.conv_output_size(size, k, stride, padding) for size, k in zip(x.shape[2:], (kh, kw))]
        return y.reshape(x.shape[0], out_channels, *out_hw)


class TransposedConvolution2d(Function):
    """cols[n] = W₂ᵀ x[n] with W₂ = W.reshape(C, O·kh·kw), y = col2im(cols) + b  (the adjoint of Convolution2d);
    ∂L/∂x[n] = W₂ im2col(g)[n],  ∂L/∂W₂ = Σₙ x[n] im2col(g)[n]ᵀ,  ∂L/∂b = Σ over n, h, w of g.

    As in Convolution2d, the images side by side make each of these one product for the whole batch."""
    fresh_grads = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, *, stride, padding, out_hw):
        n, in_channels = x.shape[:2]
        _, out_channels, kh, kw = weight.shape
        x2 = _channels_first(x)                                        # (C, N·H·W)
        cols = weight.reshape(in_channels, -1).T @ x2                 # (O·kh·kw, N·H·W)
        y = batch_col2im(cols, (n, out_channels, *out_hw), kh, kw, stride, padding)
        _add_channel_bias(y.reshape(n, out_channels, out_hw[0] * out_hw[1]), bias)
        ctx.save_for_backward(x2, weight)
        ctx.x_shape, ctx.stride, ctx.padding = x.shape, stride, padding
        return y

    @staticmethod
    def backward(ctx, g):
        x2, weight = ctx.saved
        need = ctx.needs_input_grad
        w2 = weight.reshape(len(weight), -1)
        g_cols = batch_im2col(g, *weight.shape[2:], ctx.stride, ctx.padding)   # (O·kh·kw, N·H·W)
        gx = _batch_first(w2 @ g_cols, ctx.x_shape) if need[0] else None
        gw = (x2 @ g_cols.T).reshape(weight.shape) if need[1] else None
        return _with_bias_grad(need, gx, gw, g)

    @staticmethod
    def composite(x, weight, bias=None, *, stride, padding, out_hw):
        n, in_channels, h, w = x.shape
        _, out_channels, kh, kw = weight.shape
        cols = weight.reshape(in_channels, -1).T @ x.reshape(n, in_channels, h * w)
        y = col2im(cols, (n, out_channels, *out_hw), kh, kw, stride, padding)
        return y if bias is None else y + bias.reshape(out_channels, 1, 1)


def _channels_first(images):
    """(N, C, H, W) -> (C, N·H·W), a copy: row c holds channel c of every image, the batch side by side."""
    n, c, h, w = images.shape
    side_by_side = np.empty((c, n, h * w), dtype=images.dtype)
    side_by_side[...] = images.reshape(n, c, h * w).transpose(1, 0, 2)
    return side_by_side.reshape(c, n * h * w)


def _batch_first(side_by_side, shape, bias=None):
    """(C, N·H·W) -> (N, C, H, W) = ``shape``, plus b[c] if a bias is given: _channels_first undone, the bias
    added in the same pass."""
    n, c, h, w = shape
    images = np.empty(shape, dtype=side_by_side.dtype)
    per_image = side_by_side.reshape(c, n, h * w).transpose(1, 0, 2)
    shift = 0 if bias is None else bias[:, None].astype(images.dtype, copy=False)
    np.add(per_image, shift, out=images.reshape(n, c, h * w))   # (a plain ``+`` would keep the transposed layout)
    return images


def _add_channel_bias(y3, bias):
    """y3 (N, O, positions) += b[o], in place (y3 is fresh from a product or col2im)."""
    if bias is not None:
        y3 += bias[:, None].astype(y3.dtype, copy=False)


def _with_bias_grad(need, gx, gw, g):
    """(∂L/∂x, ∂L/∂W), and ∂L/∂b[c] = Σ over n, h, w of g[n, c, h, w] when there is a bias (einsum: one pass,
    2-4x faster here than g.sum(axis=(0, 2, 3)), which NumPy does as several strided reductions)."""
    if len(need) == 2:
        return gx, gw
    return gx, gw, (np.einsum("nchw->c", g) if need[2] else None)
