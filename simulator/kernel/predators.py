"""Predatory traders: they watch the public tape for a schedule and trade ahead of it.

An execution schedule that slices a parent into equal children at equal intervals leaves a signature on the tape:
market orders of one size on one side, arriving like clockwork. Predators look for exactly that (Brunnermeier &
Pedersen 2005, "Predatory trading"; Carlin, Lobo & Viswanathan 2007, "Episodic liquidity crises"; Bouchaud et al.,
"Trades, Quotes and Prices", 2018, ch. 21 on information leakage): for every size recently printed on each side
they keep the mean and the dispersion of the gaps between its prints. A size that repeated `MIN_REPEATS` times with
gaps of coefficient of variation under `MAX_CV` is a schedule; its next child is expected one mean gap after the
last. Once a size has a period, a print of that size well before the next is due is taken for someone else's order
and ignored (on a lot-sized equity, other traders print the same sizes too). Just before the next child, a predator
buys (or sells) ahead with a market order of `strength` times the child's size, consuming the liquidity the child
would have had, and offers that much back at the far touch for the child to take. Random sizes and timing (a
randomised schedule, the background's own flow) never pass the test.

Table `pred[side, row]`: size, last print time, mean gap, gap variance, prints seen.
"""

from __future__ import annotations

import math

from simulator.kernel.book_state import F64
from simulator.kernel.jit import kernel

R_QTY, R_LAST, R_MEAN, R_VAR, R_COUNT = range(5)
R_COLUMNS = 5
ROWS = 8
MIN_REPEATS = 5
MAX_CV = 0.1
_ALPHA = 0.3  # weight of the newest gap in the running mean and variance
MIN_GAP_S, MAX_GAP_S = 1.0, 600.0


@kernel
def observe(pred: F64, side: int, qty: int, t: float) -> float:
    """A market order of `qty` on `side` printed at `t`; return when the next one like it is due (inf: no pattern)."""
    rows = pred[side]
    oldest, oldest_t = 0, math.inf
    for k in range(rows.shape[0]):
        if rows[k, R_COUNT] > 0 and rows[k, R_QTY] == qty:
            gap = t - rows[k, R_LAST]
            if gap <= 0:
                return math.inf  # one order sweeping several levels prints several times at once
            if rows[k, R_COUNT] >= 2 and gap < 0.5 * rows[k, R_MEAN]:
                return math.inf  # someone else's order of the same size, between two of the schedule's
            if rows[k, R_COUNT] == 1:
                rows[k, R_MEAN], rows[k, R_VAR] = gap, 0.0
            else:
                delta = gap - rows[k, R_MEAN]
                rows[k, R_MEAN] += _ALPHA * delta
                rows[k, R_VAR] = (1.0 - _ALPHA) * (rows[k, R_VAR] + _ALPHA * delta * delta)
            rows[k, R_COUNT] += 1
            rows[k, R_LAST] = t
            mean = rows[k, R_MEAN]
            regular = math.sqrt(rows[k, R_VAR]) < MAX_CV * mean and MIN_GAP_S <= mean <= MAX_GAP_S
            return t + mean if rows[k, R_COUNT] >= MIN_REPEATS and regular else math.inf
        last = rows[k, R_LAST] if rows[k, R_COUNT] > 0 else -math.inf
        if last < oldest_t:
            oldest, oldest_t = k, last
    rows[oldest, R_QTY] = qty
    rows[oldest, R_LAST] = t
    rows[oldest, R_MEAN] = 0.0
    rows[oldest, R_VAR] = 0.0
    rows[oldest, R_COUNT] = 1.0
    return math.inf


@kernel
def lead(mean_gap: float) -> float:
    """How long before the expected child the predator acts: a second, or a fifth of the gap when shorter."""
    return min(1.0, 0.2 * mean_gap)
