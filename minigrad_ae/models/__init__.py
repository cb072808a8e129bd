"""The autoencoder family, one file per variant: the model, its loss and (where the course derives one)
its hand-derived gradient, written from the formulas so it can be held against autodiff.

Every model is an ``AutoencoderBase`` (``base.py``): ``encode``, ``decode``, ``forward`` (the reconstruction),
``loss(x, target=None)`` (the training loss, so ``mg.fit(model, X=X, ...)`` trains it), the sizes ``n_in`` and
``n_latent``, and ``recon`` ('bce', 'sigmoid_mse', 'tanh_mse' or 'mse'), the output activation and
reconstruction error in one argument.
"""
from .adversarial import AdversarialAutoencoder, gaussian_prior, mixture_of_gaussians_prior
from .anomaly import anomaly_scores, auc, roc_curve, threshold_from_scores
from .asymmetric import AsymmetricAutoencoder
from .autoencoder import Autoencoder, shrink_sizes
from .base import RECONSTRUCTIONS, AutoencoderBase
from .blocks import mlp
from .contractive import ContractiveAutoencoder
from .denoising import DenoisingAutoencoder
from .linear import LinearAutoencoder, PCAResult, pca, subspace_alignment
from .skip import ResidualAutoencoder, SkipAutoencoder
from .sparse import SparseAutoencoder
from .stacked import StackedAutoencoder
from .vae import VAE, kl_grads, reparam_grads
from .vqvae import VQVAE

__all__ = ["AdversarialAutoencoder", "AsymmetricAutoencoder", "Autoencoder", "AutoencoderBase",
           "ContractiveAutoencoder", "DenoisingAutoencoder", "LinearAutoencoder", "PCAResult", "RECONSTRUCTIONS",
           "SparseAutoencoder", "StackedAutoencoder", "VAE", "VQVAE", "anomaly_scores", "auc", "gaussian_prior", "kl_grads",
           "mixture_of_gaussians_prior", "mlp", "pca", "reparam_grads", "roc_curve", "shrink_sizes",
           "subspace_alignment", "threshold_from_scores"]
__all__ += ["ResidualAutoencoder", "SkipAutoencoder"]
