"""How much a VAE's code says about its input: rate, distortion and the mutual information I(x; z).

    D = E_x E_{z~q(z|x)} [−log p(x|z)]          distortion, nats per sample (the reconstruction term)
    R = E_x KL(q(z|x) ‖ p(z))                    rate, nats per sample (the KL term)
    R = I(x; z) + KL(q(z) ‖ p(z)) ≥ I(x; z),     q(z) = E_x q(z|x), the aggregate posterior

A β-VAE minimises D + β·R (Alemi et al. 2018, "Fixing a Broken ELBO"); these measure where a trained model landed.
"""
import numpy as np

from ..autodiff import ShapeError, float64_array, no_grad
from ..validate import generator, positive_int


def rate_distortion(model, X, draws=10):
    """Held-out distortion D and rate R of a VAE (any model with ``per_sample_terms`` and ``encode`` giving (μ,
    logvar)), each the mean over the rows of X (n, n_in) and over ``draws`` draws of ε from the model's rng; and
    the posterior (μ, logvar) as float64 arrays (n, n_latent). Returns {'D', 'R', 'mu', 'logvar'}."""
    func = "rate_distortion"
    if not (hasattr(model, "per_sample_terms") and hasattr(model, "encode")):
        raise TypeError(f"{func}: model must be a VAE (a model with per_sample_terms and encode, e.g. "
                        f"mg.models.VAE), got {type(model).__name__}.")
    draws = positive_int(draws, "draws", func)
    X = model.check_batch(X, func, "X")
    distortion = rate = 0.0
    with no_grad():
        for _ in range(draws):
            recon, kl = model.per_sample_terms(X)
            distortion += float(recon.data.mean()) / draws
            rate += float(kl.data.mean()) / draws
        mu, logvar = (t.data.astype(np.float64) for t in model.encode(X))
    return {"D": distortion, "R": rate, "mu": mu, "logvar": logvar}


def gaussian_log_density(z, mu, logvar):
    """log N(z; μ, diag e^logvar), summed over the last axis; z, μ, logvar broadcast together."""
    return -0.5 * (np.log(2 * np.pi) + logvar + (z - mu) ** 2 / np.exp(logvar)).sum(axis=-1)


def mutual_information(mu, logvar, draws=10, rng=None):
    """Monte-Carlo I(x; z) for x uniform over the N rows of the posteriors q(z|xₘ) = N(μₘ, e^logvarₘ), each (N, K):

        I(x; z) = E_x E_{z~q(z|x)} [log q(z|x) − log q(z)],   q(z) = (1/N) Σₘ q(z|xₘ)

    with ``draws`` draws of z per row from ``rng``. At most log N: z cannot say more than which row it came from.
    O(draws·N²·K) time, O(N²·K) memory."""
    func = "mutual_information"
    mu, logvar = float64_array(mu, "mu", func), float64_array(logvar, "logvar", func)
    if mu.ndim != 2 or mu.shape != logvar.shape or mu.size == 0:
        raise ShapeError(f"{func}: mu and logvar must be posteriors of one shape (N, K) with N, K ≥ 1, got "
                         f"{mu.shape} and {logvar.shape}; take them from model.encode(X).")
    if not (np.isfinite(mu).all() and np.isfinite(logvar).all()):
        raise ValueError(f"{func}: mu and logvar must be finite; the model that gave them has diverged (NaN or Inf).")
    draws, rng = positive_int(draws, "draws", func), generator(rng, func)
    total = 0.0
    for _ in range(draws):   # one draw at a time: the (N, N, K) array of every z against every posterior is the peak
        z = mu + np.exp(0.5 * logvar) * rng.standard_normal(mu.shape)
        log_q_own = gaussian_log_density(z, mu, logvar)
        log_q_all = gaussian_log_density(z[:, None, :], mu[None], logvar[None])   # (N, N): z of row i, posterior m
        log_q_aggregate = np.logaddexp.reduce(log_q_all, axis=1) - np.log(len(mu))
        total += float((log_q_own - log_q_aggregate).mean())
    return total / draws
