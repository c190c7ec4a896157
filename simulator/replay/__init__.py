"""Replay of a real market-by-order capture through our order book, and the statistics it can show.

The capture comes from the optional, GPL-licensed `ob-analytics` package (`pip install 'footprint[replay]'`);
nothing of it is copied into this repository.
"""

from simulator.replay.bitstamp_capture import (
    LOT_BTC,
    TICK_USD,
    BitstampCapture,
    RecordedTrades,
    ReplayDataMissing,
    load_bitstamp_capture,
)
from simulator.replay.replay import ReplayReport, replay_capture
from simulator.replay.stats import real_sample_stats, tape_stats

__all__ = [
    "LOT_BTC",
    "TICK_USD",
    "BitstampCapture",
    "RecordedTrades",
    "ReplayDataMissing",
    "ReplayReport",
    "load_bitstamp_capture",
    "real_sample_stats",
    "replay_capture",
    "tape_stats",
]
