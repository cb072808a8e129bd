"""Kernels: array-in, array-out functions for the hot paths of a training step. No Tensor here.

Each kernel is one object (``jit.Kernel``) holding two versions with one signature: ``kernel.reference``, plain
NumPy, the readable math and the specification; and ``kernel.compiled``, the same computation with its element
loop compiled by numba (on first use, never at import). Calling the kernel runs the reference until numba pays
for itself — until the compiled versions would have saved what loading numba costs (~0.3 s; a ski-rental rule,
see ``jit``: a short program never loads numba) — then the compiled version. ``MINIGRAD_AE_NUMBA=0`` (or numba
not installed) runs the references always, ``MINIGRAD_AE_NUMBA=always`` the compiled versions from the first
call; ``NUMBA_DISABLE_JIT=1`` runs the compiled loops as plain Python, to step through them. tests/test_kernels.py
checks every pair agrees. ``@elementwise`` makes a kernel from one formula (its compiled version is the same
formula fused into one loop); the activations' formulas live that way beside their ops in autodiff/ops.py.

What numba runs, and what it does not (measured in bench/README.md):
- elementwise work that NumPy does in several passes with temporaries: the activations and their VJPs, the
  division half of the sigmoid, the optimizer updates, binary cross-entropy's gradient and its sum (after
  NumPy's logs);
- the im2col / col2im gathers of convolutions;
- t-SNE's O(N²) pair loop (its gradient, one pass over the pairs i < j with no N×N temporary) and its
  per-row perplexity bisection (bench/tsne.py).
- Not matrix products (BLAS is 10x faster than a compiled loop), not transcendental functions (NumPy's
  vectorised exp/log beat numba's scalar ones 4-6x), not plain reductions (NumPy's pairwise sum and BLAS
  do them well). A loop that fuses elementwise work into a sum may reorder the sum (``lazy_njit.summing``).
"""
from .activations import sigmoid
from .im2col import col2im, conv_output_size, im2col
from .jit import NUMBA_ENABLED, NUMBA_INSTALLED, Kernel, elementwise
from .losses import LOG_FLOOR, bce_elementwise, bce_grad, bce_logs, bce_sum
from .memory import keep_freed_memory
from .optim import adam_update, rmsprop_update, sgd_update
from .tsne import tsne_gradient, tsne_perplexity_search

__all__ = ["LOG_FLOOR", "NUMBA_ENABLED", "NUMBA_INSTALLED", "Kernel", "adam_update", "bce_elementwise", "bce_grad", "bce_logs", "bce_sum",
           "col2im", "conv_output_size", "elementwise", "im2col", "keep_freed_memory", "rmsprop_update",
           "sgd_update", "sigmoid", "tsne_gradient", "tsne_perplexity_search"]
