"""im2col / col2im: turn a convolution into one matrix product (which BLAS does), and back.

A convolution with a (kh, kw) kernel, stride s and zero padding p sees, at each output position
(oh, ow), the input patch x[n, c, oh·s − p + i, ow·s − p + j] for i < kh, j < kw. ``im2col`` lays the
patches out as columns: cols[n, (c·kh + i)·kw + j, oh·OW + ow], so conv(x) = W.reshape(out, −1) @ cols.
``col2im`` is its adjoint (transpose): it adds every column entry back onto the pixel it came from,
which is the backward of im2col and the forward of a transposed convolution.
OH × OW is the number of positions the kernel takes (``conv_output_size``).
``batch_im2col`` / ``batch_col2im`` put the whole batch's columns side by side, (C·kh·kw, N·OH·OW), so that one
product serves every image: a large product runs near BLAS's peak (and on every core), N small ones do not.
"""
import functools

import numpy as np

from .jit import Kernel, lazy_njit


def conv_output_size(size, kernel, stride, padding):
    """Positions a kernel of width ``kernel`` takes along an axis of ``size`` (padded by ``padding`` per side),
    moving ``stride`` at a time: the output size of a convolution, in closed form."""
    # BEGIN SOLUTION conv_output_size
    return (size + 2 * padding - kernel) // stride + 1   # OH = (H + 2p − kh) // s + 1
    # END SOLUTION


# ---------------------------------------------------------------- references
def im2col_reference(x, kh, kw, stride, padding, out=None):
    """x (N, C, H, W) -> cols (N, C·kh·kw, OH·OW), zero padding included; written into ``out`` (that shape, any
    strides) when given."""
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype)   # np.pad, but faster
    padded[:, :, padding:padding + h, padding:padding + w] = x
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            # kernel tap (i, j) sees every s-th pixel, starting i rows and j columns into the padded image
            cols[:, :, i, j] = padded[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
    cols = cols.reshape(n, c * kh * kw, oh * ow)
    if out is None:
        return cols
    _check_out(out, cols.shape)
    out[...] = cols
    return out


def _check_out(out, shape):
    if out.shape != shape:   # the compiled loop does not check its indices: a wrong out would be written past
        raise ValueError(f"im2col: out has shape {out.shape}, but the columns of this input have shape {shape}; "
                         "pass an array of that shape (any strides) or out=None.")


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
# Which pixel each column entry copies depends only on the image shape and the geometry, never on the pixel values
# or the batch: so it is worked out once, in NumPy, as a table, and the compiled loops just follow it. One lookup per
# entry and no test of "inside the image?" per entry, so the gather vectorises (both loops 2-3x faster than with it).
@functools.lru_cache(maxsize=64)
def tap_table(channels, height, width, kh, kw, stride, padding):
    """table[(c·kh + i)·kw + j, oh·OW + ow] = the flat index (c·H + h)·W + w, within one image, of the pixel that
    column entry copies (h = oh·s − p + i, w = ow·s − p + j), or −1 where it is a padding zero.
    Shape (C·kh·kw, OH·OW), like one image's columns; read-only, cached per shape and geometry."""
    oh, ow = conv_output_size(height, kh, stride, padding), conv_output_size(width, kw, stride, padding)
    c, i, j, y, z = np.ix_(range(channels), range(kh), range(kw), range(oh), range(ow))   # the axes of cols
    h, w = y * stride - padding + i, z * stride - padding + j
    inside = (0 <= h) & (h < height) & (0 <= w) & (w < width)
    index_type = np.int32 if channels * height * width < 2**31 else np.int64   # half the table's memory traffic
    table = np.where(inside, (c * height + h) * width + w, -1).astype(index_type)
    table = table.reshape(channels * kh * kw, oh * ow)
    table.setflags(write=False)
    return table


@lazy_njit
def _gather(images, table, cols):
    """cols[n, r, q] = images[n, table[r, q]], or 0 for a padding entry (table[r, q] < 0); cols may have any strides."""
    for n in range(cols.shape[0]):
        image = images[n]
        for r in range(cols.shape[1]):
            for q in range(cols.shape[2]):
                pixel = table[r, q]
                cols[n, r, q] = image[pixel] if pixel >= 0 else 0


@lazy_njit
def _scatter_add(cols, table, images):
    """images[n, table[r, q]] += cols[n, r, q] for every entry that is not padding: the adjoint of ``_gather``."""
    images[...] = 0
    for n in range(cols.shape[0]):
        image = images[n]
        for r in range(cols.shape[1]):
            for q in range(cols.shape[2]):
                pixel = table[r, q]
                if pixel >= 0:
                    image[pixel] += cols[n, r, q]


def im2col_compiled(x, kh, kw, stride, padding, out=None):
    n, c, h, w = x.shape
    table = tap_table(c, h, w, kh, kw, stride, padding)
    if out is None:
        out = np.empty((n, *table.shape), dtype=x.dtype)
    _check_out(out, (n, *table.shape))
    _gather(np.ascontiguousarray(x).reshape(n, c * h * w), table, out)
    return out


def col2im_compiled(cols, shape, kh, kw, stride, padding):
    n, c, h, w = shape
    x = np.empty(shape, dtype=cols.dtype)
    _scatter_add(cols, tap_table(c, h, w, kh, kw, stride, padding), x.reshape(n, c * h * w))
    return x


im2col = Kernel(im2col_reference, im2col_compiled)
col2im = Kernel(col2im_reference, col2im_compiled)


# ---------------------------------------------------------------- the whole batch as one matrix
def batch_im2col(x, kh, kw, stride, padding):
    """x (N, C, H, W) -> cols (C·kh·kw, N·OH·OW): image n's columns are the n-th block of OH·OW columns."""
    n, c, h, w = x.shape
    positions = conv_output_size(h, kh, stride, padding) * conv_output_size(w, kw, stride, padding)
    cols = np.empty((c * kh * kw, n, positions), dtype=x.dtype)
    im2col(x, kh, kw, stride, padding, cols.transpose(1, 0, 2))   # written in place, through the transposed view
    return cols.reshape(c * kh * kw, n * positions)


def batch_col2im(cols, shape, kh, kw, stride, padding):
    """cols (C·kh·kw, N·OH·OW), laid out as ``batch_im2col``'s -> x (N, C, H, W) = ``shape`` (its adjoint)."""
    n, _, h, w = shape
    positions = conv_output_size(h, kh, stride, padding) * conv_output_size(w, kw, stride, padding)
    per_image = cols.reshape(len(cols), n, positions).transpose(1, 0, 2)   # (N, C·kh·kw, OH·OW), a view
    return col2im(per_image, shape, kh, kw, stride, padding)
