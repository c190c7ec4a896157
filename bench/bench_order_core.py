"""The order core under a long day: 10,000 parents through the real engine, the journal and the in-process venue.

    .venv/bin/python bench/bench_order_core.py [--parents 10000] [--concurrent 100] [--retention 300] [--seed 7]

Parents arrive so that about `--concurrent` work at once (TWAP, 60 simulated seconds each). Every event and
command goes through the SQLite journal exactly as in the live agent (WAL, synchronous=FULL: one fsync per
event, one for the commands it gives rise to), and finished parents leave memory `--retention` simulated
seconds after they are final. Prints resident memory at the start and the end (with `--trace`, also the memory
the agent's own code holds, by tracemalloc), how many parents and children are in memory, and the journal's
commit latency p50/p99. Not a timed test.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from machine import cpu_model

from agent.backtest.sim_venue import SimVenue
from agent.config import load_config
from agent.core.commands import Command, MassCancelReport, ParentCancelReject, ParentExecReport
from agent.core.engine import IdSource, engine_from_config
from agent.core.events import NewOrderRequest, Tick, VenueSessionState
from agent.journal.journal import Journal
from agent.journaled_dispatch import JournaledDispatch
from agent.recovery import EventClock, ReplayOutlet
from simulator.clock import SimClock
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import simulated_market

SYMBOL = "CRYPTOALPHA"
SESSION = "FIX.4.4:FOOTPRINT->OMS"
T0 = 1_800_000_000.0


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def agent_traced_mib() -> float:
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, f"*{os.sep}agent{os.sep}*")])
    return sum(stat.size for stat in snapshot.statistics("filename")) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parents", type=int, default=10_000)
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--retention", type=float, default=300.0, help="simulated seconds a finished parent stays")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--trace", action="store_true",
                        help="also measure the memory agent/ code holds with tracemalloc (about 2x slower)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the engine's warnings about faults are not what this measures
    if args.parents < 1 or args.concurrent < 1 or args.retention < 0:
        parser.error("--parents and --concurrent must be >= 1, --retention >= 0")
    print(f"bench_order_core: seed {args.seed}, {args.parents:,} parents, ~{args.concurrent} at once, retention "
          f"{args.retention:g} s; {cpu_model()}, Python {platform.python_version()}, {os.cpu_count()} CPUs",
          flush=True)
    rng = np.random.default_rng(args.seed)
    cfg = load_config(decision_interval_s=1.0, orders={"retention_s": args.retention})
    market = simulated_market(args.seed, {SYMBOL: DEFAULT_UNIVERSE[SYMBOL]}, start_time=T0)
    sim_clock = SimClock(T0)
    clock = EventClock(sim_clock)
    venue = SimVenue(market)
    with tempfile.TemporaryDirectory(prefix="footprint-bench-") as tmp:
        journal = Journal.open(Path(tmp) / "journal.sqlite")
        engine = engine_from_config(cfg, clock, ReplayOutlet(), IdSource(journal.prefix()))
        oms_messages = 0

        def deliver(command: Command) -> str | None:
            nonlocal oms_messages
            if isinstance(command, ParentExecReport | ParentCancelReject | MassCancelReport):
                oms_messages += 1
            else:
                venue.send(command)
            return None

        dispatch = JournaledDispatch(engine, journal, clock, deliver=deliver)
        engine.ctx.outlet = dispatch

        def pump() -> None:
            for _ in range(1_000):
                events = venue.take_events()
                if not events:
                    return
                for event in events:
                    dispatch.feed(event)
            raise RuntimeError("venue and engine did not settle")

        dispatch.feed(VenueSessionState(True))
        pump()
        if args.trace:
            tracemalloc.start()
        rss_start = rss_mib()
        traced_start = agent_traced_mib() if args.trace else None
        wall0 = time.perf_counter()
        sent = done = 0
        t = T0
        last_progress = wall0
        while done < args.parents:
            t += 1.0
            sim_clock.set(t)
            venue.advance(t)
            pump()
            dispatch.feed(venue.quote(SYMBOL))
            working = sum(1 for p in engine.parents.values() if not p.is_done)
            for _ in range(min(args.concurrent - working, args.parents - sent, max(1, args.concurrent // 30))):
                sent += 1
                qty = int(rng.integers(1, 21)) * 100
                side = "1" if rng.random() < 0.5 else "2"
                dispatch.feed(NewOrderRequest(SESSION, f"B{sent}", SYMBOL, side, str(qty), "1", None, "6", t, t,
                                              t + 60.0, "1000", None))
            dispatch.feed(Tick())
            pump()
            done = sent - sum(1 for p in engine.parents.values() if not p.is_done)
            if time.perf_counter() - last_progress > 10:
                last_progress = time.perf_counter()
                traced = f", agent code {agent_traced_mib():.2f} MiB" if args.trace else ""
                print(f"  {done:,}/{args.parents:,} parents done, {len(engine.parents):,} in memory, "
                      f"RSS {rss_mib():.0f} MiB{traced}", flush=True)
        wall = time.perf_counter() - wall0
        rss_end = rss_mib()
        traced_end = agent_traced_mib() if args.trace else None
        tracemalloc.stop()
        latencies = sorted(journal.commit_latencies())
        records = journal.last_seq()
        journal.close()
        size = (Path(tmp) / "journal.sqlite").stat().st_size
    children = len(engine.ctx.book.children)
    print(f"parents done: {done:,} in {t - T0:,.0f} simulated s, {wall:.1f} s wall "
          f"({done / wall:,.0f} parents/s); {oms_messages:,} reports to the OMS, {venue.sent:,} child orders")
    print(f"in memory at the end: {len(engine.parents):,} parents, {children:,} child ClOrdIDs "
          f"(retention {args.retention:g} s)")
    print(f"resident memory: start {rss_start:.1f} MiB, end {rss_end:.1f} MiB, peak "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB (the process, venue included)")
    if traced_start is not None and traced_end is not None:
        print(f"agent code's traced memory: start {traced_start:.2f} MiB, end {traced_end:.2f} MiB")
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1e3
    print(f"journal: {records:,} records, {size / 2**20:.1f} MiB; commit latency p50 {p50:.3f} ms, p99 {p99:.3f} ms "
          f"({len(latencies):,} sampled commits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
