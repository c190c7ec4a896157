"""Scenario backtests with the circuit breakers watched: run one, and say what each breaker did.

    .venv/bin/python -m agent.backtest.breaker_runs [SCENARIO ...]

prints, per scenario, every trip and clear (time into the scenario, breaker, scope, measured value against its
threshold, action) and how the parent ended.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from agent.backtest.backtest import (
    BacktestResult,
    run_backtest,
    scenario_order,
    with_market_instruments,
)
from agent.backtest.sim_venue import SimVenue
from agent.config import AgentConfig, load_config
from risk.breakers import BreakerChange
from simulator.scenario import CompiledScenario, compile_scenario, load_scenario
from simulator.scenario_market import scenario_market
from simulator.venue_faults import VenueFaults

DEFAULT_SCENARIOS = ("calm", "high_vol", "equity_session", "thin", "flash_crash", "spread_blowout",
                     "market_data_outage", "volatility_surge_before_news")


def scenario_backtest(scenario: str | Path, cfg: AgentConfig | None = None, *, faults: VenueFaults | None = None,
                      ) -> tuple[BacktestResult, CompiledScenario]:
    """The scenario's own parent, worked with TWAP (breakers as configured) on its market, `faults` at the venue."""
    compiled = compile_scenario(load_scenario(scenario))
    market = scenario_market(compiled)
    base = cfg if cfg is not None else load_config(default_strategy="TWAP")
    result = run_backtest(with_market_instruments(base, market), market, scenario_order(compiled),
                          venue=SimVenue(market, faults))
    return result, compiled


def describe(change: BreakerChange, start: float) -> str:
    """One trip or clear as a line: when into the scenario, which breaker, what it measured, what it did."""
    t = change.at - start
    when = f"+{int(t // 60):02d}:{t % 60:04.1f}"
    if change.tripped:
        return (f"{when}  {change.breaker:<16} {change.scope!s:<22} TRIPPED  {change.value:.4g} {change.unit} vs "
                f"threshold {change.threshold:.4g}; action {change.action}: {change.text}")
    return f"{when}  {change.breaker:<16} {change.scope!s:<22} CLEARED  {change.text}"


def report(name: str, result: BacktestResult, compiled: CompiledScenario) -> list[str]:
    """The lines `main` prints for one scenario."""
    status = {"2": "filled", "4": "canceled", "C": "expired", "3": "done for day"}.get(result.status, result.status)
    lines = [f"{name}: {status} {result.cum_qty:,} of {result.order_qty:,}; "
             f"{sum(1 for c in result.breakers if c.tripped)} trips"]
    lines += [f"  {describe(c, compiled.start_epoch)}" for c in result.breakers]
    restated = [r for r in result.reports if r.exec_type == "D"]
    lines.append(f"  the OMS got {len(restated)} Restated reports"
                 + (f", first: {restated[0].text}" if restated else ""))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=list(DEFAULT_SCENARIOS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)
    for name in args.scenarios:
        result, compiled = scenario_backtest(name)
        print("\n".join(report(name, result, compiled)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
