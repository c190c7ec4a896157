"""FIX 4.4 order states and the explicit table of legal transitions.

One table serves parents (our state towards the OMS) and children (the venue's state of our
child orders as its ExecutionReports tell us). An event not in the table raises.
"""

from __future__ import annotations

from enum import StrEnum

from fix_config.vocabulary import TERMINAL_ORD_STATUS, OrdStatus

__all__ = ["TERMINAL", "TRANSITIONS", "IllegalTransition", "OrdStatus", "OrderEvent", "OrderStateMachine", "next_state"]


TERMINAL = TERMINAL_ORD_STATUS


class OrderEvent(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"  # the fill that completes the order
    CANCEL_REQUEST = "cancel_request"
    CANCEL_REJECT = "cancel_reject"
    CANCELED = "canceled"
    REPLACE_REQUEST = "replace_request"
    REPLACE_REJECT = "replace_reject"
    REPLACED = "replaced"
    EXPIRE = "expire"
    DONE_FOR_DAY = "done_for_day"


class _Working:
    """Placeholder target: New when nothing is filled yet, else PartiallyFilled."""


WORKING = _Working()
Target = OrdStatus | _Working

_S = OrdStatus
_E = OrderEvent

_LIVE_EXITS: dict[OrderEvent, Target] = {
    _E.PARTIAL_FILL: _S.PARTIALLY_FILLED,
    _E.FILL: _S.FILLED,
    _E.CANCEL_REQUEST: _S.PENDING_CANCEL,
    _E.REPLACE_REQUEST: _S.PENDING_REPLACE,
    _E.CANCELED: _S.CANCELED,  # unsolicited cancel (venue, or the agent giving up)
    _E.EXPIRE: _S.EXPIRED,
    _E.DONE_FOR_DAY: _S.DONE_FOR_DAY,
}

TRANSITIONS: dict[tuple[OrdStatus, OrderEvent], Target] = {
    (_S.PENDING_NEW, _E.ACCEPT): _S.NEW,
    (_S.PENDING_NEW, _E.REJECT): _S.REJECTED,
    (_S.PENDING_NEW, _E.CANCEL_REQUEST): _S.PENDING_CANCEL,
    # A venue may report fills, or end the order, before its New ack arrives.
    (_S.PENDING_NEW, _E.PARTIAL_FILL): _S.PARTIALLY_FILLED,
    (_S.PENDING_NEW, _E.FILL): _S.FILLED,
    (_S.PENDING_NEW, _E.CANCELED): _S.CANCELED,
    (_S.PENDING_NEW, _E.EXPIRE): _S.EXPIRED,
    (_S.PENDING_NEW, _E.DONE_FOR_DAY): _S.DONE_FOR_DAY,
    **{(_S.NEW, e): t for e, t in _LIVE_EXITS.items()},
    **{(_S.PARTIALLY_FILLED, e): t for e, t in _LIVE_EXITS.items()},
    # A cancel in flight: fills may still arrive; the venue may ack a new order it had not seen yet.
    (_S.PENDING_CANCEL, _E.ACCEPT): _S.PENDING_CANCEL,
    (_S.PENDING_CANCEL, _E.PARTIAL_FILL): _S.PENDING_CANCEL,
    (_S.PENDING_CANCEL, _E.FILL): _S.FILLED,
    (_S.PENDING_CANCEL, _E.CANCELED): _S.CANCELED,
    (_S.PENDING_CANCEL, _E.CANCEL_REJECT): WORKING,
    (_S.PENDING_CANCEL, _E.REJECT): _S.REJECTED,
    (_S.PENDING_CANCEL, _E.EXPIRE): _S.EXPIRED,
    (_S.PENDING_CANCEL, _E.DONE_FOR_DAY): _S.DONE_FOR_DAY,
    # A replace in flight.
    (_S.PENDING_REPLACE, _E.PARTIAL_FILL): _S.PENDING_REPLACE,
    (_S.PENDING_REPLACE, _E.FILL): _S.FILLED,
    (_S.PENDING_REPLACE, _E.REPLACED): WORKING,
    (_S.PENDING_REPLACE, _E.REPLACE_REJECT): WORKING,
    (_S.PENDING_REPLACE, _E.CANCELED): _S.CANCELED,
    (_S.PENDING_REPLACE, _E.EXPIRE): _S.EXPIRED,
    (_S.PENDING_REPLACE, _E.DONE_FOR_DAY): _S.DONE_FOR_DAY,
    (_S.PENDING_REPLACE, _E.REJECT): _S.REJECTED,
}


class IllegalTransition(Exception):
    """An event arrived that the order's current state does not allow."""

    def __init__(self, state: OrdStatus, event: OrderEvent) -> None:
        super().__init__(f"illegal transition: {event.value} in state {state.name}")
        self.state = state
        self.event = event


def next_state(state: OrdStatus, event: OrderEvent, cum_qty: int, order_qty: int) -> OrdStatus:
    """The state after `event`; raises IllegalTransition when the table does not allow it."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise IllegalTransition(state, event)
    if isinstance(target, _Working):
        if cum_qty >= order_qty:
            return _S.FILLED
        return _S.PARTIALLY_FILLED if cum_qty > 0 else _S.NEW
    return target


class OrderStateMachine:
    """Holds one order's status and moves it only along the table."""

    __slots__ = ("history", "status")

    def __init__(self, status: OrdStatus = OrdStatus.PENDING_NEW) -> None:
        self.status = status
        self.history: list[tuple[OrderEvent, OrdStatus]] = []

    def apply(self, event: OrderEvent, cum_qty: int, order_qty: int) -> OrdStatus:
        new = next_state(self.status, event, cum_qty, order_qty)
        self.history.append((event, new))
        self.status = new
        return new

    def can(self, event: OrderEvent) -> bool:
        return (self.status, event) in TRANSITIONS
