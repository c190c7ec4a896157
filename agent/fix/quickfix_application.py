"""A QuickFIX Application whose callbacks can never let an exception escape.

An exception escaping a QuickFIX callback (other than QuickFIX's own FIX exceptions) ends or hangs the
process, so each callback runs its hook inside a guard that logs and swallows everything. Subclasses
override the `on_*` hooks; `fromApp` stays theirs, because it may raise UnsupportedMessageType on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import quickfix as fix

log = logging.getLogger("footprint.fix")


class GuardedApplication(fix.Application):  # type: ignore[misc]
    label = "FIX"

    def _guard(self, hook: Callable[..., None], *args: Any) -> None:
        try:
            hook(*args)
        except Exception:
            log.exception("%s: %s failed", self.label, getattr(hook, "__name__", hook))

    # hooks
    def on_create(self, session_id: fix.SessionID) -> None:
        pass

    def on_logon(self, session_id: fix.SessionID) -> None:
        log.info("%s session %s logged on", self.label, session_id.toString())

    def on_logout(self, session_id: fix.SessionID) -> None:
        log.info("%s session %s logged out", self.label, session_id.toString())

    def on_admin_message(self, message: fix.Message, session_id: fix.SessionID) -> None:
        pass

    # QuickFIX callbacks (its names)
    def onCreate(self, sessionID: fix.SessionID) -> None:
        self._guard(self.on_create, sessionID)

    def onLogon(self, sessionID: fix.SessionID) -> None:
        self._guard(self.on_logon, sessionID)

    def onLogout(self, sessionID: fix.SessionID) -> None:
        self._guard(self.on_logout, sessionID)

    def toAdmin(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        pass

    def fromAdmin(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        self._guard(self.on_admin_message, message, sessionID)

    def toApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        pass
