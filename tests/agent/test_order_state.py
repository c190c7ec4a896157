"""Every (state, event) pair: the legal ones land where FIX 4.4 says, the others raise."""

from __future__ import annotations

import itertools

import pytest

from agent.core.order_state import (
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    OrderEvent,
    OrderStateMachine,
    OrdStatus,
    next_state,
)

S, E = OrdStatus, OrderEvent

# (state, event, cum, qty) -> expected; the whole table written out by hand from FIX 4.4.
EXPECTED = {
    (S.PENDING_NEW, E.ACCEPT): S.NEW,
    (S.PENDING_NEW, E.REJECT): S.REJECTED,
    (S.PENDING_NEW, E.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.PENDING_NEW, E.CANCELED): S.CANCELED,
    # A venue may fill or end an order before its New ack reaches us.
    (S.PENDING_NEW, E.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.PENDING_NEW, E.FILL): S.FILLED,
    (S.PENDING_NEW, E.EXPIRE): S.EXPIRED,
    (S.PENDING_NEW, E.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.NEW, E.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.NEW, E.FILL): S.FILLED,
    (S.NEW, E.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.NEW, E.REPLACE_REQUEST): S.PENDING_REPLACE,
    (S.NEW, E.CANCELED): S.CANCELED,
    (S.NEW, E.EXPIRE): S.EXPIRED,
    (S.NEW, E.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.PARTIALLY_FILLED, E.PARTIAL_FILL): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, E.FILL): S.FILLED,
    (S.PARTIALLY_FILLED, E.CANCEL_REQUEST): S.PENDING_CANCEL,
    (S.PARTIALLY_FILLED, E.REPLACE_REQUEST): S.PENDING_REPLACE,
    (S.PARTIALLY_FILLED, E.CANCELED): S.CANCELED,
    (S.PARTIALLY_FILLED, E.EXPIRE): S.EXPIRED,
    (S.PARTIALLY_FILLED, E.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.PENDING_CANCEL, E.ACCEPT): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.PARTIAL_FILL): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, E.FILL): S.FILLED,
    (S.PENDING_CANCEL, E.CANCELED): S.CANCELED,
    (S.PENDING_CANCEL, E.REJECT): S.REJECTED,
    (S.PENDING_CANCEL, E.EXPIRE): S.EXPIRED,
    (S.PENDING_CANCEL, E.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.PENDING_REPLACE, E.PARTIAL_FILL): S.PENDING_REPLACE,
    (S.PENDING_REPLACE, E.FILL): S.FILLED,
    (S.PENDING_REPLACE, E.CANCELED): S.CANCELED,
    (S.PENDING_REPLACE, E.EXPIRE): S.EXPIRED,
    (S.PENDING_REPLACE, E.DONE_FOR_DAY): S.DONE_FOR_DAY,
    (S.PENDING_REPLACE, E.REJECT): S.REJECTED,
}
# Targets that depend on what is filled: (cum, qty) -> state.
WORKING_CASES = [((0, 100), S.NEW), ((40, 100), S.PARTIALLY_FILLED), ((100, 100), S.FILLED)]
WORKING_EVENTS = {
    (S.PENDING_CANCEL, E.CANCEL_REJECT),
    (S.PENDING_REPLACE, E.REPLACED),
    (S.PENDING_REPLACE, E.REPLACE_REJECT),
}


def test_table_is_exactly_what_fix_allows() -> None:
    assert set(TRANSITIONS) == set(EXPECTED) | WORKING_EVENTS


@pytest.mark.parametrize(("state", "event"), sorted(EXPECTED, key=str))
def test_legal_transition(state: OrdStatus, event: OrderEvent) -> None:
    assert next_state(state, event, 10, 100) is EXPECTED[(state, event)]


@pytest.mark.parametrize(("state", "event"), sorted(WORKING_EVENTS, key=str))
@pytest.mark.parametrize(("quantities", "expected"), WORKING_CASES)
def test_back_to_working_depends_on_fills(state: OrdStatus, event: OrderEvent, quantities: tuple[int, int],
                                          expected: OrdStatus) -> None:
    assert next_state(state, event, *quantities) is expected


ILLEGAL = [
    (s, e) for s, e in itertools.product(OrdStatus, OrderEvent) if (s, e) not in EXPECTED and (s, e) not in WORKING_EVENTS
]


@pytest.mark.parametrize(("state", "event"), ILLEGAL)
def test_illegal_transition_raises(state: OrdStatus, event: OrderEvent) -> None:
    with pytest.raises(IllegalTransition, match=event.value):
        next_state(state, event, 0, 100)


def test_terminal_states_accept_nothing() -> None:
    for state in TERMINAL:
        assert not any((state, e) in TRANSITIONS for e in OrderEvent)


def test_machine_keeps_history_and_refuses_illegal() -> None:
    m = OrderStateMachine()
    m.apply(E.ACCEPT, 0, 100)
    m.apply(E.PARTIAL_FILL, 30, 100)
    m.apply(E.CANCEL_REQUEST, 30, 100)
    m.apply(E.CANCEL_REJECT, 30, 100)
    assert m.status is S.PARTIALLY_FILLED
    m.apply(E.FILL, 100, 100)
    assert m.status is S.FILLED
    with pytest.raises(IllegalTransition):
        m.apply(E.CANCEL_REQUEST, 100, 100)
    assert m.status is S.FILLED
    assert [e for e, _ in m.history] == [E.ACCEPT, E.PARTIAL_FILL, E.CANCEL_REQUEST, E.CANCEL_REJECT, E.FILL]
