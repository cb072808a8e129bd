"""Tests for minigrad_ae.optim: optimizers against published values and scalar re-implementations of their
formulas, learning-rate schedules, early stopping, saving/resuming, and every error message."""
import io
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad_ae as mg
from minigrad_ae import optim
from minigrad_ae.optim import SGD, Adam, CyclicLR, EarlyStopping, ExponentialLR, ReduceLROnPlateau, RMSprop, StepLR


def param(values, dtype=np.float64):
    return mg.tensor(np.array(values, dtype=dtype), requires_grad=True)


def npz_round_trip(state):
    """What a checkpoint does to a state dict: np.savez, then np.load without pickle."""
    buf = io.BytesIO()
    np.savez(buf, **state)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


# ============================================================== published / hand-computed values
@pytest.mark.adam_step
def test_adam_published_values_on_theta_squared():
    # f(θ) = θ², θ₀ = 1, lr 0.1: the first Adam step is lr·g/(|g| + ε) ≈ 0.1 whatever the gradient's scale
    x = param([1.0])
    opt = Adam([x], lr=0.1)
    expected = [0.9000000005, 0.80041222869]
    for want in expected:
        opt.zero_grad()
        (x ** 2).sum().backward()
        opt.step()
        assert x.data[0] == pytest.approx(want, abs=1e-9)


def test_sgd_nesterov_hand_computed():
    # f = θ², lr .1, μ .9.  step 1: g=2, v=2, d=2+1.8=3.8, θ=.62.  step 2: g=1.24, v=3.04, d=3.976, θ=.2224
    x = param([1.0])
    opt = SGD([x], lr=0.1, momentum=0.9, nesterov=True)
    for want in (0.62, 0.2224):
        opt.zero_grad()
        (x ** 2).sum().backward()
        opt.step()
        assert x.data[0] == pytest.approx(want, abs=1e-12)


# ============================================================== scalar re-implementations of each formula
def ref_sgd(theta, grads, lr, momentum, nesterov, weight_decay):
    """torch.optim.SGD's loop, element by element; its first step copies the gradient into the buffer."""
    theta, buf = list(theta), None
    for grad in grads:
        d = [g + weight_decay * t for g, t in zip(grad, theta)]
        if momentum != 0:
            buf = list(d) if buf is None else [momentum * b + di for b, di in zip(buf, d)]
            d = [di + momentum * b for di, b in zip(d, buf)] if nesterov else buf
        theta = [t - lr * di for t, di in zip(theta, d)]
    return theta


def ref_adam(theta, grads, lr, beta1, beta2, eps, weight_decay):
    """Kingma & Ba, Algorithm 1, element by element (plus L2 weight decay on g)."""
    theta = list(theta)
    m, v = [0.0] * len(theta), [0.0] * len(theta)
    for t, grad in enumerate(grads, start=1):
        for i, g in enumerate(grad):
            g = g + weight_decay * theta[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat, v_hat = m[i] / (1 - beta1 ** t), v[i] / (1 - beta2 ** t)
            theta[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return theta


def ref_rmsprop(theta, grads, lr, alpha, eps, momentum, weight_decay):
    """torch.optim.RMSprop (not centred), element by element."""
    theta = list(theta)
    s, b = [0.0] * len(theta), [0.0] * len(theta)
    for grad in grads:
        for i, g in enumerate(grad):
            g = g + weight_decay * theta[i]
            s[i] = alpha * s[i] + (1 - alpha) * g * g
            step = g / (math.sqrt(s[i]) + eps)
            if momentum:
                b[i] = momentum * b[i] + step
                step = b[i]
            theta[i] -= lr * step
    return theta


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
lrs = st.floats(1e-4, 1.0)
decays = st.sampled_from([0.0, 0.0, 1e-3, 0.1])
seeds = st.integers(0, 2 ** 32 - 1)
n_steps = st.integers(1, 6)


def run(make_opt, shape, seed, steps):
    """Run ``steps`` optimizer steps on random θ with random gradients; return (θ₀, grads, θ_final)."""
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal(shape), requires_grad=True)
    theta0 = x.data.ravel().tolist()
    grads = [rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 10.0]) for _ in range(steps)]
    opt = make_opt([x])
    for g in grads:
        x.grad = g.copy()
        opt.step()
    return theta0, [g.ravel().tolist() for g in grads], x.data.ravel()


@given(shape=shapes, seed=seeds, steps=n_steps, lr=lrs, momentum=st.sampled_from([0.0, 0.5, 0.9]),
       nesterov=st.booleans(), weight_decay=decays)
def test_sgd_matches_pytorch_formula(shape, seed, steps, lr, momentum, nesterov, weight_decay):
    nesterov = nesterov and momentum > 0
    theta0, grads, got = run(lambda p: SGD(p, lr, momentum, nesterov, weight_decay), shape, seed, steps)
    np.testing.assert_allclose(got, ref_sgd(theta0, grads, lr, momentum, nesterov, weight_decay),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.adam_step
@given(shape=shapes, seed=seeds, steps=n_steps, lr=lrs, beta1=st.floats(0.0, 0.99), beta2=st.floats(0.5, 0.9999),
       eps=st.sampled_from([1e-8, 1e-6, 1e-3]), weight_decay=decays)
def test_adam_matches_kingma_ba(shape, seed, steps, lr, beta1, beta2, eps, weight_decay):
    theta0, grads, got = run(lambda p: Adam(p, lr, (beta1, beta2), eps, weight_decay), shape, seed, steps)
    np.testing.assert_allclose(got, ref_adam(theta0, grads, lr, beta1, beta2, eps, weight_decay),
                               rtol=1e-10, atol=1e-12)


@given(shape=shapes, seed=seeds, steps=n_steps, lr=lrs, alpha=st.floats(0.0, 0.999),
       eps=st.sampled_from([1e-8, 1e-6, 1e-3]), momentum=st.sampled_from([0.0, 0.9]), weight_decay=decays)
def test_rmsprop_matches_formula(shape, seed, steps, lr, alpha, eps, momentum, weight_decay):
    theta0, grads, got = run(lambda p: RMSprop(p, lr, alpha, eps, momentum, weight_decay), shape, seed, steps)
    np.testing.assert_allclose(got, ref_rmsprop(theta0, grads, lr, alpha, eps, momentum, weight_decay),
                               rtol=1e-10, atol=1e-12)


def test_sgd_weight_decay_alone_shrinks_theta_geometrically():
    # with g = 0 the only force is λθ: θ_t = (1 − lr·λ)ᵗ θ₀
    x = param([2.0, -4.0])
    opt = SGD([x], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        x.grad = np.zeros(2)
        opt.step()
    np.testing.assert_allclose(x.data, np.array([2.0, -4.0]) * 0.95 ** 3, rtol=1e-14)


@pytest.mark.parametrize("make", [lambda p: Adam(p, lr=0.1, weight_decay=0.5),
                                  lambda p: RMSprop(p, lr=0.1, weight_decay=0.5)])
def test_adaptive_weight_decay_moves_theta_towards_zero(make):
    x = param([2.0, -4.0])
    opt = make([x])
    x.grad = np.zeros(2)
    opt.step()
    assert np.all(np.abs(x.data) < [2.0, 4.0])


# ============================================================== what step() touches, and how
ALL_OPTIMIZERS = {
    "sgd": lambda p: SGD(p, lr=0.1),
    "sgd_momentum": lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda p: Adam(p, lr=0.1, weight_decay=0.01),
    "rmsprop": lambda p: RMSprop(p, lr=0.1, momentum=0.9, weight_decay=0.01),
}
each_optimizer = pytest.mark.parametrize("make", ALL_OPTIMIZERS.values(), ids=ALL_OPTIMIZERS.keys())


@each_optimizer
def test_step_updates_in_place_bumps_version_and_skips_frozen_and_gradless(make):
    active, no_grad, frozen = param([1.0, 2.0]), param([3.0]), param([4.0])
    frozen.requires_grad = False
    frozen.grad = np.ones(1)            # a stale grad on a frozen layer must still be ignored
    opt = make([active, no_grad, frozen])
    array_before, grad = active.data, np.array([0.5, -0.5])
    active.grad = grad.copy()
    opt.step()
    assert active.data is array_before                         # same array object, updated in place
    assert not np.array_equal(active.data, [1.0, 2.0])
    np.testing.assert_array_equal(active.grad, grad)           # the gradient itself is not modified
    assert (active._version, no_grad._version, frozen._version) == (1, 0, 0)
    assert no_grad.data[0] == 3.0 and frozen.data[0] == 4.0
    assert opt.state[1] == {} and opt.state[2] == {}           # no state for parameters never stepped
    assert opt.step_count == 1


@each_optimizer
def test_float32_parameters_stay_float32(make):
    x = param(np.ones((2, 3)), dtype=np.float32)
    opt = make([x])
    x.grad = np.full((2, 3), 0.5, dtype=np.float32)
    opt.step()
    assert x.data.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[0].values() if isinstance(v, np.ndarray))


@each_optimizer
def test_each_step_uses_that_steps_learning_rate_dtype_and_count_as_the_reference_does(make, monkeypatch):
    # the compiled rules remember the hyper-parameters of a step (per dtype, and Adam's t per parameter): a stale
    # lr, one dtype's scalars used for the other, or one parameter's t for another would show here
    from minigrad_ae.optim import optimizers

    def run():
        rng = np.random.default_rng(0)
        w32 = param(rng.standard_normal((3, 4)), dtype=np.float32)
        b64, w64 = param(rng.standard_normal(5)), param(rng.standard_normal((2, 3)))
        opt = make([w32, b64, w64])
        schedule = ExponentialLR(opt, gamma=0.5)
        for step in range(4):
            for p in opt.params:
                p.grad = rng.standard_normal(p.shape).astype(p.dtype)
            if step == 1:
                w64.grad = None                    # skipped once: its Adam t falls one behind the others'
            opt.step()
            schedule.step()
            if step == 2:
                opt.lr = 0.3                       # set by hand between steps: the next step must use it
        return [p.data for p in opt.params]

    compiled = run()
    for name in ("sgd_update", "adam_update", "rmsprop_update"):
        monkeypatch.setattr(optimizers, name, getattr(optimizers, name).reference)
    for got, want in zip(compiled, run()):
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-5 if got.dtype == np.float32 else 1e-12)


@each_optimizer
def test_zero_grad_sets_grads_to_none(make):
    x, y = param([1.0]), param([2.0])
    x.grad, y.grad = np.ones(1), np.ones(1)
    make([x, y]).zero_grad()
    assert x.grad is None and y.grad is None


def test_tied_parameter_listed_twice_is_stepped_once():
    w = param([1.0])
    opt = SGD([w, w], lr=0.1)
    assert len(opt.params) == 1
    w.grad = np.ones(1)
    opt.step()
    assert w.data[0] == pytest.approx(0.9)


def test_step_after_backward_makes_the_old_graph_stale():
    x = param([1.0, 2.0])
    opt = SGD([x], lr=0.1)
    (x ** 2).sum().backward()
    loss = (x * 3.0).sum()                     # built before the step ...
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()                        # ... so its backward must refuse


@each_optimizer
def test_optimizer_routes_through_module_level_update_function(make, monkeypatch):
    # the per-parameter rule is a module-level function so a numba kernel can replace it; check the classes use it
    from minigrad_ae.optim import optimizers
    calls = []
    for name in ("sgd_update", "adam_update", "rmsprop_update"):
        real = getattr(optimizers, name)
        monkeypatch.setattr(optimizers, name, lambda *a, _real=real, _n=name, **k: (calls.append(_n), _real(*a, **k)))
    x = param([1.0])
    x.grad = np.ones(1)
    make([x]).step()
    assert len(calls) == 1


# ============================================================== they actually optimise
QUADRATIC_SETTINGS = {
    "sgd": (lambda p: SGD(p, lr=0.04), 200),
    "sgd_momentum": (lambda p: SGD(p, lr=0.02, momentum=0.9), 200),
    "sgd_nesterov": (lambda p: SGD(p, lr=0.02, momentum=0.9, nesterov=True), 200),
    "adam": (lambda p: Adam(p, lr=0.1), 300),
    "rmsprop": (lambda p: RMSprop(p, lr=0.01), 1000),
    "rmsprop_momentum": (lambda p: RMSprop(p, lr=0.01, momentum=0.5), 300),
}


@pytest.mark.parametrize("make,steps", QUADRATIC_SETTINGS.values(), ids=QUADRATIC_SETTINGS.keys())
def test_minimises_an_ill_conditioned_quadratic(make, steps):
    # f(θ) = Σ aᵢ(θᵢ − cᵢ)², curvatures 1 and 10, minimum 0 at θ = c; full loop: backward, step, zero_grad
    a, c = mg.tensor(np.array([1.0, 10.0])), mg.tensor(np.array([3.0, -2.0]))
    x = param([0.0, 0.0])
    opt = make([x])
    for _ in range(steps):
        opt.zero_grad()
        loss = (a * (x - c) ** 2).sum()
        loss.backward()
        opt.step()
    assert (a * (x - c) ** 2).sum().item() < 1e-6
    np.testing.assert_allclose(x.data, [3.0, -2.0], atol=1e-3)


# ============================================================== saving and resuming
OTHER_HYPER = {  # deliberately different settings: loading must overwrite them
    "sgd": lambda p: SGD(p, lr=1.0),
    "sgd_momentum": lambda p: SGD(p, lr=1.0, momentum=0.1),
    "adam": lambda p: Adam(p, lr=1.0, betas=(0.5, 0.5)),
    "rmsprop": lambda p: RMSprop(p, lr=1.0, alpha=0.5),
}


@pytest.mark.parametrize("name", ALL_OPTIMIZERS)
def test_state_dict_round_trip_through_npz_resumes_identically(name):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((2, 3)) for _ in range(8)]
    frozen_grad = param([5.0])                 # never gets a grad: it must have no saved state
    a = param(rng.standard_normal((2, 3)))
    opt_a = ALL_OPTIMIZERS[name]([a, frozen_grad])
    for g in grads[:4]:
        a.grad = g
        opt_a.step()

    saved = npz_round_trip(opt_a.state_dict())
    b = param(a.data.copy())
    opt_b = OTHER_HYPER[name]([b, param([5.0])])
    opt_b.load_state_dict(saved)
    assert opt_b.lr == opt_a.lr and opt_b.step_count == 4
    assert not any(key.endswith(".1") for key in saved)
    for g in grads[4:]:
        a.grad, b.grad = g, g.copy()
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(a.data, b.data)
    for key, value in opt_a.state[0].items():
        np.testing.assert_array_equal(opt_b.state[0][key], value)


def test_state_dict_is_flat_copied_and_named_as_documented():
    x = param([1.0, 2.0])
    opt = Adam([x], lr=0.1)
    x.grad = np.ones(2)
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"optimizer", "n_params", "step_count", "lr", "beta1", "beta2", "eps", "weight_decay",
                          "m.0", "v.0", "t.0"}
    assert state["optimizer"] == "Adam" and state["t.0"] == 1
    m_saved = state["m.0"].copy()
    opt.step()                                 # the saved arrays are copies: stepping on must not change them
    np.testing.assert_array_equal(state["m.0"], m_saved)
    loaded = {"m.0": state["m.0"]}
    opt.load_state_dict(state)
    opt.step()                                 # nor does loading alias the caller's arrays
    np.testing.assert_array_equal(loaded["m.0"], m_saved)


def test_state_dict_of_a_0d_parameter():
    x = param(1.0)
    opt = Adam([x], lr=0.1)
    x.grad = np.array(2.0)
    opt.step()
    opt2 = Adam([param(1.0)])
    opt2.load_state_dict(npz_round_trip(opt.state_dict()))
    assert opt2.state[0]["m"].shape == () and opt2.state[0]["t"] == 1


def _saved_adam():
    x = param([1.0, 2.0])
    opt = Adam([x], lr=0.1)
    x.grad = np.ones(2)
    opt.step()
    return opt.state_dict()


@pytest.mark.parametrize("make,edit,error,match", [
    (lambda: SGD([param([1.0, 2.0])], lr=0.1), lambda s: s, ValueError, "saved by Adam, not SGD"),
    (lambda: Adam([param([1.0, 2.0]), param([3.0])]), lambda s: s, ValueError, "state is for 1 parameters"),
    (lambda: Adam([param([1.0, 2.0, 3.0])]), lambda s: s, ValueError,
     r"(?s)Adam.load_state_dict: nothing was loaded.*shape mismatch for m.0: expected \(3,\), got \(2,\)"),
    (lambda: Adam([param([1.0, 2.0])]), lambda s: {**s, "q.0": np.ones(2)}, ValueError,
     r"unexpected keys \(in the state, not in Adam.state_dict\(\)\): \['q.0'\]"),
    (lambda: Adam([param([1.0, 2.0])]), lambda s: {**s, "m.7": np.ones(2)}, ValueError, r"unexpected keys .*\['m.7'\]"),
    (lambda: Adam([param([1.0, 2.0])]), lambda s: {k: v for k, v in s.items() if k != "beta1"}, ValueError,
     r"(?s)missing keys \(in Adam.state_dict\(\), not in the state\): \['beta1'\].*Pass what Adam.state_dict"),
    (lambda: Adam([param([1.0, 2.0])]), lambda s: {**s, "lr": -1.0}, ValueError, "Adam: lr must be"),
    (lambda: Adam([param([1.0, 2.0])]), lambda s: {k: v for k, v in s.items() if k != "optimizer"}, ValueError,
     "saved by an unknown optimizer"),
])
def test_load_state_dict_errors(make, edit, error, match):
    with pytest.raises(error, match=match):
        make().load_state_dict(edit(_saved_adam()))


# ============================================================== errors, each with its message
@pytest.mark.parametrize("build,error,match", [
    (lambda: SGD([], lr=0.1), ValueError, "SGD: got an empty parameter list"),
    (lambda: Adam(iter([])), ValueError, "Adam: got an empty parameter list.*used up"),
    (lambda: SGD(param([1.0]), lr=0.1), TypeError, r"got a single Tensor; wrap it in a list: SGD\(\[w\]"),
    (lambda: SGD({"w": param([1.0])}, lr=0.1), TypeError, "got a dict"),
    (lambda: SGD(3, lr=0.1), TypeError, "params must be an iterable of tensors such as model.parameters"),
    (lambda: SGD([np.ones(2)], lr=0.1), TypeError, "SGD: parameter 0 is a ndarray, not a Tensor"),
    (lambda: SGD([("w", param([1.0]))], lr=0.1), TypeError, r"not named_parameters\(\)"),
    (lambda: SGD([param([1.0]), mg.tensor([1, 2], dtype=np.int64)], lr=0.1), TypeError,
     "SGD: parameter 1 has dtype int64; only floating point"),
    (lambda: SGD([param([1.0])], lr=0), ValueError, "SGD: lr must be a finite number > 0, got 0"),
    (lambda: Adam([param([1.0])], lr=float("nan")), ValueError, "Adam: lr must be a finite number > 0, got nan"),
    (lambda: RMSprop([param([1.0])], lr="fast"), TypeError, "RMSprop: lr must be a number, got 'fast'"),
    (lambda: SGD([param([1.0])], lr=0.1, momentum=-0.1), ValueError, "SGD: momentum must be >= 0, got -0.1"),
    (lambda: SGD([param([1.0])], lr=0.1, weight_decay=-1), ValueError, "SGD: weight_decay must be >= 0"),
    (lambda: SGD([param([1.0])], lr=0.1, nesterov=True), ValueError, "SGD: nesterov=True needs momentum > 0"),
    (lambda: Adam([param([1.0])], betas=(1.0, 0.999)), ValueError, r"Adam: beta1 must be in \[0, 1\), got 1.0"),
    (lambda: Adam([param([1.0])], betas=(0.9, -0.1)), ValueError, r"Adam: beta2 must be in \[0, 1\)"),
    (lambda: Adam([param([1.0])], betas=0.9), ValueError, r"Adam: betas must be a pair \(beta1, beta2\)"),
    (lambda: Adam([param([1.0])], eps=0), ValueError, "Adam: eps must be > 0, got 0"),
    (lambda: Adam([param([1.0])], weight_decay=-0.1), ValueError, "Adam: weight_decay must be >= 0"),
    (lambda: RMSprop([param([1.0])], alpha=1.0), ValueError, r"RMSprop: alpha must be in \[0, 1\)"),
    (lambda: RMSprop([param([1.0])], eps=-1e-8), ValueError, "RMSprop: eps must be > 0"),
    (lambda: RMSprop([param([1.0])], momentum=-1), ValueError, "RMSprop: momentum must be >= 0"),
    (lambda: RMSprop([param([1.0])], weight_decay=-1), ValueError, "RMSprop: weight_decay must be >= 0"),
])
def test_constructor_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_setting_a_bad_lr_later_is_refused():
    opt = Adam([param([1.0])])
    with pytest.raises(ValueError, match="Adam: lr must be a finite number > 0, got -0.5"):
        opt.lr = -0.5


def test_grad_with_the_wrong_shape_is_refused():
    x = param([[1.0, 2.0], [3.0, 4.0]])
    x.grad = np.ones(2)                        # NumPy would broadcast this silently
    with pytest.raises(ValueError, match=r"SGD.step: parameter 0 has shape \(2, 2\) but its grad has shape \(2,\)"):
        SGD([x], lr=0.1).step()


def test_repr_shows_hyper_parameters():
    assert repr(SGD([param([1.0])], lr=0.5)) == \
        "SGD(1 parameter, lr=0.5, momentum=0.0, nesterov=False, weight_decay=0.0)"


# ============================================================== learning-rate schedules
def test_step_lr_values():
    opt = SGD([param([1.0])], lr=0.5)
    sched = StepLR(opt, step_size=3, gamma=0.1)
    seen = [opt.lr]
    for _ in range(7):
        sched.step()
        seen.append(opt.lr)
        assert sched.last_lr == opt.lr == sched.get_lr()
    np.testing.assert_allclose(seen, [0.5] * 3 + [0.05] * 3 + [0.005] * 2, rtol=1e-12)


@pytest.mark.cyclic_lr
def test_cyclic_lr_published_values():
    # Smith (2017): base 0.001, max 0.006, step 2000
    opt = SGD([param([1.0])], lr=0.1)
    sched = CyclicLR(opt, base_lr=0.001, max_lr=0.006, step_size_up=2000)
    assert opt.lr == 0.001                     # the scheduler starts the optimizer at base_lr
    seen = {0: opt.lr}
    for _ in range(6000):
        sched.step()
        seen[sched.last_epoch] = opt.lr
    assert seen[1000] == pytest.approx(0.0035, abs=1e-15)
    assert seen[2000] == pytest.approx(0.006, abs=1e-15)
    assert seen[3000] == pytest.approx(0.0035, abs=1e-15)
    assert seen[4000] == pytest.approx(0.001, abs=1e-15)
    assert seen[6000] == pytest.approx(0.006, abs=1e-15)   # triangular: every cycle the same
    assert all(0.001 - 1e-15 <= v <= 0.006 + 1e-15 for v in seen.values())


@pytest.mark.cyclic_lr
def test_cyclic_lr_triangular2_halves_the_amplitude_each_cycle():
    opt = SGD([param([1.0])], lr=0.1)
    sched = CyclicLR(opt, base_lr=0.001, max_lr=0.006, step_size_up=2000, mode="triangular2")
    peaks = {}
    for _ in range(10000):
        sched.step()
        if sched.last_epoch in (2000, 4000, 6000, 10000):
            peaks[sched.last_epoch] = opt.lr
    assert peaks[2000] == pytest.approx(0.006, abs=1e-15)
    assert peaks[4000] == pytest.approx(0.001, abs=1e-15)
    assert peaks[6000] == pytest.approx(0.001 + 0.005 / 2, abs=1e-15)
    assert peaks[10000] == pytest.approx(0.001 + 0.005 / 4, abs=1e-15)


@pytest.mark.cyclic_lr
def test_cyclic_lr_asymmetric_cycle_exp_range_and_momentum_by_hand():
    # up 2 iterations, down 4: h = 0, ½, 1, ¾, ½, ¼, 0, ½ ...; exp_range scales iteration it by γ^it
    opt = SGD([param([1.0])], lr=0.1)
    sched = CyclicLR(opt, 1.0, 3.0, step_size_up=2, step_size_down=4, mode="exp_range", gamma=0.5)
    heights = [0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0.5]
    for it, h in enumerate(heights):
        assert opt.lr == pytest.approx(1.0 + 2.0 * h * 0.5 ** it, abs=1e-15)
        assert opt.momentum == pytest.approx(0.9 - 0.1 * h * 0.5 ** it, abs=1e-15)   # high momentum at low lr
        assert sched.get_last_lr() == [opt.lr]
        sched.step()


def test_cyclic_lr_takes_the_call_from_issue_17():
    opt = SGD([param([1.0])], lr=0.1)
    sched = CyclicLR(opt, base_lr=1e-4, max_lr=1e-3, step_size_up=2000, cycle_momentum=False)
    for _ in range(1000):
        sched.step()
    assert opt.lr == pytest.approx(1e-4 + 0.5 * 9e-4, rel=1e-12) and opt.momentum == 0


def test_cyclic_lr_cycles_adam_beta1_and_sets_momentum_as_pytorch_does():
    adam = Adam([param([1.0])], betas=(0.5, 0.99))
    CyclicLR(adam, 0.01, 0.1, step_size_up=2, base_momentum=0.7, max_momentum=0.95)
    assert adam.beta1 == 0.95 and adam.beta2 == 0.99
    sgd = SGD([param([1.0])], lr=0.1)          # no momentum: CyclicLR gives it one, as PyTorch does
    CyclicLR(sgd, 0.01, 0.1)
    assert sgd.momentum == 0.9
    untouched = SGD([param([1.0])], lr=0.1, momentum=0.5)
    CyclicLR(untouched, 0.01, 0.1, cycle_momentum=False)
    assert untouched.momentum == 0.5


def test_cyclic_lr_refuses_cycle_momentum_without_a_momentum():
    class SignSGD(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params)
            self.lr = lr

    with pytest.raises(ValueError, match="CyclicLR: cycle_momentum=True .* SignSGD has neither; pass "
                                         "cycle_momentum=False"):
        CyclicLR(SignSGD([param([1.0])], lr=0.1), 0.01, 0.1)
    CyclicLR(SignSGD([param([1.0])], lr=0.1), 0.01, 0.1, cycle_momentum=False)


def test_exponential_lr_values():
    opt = SGD([param([1.0])], lr=0.5)
    sched = ExponentialLR(opt, gamma=0.9)
    seen = [opt.lr]
    for _ in range(5):
        sched.step()
        seen.append(opt.lr)
    np.testing.assert_allclose(seen, 0.5 * 0.9 ** np.arange(6), rtol=1e-15)


def plateau_run(losses, **kwargs):
    opt = SGD([param([1.0])], lr=1.0)
    sched = ReduceLROnPlateau(opt, **kwargs)
    rates = []
    for loss in losses:
        sched.step(loss)
        rates.append(opt.lr)
    return rates


def test_reduce_lr_on_plateau_by_hand():
    # patience 1: the 2nd epoch in a row without improving cuts; the cooldown epoch after a cut does not count
    losses = [5, 4, 4, 4, 4, 4, 4, 3]
    assert plateau_run(losses, factor=0.5, patience=1) == [1, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert plateau_run(losses, factor=0.5, patience=1, cooldown=1) == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert plateau_run(losses, factor=0.5, patience=0, min_lr=0.3) == [1, 1, 0.5, 0.3, 0.3, 0.3, 0.3, 0.3]
    # 'rel': 4.0 → 3.9999 is not an improvement of more than 1e-4 · 4; 'abs' with 1e-5 it is
    assert plateau_run([4, 3.9999, 3.9998], patience=0) == [1, 0.1, pytest.approx(0.01)]
    assert plateau_run([4, 3.9999, 3.9998], patience=0, threshold=1e-5, threshold_mode="abs") == [1, 1, 1]
    assert plateau_run([1, 2, 2, 1], mode="max", patience=0, factor=0.5) == [1, 1, 0.5, 0.25]
    assert plateau_run([mg.tensor(3.0), np.float32(2), np.array(1.0)], patience=0) == [1, 1, 1]


def test_reduce_lr_on_plateau_state_dict_round_trip_resumes_identically():
    losses = [5, 4, 4, 4, 3, 3, 3, 3, 3]
    opt_a = SGD([param([1.0])], lr=1.0)
    sched_a = ReduceLROnPlateau(opt_a, factor=0.5, patience=1, cooldown=1)
    for loss in losses[:3]:
        sched_a.step(loss)
    opt_b = SGD([param([1.0])], lr=1.0)
    sched_b = ReduceLROnPlateau(opt_b)
    sched_b.load_state_dict(npz_round_trip(sched_a.state_dict()))
    opt_b.load_state_dict(npz_round_trip(opt_a.state_dict()))   # the rate itself travels with the optimizer
    assert (sched_b.best, sched_b.num_bad_epochs, sched_b.patience) == (4, 1, 1)
    for loss in losses[3:]:
        sched_a.step(loss)
        sched_b.step(loss)
        assert opt_b.lr == opt_a.lr
    assert ReduceLROnPlateau(SGD([param([1.0])], lr=1.0)).state_dict()["best"] == math.inf


@pytest.mark.parametrize("make", [lambda o: StepLR(o, step_size=2, gamma=0.5),
                                  lambda o: ExponentialLR(o, gamma=0.7),
                                  lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="triangular2"),
                                  lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=2, step_size_down=5, mode="exp_range",
                                                     gamma=0.9, base_momentum=0.6)])
def test_scheduler_state_dict_round_trip(make):
    opt_a = SGD([param([1.0])], lr=0.2)
    sched_a = make(opt_a)
    for _ in range(5):
        sched_a.step()
    opt_b = SGD([param([1.0])], lr=0.2)
    sched_b = make(opt_b) if "Cyclic" not in type(sched_a).__name__ else CyclicLR(opt_b, 0.5, 1.0)
    sched_b.load_state_dict(npz_round_trip(sched_a.state_dict()))
    assert opt_b.lr == opt_a.lr and sched_b.last_epoch == 5 and opt_b.momentum == opt_a.momentum
    for _ in range(7):
        sched_a.step()
        sched_b.step()
        assert opt_b.lr == opt_a.lr and opt_b.momentum == opt_a.momentum


def test_optimizer_param_groups_says_to_use_lr():
    with pytest.raises(AttributeError, match=r"SGD has no param_groups.*optimizer.lr = 0.01"):
        SGD([param([1.0])], lr=0.1).param_groups[0]["lr"]


@pytest.mark.parametrize("build,error,match", [
    (lambda o: StepLR(o, step_size=0), ValueError, "StepLR: step_size must be an integer >= 1, got 0"),
    (lambda o: StepLR(o, step_size=2.5), TypeError, "StepLR: step_size must be an integer, got float 2.5"),
    (lambda o: StepLR(o, step_size=2, gamma=0), ValueError, "StepLR: gamma must be > 0"),
    (lambda o: StepLR(object(), step_size=2), TypeError, "StepLR: expected an optimizer .something with an .lr"),
    (lambda o: CyclicLR(o, base_lr=0, max_lr=0.1), ValueError, "CyclicLR: base_lr must be > 0"),
    (lambda o: CyclicLR(o, base_lr=0.1, max_lr=0.01), ValueError, r"CyclicLR: max_lr must be >= base_lr \(0.1\)"),
    (lambda o: CyclicLR(o, 0.01, 0.1, step_size_up=-3), ValueError, "CyclicLR: step_size_up must be an integer >= 1"),
    (lambda o: CyclicLR(o, 0.01, 0.1, step_size_down=0), ValueError, "CyclicLR: step_size_down must be an integer"),
    (lambda o: CyclicLR(o, 0.01, 0.1, mode="exp"), ValueError,
     "CyclicLR: mode must be one of 'triangular', 'triangular2', 'exp_range'; got 'exp'"),
    (lambda o: CyclicLR(o, 0.01, 0.1, mode="exp_range", gamma=0), ValueError, r"CyclicLR: gamma must be a number in"),
    (lambda o: CyclicLR(o, 0.01, 0.1, max_momentum=1.0), ValueError, r"max_momentum must be a number in \[0, 1\)"),
    (lambda o: CyclicLR(o, 0.01, 0.1, base_momentum=-0.1), ValueError, "CyclicLR: base_momentum must be"),
    (lambda o: ExponentialLR(o, gamma=0), ValueError, "ExponentialLR: gamma must be > 0"),
    (lambda o: ReduceLROnPlateau(o, factor=1.0), ValueError, r"ReduceLROnPlateau: factor must be a number in \(0, 1\)"),
    (lambda o: ReduceLROnPlateau(o, mode="lowest"), ValueError, "ReduceLROnPlateau: mode must be one of 'min', 'max'"),
    (lambda o: ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode must be one of 'rel', 'abs'"),
    (lambda o: ReduceLROnPlateau(o, patience=-1), ValueError, "ReduceLROnPlateau: patience must be an integer >= 0"),
    (lambda o: ReduceLROnPlateau(o).step(), TypeError, r"needs the loss it watches: scheduler.step\(val_loss\)"),
    (lambda o: ReduceLROnPlateau(o).step(float("nan")), ValueError, "ReduceLROnPlateau.step: metrics must be a finite"),
    (lambda o: ReduceLROnPlateau(o).step(np.ones(2)), TypeError, "metrics must be a real number, got ndarray"),
    (lambda o: CyclicLR(object(), 0.01, 0.1), TypeError, "CyclicLR: expected an optimizer"),
    (lambda o: StepLR(o, 2).load_state_dict({"scheduler": "StepLR", "last_epoch": 3}), ValueError,
     r"(?s)StepLR.load_state_dict: nothing was loaded.*missing keys .*\['base_lr', 'step_size', 'gamma'\]"),
    (lambda o: StepLR(o, 2).load_state_dict({"last_epoch": 3}), ValueError, "saved by an unknown scheduler"),
    (lambda o: StepLR(o, 2).load_state_dict(CyclicLR(o, 0.01, 0.1).state_dict()), ValueError,
     "StepLR.load_state_dict: this state was saved by CyclicLR, not StepLR"),
])
def test_scheduler_errors(build, error, match):
    opt = SGD([param([1.0])], lr=0.1)
    with pytest.raises(error, match=match):
        build(opt)


# ============================================================== early stopping
class FakeModel:
    """Just the two methods EarlyStopping uses."""

    def __init__(self):
        self.w = np.zeros(3)

    def state_dict(self):
        return {"w": self.w}                   # the live array, as a real Module returns it

    def load_state_dict(self, state):
        self.w[...] = state["w"]


def test_early_stopping_patience_and_best_state():
    model, stopper = FakeModel(), EarlyStopping(patience=2)
    losses = [1.0, 0.5, 0.7, 0.4, 0.45, 0.41]
    decisions = []
    for epoch, loss in enumerate(losses):
        model.w += 1.0                         # training changes the weights in place every epoch
        decisions.append(stopper.step(loss, model))
    assert decisions == [False, False, False, False, False, True]
    assert stopper.best_loss == 0.4 and stopper.best_epoch == 3 and losses[stopper.best_epoch] == 0.4
    np.testing.assert_array_equal(stopper.best_state["w"], [4.0, 4.0, 4.0])   # a copy, not the live array
    stopper.restore(model)
    np.testing.assert_array_equal(model.w, [4.0, 4.0, 4.0])
    model.w += 1.0                             # restoring hands over a copy too
    np.testing.assert_array_equal(stopper.best_state["w"], [4.0, 4.0, 4.0])


def test_early_stopping_min_delta():
    stopper = EarlyStopping(patience=1, min_delta=0.1)
    assert stopper.step(1.0) is False
    assert stopper.step(0.95) is True          # better, but not by more than min_delta
    assert stopper.best_loss == 1.0 and stopper.best_epoch == 0
    stopper = EarlyStopping(patience=1, min_delta=0.1)
    stopper.step(1.0)
    assert stopper.step(0.85) is False and stopper.best_loss == 0.85


def test_early_stopping_patience_zero_stops_on_the_first_bad_epoch():
    stopper = EarlyStopping(patience=0)
    assert stopper.step(1.0) is False and stopper.step(0.9) is False and stopper.step(0.9) is True


def test_early_stopping_accepts_tensors_and_arrays():
    stopper = EarlyStopping(patience=3)
    stopper.step(mg.tensor(2.0))
    stopper.step(np.array([1.5]))
    assert stopper.best_loss == 1.5


def test_early_stopping_state_dict_round_trip():
    model, stopper = FakeModel(), EarlyStopping(patience=3, min_delta=0.01)
    for loss in (1.0, 0.5, 0.6):
        model.w += 1
        stopper.step(loss, model)
    resumed = EarlyStopping(patience=1)
    resumed.load_state_dict(npz_round_trip(stopper.state_dict()))
    assert (resumed.patience, resumed.min_delta, resumed.best_loss, resumed.best_epoch, resumed.num_bad_epochs) == \
        (3, 0.01, 0.5, 1, 1)
    np.testing.assert_array_equal(resumed.best_state["w"], stopper.best_state["w"])
    assert [resumed.step(0.7), resumed.step(0.7)] == [stopper.step(0.7), stopper.step(0.7)] == [False, True]
    fresh = EarlyStopping(patience=2)
    fresh.load_state_dict(EarlyStopping(patience=2).state_dict())
    assert fresh.best_epoch is None and fresh.best_state is None


@pytest.mark.parametrize("build,error,match", [
    (lambda: EarlyStopping(patience=-1), ValueError, "EarlyStopping: patience must be an integer >= 0, got -1"),
    (lambda: EarlyStopping(patience=2.5), ValueError, "patience must be an integer"),
    (lambda: EarlyStopping(patience=2, min_delta=-0.1), ValueError, "EarlyStopping: min_delta must be a finite"),
    (lambda: EarlyStopping(patience=2, min_delta="x"), TypeError, "EarlyStopping: min_delta must be a number"),
    (lambda: EarlyStopping(2).step(float("nan")), ValueError,
     "EarlyStopping.step: val_loss is nan at epoch 0; training has diverged"),
    (lambda: EarlyStopping(2).step(np.inf), ValueError, "val_loss is inf"),
    (lambda: EarlyStopping(2).step("low"), TypeError, "EarlyStopping.step: val_loss must be a number, got 'low'"),
    (lambda: EarlyStopping(2).step(np.ones(3)), ValueError, r"val_loss must be one number, got an array of shape \(3,\)"),
    (lambda: EarlyStopping(2).restore(FakeModel()), RuntimeError, "EarlyStopping.restore: no best state was saved"),
    (lambda: EarlyStopping(2).load_state_dict({"patience": 2}), ValueError,
     r"(?s)EarlyStopping.load_state_dict: nothing was loaded.*missing keys .*'min_delta'"),
    (lambda: EarlyStopping(2).load_state_dict({**EarlyStopping(2).state_dict(), "best": 1}), ValueError,
     r"unexpected keys .*\['best'\]"),
])
def test_early_stopping_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_public_names():
    assert set(optim.__all__) == {"Adam", "CyclicLR", "EarlyStopping", "ExponentialLR", "LRScheduler", "Optimizer",
                                  "RMSprop", "ReduceLROnPlateau", "SGD", "StepLR", "adam_update", "rmsprop_update",
                                  "sgd_update"}
    assert all(isinstance(o, optim.Optimizer) for o in (SGD([param([1.0])], lr=0.1), Adam([param([1.0])]),
                                                         RMSprop([param([1.0])])))


def test_schedules_live_under_pytorchs_module_name_too():
    from minigrad_ae.optim.lr_scheduler import CyclicLR as ported
    assert ported is CyclicLR and optim.lr_scheduler.StepLR is StepLR
    assert optim.lr_scheduler.ReduceLROnPlateau is ReduceLROnPlateau and optim.lr_scheduler.ExponentialLR is ExponentialLR
