"""Optional: minigrad_ae against PyTorch itself. Weights cross in both directions through .safetensors
files, and each PyTorch-named module, loss, initialiser, scheduler and the DataLoader gives PyTorch's
numbers for the same inputs (float64, 1e-6 or tighter).

Skipped, with the reason, when torch (or, for the file tests, safetensors) is not installed; CI does not
need them. To run: pip install torch safetensors.
"""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.nn.functional import l1_loss

torch = pytest.importorskip("torch", reason="optional PyTorch parity tests: torch is not installed")


@pytest.fixture
def safetensors_torch():
    return pytest.importorskip("safetensors.torch", reason="optional: the safetensors package is not installed")


def as_torch(array, requires_grad=False):
    return torch.tensor(np.asarray(array), requires_grad=requires_grad)


# ---------------------------------------------------------------- whole models, through .safetensors files

MLP = [("Linear", (12, 8)), ("BatchNorm1d", (8,)), ("ReLU", ()), ("Linear", (8, 12)), ("Sigmoid", ())]
CONV = [("Unflatten", (1, (1, 4, 4))), ("Conv2d", (1, 3, 3), {"stride": 2, "padding": 1}), ("ReLU", ()),
        ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}), ("Flatten", ()),
        ("Linear", (32, 6)), ("BatchNorm1d", (6,)), ("ReLU", ()), ("Linear", (6, 16), {"bias": False}),
        ("Sigmoid", ())]
ARCHITECTURES = {"mlp": (MLP, 12), "conv": (CONV, 16)}


def build_pair(spec, dtype, rng):
    """The same architecture twice: minigrad_ae's Sequential and torch.nn.Sequential, in ``dtype``."""
    ours, theirs = [], []
    for name, args, *kwargs in spec:
        kwargs = kwargs[0] if kwargs else {}
        extra = {"dtype": dtype} if name == "BatchNorm1d" else {}
        if name in ("Linear", "Conv2d", "ConvTranspose2d"):
            extra = {"dtype": dtype, "rng": rng}
        ours.append(getattr(nn, name)(*args, **kwargs, **extra))
        theirs.append(getattr(torch.nn, name)(*args, **kwargs))
    return nn.Sequential(*ours), torch.nn.Sequential(*theirs).to(torch.float64 if dtype == np.float64 else torch.float)


def untrained(arch, dtype, seed):
    """(layer names, rng, our model, PyTorch's, 64 random inputs) for one architecture."""
    spec, n_inputs = ARCHITECTURES[arch]
    rng = np.random.default_rng(seed)
    ours, theirs = build_pair(spec, dtype, rng)
    return [name for name, *_ in spec], rng, ours, theirs, rng.random((64, n_inputs)).astype(dtype)


each_model = pytest.mark.parametrize("arch, dtype", [(arch, dtype) for arch in ARCHITECTURES
                                                     for dtype in (np.float32, np.float64)])


@each_model
def test_a_model_trained_here_loads_into_pytorch(tmp_path, safetensors_torch, arch, dtype):
    names, rng, ours, theirs, X = untrained(arch, dtype, seed=0)
    mg.fit(ours, lambda m, xb: F.mse_loss(m(xb), xb), X, epochs=3, batch_size=16,
           optimizer=mg.optim.Adam(ours.parameters(), lr=1e-2), rng=rng, progress=False)
    path = mg.save(tmp_path / "ours.safetensors", ours, meta={"epochs": 3})
    assert theirs.load_state_dict(safetensors_torch.load_file(path)) is not None   # strict: every key matched
    theirs.eval()
    with torch.no_grad():
        want = theirs(as_torch(X)).numpy()
    np.testing.assert_allclose(ours(X).data, want, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-12)
    # 3 epochs of 4 batches, counted here, read there
    assert int(theirs[names.index("BatchNorm1d")].num_batches_tracked) == 3 * 4


@each_model
def test_a_model_trained_in_pytorch_loads_here(tmp_path, safetensors_torch, arch, dtype):
    _, _, ours, theirs, X = untrained(arch, dtype, seed=1)
    torch.manual_seed(0)   # PyTorch's own initialisation, made repeatable
    X = as_torch(X)
    opt = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    for xb in X.split(16):
        opt.zero_grad()
        torch.nn.functional.mse_loss(theirs(xb), xb).backward()
        opt.step()
    path = tmp_path / "theirs.safetensors"
    safetensors_torch.save_file(theirs.state_dict(), path, metadata={"format": "pt"})
    checkpoint = mg.load(path)
    assert checkpoint.format_version is None and checkpoint.meta == {}
    ours.load_state_dict(checkpoint)
    theirs.eval(), ours.eval()
    with torch.no_grad():
        want = theirs(X).numpy()
    np.testing.assert_allclose(ours(X.numpy()).data, want, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-12)


def test_batch_norm_training_matches_pytorch_step_by_step():
    rng = np.random.default_rng(2)
    for momentum in (0.1, None):
        ours = nn.BatchNorm1d(5, momentum=momentum, dtype=np.float64)
        theirs = torch.nn.BatchNorm1d(5, momentum=momentum).double()
        for _ in range(4):
            x = rng.normal(2.0, 3.0, (7, 5))
            g = rng.standard_normal((7, 5))
            xt, xo = as_torch(x, True), mg.tensor(x, requires_grad=True)
            theirs(xt).backward(as_torch(g))
            out = ours(xo)
            out.backward(g)
            np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
        for name, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), rtol=1e-12, err_msg=name)


# ---------------------------------------------------------------- modules and losses, value and gradient


def assert_same_value_and_grads(ours_fn, theirs_fn, inputs, grad_inputs=None):
    """ours_fn on Tensors and theirs_fn on torch tensors agree in value and in the gradients of every input."""
    grad_inputs = range(len(inputs)) if grad_inputs is None else grad_inputs
    # inputs without a gradient (labels) go in as they are: mg.tensor would make integer labels float32
    ours_in = [mg.tensor(a, requires_grad=True) if i in grad_inputs else a for i, a in enumerate(inputs)]
    theirs_in = [as_torch(a, requires_grad=i in grad_inputs) for i, a in enumerate(inputs)]
    ours_out, theirs_out = ours_fn(*ours_in), theirs_fn(*theirs_in)
    np.testing.assert_allclose(ours_out.data, theirs_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(3).standard_normal(ours_out.shape)
    ours_out.backward(upstream)
    theirs_out.backward(as_torch(upstream))
    for i in grad_inputs:
        np.testing.assert_allclose(ours_in[i].grad, theirs_in[i].grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"input {i}")


@pytest.mark.parametrize("make", [lambda m: m.Softmax(dim=1), lambda m: m.Softmax(dim=-1), lambda m: m.Softmax(0),
                                  lambda m: m.Flatten(), lambda m: m.Flatten(0, 1), lambda m: m.Flatten(-2, -1),
                                  lambda m: m.Unflatten(1, (2, 3)), lambda m: m.Unflatten(-1, (4, 1))],
                         ids=["softmax1", "softmax-1", "softmax0", "flatten", "flatten01", "flatten-2-1",
                              "unflatten1", "unflatten-1"])
def test_shape_and_softmax_modules(make):
    assert_same_value_and_grads(make(nn), make(torch.nn), [np.random.default_rng(4).standard_normal((3, 6, 4))])


def loss_inputs(name, rng):
    if name == "CrossEntropyLoss":
        return [rng.standard_normal((6, 4)), rng.integers(0, 4, 6)]
    if name == "BCELoss":
        return [rng.uniform(0.01, 0.99, (6, 4)), rng.uniform(0, 1, (6, 4))]
    if name == "BCEWithLogitsLoss":
        return [rng.standard_normal((6, 4)), rng.uniform(0, 1, (6, 4))]
    return [rng.standard_normal((6, 4)), rng.standard_normal((6, 4))]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"])
def test_loss_modules(name, reduction):
    inputs = loss_inputs(name, np.random.default_rng(5))
    grads = [0] if name == "CrossEntropyLoss" else [0, 1]
    ours, theirs = getattr(nn, name)(reduction=reduction), getattr(torch.nn, name)(reduction=reduction)
    assert_same_value_and_grads(ours, theirs, inputs, grads)


def test_l1_loss_function():
    assert_same_value_and_grads(l1_loss, torch.nn.functional.l1_loss, loss_inputs("L1Loss", np.random.default_rng(6)))


# ---------------------------------------------------------------- init, apply, DataLoader


def test_initialisers_gains_and_bounds():
    for nonlinearity, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                                ("leaky_relu", None), ("leaky_relu", 0.2)]:
        assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(
            torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)
    for fill in ("zeros_", "ones_"):
        theirs = getattr(torch.nn.init, fill)(torch.full((3, 2), 7.0, dtype=torch.float64))
        np.testing.assert_array_equal(getattr(nn.init, fill)(nn.Parameter(np.full((3, 2), 7.0))).data, theirs.numpy())
    np.testing.assert_array_equal(nn.init.constant_(nn.Parameter(np.zeros(3)), 0.01).data,
                                  torch.nn.init.constant_(torch.zeros(3, dtype=torch.float64), 0.01).numpy())
    # random ones: the same distribution, so the same bound (max |w|) on a large weight
    for kwargs in ({}, {"a": 5 ** 0.5}, {"mode": "fan_out", "nonlinearity": "relu"}):
        ours = nn.init.kaiming_uniform_(nn.Parameter(np.zeros((300, 200))), rng=np.random.default_rng(0), **kwargs)
        theirs = torch.nn.init.kaiming_uniform_(torch.zeros(300, 200), **kwargs)
        assert np.abs(ours.data).max() == pytest.approx(theirs.abs().max().item(), rel=1e-3)


def test_apply_visits_modules_in_pytorch_order():
    def tree(m):
        return m.Sequential(m.Linear(2, 3), m.Sequential(m.ReLU(), m.Linear(3, 3)), m.Sigmoid())

    ours, theirs = [], []
    tree(nn).apply(lambda m: ours.append(type(m).__name__))
    tree(torch.nn).apply(lambda m: theirs.append(type(m).__name__))
    assert ours == theirs
    assert [type(m).__name__ for m in tree(nn).modules()] == [type(m).__name__ for m in tree(torch.nn).modules()]


@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True), (4, 1, False)])
def test_data_loader_batches_in_order(n, batch_size, drop_last):
    X, y = np.arange(2 * n).reshape(n, 2), np.arange(n)
    ours = mg.data.DataLoader(mg.data.TensorDataset(X, y), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(as_torch(X), as_torch(y)),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    for (xb, yb), (xt, yt) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(xb.numpy(), xt.numpy())
        np.testing.assert_array_equal(yb.numpy(), yt.numpy())
        assert (xb.dtype, yb.dtype) == (xt.numpy().dtype, yt.numpy().dtype)   # integer labels stay integers


# ---------------------------------------------------------------- learning-rate schedules


def schedule_pair(make, optimizer="sgd", lr=0.1):
    ours_param, theirs_param = mg.tensor(np.ones(1), requires_grad=True), torch.ones(1, requires_grad=True)
    if optimizer == "adam":
        ours_opt, theirs_opt = mg.optim.Adam([ours_param], lr=lr), torch.optim.Adam([theirs_param], lr=lr)
    else:
        ours_opt, theirs_opt = mg.optim.SGD([ours_param], lr=lr), torch.optim.SGD([theirs_param], lr=lr)
    return (ours_opt, make(mg.optim, ours_opt)), (theirs_opt, make(torch.optim.lr_scheduler, theirs_opt))


def momentum_of(ours_opt, theirs_opt):
    group = theirs_opt.param_groups[0]
    if "betas" in group:
        return ours_opt.beta1, group["betas"][0]
    return ours_opt.momentum, group["momentum"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("make", [
    lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    lambda m, o: m.ExponentialLR(o, gamma=0.9),
    lambda m, o: m.CyclicLR(o, base_lr=1e-4, max_lr=1e-3, step_size_up=5, cycle_momentum=False),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3, step_size_down=7),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="triangular2", base_momentum=0.7),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2, step_size_down=3, mode="exp_range", gamma=0.95),
], ids=["step", "exponential", "cyclic-issue17", "cyclic-asymmetric", "cyclic-triangular2", "cyclic-exp_range"])
def test_closed_form_schedules(make, optimizer):
    (ours_opt, ours), (theirs_opt, theirs) = schedule_pair(make, optimizer)
    for _ in range(40):
        assert ours_opt.lr == pytest.approx(theirs_opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
        if getattr(ours, "cycle_momentum", False):
            mine, theirs_momentum = momentum_of(ours_opt, theirs_opt)
            assert mine == pytest.approx(theirs_momentum, rel=1e-12)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
        theirs_opt.step()   # PyTorch warns when a schedule steps before its optimizer
        ours.step()
        theirs.step()


@pytest.mark.parametrize("kwargs", [{}, {"patience": 2, "factor": 0.5}, {"patience": 1, "cooldown": 2},
                                    {"patience": 0, "min_lr": 0.02}, {"mode": "max", "patience": 1},
                                    {"threshold_mode": "abs", "threshold": 0.05, "patience": 1}])
def test_reduce_lr_on_plateau(kwargs):
    (ours_opt, ours), (theirs_opt, theirs) = schedule_pair(lambda m, o: m.ReduceLROnPlateau(o, **kwargs))
    losses = np.random.default_rng(7).uniform(0.9, 1.1, 60) * np.linspace(2, 1, 60) ** 3   # noisy, then flat
    for loss in list(losses) + [-0.5, -0.49, -0.5]:   # negative losses too: 'rel' compares best·(1 ∓ threshold)
        ours.step(loss)
        theirs.step(loss)
        assert ours_opt.lr == theirs_opt.param_groups[0]["lr"]
        assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter) == \
            (theirs.best, theirs.num_bad_epochs, theirs.cooldown_counter)


# ---------------------------------------------------------------- PyTorch's spellings in ported code


def test_function_forms_chunk_split_cat_argmax_as_pytorchs():
    """mg.exp / mg.sum / mg.chunk / mg.split / mg.cat with dim=, in value and gradient; argmax and == in value."""
    x = np.random.default_rng(8).standard_normal((4, 6))

    def program(lib, t):
        mu, logvar = lib.chunk(t, 2, dim=1)
        first, rest = lib.split(t, [1, 3], dim=0)
        kld = -0.5 * lib.sum(1 + logvar - mu.pow(2) - lib.exp(logvar), dim=1)
        return lib.cat([kld, lib.mean(lib.sigmoid(rest), dim=0), lib.tanh(first).sum(dim=0)], dim=0)

    assert_same_value_and_grads(lambda t: program(mg, t), lambda t: program(torch, t), [x])
    labels = np.array([1, 0, 5, 2])
    ours = mg.tensor(x).argmax(dim=1) == mg.tensor(labels, dtype=np.int64)
    theirs = torch.tensor(x).argmax(dim=1) == torch.tensor(labels)
    np.testing.assert_array_equal(ours, theirs.numpy())
    assert mg.ones(2, 3).shape == tuple(torch.ones(2, 3).shape) == mg.zeros((2, 3)).shape


def test_double_gives_pytorchs_float64_model():
    rng = np.random.default_rng(9)
    ours, theirs = build_pair(MLP, np.float32, rng)
    theirs.load_state_dict({k: as_torch(v) for k, v in ours.state_dict().items()})
    ours.double(), theirs.double()
    x = rng.random((16, 12))
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(x).data, theirs(as_torch(x)).detach().numpy(), rtol=0, atol=1e-14)
    assert [v.dtype for v in ours.state_dict().values()] == [v.numpy().dtype for v in theirs.state_dict().values()]
