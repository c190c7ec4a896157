"""How the background flow's parameters move the realism report's banded facts: one scenario, `FlowConfig`
fields overridden, the paired-run impact exponent δ (with each size's peak impact in units of σ·√(Q/V)) and every
banded day metric, the ones out of band marked. It is the tool behind the trade-off in `simulator/FLOW_MODEL.md`
("Small metaorders and the others' imbalance"): what brings δ down also weakens trade-sign memory.

    .venv/bin/python -m simulator.studies.flow_sensitivity --scenario equity_session \\
        --set metaorder_max_adv=0.001 --set metaorder_child_trades=10 [--days 5] [--impact-seeds 16]

Each `--set` run is printed next to the defaults' (the first line). Nothing is written.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence

import numpy as np

from simulator.kernel.flow_config import FlowConfig
from simulator.realism import bands as names
from simulator.realism.bands import target_bands
from simulator.realism.day_stats import day_rows, measure_days
from simulator.realism.impact_study import ImpactSettings, run_impact_study
from simulator.realism.report import SessionSetup, load_setup
from simulator.session_runner import Metaorder, simulate_session
from simulator.tape import Tape


def parse_overrides(items: Sequence[str]) -> dict[str, float]:
    """`name=value` pairs of FlowConfig fields; ValueError naming the bad one."""
    fields = {f.name for f in dataclasses.fields(FlowConfig)}
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in fields:
            raise ValueError(f"--set {item!r}: expected NAME=VALUE with NAME a FlowConfig field "
                             f"({', '.join(sorted(fields))})")
        try:
            out[name] = float(value)
        except ValueError:
            raise ValueError(f"--set {item!r}: {value!r} is not a number") from None
    return out


def measure(setup: SessionSetup, config: FlowConfig, days: int, impact_seeds: int) -> str:
    """One line: δ, the normalised peaks and permanent/peak, then each banded day metric (OUT when out of band)."""
    spec = setup.spec

    def run(seed: int, plan: Metaorder | None, duration_s: float) -> Tape:
        return simulate_session(spec, setup.schedule, seed, setup.start, duration_s, metaorder=plan,
                                record_orders=True, config=config)

    study = run_impact_study(run, spec, [setup.seed + k for k in range(impact_seeds)],
                             ImpactSettings(seeds=impact_seeds), setup.schedule)
    bands = target_bands(spec)
    scaled = study.peaks / (spec.daily_vol * 1e4 * np.sqrt(study.participations))
    delta_band = bands[names.IMPACT_DELTA]
    parts = [f"δ {study.delta:.3f}{'' if delta_band.contains(study.delta) else ' OUT'}",
             "peak/σ√(Q/V) " + " ".join(f"{x:.2f}" for x in scaled), f"permanent/peak {study.ratio:.3f}"]
    day_s = max(setup.duration_s, spec.session_seconds)
    tapes = [run(setup.seed + k, None, day_s) for k in range(days)]
    for row in day_rows(measure_days(tapes, spec), bands):
        if row.band is not None:
            parts.append(f"{row.name} {row.value:.3g}{'' if row.passed else ' OUT'}")
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.studies.flow_sensitivity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="equity_session", help="built-in scenario or YAML path")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a FlowConfig field to override; repeat for several in one run")
    parser.add_argument("--days", type=int, default=5, help="whole sessions for the day metrics (default 5)")
    parser.add_argument("--impact-seeds", type=int, default=16, help="paired-run seeds (default 16)")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.set)
        if args.days < 1 or args.impact_seeds < 1:
            raise ValueError("--days and --impact-seeds must be >= 1")
        setup = load_setup(args.scenario)
        configs = [("defaults", FlowConfig())]
        if overrides:
            configs.append((" ".join(args.set), dataclasses.replace(FlowConfig(), **overrides)))
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    for name, config in configs:
        print(f"{setup.name} [{name}]: {measure(setup, config, args.days, args.impact_seeds)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
