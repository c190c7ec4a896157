"""The same scenario and seed make the same market whoever runs it: the backtester's (and the FIX venue's) market
and the recorded session behind `footprint sim tape` print the same trades."""

from __future__ import annotations

import pytest

from simulator.orders import Side
from simulator.scenario import compile_scenario, load_scenario
from simulator.scenario_market import scenario_market, scenario_session


@pytest.mark.parametrize(("name", "seed"), [("calm", 3), ("flash_crash", 11)])
def test_the_tape_and_the_backtest_market_trade_the_same(name: str, seed: int) -> None:
    compiled = compile_scenario(load_scenario(name))
    tape = scenario_session(compiled, seed)
    market = scenario_market(compiled, seed)
    until = compiled.start_epoch + min(compiled.duration_s, 1200.0)
    market.advance(until)
    traded = [(t.time, t.price, t.qty, 1 if t.aggressor is Side.BUY else -1) for t in market.drain_trades()]
    keep = tape.trades.time < until
    recorded = list(zip(tape.trades.time[keep].tolist(), tape.trades.price[keep].tolist(),
                        tape.trades.qty[keep].tolist(), tape.trades.aggressor[keep].tolist(), strict=True))
    assert len(traded) > 100
    assert traded == recorded


def test_another_seed_is_another_market() -> None:
    compiled = compile_scenario(load_scenario("calm"))
    a, b = scenario_session(compiled, 3), scenario_session(compiled, 4)
    assert a.trades.price[:50].tolist() != b.trades.price[:50].tolist()
