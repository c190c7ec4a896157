"""`footprint sim realism` on the calm and the equity scenario: every stylized fact inside its band.

These run the real simulator for the report's default days and impact seeds (no fakes), so a change to the
flow model that breaks a stylized fact fails here.

One band is known to be out on both scenarios, issue 8 being open: the paired-run impact exponent δ (0.75 on calm,
0.83 on equity_session, against [0.4, 0.7]). Below Q/V of about 0.5% our metaorder is smaller than the imbalance the
background leaves in the latent liquidity's memory, so its impact there is close to linear. It is checked on its own,
as a strict expected failure: the day it passes, that test fails and this list must shrink.
"""

from __future__ import annotations

import pytest

from simulator.realism import bands as names
from simulator.realism.report import RealismReport, format_report, run_realism

KNOWN_OPEN = {names.IMPACT_DELTA}

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
    failing = {row.name for row in report.failures} - KNOWN_OPEN
    assert not failing, format_report(report)
    assert report.summary_path.is_file() and len(report.plots) >= 8
    assert all(p.stat().st_size > 10_000 for p in report.plots)  # real PNGs, not empty files


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 8: small metaorders' paired-run impact is close to linear")
@pytest.mark.parametrize("scenario", ["calm", "equity_session"])
def test_the_paired_impact_exponent_is_in_its_band(scenario: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    report = report_for(scenario, tmp_path_factory)
    assert all(row.passed is not False for row in report.rows if row.name in KNOWN_OPEN), format_report(report)
