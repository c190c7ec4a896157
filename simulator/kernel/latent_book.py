"""Latent liquidity: the market's hidden supply and demand, what consumes it, how it is renewed, where it begins.

Most of a market's liquidity is latent: intentions to trade that are revealed only as the price comes near them
(Tóth, Lempérière, Deremble, de Lataillade, Kockelkoren & Bouchaud 2011, "Anomalous price impact and the
critical nature of liquidity in financial markets"; Donier, Bonart, Mastromatteo & Bouchaud 2015, "A fully
consistent, minimal model for non-linear market impact"). Around a fair price its density grows linearly with the
distance (a V): buyers below, sellers above. A trade against the background's liquidity consumes it at the edge;
latent orders are renewed around the fundamental, here by two populations with their own renewal times (fast,
intraday intermediaries; slow, the rest: Benzaquen & Bouchaud 2018, "Market impact with multi-timescale
liquidity"). The difference of latent buy and sell volume obeys a linear equation (Donier et al., eq. 3), so what
remains consumed is the signed traded volume, each population's part fading at its renewal rate.

Where the remaining liquidity begins is found by walking the V cell by cell from the fundamental until the
cells passed hold the consumed volume: the front moves a few cells per trade, so the walk is incremental.
Market makers quote around that front (`flow_loop`); nothing here knows a price-impact law.
"""

from __future__ import annotations

import math

from simulator.kernel.book_state import F64
from simulator.kernel.flow_config import (
    P_FAST_WEIGHT,
    P_LATENT_A,
    P_LATENT_B,
    P_LATENT_H,
    P_TAU_FAST,
    P_TAU_SLOW,
)
from simulator.kernel.jit import kernel

# The latent book's running state, in the flow's state array from this offset (see flow_loop.X_*).
L_FAST, L_SLOW, L_T, L_FRONT, L_BEHIND = range(5)
L_LEN = 5


@kernel
def consume(p: F64, x: F64, at: int, t: float, signed_qty: float) -> None:
    """Renew both populations up to `t`, then consume `signed_qty` (+ bought from the sellers, - sold)."""
    dt = t - x[at + L_T]
    if dt > 0:
        x[at + L_FAST] *= math.exp(-dt / p[P_TAU_FAST])
        x[at + L_SLOW] *= math.exp(-dt / p[P_TAU_SLOW])
        x[at + L_T] = t
    x[at + L_FAST] += signed_qty
    x[at + L_SLOW] += signed_qty


@kernel
def _cell_volume(p: F64, j: int) -> float:
    # Latent volume in cell j from the fundamental: the V's density at the cell, floor included.
    a, b = p[P_LATENT_A], p[P_LATENT_B]
    return float(a * (2.0 * (j + b) + 1.0))


@kernel
def front(p: F64, x: F64, at: int, vol_mult: float) -> float:
    """Log distance from the fundamental to where the remaining latent liquidity begins (+ above, - below).

    Consumed volume is split between the populations by their shares; the walk keeps its cell and the volume
    of the cells behind it, and steps forward or back until the consumed volume falls in the current cell.
    """
    w = p[P_FAST_WEIGHT]
    consumed = w * x[at + L_FAST] + (1.0 - w) * x[at + L_SLOW]
    target = abs(consumed)
    j = int(x[at + L_FRONT])
    behind = x[at + L_BEHIND]
    while behind + _cell_volume(p, j) <= target:
        behind += _cell_volume(p, j)
        j += 1
    while j > 0 and behind > target:
        j -= 1
        behind -= _cell_volume(p, j)
    if j == 0:
        behind = 0.0
    x[at + L_FRONT] = j
    x[at + L_BEHIND] = behind
    cells = j + (target - behind) / _cell_volume(p, j)
    return math.copysign(cells * p[P_LATENT_H] * vol_mult, consumed)
