"""Price-time priority matching on a `BookState`: compiled, allocation-free, one call per request.

Requests are assumed valid here (`order_problem` is the check); prices of resting orders must lie in the
book's window (the Python wrapper moves the window first). Every trade is appended to `fills`.
"""

from __future__ import annotations

from simulator.kernel.book_state import I64, BookState
from simulator.kernel.jit import inline_kernel, kernel
from simulator.kernel.layout import (
    BASE,
    BEST_BID,
    BID,
    COUNT_BID,
    F_AGGRESSOR,
    F_MAKER_LEAVES,
    F_MAKER_OID,
    F_MAKER_OWNER,
    F_PRICE,
    F_QTY,
    F_TAKER_OID,
    F_TAKER_OWNER,
    FILLED,
    FLOW,
    FLOW_BID,
    FPOS,
    FREE,
    FREE_COUNT,
    HEAD,
    NEXT,
    NFILL,
    NFLOW,
    NONE,
    OID,
    OWNER,
    PREV,
    PRICE,
    QTY,
    SIDE,
    SIZE,
    TAIL,
    WIDTH,
)

# order_problem codes
OK, BAD_QTY, BAD_LOT, BAD_PRICE = 0, 1, 2, 3


@kernel
def order_problem(qty: int, lot: int, is_limit: bool, price: int) -> int:
    """OK, or why an order cannot enter: quantity not positive, not a whole number of lots, price not positive."""
    if qty <= 0:
        return BAD_QTY
    if qty % lot:
        return BAD_LOT
    if is_limit and price <= 0:
        return BAD_PRICE
    return OK


@inline_kernel
def in_window(book: BookState, price: int) -> bool:
    """True when a level for `price` exists in the book's window."""
    return bool(book.meta[BASE] <= price < book.meta[BASE] + book.meta[WIDTH])


@inline_kernel
def leaves_of(book: BookState, slot: int) -> int:
    """Unfilled quantity of a resting order."""
    return int(book.orders[slot, QTY] - book.orders[slot, FILLED])


@inline_kernel
def _better(side: int, price: int, than: int) -> bool:
    return than == NONE or (price > than if side == BID else price < than)


@inline_kernel
def _rescan(book: BookState, side: int, start: int) -> None:
    # The best level emptied: walk away from the spread to the next occupied level.
    meta = book.meta
    if meta[COUNT_BID + side] == 0:
        meta[BEST_BID + side] = NONE
        return
    base = meta[BASE]
    levels = book.levels
    step = -1 if side == BID else 1
    price = start + step
    while levels[side, price - base, HEAD] == NONE:
        price += step
    meta[BEST_BID + side] = price


@inline_kernel
def _flow_add(book: BookState, slot: int) -> None:
    meta = book.meta
    n = meta[NFLOW]
    book.flow[n] = slot
    book.orders[slot, FPOS] = n
    meta[NFLOW] = n + 1
    meta[FLOW_BID + book.orders[slot, SIDE]] += 1


@inline_kernel
def _flow_remove(book: BookState, slot: int) -> None:
    meta = book.meta
    orders = book.orders
    n = meta[NFLOW] - 1
    hole = orders[slot, FPOS]
    last = book.flow[n]
    book.flow[hole] = last
    orders[last, FPOS] = hole
    meta[NFLOW] = n
    meta[FLOW_BID + orders[slot, SIDE]] -= 1


@inline_kernel
def allocate(book: BookState) -> int:
    """Take a free slot (the caller makes sure one is free: meta[FREE_COUNT] > 0)."""
    meta = book.meta
    slot = meta[FREE]
    meta[FREE] = book.orders[slot, NEXT]
    meta[FREE_COUNT] -= 1
    return int(slot)


@inline_kernel
def _release(book: BookState, slot: int) -> None:
    meta = book.meta
    book.orders[slot, PRICE] = NONE
    book.orders[slot, NEXT] = meta[FREE]
    meta[FREE] = slot
    meta[FREE_COUNT] += 1


@inline_kernel
def _push(book: BookState, slot: int) -> None:
    # Join the back of the order's level.
    orders = book.orders
    levels = book.levels
    meta = book.meta
    side = orders[slot, SIDE]
    price = orders[slot, PRICE]
    i = price - meta[BASE]
    tail = levels[side, i, TAIL]
    orders[slot, NEXT] = NONE
    orders[slot, PREV] = tail
    if tail == NONE:
        levels[side, i, HEAD] = slot
    else:
        orders[tail, NEXT] = slot
    levels[side, i, TAIL] = slot
    levels[side, i, SIZE] += orders[slot, QTY] - orders[slot, FILLED]
    meta[COUNT_BID + side] += 1
    if _better(side, price, meta[BEST_BID + side]):
        meta[BEST_BID + side] = price
    if orders[slot, OWNER] == FLOW:
        _flow_add(book, slot)


@inline_kernel
def _unlink(book: BookState, slot: int) -> None:
    # Leave the level wherever the order stands; the slot stays allocated.
    orders = book.orders
    levels = book.levels
    meta = book.meta
    side = orders[slot, SIDE]
    price = orders[slot, PRICE]
    i = price - meta[BASE]
    prev = orders[slot, PREV]
    nxt = orders[slot, NEXT]
    if prev == NONE:
        levels[side, i, HEAD] = nxt
    else:
        orders[prev, NEXT] = nxt
    if nxt == NONE:
        levels[side, i, TAIL] = prev
    else:
        orders[nxt, PREV] = prev
    levels[side, i, SIZE] -= orders[slot, QTY] - orders[slot, FILLED]
    meta[COUNT_BID + side] -= 1
    if orders[slot, OWNER] == FLOW:
        _flow_remove(book, slot)
    if levels[side, i, HEAD] == NONE and meta[BEST_BID + side] == price:
        _rescan(book, side, price)


@inline_kernel
def match(book: BookState, side: int, qty: int, limit: int, taker_oid: int, taker_owner: int, t: float) -> int:
    """Trade an incoming order of `side` against the other side up to `limit` (NONE: any price); return leaves."""
    orders = book.orders
    levels = book.levels
    meta = book.meta
    fills = book.fills
    opposite = 1 - side
    base = meta[BASE]
    leaves = qty
    while leaves > 0:
        best = meta[BEST_BID + opposite]
        if best == NONE or (limit != NONE and (best > limit if side == BID else best < limit)):
            break
        i = best - base
        while leaves > 0:
            maker = levels[opposite, i, HEAD]
            if maker == NONE:
                break
            available = orders[maker, QTY] - orders[maker, FILLED]
            traded = min(leaves, available)
            orders[maker, FILLED] += traded
            levels[opposite, i, SIZE] -= traded
            leaves -= traded
            n = meta[NFILL]
            fills[n, F_MAKER_OID] = orders[maker, OID]
            fills[n, F_MAKER_OWNER] = orders[maker, OWNER]
            fills[n, F_TAKER_OID] = taker_oid
            fills[n, F_TAKER_OWNER] = taker_owner
            fills[n, F_AGGRESSOR] = side
            fills[n, F_PRICE] = best
            fills[n, F_QTY] = traded
            fills[n, F_MAKER_LEAVES] = available - traded
            book.fill_time[n] = t
            meta[NFILL] = n + 1
            if traded == available:
                nxt = orders[maker, NEXT]
                levels[opposite, i, HEAD] = nxt
                if nxt == NONE:
                    levels[opposite, i, TAIL] = NONE
                else:
                    orders[nxt, PREV] = NONE
                meta[COUNT_BID + opposite] -= 1
                if orders[maker, OWNER] == FLOW:
                    _flow_remove(book, maker)
                _release(book, maker)
        if levels[opposite, i, HEAD] == NONE:
            _rescan(book, opposite, best)
    return leaves


@inline_kernel
def submit(
    book: BookState, oid: int, owner: int, side: int, qty: int, price: int, rests: bool, t: float
) -> tuple[int, int]:
    """Match a new order (price NONE: market), then rest what is left when `rests`; return (leaves, slot or NONE).

    A resting remainder needs a free slot and its price in the window (the caller checks both).
    """
    leaves = match(book, side, qty, price, oid, owner, t)
    if leaves == 0 or not rests:
        return leaves, NONE
    return leaves, rest(book, oid, owner, side, price, qty, qty - leaves)


@inline_kernel
def rest(book: BookState, oid: int, owner: int, side: int, price: int, qty: int, filled: int) -> int:
    """Queue an order at the back of its level without matching; return its slot (needs a free slot)."""
    slot = allocate(book)
    orders = book.orders
    orders[slot, PRICE] = price
    orders[slot, QTY] = qty
    orders[slot, FILLED] = filled
    orders[slot, OWNER] = owner
    orders[slot, OID] = oid
    orders[slot, SIDE] = side
    _push(book, slot)
    return slot


@inline_kernel
def cancel(book: BookState, slot: int) -> int:
    """Pull a resting order; return the quantity it still had."""
    leaves = leaves_of(book, slot)
    _unlink(book, slot)
    _release(book, slot)
    return leaves


@kernel
def replace(book: BookState, slot: int, qty: int, price: int, t: float) -> tuple[bool, int]:
    """New total quantity and price for a resting order; return (kept priority, leaves after any trading).

    Same price and no more quantity keeps the place in the queue; otherwise the order re-enters at the back and
    may trade as the taker. An order with nothing left is released.
    """
    orders = book.orders
    if price == orders[slot, PRICE] and qty <= orders[slot, QTY]:
        side = orders[slot, SIDE]
        book.levels[side, price - book.meta[BASE], SIZE] -= orders[slot, QTY] - qty
        orders[slot, QTY] = qty
        return True, qty - int(orders[slot, FILLED])
    _unlink(book, slot)
    filled = orders[slot, FILLED]
    leaves = match(book, orders[slot, SIDE], qty - filled, price, orders[slot, OID], orders[slot, OWNER], t)
    if leaves == 0:
        _release(book, slot)
        return False, 0
    orders[slot, QTY] = qty
    orders[slot, PRICE] = price
    orders[slot, FILLED] = qty - leaves
    _push(book, slot)
    return False, leaves


@kernel
def top_levels(book: BookState, side: int, n: int, out_price: I64, out_size: I64) -> int:
    """Write the best `n` levels of a side into the two int arrays; return how many there are."""
    meta = book.meta
    best = meta[BEST_BID + side]
    if best == NONE:
        return 0
    base = meta[BASE]
    stop = base if side == BID else base + meta[WIDTH] - 1
    step = -1 if side == BID else 1
    levels = book.levels
    price = best
    k = 0
    while k < n:
        size = levels[side, price - base, SIZE]
        if levels[side, price - base, HEAD] != NONE:
            out_price[k] = price
            out_size[k] = size
            k += 1
        if price == stop:
            break
        price += step
    return k


@kernel
def side_count(book: BookState, side: int) -> int:
    """How many orders rest on one side."""
    return int(book.meta[COUNT_BID + side])
