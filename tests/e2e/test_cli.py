"""The `footprint` commands as an operator runs them: separate processes talking FIX on loopback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.demo import free_port

pytestmark = pytest.mark.e2e

CLI = [sys.executable, "-m", "agent.cli"]


def _stop(proc: subprocess.Popen[str], timeout: float = 30) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str], subprocess.Popen[str]]]:
    venue_port, oms_port = free_port(), free_port()
    sim = subprocess.Popen([*CLI, "sim", "--port", str(venue_port), "--state-dir", str(tmp_path / "sim")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    agent = subprocess.Popen([*CLI, "agent", "--oms-port", str(oms_port), "--venue-port", str(venue_port),
                              "--state-dir", str(tmp_path / "agent"), "--admin-port", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield oms_port, sim, agent
    finally:
        for proc in (agent, sim):
            if proc.poll() is None:
                proc.kill()


def test_sim_agent_and_oms_commands_work_together(tmp_path: Path,
                                                   processes: tuple[int, subprocess.Popen[str],
                                                                    subprocess.Popen[str]]) -> None:
    oms_port, sim, agent = processes
    started = time.monotonic()
    oms = subprocess.run([*CLI, "oms", "buy", "CRYPTOALPHA", "2000", "--duration", "5", "--strategy", "1000",
                          "--port", str(oms_port), "--logon-timeout", "30", "--state-dir", str(tmp_path / "oms")],
                         capture_output=True, text=True, timeout=90)
    assert oms.returncode == 0, oms.stdout + oms.stderr
    lines = [ln for ln in oms.stdout.splitlines() if ln.startswith("ExecutionReport")]
    assert lines[0].startswith("ExecutionReport PendingNew")
    assert "status=Filled" in lines[-1] and "CumQty=2000 LeavesQty=0" in lines[-1]
    assert time.monotonic() - started < 60
    assert _stop(agent) == 0
    agent_log = agent.stdout.read() if agent.stdout else ""
    assert "footprint agent ready" in agent_log and "footprint agent stopped" in agent_log
    assert _stop(sim) == 0


def test_oms_cancel_after(tmp_path: Path,
                          processes: tuple[int, subprocess.Popen[str], subprocess.Popen[str]]) -> None:
    oms_port, _, _ = processes
    oms = subprocess.run([*CLI, "oms", "sell", "CRYPTOALPHA", "30000", "--duration", "60", "--cancel-after", "4",
                          "--port", str(oms_port), "--logon-timeout", "30", "--state-dir", str(tmp_path / "oms")],
                         capture_output=True, text=True, timeout=90)
    assert oms.returncode == 0, oms.stdout + oms.stderr
    last = [ln for ln in oms.stdout.splitlines() if ln.startswith("ExecutionReport")][-1]
    assert "ExecutionReport Canceled status=Canceled" in last and "LeavesQty=0" in last


def test_bad_config_is_refused_with_the_field_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("decision_interval_s = -1\n")
    result = subprocess.run([*CLI, "agent", "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "decision_interval_s" in result.stderr and "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = subprocess.run([*CLI, "fly"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "invalid choice" in result.stderr
