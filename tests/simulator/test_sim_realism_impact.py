"""Metaorder impact: the paired-run curve, peak, permanent/peak ratio and the square-root law fit."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulator.instruments import ACME, CRYPTOALPHA
from simulator.kernel.activity_profile import default_schedule
from simulator.realism.impact import (
    fit_power_law,
    impact_bps,
    log_spaced,
    mean_curve,
    peak_impact,
    permanent_impact,
    permanent_to_peak,
)
from simulator.realism.impact_study import ImpactSettings, ImpactTiming, run_impact_study
from simulator.regime import RegimeSchedule
from simulator.session_runner import Metaorder
from simulator.tape import OrderEvents, Quotes, Snapshots, Tape, Trades

SEED = 314


def _decay_curve(time: np.ndarray, end: float, peak: float, permanent_share: float, tau: float) -> np.ndarray:
    """Impact growing linearly to `peak` at `end`, then relaxing exponentially to `permanent_share` of it."""
    during = peak * time / end
    after = peak * (permanent_share + (1 - permanent_share) * np.exp(-(time - end) / tau))
    return np.where(time <= end, during, after)


def test_impact_is_signed_by_side_in_bps_of_the_starting_mid() -> None:
    without = np.array([100.0, 101.0, 102.0])
    with_ = np.array([100.0, 101.5, 101.0])
    np.testing.assert_allclose(impact_bps(with_, without, 1, 0), [0.0, 50.0, -100.0])
    np.testing.assert_allclose(impact_bps(with_, without, -1, 0), [0.0, -50.0, 100.0])
    with pytest.raises(ValueError, match="side"):
        impact_bps(with_, without, 0, 0)
    np.testing.assert_allclose(mean_curve([np.array([1.0, np.nan]), np.array([3.0, 4.0])]), [2.0, 4.0])


def test_peak_and_permanent_impact_of_a_known_decay_curve() -> None:
    time = np.arange(0.0, 9000.0, 5.0)
    curve = _decay_curve(time, 3600.0, 20.0, 0.6, 300.0)
    assert peak_impact(time, curve, 3600.0) == pytest.approx(20.0)
    # 30 to 60 minutes after the end the temporary part (e^-6 and less) is gone: 0.6 × 20 is left.
    assert permanent_impact(time, curve, 3600.0) == pytest.approx(12.0, abs=0.05)
    peaks, permanents = np.array([20.0]), np.array([permanent_impact(time, curve, 3600.0)])
    assert permanent_to_peak(peaks, permanents) == pytest.approx(0.6, abs=0.003)
    # A slow decay (τ = 1 h) still holds much of the temporary impact in the window: the ratio is higher.
    slow = _decay_curve(time, 3600.0, 20.0, 0.6, 3600.0)
    assert permanent_to_peak(peaks, np.array([permanent_impact(time, slow, 3600.0)])) > 0.7
    assert math.isnan(permanent_to_peak(np.array([0.0]), np.array([1.0])))


@pytest.mark.parametrize("delta", [0.5, 1.0])
def test_the_impact_exponent_is_recovered_from_noisy_power_law_peaks(delta: float) -> None:
    rng = np.random.default_rng(SEED)
    print(f"seed {SEED}")
    x = log_spaced(0.001, 0.1, 6)
    peaks = 80.0 * x**delta * np.exp(rng.normal(0.0, 0.05, len(x)))
    fitted, prefactor = fit_power_law(x, peaks)
    assert fitted == pytest.approx(delta, abs=0.06)
    assert prefactor == pytest.approx(80.0, rel=0.3)


def test_the_fit_drops_points_it_cannot_log_and_gives_nan_below_two() -> None:
    x = np.array([0.001, 0.01, 0.1, 0.05])
    y = np.array([-1.0, 1.0, 10.0, 0.0])  # only (0.01, 1) and (0.1, 10) can be logged: slope 1
    assert fit_power_law(x, y)[0] == pytest.approx(1.0)
    assert math.isnan(fit_power_law(x, np.array([1.0, -1.0, 0.0, 0.0]))[0])
    np.testing.assert_allclose(log_spaced(0.001, 0.1, 3), [0.001, 0.01, 0.1])
    with pytest.raises(ValueError):
        log_spaced(0.1, 0.001, 3)


def test_metaorder_sizes_are_whole_lots_over_a_share_of_the_days_volume() -> None:
    settings = ImpactSettings()
    flat = settings.timing(RegimeSchedule.calm(), CRYPTOALPHA.session_seconds)
    # A flat 24-hour day: 1/24 of its volume is an hour, the decay window 30 to 60 minutes after the end.
    assert flat == ImpactTiming(1800.0, 3600.0, (1800.0, 3600.0), 5.0)
    assert flat.horizon_s() == 1800.0 + 3600.0 + 3600.0 + 5.0
    assert settings.plan(CRYPTOALPHA, 0.1, flat) == Metaorder(1, 200_000, 1800.0, 3600.0, 10.0)
    equity = settings.timing(default_schedule(ACME), ACME.session_seconds)
    assert settings.plan(ACME, 0.001, equity).qty == 5_000
    assert settings.plan(ACME, 0.0012345, equity).qty == 6_200  # 6 172.5 rounds to 62 lots of 100
    assert settings.plan(ACME, 1e-9, equity).qty == ACME.lot_size
    # A 6.5-hour day trades 1/24 of its volume in well under 6.5 h / 24 = 16 min half an hour after the open.
    assert 300.0 < equity.duration_s < 23_400.0 / 24.0
    schedule = default_schedule(ACME)
    traded = schedule.activity_integral(1800.0 + equity.duration_s) - schedule.activity_integral(1800.0)
    assert traded == pytest.approx(schedule.activity_integral(ACME.session_seconds) / 24.0)
    with pytest.raises(ValueError, match="seeds"):
        ImpactSettings(seeds=0)
    with pytest.raises(ValueError, match="longer than the metaorder"):
        ImpactSettings(child_interval_s=4000.0).timing(RegimeSchedule.calm(), CRYPTOALPHA.session_seconds)


def test_volume_time_runs_slower_where_the_market_is_busier() -> None:
    # Activity 2 for the first hour, then 1: a session of 3 h trades 4 h of mean-rate volume.
    schedule = dataclasses.replace(RegimeSchedule.calm(), times=np.array([0.0, 3600.0]),
                                   vol_mult=np.ones(2), spread_mult=np.ones(2), depth_mult_bid=np.ones(2),
                                   depth_mult_ask=np.ones(2), activity_mult=np.array([2.0, 1.0]),
                                   drift_bps_per_hour=np.zeros(2), implied_vol=np.zeros(2))
    assert schedule.activity_integral(10_800.0) == pytest.approx(14_400.0)
    assert schedule.seconds_for_volume(0.0, 0.25, 10_800.0) == pytest.approx(1800.0)
    # From 30 minutes: 1800 s at 2× (3,600) then 3,600 s at 1× make half of the 14,400.
    assert schedule.seconds_for_volume(1800.0, 0.5, 10_800.0) == pytest.approx(1800.0 + 3600.0)
    assert schedule.seconds_for_volume(7200.0, 0.5, 10_800.0) == pytest.approx(7200.0)  # past the end: held
    with pytest.raises(ValueError):
        schedule.seconds_for_volume(0.0, 0.0, 10_800.0)


def _flat_tape(seed: int, duration_s: float, start: float = 1e9) -> Tape:
    """A session whose mid random-walks by the seed; only quotes matter for impact."""
    rng = np.random.default_rng(seed)
    time = start + np.arange(0.0, duration_s, 1.0)
    mid = 20.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-4, len(time))))
    empty_f, empty_i = np.empty(0), np.empty(0, dtype=np.int64)
    return Tape(
        "CRYPTOALPHA", start, start + duration_s, 1.0, 60.0,
        Trades(empty_f, empty_f, empty_i, np.empty(0, dtype=np.int8), np.empty(0, dtype=np.bool_)),
        Quotes(time, mid - 0.005, mid + 0.005, np.ones(len(time), dtype=np.int64), np.ones(len(time), dtype=np.int64)),
        Snapshots(empty_f, np.empty(0, dtype=np.int8), empty_i, empty_f, empty_i),
        OrderEvents(empty_f, np.empty(0, dtype=np.int8), np.empty(0, dtype=np.int8), empty_f, empty_i),
    )  # fmt: skip


def test_the_impact_study_shares_one_baseline_per_seed_and_recovers_the_planted_law() -> None:
    calls: list[tuple[int, Metaorder | None, float]] = []

    def run(seed: int, plan: Metaorder | None, duration_s: float) -> Tape:
        calls.append((seed, plan, duration_s))
        tape = _flat_tape(seed, duration_s)
        if plan is None:
            return tape
        # Plant impact = 50 bps × sqrt(Q/V), decaying to 65% of its peak, on top of the same seed's path.
        peak = 50.0 * math.sqrt(plan.qty / CRYPTOALPHA.adv)
        since = tape.quotes.time - tape.start - plan.start_offset_s
        shift = np.where(since < 0, 0.0, _decay_curve(since, plan.duration_s, peak, 0.65, 200.0)) * 1e-4
        mid0 = tape.quotes.mid[int(plan.start_offset_s)]
        q = tape.quotes
        moved = Quotes(q.time, q.bid + plan.side * shift * mid0, q.ask + plan.side * shift * mid0, q.bid_qty, q.ask_qty)
        return Tape(tape.symbol, tape.start, tape.end, 1.0, 60.0, tape.trades, moved, tape.snapshots, tape.orders)

    settings = ImpactSettings(seeds=2, participations=(0.001, 0.01, 0.1), side=-1)
    study = run_impact_study(run, CRYPTOALPHA, [5, 6], settings, RegimeSchedule.calm())
    assert [c[0] for c in calls] == [5, 5, 5, 5, 6, 6, 6, 6]
    assert [c[1] is None for c in calls] == [True, False, False, False] * 2
    assert {c[2] for c in calls} == {study.timing.horizon_s()}
    assert study.delta == pytest.approx(0.5, abs=0.01)
    assert study.ratio == pytest.approx(0.65, abs=0.01)
    np.testing.assert_allclose(study.peaks, 50.0 * np.sqrt([0.001, 0.01, 0.1]), rtol=0.01)
    assert study.seeds == (5, 6)
