"""The risk overlay holds whatever a strategy proposes (hypothesis).

For random parents (sides, sizes, limit or market, with and without ParticipationRate), random markets (seeds),
a fault-mode venue, random trading-state changes and a strategy slot that mixes the real TWAP's answers with
reckless ones (prices far outside the collar and through the limit, market orders, oversized children, random
replaces and cancels), the real engine works the parents against the simulator and:
- no new order or replace leaves outside its collar around the mid the engine held when it left;
- no child leaves through its parent's limit, and no market child leaves for a limit parent;
- nothing but cancels leaves while HALTED, and no new order while REDUCING;
- no parent is overfilled, at the venue or towards the OMS;
- every cancel the risk engine is asked about for a working child passes.

CI runs 200 examples; `FOOTPRINT_PROPERTY_EXAMPLES=2000 .venv/bin/pytest tests/agent/test_risk_properties.py`
runs the long seeded version.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from order_core_world import SYMBOL, ParentSpec, World

from agent.core.commands import Command, Outlet, VenueCancel, VenueNewOrder, VenueReplace
from agent.core.engine import Engine
from agent.core.ids import parent_of
from risk.child_market import ChildMarket
from risk.trading_state import TradingState
from risk.verdict import RiskVerdict
from simulator.venue_faults import VenueFaults
from strategies.strategy import Strategy
from strategies.types import (
    CancelChild,
    ChildAction,
    ChildTif,
    ParentView,
    PlaceChild,
    Quote,
    ReplaceChild,
    Side,
)

EXAMPLES = int(os.environ.get("FOOTPRINT_PROPERTY_EXAMPLES", "200"))
TOLERANCE_BPS = 1e-4


class Reckless:
    """The real strategy's answer, and sometimes something a risk overlay must stop instead."""

    def __init__(self, real: Strategy, rng: random.Random, wildness: float) -> None:
        self.real = real
        self.name = real.name
        self.rng = rng
        self.wildness = wildness

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]:
        actions = list(self.real.decide(parent, quote, now))
        rng, inst = self.rng, parent.instrument
        mid = quote.mid if quote is not None else None
        if mid is None or rng.random() > self.wildness:
            return actions
        # Well formed (more than the leaves would be a strategy failure, not a risk refusal): within what the
        # real answer leaves uncommitted.
        placed = sum(a.qty for a in actions if isinstance(a, PlaceChild))
        lots = max((parent.leaves_qty - placed) // inst.lot_size, 0)
        kind = rng.choice(["place", "place", "market", "replace", "cancel"])
        price = inst.from_ticks(inst.to_ticks(mid * (1 + rng.uniform(-0.05, 0.05))))
        if kind in ("place", "market") and lots:
            qty = rng.randint(1, lots) * inst.lot_size
            actions.append(PlaceChild(qty, None if kind == "market" else price,
                                      ChildTif.IOC if kind == "market" else rng.choice(list(ChildTif)), "reckless"))
        working = [c for c in parent.children if not c.pending]
        if kind == "replace" and working:
            child = rng.choice(working)
            qty = rng.randint(1, max(parent.leaves_qty // inst.lot_size, 1)) * inst.lot_size
            if qty <= parent.leaves_qty and not any(getattr(a, "child_id", None) == child.child_id
                                                    for a in actions):
                actions.append(ReplaceChild(child.child_id, qty, price, "reckless"))
        if kind == "cancel" and working:
            actions.append(CancelChild(rng.choice(working).child_id, "reckless"))
        return actions


@dataclass
class Watch:
    """Checks every command as the engine emits it, against what the engine held at that moment."""

    engine: Engine
    inner: Outlet
    collar_bps: float
    sent: list[Command] = field(default_factory=list)
    refused_cancels: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def emit(self, command: Command) -> None:
        self.sent.append(command)
        if isinstance(command, VenueNewOrder | VenueReplace):
            self._check(command)
        self.inner.emit(command)

    def _check(self, command: VenueNewOrder | VenueReplace) -> None:
        engine = self.engine
        state = engine.risk.state(command.symbol)
        assert state is not TradingState.HALTED, f"{command} left while HALTED"
        assert not (isinstance(command, VenueNewOrder) and state is TradingState.REDUCING), \
            f"{command} left while REDUCING"
        owner = parent_of(command.cl_ord_id)
        assert owner is not None
        parent = engine.parents[owner]
        quote = engine.quotes[command.symbol]
        assert quote.mid is not None, f"{command} left without a two-sided book"
        side = Side(command.side)
        price = float(command.price) if command.price is not None else quote.far_touch(side)
        assert price is not None
        off = abs(price / quote.mid - 1) * 1e4
        assert off <= self.collar_bps + TOLERANCE_BPS, \
            f"{command} is {off:.2f} bps from mid {quote.mid}, collar {self.collar_bps}"
        if parent.limit_px is not None:
            assert command.price is not None, f"market child {command} for a limit parent"
            assert (price - parent.limit_px) * side.sign <= parent.instrument.tick_size * 1e-6, \
                f"{command} through the limit {parent.limit_px}"


@dataclass(frozen=True)
class StateFlip:
    at_s: float
    state: TradingState
    global_scope: bool


@seed(20261202)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market_seed=st.integers(0, 2**16),
    rng_seed=st.integers(0, 2**32 - 1),
    wildness=st.sampled_from([0.2, 0.5, 1.0]),
    collar_bps=st.sampled_from([20.0, 50.0, 200.0]),
    parents=st.lists(st.builds(
        ParentSpec,
        qty=st.integers(1, 40).map(lambda n: n * 500),
        side=st.sampled_from(["1", "2"]),
        duration_s=st.floats(10.0, 40.0),
        start_s=st.floats(0.0, 10.0),
        limit_offset_ticks=st.one_of(st.none(), st.integers(-10, 40)),
    ), min_size=1, max_size=3),
    caps=st.lists(st.sampled_from([None, 0.05, 0.3]), min_size=3, max_size=3),
    flips=st.lists(st.builds(StateFlip, at_s=st.floats(0.0, 50.0), state=st.sampled_from(list(TradingState)),
                             global_scope=st.booleans()), max_size=3),
    fault_seed=st.integers(0, 2**16),
    faulty=st.booleans(),
)
def test_no_child_leaves_outside_its_limits_and_cancels_always_pass(
        market_seed: int, rng_seed: int, wildness: float, collar_bps: float, parents: list[ParentSpec],
        caps: list[float | None], flips: list[StateFlip], fault_seed: int, faulty: bool) -> None:
    run_world(market_seed, rng_seed, wildness, collar_bps, parents, caps, flips, fault_seed, faulty)


def test_the_reckless_slot_is_refused_for_every_kind_of_limit() -> None:
    """The property above is not vacuous: in one fixed world the reckless answers hit each limit."""
    parents = [ParentSpec(20_000, "1", 40.0, 0.0, 5), ParentSpec(20_000, "2", 40.0, 1.0, None),
               ParentSpec(10_000, "1", 40.0, 2.0, None)]
    w = run_world(7, 11, 1.0, 20.0, parents, [None, None, 0.05], [StateFlip(30.0, TradingState.REDUCING, False)],
                  0, False)
    seen = " | ".join(w.refusals)
    for reason in ("collar", "above the limit", "market child on a limit parent", "participation",
                   "would trade against our own", "REDUCING"):
        assert reason in seen, f"no refusal for {reason!r} in {len(w.refusals)} refusals"
    assert any(isinstance(c, VenueNewOrder) for c in w.sent) and any(isinstance(c, VenueCancel) for c in w.sent)


def run_world(market_seed: int, rng_seed: int, wildness: float, collar_bps: float, parents: list[ParentSpec],
              caps: list[float | None], flips: list[StateFlip], fault_seed: int, faulty: bool) -> Watch:
    faults = VenueFaults(seed=fault_seed, delay_acks=0.2, fills_before_acks=0.2, duplicate_reports=0.1,
                         drop_cancels=0.1, restatements=0.05) if faulty else VenueFaults()
    watch: list[Watch] = []
    pending = sorted(flips, key=lambda f: f.at_s)

    def setup(engine: Engine) -> None:
        slot = engine.decisions.strategies
        slot["TWAP"] = Reckless(slot["TWAP"], random.Random(rng_seed), wildness)  # type: ignore[assignment]
        w = Watch(engine, engine.ctx.outlet, collar_bps)
        engine.ctx.outlet = w
        watch.append(w)
        check = engine.risk.check_child

        def audited(parent: ParentView, action: ChildAction, market: ChildMarket, now: float) -> RiskVerdict:
            verdict = check(parent, action, market, now)
            if not verdict.ok:
                w.refusals.append(verdict.reason)
            if isinstance(action, CancelChild) and any(c.child_id == action.child_id for c in parent.children) \
                    and not verdict.ok:
                w.refused_cancels.append(f"{action}: {verdict.reason}")
            return verdict

        engine.risk.check_child = audited  # type: ignore[method-assign]

    def every_step(engine: Engine, t: float) -> None:
        while pending and pending[0].at_s <= t:
            flip = pending.pop(0)
            engine.risk.set_state(flip.state, None if flip.global_scope else SYMBOL)
        for i, p in enumerate(engine.parents.values()):
            p.participation_cap = caps[i % len(caps)]

    world = World(market_seed, faults, parents, [], None, config={"risk": {"child_collar_bps": collar_bps}},
                  setup=setup, every_step=every_step)
    engine = world.run()
    (w,) = watch
    assert w.refused_cancels == []
    venue_fills: dict[str, int] = {}
    for order in world.venue.ledger():
        owner = parent_of(order.cl_ord_ids[0])
        assert owner is not None
        venue_fills[owner] = venue_fills.get(owner, 0) + order.cum_qty
    for order_id, p in engine.parents.items():
        assert p.cum_qty <= p.order_qty and venue_fills.get(order_id, 0) <= p.order_qty, f"{order_id} overfilled"
        mine = [r for r in world.oms.reports if r.order_id == order_id]
        assert all(r.cum_qty <= p.order_qty for r in mine)
    return w
