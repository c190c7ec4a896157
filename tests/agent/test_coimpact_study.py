"""The co-impact study: its scenario variants, the aggressor-signed flow it reads, and the effect it measures."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.impact.coimpact_study import impact_in_scale, main, signed_shares, variant_file
from agent.impact.impact_runs import ImpactRun
from simulator.scenario import load_scenario


def test_a_variant_drops_the_named_timeline_keys_and_stays_a_scenario(tmp_path: Path) -> None:
    assert variant_file("trend_against", (), tmp_path) == "trend_against"
    path = variant_file("trend_against", ("onchain",), tmp_path)
    steps = yaml.safe_load(Path(path).read_text())["timeline"]
    assert steps and all("onchain" not in step for step in steps)
    assert load_scenario(path).name == "trend_against_without_onchain"
    # A step left with nothing but its time goes.
    assert all(set(step) - {"at"} for step in yaml.safe_load(Path(variant_file(
        "trend_against", ("trend_bps_per_hour",), tmp_path)).read_text())["timeline"])


def test_the_transfers_selling_shows_in_the_aggressor_sides_not_in_the_views_classification() -> None:
    aggressor, view = signed_shares("trend_against", 101, 4_200.0)
    assert aggressor < -0.2  # 120,000 units sold from 40 minutes in, against about 83,000 traded an hour
    assert abs(view) < 0.1
    calm, _ = signed_shares("calm", 101, 4_200.0)
    assert abs(calm) < 0.1


def test_on_top_of_the_transfers_selling_a_sellers_impact_is_smaller(tmp_path: Path) -> None:
    def z(scenario: str) -> float:
        return impact_in_scale(ImpactRun(0, scenario, 101, "sell", 0.01, 1_800.0, 4_200.0, "TWAP", "balanced", 0.0))

    assert z("trend_against") < 0.6 * z(variant_file("trend_against", ("onchain",), tmp_path))


@pytest.mark.parametrize(("argv", "says"), [(["--start", "30m"], "at least an hour in"),
                                            (["--seeds", "0"], "--seeds and --workers must be >= 1"),
                                            (["--scenario", "nope"], "no such built-in scenario")])
def test_bad_arguments_are_named(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and says in capsys.readouterr().err
