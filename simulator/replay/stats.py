"""What a short sample can show about order flow and the book, computed alike on the real capture and on a Tape.

Everything is normalised so a ~78,000 USD BTC/USD book compares with a 20 USD simulated coin: sizes relative to
their median, spreads and depth distances in bps of the mid, depth as fractions of the volume within 50 bps.
"""

from __future__ import annotations

import numpy as np

from simulator.replay.bitstamp_capture import CREATED, DELETED, TICK_USD, BitstampCapture, load_bitstamp_capture
from simulator.replay.replay import replay_capture
from simulator.tape import F64, OrderEvents, OrderKind, Quotes, Snapshots, Tape

DEPTH_BUCKETS_BPS = (0.0, 2.0, 5.0, 10.0, 20.0, 50.0)


def interarrival_stats(time: F64) -> dict[str, float]:
    """Gaps between successive order arrivals (seconds): mean, median, p90 and coefficient of variation."""
    gaps = np.diff(np.sort(time))
    if gaps.size == 0:
        return {
            k: float("nan")
            for k in ("interarrival_mean_s", "interarrival_median_s", "interarrival_p90_s", "interarrival_cv")
        }
    mean = float(gaps.mean())
    return {
        "interarrival_mean_s": mean,
        "interarrival_median_s": float(np.median(gaps)),
        "interarrival_p90_s": float(np.quantile(gaps, 0.9)),
        "interarrival_cv": float(gaps.std() / mean) if mean > 0 else float("nan"),
    }


def size_stats(qty: F64) -> dict[str, float]:
    """Order sizes in units of their median (so lots of any size compare): mean and p90."""
    if qty.size == 0:
        return {"size_mean_over_median": float("nan"), "size_p90_over_median": float("nan")}
    median = float(np.median(qty))
    return {
        "size_mean_over_median": float(qty.mean()) / median,
        "size_p90_over_median": float(np.quantile(qty, 0.9)) / median,
    }


def spread_stats(quotes: Quotes) -> dict[str, float]:
    """Quoted spread in bps of the mid over the two-sided samples: mean and median."""
    mid = quotes.mid
    two_sided = np.isfinite(mid) & (mid > 0)
    spread = (quotes.ask[two_sided] - quotes.bid[two_sided]) / mid[two_sided] * 1e4
    if spread.size == 0:
        return {"spread_mean_bps": float("nan"), "spread_median_bps": float("nan")}
    return {"spread_mean_bps": float(spread.mean()), "spread_median_bps": float(np.median(spread))}


def depth_profile(snapshots: Snapshots, buckets_bps: tuple[float, ...] = DEPTH_BUCKETS_BPS) -> dict[str, float]:
    """Share of the resting volume (both sides) in each distance-from-mid bucket, averaged over snapshots.

    Each snapshot's mid is its level-0 bid and ask; volume past the last edge is left out, so shares sum to 1.
    """
    totals = np.zeros(len(buckets_bps) - 1)
    used = 0
    for when in np.unique(snapshots.time):
        rows = snapshots.time == when
        side, level, price, qty = (
            snapshots.side[rows],
            snapshots.level[rows],
            snapshots.price[rows],
            snapshots.qty[rows],
        )
        best_bid = price[(side == 1) & (level == 0)]
        best_ask = price[(side == -1) & (level == 0)]
        if best_bid.size == 0 or best_ask.size == 0:
            continue
        mid = (best_bid[0] + best_ask[0]) / 2.0
        distance = np.abs(price - mid) / mid * 1e4
        volume, _ = np.histogram(distance, bins=np.asarray(buckets_bps), weights=qty.astype(np.float64))
        if volume.sum() > 0:
            totals += volume / volume.sum()
            used += 1
    shares = totals / used if used else np.full(len(totals), np.nan)
    return {
        f"depth_share_{lo:g}_{hi:g}bps": float(share)
        for lo, hi, share in zip(buckets_bps[:-1], buckets_bps[1:], shares, strict=True)
    }


def cancel_ratio(orders: OrderEvents) -> float:
    """Cancels per limit order."""
    limits = int(np.count_nonzero(orders.kind == OrderKind.LIMIT))
    return int(np.count_nonzero(orders.kind == OrderKind.CANCEL)) / limits if limits else float("nan")


def sample_stats(orders: OrderEvents, quotes: Quotes, snapshots: Snapshots) -> dict[str, float]:
    """All the statistics above, under flat names a realism report can print next to each other."""
    arrivals = (orders.kind == OrderKind.LIMIT) | (orders.kind == OrderKind.MARKET)
    return {
        **interarrival_stats(orders.time[arrivals]),
        **size_stats(orders.qty[arrivals].astype(np.float64)),
        **spread_stats(quotes),
        **depth_profile(snapshots),
        "cancel_ratio": cancel_ratio(orders),
    }


def tape_stats(tape: Tape) -> dict[str, float]:
    """The statistics on a simulated Tape (record its order events: they are optional)."""
    if tape.orders is None:
        raise ValueError(f"tape of {tape.symbol} has no order events; record them to compare flow statistics")
    return sample_stats(tape.orders, tape.quotes, tape.snapshots)


def capture_order_events(capture: BitstampCapture) -> OrderEvents:
    """The capture's live flow as OrderEvents: creations are limit orders, deletions with volume left are cancels.

    The synthetic snapshot rows at the start and the synthetic deletions at the end are not flow and are left out.
    """
    synthetic_end = capture.meta.get("synthetic_deleted", 0)
    end = len(capture) - (synthetic_end if isinstance(synthetic_end, int) else 0)
    live = slice(capture.snapshot_rows, end)
    action, volume = capture.action[live], capture.volume_lots[live]
    created = (action == CREATED) & (volume > 0)
    cancelled = (action == DELETED) & (volume > 0)
    keep = created | cancelled
    kind = np.where(created, OrderKind.LIMIT, OrderKind.CANCEL)[keep].astype(np.int8)
    return OrderEvents(
        time=capture.exchange_ms[live][keep] / 1000.0,
        kind=kind,
        side=np.where(capture.is_bid[live][keep], 1, -1).astype(np.int8),
        price=capture.price_ticks[live][keep] * TICK_USD,
        qty=volume[keep],
    )


def real_sample_stats() -> dict[str, float]:
    """The statistics on the Bitstamp BTC/USD capture (needs `pip install 'footprint[replay]'`)."""
    capture = load_bitstamp_capture()
    report = replay_capture(capture)
    return sample_stats(capture_order_events(capture), report.quotes, report.snapshots)
