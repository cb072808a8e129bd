"""Each kernel's numba version against its NumPy reference, on the arrays of a W1/W5 step (float32).

Both versions run in the same process, interleaved in rounds; reported: median µs per call and the speed-up.
"""
import statistics
import time

import numpy as np


def kernel_cases():
    from minigrad_ae import kernels as K
    from minigrad_ae.autodiff import ops
    rng = np.random.default_rng(0)
    a = rng.standard_normal((128, 784)).astype(np.float32)       # W1's output layer, batch 128
    g = rng.standard_normal(a.shape).astype(np.float32)
    z = K.sigmoid.reference(a)
    p = rng.random(a.shape, dtype=np.float32)
    weight = rng.standard_normal((256, 784)).astype(np.float32)   # W1's largest weight
    grad = rng.standard_normal(weight.shape).astype(np.float32)
    image = rng.standard_normal((64, 16, 14, 14)).astype(np.float32)  # W5's second conv: 3×3, stride 2, padding 1
    cols = K.im2col.reference(image, 3, 3, 2, 1)
    scale = np.asarray(1.0 / a.size, dtype=np.float32)

    def state():
        return [np.zeros_like(weight) for _ in range(2)]

    m, v = state()
    s, mom = state()
    slope = np.float32(0.01)
    return {  # name: (the kernel, what it computes on, how to call it)
        "relu_vjp": (ops.relu_vjp, "128×784", lambda k: k(g, a)),
        "leaky_relu": (ops.leaky_relu, "128×784", lambda k: k(a, slope)),
        "leaky_relu_vjp": (ops.leaky_relu_vjp, "128×784", lambda k: k(g, a, slope)),
        "tanh_vjp": (ops.tanh_vjp, "128×784", lambda k: k(g, z)),
        "sigmoid": (K.sigmoid, "128×784", lambda k: k(a)),
        "sigmoid_vjp": (ops.sigmoid_vjp, "128×784", lambda k: k(g, z)),
        "bce_sum": (K.bce_sum, "128×784", lambda k: k(p, z)),
        "bce_grad": (K.bce_grad, "128×784", lambda k: k(p, z, scale)),
        "adam_update": (K.adam_update, "256×784 weight", lambda k: k(weight, grad, m, v, 1e-3, 0.9, 0.999, 1e-8, 10)),
        "sgd_update": (K.sgd_update, "256×784, momentum 0.9", lambda k: k(weight, grad, mom, 1e-3, 0.9)),
        "rmsprop_update": (K.rmsprop_update, "256×784", lambda k: k(weight, grad, s, None, 1e-3, 0.99, 1e-8)),
        "im2col": (K.im2col, "64×16×14×14, 3×3, stride 2", lambda k: k(image, 3, 3, 2, 1)),
        "col2im": (K.col2im, "back to 64×16×14×14", lambda k: k(cols, image.shape, 3, 3, 2, 1)),
    }


def time_kernels(rounds=15, min_seconds=0.01):
    """{name: (shape note, µs NumPy reference, µs numba)} medians over interleaved rounds."""
    results = {}
    for name, (kernel, note, call) in kernel_cases().items():
        versions = {"ref": kernel.reference, "numba": kernel.compiled}
        for fn in versions.values():
            call(fn)                                   # compile / load once, untimed
        n = max(1, round(min_seconds / _once(call, versions["ref"])))
        times = {version: [] for version in versions}
        for _ in range(rounds):
            for version, fn in versions.items():
                start = time.perf_counter()
                for _ in range(n):
                    call(fn)
                times[version].append((time.perf_counter() - start) / n * 1e6)
        results[name] = (note, statistics.median(times["ref"]), statistics.median(times["numba"]))
    return results


def _once(call, fn):
    start = time.perf_counter()
    call(fn)
    return max(time.perf_counter() - start, 1e-6)
