"""Institutions working metaorders: Pareto-sized parents split into market-order children over time.

Large orders are split because the liquidity to fill them at once is not there; their sizes are Pareto-
distributed with a tail exponent near 3/2, and that splitting is why the signs of successive trades are
long-memory, C(l) ~ l^-(alpha - 1) (Lillo, Mike & Farmer 2005, "Theory for long memory in supply and demand";
Tóth, Palit, Lillo & Farmer 2015, "Why is equity order flow so persistent?"). Each institution sends a
child every `P_INST_CHILD_DT` seconds on average (a number of the market's orders; faster when it is busy),
a market order `P_INST_CHILD_SIZE` times an intermediary's size (one lot at least), until its parent is done.
Their draws come from their own random stream, so paired runs see the same ones.

Informed traders and scheduled metaorders use the same rows at a fixed pace: their children are spaced so the
parent is done by a deadline (the release they know of, the end of the scheduled selling).

State: `inst` rows (remaining units, side, next child time, mean gap between children, fixed pace 1/0); a free
row has 0 remaining.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kernel.book_state import F64
from simulator.kernel.flow_config import P_INST_ALPHA, P_INST_BURST, P_INST_CHILD_DT, P_INST_QMAX, P_INST_QMIN, P_LOT
from simulator.kernel.jit import kernel

I_REMAINING, I_SIDE, I_NEXT, I_GAP, I_FIXED = range(5)
I_COLUMNS = 5
SLOTS = 64
# Mean gap between the children of one burst.
_BURST_GAP_S = 0.2


@kernel
def parent_size(p: F64, rng: np.random.Generator) -> int:
    """A metaorder's size: Pareto(alpha) from the minimum, truncated at the maximum, on the lot grid."""
    low, high, alpha = p[P_INST_QMIN], p[P_INST_QMAX], p[P_INST_ALPHA]
    u = rng.random()
    size = low * (1.0 - u * (1.0 - (low / high) ** alpha)) ** (-1.0 / alpha)
    lots = max(round(size / p[P_LOT]), 1)
    return int(lots * p[P_LOT])


@kernel
def start(inst: F64, t_first: float, side: int, qty: int, gap: float, fixed: bool) -> bool:
    """A metaorder of `qty` on `side` takes a free row, its first child at `t_first`, children `gap` s apart on
    average (scaled by the market's pace unless `fixed`); False when every row is taken (it goes elsewhere)."""
    for k in range(inst.shape[0]):
        if inst[k, I_REMAINING] <= 0:
            inst[k, I_REMAINING] = qty
            inst[k, I_SIDE] = side
            inst[k, I_NEXT] = t_first
            inst[k, I_GAP] = gap
            inst[k, I_FIXED] = 1.0 if fixed else 0.0
            return True
    return False


@kernel
def duration(p: F64, qty: int, mean_child: float) -> float:
    """How long a metaorder of `qty` works at the calm pace: its children times their mean gap."""
    return float(qty / mean_child * p[P_INST_CHILD_DT])


@kernel
def next_child(inst: F64) -> tuple[int, float]:
    """The row whose child is due first and when (-1, inf when no metaorder is working)."""
    best, when = -1, math.inf
    for k in range(inst.shape[0]):
        if inst[k, I_REMAINING] > 0 and inst[k, I_NEXT] < when:
            best, when = k, inst[k, I_NEXT]
    return best, when


@kernel
def child_sent(p: F64, inst: F64, rng: np.random.Generator, k: int, qty: int, t: float, pace: float) -> None:
    """Row `k` sent a child of `qty`: count it and schedule the next, or free the row when the parent is done."""
    inst[k, I_REMAINING] -= qty
    if inst[k, I_REMAINING] <= 0:
        inst[k, I_REMAINING] = 0.0
        inst[k, I_NEXT] = math.inf
    elif rng.random() < p[P_INST_BURST]:
        inst[k, I_NEXT] = t + rng.standard_exponential() * _BURST_GAP_S
    else:
        # Bursts of 1 / (1 - burst) children on average, so the gap between bursts keeps the average pace.
        gap = inst[k, I_GAP] / (1.0 - p[P_INST_BURST])
        inst[k, I_NEXT] = t + rng.standard_exponential() * (gap if inst[k, I_FIXED] > 0 else gap / pace)
