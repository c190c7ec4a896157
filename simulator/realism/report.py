"""The realism report: run a scenario for N seeded days, measure every metric, compare with its band, plot.

`footprint sim realism` calls `main_realism`. The scenario compiler and the kernel's `simulate_session` are reached
through `load_setup` and `simulate` only, so tests swap them for fakes and nothing else here knows the kernel.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from simulator.instruments import SymbolSpec
from simulator.realism import plots
from simulator.realism.bands import target_bands
from simulator.realism.day_stats import day_rows, measure_days
from simulator.realism.impact import log_spaced
from simulator.realism.impact_study import ImpactSettings, impact_rows, run_impact_study
from simulator.realism.metric_row import MetricRow
from simulator.realism.reference import reference_stats, side_by_side
from simulator.regime import RegimeSchedule
from simulator.scenario import compile_scenario, load_scenario
from simulator.session_runner import Metaorder, simulate_session
from simulator.tape import Tape


@dataclass(frozen=True)
class SessionSetup:
    """A compiled scenario: what one seeded session of it needs, and the seed the scenario names."""

    name: str
    spec: SymbolSpec
    schedule: RegimeSchedule
    start: float
    duration_s: float
    seed: int


def load_setup(scenario: str) -> SessionSetup:
    """Load and compile a scenario by built-in name or YAML path (a bad one raises ScenarioError naming the field)."""
    c = compile_scenario(load_scenario(scenario))
    return SessionSetup(c.name, c.symbol, c.regime, c.start_epoch, c.duration_s, c.seed)


def simulate(setup: SessionSetup, seed: int, plan: Metaorder | None, duration_s: float) -> Tape:
    """One seeded session of `setup` for `duration_s` simulated seconds, with our metaorder when `plan` is given."""
    return simulate_session(setup.spec, setup.schedule, seed, setup.start, duration_s, metaorder=plan,
                            record_orders=True)


@dataclass(frozen=True)
class RealismReport:
    """Every metric row of one scenario's run, the plots drawn, and the real-data comparison when given."""

    scenario: str
    symbol: str
    seeds: tuple[int, ...]
    impact_seeds: tuple[int, ...]
    rows: tuple[MetricRow, ...]
    plots: tuple[Path, ...]
    summary_path: Path
    reference_table: str | None = None

    @property
    def passed(self) -> bool:
        """True when every banded metric is inside its band."""
        return all(row.passed is not False for row in self.rows)

    @property
    def failures(self) -> tuple[MetricRow, ...]:
        """The banded rows outside their band."""
        return tuple(row for row in self.rows if row.passed is False)


def _cell(value: float) -> str:
    return f"{value:.4g}"


def format_report(report: RealismReport) -> str:
    """The report as markdown: a header naming the seeds, `metric | value | band | pass`, the reference table."""
    impact = f", impact seeds {list(report.impact_seeds)}" if report.impact_seeds else ", no impact runs"
    lines = [
        f"# realism: {report.scenario} ({report.symbol})",
        "",
        f"days seeds {list(report.seeds)}{impact}",
        "",
        "| metric | value | band | pass |",
        "| --- | --- | --- | --- |",
    ]
    for row in report.rows:
        unit = f" {row.unit}" if row.unit and row.band is None else ""
        band = row.band.describe() if row.band is not None else "—"
        verdict = {True: "yes", False: "**NO**", None: "—"}[row.passed]
        lines.append(f"| {row.name} | {_cell(row.value)}{unit} | {band} | {verdict} |")
    lines += ["", f"**{'PASS' if report.passed else 'FAIL'}**: "
              f"{len(report.failures)} of {sum(r.band is not None for r in report.rows)} banded metrics out of band"]
    if report.reference_table is not None:
        lines += ["", "## against the real sample (30 minutes)", "", report.reference_table]
    return "\n".join(lines) + "\n"


def run_realism(
    scenario: str,
    days: int,
    seed: int,
    out_dir: Path,
    impact: bool = True,
    *,
    impact_settings: ImpactSettings | None = None,
    reference: Mapping[str, float] | None = None,
    extra_studies: Sequence[Callable[[SessionSetup, Path], tuple[list[MetricRow], list[Path]]]] = (),
) -> RealismReport:
    """Run `scenario` for `days` seeded days (seed, seed+1, …) and the paired impact runs; write plots, summary.md.

    With impact runs on, each of `extra_studies` runs after them: a study computed outside the simulator package
    (the agent's TWAP shortfall curve; the simulator never imports the agent), called with the compiled scenario and
    `out_dir`; its rows and plots join the report's.
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    setup = load_setup(scenario)
    spec, bands = setup.spec, target_bands(setup.spec)
    seeds = tuple(seed + i for i in range(days))
    print(f"realism {setup.name}: {days} days of {spec.symbol}, seeds {list(seeds)}", flush=True)
    # Whole days: the stylized facts (60-minute kurtosis, |r| memory to 2 hours, tails) need whole sessions; a
    # scenario shorter than its symbol's session holds its last regime to the session's end.
    day_s = max(setup.duration_s, spec.session_seconds)
    tapes = [simulate(setup, s, None, day_s) for s in seeds]
    stats = measure_days(tapes, spec)
    rows = day_rows(stats, bands)
    out_dir.mkdir(parents=True, exist_ok=True)
    drawn = [
        plots.mid_paths(tapes, seeds, out_dir / "mid_path.png"),
        plots.return_distribution(stats, out_dir / "returns.png"),
        plots.autocorrelations(stats, out_dir / "acf.png"),
        plots.kurtosis_by_aggregation(stats, out_dir / "kurtosis.png"),
        plots.volatility_memory(stats, out_dir / "vol_memory.png"),
        plots.tails(stats, out_dir / "tails.png"),
        plots.sign_memory(stats, out_dir / "sign_acf.png"),
        plots.response_function(stats, out_dir / "response.png"),
        plots.durations(stats, out_dir / "durations.png"),
        plots.flow_vs_price(stats, out_dir / "flow_vs_price.png"),
        plots.spread_and_depth(stats, out_dir / "spread_depth.png"),
        plots.volume_profile(stats, out_dir / "volume_profile.png"),
    ]
    impact_seeds: tuple[int, ...] = ()
    if impact:
        settings = impact_settings or ImpactSettings()
        impact_seeds = tuple(seed + i for i in range(settings.seeds))
        print(f"realism {setup.name}: impact, {len(settings.participations)} sizes Q/V × seeds "
              f"{list(impact_seeds)}, {settings.timing(setup.schedule, spec.session_seconds).horizon_s():.0f} s "
              "per run", flush=True)

        def run(s: int, plan: Metaorder | None, duration_s: float) -> Tape:
            return simulate(setup, s, plan, duration_s)

        study = run_impact_study(run, spec, impact_seeds, settings, setup.schedule)
        rows += impact_rows(study, bands)
        drawn += [
            plots.impact_curves(study, out_dir / "impact.png"),
            plots.delta_fit(study, out_dir / "impact_delta.png"),
            plots.decay(study, out_dir / "impact_decay.png"),
        ]
        for extra in extra_studies:
            extra_rows, extra_plots = extra(setup, out_dir)
            rows += extra_rows
            drawn += extra_plots
    table = side_by_side(reference_stats(tapes), reference) if reference is not None else None
    report = RealismReport(setup.name, spec.symbol, seeds, impact_seeds, tuple(rows), tuple(drawn),
                           out_dir / "summary.md", table)
    report.summary_path.write_text(format_report(report))
    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="footprint sim realism", description="Measure a scenario against its bands.")
    parser.add_argument("--scenario", default="calm", help="built-in scenario name or YAML path (default calm)")
    parser.add_argument("--days", type=int, default=5, help="seeded days to run (default 5)")
    parser.add_argument("--seed", type=int, help="first day's seed (default: the scenario's seed)")
    parser.add_argument("--out", type=Path, help="plots and summary.md (default var/realism/<scenario>)")
    parser.add_argument("--no-impact", action="store_true", help="skip the paired metaorder runs")
    parser.add_argument("--no-reference", action="store_true", help="skip the real Bitstamp sample comparison")
    parser.add_argument("--impact-seeds", type=int, default=ImpactSettings.seeds, help="seeds of paired runs")
    parser.add_argument("--impact-points", type=int, default=6, help="Q/V sizes, log-spaced 0.1%%-10%% of ADV")
    return parser


def _real_sample(setup: SessionSetup) -> Mapping[str, float] | None:
    """The Bitstamp sample's statistics for a 24-hour (crypto) scenario, when the replay extra is installed."""
    if setup.spec.session != "24h":
        return None
    from simulator.replay import ReplayDataMissing
    from simulator.replay.stats import real_sample_stats

    try:
        return real_sample_stats()
    except ReplayDataMissing as exc:
        print(f"realism {setup.name}: no real-data comparison: {exc}", flush=True)
        return None


def main_realism(
    argv: Sequence[str] | None = None,
    *,
    extra_studies: Sequence[Callable[[SessionSetup, Path], tuple[list[MetricRow], list[Path]]]] = (),
) -> int:
    """CLI: print the realism table; 0 when every metric is in band, 1 when one is out, 2 on a bad request.

    `extra_studies` run after the paired impact runs (not with --no-impact), as in `run_realism`.
    """
    args = _parser().parse_args(argv)
    for name in ("days", "impact_seeds"):
        if getattr(args, name) < 1:
            print(f"footprint sim realism: --{name.replace('_', '-')} must be >= 1", file=sys.stderr)
            return 2
    if args.impact_points < 2:
        print("footprint sim realism: --impact-points must be >= 2", file=sys.stderr)
        return 2
    try:
        setup = load_setup(args.scenario)
        seed = setup.seed if args.seed is None else args.seed
        out = args.out or Path("var/realism") / Path(args.scenario).stem
        settings = ImpactSettings(seeds=args.impact_seeds, participations=tuple(log_spaced(n=args.impact_points)))
        reference = _real_sample(setup) if not args.no_reference else None
        report = run_realism(args.scenario, args.days, seed, out, not args.no_impact, impact_settings=settings,
                             reference=reference, extra_studies=extra_studies)
    except ValueError as error:
        print(f"footprint sim realism: {error}", file=sys.stderr)
        return 2
    print(format_report(report), end="")
    print(f"plots and summary in {out}")
    return 0 if report.passed else 1
