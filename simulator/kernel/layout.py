"""Column and slot numbers of the kernel's arrays, shared by the compiled code and its Python wrappers."""

from __future__ import annotations

NONE = -1
"""No order / no price / no level."""

BID, ASK = 0, 1
"""Book sides; also the taker's side: BID = a buy order, ASK = a sell order."""

FLOW = 0
"""Owner code of background orders; clients are 1 and up."""

# An order in the pool (one row of `BookState.orders`).
PRICE, QTY, FILLED, OWNER, OID, SIDE, NEXT, PREV, FPOS = range(9)
ORDER_COLUMNS = 9

# A price level (last axis of `BookState.levels`).
HEAD, TAIL, SIZE = range(3)

# Book scalars (`BookState.meta`).
BASE, WIDTH, BEST_BID, BEST_ASK, FREE, NFLOW, COUNT_BID, COUNT_ASK, FLOW_BID, FLOW_ASK, NFILL, FREE_COUNT = range(12)
META_LEN = 12

# A fill (one row of `BookState.fills`); its time is in `BookState.fill_time`.
F_MAKER_OID, F_MAKER_OWNER, F_TAKER_OID, F_TAKER_OWNER, F_AGGRESSOR, F_PRICE, F_QTY, F_MAKER_LEAVES = range(8)
FILL_COLUMNS = 8
