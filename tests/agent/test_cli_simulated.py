"""The simulated-time commands: backtest, sim scenarios, sim tape, sim realism (argument errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import main
from simulator.tape_export import read_tape


def test_backtest_of_the_news_scenario_fills_its_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--log-level", "WARNING", "backtest", "--scenario", "volatility_surge_before_news"]) == 0
    out = capsys.readouterr().out
    assert "sell 500,000 CRYPTOALPHA with TWAP over 180 min" in out
    assert "filled: 500,000 of 500,000" in out and "implementation shortfall" in out


def test_backtest_with_an_unavailable_strategy_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--scenario", "calm", "--strategy", "ADAPTIVE"]) == 2  # not built yet
    assert "unknown strategy ADAPTIVE; known: IS, POV, TWAP, VWAP" in capsys.readouterr().err


def test_backtest_of_a_bad_scenario_file_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: x\nseed: 1\nduration: 1h\nsymbol: CRYPTOALPHA\n"
                   "timeline:\n  - at: 10m\n    spread_mult: -2\n")
    assert main(["backtest", "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "timeline[0].spread_mult" in err


def test_scenarios_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "scenarios"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert len(names) >= 8 and "volatility_surge_before_news" in names and "equity_session" in names


def test_tape_is_written_as_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "tape", "--scenario", "flash_crash", "--seed", "3", "--out", str(tmp_path)]) == 0
    tape = read_tape(tmp_path)
    assert tape.symbol == "CRYPTOALPHA" and len(tape.trades.time) > 100
    assert tape.orders is not None and len(tape.orders.time) > len(tape.trades.time)
    assert {p.name for p in tmp_path.iterdir()} >= {"trades.parquet", "quotes.parquet", "snapshots.parquet",
                                                    "orders.parquet", "fills.parquet"}


def test_realism_with_a_bad_scenario_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "realism", "--scenario", "nope", "--days", "1"]) == 2
    assert "no such built-in scenario" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("f.toml", "[FOOTPRINT]\ndrop_cancels = 1.5\n", "f.toml: FOOTPRINT.drop_cancels: Input should be less than"),
        ("f.yaml", "FOOTPRINT:\n  max_delay_s: 9\n", "f.yaml: FOOTPRINT.max_delay_s: Input should be less than"),
        ("f.yaml", "FOOTPRINT:\n  drop_cancel: 0.5\n", "FOOTPRINT.drop_cancel: Extra inputs are not permitted"),
        ("f.yaml", "NOBODY:\n  drop_cancels: 0.5\n", "faults for NOBODY: no such session (sessions: FOOTPRINT)"),
    ],
)
def test_sim_with_a_bad_faults_file_exits_2_with_one_line_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, words: str
) -> None:
    faults = tmp_path / name
    faults.write_text(text)
    assert main(["sim", "--faults", str(faults), "--state-dir", str(tmp_path / "sim")]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_backtest_flags_change_the_scenarios_order_and_keep_the_rest(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # --side alone turns the scenario's order around (it used to be ignored without --qty); --qty keeps the
    # order's own start and duration; a scenario without an order needs --qty.
    started_late = tmp_path / "late.yaml"
    started_late.write_text(
        "name: late\ndescription: an order 5 minutes in\nseed: 5\nduration: 20m\nsymbol: CRYPTOALPHA\n"
        "order:\n  side: sell\n  qty: 2000\n  start: 5m\n  duration: 10m\n  strategy: TWAP\n")
    assert main(["--log-level", "WARNING", "backtest", "--scenario", str(started_late), "--side", "buy"]) == 0
    out = capsys.readouterr().out
    assert "buy 2,000 CRYPTOALPHA with TWAP over 10 min from +5 min" in out
    assert main(["--log-level", "WARNING", "backtest", "--scenario", str(started_late), "--qty", "1000"]) == 0
    assert "sell 1,000 CRYPTOALPHA with TWAP over 10 min from +5 min" in capsys.readouterr().out
    no_order = tmp_path / "no_order.yaml"
    no_order.write_text("name: bare\ndescription: no order\nseed: 5\nduration: 20m\nsymbol: CRYPTOALPHA\n")
    assert main(["backtest", "--scenario", str(no_order)]) == 2
    assert "has no order block: give --qty" in capsys.readouterr().err
