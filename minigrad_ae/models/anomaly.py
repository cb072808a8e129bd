"""Anomaly detection with an autoencoder: a model trained on normal data reconstructs normal samples
well and unusual ones badly, so the reconstruction error is an anomaly score.

Flag x when score(x) > threshold (a high quantile of the scores of normal data); judge the score as a
detector, whatever the threshold, by the ROC curve and the area under it (AUC).
"""
import numpy as np

from ..autodiff import as_array, float64_array, no_grad
from ..validate import is_real


def anomaly_scores(model, X):
    """Per-sample reconstruction error (n,): ``model.reconstruction_error(X)`` when the model has it,
    else ‖x − model(x)‖² / n_features.  X (n, n_features)."""
    if isinstance(model, type) or not callable(model):
        raise TypeError(f"anomaly_scores: model must be a trained autoencoder (called as model(X)), got "
                        f"{type(model).__name__} {model!r:.40}.")
    # a model of the family checks its own input width and dtype, here, so its errors name anomaly_scores
    X = (model.check_input(X, "anomaly_scores", "X") if hasattr(model, "check_input")
         else as_array(X, "X", "anomaly_scores"))
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"anomaly_scores: X must be (n_samples, n_features), got shape {X.shape}; flatten images "
                         "first, e.g. X.reshape(len(X), -1), and check that the slice is not empty.")
    if hasattr(model, "reconstruction_error"):
        return np.asarray(model.reconstruction_error(X))
    with no_grad():
        X_hat = model(X).data
    return np.mean((X - X_hat) ** 2, axis=1)


def threshold_from_scores(scores, quantile=0.95):
    """The score above which a sample is flagged: the ``quantile`` of the scores of normal data, so that
    a fraction 1 − quantile of normal samples is flagged (the false-positive rate you accept)."""
    scores = _check_scores("threshold_from_scores", scores)
    if not (is_real(quantile) and 0 <= quantile <= 1):
        raise ValueError(f"threshold_from_scores: quantile must lie in [0, 1], got {quantile!r} "
                         "(0.95 flags about 5% of normal samples).")
    return float(np.quantile(scores, quantile))


def roc_curve(scores, is_anomaly):
    """(fpr, tpr, thresholds) of the detector 'anomaly when score ≥ t', one point per distinct score t, highest first.

    fpr = flagged normals / normals, tpr = flagged anomalies / anomalies; the curve starts at
    (0, 0) with t = +inf (nothing flagged) and ends at (1, 1) (everything flagged).
    """
    scores = _check_scores("roc_curve", scores)
    is_anomaly = as_array(is_anomaly, "is_anomaly", "roc_curve")
    if is_anomaly.shape != scores.shape or not np.isin(is_anomaly, (0, 1)).all():
        raise ValueError(f"roc_curve: is_anomaly must be booleans (or 0/1) shaped like scores {scores.shape}, got "
                         f"shape {is_anomaly.shape} with values {np.unique(is_anomaly)[:5]}.")
    is_anomaly = is_anomaly.astype(bool)
    n_anomalies = is_anomaly.sum()
    if n_anomalies in (0, len(scores)):
        raise ValueError(f"roc_curve: needs both normal and anomalous samples, got {n_anomalies} anomalies out "
                         f"of {len(scores)}; a rate with an empty class would be 0/0.")
    order = np.argsort(-scores, kind="stable")
    scores, is_anomaly = scores[order], is_anomaly[order]
    # lowering t past a run of tied scores flags the whole run at once: one point per last index of a run
    last_of_run = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    true_pos = np.cumsum(is_anomaly)[last_of_run]
    false_pos = (last_of_run + 1) - true_pos
    fpr = np.r_[0.0, false_pos / (len(scores) - n_anomalies)]
    tpr = np.r_[0.0, true_pos / n_anomalies]
    return fpr, tpr, np.r_[np.inf, scores[last_of_run]]


def auc(fpr, tpr):
    """Area under the ROC curve by the trapezoid rule: 1 = perfect ranking, 0.5 = chance, 0 = reversed.

    Equals the probability that a random anomaly scores higher than a random normal sample (ties count ½).
    """
    fpr, tpr = float64_array(fpr, "fpr", "auc"), float64_array(tpr, "tpr", "auc")
    if fpr.shape != tpr.shape or fpr.ndim != 1 or len(fpr) < 2:
        raise ValueError(f"auc: fpr and tpr must be 1-d arrays of the same length >= 2 (from roc_curve), got shapes "
                         f"{fpr.shape} and {tpr.shape}.")
    if not (np.isfinite(fpr).all() and np.isfinite(tpr).all()):
        raise ValueError("auc: fpr and tpr hold NaN/Inf; pass the rates roc_curve returns.")
    if np.any(np.diff(fpr) < 0):
        raise ValueError("auc: fpr must be non-decreasing, as roc_curve returns it; do not sort or shuffle the "
                         "points separately.")
    return float(np.trapezoid(tpr, fpr))


def _check_scores(caller, scores):
    scores = float64_array(scores, "scores", caller)
    if scores.ndim != 1 or len(scores) == 0:
        raise ValueError(f"{caller}: scores must be a non-empty 1-d array, one per sample, got shape {scores.shape}.")
    if not np.isfinite(scores).all():
        raise ValueError(f"{caller}: scores hold NaN/Inf (first at index {np.flatnonzero(~np.isfinite(scores))[0]}); "
                         "check the model's reconstructions.")
    return scores
