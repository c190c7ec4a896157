"""Parents that break a risk limit are rejected on arrival with OrdRejReason 3 and a Text naming the limit,
and change nothing; quantities are read exactly, never through a float."""

from __future__ import annotations

import pytest
from engine_harness import Harness

from risk.trading_state import TradingState


@pytest.mark.parametrize(("qty", "text"), [
    ("100000000", "risk: OrderQty 100,000,000 exceeds the CRYPTOALPHA limit of 1,000,000"),
    (str(2**63), "risk: OrderQty 9,223,372,036,854,775,808 exceeds the CRYPTOALPHA limit of 1,000,000"),
    ("99999999999999999999", "risk: OrderQty 99,999,999,999,999,999,999 exceeds the CRYPTOALPHA limit"),
    ("900000", "risk: OrderQty 900,000 is 45.0% of CRYPTOALPHA's ADV 2,000,000"),
])
def test_oversized_parents_are_rejected_naming_the_limit(qty: str, text: str) -> None:
    h = Harness(risk={"max_adv_fraction": 0.4})
    h.new(qty)
    last = h.oms.reports[-1]
    assert (last.exec_type, last.ord_status, last.ord_rej_reason) == ("8", "8", "3")
    assert (last.text or "").startswith(text)
    assert last.order_qty == int(qty)  # echoed exactly: no float on the way
    assert h.engine.parents == {} and not h.venue.sent


@pytest.mark.parametrize("qty", ["1e20", "1.5", "12abc", "-5", "0"])
def test_a_quantity_that_is_not_whole_units_is_rejected(qty: str) -> None:
    h = Harness()
    h.new(qty)
    last = h.oms.reports[-1]
    assert (last.ord_status, last.ord_rej_reason) == ("8", "13") and h.engine.parents == {}


def test_a_burst_of_parents_is_throttled_per_session() -> None:
    h = Harness(risk={"new_orders_per_second": 10, "new_order_burst": 20})
    for _ in range(50):
        h.new(100)
    rejected = [r for r in h.oms.reports if r.exec_type == "8"]
    assert len(h.engine.parents) == 20 and len(rejected) == 30
    assert all(r.ord_rej_reason == "3" and "throttled" in (r.text or "") for r in rejected)
    h.tick(1.0)  # a second later, ten more fit
    for _ in range(11):
        h.new(100)
    assert len(h.engine.parents) == 30


def test_a_halted_symbol_takes_no_parent_and_sends_no_child_but_cancels_pass() -> None:
    h = Harness()
    cl = h.new(1000)
    h.tick()
    h.ack_all()
    assert h.live_venue_orders()
    h.engine.risk.set_state(TradingState.HALTED, "CRYPTOALPHA")
    h.new(1000)
    assert h.oms.reports[-1].text == "risk: trading in CRYPTOALPHA is HALTED: no new orders"
    sent = len(h.venue.sent)
    h.tick(10)
    assert len(h.venue.sent) == sent  # nothing new leaves
    h.cancel(cl)
    h.ack_all()
    assert h.oms.for_order(*[r.cl_ord_id for r in h.oms.reports])[-1].ord_status == "4"
    assert not h.live_venue_orders()
