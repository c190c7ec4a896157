"""Speed of the compiled market: events per second, simulated days per wall second, compile time, memory.

    .venv/bin/python bench/bench_simulator.py [--seed 7]

Runs single-threaded: a 6.5-hour calm equity day of ACME with its tape (quotes every second, 10-level
snapshots every minute, every background order event), then 24 hours of CRYPTOALPHA. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc

import numba
import numpy as np
from machine import cpu_model

from simulator.instruments import ACME, CRYPTOALPHA, SymbolSpec
from simulator.kernel.activity_profile import default_schedule
from simulator.session_runner import simulate_session


def run(spec: SymbolSpec, seed: int, label: str) -> None:
    """One whole session of `spec` with its tape, timed, with its events counted by kind; then the same session
    again under tracemalloc for its traced memory peak (tracing slows every allocation, so it is not timed)."""
    schedule = default_schedule(spec)
    t0 = time.perf_counter()
    tape = simulate_session(spec, schedule, seed, 0.0, spec.session_seconds, record_orders=True)
    wall = time.perf_counter() - t0
    tracemalloc.start()
    simulate_session(spec, schedule, seed, 0.0, spec.session_seconds, record_orders=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert tape.orders is not None
    kinds = tape.orders.kind
    limits, markets, cancels = (int(np.sum(kinds == k)) for k in (0, 1, 2))
    trades = len(tape.trades.qty)
    total = limits + markets + cancels + trades
    print(f"{label}: {spec.symbol}, {spec.session_seconds / 3600:.1f} h simulated in {wall:.3f} s wall")
    print(
        f"  events: {limits:,} limit orders, {markets:,} market orders, {cancels:,} cancels, {trades:,} trades "
        f"= {total:,} ({total / wall:,.0f} events/s; orders+cancels {(limits + markets + cancels) / wall:,.0f}/s)"
    )
    print(
        f"  {spec.session_seconds / 86_400 / wall:.1f} simulated days per wall second "
        f"({spec.session_seconds / wall:,.0f}x real time); tape: {len(tape.quotes.time):,} quotes, "
        f"{len(tape.snapshots.time):,} snapshot rows; traced peak {peak / 2**20:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} logical cores (benchmark uses 1); "
        f"Python {platform.python_version()}, numba {numba.__version__}, numpy {np.__version__}; seed {args.seed}"
    )
    t0 = time.perf_counter()
    simulate_session(ACME, None, args.seed, 0.0, 60.0)  # loads (or compiles) every kernel function
    print(f"first call (numba compile, or load from the on-disk cache when warm): {time.perf_counter() - t0:.2f} s")
    run(ACME, args.seed, "equity day")
    run(CRYPTOALPHA, args.seed, "24h crypto")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
