"""The order core against a venue that misbehaves on purpose (hypothesis).

For random parents, OMS requests, venue session losses and fault schedules (delayed acks, fills before acks,
duplicated and reordered reports, dropped cancels, cancels that overtake their New, unsolicited cancels,
DoneForDay, restatements), the real engine works the parents against the simulator's order desk and:
- nothing is overfilled, at the venue or towards the OMS;
- every venue fill reaches the OMS exactly once: the OMS's CumQty and its LastQty sum equal the venue's fills;
- CumQty + LeavesQty = OrderQty while working, AvgPx is the fill-weighted price, ExecIDs are unique;
- a parent is reported final only when no child of it can still fill, and no child is left working;
- every parent is final by its end time plus the follow-ups.

CI runs 500 examples; `FOOTPRINT_PROPERTY_EXAMPLES=5000 .venv/bin/pytest tests/agent/test_order_core_faults.py`
runs the long seeded version.
"""

from __future__ import annotations

import os

from engine_harness import TERMINAL, assert_parent_invariants
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from order_core_world import ACK_TIMEOUT_S, OmsAction, ParentSpec, World

from agent.core.ids import parent_of
from simulator.venue_faults import VenueFaults

EXAMPLES = int(os.environ.get("FOOTPRINT_PROPERTY_EXAMPLES", "500"))

probability = st.sampled_from([0.0, 0.0, 0.1, 0.3])
faults = st.builds(
    VenueFaults,
    seed=st.integers(0, 2**16),
    max_delay_s=st.sampled_from([0.2, 0.5]),
    event_window_s=st.sampled_from([5.0, 20.0]),
    delay_acks=probability,
    fills_before_acks=probability,
    duplicate_reports=probability,
    reorder_reports=probability,
    drop_cancels=probability,
    cancel_overtakes_new=probability,
    unsolicited_cancels=st.sampled_from([0.0, 0.05, 0.2]),
    done_for_day=st.sampled_from([0.0, 0.05, 0.2]),
    restatements=st.sampled_from([0.0, 0.05, 0.2]),
)
parent = st.builds(
    ParentSpec,
    qty=st.integers(1, 60).map(lambda n: n * 500),
    side=st.sampled_from(["1", "2"]),
    duration_s=st.floats(10.0, 60.0),
    start_s=st.floats(0.0, 10.0),
    limit_offset_ticks=st.one_of(st.none(), st.integers(-5, 30)),
)
action = st.builds(
    OmsAction,
    at_s=st.floats(0.0, 70.0),
    kind=st.sampled_from(["cancel", "replace", "replace", "mass_cancel", "status"]),
    parent=st.integers(0, 2),
    qty_fraction=st.floats(0.2, 1.5),
)
outage = st.one_of(st.none(), st.tuples(st.floats(2.0, 50.0), st.floats(0.5, 8.0)).map(lambda p: (p[0], p[0] + p[1])))


@seed(20261201)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market_seed=st.integers(0, 2**16), venue_faults=faults, parents=st.lists(parent, min_size=1, max_size=3),
       actions=st.lists(action, max_size=4), venue_outage=outage)
def test_order_core_survives_every_fault(market_seed: int, venue_faults: VenueFaults, parents: list[ParentSpec],
                                         actions: list[OmsAction], venue_outage: tuple[float, float] | None) -> None:
    world = World(market_seed, venue_faults, parents, actions, venue_outage)
    engine = world.run()
    reports = world.oms.reports
    assert_parent_invariants(reports)

    # The venue's truth, per parent.
    venue_fills: dict[str, int] = {}
    for order in world.venue.ledger():
        owner = parent_of(order.cl_ord_ids[0])
        assert owner is not None, f"venue order {order.cl_ord_ids} is not one of ours"
        assert not order.working, f"child {order.cl_ord_ids} left working at the venue"
        assert order.cum_qty == sum(f.qty for f in order.fills)
        venue_fills[owner] = venue_fills.get(owner, 0) + order.cum_qty
    used = [c for order in world.venue.ledger() for c in order.cl_ord_ids]
    assert len(used) == len(set(used)), "a child ClOrdID was used twice"

    for order_id, p in engine.parents.items():
        mine = [r for r in reports if r.order_id == order_id]
        last = mine[-1]
        assert last.ord_status in TERMINAL, f"parent {order_id} not final: {last.ord_status} ({last.text})"
        trades = sum(r.last_qty for r in mine if r.exec_type == "F")
        assert last.cum_qty == trades == venue_fills.get(order_id, 0) == p.cum_qty
        assert p.cum_qty <= p.order_qty, "overfilled"
        first_final = next(k for k, r in enumerate(mine) if r.ord_status in TERMINAL)
        final_at = mine[first_final].transact_time
        late = [r for r in mine[first_final + 1:] if r.exec_type == "F"]
        assert not late, f"parent {order_id} reported final, then filled {sum(r.last_qty for r in late)}"
        # Final by its end time plus the follow-ups: a dropped cancel costs one ack timeout, and so can each
        # fault delay, a reconnect and a DoneForDay'd order's settlement.
        assert final_at <= p.end + 8 * ACK_TIMEOUT_S + (venue_outage[1] - venue_outage[0] if venue_outage else 0), \
            f"parent {order_id} final {final_at - p.end:.1f} s after its end"
    assert engine.idle
