"""A scenario and a seed make one market, whoever runs it: the backtester, the FIX venue (`footprint sim
--scenario`) and the recorded session behind `footprint sim tape` draw the same flow from the same seed after the
same warm-up, so the same scenario and seed give the same market path everywhere, and the same feed events."""

from __future__ import annotations

import dataclasses

from simulator.feed_events import feed_table
from simulator.kernel.kernel_flow import symbol_seeds
from simulator.market import Market, simulated_market
from simulator.scenario_compiler import CompiledScenario
from simulator.session_runner import simulate_session
from simulator.tape import Tape

SCENARIO_WARMUP_S = 60.0
"""Seconds the book builds before a scenario's time 0."""


def scenario_market(compiled: CompiledScenario, seed: int | None = None, start_time: float | None = None) -> Market:
    """The scenario's market: its symbol, regime timeline, outages and feed events, its seed (or `seed`), its
    timeline starting at `start_time` (default: the scenario's own start)."""
    symbol = compiled.symbol.symbol
    return simulated_market(compiled.seed if seed is None else seed, {symbol: compiled.symbol},
                            start_time=compiled.start_epoch if start_time is None else start_time,
                            warmup=SCENARIO_WARMUP_S, schedules={symbol: compiled.regime},
                            feed_outages={symbol: compiled.outages}, feed=compiled.published)


def scenario_session(compiled: CompiledScenario, seed: int | None = None, *, record_orders: bool = False) -> Tape:
    """The scenario's whole session recorded as a tape: the market `scenario_market` runs, without clients, and the
    feed events it publishes (`CompiledScenario.published`)."""
    symbol = compiled.symbol.symbol
    seeds = symbol_seeds(compiled.seed if seed is None else seed, [symbol])
    tape = simulate_session(compiled.symbol, compiled.regime, seeds[symbol], compiled.start_epoch,
                            compiled.duration_s, warmup_s=SCENARIO_WARMUP_S, record_orders=record_orders)
    return dataclasses.replace(tape, feed=feed_table(e.shifted(compiled.start_epoch) for e in compiled.published))
