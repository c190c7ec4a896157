"""`footprint data impact`: the plan, one run with its counterfactual, the job's Parquet parts, resume and errors."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from agent.cli import main
from agent.impact import impact_dataset
from agent.impact.data_settings import DataJobError, DataSettings
from agent.impact.impact_dataset import plan_runs, read_dataset, run_job
from agent.impact.impact_runs import ImpactRun, RecordFeatures, history_of, run_config, run_impact
from agent.impact.impact_training import TrainingError, load_rows
from simulator.scenario import compile_scenario, load_scenario
from simulator.scenario_market import scenario_market
from strategies.impact.features import FEATURE_NAMES, OrderSpec, impact_features
from strategies.market_view import MarketView
from strategies.types import Side

SMALL = DataSettings(runs=3, seed=3, scenarios=("calm", "equity_session"), max_horizon_s=600.0, lead_in_s=600.0,
                     reversion_s=120.0)


def test_plan_is_drawn_from_its_seed_inside_its_bounds() -> None:
    settings = DataSettings(runs=400, seed=11, scenarios=("calm", "equity_session", "flash_crash"))
    runs = plan_runs(settings)
    assert runs == plan_runs(settings)
    assert runs != plan_runs(dataclasses.replace(settings, seed=12))
    day_s = {"calm": 86_400.0, "flash_crash": 86_400.0, "equity_session": 23_400.0}
    seeds: dict[str, set[int]] = {}
    for r in runs:
        assert settings.min_horizon_s <= r.horizon_s <= settings.max_horizon_s
        assert r.start_s >= settings.lead_in_s
        assert r.q_over_adv <= min(settings.max_q_over_adv,
                                   settings.max_participation * r.horizon_s / day_s[r.scenario]) + 1e-12
        assert (r.urgency > 0) == (r.strategy == "IS")
        seeds.setdefault(r.scenario, set()).add(r.seed)
    # Every scenario draws from its own seeds: nothing is shared across a split by scenario.
    assert not seeds["calm"] & seeds["equity_session"] and not seeds["calm"] & seeds["flash_crash"]
    assert {r.strategy for r in runs} == {"TWAP", "VWAP", "IS"}
    assert {r.aggression for r in runs} == {"passive", "balanced", "aggressive"}
    assert {r.side for r in runs} == {"buy", "sell"}
    assert max(r.q_over_adv for r in runs) > 0.05 and min(r.q_over_adv for r in runs) < 0.002


def test_a_run_and_its_counterfactual_share_the_market_until_the_order() -> None:
    run = ImpactRun(0, "calm", 101, "buy", 0.01, 600.0, 600.0, "TWAP", "aggressive", 0.0, reversion_s=120.0)
    record = run_impact(run)
    assert record["arrival_matches_counterfactual"] == 1.0
    assert record["filled"] == 1.0 and record["qty"] == 20_000
    assert set(FEATURE_NAMES) <= set(record)
    # An aggressive 1% of ADV in ten minutes pays: impact against the market without us is positive and large,
    # and the spread it crosses shows in the temporary part.
    assert record["impact_bps"] > 5.0
    assert record["temporary_bps"] > 0.0
    again = run_impact(run)
    assert {k: v for k, v in again.items() if k != "wall_s"} == {k: v for k, v in record.items() if k != "wall_s"}


def test_job_writes_parts_and_a_card_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "data"
    report = run_job(SMALL, out, executor="inline", chunk=2, progress=False, command="footprint data impact ...")
    assert (report.written, report.skipped, report.failed) == (3, 0, [])
    table = read_dataset(out)
    assert sorted(table.column("run_id").to_pylist()) == [0, 1, 2]
    assert len(list(out.glob("part-*.parquet"))) == 2
    card = (out / "DATASET.md").read_text()
    assert "records: 3 of 3 planned" in card and "impact_bps" in card
    again = run_job(SMALL, out, executor="inline", progress=False)
    assert (again.written, again.skipped) == (0, 3)
    # A part lost (a job killed before it was written) is made again, and only it.
    first = min(out.glob("part-*.parquet"))
    lost = set(pq.read_table(first).column("run_id").to_pylist())
    first.unlink()
    resumed = run_job(SMALL, out, executor="inline", progress=False)
    assert (resumed.written, resumed.skipped) == (len(lost), 3 - len(lost))


def test_a_stopped_job_keeps_what_it_made_and_its_card_says_how_far_it_got(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = impact_dataset.run_impact

    def stopped(run: ImpactRun) -> dict[str, object]:
        if run.run_id == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, in the middle of the third run
        return real(run)

    monkeypatch.setattr(impact_dataset, "run_impact", stopped)
    with pytest.raises(KeyboardInterrupt):
        run_job(SMALL, tmp_path, executor="inline", chunk=50, progress=False)
    assert sorted(read_dataset(tmp_path).column("run_id").to_pylist()) == [0, 1]
    assert "records: 2 of 3 planned" in (tmp_path / "DATASET.md").read_text()


def test_the_card_is_written_before_the_first_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A job killed outright (SIGKILL, a machine going away) runs no finally: the card must already be there.
    def killed(runs: object, *args: object) -> object:
        assert "Made by `footprint data impact --runs 3`" in (tmp_path / "DATASET.md").read_text()
        raise SystemExit(137)

    monkeypatch.setattr(impact_dataset, "_fan_out", killed)
    with pytest.raises(SystemExit):
        run_job(SMALL, tmp_path, executor="inline", progress=False, command="footprint data impact --runs 3")


def test_ctrl_c_stops_a_job_in_processes_and_keeps_what_it_made(tmp_path: Path) -> None:
    """A real SIGINT to the job's whole process group, as a terminal's Ctrl-C sends it. Importing QuickFIX puts
    SIGINT back to the default action, which killed the job outright and lost every record not yet in a part."""
    out = tmp_path / "data"
    argv = [sys.executable, "-m", "agent.cli", "data", "impact", "--runs", "40", "--out", str(out), "--executor",
            "processes", "--workers", "2", "--max-horizon", "300", "--scenarios", "calm"]
    job = subprocess.Popen(argv, stderr=subprocess.PIPE, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal starts it
    assert job.stderr is not None
    seen = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # until the progress bar shows three runs done
        seen += os.read(job.stderr.fileno(), 4096)
        done = [int(n) for n in re.findall(rb"(\d+)/40", seen)]
        if done and max(done) >= 3:
            break
    else:
        job.kill()
        pytest.fail(f"the job showed no progress: {seen[-300:]!r}")
    os.killpg(job.pid, signal.SIGINT)
    try:
        assert job.wait(timeout=60) == 130
    finally:
        job.kill()
    made = read_dataset(out).column("run_id").to_pylist()
    assert len(made) >= 3 and len(set(made)) == len(made)
    assert f"records: {len(made)} of 40 planned" in (out / "DATASET.md").read_text()


def test_the_arrival_view_is_kept_and_gives_the_same_features() -> None:
    run = ImpactRun(0, "calm", 101, "sell", 0.002, 600.0, 900.0, "VWAP", "passive", 0.0, reversion_s=60.0)
    record = run_impact(run)
    view = MarketView.from_snapshot(json.loads(record["arrival_view"]))
    compiled = compile_scenario(load_scenario("calm"))
    history = history_of(compiled, run_config(run, scenario_market(compiled, run.seed)))
    order = OrderSpec(Side.SELL, float(record["qty"]), run.horizon_s, "VWAP", record["catch_up_slices"], 0.0)
    start = view.quote.timestamp if view.quote is not None else 0.0
    again = impact_features(order, history, view, start)
    assert list(again) == [record[name] for name in FEATURE_NAMES]
    # What training does with records made before a feature changed: the same row from the record alone.
    assert list(RecordFeatures().row(record)) == [record[name] for name in FEATURE_NAMES]
    with pytest.raises(ValueError, match="record 0: cannot rebuild its features"):
        RecordFeatures().row({**record, "arrival_view": "{}"})


def test_the_venues_implied_volatility_reaches_the_features_and_an_older_view_is_given_the_same() -> None:
    # Five minutes into the flash crash (at 15m): the implied volatility prices what is left of it.
    run = ImpactRun(0, "flash_crash", 101, "buy", 0.001, 300.0, 1_200.0, "TWAP", "passive", 0.0, reversion_s=60.0)
    record = run_impact(run)
    snapshot = json.loads(record["arrival_view"])
    compiled = compile_scenario(load_scenario("flash_crash"))
    published = [e for e in compiled.published if e.implied_vol is not None and e.time <= run.start_s]
    assert snapshot["implied_vol"] == [compiled.start_epoch + published[-1].time, published[-1].implied_vol]
    assert record["iv_ratio"] > 1.5  # the crash's volatility, still priced
    # A record kept before the venue published it: its view lacks the value, and rebuilding gives the same row.
    del snapshot["implied_vol"]
    older = {**record, "arrival_view": json.dumps(snapshot)}
    assert list(RecordFeatures().row(older)) == [record[name] for name in FEATURE_NAMES]


def test_training_rebuilds_every_records_features_from_its_arrival_view(tmp_path: Path) -> None:
    run_job(SMALL, tmp_path, executor="inline", progress=False)
    table = read_dataset(tmp_path)
    stored = np.column_stack([table.column(name).to_numpy() for name in FEATURE_NAMES])
    # A record made by an older features module: one column gone, another computed differently.
    older = table.drop_columns(["bv_60m_ratio"])
    older = older.set_column(older.column_names.index("trend_5m"), "trend_5m", pa.array(np.zeros(len(table))))
    assert older.column("trend_5m").to_pylist() != table.column("trend_5m").to_pylist()
    for part in tmp_path.glob("part-*.parquet"):
        part.unlink()
    pq.write_table(older, tmp_path / "part-0000000-old.parquet")
    rows = load_rows(tmp_path)
    np.testing.assert_array_equal(rows.features, stored)
    pq.write_table(older.drop_columns(["arrival_view"]), tmp_path / "part-0000000-old.parquet")
    with pytest.raises(TrainingError, match="bv_60m_ratio"):
        load_rows(tmp_path)


def test_other_settings_in_the_same_folder_are_refused_and_change_nothing(tmp_path: Path) -> None:
    out = tmp_path / "data"
    run_job(SMALL, out, executor="inline", progress=False)
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(DataJobError, match="seed differ"):
        run_job(dataclasses.replace(SMALL, seed=4), out, executor="inline", progress=False)
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_folder_made_for_every_built_in_keeps_the_scenarios_it_was_made_for(tmp_path: Path) -> None:
    """Its settings once said only "every built-in" ([]). Since built-ins were added that means another plan, so
    resuming it without naming them is refused with the names to give; named in their order, it resumes."""
    out = tmp_path / "data"
    run_job(SMALL, out, executor="inline", progress=False)
    settings = json.loads((out / "settings.json").read_text())
    assert settings["scenarios"] == ["calm", "equity_session"]  # written out by name now
    (out / "settings.json").write_text(json.dumps({**settings, "scenarios": []}))
    before = sorted(p.name for p in out.iterdir())
    every = dataclasses.replace(SMALL, scenarios=())
    with pytest.raises(DataJobError, match=r"resume it with --scenarios calm,equity_session$"):
        run_job(every, out, executor="inline", progress=False)
    with pytest.raises(DataJobError, match=r"resume it with --scenarios calm,equity_session$"):
        run_job(dataclasses.replace(SMALL, scenarios=("equity_session", "calm")), out, executor="inline",
                progress=False)
    assert sorted(p.name for p in out.iterdir()) == before
    report = run_job(SMALL, out, executor="inline", progress=False)
    assert report.written == 0 and report.skipped == 3
    assert json.loads((out / "settings.json").read_text())["scenarios"] == ["calm", "equity_session"]


def test_a_failing_run_is_logged_and_the_job_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = impact_dataset.run_impact

    def flaky(run: ImpactRun) -> dict[str, object]:
        if run.run_id == 1:
            raise RuntimeError("venue fell over")
        return real(run)

    monkeypatch.setattr(impact_dataset, "run_impact", flaky)
    report = run_job(SMALL, tmp_path, executor="inline", progress=False)
    assert report.written == 2 and [run_id for run_id, _ in report.failed] == [1]
    (line,) = (tmp_path / "errors.jsonl").read_text().splitlines()
    assert json.loads(line)["run"]["run_id"] == 1 and "venue fell over" in json.loads(line)["error"]


def test_cli_makes_data_and_refuses_bad_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    argv = ["data", "impact", "--out", str(out), "--runs", "1", "--scenarios", "calm", "--max-horizon", "600",
            "--executor", "inline", "--no-progress"]
    assert main(argv) == 0
    assert "1 records written" in capsys.readouterr().out
    assert main(["data", "impact", "--out", str(tmp_path / "x"), "--runs", "0", "--executor", "inline"]) == 2
    assert "runs and market_seeds must be >= 1" in capsys.readouterr().err
    assert main(["data", "impact", "--out", str(tmp_path / "y"), "--scenarios", "nope", "--executor", "inline"]) == 2
    assert "no such built-in scenario" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    with pytest.raises(DataJobError, match="no part"):
        read_dataset(tmp_path)


def test_the_job_fans_out_over_a_local_ray_cluster(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    settings = dataclasses.replace(SMALL, runs=2)
    report = run_job(settings, tmp_path, executor="ray", workers=1, progress=False)
    assert (report.written, report.failed) == (2, [])
    inline = run_job(settings, tmp_path / "inline", executor="inline", progress=False)
    assert inline.written == 2
    by_ray = read_dataset(tmp_path).sort_by("run_id").drop_columns(["wall_s"])
    here = read_dataset(tmp_path / "inline").sort_by("run_id").drop_columns(["wall_s"])
    assert by_ray.equals(here)  # the same records wherever they are made
