"""Our side of the real-sample comparison: the replay's statistics over the middle half hour of each day.

The Bitstamp capture (simulator/replay) covers 30 minutes, so ours are measured on a 30-minute window of
each simulated day, away from open and close, with the very same functions (`simulator.replay.stats`), then
averaged over days; keys are therefore the same on both sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np

from simulator.replay.stats import sample_stats
from simulator.tape import F64, B, OrderEvents, Quotes, Snapshots, Tape

T = TypeVar("T", OrderEvents, Quotes, Snapshots)


def _window(columns: T, low: float, high: float) -> T:
    keep: B = (columns.time >= low) & (columns.time < high)
    return dataclasses.replace(columns, **{f.name: getattr(columns, f.name)[keep]
                                           for f in dataclasses.fields(columns)})


def reference_stats(tapes: Sequence[Tape], window_s: float = 1800.0) -> dict[str, float]:
    """The replay statistics on the middle `window_s` of each day (tapes need their order events), averaged."""
    per_day: list[dict[str, float]] = []
    for tape in tapes:
        if tape.orders is None:
            raise ValueError(f"tape of {tape.symbol} has no order events; record them to compare flow statistics")
        low = (tape.start + tape.end - window_s) / 2.0
        high = low + window_s
        per_day.append(sample_stats(_window(tape.orders, low, high), _window(tape.quotes, low, high),
                                    _window(tape.snapshots, low, high)))
    if not per_day:
        raise ValueError("need one day at least")
    keys = per_day[0].keys()
    values: dict[str, F64] = {k: np.array([d[k] for d in per_day], dtype=np.float64) for k in keys}
    return {k: float(np.nanmean(v)) for k, v in values.items()}


def side_by_side(ours: Mapping[str, float], reference: Mapping[str, float]) -> str:
    """A markdown table `statistic | ours | real` over the reference's keys (ours `—` where we have no such number)."""
    lines = ["| statistic | ours | real |", "| --- | --- | --- |"]
    for key, real in reference.items():
        mine = f"{ours[key]:.4g}" if key in ours else "—"
        lines.append(f"| {key} | {mine} | {real:.4g} |")
    return "\n".join(lines)
