"""im2col / col2im beyond tests/test_kernels.py's agreement test: the tap table the compiled loops follow, writing
into a strided ``out``, non-contiguous inputs, the batch-wide layout the convolutions use, and the loops as plain
Python (what NUMBA_DISABLE_JIT=1 runs)."""
import importlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad_ae as mg
from minigrad_ae.nn import functional as F
from test_kernels import DTYPES
from test_kernels import conv_geometries as geometries   # (batch, channels, h, w, kh, kw, stride, padding)

K = importlib.import_module("minigrad_ae.kernels.im2col")   # the module (the package exports only the kernels)

pytestmark = pytest.mark.skipif(not mg.kernels.NUMBA_INSTALLED, reason="numba is not installed: the kernels run "
                                "their NumPy references (tests/test_without_numba.py checks that)")


def random(seed, shape, dtype):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def columns_shape(n, c, h, w, kh, kw, stride, padding):
    return n, c * kh * kw, K.conv_output_size(h, kh, stride, padding) * K.conv_output_size(w, kw, stride, padding)


# ---------------------------------------------------------------- the tap table
def test_the_tap_table_on_a_hand_computed_example():
    # one 2×3 image (pixels 0..5), 2×2 kernel, stride 1, padding 1: 3×4 positions; −1 marks a padding zero
    table = K.tap_table(1, 2, 3, 2, 2, 1, 1)
    assert table.shape == (4, 12) and table.dtype == np.int32
    np.testing.assert_array_equal(table[0], [-1, -1, -1, -1, -1, 0, 1, 2, -1, 3, 4, 5])   # tap (0, 0)
    np.testing.assert_array_equal(table[3], [0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1])   # tap (1, 1)
    assert K.tap_table(1, 2, 3, 2, 2, 1, 1) is table          # cached per shape and geometry
    with pytest.raises(ValueError):
        table[0, 0] = 7                                          # shared by every call: read-only


@given(geometry=geometries())
def test_the_tap_table_is_what_the_reference_gathers(geometry):
    # im2col of an image whose pixel values are their own flat indices, padding marked −1, is the table itself
    _, c, h, w, kh, kw, stride, padding = geometry
    indices = np.arange(c * h * w, dtype=np.float64).reshape(1, c, h, w)
    marked = K.im2col_reference(indices + 1, kh, kw, stride, padding)[0] - 1   # padding zeros become −1
    np.testing.assert_array_equal(K.tap_table(c, h, w, kh, kw, stride, padding), marked)


# ---------------------------------------------------------------- strided out, non-contiguous inputs
@pytest.mark.parametrize("version", ["reference", "compiled"])
@given(geometry=geometries(), dtype=DTYPES, seed=st.integers(0, 2**32 - 1))
def test_im2col_writes_into_a_strided_out_and_reads_a_strided_input(version, geometry, dtype, seed):
    n, c, h, w, kh, kw, stride, padding = geometry
    im2col = getattr(mg.kernels.im2col, version)
    x = random(seed, (c, n, w, h), dtype).transpose(1, 0, 3, 2)          # (n, c, h, w), not contiguous
    want = K.im2col_reference(np.ascontiguousarray(x), kh, kw, stride, padding)
    rows_first = np.full(np.array(want.shape)[[1, 0, 2]], np.nan, dtype)   # (C·kh·kw, N, OH·OW)
    out = rows_first.transpose(1, 0, 2)
    assert im2col(x, kh, kw, stride, padding, out) is out
    np.testing.assert_array_equal(out, want)                            # a gather: exact, every entry written
    np.testing.assert_array_equal(im2col(x, kh, kw, stride, padding), want)
    with pytest.raises(ValueError, match="im2col: out has shape"):   # never written past its end
        im2col(x, kh, kw, stride, padding, np.empty((n, want.shape[1], want.shape[2] + 1), dtype))


@given(geometry=geometries(), dtype=DTYPES, seed=st.integers(0, 2**32 - 1))
def test_col2im_reads_strided_columns(geometry, dtype, seed):
    n, c, h, w, kh, kw, stride, padding = geometry
    shape = columns_shape(n, c, h, w, kh, kw, stride, padding)
    cols = random(seed, (shape[1], shape[0], shape[2]), dtype).transpose(1, 0, 2)   # (N, rows, positions), a view
    got = mg.kernels.col2im.compiled(cols, (n, c, h, w), kh, kw, stride, padding)
    want = K.col2im_reference(np.ascontiguousarray(cols), (n, c, h, w), kh, kw, stride, padding)
    assert got.shape == want.shape and got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(got, want, rtol=2e-6 if dtype == np.float32 else 1e-13, atol=1e-6)


# ---------------------------------------------------------------- the batch side by side
@pytest.mark.parametrize("version", ["reference", "compiled"])
@given(geometry=geometries(), dtype=DTYPES, seed=st.integers(0, 2**32 - 1))
def test_batch_columns_are_each_images_columns_side_by_side_and_adjoint(version, geometry, dtype, seed):
    n, c, h, w, kh, kw, stride, padding = geometry
    x = random(seed, (n, c, h, w), dtype)
    per_image = K.im2col_reference(x, kh, kw, stride, padding)          # (N, rows, positions)
    with pytest.MonkeyPatch.context() as patch:
        for kernel in (mg.kernels.im2col, mg.kernels.col2im):   # the batch functions call the kernels' switch
            patch.setattr(kernel, "_chosen", getattr(kernel, version))
        batch = K.batch_im2col(x, kh, kw, stride, padding)
        c_in = random(seed + 1, batch.shape, dtype)
        back = K.batch_col2im(c_in, x.shape, kh, kw, stride, padding)
    rows, positions = per_image.shape[1:]
    assert batch.shape == (rows, n * positions) and batch.flags.c_contiguous
    np.testing.assert_array_equal(batch.reshape(rows, n, positions), per_image.transpose(1, 0, 2))
    per_image_back = K.col2im_reference(c_in.reshape(rows, n, positions).transpose(1, 0, 2).copy(), x.shape,
                                        kh, kw, stride, padding)
    np.testing.assert_allclose(back, per_image_back, rtol=2e-6 if dtype == np.float32 else 1e-13, atol=1e-6)
    lhs, rhs = np.vdot(batch.astype(np.float64), c_in), np.vdot(x.astype(np.float64), back)   # ⟨im2col x, C⟩ =
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)   # ⟨x, col2im C⟩


# ---------------------------------------------------------------- the loops as plain Python
def test_the_loops_as_python_do_what_the_compiled_ones_do():
    # what NUMBA_DISABLE_JIT=1 runs, stepped through in a debugger: the undecorated functions
    x = random(0, (2, 3, 5, 4), np.float64)
    table = K.tap_table(3, 5, 4, 3, 2, 2, 1)
    cols = np.empty((2, *table.shape))
    K._gather.py_func(x.reshape(2, -1), table, cols)
    np.testing.assert_array_equal(cols, K.im2col_reference(x, 3, 2, 2, 1))
    back = np.full((2, 60), np.nan)
    K._scatter_add.py_func(cols, table, back)
    np.testing.assert_allclose(back.reshape(x.shape), K.col2im_reference(cols, x.shape, 3, 2, 2, 1), rtol=1e-14)


# ---------------------------------------------------------------- the layers on the batch-wide layout
@pytest.mark.parametrize("transposed", [False, True])
def test_float32_layers_keep_float32_and_agree_with_float64(transposed):
    # the W5 geometry (3×3, stride 2, padding 1), bias included: outputs and every gradient stay float32
    rng = np.random.default_rng(1)
    x = rng.random((5, 3, 7, 7) if transposed else (5, 3, 14, 14))
    weight, bias = rng.standard_normal((3, 4, 3, 3) if transposed else (4, 3, 3, 3)) / 3, rng.standard_normal(4)
    conv = ((lambda a, v, b: F.conv_transpose2d(a, v, b, 2, 1, output_padding=1)) if transposed else
            (lambda a, v, b: F.conv2d(a, v, b, 2, 1)))
    results = {}
    for dtype in (np.float32, np.float64):
        inputs = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in (x, weight, bias)]
        y = conv(*inputs)
        (y * mg.tensor(np.cos(np.arange(y.data.size)).reshape(y.shape), dtype=dtype)).sum().backward()
        results[dtype] = [y.data] + [t.grad for t in inputs]
    for got, want in zip(results[np.float32], results[np.float64]):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
