"""Realism metrics on inputs whose answer is known analytically or by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.instruments import ACME, CRYPTOALPHA
from simulator.realism.autocorrelation import abs_return_acf, acf, acf_lags
from simulator.realism.band import Band
from simulator.realism.bands import DEPTH_BID, SPREAD_MEAN, U_SHAPE, target_bands
from simulator.realism.depth import depth_profile, depth_top_n
from simulator.realism.kurtosis import excess_kurtosis, kurtosis_fall
from simulator.realism.order_flow import cancel_ratio, interarrival_times, order_sizes
from simulator.realism.returns import log_returns, mid_returns, sample_on_grid
from simulator.realism.spread import spread_bps
from simulator.realism.summary import summarize
from simulator.realism.volume import market_volume, u_shape_score, volume_profile, volume_vs_adv
from simulator.tape import OrderKind

SEED = 20240102


def _rng(offset: int = 0) -> np.random.Generator:
    print(f"seed {SEED + offset}")
    return np.random.default_rng(SEED + offset)


def _garch(n: int, rng: np.random.Generator, omega: float = 0.05, alpha: float = 0.1, beta: float = 0.85) -> np.ndarray:
    """GARCH(1,1) returns: variance h_t = ω + α r²_{t-1} + β h_{t-1}, so large moves cluster."""
    z = rng.standard_normal(n)
    r = np.empty(n)
    h = omega / (1.0 - alpha - beta)
    for t in range(n):
        r[t] = math.sqrt(h) * z[t]
        h = omega + alpha * r[t] ** 2 + beta * h
    return r


# --- returns ---------------------------------------------------------------------------------------------------


def test_sampling_takes_the_last_finite_value_at_or_before_each_grid_time() -> None:
    time = np.array([0.0, 1.0, 2.0, 3.0])
    value = np.array([10.0, np.nan, 12.0, 13.0])
    sampled = sample_on_grid(time, value, np.array([-1.0, 0.0, 1.5, 2.0, 9.0]))
    np.testing.assert_array_equal(sampled, [np.nan, 10.0, 10.0, 12.0, 13.0])


def test_mid_returns_are_log_returns_of_the_mid_on_the_aggregation_grid() -> None:
    time = np.arange(0.0, 181.0, 1.0)  # a quote a second for three minutes
    mid = np.where(time < 60, 100.0, np.where(time < 120, 101.0, 99.0))
    r = mid_returns(time, mid, 0.0, 180.0, 60.0)
    np.testing.assert_allclose(r, [math.log(101 / 100), math.log(99 / 101), 0.0])
    np.testing.assert_allclose(log_returns(np.array([1.0, np.nan, 2.0, 4.0])), [math.log(2.0)])
    with pytest.raises(ValueError, match="interval_s"):
        mid_returns(time, mid, 0.0, 180.0, 0.0)


def test_a_day_at_epoch_seconds_keeps_its_last_return() -> None:
    start = 1_704_153_600.0  # float spacing here is ~2e-7 s
    time = start + np.arange(0.0, 10_800.0, 1.0)
    mid = 100.0 + np.arange(len(time)) * 1e-3
    assert [len(mid_returns(time, mid, start, start + 10_800.0, agg)) for agg in (60.0, 3600.0)] == [180, 3]


# --- autocorrelation -------------------------------------------------------------------------------------------


def test_white_noise_has_no_autocorrelation() -> None:
    x = _rng().standard_normal(100_000)
    assert np.all(np.abs(acf_lags(x, range(1, 11))) < 0.015)
    assert acf(x, 0) == pytest.approx(1.0)


def test_an_ar1_series_has_acf_phi_to_the_lag() -> None:
    phi, n = 0.6, 100_000
    e = _rng(1).standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    np.testing.assert_allclose(acf_lags(x, [1, 2, 3]), [phi, phi**2, phi**3], atol=0.02)


def test_acf_is_nan_when_undefined_and_refuses_negative_lags() -> None:
    assert math.isnan(acf(np.ones(50), 1))  # no variance
    assert math.isnan(acf(np.arange(3.0), 5))  # too short
    with pytest.raises(ValueError, match="lag"):
        acf(np.arange(10.0), -1)


def test_garch_returns_cluster_in_volatility_and_iid_ones_do_not() -> None:
    clustered = abs_return_acf(_garch(50_000, _rng(2)), 10)
    iid = abs_return_acf(_rng(3).standard_normal(50_000), 10)
    assert np.all(clustered > 0.05), clustered
    assert np.all(np.abs(iid) < 0.02), iid
    # The returns themselves stay unpredictable: clustering is in |r|, not in r.
    assert abs(acf(_garch(50_000, _rng(2)), 1)) < 0.02


# --- kurtosis --------------------------------------------------------------------------------------------------


def test_gaussian_excess_kurtosis_is_zero() -> None:
    assert excess_kurtosis(_rng(4).standard_normal(400_000)) == pytest.approx(0.0, abs=0.03)


def test_student_t_excess_kurtosis_is_six_over_nu_minus_four() -> None:
    # t(10): 6/6 = 1 with a finite eighth moment, so the estimate converges; t(5): 6, but slowly (infinite 8th moment).
    assert excess_kurtosis(_rng(5).standard_t(10, 1_000_000)) == pytest.approx(1.0, abs=0.1)
    assert excess_kurtosis(_rng(6).standard_t(5, 2_000_000)) == pytest.approx(6.0, abs=1.5)


def test_kurtosis_of_iid_fat_tailed_returns_falls_with_aggregation() -> None:
    minutes = 200_000
    r = _rng(7).standard_t(5, minutes) * 1e-4
    time = np.arange(minutes + 1) * 60.0
    mid = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))
    k = [excess_kurtosis(mid_returns(time, mid, 0.0, time[-1], agg)) for agg in (60.0, 300.0, 900.0)]
    # iid sums: kurtosis divides by the number of summed returns (6 → 1.2 → 0.4).
    assert k[0] > 4.0 and k[1] == pytest.approx(k[0] / 5, rel=0.35) and k[2] == pytest.approx(k[0] / 15, rel=0.5), k
    assert kurtosis_fall(k) > 0


def test_kurtosis_fall_is_the_smallest_step_down() -> None:
    assert kurtosis_fall([5.0, 2.0, 1.5]) == pytest.approx(0.5)
    assert kurtosis_fall([5.0, 6.0, 1.0]) == pytest.approx(-1.0)
    assert math.isnan(excess_kurtosis(np.ones(10)))
    with pytest.raises(ValueError):
        kurtosis_fall([1.0])


# --- spread, depth, orders, summaries --------------------------------------------------------------------------


def test_spread_in_bps_of_the_mid_skips_one_sided_quotes() -> None:
    bid = np.array([99.95, np.nan, 49.99])
    ask = np.array([100.05, 100.0, 50.01])
    np.testing.assert_allclose(spread_bps(bid, ask), [10.0, 4.0])


def test_depth_sums_the_top_levels_of_each_side_per_snapshot() -> None:
    time = np.array([0.0, 0.0, 0.0, 0.0, 60.0, 60.0])
    side = np.array([1, 1, 1, -1, -1, -1], dtype=np.int8)
    level = np.array([0, 1, 2, 0, 0, 1], dtype=np.int64)
    qty = np.array([10, 20, 40, 5, 7, 9], dtype=np.int64)
    bid, ask = depth_top_n(time, side, level, qty, n=2)
    np.testing.assert_array_equal(bid, [30.0, 0.0])  # level 2 is outside the top 2; no bids at t=60
    np.testing.assert_array_equal(ask, [5.0, 16.0])
    np.testing.assert_allclose(depth_profile(side, level, qty, n=2), [22 / 51, 29 / 51])
    with pytest.raises(ValueError):
        depth_top_n(time, side, level, qty, n=0)


def test_order_flow_sizes_interarrivals_and_cancel_ratio() -> None:
    kind = np.array([OrderKind.LIMIT, OrderKind.CANCEL, OrderKind.MARKET, OrderKind.LIMIT, OrderKind.CANCEL],
                    dtype=np.int8)
    time = np.array([0.0, 0.5, 2.0, 5.0, 6.0])
    qty = np.array([100, 100, 300, 200, 200], dtype=np.int64)
    np.testing.assert_array_equal(order_sizes(kind, qty), [100.0, 300.0, 200.0])
    np.testing.assert_array_equal(interarrival_times(time, kind), [2.0, 3.0])
    assert cancel_ratio(kind) == pytest.approx(1.0)
    assert math.isnan(cancel_ratio(np.array([OrderKind.MARKET], dtype=np.int8)))


def test_summary_of_a_known_sample() -> None:
    s = summarize(np.append(np.arange(101.0), np.nan))
    assert (s.mean, s.median, s.p5, s.p95, s.count) == (50.0, 50.0, 5.0, 95.0, 101)
    assert math.isnan(summarize(np.empty(0)).mean)


# --- volume ----------------------------------------------------------------------------------------------------


def test_volume_against_adv_pro_rata_leaves_our_trades_out() -> None:
    qty = np.array([400_000, 600_000, 50_000], dtype=np.int64)
    ours = np.array([False, False, True])
    assert market_volume(qty, ours) == 1_000_000
    # Half a 24h day should trade half the ADV of 2 000 000.
    assert volume_vs_adv(1_000_000, CRYPTOALPHA.adv, 43_200.0, CRYPTOALPHA.session_seconds) == pytest.approx(1.0)
    assert volume_vs_adv(3_000_000, ACME.adv, ACME.session_seconds, ACME.session_seconds) == pytest.approx(0.6)


def test_volume_profile_buckets_trades_from_the_open() -> None:
    time = np.array([100.0, 1799.0, 1800.0, 5399.0, 5400.0, 9999.0])
    qty = np.array([1, 2, 4, 8, 16, 32], dtype=np.int64)
    np.testing.assert_array_equal(volume_profile(time, qty, 0.0, 5400.0, 1800.0), [3.0, 4.0, 8.0])


def test_a_u_shaped_day_scores_above_1_2_and_a_flat_one_about_1() -> None:
    x = (np.arange(13) + 0.5) / 13  # 13 half-hour buckets of an equity session
    u = 1.0 + 4.0 * np.exp(-x / 0.1) + 3.0 * np.exp(-(1 - x) / 0.1)
    assert u_shape_score(u) > 1.2
    flat = _rng(8).poisson(100_000, 48).astype(np.float64)
    assert u_shape_score(flat) == pytest.approx(1.0, abs=0.02)
    # An inverted U (busy midday) scores below 1.
    assert u_shape_score(1.0 / u) < 0.8
    with pytest.raises(ValueError):
        u_shape_score(np.ones(2))


# --- bands -----------------------------------------------------------------------------------------------------


def test_band_membership_and_text() -> None:
    band = Band("delta", 0.4, 0.7)
    assert band.contains(0.4) and band.contains(0.55) and not band.contains(0.71)
    assert not band.contains(float("nan"))
    assert band.describe() == "[0.4, 0.7]"
    assert Band("k", 1.0, math.inf).describe() == "> 1"
    assert Band("acf", -math.inf, 0.1).describe() == "< 0.1"
    with pytest.raises(ValueError, match="low <= high"):
        Band("bad", 2.0, 1.0)


def test_liquidity_bands_scale_with_the_symbol_and_the_u_band_with_its_session() -> None:
    crypto, acme = target_bands(CRYPTOALPHA), target_bands(ACME)
    assert (crypto[SPREAD_MEAN].low, crypto[SPREAD_MEAN].high) == (2.5, 10.0)
    assert (acme[SPREAD_MEAN].low, acme[SPREAD_MEAN].high) == (1.5, 6.0)
    assert crypto[DEPTH_BID].contains(0.7 * CRYPTOALPHA.book_depth)
    assert acme[U_SHAPE].contains(1.5) and not acme[U_SHAPE].contains(1.0)
    assert crypto[U_SHAPE].contains(1.0) and not crypto[U_SHAPE].contains(1.5)
