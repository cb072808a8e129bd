"""The checks of the autodiff track: each op's backward against central differences (float64, random upstream
gradient), on the shapes and corner cases its task names; the engine's routines against what they must do."""
import numpy as np

from check_tools import gradient_check, mismatches, run_lesson


def away_from_zero(a, margin=0.3):
    return np.where(np.abs(a) < margin, np.where(a >= 0, margin, -margin), a)


def mul_backward(rng):
    return gradient_check(lambda a, b: a * b, [rng.standard_normal((3, 4)), rng.standard_normal((4,))],
                          [rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 1))])


def div_backward(rng):
    return gradient_check(lambda a, b: a / b, [rng.standard_normal((3, 4)), away_from_zero(rng.standard_normal(4))],
                          [rng.standard_normal(()), away_from_zero(rng.standard_normal((2, 3)))])


def pow_backward(rng):
    import minigrad_ae as mg
    x = mg.tensor(np.array([0.0, 1.5, -2.0]), requires_grad=True, dtype=np.float64)
    (x ** 0).sum().backward()
    if not np.array_equal(x.grad, np.zeros(3)):
        return float("inf"), f"x ** 0 at x = [0, 1.5, -2]: gradient {x.grad}, expected [0, 0, 0]"
    a = away_from_zero(rng.standard_normal((3, 4)))
    cases = [(p, a) for p in (2, 3, -1, 1)] + [(0.5, np.abs(a)), (-1.5, np.abs(a))]
    return max((gradient_check(lambda t, p=p: t ** p, [base]) for p, base in cases), key=lambda r: r[0])


def exp_backward(rng):
    return gradient_check(lambda a: a.exp(), [rng.standard_normal((3, 4))])


def log_backward(rng):
    return gradient_check(lambda a: a.log(), [np.abs(rng.standard_normal((3, 4))) + 0.2])


def abs_backward(rng):
    return gradient_check(lambda a: a.abs(), [away_from_zero(rng.standard_normal((3, 4)))])


def tanh_backward(rng):
    return gradient_check(lambda a: a.tanh(), [2 * rng.standard_normal((4, 5))])


def sigmoid_backward(rng):
    return gradient_check(lambda a: a.sigmoid(), [2 * rng.standard_normal((4, 5))])


def relu_backward(rng):
    a = away_from_zero(rng.standard_normal((4, 5)))
    return max(gradient_check(lambda t: t.relu(), [a]), gradient_check(lambda t: t.leaky_relu(0.2), [a]),
               key=lambda r: r[0])


def matmul_backward(rng):
    shapes = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
              ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 2))]
    return gradient_check(lambda a, b: a @ b, *[[rng.standard_normal(s) for s in pair] for pair in shapes])


def sum_backward(rng):
    return _reduction_check(rng, "sum")


def mean_backward(rng):
    return _reduction_check(rng, "mean")


def _reduction_check(rng, name):
    a = rng.standard_normal((2, 3, 4))
    settings = [dict(), dict(axis=1), dict(axis=-1, keepdims=True), dict(axis=(0, 2))]
    return max((gradient_check(lambda t, kw=kw: getattr(t, name)(**kw), [a]) for kw in settings),
               key=lambda r: r[0])


def max_backward(rng):
    import minigrad_ae as mg
    x = mg.tensor(np.array([1.0, 3.0, 3.0, 2.0]), requires_grad=True, dtype=np.float64)
    x.max().backward()
    if not np.allclose(x.grad, [0, 0.5, 0.5, 0]):
        return float("inf"), f"max of [1, 3, 3, 2]: gradient {x.grad}, expected [0, 0.5, 0.5, 0] (a tie shares)"
    distinct = rng.permutation(24).reshape(2, 3, 4) * 0.5
    return max((gradient_check(lambda t, kw=kw: t.max(**kw), [distinct])
                for kw in (dict(), dict(axis=1), dict(axis=-1, keepdims=True))), key=lambda r: r[0])


def scatter_add(rng):
    a = rng.standard_normal((4, 3))
    indices = [np.array([0, 2, 0, 0]), (slice(1, 3), 1), a > 0, (np.array([1, 1]), np.array([2, 2]))]
    return max((gradient_check(lambda t, i=i: t[i], [a]) for i in indices), key=lambda r: r[0])


def unbroadcast(rng):
    import minigrad_ae as mg
    cases = [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (1, 4)), ((2, 3, 4), ()), ((5,), (1,)), ((2, 1, 3), (1, 3))]
    worst, detail = 0.0, "every shape summed back right"
    for big, small in cases:
        g = rng.standard_normal(big)
        got = np.asarray(mg.unbroadcast(g, small))
        error = float("inf") if got.shape != small else mg.relative_error(got, _summed_back(g, small))
        if error > worst:
            worst, detail = error, f"unbroadcast of a {big} gradient to {small}: got shape {got.shape}"
    tensor_g = mg.tensor(rng.standard_normal((3, 4)), dtype=np.float64)
    if not isinstance(mg.unbroadcast(tensor_g, (4,)), mg.Tensor):
        return float("inf"), "unbroadcast of a Tensor must return a Tensor (it records a graph of gradients)"
    return worst, detail


def _summed_back(g, shape):
    added = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(added)))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)


def topological_order(rng):
    import minigrad_ae as mg
    x = mg.tensor(rng.standard_normal(3), requires_grad=True, dtype=np.float64)
    w = mg.tensor(rng.standard_normal(3), requires_grad=True, dtype=np.float64)
    constant = mg.tensor(rng.standard_normal(3), dtype=np.float64)
    h = x * w
    out = ((h + x) * (h - constant)).sum() + (w * w).sum()
    error, detail = _order_errors(mg.autodiff.topological_order(out), out)
    if error:
        return error, detail
    deep = x
    for _ in range(10_000):
        deep = deep * 1.0
    order = mg.autodiff.topological_order(deep.sum())   # a recursive search would hit Python's recursion limit here
    return _order_errors(order, order[-1])


def _order_errors(order, root):
    """How many rules the order breaks: every grad-requiring tensor the root depends on, once, after its inputs."""
    reachable, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in reachable:
            reachable[id(node)] = node
            stack += [p for p in (node.creator.parents if node.creator else ()) if p.requires_grad]
    position = {id(t): i for i, t in enumerate(order)}
    wrong = abs(len(order) - len(reachable)) + len(set(reachable) ^ set(position))
    wrong += sum(position.get(id(p), -1) > position.get(id(t), -1) for t in order if t.creator
                 for p in t.creator.parents if p.requires_grad)
    return float(wrong), (f"{len(order)} tensors ordered, {len(reachable)} reachable; {int(wrong)} rules broken"
                          if wrong else f"a valid order of {len(order)} tensors")


def lesson0_softplus(rng):
    """The lesson's own checks (its gradcheck of Softplus) must hold when run headless with --quick."""
    return run_lesson("00_autodiff_from_scratch.py", "lesson0_softplus")


def central_differences(rng):
    import minigrad_ae as mg
    x, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    numeric = mg.numerical_grad(lambda t: t * t * t, [x], grad_output=v)
    return mg.relative_error(numeric[0], 3 * x * x * v), "numerical_grad of Σ v ⊙ x³ against 3x² ⊙ v"


def adam_step(rng):
    from minigrad_ae.kernels.optim import adam_update_reference
    param, m, v = rng.standard_normal(20), np.zeros(20), np.zeros(20)
    expected_param, expected_m, expected_v = param.copy(), m.copy(), v.copy()
    lr, beta1, beta2, eps, decay = 0.01, 0.9, 0.999, 1e-8, 0.1
    for step in range(1, 6):
        grad = rng.standard_normal(20)
        adam_update_reference(param, grad, m, v, lr, beta1, beta2, eps, step, decay)
        g = grad + decay * expected_param
        expected_m = beta1 * expected_m + (1 - beta1) * g
        expected_v = beta2 * expected_v + (1 - beta2) * g * g
        m_hat, v_hat = expected_m / (1 - beta1 ** step), expected_v / (1 - beta2 ** step)
        expected_param = expected_param - lr * m_hat / (np.sqrt(v_hat) + eps)
    import minigrad_ae as mg
    return mg.relative_error(param, expected_param), "five Adam steps against the paper's formulas"


def lesson18_power_iteration(rng):
    """The lesson's own checks (power iteration against the eigenvalues of the whole Hessian) must hold."""
    return run_lesson("18_gradients_of_gradients.py", "lesson18_power_iteration")


def module_apply(rng):
    from minigrad_ae import nn
    inner = nn.Sequential(nn.ReLU(), nn.Linear(3, 3, rng=rng), nn.Sequential(nn.Tanh()))
    model = nn.Sequential(nn.Linear(2, 3, rng=rng), inner, nn.Sigmoid())

    def post_order(module):
        return [m for child in module.children() for m in post_order(child)] + [module]
    visited = []
    returned = model.apply(visited.append)
    got, expected = [id(m) for m in visited], [id(m) for m in post_order(model)]
    if returned is not model:
        return float("inf"), "apply must return the module it was called on"
    return mismatches(got, expected, "modules visited, in order")
