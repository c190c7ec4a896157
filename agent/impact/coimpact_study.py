"""Co-impact: a parent's impact while another large order works the same hours, and what the market shows of it.

The simulator's price responds to the net flow: a parent consumes latent liquidity on top of what the others have
already consumed, so on top of a large one-sided flow its marginal impact is smaller, for a buyer and a seller alike
(Bucci, Mastromatteo, Eisler, Lillo, Bouchaud & Lehalle 2020, "Co-impact"; simulator/FLOW_MODEL.md). This study
measures it two ways, so the README's account of where the impact model is weakest can be checked:

- paired runs through the backtester (`run_impact`: the real engine, and the same seed without our order for the
  counterfactual): the median counterfactual impact in units of σ·√(Q/V) (the model's impact scale), of the same
  parents in the scenario as it is, without its on-chain transfers (the scheduled selling), and without its trend;
- every built-in scenario's aggressor-signed share of the hour's volume before a start time (buy minus sell
  aggressor volume over the total), which the FIX 4.4 market data does not carry, next to the market view's
  classified signed share (bulk volume classification from mid moves), which is what the model's flow features use.

    .venv/bin/python -m agent.impact.coimpact_study [--scenario trend_against] [--seeds 3] [--start 1h10m]
        [--horizon 30m] [--q-over-adv 0.01] [--workers 2]

Nothing is written.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from agent.impact.impact_runs import ImpactRun, lead_in, run_impact
from simulator.orders import Side
from simulator.scenario import compile_scenario, list_scenarios, load_scenario, scenario_file
from simulator.scenario_market import scenario_market
from simulator.scenario_offsets import parse_offset
from strategies.impact.features import FEATURE_NAMES, HOUR_WINDOW_S
from strategies.impact.quantile_model import component_scale
from strategies.market_view import MarketView

VARIANTS: dict[str, tuple[str, ...]] = {"as it is": (), "without its on-chain transfers": ("onchain",),
                                        "without its trend": ("trend_bps_per_hour",)}
"""The scenario's variants: the timeline keys each one drops."""


def variant_file(scenario: str, drop: Sequence[str], folder: Path) -> str:
    """The scenario (a built-in's name or a file) with the timeline steps' `drop` keys removed, as a file in
    `folder`; the scenario itself when nothing is dropped. A step left with nothing but its time goes."""
    if not drop:
        return scenario
    data = yaml.safe_load(scenario_file(scenario).read_text(encoding="utf-8"))
    steps = [{k: v for k, v in step.items() if k not in drop} for step in data.get("timeline", [])]
    data["timeline"] = [step for step in steps if set(step) - {"at"}]
    data["name"] = f"{data['name']}_without_{'_'.join(drop)}"
    out = folder / f"{data['name']}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    load_scenario(out)  # still a valid scenario
    return str(out)


def impact_in_scale(run: ImpactRun) -> float:
    """One paired run's counterfactual impact over the model's impact scale (σ today·√(Q/V))."""
    record = run_impact(run)
    row = np.array([[float(record[name]) for name in FEATURE_NAMES]])
    return float(record["impact_bps"] / component_scale("impact", row)[0])


def signed_shares(scenario: str, seed: int, at_s: float, window_s: float = HOUR_WINDOW_S) -> tuple[float, float]:
    """(aggressor-signed, view-classified) signed share of the volume in the `window_s` before `at_s` seconds into
    the scenario, for one seed: buy minus sell over the total, from the tape's aggressor sides and from the market
    view the model's features read."""
    compiled = compile_scenario(load_scenario(scenario))
    market = scenario_market(compiled, seed)
    view = MarketView(compiled.symbol.symbol)
    t0 = market.now
    lead_in(market, view, t0 + at_s - window_s, view.sample_s)
    market.drain_trades()
    volume = signed = 0.0

    def count() -> None:
        nonlocal volume, signed
        for trade in market.drain_trades():
            volume += trade.qty
            signed += trade.qty if trade.aggressor is Side.BUY else -trade.qty

    steps = math.ceil(window_s / view.sample_s)
    for k in range(1, steps + 1):
        lead_in(market, view, min(t0 + at_s - window_s + k * view.sample_s, t0 + at_s), view.sample_s)
        count()
    return (signed / volume if volume else 0.0), view.window(window_s).imbalance


def _run_all(jobs: Sequence[Any], fn: Callable[[Any], Any], workers: int) -> list[Any]:
    if workers <= 1:
        return [fn(job) for job in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, jobs))


def _shares_job(job: tuple[str, int, float]) -> tuple[float, float]:
    return signed_shares(*job)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="trend_against", help="a built-in's name or a scenario file")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per variant and side (and per scenario)")
    parser.add_argument("--start", default="1h10m", help="the parents' start (and the volume hour's end)")
    parser.add_argument("--horizon", default="30m")
    parser.add_argument("--q-over-adv", type=float, default=0.01)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        start_s, horizon_s = float(parse_offset(args.start)), float(parse_offset(args.horizon))
        if args.seeds < 1 or not 0 < args.q_over_adv <= 1 or args.workers < 1:
            raise ValueError("--seeds and --workers must be >= 1 and --q-over-adv in (0, 1]")
        if start_s < HOUR_WINDOW_S:
            raise ValueError(f"--start must be at least an hour in (the volume hour before it), got {args.start}")
        load_scenario(args.scenario)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    seeds = range(101, 101 + args.seeds)
    with tempfile.TemporaryDirectory() as tmp:
        files = {name: variant_file(args.scenario, drop, Path(tmp)) for name, drop in VARIANTS.items()}
        jobs = [ImpactRun(0, file, seed, side, args.q_over_adv, horizon_s, start_s, "TWAP", "balanced", 0.0)
                for file in files.values() for seed in seeds for side in ("buy", "sell")]
        z = np.asarray(_run_all(jobs, impact_in_scale, args.workers)).reshape(len(files), -1)
    print(f"{args.scenario}: {args.q_over_adv:.2%} of ADV over {args.horizon} from {args.start}, balanced TWAP, "
          f"seeds {seeds.start}-{seeds.stop - 1}, both sides: counterfactual impact in units of σ·√(Q/V)")
    for name, row in zip(files, z, strict=True):
        print(f"  {name:32s} median {np.median(row):.3f} (each run: {', '.join(f'{v:.2f}' for v in row)})")
    names = list_scenarios()
    shares = np.asarray(_run_all([(n, s, start_s) for n in names for s in seeds], _shares_job, args.workers))
    shares = shares.reshape(len(names), len(seeds), 2)
    print(f"signed share of the hour's volume before {args.start} (|buy - sell| / total, median over the seeds): "
          "by aggressor side (not in FIX 4.4 market data) and as the market view classifies it")
    for name, by_seed in zip(names, shares, strict=True):
        print(f"  {name:30s} aggressor {np.median(np.abs(by_seed[:, 0])):.3f}   "
              f"view {np.median(np.abs(by_seed[:, 1])):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
