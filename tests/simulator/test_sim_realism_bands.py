"""`footprint sim realism` on the calm and the equity scenario: every stylized fact inside its band.

These run the real simulator for the report's default days and impact seeds (no fakes), so a change to the
flow model that breaks a stylized fact fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.realism.report import format_report, run_realism


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["calm", "equity_session"])
def test_scenario_passes_every_band(scenario: str, tmp_path: Path) -> None:
    report = run_realism(scenario, days=5, seed=1001 if scenario == "calm" else 1008, out_dir=tmp_path)
    assert report.passed, format_report(report)
    assert report.summary_path.is_file() and len(report.plots) >= 8
    assert all(p.stat().st_size > 10_000 for p in report.plots)  # real PNGs, not empty files
