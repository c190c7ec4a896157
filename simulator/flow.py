"""The seam between the market and whatever generates background orders."""

from __future__ import annotations

import math
from typing import Protocol

from simulator.orders import Side


class FlowVenue(Protocol):
    """What a flow may do to the market: place and cancel its own orders, see how many of them rest."""

    def place_flow_order(self, symbol: str, side: Side, qty: int, price_ticks: int | None) -> None:
        """A limit order at `price_ticks`, or a market order when it is None."""

    def flow_order_count(self, symbol: str) -> int:
        """How many of the flow's orders rest in `symbol`."""

    def cancel_flow_order(self, symbol: str, index: int) -> None:
        """Cancel the flow's `index`-th resting order in `symbol` (0 <= index < flow_order_count)."""

    def cancel_flow_orders_through(self, symbol: str, side: Side, price_ticks: int) -> None:
        """Cancel the flow's orders on `side` priced at or through `price_ticks` (bids >=, asks <=)."""


class OrderFlow(Protocol):
    """A time-ordered stream of background events; the market fires each one at its time."""

    def next_time(self) -> float:
        """When the next event happens (inf when never)."""

    def fire(self, venue: FlowVenue) -> None:
        """Carry out the event due at next_time() and schedule the one after it."""


class QuietFlow:
    """No background orders at all: the book holds only what clients put there."""

    def next_time(self) -> float:
        return math.inf

    def fire(self, venue: FlowVenue) -> None:
        raise RuntimeError("a quiet flow has no events to fire")
