"""The real engine and TWAP against the in-process simulator in simulated time."""

from __future__ import annotations

import pytest
from engine_harness import assert_parent_invariants

from agent.backtest.backtest import BacktestOrder, BacktestResult, run_backtest, with_market_instruments
from agent.config import load_config
from simulator.market import simulated_market

T0 = 1_800_000_000.0


def backtest(seed: int, order: BacktestOrder, **cfg_changes: object) -> BacktestResult:
    market = simulated_market(seed, start_time=T0)
    cfg = with_market_instruments(load_config(**cfg_changes), market)
    return run_backtest(cfg, market, order)


def test_parent_is_filled_exactly_by_its_end_in_simulated_time() -> None:
    r = backtest(3, BacktestOrder("CRYPTOALPHA", "1", 20_000, 600))
    assert r.status == "2" and r.cum_qty == 20_000
    assert sum(q for _, q, _ in r.fills) == 20_000
    assert r.finished is not None and r.finished <= r.started + 600
    assert r.sim_seconds <= 600
    assert_parent_invariants(r.reports)
    assert r.avg_px == pytest.approx(sum(q * p for _, q, p in r.fills) / 20_000)
    assert r.shortfall_bps is not None and abs(r.shortfall_bps) < 100


def test_same_seed_same_fills_different_seed_different_fills() -> None:
    order = BacktestOrder("ACME", "2", 30_000, 300)
    a, b, c = backtest(5, order), backtest(5, order), backtest(6, order)
    assert a.fills == b.fills and a.avg_px == b.avg_px
    assert a.fills != c.fills


def test_limit_is_never_crossed() -> None:
    market = simulated_market(9, start_time=T0)
    mid = (market.depth("CRYPTOALPHA", 1).bids[0].price + market.depth("CRYPTOALPHA", 1).asks[0].price) / 2
    limit = f"{mid * 1.002:.3f}"  # a buy limit 20 bps over the mid: crossing the spread is allowed up to it
    cfg = with_market_instruments(load_config(), market)
    r = run_backtest(cfg, market, BacktestOrder("CRYPTOALPHA", "1", 50_000, 300, limit_px=limit))
    assert r.fills and all(p <= float(limit) for _, _, p in r.fills)
    assert r.cum_qty <= 50_000
    assert_parent_invariants(r.reports)


@pytest.mark.slow
def test_three_hour_parent_of_the_issue_runs_at_simulation_speed() -> None:
    r = backtest(11, BacktestOrder("CRYPTOALPHA", "2", 500_000, 3 * 3600), decision_interval_s=1.0)
    assert r.status == "2" and r.cum_qty == 500_000
    assert r.sim_seconds > 3 * 3600 - 60
    assert r.wall_seconds < r.sim_seconds / 100  # at least 100x faster than real time
    assert_parent_invariants(r.reports)
