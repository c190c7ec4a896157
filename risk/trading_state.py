"""Trading states: what may go out, globally and per symbol."""

from __future__ import annotations

from enum import IntEnum


class TradingState(IntEnum):
    """Ordered by restriction: the effective state of a symbol is the stricter of its own and the global one.

    ACTIVE lets everything through; REDUCING only what lowers what is working (a cancel, a replace down);
    HALTED only cancels. Cancels are never blocked in any state.
    """

    ACTIVE = 0
    REDUCING = 1
    HALTED = 2
