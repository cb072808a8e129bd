"""The benchmark's training steps, each written for minigrad_ae and for PyTorch the way a user would.

Every builder returns ``step()``: one float32 training step (forward, loss, backward, Adam update) on a
fixed random batch in [0, 1), returning the loss as a float. ``floor_step`` is the same step's matrix
products alone, in NumPy: the time no implementation on this BLAS can beat.
"""
import numpy as np

WORKLOADS = {
    "W1": "MLP AE 784-256-64-256-784 (ReLU, sigmoid out, MSE), batch 128",
    "W2": "MLP AE 64-32-8-32-64 (ReLU, sigmoid out, MSE), batch 64: overhead-dominated",
    "W3": "VAE 784-400-20 of pytorch/examples (BCE sum + KLD), batch 128",
    "W4": "sparse AE 784-1000-784 (sigmoid, MSE + 3·KL(0.05‖ρ̂)), batch 128",
    "W5": "conv AE on 28×28: 2 conv (1→16→32, 3×3, stride 2) + 2 transposed conv back, batch 64",
}
MLP_SIZES = {"W1": ((784, 256, 64, 256, 784), 128), "W2": ((64, 32, 8, 32, 64), 64)}
VAE_BATCH, SPARSE_BATCH, CONV_BATCH = 128, 128, 64
RHO, SPARSITY_WEIGHT = 0.05, 3.0


def batch_for(name, seed=0):
    rng = np.random.default_rng(seed)
    if name in MLP_SIZES:
        sizes, batch = MLP_SIZES[name]
        return rng.random((batch, sizes[0]), dtype=np.float32)
    if name == "W5":
        return rng.random((CONV_BATCH, 1, 28, 28), dtype=np.float32)
    return rng.random((VAE_BATCH if name == "W3" else SPARSE_BATCH, 784), dtype=np.float32)


# ---------------------------------------------------------------- minigrad_ae
def build_minigrad(name, seed=0):
    import minigrad_ae as mg
    from minigrad_ae import nn
    from minigrad_ae.nn import functional as F
    from minigrad_ae.nn.conv import Conv2d, ConvTranspose2d

    rng = np.random.default_rng(seed)
    x = mg.tensor(batch_for(name, seed))
    if name in MLP_SIZES:
        sizes, _ = MLP_SIZES[name]
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += [nn.Linear(n_in, n_out, rng=rng), nn.ReLU() if i < len(sizes) - 2 else nn.Sigmoid()]
        model = nn.Sequential(*layers)
        loss_fn = lambda: F.mse_loss(model(x), x)                            # noqa: E731
    elif name == "W3":
        model = nn.Module()
        model.fc1, model.fc21, model.fc22 = (nn.Linear(784, 400, rng=rng), nn.Linear(400, 20, rng=rng),
                                             nn.Linear(400, 20, rng=rng))
        model.fc3, model.fc4 = nn.Linear(20, 400, rng=rng), nn.Linear(400, 784, rng=rng)

        def loss_fn():
            h = F.relu(model.fc1(x))
            mu, logvar = model.fc21(h), model.fc22(h)
            z, _ = F.reparameterize(mu, logvar, rng=rng)
            recon = F.sigmoid(model.fc4(F.relu(model.fc3(z))))
            return F.binary_cross_entropy(recon, x, reduction="sum") + F.gaussian_kl(mu, logvar, reduction="sum")
    elif name == "W4":
        model = nn.Module()
        model.encoder, model.decoder = nn.Linear(784, 1000, rng=rng), nn.Linear(1000, 784, rng=rng)

        def loss_fn():
            h = F.sigmoid(model.encoder(x))
            out = F.sigmoid(model.decoder(h))
            return F.mse_loss(out, x) + SPARSITY_WEIGHT * F.kl_sparsity(h.mean(axis=0), RHO)
    else:
        model = nn.Sequential(Conv2d(1, 16, 3, stride=2, padding=1, rng=rng), nn.ReLU(),
                              Conv2d(16, 32, 3, stride=2, padding=1, rng=rng), nn.ReLU(),
                              ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1, rng=rng), nn.ReLU(),
                              ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1, rng=rng), nn.Sigmoid())
        loss_fn = lambda: F.mse_loss(model(x), x)                            # noqa: E731
    return training_step(loss_fn, mg.optim.Adam(model.parameters(), lr=1e-3))



def training_step(loss_fn, optimizer):
    """One benchmarked step, the same for both libraries: forward and loss, zero_grad, backward, Adam."""
    def step():
        loss = loss_fn()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return float(loss.item())
    return step

# ---------------------------------------------------------------- PyTorch
def build_torch(name, seed=0):
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(seed)
    x = torch.from_numpy(batch_for(name, seed))
    if name in MLP_SIZES:
        sizes, _ = MLP_SIZES[name]
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += [nn.Linear(n_in, n_out), nn.ReLU() if i < len(sizes) - 2 else nn.Sigmoid()]
        model = nn.Sequential(*layers)
        loss_fn = lambda: F.mse_loss(model(x), x)                            # noqa: E731
    elif name == "W3":
        model = nn.ModuleDict({"fc1": nn.Linear(784, 400), "fc21": nn.Linear(400, 20), "fc22": nn.Linear(400, 20),
                               "fc3": nn.Linear(20, 400), "fc4": nn.Linear(400, 784)})

        def loss_fn():   # pytorch/examples/vae/main.py
            h = F.relu(model.fc1(x))
            mu, logvar = model.fc21(h), model.fc22(h)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            recon = torch.sigmoid(model.fc4(F.relu(model.fc3(z))))
            bce = F.binary_cross_entropy(recon, x, reduction="sum")
            return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    elif name == "W4":
        model = nn.ModuleDict({"encoder": nn.Linear(784, 1000), "decoder": nn.Linear(1000, 784)})

        def loss_fn():
            h = torch.sigmoid(model.encoder(x))
            out = torch.sigmoid(model.decoder(h))
            rho_hat = h.mean(dim=0)
            kl = torch.sum(RHO * torch.log(RHO / rho_hat) + (1 - RHO) * torch.log((1 - RHO) / (1 - rho_hat)))
            return F.mse_loss(out, x) + SPARSITY_WEIGHT * kl
    else:
        model = nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                              nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
                              nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                              nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
        loss_fn = lambda: F.mse_loss(model(x), x)                            # noqa: E731
    return training_step(loss_fn, torch.optim.Adam(model.parameters(), lr=1e-3))


# ---------------------------------------------------------------- the BLAS floor
def build_floor(name, seed=0):
    """The step's matrix products alone (float32 NumPy): forward, and backward for weights and inputs
    (none for the data). For W5, the per-image products that Conv2d/ConvTranspose2d do around im2col/col2im."""
    rng = np.random.default_rng(seed)
    rand = lambda *shape: rng.random(shape, dtype=np.float32)                  # noqa: E731
    if name == "W5":
        n = CONV_BATCH
        # (weight matrix (rows, cols), per-image operand (cols, positions)); products as in minigrad_ae/nn/conv.py
        convs = [(rand(16, 9), rand(n, 9, 196), False), (rand(32, 144), rand(n, 144, 49), True),
                 (rand(144, 32), rand(n, 32, 49), True), (rand(9, 16), rand(n, 16, 196), True)]

        def step():
            for w2, cols, needs_input_grad in convs:
                g = w2 @ cols
                (g @ cols.transpose(0, 2, 1)).sum(axis=0)
                if needs_input_grad:
                    w2.T @ g
        return step
    if name in MLP_SIZES:
        sizes, batch = MLP_SIZES[name]
        layers = list(zip(sizes[:-1], sizes[1:]))
    elif name == "W3":
        batch, layers = VAE_BATCH, [(784, 400), (400, 20), (400, 20), (20, 400), (400, 784)]
    else:
        batch, layers = SPARSE_BATCH, [(784, 1000), (1000, 784)]
    weights = [rand(n_out, n_in) for n_in, n_out in layers]
    inputs = [rand(batch, n_in) for n_in, _ in layers]

    def step():
        outputs = [a @ w.T for a, w in zip(inputs, weights)]
        for i, (a, w, g) in enumerate(zip(inputs, weights, outputs)):
            g.T @ a
            if i:  # the first layer's input is the data: no gradient
                g @ w
    return step
