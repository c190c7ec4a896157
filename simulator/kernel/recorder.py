"""Where the compiled loop writes what a tape needs: sampled quotes, depth snapshots, order events, counters.

Buffers are fixed-size; the loop returns to Python when one is about to fill, Python keeps the chunk and
resets the counts. A recorder with zero-length buffers records nothing (the wall-clock market uses that).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulator.kernel.book_state import F64, I64

# counts[...]
C_QUOTES, C_SNAPS, C_ORDERS, C_LIMITS, C_MARKETS, C_CANCELS = range(6)
COUNTS_LEN = 6


class Recorder(NamedTuple):
    """Quotes (bid, ask, bid size, ask size in ticks/units), snapshots (side, level, price, size), order events
    (kind, side, price or NONE, qty), and counts of what was recorded and of background events processed."""

    q_time: F64
    q_vals: I64
    s_time: F64
    s_vals: I64
    o_time: F64
    o_vals: I64
    counts: I64


def new_recorder(quotes: int, snapshots: int, orders: int) -> Recorder:
    """Buffers for this many rows of each table (0: that table is not recorded)."""
    return Recorder(
        np.zeros(quotes, dtype=np.float64),
        np.zeros((quotes, 4), dtype=np.int64),
        np.zeros(snapshots, dtype=np.float64),
        np.zeros((snapshots, 4), dtype=np.int64),
        np.zeros(orders, dtype=np.float64),
        np.zeros((orders, 4), dtype=np.int64),
        np.zeros(COUNTS_LEN, dtype=np.int64),
    )
