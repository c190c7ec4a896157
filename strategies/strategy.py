"""The one interface every execution strategy implements."""

from __future__ import annotations

from typing import Protocol

from strategies.types import ChildAction, ParentView, Quote


class Strategy(Protocol):
    """Decides, from a parent's state and the market, what to do with its child orders now.

    Pure: no I/O, no clock reads, no hidden state that a restart would lose. Called by the
    engine on every decision tick; the engine passes each action through the risk overlay.
    """

    name: str

    def decide(self, parent: ParentView, quote: Quote | None, now: float) -> list[ChildAction]: ...
