"""One sender thread for outgoing FIX messages, so they leave in the order the venue decided them."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")


class Outbox(Generic[Item]):
    """A FIFO drained by one thread that hands each item to `send`.

    Messages are decided under the market lock but sent outside it, so a QuickFIX thread waiting for that lock
    can never deadlock with a send.
    """

    def __init__(self, send: Callable[[Item], None], name: str = "venue-outbox") -> None:
        self._send = send
        self._queue: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, item: Item) -> None:
        """Queue an item behind everything already queued."""
        self._queue.put(item)

    def stop(self, timeout: float = 5.0) -> None:
        """Send what is queued, then end the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        # Ends at the None that stop() queues; each pass sends one item.
        while (item := self._queue.get()) is not None:
            try:
                self._send(item)
            except Exception:
                log.exception("sending a queued message failed")
