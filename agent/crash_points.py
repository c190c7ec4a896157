"""Fault injection for the crash test: SIGKILL this process at a named point of its work.

Off unless the environment variable FOOTPRINT_CRASH_AT names points, e.g.
`FOOTPRINT_CRASH_AT="intent:VenueCancel#3"` kills the agent right after the journal has made its third cancel
durable and before the cancel is handed to QuickFIX. Points:
- `event:<EventType>`: an inbound event is journaled, not yet applied (`event:fill`: a venue fill);
- `intent:<CommandType>`: a command is journaled, not yet sent;
- `sent:<CommandType>`: a command was handed to QuickFIX;
- `replayed`: the journal has been replayed, reconciliation not yet started.
`#n` picks the n-th time the point is reached (default 1).
"""

from __future__ import annotations

import logging
import os
import signal
import sys

ENV = "FOOTPRINT_CRASH_AT"
log = logging.getLogger("footprint.crash")


class CrashPointsError(ValueError):
    """FOOTPRINT_CRASH_AT does not parse; the message says which item."""


class CrashPoints:
    def __init__(self, spec: str | None) -> None:
        self._targets: dict[str, int] = {}
        self._seen: dict[str, int] = {}
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            name, _, nth = item.partition("#")
            if not nth.isdigit() and nth:
                raise CrashPointsError(f"{ENV}: {item!r}: the count after # must be a positive integer")
            count = int(nth) if nth else 1
            if count < 1:
                raise CrashPointsError(f"{ENV}: {item!r}: the count after # must be a positive integer")
            self._targets[name] = count

    @classmethod
    def from_env(cls) -> CrashPoints:
        return cls(os.environ.get(ENV))

    @property
    def armed(self) -> bool:
        return bool(self._targets)

    def hit(self, point: str) -> None:
        if point not in self._targets:
            return
        seen = self._seen.get(point, 0) + 1
        self._seen[point] = seen
        if seen == self._targets[point]:
            log.critical("crash point %s#%d reached: SIGKILL", point, seen)
            for handler in logging.getLogger().handlers:
                handler.flush()
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
