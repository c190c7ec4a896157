"""The operator's controls inside the engine: kill, halt and resume a scope (everything, a symbol, a parent), and
change risk limits while running.

- kill: the scope goes HALTED, every child in it is cancelled at once, and every working parent in it is finished
  as Canceled, the OMS told why in Text(58);
- halt: the scope goes HALTED and its children are cancelled, but its parents stay open, paused (a hold) until a
  resume, the OMS told in a Restated ExecutionReport;
- resume: the scope trades again, and paused parents carry on (another Restated report).
While a symbol or everything is HALTED, new parents for it are refused by the risk engine. Cancels go straight to
the child-order manager: nothing on the way can block them.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from agent.core.child_manager import ChildManager
from agent.core.limit_changes import LimitChangeError, changed_limits
from agent.core.operator_requests import LimitsChange, OperatorAction, OperatorCommand, OperatorScope
from agent.core.order_state import OrderEvent
from agent.core.orders import EngineContext, OrderBook
from agent.core.parent_desk import ParentDesk
from agent.core.parent_order import ParentOrder
from fix_config.vocabulary import ExecType
from risk.risk_engine import RiskLimits
from risk.trading_state import TradingState

log = logging.getLogger("footprint.engine")

# Keys in ParentOrder.holds: one for a halt of the parent's symbol or of everything (lifted when its trading state
# is no longer HALTED), one for a halt of that parent alone.
SCOPE_HOLD = "operator halt"
PARENT_HOLD = "operator halt (this order)"


@dataclass(frozen=True)
class OperatorOutcome:
    """What the last operator event did, for the host that fed it (the admin endpoint answers with it)."""

    summary: str
    parents: tuple[str, ...] = ()  # OrderIDs of the parents it acted on
    children: tuple[str, ...] = ()  # child ClOrdIDs it cancelled (sent now, or as soon as the venue allows)
    changed: tuple[str, ...] = ()  # limits: "field: old -> new"
    refused: str | None = None


def find_parent(book: OrderBook, ref: str) -> ParentOrder | None:
    """A parent by OrderID, or by an OMS ClOrdID that names exactly one parent in memory."""
    parent = book.parents.get(ref)
    if parent is not None:
        return parent
    order_ids = {order_id for (_, cl_ord_id), order_id in book.by_cl_ord_id.items() if cl_ord_id == ref}
    return book.parents.get(order_ids.pop()) if len(order_ids) == 1 else None


def scope_problem(ctx: EngineContext, scope: OperatorScope, target: str | None) -> str | None:
    """Why a scope names nothing that exists, or None when it is good."""
    if scope is OperatorScope.ALL:
        return None if target is None else "a scope of all orders takes no target"
    if not target:
        return f"a {scope.value} scope needs a target"
    if scope is OperatorScope.SYMBOL and target not in ctx.settings.validation.instruments:
        return f"unknown symbol {target!r}; configured: {', '.join(sorted(ctx.settings.validation.instruments))}"
    if scope is OperatorScope.PARENT and target not in ctx.book.parents:
        return f"unknown parent order {target!r}"
    return None


class OperatorDesk:
    def __init__(self, ctx: EngineContext, parents: ParentDesk, children: ChildManager) -> None:
        self._ctx = ctx
        self._parents = parents
        self._children = children
        self.last: OperatorOutcome | None = None

    def on_event(self, event: OperatorCommand | LimitsChange) -> None:
        """Carry out an operator's command or limits change; `last` says what it did."""
        if isinstance(event, LimitsChange):
            self._on_limits(event)
        else:
            self._on_command(event)

    # ------------------------------------------------------------------ internals

    def _on_command(self, cmd: OperatorCommand) -> None:
        problem = scope_problem(self._ctx, cmd.scope, cmd.target)
        if problem is not None:
            self._done(OperatorOutcome(f"operator {cmd.action.value} from {cmd.source} refused: {problem}",
                                       refused=problem), logging.ERROR)
            return
        in_scope = [p for p in self._ctx.book.parents.values() if not p.is_done and _covers(cmd, p)]
        if cmd.action is OperatorAction.RESUME:
            self._resume(cmd, in_scope)
            return
        if cmd.scope is not OperatorScope.PARENT:
            self._ctx.risk.set_state(TradingState.HALTED, cmd.target)
        children = tuple(c.child_id for p in in_scope for c in p.live_children)
        if cmd.action is OperatorAction.KILL:
            text = f"killed by operator ({cmd.source}){_because(cmd.reason)}"
            for parent in in_scope:
                self._parents.begin_finish(parent, OrderEvent.CANCELED, text)
            what = "parents finishing as Canceled"
        else:
            text = (f"halted by operator ({cmd.source}){_because(cmd.reason)}; working children cancelled, "
                    "the order stays open until resumed")
            key = PARENT_HOLD if cmd.scope is OperatorScope.PARENT else SCOPE_HOLD
            for parent in in_scope:
                self._children.cancel_children(parent, "operator halt")
                if _workable(parent) and key not in parent.holds:
                    parent.holds[key] = text
                    self._parents.report(parent, ExecType.RESTATED, text=text)
            what = "parents paused"
        self._done(OperatorOutcome(
            f"operator {cmd.action.value} ({_scope_name(cmd)}) from {cmd.source}{_because(cmd.reason)}: "
            f"{_halted_now(cmd)}{len(in_scope)} {what}, {len(children)} children cancelled",
            parents=tuple(p.order_id for p in in_scope), children=children), logging.WARNING)

    def _on_limits(self, change: LimitsChange) -> None:
        risk = self._ctx.risk
        try:
            limits = changed_limits(risk.limits, change.changes)
        except LimitChangeError as exc:
            self._done(OperatorOutcome(f"risk limits change from {change.source} refused: {exc}", refused=str(exc)),
                       logging.ERROR)
            return
        changed = _differences(risk.limits, limits)
        risk.replace_limits(limits)
        self._done(OperatorOutcome(
            f"risk limits changed by {change.source}{_because(change.reason)}: {'; '.join(changed) or 'no change'}",
            changed=changed), logging.WARNING)

    def _resume(self, cmd: OperatorCommand, in_scope: list[ParentOrder]) -> None:
        risk = self._ctx.risk
        cleared = 0
        if cmd.scope is not OperatorScope.PARENT:
            risk.set_state(TradingState.ACTIVE, cmd.target)
            # A breaker that halted trading waits for an operator: this resume is it (all: every breaker).
            cleared = len(risk.breakers.clear(self._ctx.clock.now(), cmd.target, reason=f"operator resume "
                                              f"({cmd.source})"))
        resumed: list[str] = []
        for parent in in_scope:
            if cmd.scope is OperatorScope.PARENT:
                lifted = parent.holds.pop(PARENT_HOLD, None) is not None
            else:
                lifted = (risk.state(parent.instrument.symbol) is not TradingState.HALTED
                          and parent.holds.pop(SCOPE_HOLD, None) is not None)
            if not lifted:
                continue
            resumed.append(parent.order_id)
            parent.replan(self._ctx.clock.now())
            # Breakers send their own reports when they let go (the engine applies them right after this).
            ours = [k for k in (SCOPE_HOLD, PARENT_HOLD) if k in parent.holds]
            still = f"; still held: {', '.join(ours)}" if ours else ""
            self._parents.report(parent, ExecType.RESTATED,
                                 text=f"resumed by operator ({cmd.source}){_because(cmd.reason)}, the rest planned "
                                      f"over the remaining horizon{still}")
        symbols = sorted(self._ctx.settings.validation.instruments)
        halted = ["everything"] if risk.state() is TradingState.HALTED else [
            s for s in symbols if risk.state(s) is TradingState.HALTED]
        active = "" if cmd.scope is OperatorScope.PARENT else f"trading {cmd.target or 'everywhere'} ACTIVE; "
        self._done(OperatorOutcome(
            f"operator resume ({_scope_name(cmd)}) from {cmd.source}{_because(cmd.reason)}: {active}"
            f"{cleared} circuit breakers cleared; {len(resumed)} parents resume ({', '.join(resumed) or 'none'}); "
            f"still HALTED: {', '.join(halted) or 'nothing'}",
            parents=tuple(resumed)), logging.WARNING)

    def _done(self, outcome: OperatorOutcome, level: int) -> None:
        self.last = outcome
        log.log(level, "%s", outcome.summary)


def _covers(cmd: OperatorCommand, parent: ParentOrder) -> bool:
    if cmd.scope is OperatorScope.ALL:
        return True
    if cmd.scope is OperatorScope.SYMBOL:
        return parent.instrument.symbol == cmd.target
    return parent.order_id == cmd.target


def _workable(parent: ParentOrder) -> bool:
    """Not on its way out: neither finishing nor waiting for a cancel."""
    return parent.finishing is None and (parent.pending is None or parent.pending.kind != "cancel")


def _scope_name(cmd: OperatorCommand) -> str:
    return "all" if cmd.scope is OperatorScope.ALL else f"{cmd.scope.value} {cmd.target}"


def _halted_now(cmd: OperatorCommand) -> str:
    return "" if cmd.scope is OperatorScope.PARENT else f"trading {cmd.target or 'everywhere'} HALTED; "


def _because(reason: str) -> str:
    return f": {reason}" if reason else ""


def _differences(old: RiskLimits, new: RiskLimits) -> tuple[str, ...]:
    changed: list[str] = []
    for f in dataclasses.fields(RiskLimits):
        if f.name == "symbols":
            for symbol, limits in new.symbols.items():
                before = dataclasses.asdict(old.symbols[symbol])
                changed += [f"symbols.{symbol}.{k}: {before[k]} -> {v}"
                            for k, v in dataclasses.asdict(limits).items() if before[k] != v]
        elif getattr(old, f.name) != getattr(new, f.name):
            changed.append(f"{f.name}: {getattr(old, f.name)} -> {getattr(new, f.name)}")
    return tuple(changed)
