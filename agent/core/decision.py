"""The decision tick: each working parent's strategy proposes child actions, the risk gate passes or refuses
each one, and the child-order manager carries out what passes.

A strategy that raises or answers something malformed (see `strategy_guard`) has failed: the parent carries on
with the fallback strategy (TWAP) over its remaining horizon, and the OMS hears of it in the Text of a Restated
ExecutionReport. If the fallback itself fails, the parent waits for the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from agent.core.child_manager import ChildManager
from agent.core.events import DecisionOverrun
from agent.core.orders import EngineContext
from agent.core.parent_desk import ParentDesk, end_event
from agent.core.parent_order import ParentOrder
from agent.core.strategy_guard import malformed, well_formed
from fix_config.vocabulary import ExecType
from risk.child_market import ChildMarket, OwnOrder
from strategies.strategy import Strategy
from strategies.types import ChildAction

_REFUSAL_LOG_S = 10.0

log = logging.getLogger("footprint.engine")


class DecisionTick:
    def __init__(self, ctx: EngineContext, parents: ParentDesk, children: ChildManager,
                 strategies: dict[str, Strategy], fallback: Strategy) -> None:
        self._ctx = ctx
        self._parents = parents
        self._children = children
        self.strategies = strategies
        self.fallback = fallback
        self.overruns: list[DecisionOverrun] = []  # strategies over budget in the last round, as measured
        # Told of every failure, the fallback's included (parent, strategy name, problem): breakers count them.
        self.on_failure: Callable[[ParentOrder, str, str], None] | None = None
        # Told of every decision over the strategy time budget (parent, seconds it took): a breaker counts them.
        self.on_overrun: Callable[[ParentOrder, float], None] | None = None
        self._refusal_logged: dict[str, float] = {}

    def run(self, journaled_overruns: tuple[DecisionOverrun, ...] | None = None) -> None:
        """One decision round over every working parent. Strategies are timed against their budget unless
        `journaled_overruns` says which ran over (a replay); `overruns` then holds what this round measured."""
        ctx = self._ctx
        now = ctx.clock.now()
        self.overruns = []
        forced = None if journaled_overruns is None else {o.parent_id: o.elapsed_s for o in journaled_overruns}
        own = _OwnOrders(ctx)
        for parent in list(ctx.book.parents.values()):
            if parent.is_done or parent.pending is not None or parent.finishing is not None:
                continue
            if now >= parent.end:
                self._parents.begin_finish(parent, end_event(parent),
                                           f"end time reached with {parent.leaves_qty} unfilled")
                continue
            if not ctx.may_trade or parent.holds:
                continue
            actions = self._decide(parent, now, forced)
            for action in actions:
                market = ChildMarket(ctx.quotes.get(parent.instrument.symbol),
                                     own.others(parent), len(parent.live_children))
                verdict = ctx.risk.check_child(parent.view(), action, market, now)
                if not verdict.ok:
                    self._refused(parent, action, verdict.reason, now)
                    continue
                self._children.execute(parent, action)
                own.changed(parent)

    def _refused(self, parent: ParentOrder, action: ChildAction, reason: str, now: float) -> None:
        """Log a refusal loudly once per parent every `_REFUSAL_LOG_S`: a limit that binds refuses every tick."""
        if now - self._refusal_logged.get(parent.order_id, -_REFUSAL_LOG_S) >= _REFUSAL_LOG_S:
            self._refusal_logged[parent.order_id] = now
            log.warning("risk refused %s for parent %s: %s", action, parent.order_id, reason)
        else:
            log.debug("risk refused %s for parent %s: %s", action, parent.order_id, reason)
        if len(self._refusal_logged) > 4 * len(self._ctx.book.parents) + 64:
            live = self._ctx.book.parents
            self._refusal_logged = {k: v for k, v in self._refusal_logged.items() if k in live}

    def _decide(self, parent: ParentOrder, now: float, forced: dict[str, float] | None) -> Sequence[ChildAction]:
        quote = self._ctx.quotes.get(parent.instrument.symbol)
        if parent.start_volume is None and quote is not None and now >= parent.start:
            parent.start_volume = quote.volume
        view = parent.view()
        on_fallback = parent.fallback_reason is not None
        strategy = self.fallback if on_fallback else self.strategies[parent.strategy]
        budget = self._ctx.settings.strategy_budget_s
        if not on_fallback and forced is not None and parent.order_id in forced:
            problem: str | None = self._overran(parent, forced[parent.order_id], budget)  # as measured live
        else:
            stopwatch = self._ctx.stopwatch
            started = stopwatch()
            try:
                answer: object = strategy.decide(view, quote, now)
                problem = malformed(view, answer)
            except Exception as exc:
                log.exception("strategy %s raised on parent %s", strategy.name, parent.order_id)
                problem = f"raised {type(exc).__name__}: {exc}"
            elapsed = stopwatch() - started
            if problem is None and not on_fallback and forced is None and budget is not None and elapsed > budget:
                self.overruns.append(DecisionOverrun(parent.order_id, elapsed))
                problem = self._overran(parent, elapsed, budget)  # its answer is stale by now: not used
            if problem is None:
                return well_formed(answer)
        if self.on_failure is not None and problem is not None:
            self.on_failure(parent, strategy.name, problem)
        if on_fallback:
            log.critical("fallback strategy %s failed on parent %s (%s): nothing sent this tick", strategy.name,
                         parent.order_id, problem)
            return []
        self.fall_back(parent, f"strategy {parent.strategy} failed ({problem})", now)
        return self._decide(parent, now, forced)

    def _overran(self, parent: ParentOrder, elapsed_s: float, budget_s: float | None) -> str:
        if self.on_overrun is not None:
            self.on_overrun(parent, elapsed_s)
        return f"took {elapsed_s * 1e3:.0f} ms to decide, over its {(budget_s or 0.0) * 1e3:.0f} ms budget"

    def fall_back(self, parent: ParentOrder, why: str, now: float) -> None:
        """Carry the parent on with the fallback strategy, re-planned over what is left of its horizon."""
        parent.fallback_reason = why
        parent.replan(now)
        text = f"{why}; continuing on {self.fallback.name} until its end time"
        log.error("parent %s: %s", parent.order_id, text)
        self._parents.report(parent, ExecType.RESTATED, text=text)


class _OwnOrders:
    """Our working child orders per symbol, across parents, for self-trade prevention: built in a round only once a
    child action is checked (most ticks have none), and brought up to date for a parent after it acts."""

    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx
        self._by_symbol: dict[str, dict[str, tuple[OwnOrder, ...]]] | None = None

    def changed(self, parent: ParentOrder) -> None:
        if self._by_symbol is not None:
            self._index(self._by_symbol, parent)

    def others(self, parent: ParentOrder) -> tuple[OwnOrder, ...]:
        if self._by_symbol is None:
            self._by_symbol = {}
            for each in self._ctx.book.parents.values():
                self._index(self._by_symbol, each)
        by_parent = self._by_symbol.get(parent.instrument.symbol, {})
        return tuple(o for pid, orders in by_parent.items() if pid != parent.order_id for o in orders)

    @staticmethod
    def _index(by_symbol: dict[str, dict[str, tuple[OwnOrder, ...]]], parent: ParentOrder) -> None:
        orders = tuple(
            OwnOrder(parent.order_id, parent.side, price)
            for child in parent.live_children
            for price in {child.price, *((child.pending_replace.price,) if child.pending_replace else ())})
        by_parent = by_symbol.setdefault(parent.instrument.symbol, {})
        if orders:
            by_parent[parent.order_id] = orders
        else:
            by_parent.pop(parent.order_id, None)
