"""The decision tick: each working parent's strategy proposes child actions, the risk gate passes or refuses
each one, and the child-order manager carries out what passes.

A strategy that raises or answers something malformed (see `strategy_guard`) has failed: the parent carries on
with the fallback strategy (TWAP) over its remaining horizon, and the OMS hears of it in the Text of a Restated
ExecutionReport. If the fallback itself fails, the parent waits for the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from agent.core.child_manager import ChildManager
from agent.core.orders import EngineContext
from agent.core.parent_desk import ParentDesk, end_event
from agent.core.parent_order import ParentOrder
from agent.core.strategy_guard import malformed, well_formed
from fix_config.vocabulary import ExecType
from strategies.strategy import Strategy
from strategies.types import ChildAction

log = logging.getLogger("footprint.engine")


class DecisionTick:
    def __init__(self, ctx: EngineContext, parents: ParentDesk, children: ChildManager,
                 strategies: dict[str, Strategy], fallback: Strategy) -> None:
        self._ctx = ctx
        self._parents = parents
        self._children = children
        self.strategies = strategies
        self.fallback = fallback

    def run(self) -> None:
        """One decision round over every working parent."""
        ctx = self._ctx
        now = ctx.clock.now()
        for parent in list(ctx.book.parents.values()):
            if parent.is_done or parent.pending is not None or parent.finishing is not None:
                continue
            if now >= parent.end:
                self._parents.begin_finish(parent, end_event(parent),
                                           f"end time reached with {parent.leaves_qty} unfilled")
                continue
            if not ctx.may_trade:
                continue
            actions = self._decide(parent, now)
            for action in actions:
                verdict = ctx.risk.check_child(parent.view(), action)
                if not verdict.ok:
                    log.warning("risk refused %s for parent %s: %s", action, parent.order_id, verdict.reason)
                    continue
                self._children.execute(parent, action)

    def _decide(self, parent: ParentOrder, now: float) -> Sequence[ChildAction]:
        quote = self._ctx.quotes.get(parent.instrument.symbol)
        view = parent.view()
        strategy = self.fallback if parent.fallback_reason is not None else self.strategies[parent.strategy]
        try:
            answer: object = strategy.decide(view, quote, now)
            problem = malformed(view, answer)
        except Exception as exc:
            log.exception("strategy %s raised on parent %s", strategy.name, parent.order_id)
            problem = f"raised {type(exc).__name__}: {exc}"
        if problem is None:
            return well_formed(answer)
        if parent.fallback_reason is not None:
            log.critical("fallback strategy %s failed on parent %s (%s): nothing sent this tick", strategy.name,
                         parent.order_id, problem)
            return []
        self._fall_back(parent, f"strategy {parent.strategy} failed ({problem})", now)
        return self._decide(parent, now)

    def _fall_back(self, parent: ParentOrder, why: str, now: float) -> None:
        """Carry the parent on with the fallback strategy, re-planned over what is left of its horizon."""
        parent.fallback_reason = why
        parent.plan_start = now
        parent.plan_cum_qty = parent.cum_qty
        text = f"{why}; continuing on {self.fallback.name} until its end time"
        log.error("parent %s: %s", parent.order_id, text)
        self._parents.report(parent, ExecType.RESTATED, text=text)
