"""The background flow and the matching loop, compiled: one call runs a symbol's market up to a time.

Five independent event sources share the book: intermediaries' market orders (their own random stream, timed
by activity only, so paired runs with and without our metaorder see the same background takers), institutions
working metaorders (`institutions`, their own stream), liquidity providers' limit orders and cancels
(queue-reactive: a thinned side refills faster), a one-second grid that moves the fundamental price and the
volatility/activity factors, and scheduled events (news jumps, our child orders, quote and snapshot sampling).
Market makers quote around where the market's latent liquidity begins (`latent_book`): what trades against the
background's liquidity consumes it, renewal restores it. Model and sources: simulator/FLOW_MODEL.md.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kernel import fundamental, institutions, latent_book, matching, predators
from simulator.kernel.book_state import F64, BookState
from simulator.kernel.borrow import borrow, borrow_book, borrow_recorder
from simulator.kernel.flow_config import (
    P_CANCEL_HAZARD,
    P_CHILD_DT,
    P_CHILD_JITTER,
    P_CHILD_LOTS,
    P_CHILD_N,
    P_CHILD_SIDE,
    P_FUND_STEPS,
    P_GRID,
    P_HALF_SPREAD,
    P_INFORMED_SHARE,
    P_INST_CHILD_DT,
    P_INST_CHILD_MEAN,
    P_INST_CHILD_SIZE,
    P_INST_RATE,
    P_INVENTORY_SCALE,
    P_LIMIT_MU,
    P_LIMIT_RATE,
    P_LOG_KEEP,
    P_LOT,
    P_MARKET_MU,
    P_MARKET_RATE,
    P_NEWS_LEAD,
    P_NEWS_PROB,
    P_NEWS_QTY,
    P_PREDATOR,
    P_PULL_FRACTION,
    P_QUOTE_DT,
    P_RECORD_ORDERS,
    P_REFILL_BOOST,
    P_SESSION0,
    P_SIZE_SIGMA,
    P_SNAP_DT,
    P_SNAP_LEVELS,
    P_TAIL_ALPHA,
    P_TAIL_CAP,
    P_TAKER_SHARE,
    P_TARGET_COUNT,
    P_TICK,
    P_VOL_ETA,
)
from simulator.kernel.jit import inline_kernel, kernel
from simulator.kernel.layout import (
    ASK,
    BASE,
    BEST_BID,
    BID,
    COUNT_ASK,
    COUNT_BID,
    F_MAKER_OWNER,
    F_QTY,
    FLOW,
    FLOW_BID,
    FREE_COUNT,
    HEAD,
    NEXT,
    NFILL,
    NFLOW,
    NONE,
    OWNER,
    PRICE,
    SIDE,
    SIZE,
    WIDTH,
)
from simulator.kernel.recorder import C_CANCELS, C_LIMITS, C_MARKETS, C_ORDERS, C_QUOTES, C_SNAPS, Recorder

# Rows of the packed schedule (see `pack_schedule`).
S_TIMES, S_VOL, S_SPREAD, S_DEPTH_BID, S_DEPTH_ASK, S_ACTIVITY, S_DRIFT = range(7)

# The flow's running state (`state` array).
(
    X_T, X_LOGF, X_H, X_H_MID, X_H_SLOW, X_T_MARKET, X_T_BOOK, X_T_GRID, X_T_QUOTE, X_T_SNAP,
    X_T_CHILD, X_CHILD_K, X_JUMP_I, X_BID_THRESHOLD, X_ASK_THRESHOLD, X_NEXT_OID, X_SEG, X_REF, X_CENTER,
    X_INVENTORY, X_T_ARRIVE, X_T_INST, X_INST_ROW, X_STEP, X_LOG_VOL, X_NEWS_I, X_T_PRED, X_PRED_SIDE,
    X_PRED_QTY, X_CHILD_LEFT, X_CHILD_RNG, X_ACTIVITY, X_RATE_BID, X_RATE_ASK, X_RATE_CANCEL, X_LATENT,
) = range(36)  # fmt: skip
# The latent book's state (latent_book.L_*) fills the last L_LEN cells.
X_LEN = X_LATENT + latent_book.L_LEN

# What `run_flow` stopped for.
DONE, FULL, NEED_POOL, NEED_WINDOW = range(4)

OURS = 1
"""Owner code of our metaorder's children in the session runner."""

# tape.OrderKind codes
_LIMIT, _MARKET, _CANCEL = 0, 1, 2


@kernel
def segment_at(sched: F64, t: float) -> int:
    """Index of the schedule segment holding `t` seconds since the session start (0 before it)."""
    times = sched[S_TIMES]
    k = int(np.searchsorted(times, t, side="right")) - 1
    return max(k, 0)


@kernel
def _buy_probability(p: F64, x: F64, sched: F64) -> float:
    # Intermediaries trade their own net position back towards flat (their sides alone, never ours).
    prob = 0.5
    if p[P_INVENTORY_SCALE] > 0:
        prob -= 0.5 * math.tanh(x[X_INVENTORY] / (p[P_INVENTORY_SCALE] * _market_rate(p, x, sched)))
    return float(min(max(prob, 0.0), 1.0))


@kernel
def remember_trade(p: F64, x: F64, t: float, signed_qty: float) -> None:
    """A client's order took `signed_qty` (+ bought, - sold) of the background's liquidity at `t`: it consumed
    latent liquidity like any market order, and makers' quotes follow at the next flow step."""
    latent_book.consume(p, x, X_LATENT, max(t, x[X_LATENT + latent_book.L_T]), signed_qty)


@kernel
def _reference(p: F64, x: F64, sched: F64) -> float:
    seg = int(x[X_SEG])
    ref = math.exp(x[X_LOGF] + latent_book.front(p, x, X_LATENT, sched[S_VOL, seg])) / p[P_TICK]
    x[X_REF] = ref
    return float(ref)


@inline_kernel
def _record_order(p: F64, rec: Recorder, t: float, kind: int, side: int, price: int, qty: int) -> None:
    if p[P_RECORD_ORDERS] > 0:
        n = rec.counts[C_ORDERS]
        rec.o_time[n] = t
        rec.o_vals[n, 0] = kind
        rec.o_vals[n, 1] = side
        rec.o_vals[n, 2] = price
        rec.o_vals[n, 3] = qty
        rec.counts[C_ORDERS] = n + 1


@inline_kernel
def _touch(p: F64, x: F64, sched: F64, side: int) -> int:
    # Where market makers put their best quote on `side` around the reference.
    half = p[P_HALF_SPREAD] * sched[S_SPREAD, int(x[X_SEG])]
    if side == BID:
        return math.floor(float(x[X_REF] - half + 0.5))
    return math.floor(float(x[X_REF] + half + 0.5))


@inline_kernel
def _quote(book: BookState, p: F64, x: F64, rec: Recorder, t: float, side: int, price: int, qty: int) -> None:
    # A background limit order, unless its price falls outside the book's window.
    if price > 0 and matching.in_window(book, price):
        oid = int(x[X_NEXT_OID])
        x[X_NEXT_OID] -= 1
        matching.submit(book, oid, FLOW, side, qty, price, True, t)
        rec.counts[C_LIMITS] += 1
        _record_order(p, rec, t, _LIMIT, side, price, qty)


@inline_kernel
def _distance(p: F64, rng: np.random.Generator) -> int:
    # Ticks behind the touch: geometric, so depth decays away from the touch.
    if p[P_LOG_KEEP] == -math.inf:
        return 0
    return int(math.log(1.0 - rng.random()) / p[P_LOG_KEEP])


@kernel
def _move_level(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator, t: float,
                side: int, price: int) -> bool:  # fmt: skip
    # Market makers move their quotes at `price` back behind the new touch; client orders stay. True: any moved.
    slot = book.levels[side, price - book.meta[BASE], HEAD]
    touch = _touch(p, x, sched, side)
    step = -1 if side == BID else 1
    moved = False
    orders = book.orders
    while slot != NONE:
        nxt = orders[slot, NEXT]
        if orders[slot, OWNER] == FLOW:
            qty = matching.cancel(book, slot)
            rec.counts[C_CANCELS] += 1
            _record_order(p, rec, t, _CANCEL, side, price, qty)
            _quote(book, p, x, rec, t, side, touch + step * _distance(p, rng), qty)
            moved = True
        slot = nxt
    return moved


@kernel
def _pull_side(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator, t: float,
               side: int, threshold: int) -> None:  # fmt: skip
    # Quotes priced at or through `threshold` (bids >=, asks <=) are stale: re-quote them behind the touch.
    meta = book.meta
    while True:
        best = meta[BEST_BID + side]
        if best == NONE or (best < threshold if side == BID else best > threshold):
            return
        if not _move_level(book, p, x, sched, rec, rng, t, side, best) or meta[BEST_BID + side] == best:
            # Client orders at this level stay; quotes behind them are not stale from the reference's view.
            return


@kernel
def _requote(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator,
             t: float) -> None:  # fmt: skip
    # The reference moved: re-quote what it moved through, and follow it with the far side's best quotes.
    ref = _reference(p, x, sched)
    half = p[P_HALF_SPREAD] * sched[S_SPREAD, int(x[X_SEG])]
    band = max(min(half * p[P_PULL_FRACTION], half - 0.5), 0.0)
    bid_threshold = math.floor(ref - band) + 1
    ask_threshold = math.ceil(ref + band) - 1
    if bid_threshold < x[X_BID_THRESHOLD]:
        _pull_side(book, p, x, sched, rec, rng, t, BID, bid_threshold)
    if ask_threshold > x[X_ASK_THRESHOLD]:
        _pull_side(book, p, x, sched, rec, rng, t, ASK, ask_threshold)
    x[X_BID_THRESHOLD] = bid_threshold
    x[X_ASK_THRESHOLD] = ask_threshold
    lag = max(1.0, half)
    meta = book.meta
    for side in range(2):
        best = meta[BEST_BID + side]
        touch = _touch(p, x, sched, side)
        if best != NONE and (best < touch - lag if side == BID else best > touch + lag):
            _move_level(book, p, x, sched, rec, rng, t, side, best)


@inline_kernel
def _size(rng: np.random.Generator, mu: float, sigma: float, lot: float) -> int:
    lots = round(math.exp(mu + sigma * rng.standard_normal()) / lot)
    return int(max(lots, 1) * lot)


@kernel
def _market_size(p: F64, rng: np.random.Generator) -> int:
    # Lognormal body times a capped Pareto factor: the power-law tail of trade sizes.
    tail = min((1.0 - rng.random()) ** (-1.0 / p[P_TAIL_ALPHA]), p[P_TAIL_CAP])
    lots = round(math.exp(p[P_MARKET_MU] + p[P_SIZE_SIGMA] * rng.standard_normal()) * tail / p[P_LOT])
    return int(max(lots, 1) * p[P_LOT])


@inline_kernel
def _market_rate(p: F64, x: F64, sched: F64) -> float:
    # Intermediaries' market orders (institutions' children come on top).
    return float(p[P_MARKET_RATE] * p[P_TAKER_SHARE] * _pace(x, sched) * _activity_factor(p, x))


@inline_kernel
def _pace(x: F64, sched: F64) -> float:
    return float(sched[S_ACTIVITY, int(x[X_SEG])])


@inline_kernel
def _log_vol(x: F64) -> float:
    return float(x[X_LOG_VOL])


@inline_kernel
def _activity_factor(p: F64, x: F64) -> float:
    # exp(H) normalised to mean 1: busy and volatile periods come together (H moves on the grid: kept there).
    return float(x[X_ACTIVITY])


@kernel
def _update_activity(p: F64, x: F64) -> None:
    eta = p[P_VOL_ETA]
    x[X_ACTIVITY] = math.exp(_log_vol(x) + eta * eta / 2.0)


@kernel
def _arrival_rate(p: F64, x: F64, sched: F64) -> float:
    return float(p[P_INST_RATE] * _pace(x, sched) * _activity_factor(p, x))


@inline_kernel
def _side_limit_rate(book: BookState, p: F64, x: F64, sched: F64, side: int) -> float:
    depth = sched[S_DEPTH_BID + side, int(x[X_SEG])]
    target = p[P_TARGET_COUNT] * depth
    resting = book.meta[FLOW_BID + side]
    boost = 1.0 + p[P_REFILL_BOOST] * max(0.0, 1.0 - resting / target)
    return float(p[P_LIMIT_RATE] * depth * boost)


@inline_kernel
def _book_rates(book: BookState, p: F64, x: F64, sched: F64) -> tuple[float, float, float]:
    scale = sched[S_ACTIVITY, int(x[X_SEG])] * _activity_factor(p, x)
    bid = _side_limit_rate(book, p, x, sched, BID) * scale
    ask = _side_limit_rate(book, p, x, sched, ASK) * scale
    cancel = p[P_CANCEL_HAZARD] * book.meta[NFLOW] * scale
    return bid, ask, cancel


@inline_kernel
def _next_book_event(book: BookState, p: F64, x: F64, sched: F64, rng: np.random.Generator, t: float) -> None:
    bid, ask, cancel = _book_rates(book, p, x, sched)
    x[X_RATE_BID], x[X_RATE_ASK], x[X_RATE_CANCEL] = bid, ask, cancel
    x[X_T_BOOK] = t + rng.standard_exponential() / (bid + ask + cancel)


@inline_kernel
def _book_event(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator,
                t: float) -> None:  # fmt: skip
    # One liquidity provider event: a limit order on either side, or a cancel of a random flow order, picked by
    # the rates its clock was drawn with (they move by one order's worth between events).
    bid, ask, cancel = x[X_RATE_BID], x[X_RATE_ASK], x[X_RATE_CANCEL]
    total = bid + ask + cancel
    pick = rng.random() * total
    if pick < bid + ask:
        side = BID if pick < bid else ASK
        step = -1 if side == BID else 1
        price = _touch(p, x, sched, side) + step * _distance(p, rng)
        _quote(book, p, x, rec, t, side, price, _size(rng, p[P_LIMIT_MU], p[P_SIZE_SIGMA], p[P_LOT]))
    elif book.meta[NFLOW] > 0:
        n = book.meta[NFLOW]
        index = min(int((pick - bid - ask) / cancel * n), n - 1)
        slot = book.flow[index]
        side = book.orders[slot, SIDE]
        price = book.orders[slot, PRICE]
        qty = matching.cancel(book, slot)
        rec.counts[C_CANCELS] += 1
        _record_order(p, rec, t, _CANCEL, side, price, qty)


@kernel
def _take(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator, t: float,
          side: int, qty: int, owner: int) -> int:  # fmt: skip
    # A market order; what it took from the background's liquidity consumes latent liquidity, and makers
    # re-quote. What it took from a client's resting order did not: that client supplied it. Returns what it
    # printed on the tape.
    first = book.meta[NFILL]
    leaves = matching.match(book, side, qty, NONE, int(x[X_NEXT_OID]), owner, t)
    x[X_NEXT_OID] -= 1
    taken = 0
    for n in range(first, book.meta[NFILL]):
        if book.fills[n, F_MAKER_OWNER] == FLOW:
            taken += book.fills[n, F_QTY]
    latent_book.consume(p, x, X_LATENT, t, float(taken if side == BID else -taken))
    _requote(book, p, x, sched, rec, rng, t)
    return qty - leaves


@kernel
def watch_print(p: F64, x: F64, pred: F64, side: int, qty: int, t: float) -> None:
    """Predators saw a market order of `qty` on `side` print at `t`: when it completes a schedule's pattern, they
    plan to act just before its next child."""
    if p[P_PREDATOR] <= 0 or qty <= 0:
        return
    due = predators.observe(pred, side, qty, t)
    if due < math.inf:
        x[X_T_PRED] = due - predators.lead(due - t)
        x[X_PRED_SIDE] = side
        x[X_PRED_QTY] = qty


@kernel
def _predate(book: BookState, p: F64, x: F64, sched: F64, rec: Recorder, rng: np.random.Generator,
             t: float) -> None:  # fmt: skip
    # Just before the expected child: take ahead of it, then offer what was taken back at the far touch.
    side = int(x[X_PRED_SIDE])
    lots = round(p[P_PREDATOR] * x[X_PRED_QTY] / p[P_LOT])
    x[X_T_PRED] = math.inf
    if lots < 1:
        return
    qty = int(lots * p[P_LOT])
    _take(book, p, x, sched, rec, rng, t, side, qty, FLOW)
    rec.counts[C_MARKETS] += 1
    _record_order(p, rec, t, _MARKET, side, NONE, qty)
    far = book.meta[BEST_BID + 1 - side]
    if far != NONE:
        _quote(book, p, x, rec, t, 1 - side, far, qty)


@kernel
def _grid_step(book: BookState, p: F64, x: F64, sched: F64, jumps_t: F64, jumps_bps: F64, rec: Recorder, fund: F64,
               inst: F64, rng: np.random.Generator, rng_makers: np.random.Generator, rng_news: np.random.Generator,
               t: float) -> None:  # fmt: skip
    # Apply this step's fundamental move (drawn an hour ago) and draw the one an hour ahead; apply scheduled news
    # due by now; informed traders learn of news an hour or less before it.
    x[X_SEG] = segment_at(sched, t - p[P_SESSION0])
    step = int(x[X_STEP])
    slot = step % int(p[P_FUND_STEPS])
    x[X_LOGF] += fund[fundamental.F_MOVE, slot] + fund[fundamental.F_JUMP, slot]
    x[X_LOG_VOL] = fund[fundamental.F_LOGVOL, slot]
    _update_activity(p, x)
    ahead = int(p[P_FUND_STEPS])
    fundamental.draw(p, x[X_H:X_H_SLOW + 1], sched, fund, rng, step + ahead, t + ahead * p[P_GRID])
    x[X_STEP] = step + 1
    k = int(x[X_JUMP_I])
    while k < len(jumps_t) and p[P_SESSION0] + jumps_t[k] <= t:
        x[X_LOGF] += math.log1p(jumps_bps[k] * 1e-4)
        k += 1
    x[X_JUMP_I] = k
    _informed_of_news(p, x, jumps_t, jumps_bps, fund, inst, rng_news, t)
    latent_book.consume(p, x, X_LATENT, t, 0.0)
    _requote(book, p, x, sched, rec, rng_makers, t)
    ref = x[X_REF]
    base = book.meta[BASE]
    margin = book.meta[WIDTH] // 8
    if ref - base < margin or base + book.meta[WIDTH] - ref < margin:
        x[X_CENTER] = ref


@kernel
def _informed_of_news(p: F64, x: F64, jumps_t: F64, jumps_bps: F64, fund: F64, inst: F64,
                      rng_news: np.random.Generator, t: float) -> None:  # fmt: skip
    # A scheduled release or a random jump `P_NEWS_LEAD` ahead is learnt, with probability `P_NEWS_PROB`, by an
    # informed trader who trades its direction until it happens (their coin has its own stream: turning them on
    # changes nothing else).
    if p[P_NEWS_PROB] <= 0:
        return
    lead = p[P_NEWS_LEAD]
    k = int(x[X_NEWS_I])
    while k < len(jumps_t) and p[P_SESSION0] + jumps_t[k] - lead <= t:
        until = p[P_SESSION0] + jumps_t[k]
        if until > t and jumps_bps[k] != 0 and rng_news.random() < p[P_NEWS_PROB]:
            _trade_ahead(p, inst, t, until, jumps_bps[k])
        k += 1
    x[X_NEWS_I] = k
    steps = int(lead / p[P_GRID])
    if steps < 1:
        return  # a lead under one grid step: the random jump is known only when it happens
    jump = fundamental.jump_ahead(p, fund, int(x[X_STEP]) + steps - 1)
    if jump != 0 and rng_news.random() < p[P_NEWS_PROB]:
        _trade_ahead(p, inst, t, t + steps * p[P_GRID], jump)


@kernel
def _trade_ahead(p: F64, inst: F64, t: float, until: float, direction: float) -> None:
    qty = int(max(round(p[P_NEWS_QTY] / p[P_LOT]), 1) * p[P_LOT])
    children = max(qty / p[P_INST_CHILD_MEAN], 1.0)
    gap = (until - t) / children
    institutions.start(inst, t + gap * 0.5, BID if direction > 0 else ASK, qty, gap, True)


@kernel
def _sample_quote(book: BookState, rec: Recorder, t: float) -> None:
    n = rec.counts[C_QUOTES]
    meta = book.meta
    rec.q_time[n] = t
    for side in range(2):
        best = meta[BEST_BID + side]
        rec.q_vals[n, side] = best
        rec.q_vals[n, 2 + side] = 0 if best == NONE else book.levels[side, best - meta[BASE], SIZE]
    rec.counts[C_QUOTES] = n + 1


@kernel
def _sample_snapshot(book: BookState, p: F64, rec: Recorder, t: float) -> None:
    levels = int(p[P_SNAP_LEVELS])
    prices = np.empty(levels, dtype=np.int64)
    sizes = np.empty(levels, dtype=np.int64)
    for side in range(2):
        k = matching.top_levels(book, side, levels, prices, sizes)
        n = rec.counts[C_SNAPS]
        for i in range(k):
            rec.s_time[n + i] = t
            rec.s_vals[n + i, 0] = 1 - 2 * side
            rec.s_vals[n + i, 1] = i
            rec.s_vals[n + i, 2] = prices[i]
            rec.s_vals[n + i, 3] = sizes[i]
        rec.counts[C_SNAPS] = n + k


@kernel
def _child_qty(p: F64, k: int) -> int:
    n = int(p[P_CHILD_N])
    lots = int(p[P_CHILD_LOTS])
    return int(lots // n + (1 if k < lots % n else 0))


@kernel
def _uniform(x: F64) -> float:
    # Our children's own jitter stream (a 31-bit LCG in the state): it never touches the background's streams.
    x[X_CHILD_RNG] = (1103515245.0 * x[X_CHILD_RNG] + 12345.0) % 2147483648.0
    return float(x[X_CHILD_RNG] / 2147483648.0)


@kernel
def _our_child(book: BookState, p: F64, x: F64, sched: F64, pred: F64, rec: Recorder, rng: np.random.Generator,
               t: float) -> None:  # fmt: skip
    # Our metaorder's next child: even slices at even intervals, or with `P_CHILD_JITTER` both drawn within
    # +-jitter of them (the last child takes what is left).
    k = int(x[X_CHILD_K])
    last = k + 1 >= p[P_CHILD_N]
    jitter = p[P_CHILD_JITTER]
    lots = _child_qty(p, k)
    if jitter > 0:
        lots = max(round(lots * (1.0 + jitter * (2.0 * _uniform(x) - 1.0))), 1)
    lots = int(x[X_CHILD_LEFT]) if last else min(lots, int(x[X_CHILD_LEFT]))
    x[X_CHILD_LEFT] -= lots
    side = int(p[P_CHILD_SIDE])
    if lots > 0:
        watch_print(p, x, pred, side, _take(book, p, x, sched, rec, rng, t, side, int(lots * p[P_LOT]), OURS), t)
    x[X_CHILD_K] = k + 1
    gap = p[P_CHILD_DT] * (1.0 + jitter * (2.0 * _uniform(x) - 1.0)) if jitter > 0 else p[P_CHILD_DT]
    x[X_T_CHILD] = t + gap if not last else math.inf


@inline_kernel
def _room(book: BookState, p: F64, rec: Recorder) -> int:
    # Stop before an event could overrun a buffer: one event fills at most every resting order.
    meta = book.meta
    if meta[FREE_COUNT] < 2:
        return NEED_POOL
    if meta[NFILL] + meta[COUNT_BID] + meta[COUNT_ASK] + 2 > len(book.fills):
        return FULL
    if rec.counts[C_QUOTES] + 1 > len(rec.q_time) and p[P_QUOTE_DT] < math.inf:
        return FULL
    if rec.counts[C_SNAPS] + 2 * p[P_SNAP_LEVELS] > len(rec.s_time) and p[P_SNAP_DT] < math.inf:
        return FULL
    # A re-quote records a cancel and a new limit for every flow order it moves.
    if p[P_RECORD_ORDERS] > 0 and rec.counts[C_ORDERS] + 2 * meta[NFLOW] + 2 > len(rec.o_time):
        return FULL
    return DONE


@kernel
def _institution_child(book: BookState, p: F64, x: F64, sched: F64, inst: F64, pred: F64, rec: Recorder,
                       rng_inst: np.random.Generator, rng_news: np.random.Generator, rng_makers: np.random.Generator,
                       t: float) -> None:  # fmt: skip
    # The institution whose child is due sends it: a small market order, never beyond its parent.
    # Informed traders and scheduled metaorders (fixed pace) draw from their own stream, so that turning them on
    # leaves the other institutions' draws alone.
    k = int(x[X_INST_ROW])
    rng = rng_news if inst[k, institutions.I_FIXED] > 0 else rng_inst
    side = int(inst[k, institutions.I_SIDE])
    size = int(max(round(_market_size(p, rng) * p[P_INST_CHILD_SIZE] / p[P_LOT]), 1) * p[P_LOT])
    qty = min(size, int(inst[k, institutions.I_REMAINING]))
    if qty > 0:
        watch_print(p, x, pred, side, _take(book, p, x, sched, rec, rng_makers, t, side, qty, FLOW), t)
        rec.counts[C_MARKETS] += 1
        _record_order(p, rec, t, _MARKET, side, NONE, qty)
    institutions.child_sent(p, inst, rng, k, max(qty, 1), t, _pace(x, sched) * _activity_factor(p, x))
    _next_institution(x, inst)


@kernel
def _arrive(p: F64, x: F64, fund: F64, inst: F64, rng: np.random.Generator, t: float, pace: float) -> None:
    # A new metaorder: informed ones know where the fundamental goes over the time they will take, the others'
    # side is a coin toss.
    qty = institutions.parent_size(p, rng)
    if rng.random() < p[P_INFORMED_SHARE]:
        steps = int(institutions.duration(p, qty, p[P_INST_CHILD_MEAN]) / p[P_GRID]) + 1
        side = BID if fundamental.ahead(p, fund, int(x[X_STEP]), steps) > 0 else ASK
    else:
        side = BID if rng.random() < 0.5 else ASK
    gap = p[P_INST_CHILD_DT]
    institutions.start(inst, t + rng.standard_exponential() * gap / pace, side, qty, gap, False)


@kernel
def _next_institution(x: F64, inst: F64) -> None:
    row, when = institutions.next_child(inst)
    x[X_INST_ROW] = row
    x[X_T_INST] = when


@kernel
def run_flow(book: BookState, p: F64, x: F64, sched: F64, jumps_t: F64, jumps_bps: F64, rec: Recorder,
             fund: F64, inst: F64, pred: F64, rng_takers: np.random.Generator, rng_makers: np.random.Generator,
             rng_fundamental: np.random.Generator, rng_inst: np.random.Generator, rng_news: np.random.Generator,
             until: float) -> int:  # fmt: skip
    """Run every event due at or before `until`; return DONE, or why it stopped early (state is kept)."""
    # Borrowed views: the caller holds the arrays; inside, their reference counts would cost more than the events.
    book, rec = borrow_book(book), borrow_recorder(rec)
    p, x, sched, jumps_t, jumps_bps = borrow(p), borrow(x), borrow(sched), borrow(jumps_t), borrow(jumps_bps)
    fund, inst, pred = borrow(fund), borrow(inst), borrow(pred)
    while True:
        if x[X_CENTER] > 0:
            return NEED_WINDOW
        status = _room(book, p, rec)
        if status != DONE:
            return status
        t_market, t_book, t_grid = x[X_T_MARKET], x[X_T_BOOK], x[X_T_GRID]
        t_quote, t_snap, t_child = x[X_T_QUOTE], x[X_T_SNAP], x[X_T_CHILD]
        t_arrive, t_inst, t_pred = x[X_T_ARRIVE], x[X_T_INST], x[X_T_PRED]
        t = min(t_market, t_book, t_grid, t_quote, t_snap, t_child, t_arrive, t_inst, t_pred)
        if t > until:
            x[X_T] = until
            return DONE
        x[X_T] = t
        if t == t_grid:
            _grid_step(book, p, x, sched, jumps_t, jumps_bps, rec, fund, inst, rng_fundamental, rng_makers, rng_news,
                       t)  # fmt: skip
            _next_institution(x, inst)
            x[X_T_GRID] = t + p[P_GRID]
            # Rates changed: exponential clocks are memoryless, so every stream draws afresh.
            x[X_T_MARKET] = t + rng_takers.standard_exponential() / _market_rate(p, x, sched)
            _next_book_event(book, p, x, sched, rng_makers, t)
            rate = _arrival_rate(p, x, sched)
            x[X_T_ARRIVE] = t + rng_inst.standard_exponential() / rate if rate > 0 else math.inf
        elif t == t_market:
            side = BID if rng_takers.random() < _buy_probability(p, x, sched) else ASK
            qty = _market_size(p, rng_takers)
            x[X_INVENTORY] += qty if side == BID else -qty
            watch_print(p, x, pred, side, _take(book, p, x, sched, rec, rng_makers, t, side, qty, FLOW), t)
            rec.counts[C_MARKETS] += 1
            _record_order(p, rec, t, _MARKET, side, NONE, qty)
            x[X_T_MARKET] = t + rng_takers.standard_exponential() / _market_rate(p, x, sched)
        elif t == t_book:
            _book_event(book, p, x, sched, rec, rng_makers, t)
            _next_book_event(book, p, x, sched, rng_makers, t)
        elif t == t_inst:
            _institution_child(book, p, x, sched, inst, pred, rec, rng_inst, rng_news, rng_makers, t)
        elif t == t_arrive:
            _arrive(p, x, fund, inst, rng_inst, t, _pace(x, sched) * _activity_factor(p, x))
            _next_institution(x, inst)
            x[X_T_ARRIVE] = t + rng_inst.standard_exponential() / _arrival_rate(p, x, sched)
        elif t == t_pred:
            _predate(book, p, x, sched, rec, rng_makers, t)
        elif t == t_child:
            _our_child(book, p, x, sched, pred, rec, rng_makers, t)
        elif t == t_quote:
            _sample_quote(book, rec, t)
            x[X_T_QUOTE] = t + p[P_QUOTE_DT]
        else:
            _sample_snapshot(book, p, rec, t)
            x[X_T_SNAP] = t + p[P_SNAP_DT]
