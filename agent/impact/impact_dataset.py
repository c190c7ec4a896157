"""`footprint data impact`: the impact model's training data, many parents through the backtester.

A plan draws every run from one seed: scenario, market seed, side, schedule (TWAP, VWAP, IS with an urgency),
aggression, horizon (log-uniform, minutes to hours, inside the scenario), start, and size (log-uniform from 0.1% of
ADV up to 30%, at most `max_participation` times the volume expected in the horizon). Runs fan out over Ray (a local
cluster by default, an address when given), local worker processes, or the calling process (tests); finished
records are written to Parquet part files as they come, so a stopped job resumes where it stopped, and a dataset
card (`DATASET.md`) describes what the folder holds.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from agent.config import load_config
from agent.impact.data_settings import EXECUTORS, DataJobError, DataSettings
from agent.impact.impact_runs import ImpactRun, history_of, run_impact
from simulator.scenario import compile_scenario, list_scenarios, load_scenario
from strategies.impact.features import FEATURE_NAMES, STRATEGY_NAMES
from strategies.twap import AGGRESSIONS

OUTCOMES = ("total_bps", "temporary_bps", "permanent_bps", "impact_bps", "permanent_impact_bps")


def plan_runs(settings: DataSettings) -> list[ImpactRun]:
    """Every run of the job, drawn from `settings.seed`; DataJobError for a scenario too short for one parent."""
    names = settings.scenarios or tuple(list_scenarios())
    cfg = load_config()
    shapes: dict[str, tuple[float, float]] = {}  # scenario -> (duration, trading day seconds)
    for name in names:
        try:
            compiled = compile_scenario(load_scenario(name))
        except Exception as exc:
            raise DataJobError(f"scenario {name}: {exc}") from exc
        room = compiled.duration_s - settings.lead_in_s
        if room < settings.min_horizon_s:
            raise DataJobError(f"scenario {name} lasts {compiled.duration_s:.0f} s: too short for a "
                               f"{settings.min_horizon_s:.0f}-s parent after a {settings.lead_in_s:.0f}-s lead-in")
        shapes[name] = (compiled.duration_s, history_of(compiled, cfg).trading_day_s)
    rng = np.random.default_rng(settings.seed)
    runs = []
    for run_id in range(settings.runs):
        name = names[run_id % len(names)]
        duration, day_s = shapes[name]
        top_h = min(settings.max_horizon_s, duration - settings.lead_in_s)
        horizon = float(math.exp(rng.uniform(math.log(settings.min_horizon_s), math.log(top_h))))
        start = float(rng.uniform(settings.lead_in_s, duration - horizon))
        top_q = min(settings.max_q_over_adv, settings.max_participation * horizon / day_s)
        low_q = min(settings.min_q_over_adv, top_q / 2)
        q = float(math.exp(rng.uniform(math.log(low_q), math.log(top_q))))
        strategy = STRATEGY_NAMES[int(rng.integers(len(STRATEGY_NAMES)))]
        aggression = tuple(AGGRESSIONS)[int(rng.integers(len(AGGRESSIONS)))]
        urgency = float(math.exp(rng.uniform(math.log(0.3), math.log(5.0)))) if strategy == "IS" else 0.0
        runs.append(ImpactRun(
            run_id=run_id, scenario=name,
            # Each scenario has its own seeds: the same seed in two scenarios of one symbol draws the same flow, and
            # would leak across a split by scenario.
            seed=settings.first_market_seed + names.index(name) * settings.market_seeds
            + int(rng.integers(settings.market_seeds)),
            side="buy" if rng.random() < 0.5 else "sell", q_over_adv=q, horizon_s=horizon, start_s=start,
            strategy=strategy, aggression=aggression, urgency=urgency, reversion_s=settings.reversion_s))
    return runs


@dataclass
class JobReport:
    written: int = 0
    skipped: int = 0  # already in the folder (resumed)
    failed: list[tuple[int, str]] = field(default_factory=list)
    wall_s: float = 0.0


PART_GLOB = "part-*.parquet"


def done_run_ids(out: Path) -> set[int]:
    """Run ids already in the folder's part files."""
    ids: set[int] = set()
    for part in sorted(out.glob(PART_GLOB)):
        ids.update(int(i) for i in pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist())
    return ids


def read_dataset(folder: Path) -> pa.Table:
    """Every record of a dataset folder as one table; DataJobError when there is none."""
    parts = sorted(folder.glob(PART_GLOB))
    if not parts:
        raise DataJobError(f"{folder}: no {PART_GLOB} files (make them with `footprint data impact --out {folder}`)")
    return pa.concat_tables([pq.read_table(p) for p in parts], promote_options="default")


def run_job(settings: DataSettings, out: Path, *, executor: str = "ray", workers: int | None = None,
            ray_address: str | None = None, chunk: int = 50, progress: bool = True,
            command: str = "") -> JobReport:
    """Make every planned record not yet in `out`, writing them in part files of `chunk` records."""
    if executor not in EXECUTORS:
        raise DataJobError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if chunk < 1:
        raise DataJobError(f"chunk must be >= 1, got {chunk}")
    _interruptible()
    runs = plan_runs(settings)
    out.mkdir(parents=True, exist_ok=True)
    _check_same_plan(out, settings)
    done = done_run_ids(out)
    todo = [r for r in runs if r.run_id not in done]
    report = JobReport(skipped=len(runs) - len(todo))
    write_card(out, settings, command)  # first, so a job killed outright (no finally) still leaves how it was made
    wall0 = time.perf_counter()
    results = _fan_out(todo, executor, workers, ray_address)
    pending: list[dict[str, Any]] = []
    bar = tqdm(total=len(runs), initial=report.skipped, unit="run", desc="impact data", disable=not progress,
               file=sys.stderr)
    try:
        for run, outcome in results:
            if isinstance(outcome, str):
                report.failed.append((run.run_id, outcome))
                _append_error(out, run, outcome)
            else:
                pending.append(outcome)
            bar.update(1)  # after the record is held: the bar never counts one a Ctrl-C could lose
            if len(pending) >= chunk:
                report.written += _write_part(out, pending)
                pending = []
    finally:  # stopped or not, what was made is written and the card says how far the job got
        if pending:  # less any a Ctrl-C caught between a part's rename and `pending = []`: on disk already
            on_disk = done_run_ids(out)
            pending = [r for r in pending if r["run_id"] not in on_disk]
        if pending:
            report.written += _write_part(out, pending)
        bar.close()
        report.wall_s = time.perf_counter() - wall0
        write_card(out, settings, command, report)
    return report


Outcome = tuple[ImpactRun, dict[str, Any] | str]


def _interruptible() -> None:
    """Ctrl-C raises KeyboardInterrupt again, so a stopped job writes what it made and its card.

    Importing QuickFIX's Python module (the backtester's engine imports it) puts SIGINT back to the operating
    system's default at the C level, behind Python's back: `signal.getsignal` still names Python's handler, but the
    first Ctrl-C killed the process outright and lost every record not yet in a part file. Setting the handler
    Python holds again reinstalls it."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.getsignal(signal.SIGINT))


def _guarded(run: ImpactRun) -> dict[str, Any] | str:
    """A run's record, or the error that ended it as text (one bad run must not end a job of thousands)."""
    try:
        return run_impact(run)
    except Exception:
        return traceback.format_exc(limit=6)


def _fan_out(runs: Sequence[ImpactRun], executor: str, workers: int | None, address: str | None
             ) -> Iterator[Outcome]:
    if executor == "inline":
        return ((r, _guarded(r)) for r in runs)
    if executor == "processes":
        return _in_processes(runs, workers)
    return _on_ray(runs, workers, address)


def _bounded(runs: Sequence[ImpactRun], limit: int, submit: Callable[[ImpactRun], Any],
             wait_some: Callable[[list[Any]], tuple[list[Any], list[Any]]], result: Callable[[Any], Outcome]
             ) -> Iterator[Outcome]:
    """At most `limit` runs in flight; outcomes in the order they finish."""
    queue = iter(runs)
    flight: list[Any] = []
    for run in queue:
        flight.append(submit(run))
        if len(flight) >= limit:
            break
    while flight:
        ready, flight = wait_some(flight)
        for handle in ready:
            yield result(handle)
            nxt = next(queue, None)
            if nxt is not None:
                flight.append(submit(nxt))


def _ignore_interrupt() -> None:
    """In a worker: Ctrl-C reaches the whole process group, and the job's own process is the one that stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_processes(runs: Sequence[ImpactRun], workers: int | None) -> Iterator[Outcome]:
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupt) as pool:
        owner: dict[Future[dict[str, Any] | str], ImpactRun] = {}

        def submit(run: ImpactRun) -> Future[dict[str, Any] | str]:
            fut = pool.submit(_guarded, run)
            owner[fut] = run
            return fut

        def wait_some(flight: list[Future[dict[str, Any] | str]]
                      ) -> tuple[list[Future[dict[str, Any] | str]], list[Future[dict[str, Any] | str]]]:
            done, rest = wait(flight, return_when=FIRST_COMPLETED)
            return list(done), list(rest)

        try:
            yield from _bounded(runs, 2 * (workers or os.cpu_count() or 1), submit, wait_some,
                                lambda f: (owner.pop(f), f.result()))
        finally:  # stopped: the runs not started are dropped, the running ones end (seconds)
            pool.shutdown(wait=True, cancel_futures=True)


def _on_ray(runs: Sequence[ImpactRun], workers: int | None, address: str | None) -> Iterator[Outcome]:
    try:
        import ray
    except ImportError as exc:
        raise DataJobError("Ray is not installed: install the `cluster` extra (pip install 'footprint[cluster]') "
                           "or use --executor processes") from exc
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(_guarded)
        owner: dict[Any, ImpactRun] = {}

        def submit(run: ImpactRun) -> Any:
            ref = remote.remote(run)
            owner[ref] = run
            return ref

        def wait_some(flight: list[Any]) -> tuple[list[Any], list[Any]]:
            ready, rest = ray.wait(flight, num_returns=1)
            return list(ready), list(rest)

        limit = 2 * int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        yield from _bounded(runs, limit, submit, wait_some, lambda ref: (owner.pop(ref), ray.get(ref)))
    finally:
        if started:
            ray.shutdown()


def write_records(out: Path, records: list[dict[str, Any]]) -> int:
    """Records as one more Parquet part of the dataset folder `out`; how many."""
    return _write_part(out, records)


def _write_part(out: Path, records: list[dict[str, Any]]) -> int:
    first = min(r["run_id"] for r in records)
    path = out / f"part-{first:07d}-{time.time_ns():x}.parquet"
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.Table.from_pylist(records), tmp)
    tmp.rename(path)  # a part is there whole or not at all: a job killed mid-write resumes cleanly
    return len(records)


def _append_error(out: Path, run: ImpactRun, error: str) -> None:
    with (out / "errors.jsonl").open("a") as f:
        f.write(json.dumps({"run": dataclasses.asdict(run), "error": error}) + "\n")


def _check_same_plan(out: Path, settings: DataSettings) -> None:
    """A folder holds one plan: resuming with other settings would mix two datasets under one card. The scenarios
    are written out by name, so "every built-in" does not change meaning when built-ins are added."""
    path = out / "settings.json"
    mine = dataclasses.asdict(settings)
    mine["scenarios"] = list(settings.scenarios or list_scenarios())
    if path.exists():
        theirs = json.loads(path.read_text())
        if theirs.get("scenarios") == []:  # written before the names were: "every built-in" as it was then
            found = sorted({str(s) for part in sorted(out.glob(PART_GLOB))
                            for s in pq.read_table(part, columns=["scenario"]).column("scenario").to_pylist()})
            if found != mine["scenarios"]:  # the plan follows the names' order: the built-ins' was sorted
                raise DataJobError(f"{out} was made for every built-in scenario when those were {', '.join(found)}; "
                                   f"resume it with --scenarios {','.join(found)}")
            theirs["scenarios"] = mine["scenarios"]
        if theirs != mine:
            diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise DataJobError(f"{out} holds a dataset made with other settings ({', '.join(diff)} differ): "
                               "resume with the same settings or write to a new --out")
    path.write_text(json.dumps(mine, indent=2) + "\n")


_COLUMNS = {
    "run_id": "index of the run in the plan drawn from the settings' seed",
    "scenario / seed": "the scenario and the market seed the run's market was built from",
    "side, qty, q_over_adv, horizon_s, start_s": "the parent: side, quantity, size in ADV, horizon, start after "
                                                 "the scenario's start",
    "strategy, aggression, urgency": "the schedule (TWAP, VWAP, IS), the tactic's aggression preset, IS's κT",
    "features": f"{', '.join(FEATURE_NAMES)}: the arrival features (strategies/impact/features.py)",
    "arrival_view": "the market view at the parent's start as JSON (strategies/market_view.MarketView.snapshot), "
                    "from which the features can be recomputed",
    "total_bps": "implementation shortfall against the arrival mid, cost positive",
    "temporary_bps": "fills against the contemporaneous mid of the run",
    "permanent_bps": "the mid a reversion window after the parent's end against the arrival mid",
    "impact_bps": "fills against the mid of the same seed without our order (the counterfactual impact)",
    "permanent_impact_bps": "the mid after the reversion window against the counterfactual's mid then",
    "filled": "filled fraction of the parent",
    "arrival_matches_counterfactual": "1 when both runs had the same mid at the parent's start (they must)",
}


def write_card(out: Path, settings: DataSettings, command: str, report: JobReport | None = None) -> None:
    """DATASET.md: what the folder holds, how it was made, and its columns."""
    table = read_dataset(out) if any(out.glob(PART_GLOB)) else None
    rows = 0 if table is None else table.num_rows
    lines = ["# Impact training data", "",
             f"Made by `{command or 'footprint data impact'}` (resumable: the same command continues it).", "",
             f"- records: {rows:,} of {settings.runs:,} planned"]
    if report is not None:
        lines.append(f"- last job: {report.written:,} written, {report.skipped:,} already there, "
                     f"{len(report.failed):,} failed (errors.jsonl), {report.wall_s:,.0f} s")
    if table is not None:
        by = _counts(table.column("scenario").to_pylist())
        lines.append("- by scenario: " + ", ".join(f"{k} {v}" for k, v in by.items()))
        by = _counts(table.column("strategy").to_pylist())
        lines.append("- by schedule: " + ", ".join(f"{k} {v}" for k, v in by.items()))
    lines += ["", "## Settings", "", "```json", json.dumps(dataclasses.asdict(settings), indent=2), "```", "",
              "## Columns", ""]
    lines += [f"- `{k}`: {v}" for k, v in _COLUMNS.items()]
    lines += ["", "Outcomes are in bps of the arrival mid over the filled quantity; see agent/impact/impact_runs.py.",
              ""]
    (out / "DATASET.md").write_text("\n".join(lines))


def _counts(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return dict(sorted(counts.items()))
