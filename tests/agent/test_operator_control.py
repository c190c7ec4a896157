"""Operator control in the engine: kill, halt and resume by scope, and risk limits changed while running."""

from __future__ import annotations

import dataclasses
import types
from typing import Any, get_type_hints

import pytest
from engine_harness import Harness

from agent.core.commands import ParentExecReport, VenueCancel, VenueNewOrder
from agent.core.limit_changes import LimitChangeError, changed_limits
from agent.core.operator_desk import PARENT_HOLD, SCOPE_HOLD
from agent.core.operator_requests import LimitsChange, OperatorAction, OperatorCommand, OperatorScope
from risk.risk_engine import GLOBAL, RiskLimits, SymbolLimits
from risk.trading_state import TradingState

SOURCE = "alice via admin 127.0.0.1"


def operator(h: Harness, action: str, scope: str = "all", target: str | None = None, reason: str = "") -> None:
    h.send(OperatorCommand(OperatorAction(action), OperatorScope(scope), target, reason, SOURCE))


def working(h: Harness, qty: int = 1000, symbol: str = "CRYPTOALPHA") -> str:
    """A parent with one child acknowledged at the venue; its OMS ClOrdID."""
    cl = h.new(qty, symbol=symbol)
    h.tick()
    h.ack_all()
    return cl


def order_id(h: Harness, cl: str) -> str:
    return next(p.order_id for p in h.engine.parents.values() if p.cl_ord_id == cl)


def last_report(h: Harness, cl: str) -> ParentExecReport:
    return h.oms.for_order(cl)[-1]


def cancels_for(h: Harness, cl: str) -> list[VenueCancel]:
    oid = order_id(h, cl)
    return [m for m in h.venue.sent if isinstance(m, VenueCancel) and m.orig_cl_ord_id.startswith(f"{oid}-C")]


def two_symbols(**overrides: object) -> tuple[Harness, str, str, str]:
    h = Harness(**overrides)
    h.quote(9.99, 10.01, symbol="ACME")
    a, b, c = working(h), working(h), working(h, 6000, "ACME")
    assert len(h.live_venue_orders()) == 3
    return h, a, b, c


def test_kill_all_cancels_every_child_finishes_every_parent_and_halts_until_resumed() -> None:
    h, a, b, c = two_symbols()
    operator(h, "kill", reason="fat finger")
    assert h.engine.risk.state() is TradingState.HALTED
    for cl in (a, b, c):
        assert len(cancels_for(h, cl)) == 1  # sent at once, before any venue answer
    outcome = h.engine.operator.last
    assert outcome is not None and len(outcome.parents) == 3 and len(outcome.children) == 3
    h.ack_all()
    assert not h.live_venue_orders()
    for cl in (a, b, c):
        final = last_report(h, cl)
        assert (final.exec_type, final.ord_status, final.leaves_qty) == ("4", "4", 0)
        assert final.text == f"killed by operator ({SOURCE}): fat finger"
    refused = h.new(500)
    assert last_report(h, refused).exec_type == "8"
    assert "HALTED" in (last_report(h, refused).text or "")
    h.tick(5)
    assert not h.venue.unanswered(VenueNewOrder)
    operator(h, "resume")
    assert h.engine.risk.state() is TradingState.ACTIVE
    accepted = h.new(500)
    assert last_report(h, accepted).exec_type == "0"


def test_kill_symbol_leaves_other_symbols_trading() -> None:
    h, a, b, c = two_symbols()
    operator(h, "kill", "symbol", "ACME", "venue problem")
    h.ack_all()
    assert last_report(h, c).ord_status == "4"
    assert [last_report(h, cl).ord_status for cl in (a, b)] == ["0", "0"]
    assert h.engine.risk.state("ACME") is TradingState.HALTED
    assert h.engine.risk.state("CRYPTOALPHA") is TradingState.ACTIVE
    assert last_report(h, h.new(100, symbol="ACME")).exec_type == "8"
    assert last_report(h, h.new(100)).exec_type == "0"


def test_kill_parent_cancels_only_that_parent() -> None:
    h, a, b, _ = two_symbols()
    operator(h, "kill", "parent", order_id(h, a))
    h.ack_all()
    assert last_report(h, a).ord_status == "4" and last_report(h, b).ord_status == "0"
    assert h.engine.risk.states() == {GLOBAL: TradingState.ACTIVE}
    assert len(h.live_venue_orders()) == 2


def test_halt_pauses_parents_and_resume_lets_them_carry_on() -> None:
    h, a, b, c = two_symbols()
    operator(h, "halt", reason="news pending")
    h.ack_all()
    assert not h.live_venue_orders()
    for cl in (a, b, c):
        restated = last_report(h, cl)
        assert (restated.exec_type, restated.ord_status) == ("D", "0")
        assert "halted by operator" in (restated.text or "") and "news pending" in (restated.text or "")
    placed = len([m for m in h.venue.sent if isinstance(m, VenueNewOrder)])
    h.tick(10)
    assert len([m for m in h.venue.sent if isinstance(m, VenueNewOrder)]) == placed
    operator(h, "resume", reason="news out")
    for cl in (a, b, c):
        assert last_report(h, cl).exec_type == "D" and "resumed by operator" in (last_report(h, cl).text or "")
        parent = h.engine.parents[order_id(h, cl)]
        # Re-planned from now: the ten halted seconds are spread over the rest, not caught up at once.
        assert not parent.holds and parent.plan_start == h.clock.now() and parent.plan_cum_qty == parent.cum_qty
    h.tick(1)
    placing = {m.cl_ord_id.rpartition("-C")[0] for m in h.venue.unanswered(VenueNewOrder)}
    assert placing == {order_id(h, cl) for cl in (a, b, c)}


def test_resume_all_leaves_a_separately_halted_symbol_halted() -> None:
    h, a, _, c = two_symbols()
    operator(h, "halt", "symbol", "ACME")
    operator(h, "halt")
    operator(h, "resume")
    assert h.engine.risk.state("ACME") is TradingState.HALTED
    assert SCOPE_HOLD in h.engine.parents[order_id(h, c)].holds
    assert not h.engine.parents[order_id(h, a)].holds
    summary = h.engine.operator.last.summary if h.engine.operator.last else ""
    assert "still HALTED: ACME" in summary
    operator(h, "resume", "symbol", "ACME")
    assert not h.engine.parents[order_id(h, c)].holds


def test_resume_clears_the_circuit_breakers_of_its_scope() -> None:
    h, *_ = two_symbols(breakers={"enabled": True})
    board = h.engine.risk.breakers
    for n in range(board.config.reject_storm.venue_max_rejects):  # a venue-wide reject storm: HALTED
        board.on_child_reject("ACME" if n % 2 else "CRYPTOALPHA", "venue says no", h.clock.now())
    assert board.trips() and h.engine.risk.state() is TradingState.HALTED
    operator(h, "resume", "symbol", "ACME")
    assert h.engine.risk.state() is TradingState.HALTED  # the venue-wide breaker is not ACME's to clear
    operator(h, "resume", reason="venue fixed")
    assert not board.trips() and h.engine.risk.state() is TradingState.ACTIVE
    summary = h.engine.operator.last.summary if h.engine.operator.last else ""
    assert "circuit breakers cleared" in summary and "still HALTED: nothing" in summary
    assert last_report(h, h.new(100)).exec_type == "0"


def test_halt_and_resume_one_parent() -> None:
    h, a, b, _ = two_symbols()
    oid = order_id(h, a)
    operator(h, "halt", "parent", oid)
    assert h.engine.parents[oid].holds.keys() == {PARENT_HOLD}
    assert h.engine.risk.states() == {GLOBAL: TradingState.ACTIVE}
    assert len(cancels_for(h, a)) == 1 and not cancels_for(h, b)
    operator(h, "resume")  # a global resume does not lift a parent's own halt
    assert h.engine.parents[oid].holds
    operator(h, "resume", "parent", oid)
    assert not h.engine.parents[oid].holds


@pytest.mark.parametrize(("scope", "target", "problem"), [
    ("symbol", "NOPE", "unknown symbol 'NOPE'"),
    ("parent", "P-404", "unknown parent order 'P-404'"),
    ("symbol", None, "needs a target"),
    ("all", "ACME", "takes no target"),
])
def test_a_command_naming_nothing_changes_nothing(scope: str, target: str | None, problem: str) -> None:
    h, *_ = two_symbols()
    sent = len(h.venue.sent)
    reports = len(h.oms.reports)
    operator(h, "kill", scope, target)
    assert h.engine.operator.last is not None and problem in (h.engine.operator.last.refused or "")
    assert len(h.venue.sent) == sent and len(h.oms.reports) == reports
    assert h.engine.risk.states() == {GLOBAL: TradingState.ACTIVE}


# ---------------------------------------------------------------------- limits

def test_a_limits_change_applies_to_the_next_parent() -> None:
    h = Harness()
    h.send(LimitsChange({"max_order_notional": 10_000}, "tighter for the afternoon", SOURCE))
    assert h.engine.risk.limits.max_order_notional == 10_000.0
    assert isinstance(h.engine.risk.limits.max_order_notional, float)
    outcome = h.engine.operator.last
    assert outcome is not None and outcome.changed == ("max_order_notional: 50000000.0 -> 10000.0",)
    rejected = h.new(1000)  # 1000 at a mid of 20: 20,000
    assert last_report(h, rejected).exec_type == "8" and "per-order limit of 10,000" in (
        last_report(h, rejected).text or "")
    assert last_report(h, h.new(400)).exec_type == "0"


def test_a_per_symbol_limit_changes_only_that_symbol() -> None:
    h = Harness()
    before = h.engine.risk.limits
    h.send(LimitsChange({"symbols": {"CRYPTOALPHA": {"max_order_qty": 500}}}, "", SOURCE))
    after = h.engine.risk.limits
    assert after.symbols["CRYPTOALPHA"].max_order_qty == 500
    assert after.symbols["ACME"] == before.symbols["ACME"]
    assert last_report(h, h.new(600)).exec_type == "8"


@pytest.mark.parametrize(("changes", "field", "problem"), [
    ({"max_order_notional": -5}, "limits.max_order_notional", "greater than 0"),
    ({"max_order_notional": "lots"}, "limits.max_order_notional", "valid number"),
    ({"new_order_burst": 2.5}, "limits.new_order_burst", "valid integer"),
    ({"new_order_burst": None}, "limits.new_order_burst", "valid integer"),
    ({"max_order_notional": float("inf")}, "limits.max_order_notional", "finite"),
    ({"max_live_parents": 3}, "limits.max_live_parents", "unknown limit"),
    ({"symbols": {"NOPE": {"max_order_qty": 1}}}, "limits.symbols.NOPE", "unknown symbol"),
    ({"symbols": {"ACME": {"max_order_qty": 0}}}, "limits.symbols.ACME.max_order_qty", "greater than 0"),
    ({"symbols": {"ACME": {"lot": 1}}}, "limits.symbols.ACME.lot", "unknown limit"),
    ({"symbols": []}, "limits.symbols", "must be an object"),
    ({}, "limits", "no change given"),
    # All or nothing: the good first entry is not applied either.
    ({"max_order_notional": 1e6, "new_order_burst": 0}, "limits.new_order_burst", "greater than 0"),
])
def test_a_bad_limits_change_names_the_field_and_changes_nothing(changes: dict[str, Any], field: str,
                                                                  problem: str) -> None:
    h = Harness()
    before = h.engine.risk.limits
    with pytest.raises(LimitChangeError) as err:
        changed_limits(before, changes)
    assert err.value.field == field and problem in err.value.problem
    h.send(LimitsChange(changes, "", SOURCE))
    assert h.engine.risk.limits is before
    assert h.engine.operator.last is not None and field in (h.engine.operator.last.refused or "")


def _valid_value(hint: object) -> object:
    """A value of a limit's type that differs from any default."""
    kinds = set(hint.__args__) if isinstance(hint, types.UnionType) else {hint}  # type: ignore[attr-defined]
    return 7 if int in kinds else 7.5


@pytest.mark.parametrize("cls", [RiskLimits, SymbolLimits])
def test_every_limit_field_can_be_changed(cls: type[Any]) -> None:
    """Generic over the dataclasses: a limit added to them later can be changed without touching this code."""
    h = Harness()
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name != "symbols"]
    assert len(names) >= 3
    for name in names:
        value = _valid_value(hints[name])
        change: dict[str, Any] = {name: value} if cls is RiskLimits else {"symbols": {"ACME": {name: value}}}
        new = changed_limits(h.engine.risk.limits, change)
        got = getattr(new if cls is RiskLimits else new.symbols["ACME"], name)
        assert got == value, name
