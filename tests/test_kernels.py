"""Kernels: every numba version agrees with its NumPy reference (the spec), in float32 and float64, on odd and
empty shapes and non-contiguous inputs; the switch, lazy compilation and the malloc tuning."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad_ae import kernels as K
from minigrad_ae.autodiff import ops

pytestmark = pytest.mark.skipif(not K.NUMBA_INSTALLED, reason="numba is not installed: the kernels run their "
                                "NumPy references (tests/test_without_numba.py checks that)")

DTYPES = st.sampled_from([np.float32, np.float64])
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=7)   # 0-d, empty axes, odd sizes


def tolerance(dtype):
    return {"rtol": 2e-6, "atol": 1e-7} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}


def random(rng, shape, dtype, scale=3.0):
    return (scale * rng.standard_normal(shape)).astype(dtype)


def assert_same(got, want, dtype):
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, **tolerance(dtype))


# ---------------------------------------------------------------- every kernel object, found and tested
def all_kernels():
    """{name: Kernel} of every kernel in the package: kernels/ and the activation formulas beside their ops."""
    found = {}
    for module in (K, ops):
        found.update({name: value for name, value in vars(module).items() if isinstance(value, K.Kernel)})
    return found


ELEMENTWISE_CASES = {   # kernel name -> its arguments, from (g, a) drawn at random and a slope
    "relu_vjp": lambda g, a, slope: (g, a),
    "leaky_relu": lambda g, a, slope: (a, slope),
    "leaky_relu_vjp": lambda g, a, slope: (g, a, slope),
    "tanh_vjp": lambda g, a, slope: (g, np.tanh(a)),
    "sigmoid_vjp": lambda g, a, slope: (g, K.sigmoid.reference(a)),
    "sigmoid": lambda g, a, slope: (10 * a,),
}
TESTED_ELSEWHERE = {"bce_sum", "bce_grad", "sgd_update", "adam_update", "rmsprop_update", "im2col", "col2im",
                    "tsne_gradient", "tsne_perplexity_search"}   # the last two in tests/test_tsne.py
EXERCISE = {"relu_vjp": "relu_backward", "leaky_relu_vjp": "relu_backward", "tanh_vjp": "tanh_backward",
            "sigmoid_vjp": "sigmoid_backward"}   # course exercises (pytest -m <id>)


def test_every_kernel_has_an_agreement_test():
    missing = set(all_kernels()) - set(ELEMENTWISE_CASES) - TESTED_ELSEWHERE
    assert not missing, f"kernels without a reference-vs-compiled test: {sorted(missing)}; add a row above"


@pytest.mark.parametrize("name", [pytest.param(name, marks=getattr(pytest.mark, EXERCISE[name]))
                                  if name in EXERCISE else name for name in ELEMENTWISE_CASES])
@given(shape=SHAPES, dtype=DTYPES, seed=SEEDS, slope=st.sampled_from([0.0, 0.01, 0.2, 1.0]),
       transposed=st.booleans())
def test_activation_kernels_match_their_references(name, shape, dtype, seed, slope, transposed):
    rng = np.random.default_rng(seed)
    a, g = random(rng, shape, dtype), random(rng, shape, dtype)
    if transposed:           # a non-contiguous view: the compiled path must still read it in the right order
        a, g = a.T, g.T
    kernel, args = all_kernels()[name], ELEMENTWISE_CASES[name](g, a, dtype(slope))
    assert_same(kernel.compiled(*args), kernel.reference(*args), dtype)


@pytest.mark.relu_backward
@pytest.mark.tanh_backward
def test_elementwise_kernel_runs_its_formula_on_tensors_and_broadcasts():
    import minigrad_ae as mg
    g, a = mg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True), np.array([-1.0, 0.5, 2.0])
    out = ops.relu_vjp(g, a)                       # a Tensor argument: the formula runs as written, recording ops
    assert isinstance(out, mg.Tensor) and out.requires_grad
    np.testing.assert_array_equal(out.data, [0, 2, 3])
    wide = ops.tanh_vjp.compiled(np.ones((3, 1)), np.full(4, 0.5))   # broadcasting: the formula as written too
    np.testing.assert_allclose(wide, np.full((3, 4), 0.75))


@pytest.mark.relu_backward
def test_relu_vjp_passes_nan_and_infinities_like_numpy():
    a = np.array([np.nan, -np.inf, np.inf, -1.0, 0.0, 2.0], dtype=np.float32)
    g = np.array([1.0, np.nan, 2.0, np.inf, 5.0, 3.0], dtype=np.float32)
    # NaN and inf gradients behind a closed ReLU become NaN (0 · NaN), as g · (a > 0) does: nothing is hidden
    with np.errstate(invalid="ignore"):
        got = ops.relu_vjp.compiled(g, a)
        np.testing.assert_array_equal(got, ops.relu_vjp.reference(g, a))
    assert np.isnan(got[[1, 3]]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_neither_overflows_nor_loses_tiny_values(dtype):
    info = np.finfo(dtype)
    a = np.array([-1000.0, np.log(info.tiny) - 5, -30.0, 0.0, 30.0, 1000.0], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is the right answer
        z = K.sigmoid.compiled(a)
    assert z[0] == 0 and z[-1] == 1 and z[3] == 0.5
    assert 0 < z[1] < info.tiny                         # a subnormal, not flushed to 0
    np.testing.assert_allclose(z[2], np.exp(dtype(-30.0)), rtol=1e-6)
    np.testing.assert_allclose(z, K.sigmoid.reference(a), rtol=1e-6 if dtype == np.float32 else 1e-14)


@given(shape=SHAPES, dtype=DTYPES, seed=SEEDS, reduction_scale=st.floats(1e-3, 10.0))
def test_bce_grad_kernel_matches_reference(shape, dtype, seed, reduction_scale):
    rng = np.random.default_rng(seed)
    p = rng.random(shape).astype(dtype)
    p.reshape(-1)[:2] = [0, 1][:p.size]                # the floored denominator at p = 0 and p = 1
    y = rng.random(shape).astype(dtype)
    scale = np.asarray(reduction_scale, dtype=dtype)  # a 0-d upstream gradient, as a 'sum' or 'mean' loss gives
    assert_same(K.bce_grad.compiled(p, y, scale), K.bce_grad.reference(p, y, scale), dtype)


@given(shape=SHAPES, dtype=DTYPES, seed=SEEDS, transposed=st.booleans())
def test_bce_sum_kernel_matches_reference(shape, dtype, seed, transposed):
    rng = np.random.default_rng(seed)
    p, y = rng.random(shape).astype(dtype), rng.random(shape).astype(dtype)
    p.reshape(-1)[:2] = [0, 1][:p.size]                # the clamped logs: log 0 = −inf costs 100, not ∞
    if transposed:
        p, y = p.T, y.T
    got, want = K.bce_sum.compiled(p, y), K.bce_sum.reference(p, y)
    assert np.ndim(got) == 0 and got.dtype == dtype and np.isfinite(got)
    # the loop sums in float64, the reference in p's dtype: they differ by the reference's own rounding
    np.testing.assert_allclose(got, want, rtol=tolerance(dtype)["rtol"] * max(1, np.sqrt(p.size)), atol=1e-12)


# ---------------------------------------------------------------- optimizer updates
def apply_update(name, update, param, grad, state, t, lr, weight_decay, momentum, nesterov):
    """One call of an update rule with the signature optimizers use (v is None without momentum)."""
    if name == "adam":
        update(param, grad, state[0], state[1], lr, 0.9, 0.999, 1e-8, t, weight_decay)
    elif name == "rmsprop":
        update(param, grad, state[0], state[1] if momentum else None, lr, 0.99, 1e-8, momentum, weight_decay)
    else:
        update(param, grad, state[0] if momentum else None, lr, momentum, nesterov and momentum > 0, weight_decay)


@given(name=st.sampled_from(["adam", "rmsprop", "sgd"]), shape=SHAPES, dtype=DTYPES, seed=SEEDS,
       steps=st.integers(1, 4), lr=st.floats(1e-4, 0.5), weight_decay=st.sampled_from([0.0, 0.1]),
       momentum=st.sampled_from([0.0, 0.9]), nesterov=st.booleans())
def test_optimizer_kernels_match_their_references(name, shape, dtype, seed, steps, lr, weight_decay, momentum,
                                                  nesterov):
    results = []
    kernel = getattr(K, f"{name}_update")
    for update in (kernel.reference, kernel.compiled):
        rng = np.random.default_rng(seed)
        param, state = random(rng, shape, dtype), [np.zeros(shape, dtype), np.zeros(shape, dtype)]
        for t in range(1, steps + 1):
            grad = random(rng, shape, dtype)
            grad_before = grad.copy()
            apply_update(name, update, param, grad, state, t, lr, weight_decay, momentum, nesterov)
            np.testing.assert_array_equal(grad, grad_before)   # the gradient is never written to
        results.append([param, *state])
    for want, got in zip(*results):
        assert_same(got, want, dtype)


def test_optimizer_kernel_falls_back_to_the_reference_for_arrays_it_cannot_update_in_place():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((4, 3))
    param, grad = base.T.copy(order="F"), rng.standard_normal((3, 4))   # F-ordered: flat() would be a copy
    expected = param.copy()
    m, v = np.zeros_like(param), np.zeros_like(param)
    K.adam_update.reference(expected, grad, m.copy(), v.copy(), 0.1, 0.9, 0.999, 1e-8, 1)
    K.adam_update.compiled(param, grad, m, v, 0.1, 0.9, 0.999, 1e-8, 1)
    np.testing.assert_array_equal(param, expected)
    param32 = np.ones(3, np.float32)                                   # a float64 gradient on a float32 parameter
    K.sgd_update.compiled(param32, np.ones(3), None, 0.5)
    np.testing.assert_array_equal(param32, [0.5, 0.5, 0.5])


# ---------------------------------------------------------------- im2col / col2im
@st.composite
def conv_geometries(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * padding), 9))
    w = draw(st.integers(max(1, kw - 2 * padding), 9))
    return draw(st.integers(0, 2)), draw(st.integers(1, 3)), h, w, kh, kw, stride, padding


@given(geometry=conv_geometries(), dtype=DTYPES, seed=SEEDS)
def test_im2col_and_col2im_match_references_and_are_adjoint(geometry, dtype, seed):
    n, c, h, w, kh, kw, stride, padding = geometry
    rng = np.random.default_rng(seed)
    x = random(rng, (n, c, h, w), dtype)
    cols = K.im2col.compiled(x, kh, kw, stride, padding)
    oh, ow = K.conv_output_size(h, kh, stride, padding), K.conv_output_size(w, kw, stride, padding)
    assert cols.shape == (n, c * kh * kw, oh * ow)
    np.testing.assert_array_equal(cols, K.im2col.reference(x, kh, kw, stride, padding))   # a gather: exact
    c_in = random(rng, cols.shape, dtype)
    back = K.col2im.compiled(c_in, x.shape, kh, kw, stride, padding)
    assert_same(back, K.col2im.reference(c_in, x.shape, kh, kw, stride, padding), dtype)
    # ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩: col2im is im2col's transpose, hence its backward
    lhs, rhs = np.vdot(cols.astype(np.float64), c_in), np.vdot(x.astype(np.float64), back)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_im2col_on_a_hand_computed_example():
    x = np.arange(9.0).reshape(1, 1, 3, 3)             # one 3×3 image, 2×2 kernel, stride 1, no padding
    expected = np.array([[[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]], dtype=float)
    for im2col in (K.im2col.reference, K.im2col.compiled):
        np.testing.assert_array_equal(im2col(x, 2, 2, 1, 0), expected)
    padded = K.im2col.compiled(x, 3, 3, 2, 1)             # stride 2, padding 1: patches centred on the 4 corners
    np.testing.assert_array_equal(padded[0, 4], [0, 2, 6, 8])   # the centre tap sees each corner pixel


# ---------------------------------------------------------------- the switch, lazy compilation, NUMBA_DISABLE_JIT
def run_python(code, **env):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_and_small_work_do_not_load_numba_and_the_switch_picks_the_references():
    code = ("import sys, numpy as np, minigrad_ae as mg\n"
            "from minigrad_ae import kernels as K\n"
            "print('numba' in sys.modules, K.NUMBA_ENABLED)\n"
            "mg.tensor(np.ones(3), requires_grad=True).sigmoid().sum().backward()\n"
            "print('numba' in sys.modules, K.sigmoid)")
    assert run_python(code, MINIGRAD_AE_NUMBA="1").splitlines() == [   # the default: numba does not pay yet
        "False True", "False <kernel sigmoid_reference: NumPy reference until numba pays>"]
    assert run_python(code, MINIGRAD_AE_NUMBA="0").splitlines() == [
        "False False", "False <kernel sigmoid_reference: NumPy reference>"]
    assert run_python(code, MINIGRAD_AE_NUMBA="always").splitlines() == [   # compiled from the first call
        "False True", "True <kernel sigmoid_reference: numba>"]


def test_every_kernel_switches_to_compiled_on_the_call_that_would_forgo_more_than_numbas_price():
    code = ("import sys, numpy as np, minigrad_ae as mg\n"
            "from minigrad_ae import kernels as K\n"
            "from minigrad_ae.kernels import jit\n"
            "from minigrad_ae.autodiff import ops\n"
            "call, element = jit.SAVING_PER_CALL, jit.SAVING_PER_ELEMENT\n"
            "jit.NUMBA_PRICE_SECONDS = 2 * call + 100 * element   # numba pays after two calls and 100 elements\n"
            "g, a = np.ones(60), np.linspace(-1, 1, 60)\n"
            "print(ops.relu_vjp(g, a).sum(), 'numba' in sys.modules)\n"
            "ops.relu_vjp(mg.tensor(g), a)                   # a Tensor: the formula as ops, nothing counted\n"
            "print(round((jit.saving_forgone - call) / element), ops.relu_vjp, 'numba' in sys.modules)\n"
            "param = np.ones(41)\n"
            "K.sgd_update(param, np.ones(41), None, 0.5)     # 60 + 41 > 100 elements: this call runs compiled\n"
            "print(param[0], 'numba' in sys.modules, ops.relu_vjp, K.sigmoid)\n"
            "late = K.elementwise(lambda x: 2 * x)           # a kernel made after the switch starts compiled\n"
            "print(late._chosen is late.compiled)")
    assert run_python(code, MINIGRAD_AE_NUMBA="1").splitlines() == [
        "30.0 False",
        "60 <kernel relu_vjp: NumPy reference until numba pays> False",
        "0.5 True <kernel relu_vjp: numba> <kernel sigmoid_reference: numba>",
        "True"]


def test_a_kernel_that_saves_more_per_element_makes_numba_pay_sooner():
    code = ("import numpy as np\nfrom minigrad_ae.kernels import jit\n"
            "light = jit.Kernel(lambda a: 'reference', lambda a: 'compiled')\n"
            "heavy = jit.Kernel(lambda a: 'reference', lambda a: 'compiled', saving_per_element=1.0)  # 1 s each\n"
            "print(light(np.ones(3)), light(np.ones(3)), heavy(np.ones(2)), light(np.ones(3)))")
    assert run_python(code, MINIGRAD_AE_NUMBA="1").split() == ["reference", "reference", "compiled", "compiled"]


def test_numba_disable_jit_runs_the_loops_as_python():
    code = ("import numpy as np\nfrom minigrad_ae import kernels as K\n"
            "from minigrad_ae.autodiff.ops import leaky_relu\n"
            "a = np.array([-1.0, 2.0]); print(leaky_relu(a, 0.5).tolist())\n"
            "print(type(leaky_relu._loop._compiled).__name__)\n"
            "print(round(float(K.bce_sum(np.array([0.5, 1.0]), np.array([1.0, 1.0]))), 6))")   # a summing loop too
    assert run_python(code, NUMBA_DISABLE_JIT="1", MINIGRAD_AE_NUMBA="always").splitlines() == [
        "[-0.5, 2.0]", "function", str(round(np.log(2), 6))]   # −log 0.5 − log 1


def test_malloc_tuning_is_an_explicit_call_not_an_import_side_effect():
    code = ("import ctypes, minigrad_ae\n"
            "from minigrad_ae import kernels as K\n"
            "print(K.keep_freed_memory())")
    tuned = run_python(code)
    assert tuned == str(sys.platform.startswith("linux"))   # True wherever the C library is glibc
