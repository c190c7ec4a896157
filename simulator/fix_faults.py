"""One session's faults as decisions: seeded draws, and reports of one batch reordered the ways a venue may.

Only the order of messages changes here; what each message says was decided by the order desk from the book.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fix_config.vocabulary import ExecType
from simulator.fix_codes import NO_ORDER_ID
from simulator.fix_messages import ExecReport, Outgoing, Routed
from simulator.venue_faults import VenueFaults


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
            (i for i in range(at + 1, len(out)) if _order_of(out[i]) == order and is_fill(out[i][1])), default=None
        )
        if last_fill is None or not session_faults.happens(session_faults.settings.fills_before_acks):
            continue
        out.insert(last_fill + 1, item)
        del out[at]
    return out


def _swap_neighbours(routed: list[Routed], faults: Mapping[str, SessionFaults]) -> list[Routed]:
    # Neighbours as the session receives them: other sessions' messages in between do not count.
    out = list(routed)
    for session, session_faults in faults.items():
        places = [i for i, (to, _) in enumerate(out) if to == session]
        k = 0
        while k + 1 < len(places):
            a, b = places[k], places[k + 1]
            order = _order_of(out[a])
            if (
                order is not None
                and _order_of(out[b]) == order
                and session_faults.happens(session_faults.settings.reorder_reports)
            ):
                out[a], out[b] = out[b], out[a]
                k += 2
                continue
            k += 1
    return out


def is_fill(record: Outgoing) -> bool:
    """A trade report."""
    return isinstance(record, ExecReport) and record.exec_type == ExecType.TRADE
