# %% [markdown]
# # Lesson 19 — From PyTorch to minigrad_ae
#
# The course material teaches in PyTorch; here each of its PyTorch examples is ported, run on the bundled data,
# and held against PyTorch itself.
#
# minigrad_ae uses PyTorch's names wherever PyTorch has the concept — `nn.Linear`, `F.relu`, `x.view(-1, 784)`,
# `optimizer.zero_grad()`, `DataLoader` — so a port changes the imports and little else. What is left are the places
# where the two libraries differ on purpose:
#
# - **randomness**: PyTorch draws from one global generator (`torch.manual_seed`); here every random thing — a
#   layer's initial weights, dropout's masks, `randn_like`, shuffling — names its generator, `rng=rng`. One
#   `np.random.default_rng(seed)` passed down makes a run repeatable, and each part's draws independent.
# - **devices**: NumPy computes on the CPU, so `device = "cpu"` and `.to(device)` changes nothing.
# - **`.data`** is the NumPy array behind a tensor, so its in-place methods are NumPy's (`fill`, not `fill_`).
# - **files**: `torch.save` pickles, and unpickling a file can run any code; `mg.save` writes `.safetensors` (raw
#   arrays and a JSON header), which PyTorch reads too (`safetensors.torch.load_file`).
#
# Every section below prints an example's PyTorch code (numbered as in the material: 000 to 004), marks the lines
# the port changes (✎) and gives each change with its reason; the port follows as code, and runs here. When PyTorch is installed (it is optional,
# never needed), the PyTorch code runs too: the port's trained weights go into the PyTorch model through a
# `.safetensors` file, both compute the same batch in float64 — with the same random draws — and the loss and
# every gradient must agree to 1e-6.

# %%
import contextlib
import copy
import importlib
import tempfile
import warnings
from unittest import mock

import numpy as np

from minigrad_ae import lesson as kit
import matplotlib.pyplot as plt

lesson = kit.start("Lesson 19: from PyTorch to minigrad_ae — the course material's PyTorch examples ported, run on "
                   "the bundled data, and checked against PyTorch (when installed) to 1e-6 in float64")
seed = lesson.args.seed
TOLERANCE = 1e-6   # loss and gradients, PyTorch vs the port, in float64


def optional_import(name):
    """The module, or None when it is not installed (PyTorch never is a requirement of this course)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


pytorch, safetensors_torch = optional_import("torch"), optional_import("safetensors.torch")
PYTORCH_INSTALLED = pytorch is not None and safetensors_torch is not None
if pytorch is not None:
    # One thread, as the port's NumPy has (`minigrad-ae lessons run` sets OMP_NUM_THREADS=1; a notebook does not):
    # on these small batches PyTorch's extra threads wait for each other, and on a busy 2-core machine its
    # 30 training steps took 13x the CPU time and 10x the wall time with 2 threads (measured).
    pytorch.set_num_threads(1)
missing = [name for name, module in [("torch", pytorch), ("safetensors", safetensors_torch)] if module is None]
print("PyTorch comparisons: " + (f"on (torch {pytorch.__version__})" if PYTORCH_INSTALLED else
      f"skipped — {' and '.join(missing)} not installed here (pip install torch safetensors to run them); every "
      "example still runs, and its PyTorch code is shown"))

# %% [markdown]
# Three helpers do the showing and the comparing, so that each section is about its example. `show_pytorch` prints
# the PyTorch code with ✎ on each line the port changes beyond writing `torch.` as `mg.`, then each such line as
# a pair (− PyTorch, + port) with the reason. `run_pytorch` runs PyTorch code in a fresh namespace (imports
# included). `same_in_pytorch` is the check: it casts the port's models to float64 (`model.double()`), saves each
# as `.safetensors`, loads it into the PyTorch model (`load_state_dict(safetensors.torch.load_file(path))`), runs
# the same lines on both sides with the same inputs and compares the loss, every parameter's gradient and every
# buffer. Where the code draws random numbers, PyTorch's draws (`torch.randn_like`, `np.random.normal`) are
# replaced by the port's own, replayed from the state `rng` had before the port drew them.

# %%
parity = {}   # example -> {"loss", "gradients", "buffers": largest |PyTorch − port| (float64)}


def show_pytorch(title, code, changes):
    """Print ``code`` with ✎ on the lines ``changes`` [(PyTorch line, port line, why)] replaces, then the changes."""
    lines = code.splitlines()
    changed = [old for old, _, _ in changes]
    unknown = set(changed) - {line.strip() for line in lines}
    assert not unknown, f"{title}: the changes name lines the PyTorch code does not have: {unknown}"
    print(f"── {title}, in PyTorch ──")
    for line in lines:
        print(("✎ " if line.strip() in changed else "  ") + line)
    statements = sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))
    print(f"\n── the port: {len(changes)} of these {statements} lines change, and torch.<name> is mg.<name> ──")
    previous_why = None
    for old, new, why in changes:
        print(f"  − {old}\n  + {new}" + ("" if why == previous_why else f"\n      ({why})"))
        previous_why = why
    lesson.record(f"{title}: lines changed", f"{len(changes)} of {statements}")


def run_pytorch(code, between=None, **names):
    """A fresh namespace in which the material's imports and then ``code`` ran (only the lines from ``between[0]``
    up to ``between[1]``, when given); None without PyTorch."""
    if not PYTORCH_INSTALLED:
        return None
    if between is not None:
        start, stop = code.index(between[0]), code.index(between[1])
        code = code[start:stop]
    namespace = {"seed": seed, **names}
    exec(IMPORTS_PYTORCH + code, namespace)
    return namespace


@contextlib.contextmanager
def replaying(state):
    """PyTorch in float64 (``torch.ones(n, 1)`` too, as the weights), its random draws replaced by the port's: the
    same numbers, drawn again from ``rng``'s earlier ``state``."""
    replay = np.random.default_rng()
    replay.bit_generator.state = state
    torch = pytorch

    def like(t, **_):
        return torch.from_numpy(replay.standard_normal(tuple(t.shape))).to(t.dtype)

    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with mock.patch.object(torch, "randn_like", like), mock.patch.object(np.random, "normal", replay.normal):
            yield
    finally:
        torch.set_default_dtype(default)


def same_in_pytorch(example, theirs, models, code, inputs, grad_inputs=(), eval_mode=False):
    """Load the port's ``models`` (names in this lesson) into the same-named PyTorch models of the namespace
    ``theirs``, in float64, through .safetensors files; run ``code`` (which sets ``loss``) on both sides with the same
    ``inputs``; check the loss, every gradient (of the parameters, and of the ``grad_inputs``) and every buffer."""
    if not PYTORCH_INSTALLED:
        print(f"{example}: PyTorch is not installed here, so this comparison is skipped.")
        return
    ours = {name: globals()[name].double() for name in models}
    with tempfile.TemporaryDirectory() as folder:
        for name, model in ours.items():
            theirs[name] = theirs[name].double()
            theirs[name].load_state_dict(safetensors_torch.load_file(mg.save(f"{folder}/{name}.safetensors", model)))
    for model in [*ours.values(), *(theirs[name] for name in models)]:
        model.train(not eval_mode)
        model.zero_grad()
    mine, their = run_both(code, theirs, inputs, grad_inputs)
    pairs = [(k, mine[k], their[k]) for k in grad_inputs]
    for name in models:
        their_parameters = dict(theirs[name].named_parameters())
        pairs += [(f"{name}.{key}", p, their_parameters[key]) for key, p in ours[name].named_parameters()]
    gaps = {"loss": abs(mine["loss"].item() - their["loss"].item()),
            "gradients": max(np.abs(a.grad - b.grad.numpy()).max() if a.grad is not None and b.grad is not None
                             else 0.0 if a.grad is b.grad is None else np.inf for _, a, b in pairs),
            "buffers": max((np.abs(buffer - dict(theirs[name].named_buffers())[key].numpy()).max()
                            for name in models for key, buffer in ours[name].named_buffers()), default=None)}
    parity[example] = gaps
    worst = max(value for value in gaps.values() if value is not None)
    n_buffers = sum(len(ours[name].named_buffers()) for name in models)
    print(f"{example}, PyTorch vs port in float64: loss {mine['loss'].item():.10g} vs {their['loss'].item():.10g}; "
          f"largest difference: loss {gaps['loss']:.1e}, {len(pairs)} gradients {gaps['gradients']:.1e}"
          + (f", {n_buffers} buffers {gaps['buffers']:.1e}" if n_buffers else ""))
    lesson.checks.add(f"{example}: loss, {len(pairs)} gradients" + (f", {n_buffers} buffers" if n_buffers else "")
                      + " as PyTorch's (float64): max diff", float(worst), worst <= TOLERANCE)


def run_both(code, theirs, inputs, grad_inputs):
    """``code`` run here and in PyTorch on float64 copies of ``inputs``, PyTorch with the port's random draws;
    returns both namespaces after ``loss.backward()``."""
    as64 = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in inputs.items()}
    state = copy.deepcopy(rng.bit_generator.state)
    mine = {k: mg.tensor(v, dtype=v.dtype, requires_grad=k in grad_inputs) for k, v in as64.items()}
    exec(code, globals(), mine)
    mine["loss"].backward()
    with replaying(state):
        their = {k: pytorch.from_numpy(v.copy()).requires_grad_(k in grad_inputs) for k, v in as64.items()}
        exec(code, theirs, their)
        their["loss"].backward()
    rng.bit_generator.state = state   # the lesson draws the same numbers after this, with PyTorch or without
    return mine, their


# %% [markdown]
# ## 0. The imports
# Every example starts with the same lines. Where the material writes `torch.exp`, `torch.chunk`, `torch.nn.init`,
# `torch.optim.Adam` or `torch.float32`, the port writes `mg.` for `torch.`: that is what the first import means.

# %%
IMPORTS_PYTORCH = """\
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(seed)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
"""
IMPORTS_CHANGES = [
    ("import torch", "import minigrad_ae as mg", "the package: torch.<name> in the material is mg.<name> here"),
    ("import torch.nn as nn", "from minigrad_ae import nn", "layers, loss modules and nn.init, PyTorch's names"),
    ("import torch.nn.functional as F", "from minigrad_ae.nn import functional as F",
     "F.relu, F.binary_cross_entropy …"),
    ("from torch.utils.data import DataLoader, TensorDataset", "from minigrad_ae.data import DataLoader, TensorDataset",
     "the same two classes: they hold NumPy arrays and hand out Tensors"),
    ("torch.manual_seed(seed)", "rng = np.random.default_rng(seed)",
     "no global random state: one generator, passed by name to every random thing"),
    ('device = torch.device("cuda" if torch.cuda.is_available() else "cpu")', 'device = "cpu"',
     "NumPy computes on the CPU; x.to(device) and model.to(device) return what they are given"),
]
show_pytorch("the imports", IMPORTS_PYTORCH, IMPORTS_CHANGES)

# %%
# the port of IMPORTS_PYTORCH
import numpy as np
import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F
from minigrad_ae.data import DataLoader, TensorDataset

rng = np.random.default_rng(seed)
device = "cpu"

# %% [markdown]
# ## 1. Custom initialisation: `init_weights` (000)
# `model.apply(fn)` calls `fn` on every module of the tree, children first, the model itself last; the material
# uses it to give every `nn.Linear` Xavier-uniform weights, U(−a, a) with a = √(6 / (fan_in + fan_out)), and
# biases of 0.01.

# %%
INIT_PYTORCH = """\
def init_weights(m):
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
net.apply(init_weights)
"""
RNG_WHY = "every random draw names its generator: initial weights, dropout masks, samples, shuffling"
INIT_CHANGES = [
    ("torch.nn.init.xavier_uniform_(m.weight)", "mg.nn.init.xavier_uniform_(m.weight, rng=rng)", RNG_WHY),
    ("m.bias.data.fill_(0.01)", "nn.init.constant_(m.bias, 0.01)",
     ".data is the NumPy array, whose in-place fill has no underscore (m.bias.data.fill(0.01) works too); "
     "nn.init.constant_ reads the same in both libraries"),
]
show_pytorch("000 init_weights", INIT_PYTORCH, INIT_CHANGES)

# %%
# the port of INIT_PYTORCH
def init_weights(m):
    if isinstance(m, nn.Linear):
        mg.nn.init.xavier_uniform_(m.weight, rng=rng)
        nn.init.constant_(m.bias, 0.01)


net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
net.apply(init_weights)

# %% [markdown]
# What can be compared is the distribution, not the draws: the weights stay inside ±a, their standard deviation
# is a/√3 (that of a uniform distribution), the biases are exactly 0.01, and `apply` visits the modules in
# PyTorch's order.

# %%
linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
visited = []
net.apply(lambda m: visited.append(type(m).__name__))
bounds = [np.sqrt(6 / sum(layer.weight.shape)) for layer in linears]   # a = √(6 / (fan_in + fan_out))
inside = all(np.abs(layer.weight.data).max() <= a for layer, a in zip(linears, bounds))
worst_std = max(abs(layer.weight.data.std() / (a / np.sqrt(3)) - 1) for layer, a in zip(linears, bounds))
biases = np.unique(np.concatenate([layer.bias.data for layer in linears]))
print(f"apply visits: {', '.join(visited)}")
print(f"weights within ±a: {inside}; std / (a/√3) − 1 at most {worst_std:.3f}; the biases' values: {biases}")
lesson.checks.add("000: Xavier weights within ±a, std within 3% of a/√3, biases all 0.01", worst_std,
                  inside and worst_std < 0.03 and biases.tolist() == [np.float32(0.01)])
theirs_init = run_pytorch(INIT_PYTORCH)
if PYTORCH_INSTALLED:
    their_visits = []
    theirs_init["net"].apply(lambda m: their_visits.append(type(m).__name__))
    their_std = max(abs(m.weight.std().item() / (np.sqrt(6 / sum(m.weight.shape)) / np.sqrt(3)) - 1)
                    for m in theirs_init["net"].modules() if isinstance(m, pytorch.nn.Linear))
    print(f"PyTorch: the same order ({their_visits == visited}); its std / (a/√3) − 1 at most {their_std:.3f}")
    lesson.checks.add("000: apply visits the modules in PyTorch's order", their_visits == visited,
                      their_visits == visited)

# %% [markdown]
# ## 2. The data
# The material downloads MNIST with torchvision. The package bundles a sample of it — 4,000 training and 1,000
# test digits, float32 rows of 784 pixels in [0, 1], what `transforms.ToTensor()` gives, flattened — so the
# loaders change, and nothing after them does: the batches are Tensors, as PyTorch's are.

# %%
DATA_PYTORCH = """\
from torchvision import datasets, transforms
train_set = datasets.MNIST("../data", train=True, download=True, transform=transforms.ToTensor())
test_set = datasets.MNIST("../data", train=False, transform=transforms.ToTensor())
train_loader = DataLoader(train_set, batch_size=128, shuffle=True)
test_loader = DataLoader(test_set, batch_size=128)
"""
DATA_CHANGES = [
    ("from torchvision import datasets, transforms", "X_train, y_train, X_test, y_test = mg.data.load_mnist_sample()",
     "bundled: no download"),
    ('train_set = datasets.MNIST("../data", train=True, download=True, transform=transforms.ToTensor())',
     "train_set = TensorDataset(X_train, y_train)", "TensorDataset holds the arrays"),
    ('test_set = datasets.MNIST("../data", train=False, transform=transforms.ToTensor())',
     "test_set = TensorDataset(X_test, y_test)", "TensorDataset holds the arrays"),
    ("train_loader = DataLoader(train_set, batch_size=128, shuffle=True)",
     "train_loader = DataLoader(train_set, batch_size=128, shuffle=True, rng=rng)", RNG_WHY),
]
show_pytorch("the MNIST loaders", DATA_PYTORCH, DATA_CHANGES)

# %%
# the port of DATA_PYTORCH
X_train, y_train, X_test, y_test = mg.data.load_mnist_sample()
train_set = TensorDataset(X_train, y_train)
test_set = TensorDataset(X_test, y_test)
train_loader = DataLoader(train_set, batch_size=128, shuffle=True, rng=rng)
test_loader = DataLoader(test_set, batch_size=128)

# %%
epochs = lesson.pick(full=3, quick=1)
data, labels = next(iter(train_loader))
print(f"{len(train_loader)} batches per epoch; a batch: a {type(data).__name__} of shape {data.shape} ({data.dtype}), "
      f"labels {labels.dtype}; data.view(-1, 784) has shape {data.view(-1, 784).shape}")
batch64 = X_test[:64]   # the batch every MNIST comparison below computes in float64
reconstructions = {"test digits": batch64[:8]}


def held_out_bce(model):
    """Binary cross-entropy per held-out image, summed over its pixels (the AE's output is its first)."""
    with mg.no_grad():
        output = model(mg.tensor(X_test))
        recon = output[0] if isinstance(output, tuple) else output
        return F.binary_cross_entropy(recon, mg.tensor(X_test), reduction="sum").item() / len(X_test)

# %% [markdown]
# ## 3. A plain autoencoder (001)
# Two linear layers down to a 20-number code, two back up, a sigmoid on the output: x̂ = σ(W₄ relu(W₃ z)),
# z = W₂ relu(W₁ x) (biases left out), trained on the binary cross-entropy summed over pixels and images.

# %%
AE_PYTORCH = """\
class AE(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden_dim)
        self.fc4 = nn.Linear(hidden_dim, input_dim)

    def encode(self, x):
        return self.fc2(F.relu(self.fc1(x)))

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z))).sigmoid()

    def forward(self, x):
        return self.decode(self.encode(x.view(-1, 784)))


model = AE().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train(epoch):
    model.train()
    train_loss = 0
    for data, _ in train_loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon = model(data)
        loss = F.binary_cross_entropy(recon, data.view(-1, 784), reduction="sum")
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(train_loader.dataset)
"""
AE_CHANGES = [
    ("self.fc1 = nn.Linear(input_dim, hidden_dim)", "self.fc1 = nn.Linear(input_dim, hidden_dim, rng=rng)", RNG_WHY),
    ("self.fc2 = nn.Linear(hidden_dim, latent_dim)", "self.fc2 = nn.Linear(hidden_dim, latent_dim, rng=rng)", RNG_WHY),
    ("self.fc3 = nn.Linear(latent_dim, hidden_dim)", "self.fc3 = nn.Linear(latent_dim, hidden_dim, rng=rng)", RNG_WHY),
    ("self.fc4 = nn.Linear(hidden_dim, input_dim)", "self.fc4 = nn.Linear(hidden_dim, input_dim, rng=rng)", RNG_WHY),
]
show_pytorch("001 autoencoder", AE_PYTORCH, AE_CHANGES)

# %%
# the port of AE_PYTORCH
class AE(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden_dim, rng=rng)
        self.fc2 = nn.Linear(hidden_dim, latent_dim, rng=rng)
        self.fc3 = nn.Linear(latent_dim, hidden_dim, rng=rng)
        self.fc4 = nn.Linear(hidden_dim, input_dim, rng=rng)

    def encode(self, x):
        return self.fc2(F.relu(self.fc1(x)))

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z))).sigmoid()

    def forward(self, x):
        return self.decode(self.encode(x.view(-1, 784)))


model = AE().to(device)
optimizer = mg.optim.Adam(model.parameters(), lr=1e-3)


def train(epoch):
    model.train()
    train_loss = 0
    for data, _ in train_loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon = model(data)
        loss = F.binary_cross_entropy(recon, data.view(-1, 784), reduction="sum")
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(train_loader.dataset)


# %%
ae_untrained = held_out_bce(model)
ae_losses = [train(epoch) for epoch in range(1, epochs + 1)]
ae_trained = held_out_bce(model)
print(f"001 autoencoder, training BCE per image by epoch: {', '.join(f'{loss:.1f}' for loss in ae_losses)}; "
      f"held-out: {ae_untrained:.1f} untrained, {ae_trained:.1f} trained")
with mg.no_grad():
    reconstructions["001 autoencoder"] = model(mg.tensor(batch64[:8])).numpy()
lesson.record("001 autoencoder: held-out BCE per image", round(ae_trained, 1))
lesson.checks.add("001 autoencoder trained: held-out BCE per image, untrained → trained",
                  f"{ae_untrained:.0f} → {ae_trained:.0f}", ae_trained < 0.7 * ae_untrained)
same_in_pytorch("001 autoencoder", run_pytorch(AE_PYTORCH), ["model"],
                'loss = F.binary_cross_entropy(model(data), data.view(-1, 784), reduction="sum")', {"data": batch64})

# %% [markdown]
# ## 4. The reparameterisation trick
# A VAE's encoder gives a mean μ and a log-variance for each code number; the code is the sample z = μ + σ ε with
# σ = e^{½ logvar} and ε ~ N(0, 1). Written this way the randomness sits in ε, and z is a smooth function of μ
# and logvar:
#
#     ∂z/∂μ = 1          ∂z/∂logvar = ½ σ ε
#
# The material's function, and its port: one line changes, the one that draws ε.

# %%
REPARAM_PYTORCH = """\
def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)
    return mu + eps * std
"""
EPS_CHANGE = ("eps = torch.randn_like(std)", "eps = mg.randn_like(std, rng=rng)", RNG_WHY)
REPARAM_CHANGES = [EPS_CHANGE]
show_pytorch("reparameterize", REPARAM_PYTORCH, REPARAM_CHANGES)

# %%
# the port of REPARAM_PYTORCH
def reparameterize(mu, logvar):
    std = mg.exp(0.5 * logvar)
    eps = mg.randn_like(std, rng=rng)
    return mu + eps * std


# %% [markdown]
# Three checks: its gradients are the formulas above (ε replayed from `rng`'s earlier state); many samples have
# mean μ and standard deviation σ; and, with PyTorch, the same ε gives the same z and gradients.

# %%
mu_values, logvar_values = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
upstream = rng.standard_normal((4, 3))
state = copy.deepcopy(rng.bit_generator.state)
mu = mg.tensor(mu_values, requires_grad=True)
logvar = mg.tensor(logvar_values, requires_grad=True)
(reparameterize(mu, logvar) * upstream).sum().backward()
replay = np.random.default_rng()
replay.bit_generator.state = state
eps = replay.standard_normal((4, 3))
by_formula = 0.5 * np.exp(0.5 * logvar_values) * eps * upstream
formula_error = max(np.abs(mu.grad - upstream).max(), np.abs(logvar.grad - by_formula).max())
print(f"∂z/∂μ and ∂z/∂logvar by autodiff vs the formulas: max diff {formula_error:.1e}")
lesson.checks.add("reparameterize: gradients = 1 and ½σε: max diff", formula_error, formula_error < 1e-12)

n_samples = 200_000
with mg.no_grad():
    samples = reparameterize(mg.tensor(np.full(n_samples, 1.5)), mg.tensor(np.full(n_samples, np.log(0.25)))).numpy()
mean_error = abs(samples.mean() - 1.5) / (0.5 / np.sqrt(n_samples))   # in standard errors of the mean
print(f"{n_samples:,} samples of μ = 1.5, σ = 0.5: mean {samples.mean():.4f} ({mean_error:.1f} standard errors "
      f"off), std {samples.std():.4f}")
lesson.checks.add("reparameterize: samples' mean within 4 standard errors of μ, std within 1% of σ", mean_error,
                  mean_error < 4 and abs(samples.std() / 0.5 - 1) < 0.01)
same_in_pytorch("reparameterize", run_pytorch(REPARAM_PYTORCH), [],
                "loss = (reparameterize(mu, logvar) * upstream).sum()",
                {"mu": mu_values, "logvar": logvar_values, "upstream": upstream}, grad_inputs=("mu", "logvar"))

# %% [markdown]
# ## 5. The variational autoencoder (001)
# The encoder's last layer gives μ and logvar side by side, split by `torch.chunk`; the loss is the negative
# ELBO, the reconstruction's BCE plus the KL divergence of N(μ, σ²) from N(0, 1), written out:
#
#     KLD = −½ Σ (1 + logvar − μ² − e^{logvar})

# %%
VAE_PYTORCH = """\
class VAE(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, input_dim), nn.Sigmoid())

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x):
        mu, logvar = torch.chunk(self.encoder(x.view(-1, 784)), 2, dim=1)
        z = self.reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


model = VAE().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(train_loader.dataset)


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for data, _ in test_loader:
            recon_batch, mu, logvar = model(data.to(device))
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
    return test_loss / len(test_loader.dataset)
"""
VAE_CHANGES = [
    ("self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(),",
     "self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim, rng=rng), nn.ReLU(),", RNG_WHY),
    ("nn.Linear(hidden_dim, 2 * latent_dim))", "nn.Linear(hidden_dim, 2 * latent_dim, rng=rng))", RNG_WHY),
    ("self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),",
     "self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim, rng=rng), nn.ReLU(),", RNG_WHY),
    ("nn.Linear(hidden_dim, input_dim), nn.Sigmoid())", "nn.Linear(hidden_dim, input_dim, rng=rng), nn.Sigmoid())",
     RNG_WHY),
    EPS_CHANGE,
]
show_pytorch("001 variational autoencoder", VAE_PYTORCH, VAE_CHANGES)

# %%
# the port of VAE_PYTORCH
class VAE(nn.Module):
    def __init__(self, input_dim=784, hidden_dim=400, latent_dim=20):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim, rng=rng), nn.ReLU(),
                                     nn.Linear(hidden_dim, 2 * latent_dim, rng=rng))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim, rng=rng), nn.ReLU(),
                                     nn.Linear(hidden_dim, input_dim, rng=rng), nn.Sigmoid())

    def reparameterize(self, mu, logvar):
        std = mg.exp(0.5 * logvar)
        eps = mg.randn_like(std, rng=rng)
        return mu + eps * std

    def forward(self, x):
        mu, logvar = mg.chunk(self.encoder(x.view(-1, 784)), 2, dim=1)
        z = self.reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * mg.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


model = VAE().to(device)
optimizer = mg.optim.Adam(model.parameters(), lr=1e-3)


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    return train_loss / len(train_loader.dataset)


def test(epoch):
    model.eval()
    test_loss = 0
    with mg.no_grad():
        for data, _ in test_loader:
            recon_batch, mu, logvar = model(data.to(device))
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
    return test_loss / len(test_loader.dataset)


# %%
vae_untrained = test(0)
vae_curves = [(train(epoch), test(epoch)) for epoch in range(1, epochs + 1)]
print(f"001 VAE, −ELBO per image: untrained {vae_untrained:.1f}; by epoch (train, test): "
      + ", ".join(f"({a:.1f}, {b:.1f})" for a, b in vae_curves))
with mg.no_grad():
    reconstructions["001 VAE (sampled z)"] = model(mg.tensor(batch64[:8]))[0].numpy()
lesson.record("001 VAE: test −ELBO per image, last epoch", round(vae_curves[-1][1], 1))
lesson.checks.add("001 VAE trained: test −ELBO per image, untrained → last epoch",
                  f"{vae_untrained:.0f} → {vae_curves[-1][1]:.0f}", vae_curves[-1][1] < 0.5 * vae_untrained)
same_in_pytorch("001 VAE", run_pytorch(VAE_PYTORCH), ["model"],
                "recon_batch, mu, logvar = model(data)\nloss = loss_function(recon_batch, data, mu, logvar)",
                {"data": batch64})

# %% [markdown]
# The VAE's loss draws ε inside `forward`: the comparison ran PyTorch with the very ε the port drew.
#
# ## 6. A simple autoencoder, saved for PyTorch (004)
# Deeper and narrower: 784 → 128 → 64 → 12 → 3 and back, `nn.ReLU(True)` between the layers (in place in
# PyTorch, which saves memory; here the flag is accepted and nothing is done in place), a tanh output for images
# scaled to [−1, 1], and Adam with weight decay. Its last line saves the weights — with `torch.save`, a pickle.

# %%
AE004_PYTORCH = """\
num_epochs = 100
batch_size = 128
learning_rate = 1e-3

img_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
dataset = MNIST("./data", transform=img_transform, download=True)
dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True)


class autoencoder(nn.Module):
    def __init__(self):
        super(autoencoder, self).__init__()
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28, 128), nn.ReLU(True),
            nn.Linear(128, 64), nn.ReLU(True),
            nn.Linear(64, 12), nn.ReLU(True),
            nn.Linear(12, 3))
        self.decoder = nn.Sequential(
            nn.Linear(3, 12), nn.ReLU(True),
            nn.Linear(12, 64), nn.ReLU(True),
            nn.Linear(64, 128), nn.ReLU(True),
            nn.Linear(128, 28 * 28), nn.Tanh())

    def forward(self, x):
        x = self.encoder(x)
        x = self.decoder(x)
        return x


model = autoencoder().to(device)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=1e-5)

for epoch in range(num_epochs):
    for data in dataloader:
        img, _ = data
        img = img.view(img.size(0), -1).to(device)
        output = model(img)
        loss = criterion(output, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch [{epoch + 1}/{num_epochs}], loss:{loss.item():.4f}")

torch.save(model.state_dict(), "./sim_autoencoder.pth")
"""
AE004_CHANGES = [
    ("num_epochs = 100", "num_epochs = lesson.pick(full=5, quick=1)", "a few epochs: the lesson runs in seconds"),
    ("img_transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])",
     "images = (X_train.reshape(-1, 1, 28, 28) - 0.5) / 0.5",
     "the bundled sample as (n, 1, 28, 28) images, what ToTensor gives; Normalize((0.5,), (0.5,)) is (x − 0.5)/0.5"),
    ('dataset = MNIST("./data", transform=img_transform, download=True)', "dataset = TensorDataset(images, y_train)",
     "TensorDataset holds the arrays"),
    ("dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True)",
     "dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True, rng=rng)", RNG_WHY),
    *[(f"nn.Linear({a}, {b}), nn.ReLU(True),", f"nn.Linear({a}, {b}, rng=rng), nn.ReLU(True),", RNG_WHY)
      for a, b in [("28 * 28", 128), (128, 64), (64, 12), (3, 12), (12, 64), (64, 128)]],
    ("nn.Linear(12, 3))", "nn.Linear(12, 3, rng=rng))", RNG_WHY),
    ("nn.Linear(128, 28 * 28), nn.Tanh())", "nn.Linear(128, 28 * 28, rng=rng), nn.Tanh())", RNG_WHY),
    ('torch.save(model.state_dict(), "./sim_autoencoder.pth")',
     'mg.save(lesson.args.out / "sim_autoencoder.safetensors", model.state_dict())',
     "safetensors, not pickle, and PyTorch reads it; mg.save takes the path first"),
]
show_pytorch("004 simple autoencoder", AE004_PYTORCH, AE004_CHANGES)

# %%
# the port of AE004_PYTORCH
num_epochs = lesson.pick(full=5, quick=1)
batch_size = 128
learning_rate = 1e-3

images = (X_train.reshape(-1, 1, 28, 28) - 0.5) / 0.5
dataset = TensorDataset(images, y_train)
dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True, rng=rng)


class autoencoder(nn.Module):
    def __init__(self):
        super(autoencoder, self).__init__()
        self.encoder = nn.Sequential(
            nn.Linear(28 * 28, 128, rng=rng), nn.ReLU(True),
            nn.Linear(128, 64, rng=rng), nn.ReLU(True),
            nn.Linear(64, 12, rng=rng), nn.ReLU(True),
            nn.Linear(12, 3, rng=rng))
        self.decoder = nn.Sequential(
            nn.Linear(3, 12, rng=rng), nn.ReLU(True),
            nn.Linear(12, 64, rng=rng), nn.ReLU(True),
            nn.Linear(64, 128, rng=rng), nn.ReLU(True),
            nn.Linear(128, 28 * 28, rng=rng), nn.Tanh())

    def forward(self, x):
        x = self.encoder(x)
        x = self.decoder(x)
        return x


model = autoencoder().to(device)
criterion = nn.MSELoss()
optimizer = mg.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=1e-5)

for epoch in range(num_epochs):
    for data in dataloader:
        img, _ = data
        img = img.view(img.size(0), -1).to(device)
        output = model(img)
        loss = criterion(output, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch [{epoch + 1}/{num_epochs}], loss:{loss.item():.4f}")

mg.save(lesson.args.out / "sim_autoencoder.safetensors", model.state_dict())

# %%
test_images = (X_test - 0.5) / 0.5
with mg.no_grad():
    ae004_outputs = model(test_images).numpy()
    ae004_test_mse = criterion(mg.tensor(ae004_outputs), test_images).item()
    reconstructions["004 autoencoder (3-number code)"] = (ae004_outputs[:8] + 1) / 2
baselines = {"an all-grey image (0)": np.mean(test_images ** 2),
             "the mean image": np.mean((test_images - test_images.mean(axis=0)) ** 2)}
print(f"004 autoencoder: held-out MSE {ae004_test_mse:.4f} (images in [−1, 1]; "
      + ", ".join(f"predicting {name}: {value:.4f}" for name, value in baselines.items()) + ")")
baseline = lesson.pick(full="the mean image", quick="an all-grey image (0)")   # one epoch only learns the mean
lesson.record("004 autoencoder: held-out MSE", round(ae004_test_mse, 4))
lesson.checks.add(f"004 trained: held-out MSE below that of predicting {baseline}", ae004_test_mse,
                  ae004_test_mse < baselines[baseline])
theirs_004 = run_pytorch(AE004_PYTORCH, between=("class autoencoder", "for epoch"), learning_rate=learning_rate)
same_in_pytorch("004 autoencoder", theirs_004, ["model"], "loss = criterion(model(img), img)",
                {"img": test_images[:64]})

# %% [markdown]
# ## 7. A BatchNorm block, trained with the material's CyclicLR call
# Linear → BatchNorm1d → ReLU: each feature is normalised by its batch mean and standard deviation, then scaled and
# shifted by learned γ and β; the layer also keeps running averages of the mean and variance for evaluation.
# Their names — `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked` — are PyTorch's, so state
# dicts move between the two.
#
# The optimizer's learning rate follows a triangle (Smith, 2017): from `base_lr` up to `max_lr` in `step_size_up`
# batches, and back. By default PyTorch's `CyclicLR` also *cycles the momentum* the other way, between
# `max_momentum` = 0.9 at the lowest rate and `base_momentum` = 0.8 at the highest, overwriting the optimizer's own
# — for Adam that is β₁, the decay of its running mean of gradients. `cycle_momentum=False`, as the material passes
# (older PyTorch refused Adam without it: Adam has no `momentum`), leaves β₁ at the 0.9 Adam was given.

# %%
digits, digit_labels = mg.data.load_digits()   # 1,797 8×8 digits, pixels in [0, 1]
digits_train, digits_test = digits[:1437], digits[1437:]
labels_train, labels_test = digit_labels[:1437], digit_labels[1437:]
digits_loader = DataLoader(digits_train, batch_size=64, shuffle=True, rng=rng)
digit_epochs = lesson.pick(full=20, quick=5)

BN_PYTORCH = """\
def block(n_in, n_out):
    return nn.Sequential(nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU())


encoder = nn.Sequential(block(64, 32), block(32, 16), nn.Linear(16, 8))
decoder = nn.Sequential(block(8, 16), block(16, 32), nn.Linear(32, 64), nn.Sigmoid())
model = nn.Sequential(encoder, decoder)

optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.CyclicLR(
    optimizer, base_lr=1e-4, max_lr=1e-3, step_size_up=2000, cycle_momentum=False)
criterion = nn.MSELoss()
"""
BN_CHANGES = [
    ("return nn.Sequential(nn.Linear(n_in, n_out), nn.BatchNorm1d(n_out), nn.ReLU())",
     "return nn.Sequential(nn.Linear(n_in, n_out, rng=rng), nn.BatchNorm1d(n_out), nn.ReLU())", RNG_WHY),
    ("encoder = nn.Sequential(block(64, 32), block(32, 16), nn.Linear(16, 8))",
     "encoder = nn.Sequential(block(64, 32), block(32, 16), nn.Linear(16, 8, rng=rng))", RNG_WHY),
    ("decoder = nn.Sequential(block(8, 16), block(16, 32), nn.Linear(32, 64), nn.Sigmoid())",
     "decoder = nn.Sequential(block(8, 16), block(16, 32), nn.Linear(32, 64, rng=rng), nn.Sigmoid())", RNG_WHY),
]
show_pytorch("BatchNorm block and CyclicLR", BN_PYTORCH, BN_CHANGES)

# %%
# the port of BN_PYTORCH
def block(n_in, n_out):
    return nn.Sequential(nn.Linear(n_in, n_out, rng=rng), nn.BatchNorm1d(n_out), nn.ReLU())


encoder = nn.Sequential(block(64, 32), block(32, 16), nn.Linear(16, 8, rng=rng))
decoder = nn.Sequential(block(8, 16), block(16, 32), nn.Linear(32, 64, rng=rng), nn.Sigmoid())
model = nn.Sequential(encoder, decoder)

optimizer = mg.optim.Adam(model.parameters(), lr=1e-3)
scheduler = mg.optim.lr_scheduler.CyclicLR(
    optimizer, base_lr=1e-4, max_lr=1e-3, step_size_up=2000, cycle_momentum=False)
criterion = nn.MSELoss()

# %% [markdown]
# The training loop is the usual one, with `scheduler.step()` after every batch (a cyclical schedule counts
# batches, not epochs).

# %%
bn_losses = []
for epoch in range(digit_epochs):
    model.train()
    for x in digits_loader:
        loss = criterion(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    model.eval()
    with mg.no_grad():
        bn_losses.append(criterion(model(digits_test), digits_test).item())
print(f"BatchNorm autoencoder, held-out MSE by epoch: {', '.join(f'{v:.4f}' for v in bn_losses)}; "
      f"after {scheduler.last_epoch} batches the rate is {optimizer.lr:.2e}, β₁ is {optimizer.beta1}")
lesson.checks.add("BN block trained: held-out MSE, first → last epoch", f"{bn_losses[0]:.4f} → {bn_losses[-1]:.4f}",
                  bn_losses[-1] < bn_losses[0])
theirs_bn = run_pytorch(BN_PYTORCH)
if PYTORCH_INSTALLED:
    same_keys = list(model.state_dict()) == list(theirs_bn["model"].state_dict())
    print(f"state-dict names as PyTorch's, in the same order ({same_keys}): "
          f"{', '.join(list(model.state_dict())[:7])} …")
    lesson.checks.add("BN block: state-dict names and order as PyTorch's", same_keys, same_keys)
same_in_pytorch("BatchNorm block (training mode)", theirs_bn, ["model"], "loss = criterion(model(x), x)",
                {"x": digits_test[:64]})

# %% [markdown]
# In training mode BatchNorm normalises with the batch's own statistics and moves its running averages: the
# comparison above covered those buffers too (`running_mean`, `running_var`, `num_batches_tracked`).
#
# The schedule over the first 8,000 batches, from the same call, with `cycle_momentum` left at its default and as
# the material sets it:

# %%
n_batches = 8000


def schedule(library, **options):
    """(learning rates, Adam's β₁) over n_batches of ``library``'s CyclicLR with the material's arguments (no
    training: a schedule depends only on how often it is stepped)."""
    parameter = (pytorch.zeros(1, requires_grad=True) if library is pytorch else mg.zeros(1, requires_grad=True))
    adam = library.optim.Adam([parameter], lr=1e-3)
    cyclic = library.optim.lr_scheduler.CyclicLR(adam, base_lr=1e-4, max_lr=1e-3, step_size_up=2000, **options)
    rates, betas = [], []
    with warnings.catch_warnings():   # PyTorch warns that the schedule steps without optimizer.step(): on purpose
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(n_batches):
            rates.append(adam.param_groups[0]["lr"] if library is pytorch else adam.lr)
            betas.append(adam.param_groups[0]["betas"][0] if library is pytorch else adam.beta1)
            cyclic.step()
    return np.array(rates), np.array(betas)


ours_fixed, ours_cycled = schedule(mg, cycle_momentum=False), schedule(mg)
fig, (ax_lr, ax_momentum) = plt.subplots(1, 2, figsize=(11, 3.6))
ax_lr.plot(ours_fixed[0], color="tab:blue", label="minigrad_ae")
ax_lr.axvspan(0, scheduler.last_epoch, color="tab:green", alpha=0.2,
              label=f"the {scheduler.last_epoch} batches trained above")
ax_momentum.plot(ours_fixed[1], color="tab:blue", label="cycle_momentum=False (the material)")
ax_momentum.plot(ours_cycled[1], color="tab:orange", label="cycle_momentum=True (the default)")
if PYTORCH_INSTALLED:
    theirs_fixed, theirs_cycled = schedule(pytorch, cycle_momentum=False), schedule(pytorch)
    gap = max(np.abs(ours_fixed[0] - theirs_fixed[0]).max(), np.abs(ours_cycled[1] - theirs_cycled[1]).max())
    ax_lr.plot(np.arange(0, n_batches, 250), theirs_fixed[0][::250], "o", color="k", ms=3,
               label="PyTorch (every 250th)")
    print(f"CyclicLR, {n_batches} batches: largest difference from PyTorch's rate or β₁ {gap:.1e}")
    lesson.checks.add("CyclicLR: rates and β₁ as PyTorch's over 8,000 batches: max diff", gap, gap < 1e-12)
ax_lr.set(xlabel="batch", ylabel="learning rate", title="CyclicLR(base_lr=1e-4, max_lr=1e-3, step_size_up=2000)")
ax_momentum.set(xlabel="batch", ylabel="Adam's β₁", title="what cycle_momentum does", ylim=(0.7, 0.93))
for ax, place in [(ax_lr, "upper center"), (ax_momentum, "lower center")]:
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc=place)
lesson.show(fig, "19_cyclic_lr")
lesson.checks.add("CyclicLR: rate peaks at max_lr after step_size_up batches", float(ours_fixed[0][2000]),
                  abs(ours_fixed[0][2000] - 1e-3) < 1e-15 and np.all(ours_fixed[1] == 0.9))

# %% [markdown]
# ## 8. A stacked autoencoder: greedy pretraining, then fine-tuning (003)
# Layer k of the encoder is trained on its own, with its own decoder, to rebuild the codes of the layers below it
# from a noisy copy (a denoising autoencoder per layer); the layers below stay fixed — `requires_grad_(False)` on
# the model, `.detach()` on their codes, `requires_grad_(True)` on the layer being trained. Then a classifier goes on
# top of the deepest code and everything is fine-tuned on the labels with the cross-entropy. The digits come as
# 1×8×8 images, so the model flattens them first (`nn.Flatten`) and unflattens its reconstructions (`nn.Unflatten`).

# %%
STACKED_PYTORCH = """\
class StackedAutoencoder(nn.Module):
    def __init__(self, sizes=(64, 32, 16), n_classes=10):
        super().__init__()
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.flatten = nn.Flatten()
        self.encoders = nn.Sequential(*[nn.Sequential(nn.Linear(a, b), nn.ReLU()) for a, b in pairs])
        self.decoders = nn.Sequential(*[nn.Linear(b, a) for a, b in pairs])
        self.unflatten = nn.Unflatten(1, (1, 8, 8))
        self.classifier = nn.Linear(sizes[-1], n_classes)
        self.softmax = nn.Softmax(dim=1)

    def encode(self, x, depth=None):
        h = self.flatten(x)
        for encoder in self.encoders[:depth]:
            h = encoder(h)
        return h

    def reconstruct(self, x):
        h = self.encode(x)
        for decoder in reversed(self.decoders):
            h = decoder(h)
        return self.unflatten(h)

    def forward(self, x):
        return self.classifier(self.encode(x))

    def predict_proba(self, x):
        return self.softmax(self(x))


def pretrain_layer(model, k, loader, epochs, noise=0.2):
    model.requires_grad_(False)
    layer = nn.Sequential(model.encoders[k], model.decoders[k]).requires_grad_(True)
    optimizer = torch.optim.Adam(layer.parameters(), lr=3e-3)
    criterion = nn.MSELoss()
    for epoch in range(epochs):
        for x, _ in loader:
            h = model.encode(x, depth=k).detach()
            loss = criterion(layer(h + noise * torch.randn_like(h)), h)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def fine_tune(model, loader, epochs):
    model.requires_grad_(True)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += y.size(0)
    return correct / total


model = StackedAutoencoder()
train_set = TensorDataset(torch.from_numpy(digit_images_train), torch.from_numpy(labels_train))
test_set = TensorDataset(torch.from_numpy(digit_images_test), torch.from_numpy(labels_test))
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
test_loader = DataLoader(test_set, batch_size=256)
"""
STACKED_CHANGES = [
    ("self.encoders = nn.Sequential(*[nn.Sequential(nn.Linear(a, b), nn.ReLU()) for a, b in pairs])",
     "self.encoders = nn.Sequential(*[nn.Sequential(nn.Linear(a, b, rng=rng), nn.ReLU()) for a, b in pairs])",
     RNG_WHY),
    ("self.decoders = nn.Sequential(*[nn.Linear(b, a) for a, b in pairs])",
     "self.decoders = nn.Sequential(*[nn.Linear(b, a, rng=rng) for a, b in pairs])", RNG_WHY),
    ("self.classifier = nn.Linear(sizes[-1], n_classes)", "self.classifier = nn.Linear(sizes[-1], n_classes, rng=rng)",
     RNG_WHY),
    ("loss = criterion(layer(h + noise * torch.randn_like(h)), h)",
     "loss = criterion(layer(h + noise * mg.randn_like(h, rng=rng)), h)", RNG_WHY),
    ("train_set = TensorDataset(torch.from_numpy(digit_images_train), torch.from_numpy(labels_train))",
     "train_set = TensorDataset(digit_images_train, labels_train)", "TensorDataset holds the NumPy arrays themselves"),
    ("test_set = TensorDataset(torch.from_numpy(digit_images_test), torch.from_numpy(labels_test))",
     "test_set = TensorDataset(digit_images_test, labels_test)", "TensorDataset holds the NumPy arrays themselves"),
    ("train_loader = DataLoader(train_set, batch_size=64, shuffle=True)",
     "train_loader = DataLoader(train_set, batch_size=64, shuffle=True, rng=rng)", RNG_WHY),
]
show_pytorch("003 stacked autoencoder", STACKED_PYTORCH, STACKED_CHANGES)

# %%
digit_images_train, digit_images_test = digits_train.reshape(-1, 1, 8, 8), digits_test.reshape(-1, 1, 8, 8)

# %%
# the port of STACKED_PYTORCH
class StackedAutoencoder(nn.Module):
    def __init__(self, sizes=(64, 32, 16), n_classes=10):
        super().__init__()
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.flatten = nn.Flatten()
        self.encoders = nn.Sequential(*[nn.Sequential(nn.Linear(a, b, rng=rng), nn.ReLU()) for a, b in pairs])
        self.decoders = nn.Sequential(*[nn.Linear(b, a, rng=rng) for a, b in pairs])
        self.unflatten = nn.Unflatten(1, (1, 8, 8))
        self.classifier = nn.Linear(sizes[-1], n_classes, rng=rng)
        self.softmax = nn.Softmax(dim=1)

    def encode(self, x, depth=None):
        h = self.flatten(x)
        for encoder in self.encoders[:depth]:
            h = encoder(h)
        return h

    def reconstruct(self, x):
        h = self.encode(x)
        for decoder in reversed(self.decoders):
            h = decoder(h)
        return self.unflatten(h)

    def forward(self, x):
        return self.classifier(self.encode(x))

    def predict_proba(self, x):
        return self.softmax(self(x))


def pretrain_layer(model, k, loader, epochs, noise=0.2):
    model.requires_grad_(False)
    layer = nn.Sequential(model.encoders[k], model.decoders[k]).requires_grad_(True)
    optimizer = mg.optim.Adam(layer.parameters(), lr=3e-3)
    criterion = nn.MSELoss()
    for epoch in range(epochs):
        for x, _ in loader:
            h = model.encode(x, depth=k).detach()
            loss = criterion(layer(h + noise * mg.randn_like(h, rng=rng)), h)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def fine_tune(model, loader, epochs):
    model.requires_grad_(True)
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        for x, y in loader:
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with mg.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += y.size(0)
    return correct / total


model = StackedAutoencoder()
train_set = TensorDataset(digit_images_train, labels_train)
test_set = TensorDataset(digit_images_test, labels_test)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True, rng=rng)
test_loader = DataLoader(test_set, batch_size=256)

# %%
layer_losses = [pretrain_layer(model, k, train_loader, digit_epochs) for k in range(len(model.encoders))]
fine_tune(model, train_loader, digit_epochs)
stacked_accuracy = accuracy(model, test_loader)
with mg.no_grad():
    probabilities = model.predict_proba(digit_images_test[:5]).numpy()
print(f"003: pretraining losses per layer {', '.join(f'{v:.4f}' for v in layer_losses)}; held-out accuracy after "
      f"fine-tuning {stacked_accuracy:.1%}; predict_proba rows sum to {probabilities.sum(axis=1).round(6)}")

package_model = mg.models.StackedAutoencoder([64, 32, 16], n_classes=10, activation="relu", recon="mse", rng=rng)
mg.pretraining.pretrain(package_model, digits_train, epochs=digit_epochs, lr=3e-3, rng=rng)
mg.pretraining.fine_tune(package_model, digits_train, labels_train, epochs=digit_epochs, lr=1e-3, rng=rng)
package_accuracy = package_model.accuracy(digits_test, labels_test)
print(f"the package's StackedAutoencoder([64, 32, 16], activation='relu') with mg.pretraining, the same epochs "
      f"(no noise in its pretraining): {package_accuracy:.1%}")
lesson.record("003: held-out accuracy, port", round(stacked_accuracy, 4))
lesson.record("003: held-out accuracy, mg.models.StackedAutoencoder", round(package_accuracy, 4))
lesson.checks.add("003 pretrained and fine-tuned: held-out accuracy", stacked_accuracy,
                  stacked_accuracy > lesson.pick(full=0.8, quick=0.3))
same_in_pytorch("003 stacked autoencoder", run_pytorch(STACKED_PYTORCH, digit_images_train=digit_images_train,
                                                       digit_images_test=digit_images_test,
                                                       labels_train=labels_train, labels_test=labels_test),
                ["model"], "loss = nn.CrossEntropyLoss()(model(x), y) + nn.MSELoss()(model.reconstruct(x), x)",
                {"x": digit_images_test[:64], "y": labels_test[:64]})

# %% [markdown]
# One loss covered every part: the classifier's cross-entropy through the encoders, and the unrolled
# reconstruction through the decoders and `Unflatten`.
#
# ## 9. The adversarial autoencoder's discriminator (AAE)
# An autoencoder whose codes are pushed towards samples of a prior p(z) — here N(0, I) in two dimensions — by a
# discriminator that learns to tell the two apart. The discriminator ends in a sigmoid and is trained with
# `nn.BCELoss` on prior samples (label 1) and codes (label 0), stacked with `torch.cat`; the encoder and decoder
# get a second optimizer and a loss mixing the reconstruction (L1) with fooling the discriminator.

# %%
AAE_PYTORCH = """\
import itertools

z_dim = 2


class Encoder(nn.Module):
    def __init__(self, n_in=64, n_hidden=64):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(n_in, n_hidden), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(n_hidden, z_dim))

    def forward(self, x):
        return self.model(x)


class Decoder(nn.Module):
    def __init__(self, n_out=64, n_hidden=64):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(z_dim, n_hidden), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(n_hidden, n_out), nn.Sigmoid())

    def forward(self, z):
        return self.model(z)


class Discriminator(nn.Module):
    def __init__(self, N=64):
        super().__init__()
        self.model = nn.Sequential(
            nn.Linear(z_dim, N), nn.Dropout(0.2), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(N, N), nn.Dropout(0.2), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(N, 1), nn.Sigmoid())

    def forward(self, z):
        return self.model(z)


adversarial_loss = nn.BCELoss()
pixelwise_loss = nn.L1Loss()
encoder, decoder, discriminator = Encoder(), Decoder(), Discriminator()
optimizer_G = torch.optim.Adam(itertools.chain(encoder.parameters(), decoder.parameters()), lr=2e-3, betas=(0.5, 0.999))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))


def generator_loss(imgs):
    encoded = encoder(imgs)
    valid = torch.ones(imgs.size(0), 1)
    return 0.01 * adversarial_loss(discriminator(encoded), valid) + 0.99 * pixelwise_loss(decoder(encoded), imgs)


def discriminator_loss(imgs):
    z = torch.tensor(np.random.normal(0, 1, (imgs.size(0), z_dim)), dtype=torch.float32)
    encoded = encoder(imgs).detach()
    labels = torch.cat([torch.ones(imgs.size(0), 1), torch.zeros(imgs.size(0), 1)])
    return adversarial_loss(discriminator(torch.cat([z, encoded])), labels)


def train_step(imgs):
    optimizer_G.zero_grad()
    g_loss = generator_loss(imgs)
    g_loss.backward()
    optimizer_G.step()
    optimizer_D.zero_grad()
    d_loss = discriminator_loss(imgs)
    d_loss.backward()
    optimizer_D.step()
    return g_loss.item(), d_loss.item()
"""
AAE_CHANGES = [
    ("self.model = nn.Sequential(nn.Linear(n_in, n_hidden), nn.LeakyReLU(0.2, inplace=True),",
     "self.model = nn.Sequential(nn.Linear(n_in, n_hidden, rng=rng), nn.LeakyReLU(0.2, inplace=True),", RNG_WHY),
    ("nn.Linear(n_hidden, z_dim))", "nn.Linear(n_hidden, z_dim, rng=rng))", RNG_WHY),
    ("self.model = nn.Sequential(nn.Linear(z_dim, n_hidden), nn.LeakyReLU(0.2, inplace=True),",
     "self.model = nn.Sequential(nn.Linear(z_dim, n_hidden, rng=rng), nn.LeakyReLU(0.2, inplace=True),", RNG_WHY),
    ("nn.Linear(n_hidden, n_out), nn.Sigmoid())", "nn.Linear(n_hidden, n_out, rng=rng), nn.Sigmoid())", RNG_WHY),
    ("nn.Linear(z_dim, N), nn.Dropout(0.2), nn.LeakyReLU(0.2, inplace=True),",
     "nn.Linear(z_dim, N, rng=rng), nn.Dropout(0.2, rng=rng), nn.LeakyReLU(0.2, inplace=True),", RNG_WHY),
    ("nn.Linear(N, N), nn.Dropout(0.2), nn.LeakyReLU(0.2, inplace=True),",
     "nn.Linear(N, N, rng=rng), nn.Dropout(0.2, rng=rng), nn.LeakyReLU(0.2, inplace=True),", RNG_WHY),
    ("nn.Linear(N, 1), nn.Sigmoid())", "nn.Linear(N, 1, rng=rng), nn.Sigmoid())", RNG_WHY),
    ("z = torch.tensor(np.random.normal(0, 1, (imgs.size(0), z_dim)), dtype=torch.float32)",
     "z = mg.tensor(rng.normal(0, 1, (imgs.size(0), z_dim)), dtype=mg.float32)",
     "the prior's samples from rng, not from NumPy's global generator"),
]
show_pytorch("AAE", AAE_PYTORCH, AAE_CHANGES)

# %%
# the port of AAE_PYTORCH
import itertools

z_dim = 2


class Encoder(nn.Module):
    def __init__(self, n_in=64, n_hidden=64):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(n_in, n_hidden, rng=rng), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(n_hidden, z_dim, rng=rng))

    def forward(self, x):
        return self.model(x)


class Decoder(nn.Module):
    def __init__(self, n_out=64, n_hidden=64):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(z_dim, n_hidden, rng=rng), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(n_hidden, n_out, rng=rng), nn.Sigmoid())

    def forward(self, z):
        return self.model(z)


class Discriminator(nn.Module):
    def __init__(self, N=64):
        super().__init__()
        self.model = nn.Sequential(
            nn.Linear(z_dim, N, rng=rng), nn.Dropout(0.2, rng=rng), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(N, N, rng=rng), nn.Dropout(0.2, rng=rng), nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(N, 1, rng=rng), nn.Sigmoid())

    def forward(self, z):
        return self.model(z)


adversarial_loss = nn.BCELoss()
pixelwise_loss = nn.L1Loss()
encoder, decoder, discriminator = Encoder(), Decoder(), Discriminator()
optimizer_G = mg.optim.Adam(itertools.chain(encoder.parameters(), decoder.parameters()), lr=2e-3, betas=(0.5, 0.999))
optimizer_D = mg.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))


def generator_loss(imgs):
    encoded = encoder(imgs)
    valid = mg.ones(imgs.size(0), 1)
    return 0.01 * adversarial_loss(discriminator(encoded), valid) + 0.99 * pixelwise_loss(decoder(encoded), imgs)


def discriminator_loss(imgs):
    z = mg.tensor(rng.normal(0, 1, (imgs.size(0), z_dim)), dtype=mg.float32)
    encoded = encoder(imgs).detach()
    labels = mg.cat([mg.ones(imgs.size(0), 1), mg.zeros(imgs.size(0), 1)])
    return adversarial_loss(discriminator(mg.cat([z, encoded])), labels)


def train_step(imgs):
    optimizer_G.zero_grad()
    g_loss = generator_loss(imgs)
    g_loss.backward()
    optimizer_G.step()
    optimizer_D.zero_grad()
    d_loss = discriminator_loss(imgs)
    d_loss.backward()
    optimizer_D.step()
    return g_loss.item(), d_loss.item()


# %%
def held_out_codes_and_l1():
    """The codes of the held-out digits, and the L1 error of their reconstructions."""
    with mg.no_grad():
        z = encoder(digits_test)
        return z.numpy(), pixelwise_loss(decoder(z), digits_test).item()


aae_epochs = lesson.pick(full=15, quick=2)
codes_before, l1_before = held_out_codes_and_l1()
for epoch in range(aae_epochs):
    for imgs in digits_loader:
        g_loss, d_loss = train_step(imgs)
codes, l1_after = held_out_codes_and_l1()
print(f"AAE after {aae_epochs} epochs: held-out L1 {l1_before:.3f} → {l1_after:.3f}; the last batch's losses: "
      f"generator {g_loss:.3f}, discriminator {d_loss:.3f} (log 2 = 0.693 when it cannot tell codes from prior "
      f"samples); the codes' mean {codes_before.mean(axis=0).round(2)} → {codes.mean(axis=0).round(2)}, std "
      f"{codes_before.std(axis=0).round(2)} → {codes.std(axis=0).round(2)} (the prior's: 0 and 1)")
nearer_the_prior = np.abs(np.log(codes.std(axis=0))).max() < np.abs(np.log(codes_before.std(axis=0))).max()
lesson.checks.add("AAE trained: held-out L1, and the codes' spread nearer the prior's",
                  f"{l1_before:.3f} → {l1_after:.3f}", l1_after < l1_before and nearer_the_prior)

# %% [markdown]
# The package's `AdversarialAutoencoder` builds the same discriminator from arguments —
# `disc_negative_slope=0.2, disc_output="probability"` gives LeakyReLU(0.2) and a Sigmoid at the end — without the
# dropout layers, which evaluation mode skips anyway: the port's trained weights, copied layer by layer, give the
# same outputs.

# %%
package_aae = mg.models.AdversarialAutoencoder(64, 64, 2, [64, 64], disc_negative_slope=0.2,
                                               disc_output="probability", rng=rng)
port_linears = [m for m in discriminator.modules() if isinstance(m, nn.Linear)]
package_linears = [m for m in package_aae.discriminator if isinstance(m, nn.Linear)]
for port_layer, package_layer in zip(port_linears, package_linears, strict=True):
    package_layer.load_state_dict(port_layer.state_dict())
discriminator.eval()
with mg.no_grad():
    same_discriminator = np.abs(package_aae.discriminator(codes).numpy() - discriminator(codes).numpy()).max()
print(f"the package's discriminator: {[type(m).__name__ for m in package_aae.discriminator]}; "
      f"outputs as the port's, max diff {same_discriminator:.1e}")
lesson.checks.add("AAE: mg.models.AdversarialAutoencoder's discriminator gives the port's outputs: max diff",
                  float(same_discriminator), same_discriminator == 0)
same_in_pytorch("AAE (evaluation mode)", run_pytorch(AAE_PYTORCH), ["encoder", "decoder", "discriminator"],
                "loss = generator_loss(imgs) + discriminator_loss(imgs)", {"imgs": digits_test[:64]}, eval_mode=True)

# %% [markdown]
# Dropout draws its masks from `rng` here and from PyTorch's generator there, so the two can only agree in
# evaluation mode, where dropout passes its input through; the prior's samples were replayed, as ε was for the VAE.
#
# ## 10. Weights both ways: .safetensors
# `mg.save(path, model)` with a path ending in `.safetensors` writes the format PyTorch's ecosystem shares
# weights in: an 8-byte length, a JSON header (each tensor's name, dtype, shape and byte range) and the raw
# little-endian bytes. No pickle: loading it cannot run code. The 004 autoencoder trained above was saved that
# way; PyTorch loads it into its own `autoencoder`, and a model PyTorch trains and saves with
# `safetensors.torch.save_file` loads here.
#
# In float32 the two libraries round differently — their matrix products add up in different orders — so the same
# weights give outputs that differ in the last digits: float32 keeps about 7, so outputs of size 1 may differ by
# about 1e-6. Cast to float64 (`model.double()` on both sides: the saved float32 values are kept exactly), they agree
# to about 1e-15: the weights arrived intact.

# %%
saved = lesson.args.out / "sim_autoencoder.safetensors"
checkpoint = mg.load(saved)
print(f"{saved.name}: {len(checkpoint)} arrays ({', '.join(list(checkpoint)[:4])}, …), "
      f"{saved.stat().st_size:,} bytes")
again = autoencoder()
again.load_state_dict(checkpoint)
with mg.no_grad():
    round_trip = np.abs(again(test_images).numpy() - ae004_outputs).max()
print(f"read back into a fresh autoencoder(): the outputs of the model that was saved, max diff {round_trip:.1e}")
lesson.checks.add("saved, then loaded here: the same outputs, bit for bit", float(round_trip), round_trip == 0)


def output_gaps(ours, theirs, x):
    """Largest |port − PyTorch| output on the images ``x``: in float32, then with both models cast to float64."""
    gaps = []
    for dtype in (np.float32, np.float64):
        if dtype == np.float64:
            ours, theirs = ours.double(), theirs.double()
        with pytorch.no_grad(), mg.no_grad():
            batch = x.astype(dtype)
            gaps.append(float(np.abs(ours(batch).numpy() - theirs(pytorch.from_numpy(batch)).numpy()).max()))
    return gaps


def check_gaps(direction, gaps):
    print(f"{direction}: 1,000 held-out images, largest output difference {gaps[0]:.1e} in float32, "
          f"{gaps[1]:.1e} in float64")
    lesson.checks.add(f"{direction}: float64 outputs agree: max diff", gaps[1], gaps[1] <= TOLERANCE)
    lesson.checks.add(f"{direction}: float32 outputs agree to float32's rounding: max diff", gaps[0], gaps[0] <= 1e-5)


if PYTORCH_INSTALLED:
    theirs = theirs_004["autoencoder"]()
    theirs.load_state_dict(safetensors_torch.load_file(saved))   # strict: every name and shape matched
    check_gaps("trained here, run in PyTorch", output_gaps(again, theirs, test_images))

    pytorch.manual_seed(seed)
    trained_there = theirs_004["autoencoder"]()
    adam = pytorch.optim.Adam(trained_there.parameters(), lr=1e-3)
    steps = lesson.pick(full=30, quick=5)
    for x in pytorch.from_numpy(images.reshape(len(images), -1)).split(128)[:steps]:
        adam.zero_grad()
        pytorch.nn.functional.mse_loss(trained_there(x), x).backward()
        adam.step()
    loaded = autoencoder()
    with tempfile.TemporaryDirectory() as folder:
        safetensors_torch.save_file(trained_there.state_dict(), f"{folder}/trained_in_pytorch.safetensors")
        loaded.load_state_dict(mg.load(f"{folder}/trained_in_pytorch.safetensors"))
    check_gaps(f"trained in PyTorch ({steps} Adam steps), run here", output_gaps(loaded, trained_there, test_images))
else:
    print("PyTorch is not installed here: the file was read back by minigrad_ae only.")

# %% [markdown]
# ## What held
# Each example ran here with its imports changed and, beyond them, only lines that draw random numbers
# (`rng=rng`), load the data (bundled, not downloaded), shorten the training, fill `.data` in place or save a file
# (`mg.save`, safetensors). With PyTorch installed, its code computed the same losses, gradients and BatchNorm
# buffers as the ports from the ports' trained weights, moved through `.safetensors` files: within about 1e-11 in
# float64 on losses of size 10⁴ (a relative 1e-15), far inside 1e-6. Weights crossed both ways, and in float32 the
# outputs differed only by float32's rounding.

# %%
fig_images = np.concatenate([reconstructions[name] for name in reconstructions])
mg.viz.image_grid(fig_images, (28, 28), lesson.path("19_reconstructions"), row_titles=list(reconstructions),
                  title=f"held-out MNIST digits and the ports' reconstructions after {epochs} to {num_epochs} epochs")
if parity:
    lesson.record("largest |PyTorch − port| over every loss, gradient and buffer (float64)",
                  float(max(v for gaps in parity.values() for v in gaps.values() if v is not None)))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(parity) + 1.4))
    rows = np.arange(len(parity))
    floor = 1e-18   # an exact 0 drawn at the left edge of the log axis
    for kind, marker in [("loss", "o"), ("gradients", "s"), ("buffers", "^")]:
        values = [parity[name][kind] for name in parity]
        shown = [(row, max(v, floor)) for row, v in zip(rows, values) if v is not None]
        ax.plot(*np.array(shown)[:, ::-1].T, marker, ms=7, alpha=0.8, label=kind)
    ax.axvline(TOLERANCE, color="tab:red", ls="--", label=f"tolerance {TOLERANCE:g}")
    ax.set(xscale="log", xlim=(floor / 2, 1e-4), yticks=rows, yticklabels=list(parity),
           xlabel="largest |PyTorch − port| in float64 (an exact 0 is drawn at the left edge)",
           title="the ports against PyTorch, from the same weights and random draws")
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="lower right")
    lesson.show(fig, "19_parity")
else:
    print("No PyTorch here: no comparison figure.")
lesson.finish()
