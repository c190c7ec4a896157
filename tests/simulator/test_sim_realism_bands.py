"""`footprint sim realism` on the calm and the equity scenario: every stylized fact inside its band.

These run the real simulator for the report's default days and impact seeds (no fakes), so a change to the
flow model that breaks a stylized fact fails here.

Both pass every band. The paired-run impact exponent δ is measured in volume time (`ImpactSettings`): on
equity_session it is 0.694 on these seeds, 0.63-0.69 over seven blocks of 16 seeds (simulator/FLOW_MODEL.md).
"""

from __future__ import annotations

import pytest

from simulator.realism.report import RealismReport, format_report, run_realism

_reports: dict[str, RealismReport] = {}


def report_for(scenario: str, tmp_path_factory: pytest.TempPathFactory) -> RealismReport:
    if scenario not in _reports:
        out = tmp_path_factory.mktemp(scenario)
        _reports[scenario] = run_realism(scenario, days=5, seed=1001 if scenario == "calm" else 1008, out_dir=out)
    return _reports[scenario]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["calm", "equity_session"])
def test_scenario_passes_every_band(scenario: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    report = report_for(scenario, tmp_path_factory)
    assert report.passed, format_report(report)
    assert report.summary_path.is_file() and len(report.plots) >= 8
    assert all(p.stat().st_size > 10_000 for p in report.plots)  # real PNGs, not empty files

