"""Tensor construction, dtype discipline, the backward engine's contract, and the errors users hit."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad_ae as mg
from gradtools import arrays, assert_backward_matches, seeds, shapes

# ---------------------------------------------------------------- construction and dtypes


def test_default_dtype_is_float32_and_float64_is_kept():
    assert mg.tensor([[1, 2], [3, 4]]).dtype == np.float32
    assert mg.tensor([1.5, 2.5]).dtype == np.float32 and mg.tensor(1.5).dtype == np.float32  # Python floats
    assert mg.tensor(np.float64(1.5)).dtype == np.float64
    assert mg.tensor(np.zeros(3, dtype=np.float64)).dtype == np.float64
    assert mg.tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert mg.tensor(np.arange(3)).dtype == np.float32
    assert mg.tensor([1, 2], dtype=np.int64).dtype == np.int64


@pytest.mark.parametrize("scalar", [2, 2.5, np.float64(2.5), np.float32(2.5), np.int64(3)])
def test_scalars_do_not_promote_a_float32_graph(scalar):
    x = mg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    for y in (x + scalar, scalar + x, x * scalar, scalar * x, x - scalar, scalar - x, x / scalar, scalar / x,
              x ** scalar, mg.where(np.array([True, False, True]), x, scalar), x.clip(scalar, scalar + 1)):
        assert y.dtype == np.float32
    (x * np.float64(2.0)).sum().backward()
    assert x.grad.dtype == np.float32


def test_mixing_float32_and_float64_tensors_follows_numpy_promotion():
    a = mg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = mg.tensor(np.ones(3, dtype=np.float64), requires_grad=True)
    out = a * b
    assert out.dtype == np.result_type(np.float32, np.float64) == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64  # each grad in its tensor's dtype
    assert (a + np.ones(3)).dtype == np.float64  # a float64 array is a float64 operand, as in NumPy


def test_integer_arrays_combined_with_a_tensor_take_its_dtype():
    x = mg.tensor(np.ones(3, dtype=np.float32))
    assert (x + np.arange(3)).dtype == np.float32


def test_tensor_facts_and_repr():
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert (x.shape, x.ndim, x.size, len(x)) == ((2, 3), 2, 6, 2)
    assert x.sum().item() == 15.0
    assert "requires_grad=True" in repr(x) and "float64" in repr(x)
    assert "op=Sum" in repr(x.sum())
    assert x.numpy() is x.data
    d = (x * 2).detach()
    assert not d.requires_grad and d.creator is None


def test_constructors():
    rng = np.random.default_rng(0)
    assert mg.zeros((2, 3)).data.sum() == 0 and mg.zeros(4).shape == (4,)
    assert mg.ones((2,), requires_grad=True).requires_grad
    a, b = mg.randn((3, 2), rng=np.random.default_rng(1)), mg.randn((3, 2), rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a.data, b.data)
    assert mg.randn((2, 2), rng=rng, dtype=np.float64).dtype == np.float64


def test_numpy_array_on_the_left_uses_reflected_operators():
    x = mg.tensor(np.ones(3), requires_grad=True)
    y = np.full(3, 2.0) * x + np.ones(3) - x / np.full(3, 4.0)
    assert isinstance(y, mg.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(3, 1.75))
    assert isinstance(np.eye(3) @ x, mg.Tensor)


# ---------------------------------------------------------------- the engine


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_backward_twice_needs_retain_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    with pytest.raises(RuntimeError, match=r"Mul was already freed.*retain_graph=True"):
        y.backward()


def test_deep_graph_does_not_hit_the_recursion_limit():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(sys.getrecursionlimit() * 3):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_shared_subexpression_gets_the_sum_of_its_uses():
    x = mg.tensor(3.0, requires_grad=True)
    h = x * x          # used twice below
    (h + h * 2).backward()
    assert x.grad == 3 * 2 * 3.0
    assert h.grad == 3.0  # intermediate tensors show their gradient from the latest backward


def test_no_grad_records_nothing():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
        with mg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad
    assert (x * 2).requires_grad  # restored after the block


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert (mg.tensor([1.0], requires_grad=True) * 2).requires_grad


def test_backward_with_explicit_upstream_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(np.array([1.0, -1.0]))
    np.testing.assert_array_equal(x.grad, [3.0, -3.0])


def test_leaf_grads_do_not_alias_each_other():
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1
    assert b.grad[0] == 1.0


def test_saved_arrays_are_read_only():
    class SneakyRelu(mg.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return np.maximum(a, 0)

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved
            a[a < 0] = 0          # the classic bug: overwrite the saved input
            return g * (a > 0)

    x = mg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="read-only"):
        SneakyRelu.apply(x).sum().backward()


def test_in_place_update_after_forward_is_refused():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data -= 0.1
    w.bump_version()  # what optimizers do after an in-place step
    with pytest.raises(RuntimeError, match=r"modified in place.*before optimizer.step\(\)"):
        loss.backward()


# ---------------------------------------------------------------- errors users will hit


def test_matmul_shape_mismatch_names_shapes_and_fix():
    with pytest.raises(mg.ShapeError, match=r"MatMul: shapes \(3, 4\) @ \(5, 2\).*\(4\).*\(5\).*transpose"):
        mg.tensor(np.ones((3, 4))) @ mg.tensor(np.ones((5, 2)))
    with pytest.raises(mg.ShapeError, match="at least 1-d"):
        mg.tensor(np.ones(3)) @ mg.tensor(2.0)


def test_broadcast_mismatch_names_op_shapes_and_fix():
    with pytest.raises(mg.ShapeError, match=r"Add: .*Inputs: \(3, 4\) float64, \(3,\) float64.*compared from the right.*reshape"):
        mg.tensor(np.ones((3, 4))) + mg.tensor(np.ones(3))
    with pytest.raises(ValueError):  # ShapeError is a ValueError, so generic handlers still work
        mg.tensor(np.ones((2, 3))) * np.ones((3, 2))


def test_reshape_error_names_sizes_and_fix():
    with pytest.raises(mg.ShapeError, match=r"Reshape: .*size 12.*\(5,2\).*Inputs: \(3, 4\).*-1 for one inferred"):
        mg.tensor(np.ones((3, 4))).reshape(5, 2)


def test_backward_on_non_scalar_without_grad():
    y = mg.tensor(np.ones((3, 4)), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(3, 4\).*y.sum\(\)"):
        y.backward()
    with pytest.raises(mg.ShapeError, match=r"upstream gradient has shape \(4,\).*\(3, 4\)"):
        y.backward(np.ones(4))


def test_backward_without_any_graph():
    with pytest.raises(RuntimeError, match="does not require grad.*requires_grad=True"):
        mg.tensor([1.0]).sum().backward()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match=r"int64 tensor cannot require grad.*float32"):
        mg.tensor(np.arange(3), dtype=np.int64, requires_grad=True)


def test_op_on_a_list_of_lists_says_wrap_it():
    x = mg.tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"MatMul: got a list.*mg.tensor"):
        x @ [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match=r"Add: got a list"):
        [[1, 2], [3, 4]] + x


def test_ragged_list_gives_a_clear_error():
    with pytest.raises(TypeError, match="rectangular"):
        mg.tensor([[1, 2], [3]])


def test_pow_with_tensor_exponent_is_refused_with_the_alternative():
    x = mg.tensor([2.0])
    with pytest.raises(TypeError, match=r"pow: .*\(b \* x.log\(\)\).exp\(\)"):
        x ** x


def test_item_on_many_elements():
    with pytest.raises(ValueError, match=r"item: .*\(2,\).*sum\(\)"):
        mg.tensor([1.0, 2.0]).item()


def test_backward_returning_wrong_shape_is_reported():
    class BadBackward(mg.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g.reshape(-1)   # wrong shape (flattened)

    with pytest.raises(RuntimeError, match=r"BadBackward.backward returned a gradient of shape \(6,\).*\(2, 3\)"):
        BadBackward.apply(mg.tensor(np.ones((2, 3)), requires_grad=True)).sum().backward()


# ---------------------------------------------------------------- anomaly mode


def test_detect_anomaly_names_op_shapes_and_creation_site():
    x = mg.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(FloatingPointError, match=r"Log produced NaN in its forward output.*\(2,\).*test_tensor.py"):
        with mg.detect_anomaly(), np.errstate(invalid="ignore"):
            x.log()


def test_detect_anomaly_in_backward():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with mg.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt()                     # fine forward: sqrt(0) = 0 ...
        with pytest.raises(FloatingPointError, match=r"Sqrt produced Inf in its backward gradient"):
            y.sum().backward()           # ... but d√x/dx = 1/(2√x) is Inf at 0


def test_anomaly_mode_is_off_by_default():
    with np.errstate(invalid="ignore"):
        assert np.isnan(mg.tensor([-1.0]).log().item())


def test_pytorch_style_size_to_and_seed():
    x = mg.tensor(np.ones((4, 2, 3)))
    assert x.size == 24 and x.size() == (4, 2, 3) and x.size(0) == 4 and x.size(-1) == 3
    assert x.view(x.size(0), -1).shape == (4, 6) and x.to("cpu") is x
    with pytest.raises(ValueError, match=r"to: minigrad_ae runs on the CPU only, got device 'cuda'"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match=r"manual_seed: .*rng = np.random.default_rng\(0\)"):
        mg.manual_seed(0)


# ---------------------------------------------------------------- PyTorch's spellings, for ported code


def test_sizes_as_pytorch_writes_them():
    assert mg.zeros(2, 3).shape == mg.zeros((2, 3)).shape == mg.zeros([2, 3]).shape == (2, 3)
    assert mg.ones(4).shape == (4,) and mg.zeros(0, 2).shape == (0, 2) and mg.ones(()).shape == ()
    assert mg.ones(2, 1, dtype=np.float64, requires_grad=True).dtype == np.float64
    np.testing.assert_array_equal(mg.randn(3, 2, rng=np.random.default_rng(5)).data,
                                  mg.randn((3, 2), rng=np.random.default_rng(5)).data)
    for bad in [((2, 3), np.float64), (2.0, 3)]:
        with pytest.raises(TypeError, match=r"zeros: the size must be integers >= 0, as zeros\(2, 3\) or "
                                            r"zeros\(\(2, 3\)\); got .*Give the other arguments by name"):
            mg.zeros(*bad)
    with pytest.raises(ValueError, match=r"zeros: size \(2, -1\) has a negative size"):
        mg.zeros(2, -1)
    with pytest.raises(TypeError, match=r"zeros: size must be an int or a tuple of ints"):
        mg.zeros("2")
    with pytest.raises(TypeError, match=r"randn: the size must be integers"):
        mg.randn(2, np.random.default_rng(0))   # the generator goes by name: rng=


def test_function_forms_are_the_methods():
    """mg.exp(x) … record the very op x.exp() … records, and accept arrays as mg.tensor does."""
    x = mg.tensor(np.random.default_rng(6).uniform(0.5, 2.0, (3, 4)), requires_grad=True)
    for name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"):
        got, want = getattr(mg, name)(x), getattr(x, name)()
        assert got.creator.fn is want.creator.fn
        np.testing.assert_array_equal(got.data, want.data)
    np.testing.assert_array_equal(mg.sum(x, dim=1, keepdim=True).data, x.data.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(mg.mean(x.data, 0).data, x.data.mean(axis=0))
    np.testing.assert_array_equal(mg.pow(x, 2).data, x.data ** 2)
    assert [p.shape for p in mg.chunk(x, 3, dim=1)] == [(3, 2), (3, 2)]
    assert [p.shape for p in mg.split(x, [1, 3], dim=1)] == [(3, 1), (3, 3)]
    assert mg.sum is not sum and sum([1, 2]) == 3   # Python's builtin is untouched


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_chunk_split_and_cat_backward(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=5))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    chunks = data.draw(st.integers(1, 4))
    size = data.draw(st.integers(1, 5))
    x = data.draw(arrays(shape))
    # every piece enters the output with its own random weight: a piece routed to the wrong slice would show
    weights = [data.draw(arrays(shape)) for _ in range(2)]
    rebuilt = lambda t: mg.cat(mg.chunk(t, chunks, dim=dim), dim=dim) * weights[0]  # noqa: E731
    resplit = lambda t: mg.cat(mg.split(t, size, dim=dim)[::-1], dim=dim)  # noqa: E731
    assert_backward_matches(lambda t: rebuilt(t) + t * weights[1], [x], seed=data.draw(seeds()))
    assert_backward_matches(resplit, [x], seed=data.draw(seeds()))
    np.testing.assert_array_equal(rebuilt(mg.tensor(x)).data, x * weights[0])


def test_argmax_and_elementwise_equality():
    logits = mg.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]], requires_grad=True)
    labels = mg.tensor([1, 2], dtype=np.int64)
    predicted = logits.argmax(dim=1)
    assert predicted.dtype == np.int64 and not predicted.requires_grad and predicted.shape == (2,)
    assert logits.argmax().item() == 3 and logits.argmax(1, keepdim=True).shape == (2, 1)
    assert (predicted == labels).tolist() == [True, False] and (predicted != labels).tolist() == [False, True]
    assert (predicted.numpy() == labels).tolist() == [True, False]   # an array on the left: reflected
    assert (predicted == labels).sum().item() == 1   # the usual accuracy count
    assert len({logits, predicted, labels}) == 3 and {logits: "kept"}[logits] == "kept"   # hashed by identity
