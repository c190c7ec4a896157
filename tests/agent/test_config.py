"""Configuration files: defaults load, bad values are refused with the field named."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import fix_config
from agent.config import ConfigError, load_config
from agent.fix.dictionary import build_oms_dictionary
from simulator.instruments import DEFAULT_UNIVERSE


def test_packaged_defaults_load() -> None:
    cfg = load_config()
    assert (cfg.oms_port, cfg.venue_port, cfg.default_strategy) == (9878, 9879, "TWAP")
    assert cfg.target_strategies == {"1": "VWAP", "2": "POV", "1000": "TWAP", "1001": "IS"}
    assert cfg.implementation_shortfall.urgency == 1.0
    assert cfg.pov.participation == 0.1 and cfg.strategy_tags.tags() == {"urgency": 7001, "participation": 7002}
    assert (cfg.impact.model, cfg.impact.device, cfg.impact.pretrade_on_new) == (None, "cpu", True)
    acme = {i.symbol: i for i in cfg.instruments}["ACME"]
    assert (acme.session_open_utc, acme.session_hours, len(acme.volume_profile)) == ("14:30", 6.5, 13)


def test_agent_instruments_match_the_simulator_universe() -> None:
    for symbol, inst in load_config().instrument_map().items():
        spec = DEFAULT_UNIVERSE[symbol]
        assert (inst.tick_size, inst.lot_size) == (spec.tick_size, spec.lot_size)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("oms_port = 70000", "oms_port"),
        ("decision_interval_s = 0", "decision_interval_s"),
        ('default_strategy = "MAGIC"', "unknown strategy MAGIC"),
        ('[target_strategies]\n"abc" = "TWAP"', "TargetStrategy code 'abc'"),
        ("[twap]\nslice_interval_s = -1", "twap.slice_interval_s"),
        ('[[instruments]]\nsymbol = "X"\ntick_size = 0\nlot_size = 1', "instruments.0.tick_size"),
        ("surprise = 1", "surprise"),
        ('[[instruments]]\nsymbol = "X"\ntick_size = 1\nlot_size = 1\nsession_open_utc = "25:00"',
         "instruments.0.session_open_utc"),
        ('[[instruments]]\nsymbol = "X"\ntick_size = 1\nlot_size = 1\nsession_hours = 30', "instruments.0.session_hours"),
        ('[[instruments]]\nsymbol = "X"\ntick_size = 1\nlot_size = 1\nvolume_profile = [0, 0]',
         "X: volume_profile needs at least one weight > 0"),
        ('[[instruments]]\nsymbol = "X"\ntick_size = 1\nlot_size = 1\nvolume_profile = [1, -1]',
         "instruments.0.volume_profile.1"),
        ("[implementation_shortfall]\nurgency = -1", "implementation_shortfall.urgency"),
        ("[strategy_tags]\nurgency = 847", "strategy_tags.urgency"),
        ("[strategy_tags]\nurgency = 7005\nparticipation = 7005", "cannot share tag 7005"),
        ("[venue_news]\nimplied_vol_tag = 20101", "sentiment_tag and implied_vol_tag cannot share tag 20101"),
        ("[venue_news]\nimplied_vol_tag = 42", "venue_news.implied_vol_tag"),
        ("[venue_news]\nscheduled_time_tag = 20103", "implied_vol_tag and scheduled_time_tag cannot share tag 20103"),
        ("[pov]\nparticipation = 0", "pov.participation"),
        ('[impact]\ndevice = "tpu"', "impact.device"),
        ("[[instruments]]\nsymbol = \"X\"\ntick_size = 1\nlot_size = 1\ndaily_vol = 0", "instruments.0.daily_vol"),
        ("oms_port = ", "not valid TOML"),
    ],
)
def test_bad_values_name_the_field(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_render_overrides_keys_and_adds_missing_ones() -> None:
    text = "[DEFAULT]\nSocketAcceptPort=9878\n# SocketAcceptPort=1 in a comment\n\n[SESSION]\nTargetCompID=OMS\n"
    out = fix_config.render(text, {"SocketAcceptPort": "1234", "FileStorePath": "/x"},
                            extra_sessions=[{"BeginString": "FIX.4.4", "TargetCompID": "OMS2"}])
    assert "SocketAcceptPort=1234" in out and "SocketAcceptPort=9878" not in out
    assert "# SocketAcceptPort=1 in a comment" in out
    assert out.index("FileStorePath=/x") < out.index("[SESSION]")
    assert out.rstrip().endswith("[SESSION]\nBeginString=FIX.4.4\nTargetCompID=OMS2")


def test_oms_dictionary_relaxes_only_what_the_engine_checks(tmp_path: Path) -> None:
    root = ET.parse(build_oms_dictionary(tmp_path / "d.xml")).getroot()
    nos = next(m for m in root.iter("message") if m.get("msgtype") == "D")
    required = {e.get("name") for e in nos.iter() if e.get("required") == "Y"}
    assert required == {"ClOrdID"}
    fields = {f.get("name"): f for f in root.iter("field") if f.get("number")}
    assert list(fields["TargetStrategy"]) == [] and list(fields["Side"]) == []
    assert len(list(fields["ExecType"])) > 5  # other enumerations untouched
    er = next(m for m in root.iter("message") if m.get("msgtype") == "8")
    assert any(e.get("required") == "Y" for e in er.iter())


def test_a_config_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('oms_port = 19000\n[orders]\nack_timeout_s = 0.5\n[twap]\nslice_interval_s = 2\n')
    cfg = load_config(path)
    defaults = load_config()
    assert cfg.oms_port == 19000 and cfg.orders.ack_timeout_s == 0.5 and cfg.twap.slice_interval_s == 2
    # Everything it does not name keeps the packaged default, tables key by key.
    assert cfg.instruments == defaults.instruments and cfg.target_strategies == defaults.target_strategies
    assert cfg.orders.retention_s == defaults.orders.retention_s
    assert cfg.twap.final_window_s == defaults.twap.final_window_s
    assert cfg.decision_interval_s == defaults.decision_interval_s


def test_a_config_file_that_lists_instruments_replaces_the_list(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[instruments]]\nsymbol = "ACME"\ntick_size = 0.01\nlot_size = 100\n')
    assert [i.symbol for i in load_config(path).instruments] == ["ACME"]


def test_an_instruments_trading_session_is_its_profile_in_equal_buckets() -> None:
    acme = {i.symbol: i for i in load_config().instruments}["ACME"]
    session = acme.trading_session()
    assert session.open_s == 14.5 * 3600
    assert session.profile.session_s == 6.5 * 3600
    assert session.profile.bucket_starts_s[:3] == (0.0, 1800.0, 3600.0)
    assert session.profile.rates == acme.volume_profile
    crypto = {i.symbol: i for i in load_config().instruments}["CRYPTOALPHA"]
    assert (crypto.trading_session().open_s, crypto.trading_session().profile.rates) == (0.0, (1.0,))


def test_acmes_configured_volume_profile_is_the_simulators_by_half_hour() -> None:
    from simulator.kernel.activity_profile import session_activity_profile

    acme = {i.symbol: i for i in load_config().instruments}["ACME"]
    spec = DEFAULT_UNIVERSE["ACME"]
    _, mult = session_activity_profile(spec, segment_s=300)
    per_half_hour = [sum(mult[k:k + 6]) / 6 for k in range(0, len(mult), 6)]
    assert acme.session_hours * 3600 == spec.session_seconds
    assert acme.volume_profile == pytest.approx(per_half_hour, abs=0.006)  # typed to two decimals
