"""Invariants under random interleavings of OMS requests, venue fills and time (hypothesis).

- no parent is ever overfilled;
- every ExecutionReport has CumQty + LeavesQty = OrderQty while working, LeavesQty = 0 once done;
- AvgPx equals the fill-weighted average of the LastQty/LastPx reported so far;
- a done parent has no child that can still fill.
"""

from __future__ import annotations

from engine_harness import Harness, assert_parent_invariants
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

step = st.one_of(
    st.tuples(st.just("tick"), st.floats(min_value=0.1, max_value=8.0)),
    st.tuples(st.just("ack"), st.just(0)),
    st.tuples(st.just("fill"), st.floats(min_value=0.05, max_value=1.0)),
    st.tuples(st.just("ioc_done"), st.just(0)),
    st.tuples(st.just("quote"), st.integers(min_value=-20, max_value=20)),
    st.tuples(st.just("cancel"), st.just(0)),
    st.tuples(st.just("replace"), st.floats(min_value=0.0, max_value=1.5)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qty=st.integers(min_value=1, max_value=40).map(lambda n: n * 250), steps=st.lists(step, max_size=60),
       limit=st.sampled_from([None, "20.004", "19.990"]))
def test_invariants_hold_under_any_interleaving(qty: int, steps: list[tuple[str, float]], limit: str | None) -> None:
    h = Harness()
    current = h.new(qty, ord_type="2" if limit else "1", price=limit)
    mid = 20.0
    for kind, arg in steps:
        if kind == "tick":
            h.tick(arg)
        elif kind == "ack":
            h.ack_all()
        elif kind == "fill":
            for order in h.live_venue_orders():
                leaves = order.qty - order.cum
                q = max(1, int(leaves * arg))
                h.fill(order.cl_ord_id, min(q, leaves), order.price or mid)
        elif kind == "ioc_done":
            h.expire_ioc()
        elif kind == "quote":
            mid = 20.0 + arg * 0.001
            h.quote(round(mid - 0.005, 3), round(mid + 0.005, 3))
        elif kind == "cancel":
            h.cancel(current)
        elif kind == "replace":
            parent = next(iter(h.engine.parents.values()))
            new_qty = max(parent.cum_qty, int(parent.order_qty * arg))
            new_qty = max(new_qty, 1)
            cl = h.replace(current, new_qty, price=limit)
            if h.oms.reports and h.oms.reports[-1].cl_ord_id == cl:
                current = cl
        parent = next(iter(h.engine.parents.values()))
        assert parent.cum_qty <= parent.order_qty
        assert parent.exposure_qty <= parent.order_qty - parent.cum_qty
        if parent.is_done:
            assert parent.exposure_qty == 0
    assert_parent_invariants(h.oms.reports)
