"""A QuickFIX acceptor or initiator with everything it references kept alive.

QuickFIX keeps C++ references to its settings, store and log factories: a factory built inline and
garbage-collected by Python crashes the process later. The threaded variants are used because the plain
SocketAcceptor can crash in QuickFIX 1.16 when stopped (a race seen in stress runs); they also give each
session its own thread, which the agent's hand-over to the event loop already expects.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import quickfix as fix


class QuickFixEndpoint:
    def __init__(self, kind: str, application: fix.Application, settings_path: Path, *,
                 message_log: bool = True) -> None:
        """`message_log` False: no FileLog, for a side whose outgoing Logon carries a password."""
        if kind not in ("acceptor", "initiator"):
            raise ValueError(f"kind must be 'acceptor' or 'initiator', got {kind!r}")
        self.settings = fix.SessionSettings(str(settings_path))
        self._store = fix.FileStoreFactory(self.settings)
        self._log = fix.FileLogFactory(self.settings) if message_log else None
        self._application = application
        make = fix.ThreadedSocketAcceptor if kind == "acceptor" else fix.ThreadedSocketInitiator
        factories = (self._store, self.settings) if self._log is None else (self._store, self.settings, self._log)
        self._socket: Any = make(application, *factories)
        self._started = False

    def start(self) -> None:
        if self._socket is None:
            raise RuntimeError("this QuickFIX endpoint was stopped; make a new one")
        self._socket.start()
        self._started = True

    def stop(self) -> None:
        """Log every session out and release them: QuickFIX allows one live Session per SessionID per
        process, so a later endpoint with the same CompIDs works only once these are destroyed."""
        if self._socket is None:
            return
        if self._started:
            self._socket.stop()
        self._socket = None
        gc.collect()
