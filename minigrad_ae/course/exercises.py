"""The exercises: where each solution lives, what the student is asked, and a hint for a failed check.

A solution is the code between two marker lines in that file (any indentation)::

    # BEGIN SOLUTION <id>
    ...the reference solution...
    # END SOLUTION

``make_student`` replaces it with ``raise NotImplementedError("Exercise <id>: <task>")``; the check of
the same id (``checks.py``) grades the student's version.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    id: str
    path: str   # relative to the repository root
    task: str   # one sentence, shown in the student's NotImplementedError and the grade table
    hint: str   # shown when the check fails


EXERCISES = (
    Exercise("mul_backward", "minigrad_ae/autodiff/ops.py",
             "return the gradients of z = a * b w.r.t. a and b (None where not needed)",
             "∂L/∂a = g ⊙ b and ∂L/∂b = g ⊙ a; the engine sums broadcast axes for you"),
    Exercise("sigmoid_backward", "minigrad_ae/autodiff/ops.py",
             "return the gradient of z = sigmoid(a) w.r.t. a, from the saved output z",
             "σ'(a) = σ(a)(1 − σ(a)) = z(1 − z); multiply by the upstream gradient g"),
    Exercise("kl_sparsity_backward", "minigrad_ae/nn/fused.py",
             "return the gradient of Σ_j KL(ρ‖ρ̂_j) w.r.t. ρ̂",
             "∂KL/∂ρ̂_j = −ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j), times g"),
    Exercise("linear_ae_closed_form", "minigrad_ae/models/linear.py",
             "compute the four closed-form gradients of L = ½ Σ‖x − x̂‖² for a batch",
             "E = X̂ − X: dW2 = Eᵀ Z, db2 = Σ E, dW1 = (E W2)ᵀ X, db1 = Σ E W2"),
    Exercise("vae_kl_grads", "minigrad_ae/models/vae.py",
             "return ∂KL/∂μ and ∂KL/∂logvar of the closed-form Gaussian KL",
             "∂KL/∂μ = μ and ∂KL/∂logvar = ½(e^logvar − 1)"),
    Exercise("vae_reparam_grads", "minigrad_ae/models/vae.py",
             "return ∂L/∂μ and ∂L/∂logvar through z = μ + e^{½ logvar} ε, given ∂L/∂z",
             "∂z/∂μ = 1 and ∂z/∂logvar = ½ e^{½ logvar} ε, elementwise"),
    Exercise("lesson0_softplus", "lessons/00_autodiff_from_scratch.py",
             "write Softplus.backward: the gradient of log(1 + eˣ) times g",
             "d/dx log(1 + eˣ) = σ(x) = 1 / (1 + e⁻ˣ); the lesson's gradcheck must pass"),
)

BY_ID = {exercise.id: exercise for exercise in EXERCISES}
