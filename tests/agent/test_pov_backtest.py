"""POV through the real engine in the calm scenario: it takes its share of the market's volume and stops at its end."""

from __future__ import annotations

from agent.backtest.backtest import BacktestOrder, run_backtest, with_market_instruments
from agent.config import load_config
from simulator.scenario import compile_scenario, load_scenario
from simulator.scenario_market import scenario_market


def run_pov(qty: int, participation: float, cap: float | None = None) -> tuple[float, int, str]:
    """(our share of the venue's volume over the parent's life, filled quantity, final OrdStatus)."""
    market = scenario_market(compile_scenario(load_scenario("calm")), 11)
    cfg = with_market_instruments(load_config(default_strategy="POV", pov={"participation": participation}), market)
    before = market.traded_volume("CRYPTOALPHA")
    result = run_backtest(cfg, market, BacktestOrder("CRYPTOALPHA", "2", qty, 900.0, participation_rate=cap),
                          grace_s=5.0)
    traded = market.traded_volume("CRYPTOALPHA") - before
    return result.cum_qty / traded, result.cum_qty, result.status


def test_pov_takes_its_share_and_does_not_sweep() -> None:
    share, filled, status = run_pov(200_000, 0.05)  # far more than 5% of 15 minutes' volume
    assert 0.035 < share < 0.065
    assert filled < 200_000 and status != "2"  # not filled: POV does not force the rest through at the end


def test_participation_rate_caps_pov() -> None:
    share, _, _ = run_pov(200_000, 0.10, cap=0.03)
    assert 0.02 < share < 0.04
