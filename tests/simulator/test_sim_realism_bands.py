"""`footprint sim realism` on the calm and the equity scenario: every stylized fact inside its band.

These run the real simulator for the report's default days and impact seeds (no fakes), so a change to the
flow model that breaks a stylized fact fails here.

calm passes every band. One is known to be out on equity_session, issue 8 being open: the paired-run impact
exponent δ (0.76 against [0.4, 0.7]). An hour of an equity session is a sixth of its day's volume, and below Q/V of
about 0.5% our metaorder is smaller than the imbalance the others leave in the latent liquidity over that hour, so
its impact there is close to linear (co-impact; simulator/FLOW_MODEL.md). It is checked on its own, as a strict
expected failure: the day it passes, that test fails and the list shrinks.
"""

from __future__ import annotations

import pytest

from simulator.realism import bands as names
from simulator.realism.report import RealismReport, format_report, run_realism

KNOWN_OPEN: dict[str, set[str]] = {"calm": set(), "equity_session": {names.IMPACT_DELTA}}

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
    failing = {row.name for row in report.failures} - KNOWN_OPEN[scenario]
    assert not failing, format_report(report)
    assert report.summary_path.is_file() and len(report.plots) >= 8
    assert all(p.stat().st_size > 10_000 for p in report.plots)  # real PNGs, not empty files


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 8: equity_session's known-open bands (see the module's docstring)")
@pytest.mark.parametrize("name", sorted(KNOWN_OPEN["equity_session"]))
def test_the_known_open_bands_of_equity_session(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    report = report_for("equity_session", tmp_path_factory)
    assert all(row.passed is not False for row in report.rows if row.name == name), format_report(report)
