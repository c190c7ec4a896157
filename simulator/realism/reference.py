"""Our counterparts of the real-sample statistics (Bitstamp replay, 30 minutes) that the report sets side by side.

Keys are shared with `simulator/replay/`: a reference mapping uses the same names, so each line pairs like with like.
Depth is compared as a profile (share of the top-10 quantity per level) because BTC and simulated units differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from simulator.realism.depth import depth_profile
from simulator.realism.order_flow import cancel_ratio, interarrival_times, order_sizes
from simulator.realism.spread import spread_bps
from simulator.realism.summary import summarize
from simulator.tape import F64, B, Tape

INTERARRIVAL_MEAN = "order_interarrival_mean_s"
INTERARRIVAL_MEDIAN = "order_interarrival_median_s"
SIZE_MEAN = "order_size_mean"
SIZE_MEDIAN = "order_size_median"
SPREAD_MEAN = "spread_mean_bps"
SPREAD_MEDIAN = "spread_median_bps"
CANCEL_RATIO = "cancel_ratio"
DEPTH_LEVELS = 10


def depth_share_key(level: int) -> str:
    """Key of the share of top-10 depth resting at `level` (0 = best)."""
    return f"depth_share_level_{level}"


def _window(time: F64, low: float, high: float) -> B:
    return (time >= low) & (time < high)


def reference_stats(tapes: Sequence[Tape], window_s: float = 1800.0) -> dict[str, float]:
    """Our statistics over a `window_s` window at the middle of each day (away from open and close), pooled."""
    if not tapes:
        raise ValueError("need one day at least")
    spreads, sizes, gaps, kinds = [], [], [], []
    sides, levels, qtys = [], [], []
    for tape in tapes:
        low = (tape.start + tape.end - window_s) / 2.0
        high = low + window_s
        q = _window(tape.quotes.time, low, high)
        spreads.append(spread_bps(tape.quotes.bid[q], tape.quotes.ask[q]))
        s = _window(tape.snapshots.time, low, high)
        sides.append(tape.snapshots.side[s])
        levels.append(tape.snapshots.level[s])
        qtys.append(tape.snapshots.qty[s])
        if tape.orders is not None:
            o = _window(tape.orders.time, low, high)
            kinds.append(tape.orders.kind[o])
            sizes.append(order_sizes(tape.orders.kind[o], tape.orders.qty[o]))
            gaps.append(interarrival_times(tape.orders.time[o], tape.orders.kind[o]))
    spread = summarize(np.concatenate(spreads))
    stats = {SPREAD_MEAN: spread.mean, SPREAD_MEDIAN: spread.median}
    profile = depth_profile(np.concatenate(sides), np.concatenate(levels), np.concatenate(qtys), DEPTH_LEVELS)
    stats |= {depth_share_key(i): float(share) for i, share in enumerate(profile)}
    if kinds:
        size, gap = summarize(np.concatenate(sizes)), summarize(np.concatenate(gaps))
        stats |= {
            INTERARRIVAL_MEAN: gap.mean,
            INTERARRIVAL_MEDIAN: gap.median,
            SIZE_MEAN: size.mean,
            SIZE_MEDIAN: size.median,
            CANCEL_RATIO: cancel_ratio(np.concatenate(kinds)),
        }
    return stats


def side_by_side(ours: Mapping[str, float], reference: Mapping[str, float]) -> str:
    """A markdown table `statistic | ours | real` over the reference's keys (ours `—` where we have no such number)."""
    lines = ["| statistic | ours | real |", "| --- | --- | --- |"]
    for key, real in reference.items():
        mine = f"{ours[key]:.4g}" if key in ours else "—"
        lines.append(f"| {key} | {mine} | {real:.4g} |")
    return "\n".join(lines)
