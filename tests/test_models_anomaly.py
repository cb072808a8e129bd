"""Anomaly scores, thresholds, ROC curve and AUC."""
import numpy as np
import pytest

import minigrad_ae as mg
from minigrad_ae.models.anomaly import anomaly_scores, auc, roc_curve, threshold_from_scores
from minigrad_ae.models.autoencoder import Autoencoder
from minigrad_ae.models.linear import LinearAutoencoder


def test_scores_use_reconstruction_error_or_the_squared_error_per_feature():
    X = np.random.default_rng(0).random((12, 6))
    model = Autoencoder([6, 3], rng=np.random.default_rng(1))
    np.testing.assert_array_equal(anomaly_scores(model, X), model.reconstruction_error(X))
    linear = LinearAutoencoder(6, 3, rng=np.random.default_rng(2))
    plain = mg.nn.Sequential(linear.encoder, linear.decoder)  # the same map, with no reconstruction_error
    scores = anomaly_scores(plain, X)
    np.testing.assert_allclose(scores, anomaly_scores(linear, X), rtol=1e-6)
    with mg.no_grad():
        expected = ((X - plain(X).data) ** 2).sum(axis=1) / 6
    assert scores.shape == (12,)
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"anomaly_scores: X must be \(n_samples, n_features\), got shape \(6,\)"):
        anomaly_scores(model, X[0])


def test_threshold_flags_the_chosen_share_of_normal_data():
    scores = np.random.default_rng(3).exponential(size=1000)
    threshold = threshold_from_scores(scores, quantile=0.95)
    assert np.mean(scores > threshold) == pytest.approx(0.05, abs=0.002)
    assert threshold_from_scores(scores, 1.0) == scores.max()
    with pytest.raises(ValueError, match=r"threshold_from_scores: quantile must lie in \[0, 1\], got 95"):
        threshold_from_scores(scores, 95)
    with pytest.raises(ValueError, match=r"threshold_from_scores: scores hold NaN/Inf \(first at index 1\)"):
        threshold_from_scores([0.1, np.nan], 0.5)


def test_roc_curve_points_on_a_small_case():
    fpr, tpr, thresholds = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    np.testing.assert_array_equal(fpr, [0, 0, 0.5, 0.5, 1])
    np.testing.assert_array_equal(tpr, [0, 0.5, 0.5, 1, 1])
    np.testing.assert_array_equal(thresholds, [np.inf, 0.8, 0.4, 0.35, 0.1])
    assert auc(fpr, tpr) == 0.75


def test_auc_known_answers():
    is_anomaly = np.r_[np.zeros(50, bool), np.ones(30, bool)]
    separated = np.r_[np.linspace(0, 1, 50), np.linspace(2, 3, 30)]
    assert auc(*roc_curve(separated, is_anomaly)[:2]) == 1.0
    assert auc(*roc_curve(-separated, is_anomaly)[:2]) == 0.0
    assert auc(*roc_curve(np.ones(80), is_anomaly)[:2]) == 0.5  # all tied: no information
    rng = np.random.default_rng(4)
    labels = rng.random(4000) < 0.3
    assert auc(*roc_curve(rng.random(4000), labels)[:2]) == pytest.approx(0.5, abs=0.03)


def test_auc_is_the_probability_an_anomaly_outscores_a_normal_sample():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 6, 60).astype(float)  # many ties
    labels = rng.random(60) < 0.4
    pairs = scores[labels][:, None] - scores[~labels][None, :]
    expected = np.mean(pairs > 0) + 0.5 * np.mean(pairs == 0)
    assert auc(*roc_curve(scores, labels)[:2]) == pytest.approx(expected, rel=1e-12)


def test_roc_and_auc_errors():
    with pytest.raises(ValueError, match=r"roc_curve: needs both normal and anomalous samples, got 0 anomalies"):
        roc_curve([0.1, 0.2], [False, False])
    with pytest.raises(ValueError, match=r"roc_curve: is_anomaly must be booleans.*got shape \(3,\)"):
        roc_curve([0.1, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match=r"auc: fpr must be non-decreasing"):
        auc([0, 1, 0.5], [0, 1, 1])
    with pytest.raises(ValueError, match=r"auc: fpr and tpr must be 1-d arrays of the same length"):
        auc([0, 1], [0, 0.5, 1])
