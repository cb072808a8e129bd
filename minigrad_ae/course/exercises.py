"""The exercises: one registry that make-student, ``course list``, EXERCISES.md, the grader and the copy's test
suite all read.

An exercise is solution code in the instructor's tree, between two marker lines (any indentation)::

    # BEGIN SOLUTION <id>
    ...the reference solution (comments in it may state the derivation: they are stripped too)...
    # END SOLUTION

plus one ``Exercise`` here. An exercise may have several blocks (e.g. a function and the docstring-free
derivation in a lesson's text). In a student copy each block becomes ``# BEGIN EXERCISE <id>`` … ``# END
EXERCISE`` around a stub that calls a stand-in (``minigrad_ae.stand_ins``): inside an op's ``backward`` the
generic ``stand_ins.vjp``, elsewhere the exercise's ``stub``; a block of comments only (lesson text) becomes
one line pointing to EXERCISES.md; a block at module level of an exercise with a ``module_stub`` (a compiled
twin of the answer) becomes that plain code. ``check`` names the function of ``checks.py`` that grades it.

``marked=False``: the registry entry, its check and its stand-in exist, but its file has no solution markers
yet, so make-student and the grader leave it out (flip it when the markers are in).
"""
from dataclasses import dataclass

TRACKS = ("autodiff", "autoencoder")


@dataclass(frozen=True)
class Exercise:
    id: str
    lesson: int
    track: str        # "autodiff" (the engine and its ops) or "autoencoder" (losses, models, metrics)
    points: int
    file: str         # the file holding its solution blocks, relative to the repository root
    where: str        # the function or method, for people
    task: str         # what to compute: inputs, outputs, shapes — never the answer's formula
    hints: tuple      # one or two, shown with the task and when a check fails; they guide, not answer
    stub: str = ""    # the code a non-backward block becomes in a student copy (it calls a stand-in)
    marked: bool = True
    module_stub: str = ""   # what a block at module level becomes (plain code, no exercise markers): a twin of
    #                         the answer the student does not write, e.g. a numba loop, made to call their function

    @property
    def check(self):
        """The name of this exercise's check in ``checks.py``."""
        return self.id


def backward_stub(exercise_id):
    """The stub of a block inside an op's ``backward(ctx, g)``: the generic finite-difference / autodiff stand-in."""
    return f'from minigrad_ae import stand_ins\nreturn stand_ins.vjp(ctx, g, "{exercise_id}")'


def _call(line):
    """A one-call stub: import the stand-ins, then ``line``."""
    return f"from minigrad_ae import stand_ins\n{line}"


OPS, ENGINE, FUSED = "minigrad_ae/autodiff/ops.py", "minigrad_ae/autodiff/engine.py", "minigrad_ae/nn/fused.py"
GRADIENT_HINT = "Check it with mg.gradcheck: it feeds a random upstream gradient g, so forgetting g fails."

EXERCISES = (
    # ---------------------------------------------------------------- lesson 0: the chain rule, the graph
    Exercise("mul_backward", 0, "autodiff", 1, OPS, "Mul.backward",
             "Mul.backward(ctx, g): z = a ⊙ b (elementwise, broadcast). Given g = ∂L/∂z (shaped like z), return "
             "(∂L/∂a, ∂L/∂b), each shaped like z (the engine sums it back to the input's shape), or None for an "
             "input whose ctx.needs_input_grad is False. ctx.saved holds (a, b).",
             ("Differentiate one element zᵢ = aᵢbᵢ with respect to aᵢ, then multiply by gᵢ.", GRADIENT_HINT)),
    Exercise("topological_order", 0, "autodiff", 2, ENGINE, "topological_order",
             "topological_order(roots): every tensor the roots (a Tensor or a list of them) depend on, following "
             "t.creator.parents but only into tensors that require grad, as a list in which each tensor comes "
             "after all of its inputs, each once. Use an iterative depth-first search: no recursion, so a graph "
             "10,000 ops deep works.",
             ("A tensor can be placed once all of its inputs are: post-order. Keep an explicit stack.",
              "Push each node twice: once to visit its inputs, once (marked done) to append it."),
             stub=_call("return stand_ins.topological_order(roots)")),
    Exercise("lesson0_softplus", 0, "autodiff", 1, "lessons/00_autodiff_from_scratch.py", "Softplus.backward",
             "Softplus.backward(ctx, g) in lesson 0: s = log(1 + eˣ) elementwise. Given g = ∂L/∂s, return a "
             "one-element tuple (∂L/∂x,), shaped like x; ctx.saved holds (x,). Write it without overflow for "
             "large |x|. The lesson's gradcheck must pass.",
             ("Differentiate log(1 + eˣ) by the chain rule; the result is a function you have met.",
              "Then multiply by g.")),
    # ---------------------------------------------------------------- lesson 1: checking gradients
    Exercise("unbroadcast", 1, "autodiff", 2, ENGINE, "unbroadcast",
             "unbroadcast(grad, shape): grad is the gradient of a result that broadcasting made from an input "
             "of `shape` (shape broadcasts to grad.shape). Return the input's gradient, of exactly `shape`: every "
             "element gets the sum of the entries of grad that were copies of it. Work on arrays and Tensors "
             "(use only .sum(axis=..., ...) and .reshape).",
             ("Broadcasting adds axes in front and stretches axes of size 1: which entries of grad came from one "
              "input element?", "Compare shapes from the right."),
             stub=_call("return stand_ins.unbroadcast(grad, shape)")),
    Exercise("max_backward", 1, "autodiff", 2, OPS, "Max.backward",
             "Max.backward(ctx, g): z = max of a over ctx.axis (None: all; keepdims or not). Given g shaped like "
             "z, return ∂L/∂a shaped like a, where k elements tied for a maximum share its gradient equally. "
             "ctx.saved holds (a, top), top the maxima with the reduced axes kept as size 1; ctx.kept_shape and "
             "ctx.in_shape are those shapes. Use broadcast_to (it also records a graph of gradients).",
             ("Only the elements equal to their maximum move z; a mask of them has derivative 0.",
              "Reshape g to ctx.kept_shape before spreading it back over the reduced axes.")),
    Exercise("central_differences", 1, "autodiff", 2, "minigrad_ae/autodiff/gradcheck.py", "_central_differences",
             "_central_differences(values, t, eps): the derivative of values() with respect to every element of "
             "the input tensor t, by the symmetric difference with step eps. values() returns a number or a 1-d "
             "array of n numbers computed from the current inputs; return a float64 array of shape (n, *t.shape) "
             "(n = 1 for a number). Move one element of t.data at a time and put it back.",
             ("Evaluate on both sides of each element; the error of the symmetric quotient falls as eps².",
              "Write into a flat view of t.data (reshape(-1)) so values() sees the moved element."),
             stub=_call("return stand_ins.central_differences(values, t.data, eps)")),
    # ---------------------------------------------------------------- lesson 2: the linear autoencoder
    Exercise("linear_ae_closed_form", 2, "autoencoder", 3, "minigrad_ae/models/linear.py",
             "LinearAutoencoder.closed_form_grads",
             "In closed_form_grads: the four gradients of L = ½ Σₙ‖xₙ − x̂ₙ‖² summed over the batch, for "
             "z = W1 x + b1, x̂ = W2 z + b2, from the arrays X (B, n_in), codes Z (B, n_latent), errors "
             "E = X̂ − X (B, n_in) and W2 (n_in, n_latent). Set `grads` to a dict with keys 'encoder.weight' "
             "(n_latent, n_in), 'encoder.bias' (n_latent,), 'decoder.weight' (n_in, n_latent), 'decoder.bias' "
             "(n_in,).",
             ("Derive the gradients for one sample (column vectors) first, then sum over the batch: Σₙ uₙvₙᵀ is "
              "one matrix product of the stacked rows.", "Every gradient has the shape of its parameter."),
             stub=_call("grads = stand_ins.linear_ae_grads(self, X)")),
    Exercise("matmul_backward", 2, "autodiff", 3, OPS, "MatMul.backward",
             "MatMul.backward(ctx, g): z = a @ b with NumPy's rules (2-d, batched with broadcast leading axes, "
             "or a 1-d operand as a row on the left / a column on the right). Given g shaped like z, return "
             "(∂L/∂a, ∂L/∂b), each shaped like its operand or like it broadcast (the engine sums leading axes "
             "back), None where not needed. ctx.saved holds (a, b).",
             ("Write zᵢⱼ = Σₖ aᵢₖbₖⱼ and differentiate one term; the result is again a matrix product.",
              "Make 1-d operands 2-d (reshape) first and undo it at the end; check shapes before values.")),
    Exercise("sum_backward", 2, "autodiff", 1, OPS, "Sum.backward",
             "Sum.backward(ctx, g): z = a summed over ctx's axis (None: all). Given g shaped like z, return "
             "∂L/∂a shaped like a. ctx.kept_shape is z's shape with the summed axes kept as size 1, ctx.in_shape "
             "is a's shape. Use reshape and broadcast_to (they also record a graph of gradients).",
             ("How much does one element of a move the sum it belongs to?",)),
    # ---------------------------------------------------------------- lesson 3: the undercomplete autoencoder
    Exercise("relu_backward", 3, "autodiff", 2, OPS, "relu_vjp, leaky_relu_vjp",
             "The VJP kernels of ReLU and LeakyReLU, as @elementwise functions of whole arrays: relu_vjp(g, a) and "
             "leaky_relu_vjp(g, a, s) return ∂L/∂a shaped like a for z = relu(a), z = leaky_relu(a, slope s), "
             "given g = ∂L/∂z. Use only elementwise operators (numba compiles the same lines); at a = 0 use the "
             "slope of the negative side.",
             ("Each is piecewise linear: what is the slope on each side of 0?",
              "A comparison like (a > 0) is an array of 0s and 1s you can multiply by."),
             stub=_call('relu_vjp = stand_ins.missing_kernel("relu_backward", ReLU)\n'
                        'leaky_relu_vjp = stand_ins.missing_kernel("relu_backward", LeakyReLU)')),
    Exercise("tanh_backward", 3, "autodiff", 2, OPS, "tanh_vjp",
             "The VJP kernel of Tanh, an @elementwise function tanh_vjp(g, z): ∂L/∂a shaped like z for z = tanh(a), "
             "given g = ∂L/∂z and the saved output z (not a). Use only elementwise operators.",
             ("Differentiate tanh, then write the result using tanh(a) itself.",),
             stub=_call('tanh_vjp = stand_ins.missing_kernel("tanh_backward", Tanh)')),
    Exercise("kaiming_gain", 3, "autoencoder", 2, "minigrad_ae/nn/init.py", "calculate_gain('leaky_relu', a)",
             "calculate_gain('leaky_relu', a): the gain g such that weights N(0, (g/√fan_in)²) keep the second "
             "moment of a layer's input through LeakyReLU(a), a Python float (a = 0 is ReLU).",
             ("For z ~ N(0, σ²), what fraction of E[z²] survives f(z) = max(z, 0) + a·min(z, 0)?",
              "Use the symmetry of z: half the mass is on each side."),
             stub=_call("return stand_ins.kaiming_gain(a)"),
             marked=False),
    # ---------------------------------------------------------------- lesson 4: sparsity
    Exercise("sigmoid_backward", 4, "autodiff", 2, OPS, "sigmoid_vjp",
             "The VJP kernel of Sigmoid, an @elementwise function sigmoid_vjp(g, z): ∂L/∂a shaped like z for "
             "z = σ(a), given g = ∂L/∂z and the saved output z (not a). Use only elementwise operators.",
             ("Differentiate 1/(1 + e⁻ᵃ) and write the result using σ(a) itself.",),
             stub=_call('sigmoid_vjp = stand_ins.missing_kernel("sigmoid_backward", Sigmoid)')),
    Exercise("kl_sparsity_backward", 4, "autoencoder", 2, FUSED, "KLSparsity.backward",
             "KLSparsity.backward(ctx, g): KL = Σⱼ ρ log(ρ/ρ̂ⱼ) + (1 − ρ) log((1 − ρ)/(1 − ρ̂ⱼ)), a scalar, for the "
             "mean activations ρ̂ (n_hidden,) in (0, 1) and the target ρ (ctx.rho). Given the scalar g, return "
             "(∂L/∂ρ̂,) shaped like ρ̂. ctx.saved holds (ρ̂,).",
             ("Each term depends on one ρ̂ⱼ only; differentiate the two logarithms.", GRADIENT_HINT)),
    Exercise("sparse_delta", 4, "autoencoder", 3, "minigrad_ae/models/sparse.py", "SparseAutoencoder.manual_grads",
             "In manual_grads: δ² (B, n_hidden), the error at the hidden layer's pre-activation times the batch "
             "size, from δ³ (B, n_in), W2 (n_in, n_hidden), the hidden activations a² (B, n_hidden) and the "
             "sparsity term (B or 1, n_hidden) that _sparsity_delta returns.",
             ("Backpropagate δ³ through W2 to a², then through the sigmoid to its input.",
              "The sparsity penalty depends on a² too: add its term where a²'s gradient is complete."),
             marked=False,
             stub=_call("delta2 = stand_ins.sparse_ae_delta(self, X)")),
    # ---------------------------------------------------------------- lesson 5: denoising
    Exercise("masking_noise", 5, "autoencoder", 1, "minigrad_ae/data/noise.py", "masking_noise",
             "masking_noise(x, fraction, rng, fixed_count=False): a new array like x with each entry set to 0 "
             "independently with probability `fraction` (or exactly round(fraction · n_features) entries per "
             "sample with fixed_count=True); x itself unchanged, every random draw from rng.",
             ("Draw a boolean mask of x's shape from rng, then zero a copy where it is True.",),
             stub=_call("return stand_ins.masking_noise(x, fraction, rng, fixed_count)")),
    Exercise("lesson5_dae_bias_grad", 5, "autoencoder", 2, "lessons/05_denoising_autoencoder.py",
             "lesson 5, section 2: hand_bias_grad",
             "In lesson 5: hand_bias_grad, the gradient of the denoising criterion L = mean (x − x̂)² over the batch "
             "and pixels with respect to the last layer's bias b_out (n,), for a sigmoid output x̂ = σ(W_out h + "
             "b_out) computed from the corrupted x̃, as a NumPy array from X_hat (B, n) and the clean X_probe "
             "(B, n); and wrong_bias_grad, the same with X_tilde in place of the clean target.",
             ("The target is the clean x; x̃ only enters through x̂.",
              "Go back through the mean, the square and the sigmoid; a bias is shared by every row."),
             stub=_call("hand_bias_grad = stand_ins.dae_bias_grad(X_hat, X_probe)\n"
                        "wrong_bias_grad = stand_ins.dae_bias_grad(X_hat, X_tilde)")),
    Exercise("mean_backward", 5, "autodiff", 1, OPS, "Mean.backward",
             "Mean.backward(ctx, g): z = a averaged over ctx's axis (None: all). Given g shaped like z, return "
             "∂L/∂a shaped like a. ctx.n is the number of elements averaged into each output; ctx.kept_shape and "
             "ctx.in_shape as in Sum. Use reshape and broadcast_to.",
             ("How much does one element of a move the mean it belongs to?",)),
    # ---------------------------------------------------------------- lesson 6: contraction
    Exercise("contractive_grad", 6, "autoencoder", 3, "lessons/06_contractive_autoencoder.py",
             "lesson 6, section 3: the penalty's gradient by hand",
             "In lesson 6: hand_dW (units, n_in) and hand_db (units,), the gradient of the contractive penalty "
             "P = Σⱼ (hⱼ(1 − hⱼ))² Σᵢ Wⱼᵢ², averaged over the rows of X_grad (B, n_in), with respect to the "
             "encoder's W_grad and b_grad, through both W and the codes h = σ(W x + b). NumPy only.",
             ("The penalty depends on W twice: directly through Σᵢ Wⱼᵢ², and through hⱼ.",
              "Differentiate (hⱼ(1 − hⱼ))² with respect to the pre-activation first."),
             stub=_call("hand_dW, hand_db = stand_ins.contractive_grads(X_grad, W_grad, b_grad)")),
    Exercise("pow_backward", 6, "autodiff", 2, OPS, "Pow.backward",
             "Pow.backward(ctx, g): z = aᵖ elementwise for a scalar exponent p (ctx.p). Given g shaped like z, "
             "return ∂L/∂a shaped like a; ctx.saved holds (a,). It must stay finite (0) for p = 0, even at a = 0.",
             ("The power rule, then multiply by g.", "Try p = 0 and a = 0 in your formula: 0 · 0⁻¹ is NaN.")),
    # ---------------------------------------------------------------- lesson 7: the VAE
    Exercise("vae_kl_grads", 7, "autoencoder", 2, "minigrad_ae/models/vae.py", "kl_grads, GaussianKL.backward",
             "kl_grads(mu, logvar): (∂KL/∂μ, ∂KL/∂logvar) of the closed-form KL(N(μ, e^logvar) ‖ N(0, I)) = "
             "−½ Σ (1 + logvar − μ² − e^logvar), summed over all elements; NumPy arrays shaped like μ. The same "
             "derivative is GaussianKL.backward (nn/fused.py), with the upstream gradient for each row.",
             ("Each term depends on one μᵢ and one logvarᵢ: differentiate term by term.",),
             stub=_call("return stand_ins.gaussian_kl_grads(mu, logvar)")),
    Exercise("vae_reparam_grads", 7, "autoencoder", 2, "minigrad_ae/models/vae.py", "reparam_grads",
             "reparam_grads(g_z, logvar, eps): the chain rule through z = μ + e^{½ logvar} ⊙ ε, given "
             "g_z = ∂L/∂z: (∂L/∂μ, ∂L/∂logvar), NumPy arrays shaped like z. ε is a constant.",
             ("z is elementwise in μ, logvar and ε: differentiate one element.",),
             stub=_call("return stand_ins.reparameterization_grads(g_z, logvar, eps)")),
    Exercise("exp_backward", 7, "autodiff", 1, OPS, "Exp.backward",
             "Exp.backward(ctx, g): z = eᵃ elementwise. Given g shaped like z, return ∂L/∂a; ctx.saved holds "
             "(z,), the output, not a.",
             ("What is the derivative of eᵃ, in terms of z?",)),
    # ---------------------------------------------------------------- lesson 8: stacked, fine-tuning
    Exercise("scatter_add", 8, "autodiff", 2, OPS, "_scatter",
             "_scatter(g, index, shape): the adjoint of indexing, GetItem's backward: an array of `shape` in "
             "which the element at each place that a[index] reads holds the sum of the entries of g copied from "
             "it, and 0 where nothing was read. `index` is any NumPy index (slices, integer arrays with repeats, "
             "boolean masks); g has the shape of a[index].",
             ("An index can read one element several times (np.array([0, 0])): every copy's gradient counts.",
              "out[index] += g keeps only one of repeated places; NumPy has an unbuffered alternative."),
             stub=_call("return stand_ins.scatter(g, index, shape)")),
    Exercise("log_softmax_backward", 8, "autoencoder", 2, FUSED, "LogSoftmax.backward",
             "LogSoftmax.backward(ctx, g): z = a − log Σₖ e^{aₖ} along ctx.axis. Given g shaped like z, return "
             "∂L/∂a; ctx.saved holds (z,).",
             ("Every zᵢ depends on every aₖ along the axis through the log-sum-exp.",
              "The derivative of log Σₖ e^{aₖ} with respect to aⱼ is a familiar function of z.")),
    Exercise("log_backward", 8, "autodiff", 1, OPS, "Log.backward",
             "Log.backward(ctx, g): z = ln a elementwise (a > 0). Given g shaped like z, return ∂L/∂a; "
             "ctx.saved holds (a,).",
             ("The derivative of ln a, then multiply by g.",)),
    # ---------------------------------------------------------------- lesson 9: multi-task losses
    Exercise("abs_backward", 9, "autodiff", 1, OPS, "Abs.backward",
             "Abs.backward(ctx, g): z = |a| elementwise, the L1 penalty's op. Given g shaped like z, return ∂L/∂a; "
             "ctx.saved holds (a,). At a = 0 the gradient is 0; in a graph of gradients the choice of side is a "
             "constant (compute it on as_array(a)).",
             ("|a| is piecewise linear: what is its slope on each side?",)),
    # ---------------------------------------------------------------- lesson 10: the training toolkit
    Exercise("batchnorm_backward", 10, "autoencoder", 3, FUSED, "BatchNorm.backward",
             "BatchNorm.backward(ctx, g): y = γ x̂ + β with x̂ = (x − μ)/√(σ² + ε), μ and σ² the mean and (biased) "
             "variance of each column of x (m, n) over its m rows. Given g (m, n), return (∂L/∂x (m, n), ∂L/∂γ "
             "(n,), ∂L/∂β (n,)), None where not needed; ctx.saved holds (x̂, γ, 1/√(σ² + ε)). Use only these: no "
             "second pass over x.",
             ("μ and σ² depend on every row: x reaches y through x̂ directly and through μ and σ².",
              "Write ∂L/∂x̂ first, then ∂L/∂σ², ∂L/∂μ; the result simplifies to sums over the rows.")),
    Exercise("adam_step", 10, "autodiff", 2, "minigrad_ae/kernels/optim.py", "adam_update_reference",
             "adam_update_reference(param, grad, m, v, lr, beta1, beta2, eps, step, weight_decay): one Adam step "
             "(the update its docstring states), in place: update the moment estimates m and v and then param, "
             "with the bias corrections for step t = step (from 1); g, the gradient with L2 weight decay added, "
             "is computed above the block. No new array per step beyond one scratch array of param's shape. "
             "(The numba twin of this function is left out of your copy: Adam runs your code.)",
             ("The bias corrections are two scalars per step: fold them into the step size and ε.",
              "np.multiply(..., out=scratch) and friends avoid temporaries."),
             stub=_call("stand_ins.adam_update(param, grad, m, v, lr, beta1, beta2, eps, step, weight_decay)"),
             module_stub="# The numba twin of adam_update_reference is not in this copy: Adam runs your code.\n"
                         "def adam_update_compiled(*args):\n"
                         "    return adam_update_reference(*args)"),
    Exercise("cyclic_lr", 10, "autoencoder", 1, "minigrad_ae/optim/schedules.py", "CyclicLR._height_and_scale",
             "CyclicLR._height_and_scale(): for iteration t = self.last_epoch, (h, scale): h ∈ [0, 1] how far up "
             "the current triangle t is (0 at base_lr, 1 at max_lr; it climbs for self.step_size_up iterations, "
             "falls for self.step_size_down, and repeats), and the mode's scale as the class docstring defines it "
             "(its cycle counted from 1). In closed form: no loop over iterations.",
             ("Which cycle is iteration t in, and what fraction of that cycle has passed?",
              "Is t still climbing? Compare its place in the cycle with step_size_up."),
             stub=_call("return stand_ins.cyclic_height_and_scale(self)")),
    # ---------------------------------------------------------------- lesson 11: anomaly detection
    Exercise("roc_curve", 11, "autoencoder", 2, "minigrad_ae/models/anomaly.py", "roc_curve",
             "roc_curve(scores, is_anomaly): (fpr, tpr, thresholds) for the detector 'anomaly when score ≥ t', "
             "one point per distinct score t from the highest, starting at (0, 0) with t = +inf; tied scores "
             "enter together. One sort, no loop over thresholds.",
             ("Sort by score, highest first; running counts of anomalies and normals give every point.",
              "Keep only the last position of each run of equal scores."),
             stub=_call("return stand_ins.roc_curve(scores, is_anomaly)")),
    # ---------------------------------------------------------------- lesson 12: latent spaces
    Exercise("lesson12_knn", 12, "autoencoder", 1, "lessons/12_latent_spaces.py", "squared_distances",
             "In lesson 12: squared_distances(a, b), the (T, N) array of squared Euclidean distances between the "
             "rows of a (T, d) and the rows of b (N, d), with one matrix product and no (T, N, d) array. The "
             "lesson's k-NN accuracy and its distance to the nearest training image both use it.",
             ("Expand ‖a − b‖² into three terms.",),
             stub=_call("return stand_ins.squared_distances(a, b)")),
    # ---------------------------------------------------------------- lesson 13: adversarial
    Exercise("bce_with_logits_backward", 13, "autoencoder", 2, FUSED, "BCEWithLogits.backward",
             "BCEWithLogits.backward(ctx, g): ℓ = log(1 + eᶻ) − z·y per element for logits z and targets y, then "
             "reduced by ctx.reduction ('mean', 'sum' or 'none'; upstream(g, ctx.reduction, ctx.n) spreads g over "
             "the elements). Return (∂L/∂z, ∂L/∂y), None where not needed; ctx.saved holds (z, y, log(1 + eᶻ)). "
             "No overflow for large |z|.",
             ("Differentiate log(1 + eᶻ): the result is a function you have met; use the saved softplus to "
              "compute it without overflow.", GRADIENT_HINT)),
    # ---------------------------------------------------------------- lesson 14: the VQ-VAE
    Exercise("vq_nearest_code", 14, "autoencoder", 2, "minigrad_ae/nn/quantize.py", "nearest_codes",
             "nearest_codes(z, codebook): for z (..., d) and a codebook (K, d), the index (int64, shape z.shape[:-1]) "
             "of the nearest codebook row to each vector in squared Euclidean distance, ties to the lowest index, "
             "with one matrix product for all pairs and no (N, K, d) array.",
             ("Expand ‖z − e‖² into three terms; one of them does not change the argmin.",),
             stub=_call("return stand_ins.nearest_codes(z, codebook)")),
    Exercise("straight_through_backward", 14, "autoencoder", 1, FUSED, "StraightThrough.backward",
             "StraightThrough.backward(ctx, g): forward returned the chosen codebook rows e for the encoder "
             "output z_e. Return (gradient for z_e, gradient for e) under the straight-through estimator, given "
             "g = ∂L/∂z_q.",
             ("The nearest-code choice has zero derivative almost everywhere; the estimator pretends the "
              "quantiser is the identity for z_e.",)),
    # ---------------------------------------------------------------- lesson 15: rate and distortion
    Exercise("div_backward", 15, "autodiff", 1, OPS, "Div.backward",
             "Div.backward(ctx, g): z = a / b (elementwise, broadcast). Given g shaped like z, return "
             "(∂L/∂a, ∂L/∂b), each shaped like z, None where not needed; ctx.saved holds (a, b).",
             ("Differentiate aᵢ/bᵢ with respect to each of the two.", GRADIENT_HINT)),
    # ---------------------------------------------------------------- lesson 16: convolutions
    Exercise("conv_output_size", 16, "autoencoder", 1, "minigrad_ae/kernels/im2col.py", "conv_output_size",
             "conv_output_size(size, kernel, stride, padding): how many positions a kernel of width `kernel` "
             "takes along an axis of `size` zero-padded by `padding` on each side, moving `stride` at a time (an "
             "int; 0 if it never fits), in closed form.",
             ("The first position starts at 0; how far can the start move and still fit?",),
             stub=_call("return stand_ins.conv_output_size(size, kernel, stride, padding)")),
    # ---------------------------------------------------------------- lesson 17: t-SNE
    Exercise("tsne_gradient", 17, "autoencoder", 2, "minigrad_ae/kernels/tsne.py", "tsne_gradient_reference",
             "In tsne_gradient_reference(P, Y, exaggeration=1.0, with_kl=True): grad, the float64 array (N, d) "
             "∂C/∂Y of t-SNE's objective C = KL(P‖Q) for the map Y (N, d), with P scaled by α = exaggeration "
             "(the module docstring defines w, Z and Q). Above the block: P and Y64 (float64), differences "
             "(N, N, d) with [i, j] = yᵢ − yⱼ, w (N, N) with a zero diagonal, and Z. NumPy only, no loop over "
             "points. (The numba twin of this function is left out of your copy: t-SNE runs your code.)",
             ("Write C = Σ pᵢⱼ log pᵢⱼ − Σ pᵢⱼ log wᵢⱼ + log Z (Σ pᵢⱼ = 1) and differentiate with respect to one "
              "yᵢ: the pair (i, j) appears twice in each sum, as (i, j) and (j, i).",
              "What is ∂wᵢⱼ/∂yᵢ in terms of wᵢⱼ itself? One einsum over j then gives every row at once."),
             stub=_call("grad = stand_ins.tsne_gradient(P, Y64, exaggeration)"),
             module_stub="# The numba twin of tsne_gradient_reference is not in this copy: t-SNE runs your code.\n"
                         "def tsne_gradient_compiled(*args, **kwargs):\n"
                         "    return tsne_gradient_reference(*args, **kwargs)"),
    # ---------------------------------------------------------------- lesson 18: gradients of gradients
    Exercise("lesson18_power_iteration", 18, "autodiff", 2, "lessons/18_gradients_of_gradients.py", "sharpness",
             "In lesson 18: sharpness(loss, theta, iterations=20), the Hessian's largest eigenvalue λ_max at theta "
             "(a 1-d array) by power iteration from a random start drawn with np.random.default_rng(0), "
             "using only Hessian-vector products mg.hvp(loss, theta, u) (never the Hessian itself); a float.",
             ("Repeat: multiply by H, normalise. Which number, computed from u and H u, tends to λ_max?",),
             stub=_call("return stand_ins.sharpness(loss, theta)")),
    # ---------------------------------------------------------------- lesson 19: from PyTorch
    Exercise("module_apply", 19, "autodiff", 1, "minigrad_ae/nn/module.py", "Module.apply",
             "Module.apply(fn): call fn(module) on every module of the tree below and including self, in "
             "PyTorch's order: each child's whole subtree (children in registration order), then the module "
             "itself. It returns self (already written below the block).",
             ("For one module, which comes first: fn on its children's subtrees, or fn on itself?",),
             stub=_call("stand_ins.apply_post_order(self, fn)")),
    # ---------------------------------------------------------------- lesson 20: residual and skip connections
    Exercise("lesson20_residual_jacobian", 20, "autoencoder", 1, "lessons/20_residual_and_skip_connections.py",
             "lesson 20, section 1: expected",
             "In lesson 20: expected, the (n, n) Jacobian ∂y/∂x (row i = ∂yᵢ/∂x) of the pre-activation residual "
             "block y = x + W σ(x) + b at one sample x0 (n,), by hand from W (n, n) and x0, NumPy only. The lesson "
             "compares it with autodiff's Jacobian to 1e-12.",
             ("Differentiate the identity path and the branch W σ(x) separately, then add them.",
              "σ acts elementwise, so its Jacobian is diagonal: what does W times a diagonal matrix do to W?"),
             stub=_call("expected = stand_ins.residual_jacobian(block, x0)")),
    # ---------------------------------------------------------------- lesson 21: debugging
    Exercise("gradient_norms", 21, "autoencoder", 1, "minigrad_ae/nn/diagnostics.py", "gradient_norms",
             "gradient_norms(model, loss, layer=Linear): with `layers` the (name, module) pairs of the model's "
             "layers of that type, return {name: Frobenius norm of ∂loss/∂(that layer's weight)} as Python floats "
             "(0.0 where the gradient did not reach the layer), after one backward of the scalar `loss`; the "
             "model's .grad must be cleared before and after, so training is not disturbed.",
             ("Which Module method clears the gradients? Which attribute holds a weight's gradient after backward?",),
             stub=_call("return stand_ins.gradient_norms(model, loss, layers)")),
    # ---------------------------------------------------------------- lesson 22: losses beyond pixels
    Exercise("contrastive_pair_loss", 22, "autoencoder", 1, "minigrad_ae/nn/beyond_pixels.py", "contrastive_loss",
             "In contrastive_loss: per_pair, the Tensor (batch,) of each pair's loss ℓᵢ (Hadsell, Chopra & LeCun "
             "2006), from the codes z1, z2 (batch, latent), the labels y (batch,) (1.0 similar, 0.0 dissimilar, "
             "z1's float dtype) and the float margin m > 0. Use the distance dᵢ = √(Σⱼ (z1ᵢⱼ − z2ᵢⱼ)² + "
             "DISTANCE_EPS). A similar pair pays its squared distance; a dissimilar pair pays the square of how "
             "far its distance falls short of m, and nothing once it is m or more apart. Autodiff ops only, no "
             "loop over pairs; the reduction is applied below the block.",
             ("y is 0 or 1: a sum of two terms, each multiplied by y or by 1 − y, picks one per pair.",
              "Which Tensor method is max(0, ·)? Keep the exact squared distance for the similar pairs: no root."),
             stub=_call("per_pair = stand_ins.contrastive_pair_loss(z1, z2, y, margin)")),
    # ---------------------------------------------------------------- lesson 23: hierarchical latents
    Exercise("gaussian_kl_between", 23, "autoencoder", 2, "minigrad_ae/models/hierarchical.py",
             "gaussian_kl_between",
             "In gaussian_kl_between: per_row, the Tensor of KL(N(μ, e^logvar) ‖ N(μₚ, e^logvarₚ)) between two "
             "diagonal Gaussians in closed form, summed over the last (latent) axis: shape (batch,) for inputs "
             "(batch, latent), () for (latent,). mu, logvar, prior_mu, prior_logvar are Tensors of one shape; "
             "use autodiff ops only, so the gradient reaches all four (the prior is learned). The reduction over "
             "the batch is applied below the block.",
             ("The units are independent: the KL is a sum of one-dimensional KLs. Write the log-density ratio "
              "log q(z) − log p(z) of two 1-d Gaussians and take its expectation under q.",
              "Under q, E[(z − μ)²] = σ² and E[(z − μₚ)²] = σ² + (μ − μₚ)². Check: with μₚ = logvarₚ = 0 it is "
              "F.gaussian_kl, and it is 0 when the two Gaussians are equal."),
             stub=_call("per_row = stand_ins.gaussian_kl_between(mu, logvar, prior_mu, prior_logvar)")),
    # ---------------------------------------------------------------- lesson 24: missing values
    Exercise("masked_reduction", 24, "autoencoder", 1, "minigrad_ae/nn/losses.py", "masked",
             "In masked(name, elementwise, mask, reduction, *data): reduce the Tensor `elementwise` (ℓ, the "
             "per-element losses) over the observed entries only. `observed` is a bool array that broadcasts to "
             "ℓ's shape (True where a value is observed) and `count` the number of observed entries of ℓ, both "
             "computed above the block. Return, as a Tensor of ℓ's dtype: for 'mean' the mean over the observed "
             "entries, for 'sum' their sum, for 'none' an array of ℓ's shape with every hidden entry 0. A hidden "
             "entry must get exactly zero gradient.",
             ("A bool array turned into 0s and 1s of ℓ's dtype keeps or drops an entry by multiplication, and "
              "autodiff then drops its gradient too.",
              "The mean over the observed entries divides by how many there are, not by ℓ's size."),
             stub=_call("return stand_ins.masked_reduction(elementwise, observed, reduction)")),
)

BY_ID = {exercise.id: exercise for exercise in EXERCISES}


def select(only=None, track=None):
    """The marked exercises a copy holds: all of them, those of one track, or the ids in ``only`` (checked)."""
    if track is not None and track not in TRACKS:
        raise ValueError(f"make-student: unknown track {track!r}; choose one of {', '.join(TRACKS)}.")
    if only:
        unknown = [i for i in only if i not in BY_ID]
        if unknown:
            raise ValueError(f"make-student: unknown exercise id(s) {', '.join(unknown)}; `minigrad-ae course list` "
                             "shows them all.")
        unmarked = [i for i in only if not BY_ID[i].marked]
        if unmarked:
            raise ValueError(f"make-student: {', '.join(unmarked)} have no solution markers in their files yet "
                             "(marked=False in minigrad_ae/course/exercises.py).")
    return tuple(e for e in EXERCISES if e.marked and (track is None or e.track == track)
                 and (not only or e.id in only))
