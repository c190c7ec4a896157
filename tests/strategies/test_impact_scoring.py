"""Proper scoring rules for cost quantiles: hand-computed values, the normal's closed-form CRPS, and the report."""

from __future__ import annotations

import io
import math
from statistics import NormalDist

import numpy as np
import pytest

from strategies.impact.quantiles import QUANTILES
from strategies.impact.scoring import (
    ScoreRow,
    brier,
    calibration_figure,
    coverage,
    crps_from_quantiles,
    crps_weights,
    format_table,
    median_mae,
    pinball_loss,
    score,
    score_by_bucket,
)

Z = np.array([NormalDist().inv_cdf(t) for t in QUANTILES])


def normal_quantiles(mu: np.ndarray, sd: np.ndarray, levels: np.ndarray) -> np.ndarray:
    z = np.array([NormalDist().inv_cdf(float(t)) for t in levels])
    return np.asarray(mu[:, None] + sd[:, None] * z[None, :], dtype=np.float64)


def normal_crps(mu: np.ndarray, sd: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Closed-form CRPS of N(mu, sd²) at y (Gneiting, Raftery, Westveld & Goldman 2005)."""
    z = (y - mu) / sd
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    return np.asarray(sd * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / math.sqrt(math.pi)), dtype=np.float64)


def test_pinball_loss_by_hand() -> None:
    y = np.array([1.0, 3.0])
    q = np.array([[2.0, 2.0], [2.0, 2.0]])
    # Level 0.1: y=1 is 1 below q (loss 0.9·1), y=3 is 1 above (loss 0.1·1); level 0.5: 0.5 each.
    np.testing.assert_allclose(pinball_loss(y, q, (0.1, 0.5)), [0.5, 0.5])
    q2 = np.array([[0.0, 4.0], [0.0, 4.0]])
    # Level 0.25 at 0: 0.25·1 and 0.25·3; level 0.75 at 4: 0.25·3 and 0.25·1.
    np.testing.assert_allclose(pinball_loss(y, q2, (0.25, 0.75)), [0.5, 0.5])


def test_crps_weights_split_the_unit_interval_at_midpoints() -> None:
    np.testing.assert_allclose(crps_weights(QUANTILES), [0.075, 0.1, 0.2, 0.25, 0.2, 0.1, 0.075])
    np.testing.assert_allclose(crps_weights([0.125, 0.375, 0.625, 0.875]), [0.25] * 4)


def test_crps_by_hand_on_two_levels() -> None:
    # Levels 0.25 and 0.75 weigh 0.5 each; y = 3 is 3 above q=0 (0.25·3) and 1 above q=2 (0.75·1).
    assert crps_from_quantiles([3.0], [[0.0, 2.0]], (0.25, 0.75)) == pytest.approx(2 * (0.5 * 0.75 + 0.5 * 0.75))


def test_crps_of_a_point_forecast_is_its_absolute_error() -> None:
    y = np.array([0.0, 5.0, -2.0])
    q = np.repeat(np.array([[1.0], [1.0], [1.0]]), len(QUANTILES), axis=1)
    assert crps_from_quantiles(y, q, QUANTILES) == pytest.approx(np.mean(np.abs(y - 1.0)))


def test_crps_converges_to_the_normal_closed_form_on_a_fine_grid() -> None:
    rng = np.random.default_rng(5)
    n, m = 400, 2000
    mu = rng.normal(0.0, 10.0, n)
    sd = rng.uniform(1.0, 20.0, n)
    y = mu + sd * rng.normal(0.5, 1.5, n)  # outcomes off the forecast too, not only typical ones
    levels = (np.arange(m) + 0.5) / m
    approx = crps_from_quantiles(y, normal_quantiles(mu, sd, levels), levels.tolist())
    assert approx == pytest.approx(float(np.mean(normal_crps(mu, sd, y))), rel=2e-3)


def test_crps_on_the_seven_levels_is_close_to_and_ranks_like_the_true_crps() -> None:
    rng = np.random.default_rng(6)
    n = 20_000
    mu, sd = np.zeros(n), np.full(n, 10.0)
    y = rng.normal(0.0, 10.0, n)
    truth = crps_from_quantiles(y, normal_quantiles(mu, sd, np.array(QUANTILES)), QUANTILES)
    assert truth == pytest.approx(float(np.mean(normal_crps(mu, sd, y))), rel=0.05)
    too_narrow = crps_from_quantiles(y, normal_quantiles(mu, sd / 2, np.array(QUANTILES)), QUANTILES)
    shifted = crps_from_quantiles(y, normal_quantiles(mu + 5.0, sd, np.array(QUANTILES)), QUANTILES)
    assert truth < too_narrow and truth < shifted


def test_median_mae_and_coverage_by_hand() -> None:
    levels = (0.25, 0.5, 0.75)
    q = np.array([[0.0, 1.0, 2.0]] * 4)
    y = np.array([-1.0, 0.0, 1.5, 3.0])
    assert median_mae(y, q, levels) == pytest.approx((2.0 + 1.0 + 0.5 + 2.0) / 4)
    assert coverage(y, q, levels, 50) == pytest.approx(0.5)  # 0.0 (an end) and 1.5


def test_coverage_of_exact_normal_quantiles_is_nominal() -> None:
    rng = np.random.default_rng(8)
    n = 40_000
    mu, sd = rng.normal(0.0, 30.0, n), rng.uniform(1.0, 50.0, n)
    y = rng.normal(mu, sd)
    q = normal_quantiles(mu, sd, np.array(QUANTILES))
    for width in (50, 80, 90):
        assert coverage(y, q, QUANTILES, width) == pytest.approx(width / 100, abs=0.01)


def test_brier_by_hand() -> None:
    assert brier([0.2, 0.9], [5.0, 20.0], 10.0) == pytest.approx((0.2**2 + 0.1**2) / 2)
    assert brier([1.0, 0.0], [10.0, 10.1], 10.0) == pytest.approx(1.0)  # "> threshold" is strict


def _forecast(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    mu, sd = rng.uniform(0.0, 20.0, n), rng.uniform(2.0, 10.0, n)
    return rng.normal(mu, sd), normal_quantiles(mu, sd, np.array(QUANTILES))


def test_score_gathers_every_rule() -> None:
    y, q = _forecast(500, 9)
    row = score("m", y, q, QUANTILES, threshold_bps=12.0)
    assert (row.model, row.bucket, row.n, row.threshold_bps) == ("m", "all", 500, 12.0)
    np.testing.assert_allclose(row.pinball, pinball_loss(y, q, QUANTILES))
    assert row.crps == pytest.approx(crps_from_quantiles(y, q, QUANTILES))
    assert row.mae_median == pytest.approx(median_mae(y, q, QUANTILES))
    assert row.coverage == {w: coverage(y, q, QUANTILES, w) for w in (50, 80, 90)}
    sure = score("m", y, q, QUANTILES, threshold_bps=12.0, p_exceed=(y > 12.0).astype(float))
    assert sure.brier == 0.0
    assert row.brier > 0.0


def test_score_by_bucket_scores_each_bucket_then_all() -> None:
    y, q = _forecast(300, 10)
    buckets = np.where(np.arange(300) % 3 == 0, "small", "large")
    rows = score_by_bucket("m", y, q, QUANTILES, buckets)
    assert [(r.bucket, r.n) for r in rows] == [("large", 200), ("small", 100), ("all", 300)]
    small = buckets == "small"
    assert rows[1] == score("m", y[small], q[small], QUANTILES, bucket="small")
    assert rows[2] == score("m", y, q, QUANTILES)


def test_format_table_puts_models_side_by_side_per_bucket() -> None:
    y, q = _forecast(200, 12)
    buckets = np.where(np.arange(200) < 50, "a", "b")
    rows = score_by_bucket("good", y, q, QUANTILES, buckets) + score_by_bucket("wide model", y, 2 * q, QUANTILES, buckets)
    text = format_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == [
        "model", "bucket", "n", "pb05", "pb10", "pb25", "pb50", "pb75", "pb90", "pb95",
        "crps", "mae50", "cov50", "cov80", "cov90", "brier",
    ]
    assert len(lines) == 2 + 6
    assert [line.split()[:2] for line in lines[2:4]] == [["good", "a"], ["wide", "model"]]
    assert len({len(line) for line in lines}) == 1  # fixed width
    assert f"{rows[0].crps:.3f}" in lines[2]


def test_format_table_refuses_mixed_levels() -> None:
    y, q = _forecast(10, 15)
    a = score("a", y, q, QUANTILES)
    b = ScoreRow("b", "all", 1, (0.1, 0.5, 0.9), (0.0, 0.0, 0.0), 0.0, 0.0, {50: 0.5, 80: 0.8, 90: 0.9}, 0.1, 10.0)
    with pytest.raises(ValueError, match="different quantile levels"):
        format_table([a, b])
    with pytest.raises(ValueError, match="no score rows"):
        format_table([])


def test_calibration_figure_plots_observed_shares_and_reliability() -> None:
    y, q = _forecast(2000, 13)
    p_constant = np.full(y.size, 0.3)
    fig = calibration_figure({"normal": (q, None), "constant": (q + 3.0, p_constant)}, y, QUANTILES, 10.0)
    ax_q, ax_p = fig.axes
    assert len(ax_q.lines) == 3 and len(ax_p.lines) == 3  # the diagonal and one per model
    np.testing.assert_allclose(np.asarray(ax_q.lines[1].get_ydata(), dtype=float), (y[:, None] <= q).mean(axis=0))
    x_const, y_const = (np.asarray(v, dtype=float) for v in ax_p.lines[2].get_data())
    np.testing.assert_allclose(x_const, np.array([0.3]))
    np.testing.assert_allclose(y_const, np.array([np.mean(y > 10.0)]))
    fig.savefig(io.BytesIO(), format="png")


def test_bad_inputs_are_named() -> None:
    y, q = _forecast(10, 14)
    with pytest.raises(ValueError, match="y has 9 rows, the quantiles have 10"):
        pinball_loss(y[:9], q, QUANTILES)
    with pytest.raises(ValueError, match="y has 1 non-finite"):
        score("m", np.where(np.arange(10) == 3, np.nan, y), q, QUANTILES)
    with pytest.raises(ValueError, match="no 70% interval"):
        coverage(y, q, QUANTILES, 70)
    with pytest.raises(ValueError, match=r"level 0\.5 is not among"):
        median_mae(y, q[:, [0, 1, 2, 4, 5, 6]], (0.05, 0.1, 0.25, 0.75, 0.9, 0.95))
    with pytest.raises(ValueError, match="probabilities"):
        brier([1.2], [3.0], 1.0)
    with pytest.raises(ValueError, match="buckets has shape"):
        score_by_bucket("m", y, q, QUANTILES, ["a"] * 9)
