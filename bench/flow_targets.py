"""Measure the background flow against its stylized-fact targets on seeded runs; prints every figure.

    .venv/bin/python bench/flow_targets.py [--seeds 8] [--symbol CRYPTOALPHA|ACME]

Impact: paired runs (same seed with and without a buy metaorder of evenly spaced child market orders over
`--duration-min`), mid difference at the end (peak) and averaged 30-60 min after the end (permanent).
"""

from __future__ import annotations

import argparse
import math
import platform

import numpy as np
import numpy.typing as npt

from simulator.instruments import DEFAULT_UNIVERSE, SymbolSpec
from simulator.session_runner import Metaorder, simulate_session
from simulator.tape import Tape

F64 = npt.NDArray[np.float64]


def mid_at(tape: Tape, times: F64) -> F64:
    """The sampled mid at (or just before) each time."""
    q = tape.quotes
    k = np.clip(np.searchsorted(q.time, times, side="right") - 1, 0, len(q.time) - 1)
    return np.asarray(q.mid[k], dtype=np.float64)


def impact_curve(spec: SymbolSpec, seed: int, qv: float, duration_s: float, after_s: float,
                 start_offset_s: float = 600.0) -> tuple[float, float]:  # fmt: skip
    """(peak, permanent) impact in bps of one paired run: at the end, and averaged 30-60 min after the end."""
    horizon = start_offset_s + duration_s + after_s + 1.0
    qty = max(spec.lot_size, round(qv * spec.adv / spec.lot_size) * spec.lot_size)
    order = Metaorder(1, qty, start_offset_s, duration_s, 10.0)
    base = simulate_session(spec, None, seed, 0.0, horizon, snapshot_interval_s=1e9)
    ours = simulate_session(spec, None, seed, 0.0, horizon, metaorder=order, snapshot_interval_s=1e9)
    end = start_offset_s + duration_s
    grid = np.array([end - 5.0, end])
    peak = float(np.mean(np.log(mid_at(ours, grid) / mid_at(base, grid)))) * 1e4
    late = np.arange(end + 1800.0, end + 3600.0 + 1.0, 30.0)
    permanent = float(np.mean(np.log(mid_at(ours, late) / mid_at(base, late)))) * 1e4
    return peak, permanent


def impact_table(spec: SymbolSpec, seeds: range, duration_s: float) -> None:
    """Mean peak and permanent impact per Q/V, the fitted exponent δ, and permanent/peak."""
    qvs = [0.001, 0.003, 0.01, 0.03, 0.1]
    peaks, ratios = [], []
    for qv in qvs:
        runs = [impact_curve(spec, s, qv, duration_s, 3600.0) for s in seeds]
        peak = float(np.mean([r[0] for r in runs]))
        perm = float(np.mean([r[1] for r in runs]))
        err = float(np.std([r[0] for r in runs]) / math.sqrt(len(runs)))
        peaks.append(peak)
        ratios.append(perm / peak)
        print(
            f"  Q/V {qv:6.3%}  peak {peak:7.2f} ± {err:5.2f} bps   30-60 min after {perm:7.2f} bps   "
            f"ratio {perm / peak:5.2f}"
        )
    delta = np.polyfit(np.log(qvs), np.log(peaks), 1)[0]
    print(f"  δ (log-log fit over Q/V 0.1%-10%) = {delta:.3f}; permanent/peak mean = {np.mean(ratios):.3f}")


def acf(x: F64, lag: int) -> float:
    """Autocorrelation at `lag`."""
    x = x - x.mean()
    return float(np.mean(x[:-lag] * x[lag:]) / x.var())


def day_facts(spec: SymbolSpec, seeds: range) -> None:
    """Returns, spread, depth, sizes, volume and the intraday volume profile over whole seeded days."""
    rets: dict[int, list[F64]] = {1: [], 5: [], 15: []}
    spreads, depth, volume, trade_sizes, profile = [], [], [], [], []
    for seed in seeds:
        tape = simulate_session(spec, None, seed, 0.0, spec.session_seconds, record_orders=True)
        mid = tape.quotes.mid
        for m in rets:
            rets[m].append(np.diff(np.log(mid[:: 60 * m])))
        spreads.append(np.nanmean((tape.quotes.ask - tape.quotes.bid) / mid) * 1e4)
        s = tape.snapshots
        depth.append(np.sum(s.qty) / len(np.unique(s.time)) / 2)
        volume.append(tape.trades.qty.sum())
        trade_sizes.append(np.median(tape.trades.qty))
        bins = np.linspace(0, spec.session_seconds, 14)
        profile.append(np.histogram(tape.trades.time, bins, weights=tape.trades.qty)[0])
        assert tape.orders is not None
    r1 = np.concatenate(rets[1])
    print(f"  1-min mid returns: ACF lag 1 = {np.mean([acf(r, 1) for r in rets[1]]):+.3f}")
    for m, rs in rets.items():
        r = np.concatenate([x - x.mean() for x in rs])
        kurtosis = np.mean(r**4) / np.mean(r**2) ** 2 - 3
        print(f"  excess kurtosis {m:2d}-min = {kurtosis:.2f}  (std {r.std() * 1e4:.1f} bps)")
    abs_acf = (np.mean([acf(np.abs(r), k) for r in rets[1]]) for k in range(1, 11))
    print("  ACF |r| lags 1-10:", " ".join(f"{v:+.3f}" for v in abs_acf))
    print(
        f"  mean spread {np.mean(spreads):.2f} bps (base {spec.base_spread_bps}); top-10 depth per side "
        f"{np.mean(depth):,.0f} (spec {spec.book_depth:,}); median trade {np.median(trade_sizes):.0f}"
    )
    print(
        f"  volume per day {np.mean(volume):,.0f} = {np.mean(volume) / spec.adv:.2f} x ADV; 1-min return std "
        f"{r1.std() * 1e4:.1f} bps (spec {spec.daily_vol / math.sqrt(spec.session_seconds / 60) * 1e4:.1f})"
    )
    shares = np.mean(profile, axis=0) / np.mean(volume) * len(profile[0])
    print("  volume by 1/13 of the session (x mean):", " ".join(f"{v:.2f}" for v in shares))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--symbol", default="CRYPTOALPHA", choices=sorted(DEFAULT_UNIVERSE))
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--duration-min", type=float, default=30.0)
    parser.add_argument("--skip-days", action="store_true")
    args = parser.parse_args()
    spec = DEFAULT_UNIVERSE[args.symbol]
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    print(f"{spec.symbol}: seeds {seeds.start}..{seeds.stop - 1}, python {platform.python_version()}")
    print(f"metaorder impact ({args.duration_min:.0f} min, child market orders every 10 s):")
    impact_table(spec, seeds, args.duration_min * 60.0)
    if not args.skip_days:
        print("whole days:")
        day_facts(spec, seeds)


if __name__ == "__main__":
    main()
