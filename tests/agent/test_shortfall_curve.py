"""The TWAP implementation-shortfall study: its fit on known curves, and the study end to end on the backtester."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from agent import cli
from agent.backtest.shortfall_curve import (
    DELTA_ROW,
    Y_ROW,
    ShortfallSettings,
    fit_shortfall,
    main,
    qty_for,
    run_shortfall_curve,
    shortfall_rows,
    shortfall_study,
    size_means,
    with_bootstrap_se,
)
from simulator.realism import report
from simulator.realism.report import load_setup

Q = np.geomspace(0.001, 0.1, 6)
SIGMA_BPS = 400.0


def synthetic(floor: float, y: float, delta: float, noise_bps: float, seeds: int, seed: int = 7) -> np.ndarray:
    """sizes × seeds of floor + y·σ·q^δ plus Gaussian noise."""
    truth = floor + y * SIGMA_BPS * Q**delta
    return truth[:, None] + np.random.default_rng(seed).normal(0.0, noise_bps, (Q.size, seeds))


@pytest.mark.parametrize(("floor", "y", "delta"), [(2.0, 0.8, 0.55), (0.5, 1.2, 0.4), (3.0, 0.35, 0.8), (1.0, 0.5, 1.0)])
def test_fit_recovers_a_known_curve_within_its_standard_errors(floor: float, y: float, delta: float) -> None:
    per_seed = synthetic(floor, y, delta, noise_bps=0.3, seeds=8)
    mean, se = size_means(per_seed)
    fit = with_bootstrap_se(fit_shortfall(Q, mean, se, SIGMA_BPS), Q, per_seed, se, 300, np.random.default_rng(1))
    assert fit.delta == pytest.approx(delta, abs=0.05)
    assert fit.y == pytest.approx(y, rel=0.15)
    assert fit.floor == pytest.approx(floor, abs=0.5)
    for value, truth, se_ in ((fit.delta, delta, fit.delta_se), (fit.y, y, fit.y_se), (fit.floor, floor, fit.floor_se)):
        assert se_ > 0 and abs(value - truth) < 4 * se_ + 1e-6


def test_noiseless_curve_is_recovered_exactly_with_or_without_the_floor_given() -> None:
    truth = 1.5 + 0.9 * SIGMA_BPS * Q**0.6
    free = fit_shortfall(Q, truth, np.full(Q.size, np.nan), SIGMA_BPS)
    given = fit_shortfall(Q, truth, np.full(Q.size, np.nan), SIGMA_BPS, floor=1.5)
    for fit in (free, given):
        assert (fit.delta, fit.y, fit.floor) == pytest.approx((0.6, 0.9, 1.5), abs=1e-3)
    assert free(Q) == pytest.approx(truth, rel=1e-4)


def test_floor_is_bounded_at_zero() -> None:
    # A pure power law minus a constant wants a negative floor; the fit keeps it at 0 and bends δ instead.
    values = 0.7 * SIGMA_BPS * Q**0.5 - 3.0
    fit = fit_shortfall(Q, values, np.full(Q.size, 0.1), SIGMA_BPS)
    assert fit.floor == 0.0
    assert fit.delta > 0.5


def test_too_few_sizes_or_one_seed_gives_no_figure_rather_than_a_wrong_one() -> None:
    two = fit_shortfall(Q[:2], np.array([3.0, 9.0]), np.array([0.1, 0.1]), SIGMA_BPS)
    assert np.isnan(two.delta) and np.isnan(two.y)
    one_seed = synthetic(2.0, 0.8, 0.55, 0.3, seeds=1)
    mean, se = size_means(one_seed)
    assert np.all(np.isnan(se))
    fit = with_bootstrap_se(fit_shortfall(Q, mean, se, SIGMA_BPS), Q, one_seed, se, 100, np.random.default_rng(1))
    assert fit.delta == pytest.approx(0.55, abs=0.1) and np.isnan(fit.delta_se)


def test_size_is_whole_lots_and_one_lot_at_least() -> None:
    assert qty_for(0.001, 2_000_000, 1) == 2_000
    assert qty_for(0.001, 5_000_000, 100) == 5_000
    assert qty_for(1e-9, 5_000_000, 100) == 100


def test_settings_refuse_what_cannot_be_measured() -> None:
    with pytest.raises(ValueError, match="seeds"):
        ShortfallSettings(seeds=0)
    with pytest.raises(ValueError, match="sizes"):
        ShortfallSettings(participations=(0.01,))


def test_study_through_the_backtester_costs_more_for_a_bigger_order(tmp_path: Path) -> None:
    setup = load_setup("calm")
    settings = ShortfallSettings(seeds=1, participations=(0.001, 0.1), duration_s=600.0, workers=1, bootstrap=0)
    curve = run_shortfall_curve("calm", settings)
    assert curve.seeds == (setup.seed,) and curve.qtys == (2_000, 200_000)
    assert curve.filled_min == 1.0
    assert np.all(np.isfinite(curve.mean))
    assert curve.mean[1] > 0 and curve.mean[1] > curve.mean[0]
    assert 0 < curve.half_spread_bps < 50
    rows, plots = shortfall_study(setup, tmp_path, settings)
    names = {row.name: row for row in rows}
    assert names[DELTA_ROW].band is not None and names[Y_ROW].band is not None
    assert names["TWAP IS Q/V=10.00%"].value == pytest.approx(curve.mean[1])  # same seed, same market, same cost
    assert [p.name for p in plots] == ["twap_shortfall.png"] and plots[0].stat().st_size > 0
    assert shortfall_rows(curve)[0].name == "TWAP IS Q/V=0.10%"


def test_module_entry_runs_the_quick_study_on_a_process_pool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "calm", "--quick", "--workers", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "12 TWAP backtests on 2 processes" in out
    assert "δ     = " in out and "nan" not in out.split("fit IS")[1].split("\n")[1]
    assert (tmp_path / "twap_shortfall.png").stat().st_size > 0


def test_module_entry_names_a_bad_request(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "no_such_scenario"]) == 2
    assert main(["--points", "1"]) == 2
    assert "shortfall:" in capsys.readouterr().err


def test_study_of_a_scenario_not_found_by_name_says_so_and_adds_nothing(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    setup = dataclasses.replace(load_setup("calm"), name="not_a_builtin")
    assert shortfall_study(setup, tmp_path) == ([], [])
    assert "no TWAP shortfall curve" in capsys.readouterr().out


def test_sim_realism_runs_the_study_after_the_impact_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_main_realism(argv: list[str], *, extra_studies: tuple[object, ...] = ()) -> int:
        seen.update(argv=argv, extra_studies=extra_studies)
        return 0

    monkeypatch.setattr(report, "main_realism", fake_main_realism)
    assert cli.main(["sim", "realism", "--scenario", "calm"]) == 0
    assert seen == {"argv": ["--scenario", "calm"], "extra_studies": (shortfall_study,)}
