"""Compiling scenarios: ramps, steps, implied-vol lead, news draws, the equity profile and determinism."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from simulator.instruments import ACME
from simulator.kernel.activity_profile import session_activity_profile
from simulator.orders import Side
from simulator.regime import RegimeSchedule
from simulator.scenario import CompiledScenario, compile_scenario, load_scenario

EQUITY_SESSION_S = ACME.session_seconds


def equity_u_shape(segment_s: float) -> npt.NDArray[np.float64]:
    return session_activity_profile(ACME, segment_s)[1]

CRYPTO_IV = 0.04 * math.sqrt(365)


def compiled(tmp_path: Path, body: str, duration: str = "1h", symbol: str = "CRYPTOALPHA", seed: int = 7,
             segment_s: float = 60.0) -> CompiledScenario:
    text = f"name: t\ndescription: d\nseed: {seed}\nduration: {duration}\nsymbol: {symbol}\n" + body
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return compile_scenario(load_scenario(path), segment_s=segment_s)


def at(regime: RegimeSchedule, name: str, t: float) -> float:
    return float(getattr(regime, name)[regime.segment(t)])


def test_a_flat_scenario_is_one_calm_segment(tmp_path: Path) -> None:
    regime = compiled(tmp_path, "").regime
    assert regime.times.tolist() == [0.0]
    assert (regime.vol_mult[0], regime.spread_mult[0], regime.activity_mult[0], regime.drift_bps_per_hour[0]) \
        == (1.0, 1.0, 1.0, 0.0)
    assert regime.implied_vol[0] == pytest.approx(CRYPTO_IV)
    assert len(regime.jump_times) == 0


def test_a_ramp_takes_each_segment_midpoint_value(tmp_path: Path) -> None:
    regime = compiled(tmp_path, "timeline:\n  - {at: 2m, ramp: 5m, vol_mult: 2}\n", duration="10m").regime
    assert regime.times.tolist() == [0, 120, 180, 240, 300, 360, 420]
    assert regime.vol_mult == pytest.approx([1.0, 1.1, 1.3, 1.5, 1.7, 1.9, 2.0])
    # Other channels are untouched by a vol ramp.
    assert np.all(regime.spread_mult == 1.0)


def test_a_ramp_starts_from_the_value_the_previous_step_left(tmp_path: Path) -> None:
    body = "timeline:\n  - {at: 0, spread_mult: 3}\n  - {at: 5m, ramp: 2m, spread_mult: 1}\n"
    regime = compiled(tmp_path, body, duration="10m").regime
    assert [at(regime, "spread_mult", t) for t in (0, 299, 300, 360, 420, 599)] == pytest.approx([3, 3, 2.5, 1.5, 1, 1])


def test_a_step_off_the_grid_lands_exactly(tmp_path: Path) -> None:
    regime = compiled(tmp_path, "timeline:\n  - {at: 90s, depth_mult_bid: 0.5}\n", duration="5m").regime
    assert regime.times.tolist() == [0.0, 90.0]
    assert regime.depth_mult_bid.tolist() == [1.0, 0.5]
    assert regime.depth_mult_ask.tolist() == [1.0, 1.0]


def test_depth_mult_sets_both_sides_and_spread_bps_divides_by_the_base(tmp_path: Path) -> None:
    regime = compiled(tmp_path, "timeline:\n  - {at: 10m, depth_mult: 0.4, spread_bps: 12.5}\n").regime
    assert (at(regime, "depth_mult_bid", 700), at(regime, "depth_mult_ask", 700)) == (0.4, 0.4)
    assert at(regime, "spread_mult", 700) == pytest.approx(12.5 / 5.0)  # CRYPTOALPHA quotes 5 bps at base


def test_recover_returns_unnamed_channels_to_base_and_keeps_named_ones(tmp_path: Path) -> None:
    body = ("timeline:\n  - {at: 0, vol_mult: 3, spread_mult: 4, trend_bps_per_hour: -50}\n"
            "  - {at: 10m, recover: 10m, spread_mult: 2}\n")
    regime = compiled(tmp_path, body).regime
    # The segment [15m, 16m) takes the value at 15m30s, 55% of the way back.
    assert at(regime, "vol_mult", 15 * 60) == pytest.approx(3 - 2 * 0.55)
    assert at(regime, "drift_bps_per_hour", 15 * 60) == pytest.approx(-50 * 0.45)
    assert (at(regime, "vol_mult", 1500), at(regime, "spread_mult", 1500), at(regime, "drift_bps_per_hour", 1500)) \
        == (1.0, 2.0, 0.0)


def test_implied_vol_leads_a_rise_by_the_lead(tmp_path: Path) -> None:
    body = "implied_vol: {lead: 20m}\ntimeline:\n  - {at: 1h, vol_mult: 3}\n"
    regime = compiled(tmp_path, body, duration="2h").regime
    assert at(regime, "implied_vol", 40 * 60 - 1) == pytest.approx(CRYPTO_IV)
    assert at(regime, "implied_vol", 40 * 60) == pytest.approx(3 * CRYPTO_IV)
    assert at(regime, "vol_mult", 40 * 60) == 1.0
    assert at(regime, "vol_mult", 3600) == 3.0


def test_implied_vol_does_not_fall_before_realised_vol_does(tmp_path: Path) -> None:
    body = "implied_vol: {lead: 20m}\ntimeline:\n  - {at: 0, vol_mult: 3}\n  - {at: 1h, vol_mult: 1}\n"
    regime = compiled(tmp_path, body, duration="2h").regime
    assert at(regime, "implied_vol", 3599) == pytest.approx(3 * CRYPTO_IV)
    assert at(regime, "implied_vol", 3600) == pytest.approx(CRYPTO_IV)


def test_implied_vol_without_lead_follows_vol_and_takes_base_and_premium(tmp_path: Path) -> None:
    body = "implied_vol: {base: 0.5}\ntimeline:\n  - {at: 10m, ramp: 2m, vol_mult: 2}\n  - {at: 30m, implied_vol_mult: 1.2}\n"
    regime = compiled(tmp_path, body).regime
    assert np.allclose(regime.implied_vol[regime.times < 1800], 0.5 * regime.vol_mult[regime.times < 1800])
    assert at(regime, "implied_vol", 1800) == pytest.approx(0.5 * 2 * 1.2)


def test_news_jump_is_at_its_time_and_its_size_comes_from_the_seed(tmp_path: Path) -> None:
    body = "timeline:\n  - at: 25m\n    news: {jump_bps_mean: 60, jump_bps_std: 20, direction: down}\n"
    first = compiled(tmp_path, body).regime
    again = compiled(tmp_path, body).regime
    other_seed = compiled(tmp_path, body, seed=8).regime
    assert first.jump_times.tolist() == [1500.0]
    assert first.jump_bps[0] < 0
    assert first.jump_bps.tolist() == again.jump_bps.tolist()
    assert first.jump_bps[0] != other_seed.jump_bps[0]


def test_news_without_spread_is_exactly_the_mean_in_its_direction(tmp_path: Path) -> None:
    body = "timeline:\n  - at: 5m\n    news: {jump_bps_mean: 40, direction: up}\n  - at: 10m\n    news: {jump_bps_mean: 15, direction: down}\n"
    regime = compiled(tmp_path, body).regime
    assert regime.jump_times.tolist() == [300.0, 600.0]
    assert regime.jump_bps.tolist() == [40.0, -15.0]


def test_random_direction_news_goes_both_ways_across_seeds(tmp_path: Path) -> None:
    body = "timeline:\n  - at: 5m\n    news: {jump_bps_mean: 40, jump_bps_std: 5, direction: random}\n"
    signs = {float(np.sign(compiled(tmp_path, body, seed=s).regime.jump_bps[0])) for s in range(20)}
    assert signs == {-1.0, 1.0}


def test_equity_sessions_multiply_in_the_u_shaped_profile(tmp_path: Path) -> None:
    body = "timeline:\n  - {at: 3h, activity_mult: 2}\n"
    regime = compiled(tmp_path, body, duration="6h30m", symbol="ACME").regime
    profile = equity_u_shape(60.0)
    assert at(regime, "activity_mult", 30) == pytest.approx(profile[0])
    assert at(regime, "activity_mult", 3 * 3600 + 30) == pytest.approx(2 * profile[180])
    assert at(regime, "activity_mult", 3 * 3600 - 1) == pytest.approx(profile[179])
    assert at(regime, "activity_mult", EQUITY_SESSION_S - 1) == pytest.approx(2 * profile[-1])


def test_u_shape_is_heavy_at_open_and_close_and_averages_one() -> None:
    for segment_s in (60.0, 70.0, 300.0):
        profile = equity_u_shape(segment_s)
        widths = np.diff(np.append(np.arange(0.0, EQUITY_SESSION_S, segment_s), EQUITY_SESSION_S))
        assert float(np.sum(profile * widths)) / EQUITY_SESSION_S == pytest.approx(1.0)
        midday = profile[len(profile) // 2]
        assert profile[0] > 3 * midday and profile[-1] > 3 * midday and midday < 1.0


def test_a_24h_session_has_no_intraday_profile(tmp_path: Path) -> None:
    regime = compiled(tmp_path, "", duration="6h").regime
    assert regime.activity_mult.tolist() == [1.0]


def test_start_defaults_per_session_and_reads_iso_text(tmp_path: Path) -> None:
    def epoch(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
        return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()

    assert compiled(tmp_path, "").start_epoch == epoch(2024, 1, 2)
    assert compiled(tmp_path, "", symbol="ACME").start_epoch == epoch(2024, 1, 2, 14, 30)
    assert compiled(tmp_path, "start: 2024-03-04\n", symbol="ACME").start_epoch == epoch(2024, 3, 4, 14, 30)
    assert compiled(tmp_path, "start: '08:00'\n").start_epoch == epoch(2024, 1, 2, 8)
    assert compiled(tmp_path, "start: 2024-03-04T09:30:00-05:00\n").start_epoch == epoch(2024, 3, 4, 14, 30)


def test_the_order_block_compiles_to_seconds(tmp_path: Path) -> None:
    order = compiled(tmp_path, "order: {side: buy, qty: 5000, start: 10m, end: 40m, limit: 20.5}\n").order
    assert order is not None
    assert (order.side, order.qty, order.start_s, order.end_s, order.strategy, order.limit_price) \
        == (Side.BUY, 5000, 600.0, 2400.0, "TWAP", 20.5)
    default = compiled(tmp_path, "order: {side: sell, qty: 10, start: 5m}\n").order
    assert default is not None and default.end_s == 3600.0


def test_symbol_overrides_reach_the_spec(tmp_path: Path) -> None:
    spec = compiled(tmp_path, "", symbol="{name: CRYPTOALPHA, adv: 750000, spread_bps: 8, depth: 9000}").symbol
    assert (spec.adv, spec.base_spread_bps, spec.book_depth, spec.tick_size) == (750_000, 8.0, 9000, 0.001)


def test_compiling_twice_gives_identical_arrays(tmp_path: Path) -> None:
    body = ("implied_vol: {lead: 7m}\ntimeline:\n  - {at: 3m, ramp: 11m, vol_mult: 2.5, depth_mult_ask: 0.3}\n"
            "  - at: 20m\n    news: {jump_bps_mean: 30, jump_bps_std: 30}\n    spread_mult: 2\n"
            "  - {at: 25m, recover: 17m}\n")
    first, second = compiled(tmp_path, body), compiled(tmp_path, body)
    for name in ("times", "vol_mult", "spread_mult", "depth_mult_bid", "depth_mult_ask", "activity_mult",
                 "drift_bps_per_hour", "implied_vol", "jump_times", "jump_bps"):
        assert np.array_equal(getattr(first.regime, name), getattr(second.regime, name)), name


def test_a_non_positive_segment_length_is_refused(tmp_path: Path) -> None:
    scenario = load_scenario("calm")
    with pytest.raises(ValueError, match="segment_s must be > 0"):
        compile_scenario(scenario, segment_s=0)
