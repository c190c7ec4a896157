"""One session's faults as decisions: seeded draws, and reports of one batch reordered the ways a venue may.

Only the order of messages changes here; what each message says was decided by the order desk from the book.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fix_config.vocabulary import ExecType
from simulator.fix_messages import ExecReport, Outgoing, Routed
from simulator.venue_faults import VenueFaults

NO_ORDER_ID = "NONE"
"""OrderID(37) on a report about no order at all."""


class SessionFaults:
    """A session's fault settings and the one generator all its draws come from."""

    def __init__(self, settings: VenueFaults) -> None:
        self.settings = settings
        self._rng = np.random.default_rng(settings.seed)

    def happens(self, probability: float) -> bool:
        """One draw against `probability`; a fault that is off takes no draw, so it does not shift the others."""
        if probability <= 0.0:
            return False
        return bool(self._rng.random() < probability)

    def delay(self) -> float:
        """A delay in (0, max_delay_s]."""
        return self.settings.max_delay_s * (1.0 - float(self._rng.random()))

    def event_delay(self) -> float:
        """When a venue action on an order comes, after its entry: (0, event_window_s]."""
        return self.settings.event_window_s * (1.0 - float(self._rng.random()))

    def pick(self, count: int) -> int:
        """A whole number in 1..count."""
        return int(self._rng.integers(1, count + 1))


def is_ack(record: Outgoing) -> bool:
    """The venue's answer that a New, Cancel or Replace took effect."""
    if not isinstance(record, ExecReport):
        return False
    if record.exec_type == ExecType.CANCELED:
        return record.orig_cl_ord_id is not None  # without it, the venue cancelled on its own (IOC rest, kill)
    return record.exec_type in (ExecType.NEW, ExecType.REPLACED)


def may_duplicate(record: Outgoing) -> bool:
    """Reports that change what the receiver knows; answers to status requests are not resent."""
    return isinstance(record, ExecReport) and record.exec_type != ExecType.ORDER_STATUS


def shuffle(routed: list[Routed], faults: Mapping[str, SessionFaults]) -> list[Routed]:
    """The batch with fills moved ahead of their order's New ack, then adjacent reports of one order swapped."""
    return _swap_neighbours(_fills_before_acks(routed, faults), faults)


def _order_of(item: Routed) -> tuple[str, str] | None:
    session, record = item
    if not isinstance(record, ExecReport) or record.order_id == NO_ORDER_ID:
        return None
    if record.exec_type == ExecType.ORDER_STATUS:
        return None
    return session, record.order_id


def _fills_before_acks(routed: list[Routed], faults: Mapping[str, SessionFaults]) -> list[Routed]:
    out = list(routed)
    for item in routed:
        session, record = item
        session_faults = faults.get(session)
        if session_faults is None or not isinstance(record, ExecReport) or record.exec_type != ExecType.NEW:
            continue
        order = _order_of(item)
        at = out.index(item)
        last_fill = max(
            (i for i in range(at + 1, len(out)) if _order_of(out[i]) == order and _is_fill(out[i][1])), default=None
        )
        if last_fill is None or not session_faults.happens(session_faults.settings.fills_before_acks):
            continue
        out.insert(last_fill + 1, item)
        del out[at]
    return out


def _swap_neighbours(routed: list[Routed], faults: Mapping[str, SessionFaults]) -> list[Routed]:
    out = list(routed)
    i = 0
    while i + 1 < len(out):
        order = _order_of(out[i])
        session_faults = faults.get(out[i][0])
        if (
            order is not None
            and session_faults is not None
            and _order_of(out[i + 1]) == order
            and session_faults.happens(session_faults.settings.reorder_reports)
        ):
            out[i], out[i + 1] = out[i + 1], out[i]
            i += 2
            continue
        i += 1
    return out


def _is_fill(record: Outgoing) -> bool:
    return isinstance(record, ExecReport) and record.exec_type == ExecType.TRADE
