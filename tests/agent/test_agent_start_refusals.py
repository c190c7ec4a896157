"""The agent refuses to start, with one line and exit code 2, on a state folder or setting it cannot use."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from agent.journal.journal import Journal


def run_agent(state: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent.cli", "agent", "--state-dir", str(state), "--venue-port", "1",
                           "--oms-port", "0"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_a_journal_from_a_newer_footprint_is_refused(tmp_path: Path) -> None:
    Journal.open(tmp_path / "journal.sqlite").close()
    with sqlite3.connect(tmp_path / "journal.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    done = run_agent(tmp_path)
    assert done.returncode == 2
    assert "journal schema version 99 is newer than this footprint's 1" in done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(tmp_path / "journal.sqlite") as conn:  # left as it was
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("99",)
        assert conn.execute("SELECT COUNT(*) FROM records").fetchone() == (0,)


def test_a_bad_crash_point_setting_is_refused(tmp_path: Path) -> None:
    done = run_agent(tmp_path, {"FOOTPRINT_CRASH_AT": "intent:VenueCancel#0"})
    assert done.returncode == 2
    assert "FOOTPRINT_CRASH_AT: 'intent:VenueCancel#0': the count after # must be a positive integer" in done.stderr
