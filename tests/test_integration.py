"""The toolkit end to end: a 64-32-8-32-64 autoencoder trained with fit on the bundled digits beats PCA
with 8 components on held-out data, and a save/load round trip reproduces its outputs bit for bit."""
import numpy as np

import minigrad_ae as mg
from minigrad_ae import nn
from minigrad_ae.nn import functional as F


def pca_test_error(X_train, X_test, k):
    """Mean squared error of the best rank-k affine reconstruction (fitted on X_train) of X_test."""
    mean = X_train.mean(axis=0)
    _, _, vt = np.linalg.svd(X_train - mean, full_matrices=False)
    components = vt[:k]
    reconstruction = (X_test - mean) @ components.T @ components + mean
    return float(((reconstruction - X_test) ** 2).mean())


def digits_autoencoder(rng):
    def layer(n_in, n_out):
        return nn.Linear(n_in, n_out, rng=rng)
    return nn.Sequential(layer(64, 32), nn.LeakyReLU(0.1), layer(32, 8),
                         layer(8, 32), nn.LeakyReLU(0.1), layer(32, 64), nn.Sigmoid())


def test_autoencoder_beats_pca_and_survives_a_checkpoint(tmp_path):
    X, _ = mg.data.load_digits()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    X_train, X_test = X[order[:1500]], X[order[1500:]]
    model = digits_autoencoder(rng)
    history = mg.fit(model, lambda m, xb: F.mse_loss(m(xb), xb), X_train, epochs=40, batch_size=32,
                     optimizer=mg.optim.Adam(model.parameters(), lr=3e-3), rng=rng, progress=False)
    assert history.train_loss[-1] < history.train_loss[0] / 3
    with mg.no_grad():
        outputs = model(X_test).data
    ae_error = float(((outputs - X_test) ** 2).mean())
    assert ae_error < 0.8 * pca_test_error(X_train, X_test, k=8)  # measured 2026-12-03: 0.0154 vs 0.0245

    path = tmp_path / "digits_ae.npz"
    mg.save(path, model, meta={"epochs": 40})
    restored = digits_autoencoder(np.random.default_rng(1))
    restored.load_state_dict(mg.load(path))
    with mg.no_grad():
        np.testing.assert_array_equal(restored(X_test).data, outputs)
    assert mg.load(path).meta == {"epochs": 40}
