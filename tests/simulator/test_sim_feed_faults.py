"""Two venue faults the circuit breakers are tested against: a scenario's market data outage (no refreshes while
it lasts, the book keeps trading) and new orders rejected by the fault-mode venue."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.fix_market_data_desk import MarketDataDesk
from simulator.fix_messages import ExecReport, MarketDataIncrement
from simulator.fix_order_desk import OrderDesk
from simulator.fix_requests import MarketDataRequest, NewOrderRequest
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import simulated_market
from simulator.scenario import ScenarioError, compile_scenario, load_scenario
from simulator.venue_faults import VenueFaults

COIN = "CRYPTOALPHA"
T0 = 1_700_000_000.0


def test_an_outage_stops_the_refreshes_and_the_next_one_carries_every_change() -> None:
    market = simulated_market(3, {COIN: DEFAULT_UNIVERSE[COIN]}, start_time=T0, feed_outages={COIN: [(10.0, 20.0)]})
    desk = MarketDataDesk(market)
    desk.request("S", MarketDataRequest("M1", "1", "5", "1", ("0", "1"), (COIN,)))
    sent: dict[float, int] = {}
    for k in range(1, 30):
        market.advance(T0 + k)
        sent[k] = sum(len(m.entries) for _, m in desk.publish(market.drain_trades())
                      if isinstance(m, MarketDataIncrement))
    assert market.feed_up(COIN) and all(sent[k] == 0 for k in range(10, 20))
    assert sum(sent[k] > 0 for k in range(1, 10)) >= 5 and sent[20] > 0


def test_the_outage_step_is_read_and_checked(tmp_path: Path) -> None:
    compiled = compile_scenario(load_scenario("market_data_outage"))
    assert compiled.outages == ((1200.0, 1320.0),)
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ndescription: x\nseed: 1\nduration: 10m\nsymbol: CRYPTOALPHA\n"
                    "timeline:\n  - {at: 9m, market_data_outage: 2m}\n")
    with pytest.raises(ScenarioError, match=r"timeline\[0\]\.market_data_outage: ends at"):
        load_scenario(path)


def test_reject_new_rejects_orders_without_touching_the_book() -> None:
    market = simulated_market(3, {COIN: DEFAULT_UNIVERSE[COIN]}, start_time=T0)
    desk = OrderDesk(market, "T", {"ME": VenueFaults(seed=1, reject_new=1.0)})
    (routed,) = desk.new_order("ME", NewOrderRequest("C1", COIN, "1", "100", "2", "19.000", None))
    report = routed[1]
    assert isinstance(report, ExecReport) and (report.exec_type, report.ord_status) == ("8", "8")
    assert report.text == "rejected by the venue" and report.ord_rej_reason == 99
    assert market.open_orders("ME") == [] and desk.ledger("ME") == []
