"""`footprint schedule`: the plan as JSON and as a table, and one line naming the flag for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.cli import main
from agent.schedule_cli import parse_horizon

ROOT = Path(__file__).resolve().parents[2]
PAPER = [
    "--strategy",
    "almgren-chriss",
    "--qty",
    "1000000",
    "--horizon",
    "5d",
    "--intervals",
    "5",
    "--sigma",
    "0.95",
    "--eta",
    "2.5e-6",
    "--gamma",
    "2.5e-7",
    "--epsilon",
    "0.0625",
    "--risk-aversion",
    "1e-6",
]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `footprint schedule ARGV`, argparse's own exits included."""
    try:
        code = main(["schedule", *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def plan_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    answer: dict[str, Any] = json.loads(out)
    return answer


def test_the_paper_example_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(PAPER, capsys)
    assert plan["strategy"] == "almgren-chriss" and plan["time_unit"] == "d" and plan["lot_size"] == 1
    assert plan["times"] == [k * 86_400.0 for k in range(6)]
    # The model's 541,955.55 / 289,854.22 / 147,897.49 / 62,141.80, never ahead of it in whole shares.
    assert plan["holdings"] == [1_000_000, 541_956, 289_855, 147_898, 62_142, 0]
    assert plan["trades"] == [458_044, 252_101, 141_957, 85_756, 62_142]
    assert plan["completes"] is True and plan["shortfall"] == 0
    assert plan["kappa"] == pytest.approx(0.60708, abs=5e-6)
    # The rounded trajectory's own figures, a dollar from the model's $911,226.99 and 3.64129e11.
    assert plan["expected_cost"] == pytest.approx(911_226, abs=1)
    assert plan["variance"] == pytest.approx(3.64129e11, rel=1e-5)


def test_twap_is_rounded_to_the_symbols_lots(capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(
        ["--strategy", "twap", "--qty", "10050", "--horizon", "1h", "--intervals", "4", "--symbol", "ACME"], capsys
    )
    assert plan["lot_size"] == 100 and plan["horizon_s"] == 3_600.0
    assert plan["trades"] == [2_500, 2_500, 2_500, 2_550]
    assert plan["expected_cost"] is None and plan["variance"] is None


def test_vwap_follows_the_equity_sessions_u_shape(capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(
        ["--strategy", "vwap", "--qty", "1000000", "--horizon", "6.5h", "--intervals", "13", "--symbol", "ACME"], capsys
    )
    trades = plan["trades"]
    assert sum(trades) == 1_000_000 and all(t % 100 == 0 for t in trades)
    assert trades[0] > 2 * trades[6] and trades[-1] > 2 * trades[6]
    # The whole session's expected volume is the symbol's ADV.
    assert sum(plan["expected_volume"]) == pytest.approx(5_000_000)


def test_pov_that_cannot_finish_says_how_much_is_left(capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_json(
        [
            "--strategy",
            "pov",
            "--qty",
            "400000",
            "--horizon",
            "2h",
            "--intervals",
            "8",
            "--symbol",
            "ACME",
            "--start",
            "1h",
            "--participation",
            "0.1",
        ],
        capsys,
    )
    assert plan["completes"] is False
    assert plan["shortfall"] == 400_000 - sum(plan["trades"]) > 250_000
    assert sum(plan["trades"]) <= 0.1 * sum(plan["expected_volume"])
    assert plan["participation"] == 0.1 and plan["start_s"] == 3_600.0


def test_without_json_the_plan_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(PAPER, capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "almgren-chriss: 1,000,000 over 5d in 5 intervals, lot 1"
    assert lines[1].split() == ["interval", "time", "trade", "holdings"]
    assert lines[3].split() == ["1", "1d", "458,044", "541,956"]
    assert lines[7].split() == ["5", "5d", "62,142", "0"]
    assert lines[8].startswith("expected cost 911,226, standard deviation 603,432")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--strategy", "twap", "--qty", "100", "--horizon", "5x"], "argument --horizon: '5x' is not a duration"),
        (["--strategy", "twap", "--qty", "100", "--horizon", "0"], "argument --horizon: must be > 0"),
        (["--strategy", "twap", "--qty", "-5", "--horizon", "1h"], "argument --qty: must be finite and >= 0, got -5"),
        (["--strategy", "twap", "--qty", "1.5", "--horizon", "1h"], "argument --qty: invalid int value: '1.5'"),
        (
            ["--strategy", "twap", "--qty", "100", "--horizon", "1h", "--intervals", "0"],
            "argument --intervals: must be",
        ),
        (["--strategy", "twap", "--qty", "100"], "the following arguments are required: --horizon"),
        (["--strategy", "vwp", "--qty", "100", "--horizon", "1h"], "argument --strategy: invalid choice: 'vwp'"),
        (
            ["--strategy", "twap", "--qty", "100", "--horizon", "1h", "--sigma", "1"],
            "argument --sigma: not used by twap (only by almgren-chriss)",
        ),
        (["--strategy", "vwap", "--qty", "100", "--horizon", "1h"], "argument --symbol: required for vwap"),
        (
            ["--strategy", "vwap", "--qty", "100", "--horizon", "1h", "--symbol", "NOPE"],
            "argument --symbol: unknown symbol 'NOPE' (known: ACME, CRYPTOALPHA)",
        ),
        (
            ["--strategy", "vwap", "--qty", "100", "--horizon", "1h", "--symbol", "ACME", "--start", "7h"],
            "argument --start: must be in [0, 23400) seconds into the session",
        ),
        (
            ["--strategy", "pov", "--qty", "100", "--horizon", "1h", "--symbol", "ACME", "--participation", "1.5"],
            "argument --participation: must be in (0, 1], got 1.5",
        ),
        (
            ["--strategy", "pov", "--qty", "100", "--horizon", "1h", "--symbol", "ACME"],
            "argument --participation: required for pov",
        ),
        ([*PAPER[:-2]], "argument --risk-aversion: required for almgren-chriss"),
        ([*PAPER[:9], "-0.95", *PAPER[10:]], "argument --sigma: must be finite and >= 0, got -0.95"),
        ([*PAPER[:9], "nan", *PAPER[10:]], "argument --sigma: must be finite and >= 0, got nan"),
        ([*PAPER[:13], "5e-6", *PAPER[14:]], "argument --eta: must be > gamma*tau/2 = 2.5e-06 (tau = 1)"),
    ],
)
def test_a_bad_input_is_one_line_naming_the_flag(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("footprint schedule: error: ")
    assert words in err


def test_the_command_as_a_process_refuses_an_ill_posed_model_on_one_line() -> None:
    argv = [*PAPER[:13], "5e-6", *PAPER[14:]]  # eta = gamma*tau/2 with tau = 1 day
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli", "schedule", *argv, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "footprint schedule: error: argument --eta: must be > gamma*tau/2 = 2.5e-06 (tau = 1): "
        "eta <= gamma*tau/2 makes the problem ill-posed\n"
    )


def test_the_command_as_a_process_prints_json() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agent.cli", "schedule", *PAPER, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["holdings"] == [1_000_000, 541_956, 289_855, 147_898, 62_142, 0]


@pytest.mark.parametrize(
    ("text", "seconds", "unit"),
    [
        ("5400", 5_400.0, "s"),
        ("90s", 90.0, "s"),
        ("30m", 1_800.0, "m"),
        ("3h", 10_800.0, "h"),
        ("1h30m", 5_400.0, "h"),
        ("2d", 172_800.0, "d"),
        ("0.5d", 43_200.0, "d"),
    ],
)
def test_horizons_read_seconds_or_a_unit(text: str, seconds: float, unit: str) -> None:
    assert parse_horizon(text) == (seconds, unit)
