"""The real engine and TWAP against the in-process simulator in simulated time."""

from __future__ import annotations

import gc
import time

import pytest
from engine_harness import assert_parent_invariants

from agent.backtest.backtest import BacktestOrder, BacktestResult, run_backtest, with_market_instruments
from agent.config import AgentConfig, load_config
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


class _Costly:
    """TWAP, but its first decision takes `seconds` more: waiting, computing, or in a garbage collection."""

    def __init__(self, real: object, seconds: float, how: str) -> None:
        self.real, self.seconds, self.how, self.calls = real, seconds, how, 0
        self.name = "TWAP"

    def decide(self, parent: object, quote: object, now: float) -> object:
        self.calls += 1
        if self.calls == 1:
            if self.how == "computing":
                end = time.thread_time() + self.seconds
                while time.thread_time() < end:
                    pass
            elif self.how == "collecting":
                # A full collection over the large heap the process holds: its pause, not the strategy's work.
                started = time.thread_time()
                gc.collect()
                assert time.thread_time() - started > 0.05, "the collection should outlast the budget"
            else:
                time.sleep(self.seconds)  # what a loaded machine looks like from inside: time passes elsewhere
        return self.real.decide(parent, quote, now)  # type: ignore[attr-defined]


@pytest.mark.parametrize("how", ["waiting", "computing", "collecting"])
def test_a_backtest_times_what_the_strategy_computes_so_a_busy_machine_changes_nothing(
        how: str, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from agent.strategy_registry import build_strategies

    def slow_twap(cfg: AgentConfig) -> dict[str, object]:
        strategies: dict[str, object] = dict(build_strategies(cfg))
        strategies["TWAP"] = _Costly(strategies["TWAP"], 0.15, how)
        return strategies

    monkeypatch.setattr("agent.core.engine.build_strategies", slow_twap)  # where the engine is built from config
    heap = [[k] for k in range(3_000_000)] if how == "collecting" else []  # what else the process holds
    r = backtest(3, BacktestOrder("CRYPTOALPHA", "1", 5_000, 120), strategy_budget_s=0.05)
    del heap
    restated = [x.text or "" for x in r.reports if x.exec_type == "D"]
    if how == "computing":
        assert any("ms to decide, over its 50 ms budget" in t for t in restated), restated
    else:
        assert restated == []
    assert r.cum_qty == 5_000


def test_vwap_by_target_strategy_1_trades_the_equity_u_shape() -> None:
    # A whole ACME session from the 14:30 UTC open, the parent asking for VWAP with FIX's TargetStrategy 1: it
    # trades with the configured half-hour profile, heavy at the open and close, and completes.
    open_utc = 1_704_205_800.0  # 2024-01-02 14:30 UTC
    market = simulated_market(11, start_time=open_utc)
    cfg = with_market_instruments(load_config(), market)
    r = run_backtest(cfg, market, BacktestOrder("ACME", "1", 200_000, 6.5 * 3600, strategy_code="1"))
    assert r.status == "2" and r.cum_qty == 200_000
    start = r.started

    def traded(first_min: float, last_min: float) -> int:
        return sum(q for t, q, _ in r.fills if start + 60 * first_min <= t < start + 60 * last_min)

    first_hour, midday_hour, last_hour = traded(0, 60), traded(180, 240), traded(330, 390)
    profile = {i.symbol: i for i in cfg.instruments}["ACME"].volume_profile
    assert first_hour == pytest.approx(200_000 * sum(profile[:2]) / sum(profile), rel=0.1)
    assert first_hour > 2 * midday_hour and last_hour > 2 * midday_hour
