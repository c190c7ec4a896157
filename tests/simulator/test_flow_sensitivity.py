"""The flow-sensitivity study: overrides are FlowConfig fields with numbers, and one run prints δ and the bands."""

from __future__ import annotations

import pytest

from simulator.studies.flow_sensitivity import main, parse_overrides


def test_overrides_are_flow_config_fields_with_numbers() -> None:
    assert parse_overrides(["metaorder_max_adv=0.001", "metaorder_child_trades=10"]) == {
        "metaorder_max_adv": 0.001, "metaorder_child_trades": 10.0}
    with pytest.raises(ValueError, match="'nope=1': expected NAME=VALUE with NAME a FlowConfig field"):
        parse_overrides(["nope=1"])
    with pytest.raises(ValueError, match="'high' is not a number"):
        parse_overrides(["vol_eta=high"])
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        parse_overrides(["vol_eta"])


@pytest.mark.slow
def test_one_run_prints_delta_and_every_banded_metric(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "calm", "--days", "1", "--impact-seeds", "1", "--set", "institution_share=0"]) == 0
    defaults, changed = capsys.readouterr().out.splitlines()
    assert defaults.startswith("calm [defaults]: δ ") and "trade sign C(1)" in defaults
    assert changed.startswith("calm [institution_share=0]: δ ") and "peak/σ√(Q/V)" in changed


def test_a_bad_override_exits_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--set", "latent_depth_adv=lots"])
    assert exit_info.value.code == 2
    assert "'lots' is not a number" in capsys.readouterr().err
