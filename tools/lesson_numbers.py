"""Copy the numbers README.md quotes from the lessons' own runs, so that none can drift from what the code does.

Every lesson run writes ``lessons/out/<lesson>.json`` (``minigrad_ae.lesson``, ``Lesson.finish``): its checks with
their raw values, the numbers it recorded with ``lesson.record``, and its run time. This script renders each README
section between two marker comments from the templates below, every number filled in from those files:

    <!-- numbers:lesson-table -->
    ... (written by this script)
    <!-- /numbers -->

Usage (from the repository root):

    minigrad-ae lessons run all                     # default runs write lessons/out/*.json
    python tools/lesson_numbers.py                  # rewrite the sections of README.md
    python tools/lesson_numbers.py --check          # exit 1, showing the difference, if README.md is out of date

A number is quoted only from a full run (not ``--quick``) with the default seed whose checks all held; anything else
stops the script with the lesson, the problem and what to do. To quote a new number, record it in the lesson
(``lesson.record(name, value)``), run the lesson, give it a field in ``quoted_numbers`` and use the field in a
template (``LESSON_ROWS``, ``MODEL_ROWS``, ``lesson_times``).
"""
import argparse
import datetime
import difflib
import json
import pathlib
import re
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKER = re.compile(r"(<!-- numbers:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /numbers -->)", re.DOTALL)


class NumbersError(Exception):
    """A number cannot be quoted: the message names the lesson, what is wrong and what to do."""


class Runs:
    """The lessons' JSON summaries in one folder, by lesson number; every read checks the run can be quoted."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        if not self.folder.is_dir():
            raise NumbersError(f"no lesson runs in {self.folder}: run the lessons first (`minigrad-ae lessons run "
                               "all`), or give their figures folder with --runs DIR.")
        self.paths = {int(path.name[:2]): path for path in sorted(self.folder.glob("[0-9][0-9]_*.json"))}
        self._loaded = {}

    def summary(self, lesson):
        """Lesson ``lesson``'s summary (title, quick, seed, seconds, checks, numbers), refused unless quotable."""
        if lesson not in self._loaded:
            if lesson not in self.paths:
                raise NumbersError(f"lesson {lesson}: no run in {self.folder}; run it by default "
                                   f"(`minigrad-ae lessons run {lesson}`).")
            summary = json.loads(self.paths[lesson].read_text(encoding="utf-8"))
            problem = unquotable(summary)
            if problem:
                raise NumbersError(f"lesson {lesson}: {self.paths[lesson].name} cannot be quoted, {problem}; run it "
                                   f"by default (`minigrad-ae lessons run {lesson}`) and make its checks hold.")
            self._loaded[lesson] = summary
        return self._loaded[lesson]

    def check(self, lesson, name):
        """The raw value of lesson ``lesson``'s check called ``name``."""
        checks = {check["name"]: check["value"] for check in self.summary(lesson)["checks"]}
        return self._lookup(lesson, checks, name, "check")

    def number(self, lesson, name):
        """The value lesson ``lesson`` recorded as ``name`` (``lesson.record``)."""
        return self._lookup(lesson, self.summary(lesson)["numbers"], name, "recorded number")

    def numbers_containing(self, lesson, text):
        """The values lesson ``lesson`` recorded under every name that contains ``text``: one quantity measured in
        several settings (e.g. ``'…: DAE MSE / corrupted input's'`` for each corruption)."""
        numbers = self.summary(lesson)["numbers"]
        found = [value for name, value in numbers.items() if text in name]
        return found or [self._lookup(lesson, numbers, f"… {text} …", "recorded number")]

    def seconds(self, lesson):
        """How long lesson ``lesson`` ran, from its start to its table of checks."""
        return self.summary(lesson)["seconds"]

    def lessons(self):
        """The numbers of the lessons that ran."""
        return sorted(self.paths)

    def date(self):
        """The day (UTC) the newest of the runs was written."""
        newest = max(path.stat().st_mtime for path in self.paths.values())
        return datetime.datetime.fromtimestamp(newest, datetime.timezone.utc).date().isoformat()

    def _lookup(self, lesson, values, name, kind):
        if name not in values:
            known = "\n  ".join(values) or "(none)"
            raise NumbersError(f"lesson {lesson} has no {kind} {name!r} in {self.paths[lesson].name}; it has:\n  "
                               f"{known}")
        return values[name]


def unquotable(summary):
    """Why the README must not quote this run (a sentence), or None: only a full run with seed 0 whose checks held."""
    failed = [check["name"] for check in summary["checks"] if not check["passed"]]
    if summary["quick"]:
        return "it was a --quick run"
    if summary["seed"] != 0:
        return f"it ran with seed {summary['seed']}, not 0"
    if failed:
        return f"its checks failed: {', '.join(failed)}"
    return None


def duration(seconds):
    """'1 min 54 s' for 114.3, '9.6 s' below a minute."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def span(values, spec):
    """'0.25–0.28' (or '94.4–96.1%') for several values formatted with ``spec``; one number if they print the same."""
    low, high = format(min(values), spec), format(max(values), spec)
    if low == high:
        return low
    return f"{low[:-1]}–{high}" if low.endswith("%") else f"{low}–{high}"


# The two tables: their text, with {fields} that quoted_numbers fills from the runs.
LESSON_ROWS = {
    0: ("00_autodiff_from_scratch.py", "the chain rule by hand, by `backward()` and by finite differences; the "
        "graph drawn; a new op (softplus)"),
    1: ("01_gradient_checking.py", "forward vs central differences, the ε sweet spot in float32/64, relative-error "
        "thresholds, kinks, buggy ops, random upstream gradients, broadcasting, directional checks"),
    2: ("02_linear_autoencoder.py", "closed-form gradients three ways; a trained linear AE reaches PCA's optimum "
        "({linear_excess} above, never below) and spans its subspace, not its axes"),
    3: ("03_undercomplete_autoencoder.py", "shrink rule, LeakyReLU vs dead ReLU units, Kaiming init measured, "
        "sigmoid/tanh, MSE/BCE; beats PCA at the same code size"),
    4: ("04_sparse_autoencoder.py", "the identity trap; KL sparsity, the hand-derived δ (and the misprinted one "
        "failing), ReLU averages refused, β = 3 vs 0 vs L1"),
    5: ("05_denoising_autoencoder.py", "three corruptions, the criterion by hand, Gaussian noise = weight decay "
        "(linear case), error vs noise level vs a plain AE"),
    6: ("06_contractive_autoencoder.py", "closed-form Jacobian penalty vs explicit Jacobian, its gradient, "
        "sensitivity/reconstruction trade-off, Jacobian spectra"),
    7: ("07_variational_autoencoder.py", "pathwise vs score-function gradients, closed-form KL vs Monte Carlo, ELBO "
        "curves, samples, 2-D latent space, interpolation"),
    8: ("08_stacked_autoencoder.py", "greedy pretraining with real freezing, fine-tuning to {stacked_accuracy}, vs "
        "random init at equal budgets, probes, few labels"),
    9: ("09_asymmetric_autoencoder.py", "shallow/deep encoder and decoder at equal parameters; recon + α·class + "
        "β·sparse, each part gradient-checked"),
    10: ("10_training_toolkit.py", "SGD, momentum, RMSprop, Adam (a step by hand); cyclical lr; weight decay, "
         "dropout, BatchNorm placement; early stopping"),
    11: ("11_anomaly_detection.py", "reconstruction error as a score; threshold, confusion counts, ROC and AUC "
         "({anomaly_auc_short}) on held-out digit classes"),
    12: ("12_latent_spaces.py", "code energy vs what the decoder needs, 2-D projections, k-NN in code space, "
         "smoothness along latent lines"),
    13: ("13_adversarial_autoencoder.py", "a discriminator on z matches the codes to a ring-of-Gaussians prior; each "
         "phase moves only its own player"),
    14: ("14_vq_vae.py", "nearest-code quantisation as one matmul, straight-through gradients, codebook/commitment "
         "losses, dead codes"),
    15: ("15_rate_distortion.py", "a β-VAE sweep: the rate–distortion curve, I(x; z) ≤ R, active units and posterior "
         "collapse"),
    16: ("16_convolutional_autoencoder.py", "im2col by hand, output sizes, ConvTranspose2d as Conv2d's adjoint, conv "
         "vs MLP AE"),
    17: ("17_tsne.py", "exact t-SNE from scratch (perplexity by bisection, early exaggeration, the Student-t gradient "
         "four ways, a numba kernel); PCA vs t-SNE on the digits and on AE codes; perplexity 5/30/100; what map sizes "
         "and distances do not mean"),
    18: ("18_gradients_of_gradients.py", "the double-backward graph; the linear AE's Hessian at PCA's optimum "
         "(κ, Jacobi rescaling); 2/λ_max, GD vs Adam; Newton's step; the contractive penalty by autodiff"),
    19: ("19_from_pytorch.py", "the course material's PyTorch examples ported line by line, run on bundled data, and "
         "held against PyTorch itself when it is installed"),
    20: ("20_residual_and_skip_connections.py", "y = x + f(x): the gradient reaching each layer of a deep AE, plain vs "
         "residual; encoder→decoder skips that let the decoder ignore the code"),
    21: ("21_debugging_an_autoencoder.py", "the troubleshooting table as experiments (two rows do not survive), the "
         "checklist, three bugs from tutorial code"),
    22: ("22_contrastive_adversarial_perceptual_losses.py", "a contrastive loss on codes (k-NN accuracy of 2-D codes, "
         "same MSE); the image-space adversarial loss, saturating vs non-saturating (the gradient while D rejects); a "
         "perceptual loss through a frozen classifier, judged by another"),
    23: ("23_hierarchical_latents_and_information_bottleneck.py", "a two-level VAE (z₂ drawn given z₁): what each "
         "level carries by probes, code swaps and resampling (the widths, not the order, decide); the information "
         "bottleneck as the β-VAE sweep, in the information plane"),
    24: ("24_missing_values_and_transfer.py", "unscaled targets leave BCE without a minimum; min-max vs "
         "standardisation traps; imputation with `mse_loss(…, mask=m)` vs column means; an encoder pretrained on "
         "digits 0–4 reused for 5–9 with 1–50 labels per class: frozen, fine-tuned, from scratch"),
}


MODEL_ROWS = [
    ("`LinearAutoencoder` + `pca`", "`closed_form_grads` from ∂L/∂W2 = (x̂ − x)zᵀ, …; `subspace_alignment`",
     "k = 5 on digits: within {linear_excess} of PCA's optimal error, never below; spans the principal subspace "
     "(min cos {linear_min_cos}) but not the components (lesson 2)"),
    ("`Autoencoder`, `shrink_sizes`", "MLP AE, LeakyReLU(0.1), Kaiming init, `recon` sigmoid/tanh out, MSE/BCE",
     "{ae_data} 64-32-16-8: held-out {ae_error} per image vs PCA-8 {ae_pca_error} (lesson 3)"),
    ("`SparseAutoencoder`", "`manual_grads`: KL term inside f′ (and the misprinted form, which fails the check)",
     "ρ = 0.05, β = 3: mean activation {sparse_rho} (β = 0: {sparse_rho_free}) (lesson 4)"),
    ("`DenoisingAutoencoder`", "Gaussian / masking / salt-and-pepper, scored against the clean x",
     "{dae_data}: DAE error {dae_ratios}× the corrupted input's, for each corruption (lesson 5)"),
    ("`ContractiveAutoencoder`", "`F.contractive_penalty` = Σⱼ(hⱼ(1−hⱼ))² Σᵢ Wⱼᵢ², vs the explicit Jacobian",
     "{cae_data}: code sensitivity {cae_sensitivity_0} (λ = 0) → {cae_sensitivity_01} (λ = 0.1) (lesson 6)"),
    ("`VAE`, `kl_grads`, `reparam_grads`", "reparameterization, closed-form KL, `elbo`, `sample`, `interpolate`",
     "{vae_data} {vae_sizes}: held-out −ELBO {vae_start} → {vae_end} in {vae_epochs} epochs; samples in lesson 7"),
    ("`StackedAutoencoder`, `mg.pretraining`",
     "greedy pretraining with real freezing, then fine-tuning (`pretrain_layer`, `pretrain`, `fine_tune`)",
     "{stacked_data}: {stacked_accuracy} held-out accuracy (lesson 8)"),
    ("`AsymmetricAutoencoder`", "independent depths; L = recon + α·class + β·L1",
     "{asymmetric_data}: with α > 0 the code classifies {asymmetric_accuracies} vs {asymmetric_probe} for a probe "
     "on α = 0 codes (lesson 9)"),
    ("`AdversarialAutoencoder`, priors", "discriminator on z (its own slope, logit or probability output); "
     "`fit(…, step=AdversarialAutoencoder.train_step)`",
     "codes match a 10-Gaussian ring prior (energy distance {aae_energy_init} → {aae_energy}; prior samples "
     "themselves: {aae_energy_floor}) (lesson 13)"),
    ("`VQVAE`, `F.vector_quantize`", "straight-through estimator, codebook/commitment losses, dead-code restarts",
     "perplexity {vq_perplexity} of {vq_codes} codes with restarts, {vq_perplexity_plain} without (lesson 14)"),
    ("`HierarchicalVAE`, `gaussian_kl_between`", "coarse z₁ ~ N(0, I), fine z₂ ~ p(z₂ ∣ z₁) (a learned prior, KL₂ "
     "against it); `level_terms`, `sample_fine`, `decode_levels`",
     "digits, z₁ 6 / z₂ 2 units: an image decoded from swapped codes reads as the z₁ donor's digit {hvae_z1_swap} "
     "(the z₂ donor's: {hvae_z2_swap}) (lesson 23)"),
    ("`ResidualAutoencoder`, `SkipAutoencoder`, `nn.Residual`", "y = x + f(x) blocks; encoder→decoder skips",
     "the gradient reaching each layer, plain vs residual; skips that bypass the code (lesson 20)"),
    ("`anomaly_scores`, `roc_curve`, `auc`", "reconstruction error as a score",
     "{anomaly_data} {anomaly_normal} normal: AUC {anomaly_auc} on held-out classes {anomaly_held_out} "
     "(lesson 11)"),
]
DATA_NAMES = {"digits": "digits", "mnist-sample": "MNIST sample", "mnist": "MNIST"}


def quoted_numbers(runs):
    """Every number the sections quote, formatted, by the name the templates above use."""
    excess = runs.check(2, "AE error within 1% of PCA's optimum: excess")
    stacked = runs.number(8, "stacked AE held-out accuracy, pretrained + fine-tuned")
    auc = runs.number(11, "anomaly detection AUC")
    energy = {name: runs.number(13, f"energy distance to the prior, {name}")
              for name in ("prior sample (floor)", "codes at init", "AAE codes")}
    return {
        "linear_excess": f"{excess:.3%}",
        "linear_min_cos": f"{float(runs.check(2, 'spans the principal subspace: min cos θ > 0.99')):.4f}",
        "ae_data": DATA_NAMES[runs.number(3, "data")],
        "ae_error": f"{runs.number(3, 'held-out error per image, AE 64-32-16-8'):.2f}",
        "ae_pca_error": f"{runs.number(3, 'held-out error per image, PCA-8'):.2f}",
        "sparse_rho": f"{runs.number(4, 'mean activation, β = 3'):.4f}",
        "sparse_rho_free": f"{runs.number(4, 'mean activation, β = 0'):.3f}",
        "dae_data": DATA_NAMES[runs.number(5, "data")],
        "dae_ratios": span(runs.numbers_containing(5, ": DAE MSE / corrupted input's"), ".2f"),
        "cae_data": DATA_NAMES[runs.number(6, "data")],
        "cae_sensitivity_0": f"{runs.number(6, 'code sensitivity, λ = 0'):.2f}",
        "cae_sensitivity_01": f"{runs.number(6, 'code sensitivity, λ = 0.1'):.2f}",
        "vae_data": DATA_NAMES[runs.number(7, "VAE data")],
        "vae_sizes": runs.number(7, "VAE sizes"),
        "vae_start": f"{runs.number(7, 'VAE held-out negative ELBO, untrained (nats)'):.0f}",
        "vae_end": f"{runs.number(7, 'VAE held-out negative ELBO, trained (nats)'):.0f}",
        "vae_epochs": runs.number(7, "VAE epochs"),
        "stacked_data": DATA_NAMES[runs.number(8, "stacked AE data")],
        "stacked_accuracy": f"{stacked:.1%}",
        "asymmetric_data": DATA_NAMES[runs.number(9, "asymmetric AE data")],
        "asymmetric_accuracies": span(runs.numbers_containing(9, "held-out accuracy of its classifier, α = "), ".1%"),
        "asymmetric_probe": f"{runs.number(9, 'asymmetric AE linear probe accuracy, α = 0 codes'):.1%}",
        "anomaly_data": DATA_NAMES[runs.number(11, "anomaly detection data")],
        "anomaly_normal": runs.number(11, "anomaly detection normal digits"),
        "anomaly_held_out": runs.number(11, "anomaly detection held-out digits"),
        "anomaly_auc": f"{auc:.3f}",
        "anomaly_auc_short": f"{auc:.2f}",
        "aae_energy_floor": f"{energy['prior sample (floor)']:.3f}",
        "aae_energy_init": f"{energy['codes at init']:.2f}",
        "aae_energy": f"{energy['AAE codes']:.3f}",
        "vq_perplexity": f"{runs.number(14, 'held-out perplexity, dead-code restarts'):.0f}",
        "hvae_z1_swap": f"{runs.number(23, 'model A: swapped image reads as the z₁ donor' + chr(39) + 's digit'):.0%}",
        "hvae_z2_swap": f"{runs.number(23, 'model A: swapped image reads as the z₂ donor' + chr(39) + 's digit'):.0%}",
        "vq_perplexity_plain": f"{runs.number(14, 'held-out perplexity, no restarts'):.0f}",
        "vq_codes": runs.number(14, "codebook size K"),
    }


def lesson_table(runs):
    """The lessons, one row each: file, what it shows, how long its default run took."""
    numbers = quoted_numbers(runs)
    rows = [f"| {lesson} | `{file}` | {shows.format(**numbers)} | {runs.seconds(lesson):.1f} s |"
            for lesson, (file, shows) in LESSON_ROWS.items()]
    return "\n".join(["| # | lesson | what it shows | default run |", "|---|---|---|---|", *rows]) + "\n"


def lesson_times(runs):
    """When the lesson table's times were measured, and their total."""
    total = sum(runs.seconds(lesson) for lesson in LESSON_ROWS)
    return textwrap.fill(
        f"Times: one default run of each lesson (`minigrad-ae lessons run all`, one BLAS thread) on this shared "
        f"2-core machine, {runs.date()}, from the lesson's start to its table of checks: {duration(total)} for all "
        f"{len(LESSON_ROWS)}. The machine is shared: these times grow and shrink with its load (a crowded run took "
        "5-10× longer).", width=114) + "\n"


def model_table(runs):
    """The autoencoder family, one row per model, with what its lesson measured on the bundled data."""
    numbers = quoted_numbers(runs)
    rows = [f"| {model} | {special} | {measured.format(**numbers)} |" for model, special, measured in MODEL_ROWS]
    return "\n".join(["| model | what is special | measured on bundled data |", "|---|---|---|", *rows]) + "\n"


SECTIONS = {"lesson-table": lesson_table, "lesson-times": lesson_times, "model-table": model_table}


def render(text, runs):
    """``text`` (a README) with each marked section rewritten from ``runs``; every section must be known."""
    without_row = sorted(set(runs.lessons()) - set(LESSON_ROWS))
    if without_row:  # every lesson that runs is in the table
        raise NumbersError(f"lesson(s) {without_row} ran but have no row in the lesson table: add each to "
                           "LESSON_ROWS in tools/lesson_numbers.py.")

    def rewrite(match):
        name = match["name"]
        if name not in SECTIONS:
            raise NumbersError(f"README section <!-- numbers:{name} --> has no template; known: {', '.join(SECTIONS)}")
        return f"{match[1]}\n{SECTIONS[name](runs)}\n{match[4]}"  # blank lines: Markdown sees a table, not HTML

    return MARKER.sub(rewrite, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare: exit 1 if the README is out of date")
    parser.add_argument("--readme", type=pathlib.Path, default=ROOT / "README.md", help="default: README.md")
    parser.add_argument("--runs", type=pathlib.Path, default=ROOT / "lessons" / "out",
                        help="folder of the lessons' JSON summaries (default: lessons/out)")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    found = [match["name"] for match in MARKER.finditer(text)]
    if not found:
        print(f"lesson_numbers: {args.readme} has no <!-- numbers:NAME --> … <!-- /numbers --> section.",
              file=sys.stderr)
        return 2
    try:
        new = render(text, Runs(args.runs))
    except NumbersError as error:
        print(f"lesson_numbers: {error}", file=sys.stderr)
        return 2
    if new == text:
        print(f"{args.readme.name}: sections {', '.join(found)} match the runs in {args.runs}")
        return 0
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                   f"{args.readme.name} (now)", f"{args.readme.name} (from the runs)"))
        print(f"\n{args.readme.name} differs from the lesson runs: run `python tools/lesson_numbers.py` to update it.")
        return 1
    args.readme.write_text(new, encoding="utf-8")
    print(f"{args.readme.name}: rewrote sections {', '.join(found)} from the runs in {args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
