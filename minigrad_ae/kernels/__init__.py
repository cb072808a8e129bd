"""Kernels: array-in, array-out functions for the hot paths of a training step. No Tensor here.

Each kernel comes twice: ``name_ref``, plain NumPy, the readable math and the specification; and
``name_numba``, the same function with its element loop compiled by numba (on first use, never at
import). ``name`` is the one the package calls: the numba version, or the reference when the
environment says ``MINIGRAD_AE_NUMBA=0``. ``NUMBA_DISABLE_JIT=1`` runs the numba loops as plain Python,
to step through them. tests/test_kernels.py checks every pair agrees.

What numba runs, and what it does not (measured in bench/README.md):
- elementwise work that NumPy does in several passes with temporaries: ReLU / leaky ReLU forward and
  backward, sigmoid's backward and the division half of its forward, the optimizer updates, binary
  cross-entropy's gradient and its sum (after NumPy's logs);
- the im2col / col2im gathers of convolutions.
- Not matrix products (BLAS is 10x faster than a compiled loop), not transcendental functions (NumPy's
  vectorised exp/log beat numba's scalar ones 4-6x), not plain reductions (NumPy's pairwise sum and BLAS
  do them well). A loop that fuses elementwise work into a sum may reorder the sum (``lazy_njit.summing``).
"""
import os

from .activations import (leaky_relu_backward, leaky_relu_backward_numba, leaky_relu_backward_ref, leaky_relu_forward,
                          leaky_relu_forward_numba, leaky_relu_forward_ref, relu_backward, relu_backward_numba,
                          relu_backward_ref, relu_forward, relu_forward_numba, relu_forward_ref, sigmoid_backward,
                          sigmoid_backward_numba, sigmoid_backward_ref, sigmoid_forward, sigmoid_forward_numba,
                          sigmoid_forward_ref)
from .im2col import col2im, col2im_numba, col2im_ref, conv_output_size, im2col, im2col_numba, im2col_ref
from .jit import NUMBA_ENABLED
from .losses import (bce_elementwise, bce_grad, bce_grad_numba, bce_grad_ref, bce_logs, bce_sum, bce_sum_numba,
                     bce_sum_ref)
from .memory import keep_freed_memory
from .optim import (adam_update, adam_update_numba, adam_update_ref, rmsprop_update, rmsprop_update_numba,
                    rmsprop_update_ref, sgd_update, sgd_update_numba, sgd_update_ref)
from .tsne import (tsne_gradient, tsne_gradient_numba, tsne_gradient_ref, tsne_perplexity_search,
                   tsne_perplexity_search_numba, tsne_perplexity_search_ref)

__all__ = ["NUMBA_ENABLED", "MALLOC_TUNED", "keep_freed_memory", "conv_output_size", "relu_forward",
           "relu_forward_ref", "relu_forward_numba", "relu_backward", "relu_backward_ref", "relu_backward_numba",
           "leaky_relu_forward", "leaky_relu_forward_ref", "leaky_relu_forward_numba", "leaky_relu_backward",
           "leaky_relu_backward_ref", "leaky_relu_backward_numba", "sigmoid_forward", "sigmoid_forward_ref",
           "sigmoid_forward_numba", "sigmoid_backward", "sigmoid_backward_ref", "sigmoid_backward_numba", "bce_logs",
           "bce_elementwise", "bce_sum", "bce_sum_ref", "bce_sum_numba", "bce_grad",
           "bce_grad_ref", "bce_grad_numba", "sgd_update", "sgd_update_ref", "sgd_update_numba", "adam_update",
           "adam_update_ref", "adam_update_numba", "rmsprop_update", "rmsprop_update_ref", "rmsprop_update_numba",
           "im2col", "im2col_ref", "im2col_numba", "col2im", "col2im_ref", "col2im_numba"]

# once per process, at import (see memory.py); MINIGRAD_AE_MALLOC_TUNING=0 leaves malloc as it was
MALLOC_TUNED = os.environ.get("MINIGRAD_AE_MALLOC_TUNING", "1") != "0" and keep_freed_memory()
