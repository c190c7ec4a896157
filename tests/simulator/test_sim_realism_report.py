"""The realism report's pass/fail logic, table, plots and exit code, with a fake kernel runner."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import simulator.realism.report as report_module
from simulator.instruments import CRYPTOALPHA, SymbolSpec
from simulator.realism.band import Band
from simulator.realism.bands import (
    ABS_R_ACF_2H,
    ABS_R_DECAY,
    DURATION_CV,
    FLOW_PRICE_CORR,
    IMPACT_DELTA,
    KURTOSIS_FALL,
    RESPONSE_RATIO,
    RETURN_TAIL,
    SIGN_C1,
    SIGN_GAMMA,
    SIZE_TAIL,
    SPREAD_MEAN,
    target_bands,
)
from simulator.realism.impact_study import ImpactSettings
from simulator.realism.metric_row import MetricRow
from simulator.realism.reference import reference_stats
from simulator.realism.report import (
    RealismReport,
    SessionSetup,
    format_report,
    main_realism,
    run_realism,
)
from simulator.regime import RegimeSchedule
from simulator.replay.stats import sample_stats
from simulator.session_runner import Metaorder
from simulator.tape import OrderEvents, OrderKind, Quotes, Snapshots, Tape, Trades

START = 1_704_153_600.0  # 2024-01-02 00:00 UTC
SMALL_IMPACT = ImpactSettings(seeds=2, participations=(0.001, 0.01, 0.1))


def _long_memory_signs(n: int, rng: np.random.Generator, concurrent: int = 5) -> np.ndarray:
    """Split metaorders (Lillo, Mike & Farmer 2005): each trade comes from one of `concurrent` streams of metaorders
    of Pareto(3/2) lengths and carries its metaorder's sign, so C(l) ~ l^-1/2."""
    stream = rng.integers(concurrent, size=n)
    out = np.empty(n, np.int8)
    for k in range(concurrent):
        at = np.flatnonzero(stream == k)
        lengths = np.ceil(rng.pareto(1.5, len(at) + 1) + 1).astype(np.int64)
        used = int(np.searchsorted(np.cumsum(lengths), len(at))) + 1
        out[at] = np.repeat(rng.choice(np.array([1, -1], np.int8), used), lengths[:used])[: len(at)]
    return out


def _volatility(minutes: int, rng: np.random.Generator) -> np.ndarray:
    """Per-minute volatility factor exp(Σ x_k), x_k AR(1) with time scales from 4 minutes to 17 hours: the sum of
    scales gives |r| a slowly, roughly power-law decaying memory."""
    taus = np.array([4.0, 16.0, 64.0, 256.0, 1024.0])
    var = np.array([0.04, 0.02, 0.04, 0.1, 0.1])
    phi = np.exp(-1.0 / taus)
    shocks = rng.standard_normal((minutes, len(taus))) * np.sqrt(var * (1 - phi**2))
    x = rng.standard_normal(len(taus)) * np.sqrt(var)
    log_vol = np.empty(minutes)
    for m in range(minutes):
        x = phi * x + shocks[m]
        log_vol[m] = x.sum()
    return np.exp(log_vol)


def _fake_day(seed: int, duration_s: float, plan: Metaorder | None, spec: SymbolSpec = CRYPTOALPHA,
              spread_mult: float = 1.0, impact_delta: float = 0.5) -> Tape:
    """A stylised 24h session built to show every stylised fact of the report, with the symbol's spread and depth.

    Market orders arrive at a Poisson rate redrawn every 30 s (clustered durations), carry split-metaorder signs
    (long memory) and truncated Pareto(3/2) sizes paced to the pro-rata ADV. Each order pushes the log mid through
    a decaying propagator G(l) ∝ (1 + l)^-0.2 (Bouchaud, Gefen, Potters & Wyart 2004), so the response grows while
    returns stay nearly uncorrelated; a long-memory volatility scales the pushes and a Student-t noise, and rare
    jumps fatten 1-minute tails that thin under aggregation. Orders trade at the mid just before them ± the
    half-spread. Two days are few for the noisiest facts (the |r| decay exponent, the kurtosis fall): seeds 7 and 8
    are inside every band, not every pair of seeds is.

    With a metaorder, the same seed's mid is moved by 60 bps × (Q/V)^impact_delta, decaying to 65% of its peak.
    """
    rng = np.random.default_rng(seed)
    minutes = int(duration_s // 60) + 1
    vol = _volatility(minutes, rng)
    # Trades: 0.4 a second on average, sizes q_min × Pareto(3/2) capped at 100 q_min (mean 2.7 q_min).
    rate, block_s = 0.4, 30.0
    q_min = spec.adv / spec.session_seconds / (rate * 2.7)
    blocks = int(np.ceil(duration_s / block_s))
    counts = rng.poisson(rate * block_s * np.exp(0.9 * rng.standard_normal(blocks) - 0.405))
    trade_t = START + block_s * (np.repeat(np.arange(blocks), counts) + rng.uniform(0.0, 1.0, int(counts.sum())))
    trade_t = np.sort(trade_t)
    trade_t = trade_t[trade_t < START + duration_s]
    n = len(trade_t)
    signs = _long_memory_signs(n, rng)
    qty = np.minimum(np.floor(q_min * rng.uniform(0.0, 1.0, n) ** (-1 / 1.5)), 100 * q_min).astype(np.int64)
    # The propagator, by FFT: push[i] = Σ_{j<i} G(i - j) ε_j vol_j, the log-mid part just before trade i.
    size = 1 << int(np.ceil(np.log2(2 * n + 2)))
    kernel = 1.5e-4 / (1.0 + np.arange(n + 1)) ** 0.2
    drive = signs * vol[((trade_t - START) // 60).astype(np.int64)]
    push = np.concatenate([[0.0], np.fft.irfft(np.fft.rfft(drive, size) * np.fft.rfft(kernel, size), size)[:n]])
    # Noise on the 5-s quote grid, with jumps about twice an hour.
    time = START + np.arange(0.0, duration_s, 5.0)
    grid_vol = vol[((time - START) // 60).astype(np.int64)]
    steps = 7e-5 * grid_vol * rng.standard_t(5, len(time))
    jumps = rng.uniform(0.0, 1.0, len(time)) < 0.03 / 12
    steps[jumps] += 20 * 7e-5 * grid_vol[jumps] * rng.standard_t(6, int(jumps.sum()))
    noise = np.cumsum(steps)
    log_mid = math.log(spec.ref_price) + push[np.searchsorted(trade_t, time, side="left")] + noise
    mid = np.exp(log_mid)
    mid_before = np.exp(math.log(spec.ref_price) + push[:n] + noise[np.searchsorted(time, trade_t, side="right") - 1])
    if plan is not None:
        since_open = time - START
        peak = 60.0 * (plan.qty / spec.adv) ** impact_delta
        since = since_open - plan.start_offset_s
        shape = np.where(since <= plan.duration_s, since / plan.duration_s,
                         0.65 + 0.35 * np.exp(-(since - plan.duration_s) / 300.0))
        mid0 = mid[int(plan.start_offset_s // 5)]
        mid = mid + plan.side * np.where(since < 0, 0.0, peak * shape) * 1e-4 * mid0
    half_spread = spec.base_spread_bps * spread_mult / 2e4
    quotes = Quotes(time, mid * (1 - half_spread), mid * (1 + half_spread), np.full(len(time), 500, np.int64),
                    np.full(len(time), 500, np.int64))
    trades = Trades(trade_t, mid_before * (1 + signs * half_spread), qty, signs, np.zeros(n, np.bool_))
    snap_t = START + np.arange(0.0, duration_s, 60.0)
    per_level = int(0.7 * spec.book_depth / 10)
    snaps = Snapshots(np.repeat(snap_t, 20), np.tile(np.repeat(np.array([1, -1], np.int8), 10), len(snap_t)),
                      np.tile(np.arange(10, dtype=np.int64), 2 * len(snap_t)), np.repeat(np.interp(snap_t, time, mid), 20),
                      np.full(20 * len(snap_t), per_level, np.int64))
    n_orders = 20_000
    orders = OrderEvents(np.sort(rng.uniform(START, START + duration_s, n_orders)),
                         rng.choice(np.array([OrderKind.LIMIT, OrderKind.MARKET, OrderKind.CANCEL], np.int8), n_orders),
                         rng.choice(np.array([1, -1], np.int8), n_orders), np.full(n_orders, spec.ref_price),
                         np.maximum(1, rng.lognormal(math.log(spec.typical_order_size) - 0.32, 0.8, n_orders)).astype(np.int64))
    return Tape(spec.symbol, START, START + duration_s, 5.0, 60.0, trades, quotes, snaps, orders)


@pytest.fixture
def fake_kernel(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Swap the scenario compiler and kernel runner for the fake day; the returned knobs shape the tapes."""
    knobs = {"spread_mult": 1.0, "impact_delta": 0.5}
    setup = SessionSetup("fake", CRYPTOALPHA, RegimeSchedule.calm(), START, 86_400.0, seed=7)

    def load(scenario: str) -> SessionSetup:
        return setup

    def simulate(s: SessionSetup, seed: int, plan: Metaorder | None, duration_s: float) -> Tape:
        return _fake_day(seed, duration_s, plan, s.spec, knobs["spread_mult"], knobs["impact_delta"])

    monkeypatch.setattr(report_module, "load_setup", load)
    monkeypatch.setattr(report_module, "simulate", simulate)
    return knobs


def test_an_in_band_market_passes_with_every_plot_and_a_summary(
    fake_kernel: dict[str, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_realism("fake", 2, 7, tmp_path, impact_settings=SMALL_IMPACT)
    assert report.failures == (), format_report(report)
    assert report.passed
    assert report.seeds == (7, 8) and report.impact_seeds == (7, 8)
    assert "seeds [7, 8]" in capsys.readouterr().out
    banded = {row.name for row in report.rows if row.band is not None}
    assert banded == set(target_bands(CRYPTOALPHA))  # every band was measured
    delta = next(row for row in report.rows if row.name == IMPACT_DELTA)
    assert delta.value == pytest.approx(0.5, abs=0.01)
    assert {p.name for p in report.plots} == {
        "mid_path.png", "returns.png", "acf.png", "kurtosis.png", "vol_memory.png", "tails.png", "sign_acf.png",
        "response.png", "durations.png", "flow_vs_price.png", "spread_depth.png", "volume_profile.png",
        "impact.png", "impact_delta.png", "impact_decay.png"}  # fmt: skip
    assert all(p.stat().st_size > 1000 for p in report.plots)
    assert report.summary_path.read_text() == format_report(report)
    assert "**PASS**" in format_report(report)


def test_every_stylised_fact_of_issue_8_is_a_banded_row_with_its_measures_beside_it(
    fake_kernel: dict[str, float], tmp_path: Path
) -> None:
    report = run_realism("fake", 2, 7, tmp_path, impact=False)
    rows = {row.name: row for row in report.rows}
    for name in (SIGN_C1, SIGN_GAMMA, RESPONSE_RATIO, KURTOSIS_FALL, ABS_R_DECAY, ABS_R_ACF_2H, RETURN_TAIL, SIZE_TAIL,
                 DURATION_CV, FLOW_PRICE_CORR):
        assert rows[name].band is not None and rows[name].passed, rows[name]
    # Information next to the bands: sample sizes, kurtosis at each aggregation, the response and sign memory.
    assert rows["r_60m count"].value == 2 * 24 and rows["r_1m count"].value == 2 * 1440
    for name in ("excess kurtosis r_5m", "excess kurtosis r_15m", "excess kurtosis r_60m", "trade sign C(10)",
                 "trade sign C(100)", "response R(1)", "response R(1000)", "inter-trade duration mean", "market orders"):
        assert rows[name].band is None and math.isfinite(rows[name].value), name
    # The fake's orders trade at the mid ± the half-spread and push it the way they trade: R(1) > 0, in half-spreads.
    assert 0 < rows["response R(1)"].value < rows["response R(100)"].value
    assert rows["market orders"].value > 50_000  # about 0.4 a second for two days


def _extra_study(calls: list[tuple[str, Path]], value: float) -> Callable[[SessionSetup, Path], tuple[list[MetricRow], list[Path]]]:
    """A study as another package would write one: a banded row, an information row and a plot of its own."""

    def study(setup: SessionSetup, out_dir: Path) -> tuple[list[MetricRow], list[Path]]:
        calls.append((setup.name, out_dir))
        plot = out_dir / "extra.png"
        plot.write_bytes(b"not really a png")
        return [MetricRow("extra exponent", value, "", Band("extra exponent", 0.4, 0.65)),
                MetricRow("extra info", 2.0, "bps")], [plot]

    return study


def test_extra_studies_run_after_the_impact_runs_and_join_the_report(
    fake_kernel: dict[str, float], tmp_path: Path
) -> None:
    calls: list[tuple[str, Path]] = []
    report = run_realism("fake", 2, 7, tmp_path, impact_settings=SMALL_IMPACT, extra_studies=[_extra_study(calls, 0.5)])
    assert calls == [("fake", tmp_path)]
    names = [row.name for row in report.rows]
    assert names[-2:] == ["extra exponent", "extra info"] and names.index(IMPACT_DELTA) < names.index("extra exponent")
    assert report.plots[-1] == tmp_path / "extra.png"
    assert report.passed
    assert "| extra exponent | 0.5 | [0.4, 0.65] | yes |" in format_report(report)
    assert "| extra info | 2 bps | — | — |" in format_report(report)
    # Out of its band, an extra study's row fails the report like any other.
    failing = run_realism("fake", 2, 7, tmp_path / "out", impact_settings=SMALL_IMPACT,
                          extra_studies=[_extra_study(calls, 0.9)])
    assert [row.name for row in failing.failures] == ["extra exponent"]
    # Without impact runs there is nothing for the studies to follow: they are not run.
    calls.clear()
    quick = run_realism("fake", 2, 7, tmp_path / "quick", impact=False, extra_studies=[_extra_study(calls, 0.5)])
    assert calls == [] and "extra exponent" not in {row.name for row in quick.rows}


def test_the_cli_hands_extra_studies_to_the_report(
    fake_kernel: dict[str, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[str, Path]] = []
    argv = ["--scenario", "fake", "--days", "2", "--impact-seeds", "1", "--impact-points", "2", "--out", str(tmp_path)]
    assert main_realism(argv, extra_studies=[_extra_study(calls, 0.5)]) == 0
    assert calls == [("fake", tmp_path)]
    assert "| extra exponent | 0.5 | [0.4, 0.65] | yes |" in capsys.readouterr().out
    assert main_realism([*argv, "--no-impact"], extra_studies=[_extra_study(calls, 0.5)]) == 0
    assert len(calls) == 1


def test_a_spread_five_times_too_wide_fails_that_metric_only(fake_kernel: dict[str, float], tmp_path: Path) -> None:
    fake_kernel["spread_mult"] = 5.0
    report = run_realism("fake", 2, 7, tmp_path, impact=False)
    assert not report.passed
    assert [row.name for row in report.failures] == [SPREAD_MEAN]
    assert report.impact_seeds == () and all(row.name != IMPACT_DELTA for row in report.rows)
    assert f"| {SPREAD_MEAN} | 25 | [2.5, 10] bps | **NO** |" in format_report(report)


def test_linear_impact_fails_the_square_root_band(fake_kernel: dict[str, float], tmp_path: Path) -> None:
    fake_kernel["impact_delta"] = 1.0
    report = run_realism("fake", 2, 7, tmp_path, impact_settings=SMALL_IMPACT)
    assert [row.name for row in report.failures] == [IMPACT_DELTA]


def test_the_cli_exit_code_says_whether_every_metric_is_in_band(
    fake_kernel: dict[str, float], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main_realism(["--scenario", "fake", "--days", "2", "--no-impact"]) == 0
    out = capsys.readouterr().out
    assert "seeds [7, 8]" in out  # the scenario's own seed when --seed is not given
    assert "| metric | value | band | pass |" in out and "**PASS**" in out
    assert (tmp_path / "var/realism/fake/summary.md").exists()
    fake_kernel["spread_mult"] = 5.0
    assert main_realism(["--scenario", "fake", "--days", "2", "--seed", "40", "--no-impact",
                         "--out", str(tmp_path / "wide")]) == 1  # fmt: skip
    out = capsys.readouterr().out
    assert "seeds [40, 41]" in out and "**FAIL**" in out
    assert (tmp_path / "wide/summary.md").exists()


def test_the_cli_refuses_a_bad_request_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_realism(["--days", "0"]) == 2
    assert "--days must be >= 1" in capsys.readouterr().err
    assert main_realism(["--impact-points", "1"]) == 2
    assert main_realism(["--scenario", "no_such_scenario"]) == 2  # the scenario loader's own message
    assert "no_such_scenario: no such built-in scenario" in capsys.readouterr().err


def test_scenarios_come_from_the_scenario_compiler() -> None:
    setup = report_module.load_setup("equity_session")
    assert (setup.name, setup.spec.symbol, setup.duration_s) == ("equity_session", "ACME", 23_400.0)
    assert len(setup.schedule.times) > 1  # the intraday activity profile is in the schedule


def test_a_real_sample_is_set_side_by_side_with_ours(fake_kernel: dict[str, float], tmp_path: Path) -> None:
    reference = {"spread_mean_bps": 1.3, "cancel_ratio": 0.95, "queue_depletion_s": 12.0}
    report = run_realism("fake", 1, 7, tmp_path, impact=False, reference=reference)
    text = format_report(report)
    assert "| statistic | ours | real |" in text
    assert "| spread_mean_bps | 5 | 1.3 |" in text  # the fake quotes exactly the base spread
    assert "| queue_depletion_s | — | 12 |" in text  # a statistic we do not measure is shown, not dropped
    cancel = next(line for line in text.splitlines() if line.startswith("| cancel_ratio"))
    # Limit and cancel are equally likely; about 140 limits fall in the 30-minute window, hence the tolerance.
    assert float(cancel.split("|")[2]) == pytest.approx(1.0, abs=0.3)


def test_format_marks_unbanded_rows_and_counts_failures(tmp_path: Path) -> None:
    rows = (MetricRow("in", 0.5, "", Band("in", 0.4, 0.7)), MetricRow("out", 2.0, "", Band("out", 0.4, 0.7)),
            MetricRow("info", 3.0, "bps"), MetricRow("unmeasured", math.nan, "", Band("unmeasured", 0.0, 1.0)))
    report = RealismReport("s", "SYM", (1,), (), rows, (), tmp_path / "summary.md")
    text = format_report(report)
    assert "| info | 3 bps | — | — |" in text
    assert "| in | 0.5 | [0.4, 0.7] | yes |" in text
    assert "| unmeasured | nan | [0, 1] | **NO** |" in text
    assert "**FAIL**: 2 of 3 banded metrics out of band" in text
    assert [r.name for r in report.failures] == ["out", "unmeasured"]


def test_reference_statistics_read_the_middle_half_hour_of_each_day() -> None:
    f, i, i8 = np.float64, np.int64, np.int8
    t = np.array([100.0, 1000.0, 1500.0, 2000.0, 2600.0, 3500.0], f)  # the window of a 1-hour day is [900, 2700)
    kind = np.array([OrderKind.LIMIT, OrderKind.LIMIT, OrderKind.MARKET, OrderKind.CANCEL, OrderKind.LIMIT,
                     OrderKind.LIMIT], i8)  # fmt: skip
    qty = np.array([9999, 100, 300, 100, 200, 9999], i)
    tape = Tape(
        "X", 0.0, 3600.0, 1.0, 60.0,
        Trades(np.empty(0, f), np.empty(0, f), np.empty(0, i), np.empty(0, i8), np.empty(0, np.bool_)),
        Quotes(np.array([0.0, 1000.0], f), np.array([90.0, 99.95], f), np.array([110.0, 100.05], f),
               np.ones(2, i), np.ones(2, i)),
        Snapshots(np.full(3, 1000.0), np.array([1, -1, -1], i8), np.array([0, 0, 1], i), np.ones(3), np.array([30, 10, 60], i)),
        OrderEvents(t, kind, np.ones(6, i8), np.ones(6), qty),
    )  # fmt: skip
    stats = reference_stats([tape])
    window = (t >= 900) & (t < 2700)
    expected = sample_stats(OrderEvents(t[window], kind[window], np.ones(4, i8), np.ones(4), qty[window]),
                            Quotes(np.array([1000.0]), np.array([99.95]), np.array([100.05]), np.ones(1, i), np.ones(1, i)),
                            tape.snapshots)  # fmt: skip
    assert stats == pytest.approx(expected, nan_ok=True)
    assert stats["spread_mean_bps"] == pytest.approx(10.0)  # the 2000-bps quote at t=0 is outside the window
    assert stats["cancel_ratio"] == pytest.approx(0.5)  # one cancel against the two limit orders in the window
