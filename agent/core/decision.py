"""The decision tick: each working parent's strategy proposes child actions, the risk gate passes or refuses
each one, and the child-order manager carries out what passes."""

from __future__ import annotations

import logging

from agent.core.child_manager import ChildManager
from agent.core.orders import EngineContext
from agent.core.parent_desk import ParentDesk, end_event
from strategies.strategy import Strategy

log = logging.getLogger("footprint.engine")


class DecisionTick:
    def __init__(self, ctx: EngineContext, parents: ParentDesk, children: ChildManager,
                 strategies: dict[str, Strategy]) -> None:
        self._ctx = ctx
        self._parents = parents
        self._children = children
        self._strategies = strategies

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
            quote = ctx.quotes.get(parent.instrument.symbol)
            try:
                actions = self._strategies[parent.strategy].decide(parent.view(), quote, now)
            except Exception:
                log.exception("strategy %s failed on parent %s; skipping this tick", parent.strategy,
                              parent.order_id)
                continue
            for action in actions:
                verdict = ctx.risk.check_child(parent.view(), action)
                if not verdict.ok:
                    log.warning("risk refused %s for parent %s: %s", action, parent.order_id, verdict.reason)
                    continue
                self._children.execute(parent, action)
