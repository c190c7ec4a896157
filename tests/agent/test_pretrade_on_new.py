"""A new parent's New ExecutionReport carries the impact model's pre-trade estimate in Text, and the agent logs it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import onnx
import pytest

from agent.backtest.backtest import BacktestOrder, run_backtest, with_market_instruments
from agent.config import load_config
from agent.core.engine import IdSource, engine_from_config
from agent.impact import pretrade
from simulator.clock import SimClock
from simulator.scenario import compile_scenario, load_scenario
from simulator.scenario_market import scenario_market
from strategies.impact import SHIPPED_MODEL
from strategies.impact.inference import ImpactModelError

ESTIMATE = re.compile(r"pre-trade (\w+): total (-?[\d.]+) bps \(5-95% (-?[\d.]+) to (-?[\d.]+)\), temporary "
                      r"(-?[\d.]+), permanent (-?[\d.]+), P\(>10 bps\) ([\d.]+)")


def new_report_text(impact: dict[str, object] | None = None, strategy: str = "VWAP") -> str:
    market = scenario_market(compile_scenario(load_scenario("calm")), 5)
    market.advance(market.now + 600)  # ten minutes of history for the market view
    cfg = with_market_instruments(load_config(default_strategy=strategy, impact=impact), market)
    result = run_backtest(cfg, market, BacktestOrder("CRYPTOALPHA", "1", 20_000, 600.0))
    (new,) = [r for r in result.reports if r.exec_type == "0"]
    assert new.text is not None
    return new.text


def test_new_report_carries_the_estimate(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="footprint"):
        text = new_report_text()
    assert text.startswith("accepted: VWAP until ")
    match = ESTIMATE.search(text)
    assert match is not None, text
    strategy, total, q05, q95, temporary, permanent, p = match.groups()
    assert strategy == "VWAP"
    assert float(temporary) > -5 and float(permanent) > -5  # costs, in bps, of a 1%-of-ADV buy
    assert float(q05) <= float(total) <= float(q95)
    assert 0.0 <= float(p) <= 1.0
    assert any("pre-trade VWAP" in r.getMessage() and "accepted" in r.getMessage() for r in caplog.records)


def test_no_estimate_when_turned_off() -> None:
    text = new_report_text({"pretrade_on_new": False}, strategy="TWAP")
    assert "pre-trade" not in text and text.startswith("accepted: TWAP")


def test_a_failing_estimate_never_stops_a_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model fell over")

    monkeypatch.setattr(pretrade.PreTrade, "estimate", broken)
    text = new_report_text()
    assert text.startswith("accepted: VWAP") and "pre-trade" not in text


def test_an_agent_told_to_estimate_refuses_to_start_without_its_model(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    cfg = load_config(impact={"model": str(tmp_path / "gone.onnx")})
    with pytest.raises(ImpactModelError, match=r"gone\.onnx"):
        engine_from_config(cfg, SimClock(0.0), lambda command: None, IdSource("t"))
    config = tmp_path / "agent.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[impact]\nmodel = "{tmp_path / "gone.onnx"}"\n')
    from agent.cli import main

    assert main(["agent", "--config", str(config)]) == 2
    assert "gone.onnx" in capsys.readouterr().err


@pytest.mark.parametrize(("dropped", "says"), [
    # Exported before normalised offsets: they were in bps, and read as units of each row's scale they would move
    # every quantile by a factor of the row's scale.
    ("calibration_units", "offsets are in bps"),
    # Exported before the timing scale took the schedule's exposure: timing quantiles in σ√T for every schedule, so
    # an IS parent's interval would be narrower than it was calibrated for.
    ("timing_scale", "timing quantiles are in σ√T for every schedule"),
])
def test_a_model_made_by_an_older_footprint_is_refused_not_misread(dropped: str, says: str, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`pretrade` refuses a model whose metadata lacks what the served layout needs to read it, and says what to do."""
    model = onnx.load(str(SHIPPED_MODEL))
    props = {p.key: p.value for p in model.metadata_props if p.key != dropped}
    onnx.helper.set_model_props(model, props)
    older = tmp_path / "older.onnx"
    onnx.save(model, str(older))
    from agent.cli import main

    argv = ["pretrade", "--symbol", "CRYPTOALPHA", "--side", "sell", "--qty", "50000", "--horizon", "1h",
            "--model", str(older)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "train it again" in err


def test_a_feature_past_the_training_range_is_noted_with_the_digits_that_show_it() -> None:
    from agent.impact.pretrade import PreTrade

    pretrade = PreTrade.from_file()
    names = list(pretrade.inference.feature_names)
    low, high = pretrade.ranges["session_left_days"]
    width = high - low
    row = np.array([[(pretrade.ranges[n][0] + pretrade.ranges[n][1]) / 2 for n in names]])
    col = names.index("session_left_days")
    row[0, col] = high + 0.001 * width  # past the edge by a hair: the trees hold their edge value anyway
    assert pretrade.outside_training(row) == []
    row[0, col] = high + 0.01 * width
    (note,) = pretrade.outside_training(row)
    value, edge = note.split()[1], note.rstrip("]").split(", ")[-1]
    assert note.startswith("session_left_days ") and float(value) > float(edge)
    row[0, col] = low - 2 * width
    assert pretrade.outside_training(row) == [f"session_left_days {low - 2 * width:.4g} is outside the training "
                                              f"range [{low:.4g}, {high:.4g}]"]
    # A narrow range far from zero: four digits would print the value and the edge alike.
    pretrade.ranges["session_left_days"] = [1000.0, 1000.5]
    row[0, col] = 1000.51
    (note,) = pretrade.outside_training(row)
    assert note == "session_left_days 1000.51 is outside the training range [1000, 1000.5]"


@pytest.mark.parametrize(("symbol", "scenario"), [("ACME", "equity_session"), ("CRYPTOALPHA", "calm")])
def test_the_default_market_has_no_other_desks_block_working(symbol: str, scenario: str) -> None:
    """`competing_buyer` is the first built-in trading ACME by name, but its buy program would be in the estimate;
    the default is the first whose market schedules no one else's flow."""
    from agent.impact.pretrade import scenario_pretrade
    from strategies.impact import SHIPPED_MODEL

    estimates, as_of = scenario_pretrade(symbol, "buy", 50_000, "1h", None, None, SHIPPED_MODEL, "cpu")
    assert as_of.startswith(f"scenario {scenario} ") and estimates
