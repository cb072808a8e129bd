"""im2col / col2im: turn a convolution into one matrix product (which BLAS does), and back.

A convolution with a (kh, kw) kernel, stride s and zero padding p sees, at each output position
(oh, ow), the input patch x[n, c, oh·s − p + i, ow·s − p + j] for i < kh, j < kw. ``im2col`` lays the
patches out as columns: cols[n, (c·kh + i)·kw + j, oh·OW + ow], so conv(x) = W.reshape(out, −1) @ cols.
``col2im`` is its adjoint (transpose): it adds every column entry back onto the pixel it came from,
which is the backward of im2col and the forward of a transposed convolution.
Output size: OH = (H + 2p − kh) // s + 1 (and OW alike).
"""
import numpy as np

from .jit import Kernel, lazy_njit


def conv_output_size(size, kernel, stride, padding):
    """Positions a kernel of width ``kernel`` takes along an axis of ``size`` (padded by ``padding`` per side)."""
    return (size + 2 * padding - kernel) // stride + 1


# ---------------------------------------------------------------- references
def im2col_reference(x, kh, kw, stride, padding):
    """x (N, C, H, W) -> cols (N, C·kh·kw, OH·OW), zero padding included."""
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype)   # np.pad, but faster
    padded[:, :, padding:padding + h, padding:padding + w] = x
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            # kernel tap (i, j) sees every s-th pixel, starting i rows and j columns into the padded image
            cols[:, :, i, j] = padded[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
    return cols.reshape(n, c * kh * kw, oh * ow)


def col2im_reference(cols, shape, kh, kw, stride, padding):
    """cols (N, C·kh·kw, OH·OW) -> x (N, C, H, W) = ``shape``: each entry added onto its pixel (im2col's adjoint)."""
    n, c, h, w = shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    taps = cols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += taps[:, :, i, j]
    return padded[:, :, padding:padding + h, padding:padding + w].copy()


# ---------------------------------------------------------------- numba
@lazy_njit
def _im2col_loop(x, kh, kw, stride, padding, oh, ow, cols):
    n_images, channels, height, width = x.shape
    for n in range(n_images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for y in range(oh):
                        h = y * stride - padding + i
                        for z in range(ow):
                            w = z * stride - padding + j
                            inside = 0 <= h < height and 0 <= w < width   # else: a padding zero
                            cols[n, row, y * ow + z] = x[n, c, h, w] if inside else 0


@lazy_njit
def _col2im_loop(cols, kh, kw, stride, padding, oh, ow, x):
    n_images, channels, height, width = x.shape
    x[...] = 0
    for n in range(n_images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for y in range(oh):
                        h = y * stride - padding + i
                        if 0 <= h < height:
                            for z in range(ow):
                                w = z * stride - padding + j
                                if 0 <= w < width:
                                    x[n, c, h, w] += cols[n, row, y * ow + z]


def im2col_compiled(x, kh, kw, stride, padding):
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    cols = np.empty((n, c * kh * kw, oh * ow), dtype=x.dtype)
    _im2col_loop(np.ascontiguousarray(x), kh, kw, stride, padding, oh, ow, cols)
    return cols


def col2im_compiled(cols, shape, kh, kw, stride, padding):
    n, c, h, w = shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    x = np.empty(shape, dtype=cols.dtype)
    _col2im_loop(np.ascontiguousarray(cols), kh, kw, stride, padding, oh, ow, x)
    return x


im2col = Kernel(im2col_reference, im2col_compiled)
col2im = Kernel(col2im_reference, col2im_compiled)
