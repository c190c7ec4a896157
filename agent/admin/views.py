"""What the admin endpoint shows, as plain JSON-ready dicts built from the engine's read-only views."""

from __future__ import annotations

import dataclasses
from typing import Any

from agent.core.child_order import ChildOrder
from agent.core.engine import Engine
from agent.core.operator_desk import OperatorOutcome
from agent.core.parent_order import ParentOrder
from risk.risk_engine import RiskEngine


def ready_problems(engine: Engine, oms_open: bool) -> list[str]:
    """Why the agent is not ready to trade; empty when it is."""
    problems = []
    if engine.ctx.stopping:
        problems.append("the agent is shutting down")
    if not engine.venue_up:
        problems.append("venue session not logged on")
    elif engine.reconciling:
        problems.append("venue reconciliation in progress")
    if not oms_open:
        problems.append("OMS side not open yet")
    return problems


def parent_summary(parent: ParentOrder) -> dict[str, Any]:
    return {
        "order_id": parent.order_id,
        "session": parent.session,
        "cl_ord_id": parent.cl_ord_id,
        "symbol": parent.instrument.symbol,
        "side": parent.side.name.lower(),
        "status": parent.status.name,
        "done": parent.is_done,
        "finishing": parent.finishing.name if parent.finishing is not None else None,  # waiting for children
        "order_qty": parent.order_qty,
        "cum_qty": parent.cum_qty,
        "leaves_qty": parent.leaves_qty,
        "avg_px": parent.avg_px,
        "limit_px": parent.limit_px,
        "strategy": parent.strategy,
        "start": parent.start,
        "end": parent.end,
        "holds": dict(parent.holds),
        "fallback": parent.fallback_reason,  # why its strategy failed and TWAP carries it
        "live_children": len(parent.live_children),
    }


def parent_detail(parent: ParentOrder) -> dict[str, Any]:
    return parent_summary(parent) | {"children": [_child(c) for c in parent.children.values()]}


def risk_view(risk: RiskEngine) -> dict[str, Any]:
    return {
        "trading_states": {scope: state.name for scope, state in risk.states().items()},
        "limits": dataclasses.asdict(risk.limits),
        "breakers": breakers_view(risk),
    }


def breakers_view(risk: RiskEngine) -> dict[str, Any]:
    """The circuit breakers for /risk: what is tripped, recent trips and clears, each symbol's readings."""
    return risk.breakers.snapshot()


def outcome_view(outcome: OperatorOutcome, engine: Engine) -> dict[str, Any]:
    """What an action did, with the parents it acted on and the trading states it left."""
    parents = [engine.parents[order_id] for order_id in outcome.parents if order_id in engine.parents]
    return {
        "summary": outcome.summary,
        "parents": [parent_summary(p) for p in parents],
        "children_cancelled": list(outcome.children),
        "changed": list(outcome.changed),
        "trading_states": {scope: state.name for scope, state in engine.risk.states().items()},
    }


def _child(child: ChildOrder) -> dict[str, Any]:
    return {
        "child_id": child.child_id,
        "cl_ord_id": child.cl_ord_id,
        "status": child.status.name,
        "qty": child.qty,
        "cum_qty": child.cum_qty,
        "price": child.price,
        "tif": child.tif.name,
    }
