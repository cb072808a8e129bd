"""Stand-ins for the exercises of a student copy, so every lesson runs before anything is solved.

In the instructor's tree nothing here runs. In a student copy (``minigrad-ae course make-student``) each
exercise is a stub between ``# BEGIN EXERCISE <id>`` and ``# END EXERCISE`` that calls one of these: a slow
substitute that gets the same result *another way*, so it does not show the answer —

* an op's backward: finite differences of the op's own forward, or autodiff of the same map built from other
  ops (``vjp.py``);
* a hand-derived gradient: autodiff of the loss it differentiates;
* anything else: a different, slower method (counting positions instead of a formula, Kahn's algorithm
  instead of a depth-first search, the brute-force nearest code instead of one matrix product).

The first call of each prints one notice per process (to stderr):
``Exercise sigmoid_backward is not solved yet: using a slow stand-in``. ``used(id)`` tells whether it ran,
so a lesson can report its own check of an exercise as "not solved yet" instead of passing it vacuously.
"""
from .notices import NotSolvedError, calls, notice, used
from .vjp import missing_kernel, vjp
from .substitutes import (adam_update, apply_post_order, autodiff_grads, central_differences, contractive_grads,
                          contrastive_pair_loss, conv_output_size, cyclic_height_and_scale, dae_bias_grad,
                          gaussian_kl_between, gaussian_kl_grads, gradient_norms, kaiming_gain, linear_ae_grads,
                          masked_reduction, masking_noise, nearest_codes, reparameterization_grads, residual_jacobian,
                          roc_curve, scatter, sharpness, sparse_ae_delta, squared_distances, topological_order,
                          tsne_gradient, unbroadcast)

__all__ = ["NotSolvedError", "adam_update", "apply_post_order", "autodiff_grads", "calls", "central_differences",
           "contractive_grads", "contrastive_pair_loss", "conv_output_size", "cyclic_height_and_scale",
           "dae_bias_grad", "gaussian_kl_between", "gaussian_kl_grads", "gradient_norms", "kaiming_gain",
           "linear_ae_grads", "masked_reduction", "masking_noise", "missing_kernel", "nearest_codes", "notice",
           "reparameterization_grads", "residual_jacobian", "roc_curve", "scatter", "sharpness", "sparse_ae_delta",
           "squared_distances", "topological_order", "tsne_gradient", "unbroadcast", "used", "vjp"]
