"""The circuit breakers inside the engine: feeds the risk engine's breaker board what the engine sees (quotes,
ticks, venue rejects, fills, strategy failures) and applies each tripped breaker's action to the parents in its
scope; when a breaker clears, undoes it.

Level-triggered: `apply` compares what the board says is tripped with what has been done to each parent, so a
parent that arrives while a breaker is tripped is treated like one that was there, and a journal replay that
feeds the same events does the same things. Each parent whose handling changes hears of it in a Restated
ExecutionReport naming the breaker, what it measured, and the action (and again when it lets go).

- pause: a hold on the parent (no strategy asked, nothing sent) and its working children cancelled; when the
  breaker clears, the hold goes and the parent's schedule is re-planned over what is left of its horizon, so it
  does not rush to catch up on what it missed;
- twap: the parent carries on with the TWAP fallback until its end time (it stays there after the breaker clears);
- reducing: the symbol is REDUCING (the risk engine reads the board): only cancels and replaces down pass;
- halted: the symbol (or everything) is HALTED and its parents are paused until an operator resumes.
"""

from __future__ import annotations

import logging
from typing import Protocol

from agent.core.child_manager import ChildManager
from agent.core.child_order import ChildOrder
from agent.core.orders import EngineContext
from agent.core.parent_desk import ParentDesk
from agent.core.parent_order import ParentOrder
from fix_config.vocabulary import ExecType
from risk.breakers import BreakerBoard, Trip
from strategies.types import Quote

log = logging.getLogger("footprint.engine")

_HOLDING = ("pause", "halted")


class FallBack(Protocol):
    """What the watch asks of the decision tick: hand a parent to the fallback strategy."""

    def fall_back(self, parent: ParentOrder, why: str, now: float) -> None: ...


class BreakerWatch:
    def __init__(self, ctx: EngineContext, parents: ParentDesk, children: ChildManager, decisions: FallBack) -> None:
        self._ctx = ctx
        self._parents = parents
        self._children = children
        self._decisions = decisions
        # What each tripped breaker has done: its trip, and the parents it acted on.
        self._applied: dict[str, tuple[Trip, set[str]]] = {}

    @property
    def board(self) -> BreakerBoard:
        return self._ctx.risk.breakers

    # ------------------------------------------------------------------ what the engine sees

    def on_quote(self, quote: Quote) -> None:
        self.board.on_quote(quote, self._ctx.clock.now())
        self.apply()

    def on_tick(self) -> None:
        self.board.on_tick(self._ctx.clock.now(), feed_up=self._ctx.venue_up)
        self.apply()

    # The child-order manager and the decision tick only tell the board; the engine applies after the event.

    def on_child_reject(self, parent: ParentOrder, text: str | None) -> None:
        self.board.on_child_reject(parent.instrument.symbol, text or "", self._ctx.clock.now())

    def on_child_fill(self, parent: ParentOrder, child: ChildOrder, qty: int, px: float) -> None:
        """A trade report, before it is booked: is it off the book, or past what the order could fill?"""
        ctx = self._ctx
        symbol = parent.instrument.symbol
        self.board.on_fill(symbol, parent.side, qty, px, child.price, child.qty - child.cum_qty,
                           parent.order_qty - parent.cum_qty, ctx.quotes.get(symbol), ctx.clock.now())

    def on_strategy_failure(self, parent: ParentOrder, strategy: str, problem: str) -> None:
        self.board.on_strategy_failure(parent.instrument.symbol, parent.order_id, strategy, problem,
                                       self._ctx.clock.now())

    def on_decision_overrun(self, parent: ParentOrder, elapsed_s: float) -> None:
        self.board.on_decision_overrun(parent.instrument.symbol, parent.order_id, elapsed_s, self._ctx.clock.now())

    # ------------------------------------------------------------------ applying the board

    def apply(self) -> None:
        """Bring every parent in line with what is tripped now: lift what has cleared, act on what has tripped."""
        tripped = {t.hold_key: t for t in self.board.trips()}
        for key in [k for k in self._applied if k not in tripped]:
            trip, parent_ids = self._applied.pop(key)
            for order_id in sorted(parent_ids):
                parent = self._ctx.book.parents.get(order_id)
                if parent is not None and not parent.is_done:
                    self._release(parent, trip)
        for key, trip in tripped.items():
            _, done = self._applied.setdefault(key, (trip, set()))
            for parent in list(self._ctx.book.parents.values()):
                if parent.order_id in done or parent.is_done or parent.finishing is not None:
                    continue
                if trip.scope.covers(parent.instrument.symbol, parent.side, parent.order_id):
                    done.add(parent.order_id)
                    self._engage(parent, trip)

    def _engage(self, parent: ParentOrder, trip: Trip) -> None:
        why = f"circuit breaker {trip.breaker} ({trip.scope}): {trip.text}"
        if trip.action == "twap":
            if parent.fallback_reason is None:
                self._decisions.fall_back(parent, why, self._ctx.clock.now())
            return
        if trip.action in _HOLDING:
            parent.holds[trip.hold_key] = why
            self._children.cancel_children(parent, f"circuit breaker {trip.breaker}")
        effect = {
            "pause": "paused, working children cancelled, until it clears",
            "halted": f"trading in {trip.scope.symbol or 'every symbol'} HALTED, order paused and working children "
                      "cancelled until an operator resumes",
            "reducing": f"trading in {trip.scope.symbol or 'every symbol'} REDUCING: only cancels and replaces down",
        }[trip.action]
        self._parents.report(parent, ExecType.RESTATED, text=f"{why}; {effect}")

    def _release(self, parent: ParentOrder, trip: Trip) -> None:
        if trip.action == "twap":
            return  # the parent stays on the fallback until its end time
        cleared = self.board.last_clear.get(trip.key)
        why = f"circuit breaker {trip.breaker} ({trip.scope}) {cleared.text if cleared else 'cleared'}"
        if trip.action in _HOLDING:
            parent.holds.pop(trip.hold_key, None)
            if parent.holds:
                text = f"{why}; still held: {', '.join(parent.holds)}"
            else:
                now = self._ctx.clock.now()
                parent.replan(now)
                text = f"{why}; resuming, schedule re-planned over the {max(parent.end - now, 0.0) / 60:.1f} " \
                       "min left"
        else:
            state = self._ctx.risk.state(parent.instrument.symbol)
            text = f"{why}; trading in {parent.instrument.symbol} is {state.name}"
        log.info("parent %s: %s", parent.order_id, text)
        self._parents.report(parent, ExecType.RESTATED, text=text)
