"""The arrays one symbol's book lives in: an order pool with a free list, a window of price levels, fills.

Prices are integer ticks; level `i` of a side holds price `base + i`. Orders at one level form a doubly linked
FIFO list through the pool (`NEXT`/`PREV`), so joining, leaving and matching are O(1) and nothing is allocated
while the book runs. Growing the pool or moving the window happens here, in Python, between kernel calls.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from simulator.kernel.layout import (
    BASE,
    BEST_ASK,
    BEST_BID,
    FILL_COLUMNS,
    FREE,
    FREE_COUNT,
    META_LEN,
    NEXT,
    NONE,
    ORDER_COLUMNS,
    PRICE,
    WIDTH,
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# Extra fill rows beyond the pool size: one call can fill every resting order and still have room to spare.
_FILL_SLACK = 1024


class BookState(NamedTuple):
    """One book: `orders` (pool × ORDER_COLUMNS), `levels` (2 × width × 3), `flow` (dense slots of flow orders),
    `meta` (scalars), `fills` / `fill_time` (what trades since the last drain)."""

    orders: I64
    levels: I64
    flow: I64
    meta: I64
    fills: I64
    fill_time: F64


def new_book(capacity: int, base: int, width: int) -> BookState:
    """An empty book for prices [base, base + width) with room for `capacity` resting orders."""
    if capacity < 2 or width < 2 or base < 0:
        raise ValueError(f"need capacity >= 2, width >= 2, base >= 0; got {capacity}, {width}, {base}")
    orders = np.full((capacity, ORDER_COLUMNS), NONE, dtype=np.int64)
    _chain_free(orders, 0, capacity, NONE)
    meta = np.zeros(META_LEN, dtype=np.int64)
    meta[BASE], meta[WIDTH] = base, width
    meta[BEST_BID] = meta[BEST_ASK] = NONE
    meta[FREE], meta[FREE_COUNT] = 0, capacity
    return BookState(
        orders=orders,
        levels=np.full((2, width, 3), NONE, dtype=np.int64) * _level_init(),
        flow=np.full(capacity, NONE, dtype=np.int64),
        meta=meta,
        fills=np.zeros((capacity + _FILL_SLACK, FILL_COLUMNS), dtype=np.int64),
        fill_time=np.zeros(capacity + _FILL_SLACK, dtype=np.float64),
    )


def grow_pool(book: BookState) -> BookState:
    """The same book with twice the order capacity (slots keep their numbers)."""
    old = len(book.orders)
    orders = np.full((2 * old, ORDER_COLUMNS), NONE, dtype=np.int64)
    orders[:old] = book.orders
    _chain_free(orders, old, 2 * old, int(book.meta[FREE]))
    meta = book.meta.copy()
    meta[FREE] = old
    meta[FREE_COUNT] += old
    flow = np.full(2 * old, NONE, dtype=np.int64)
    flow[:old] = book.flow
    fills = np.zeros((2 * old + _FILL_SLACK, FILL_COLUMNS), dtype=np.int64)
    fill_time = np.zeros(2 * old + _FILL_SLACK, dtype=np.float64)
    n = len(book.fills)
    fills[:n], fill_time[:n] = book.fills, book.fill_time
    return BookState(orders, book.levels, flow, meta, fills, fill_time)


def shift_window(book: BookState, base: int) -> BookState:
    """The same book with its price window moved to start at `base` (same width), queues unchanged.

    Levels that fall outside the new window must be empty: the caller moves their orders out first.
    """
    width = int(book.meta[WIDTH])
    levels = np.full((2, width, 3), NONE, dtype=np.int64) * _level_init()
    old_base = int(book.meta[BASE])
    lo, hi = max(base, old_base), min(base + width, old_base + width)
    if lo < hi:
        levels[:, lo - base : hi - base] = book.levels[:, lo - old_base : hi - old_base]
    meta = book.meta.copy()
    meta[BASE] = base
    return BookState(book.orders, levels, book.flow, meta, book.fills, book.fill_time)


def _level_init() -> I64:
    # HEAD and TAIL start at NONE (-1 * 1), SIZE at 0 (-1 * -0): one multiply sets up a fresh window.
    return np.array([1, 1, 0], dtype=np.int64)


def _chain_free(orders: I64, start: int, stop: int, tail: int) -> None:
    orders[start:stop, NEXT] = np.arange(start + 1, stop + 1, dtype=np.int64)
    orders[stop - 1, NEXT] = tail
    orders[start:stop, PRICE] = NONE
