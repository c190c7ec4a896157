"""Background market orders rebuilt from the tape's fills: one order per sweep, whatever the levels it took.

The tape records one trade per fill, so a market order that takes three resting orders leaves three rows with one
timestamp and one aggressor sign. Sign memory, response, trade sizes and durations are facts about orders, not
fills: counted per fill, a sweep would pose as three same-signed trades in a row (sign memory it does not have)
and as two inter-trade durations of zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.tape import F64, I8, I64, Trades


@dataclass(frozen=True)
class MarketOrders:
    """One row per background market order, in time order."""

    time: F64
    sign: I8  # +1 a buyer took liquidity, -1 a seller
    qty: I64  # executed quantity, summed over the order's fills
    touch: F64  # price of its best fill: the opposite best quote just before the order arrived

    def __len__(self) -> int:
        return len(self.time)


def market_orders(trades: Trades) -> MarketOrders:
    """Group consecutive background fills that share a timestamp and an aggressor sign into one market order.

    Fills where one side was ours are left out: these are the background market's facts.
    """
    keep = ~trades.ours
    time, sign, qty, price = trades.time[keep], trades.aggressor[keep], trades.qty[keep], trades.price[keep]
    if len(time) == 0:
        return MarketOrders(np.empty(0), np.empty(0, np.int8), np.empty(0, np.int64), np.empty(0))
    new = np.ones(len(time), dtype=np.bool_)
    new[1:] = (time[1:] != time[:-1]) | (sign[1:] != sign[:-1])
    starts = np.flatnonzero(new)
    group_sign = sign[starts]
    # A buy's best fill is its lowest price, a sell's its highest: min of sign × price, signed back.
    touch = (np.minimum.reduceat(sign * price, starts) * group_sign).astype(np.float64)
    return MarketOrders(time[starts], group_sign, np.add.reduceat(qty, starts), touch)
