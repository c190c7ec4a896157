"""The venue's QuickFIX settings from the checked-in template (rendering itself: tests/agent/test_config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import quickfix as fix

from simulator.fix_settings import DEFAULT_SETTINGS, data_dictionary_path, write_settings


def test_written_settings_load_in_quickfix_with_the_state_dir_paths(tmp_path: Path) -> None:
    path = write_settings(tmp_path / "state", overrides={"SocketAcceptPort": "6553"}, extra_targets=["TRADER2"])
    settings = fix.SessionSettings(str(path))
    defaults = settings.get()
    assert defaults.getString("FileStorePath") == str(tmp_path / "state" / "store")
    assert defaults.getString("FileLogPath") == str(tmp_path / "state" / "log")
    assert defaults.getString("DataDictionary") == str(data_dictionary_path())
    assert defaults.getString("SocketAcceptPort") == "6553"
    assert defaults.getString("SenderCompID") == "SIMVENUE"
    assert sorted(sid.toString() for sid in settings.getSessions()) == [
        "FIX.4.4:SIMVENUE->FOOTPRINT",
        "FIX.4.4:SIMVENUE->TRADER2",
    ]


def test_the_checked_in_template_is_a_24h_fix44_acceptor() -> None:
    text = DEFAULT_SETTINGS.read_text()
    for line in ("ConnectionType=acceptor", "BeginString=FIX.4.4", "SenderCompID=SIMVENUE", "TargetCompID=FOOTPRINT",
                 "SocketAcceptPort=9879", "StartTime=00:00:00", "EndTime=00:00:00", "ResetOnLogon=N",
                 "UseDataDictionary=Y"):  # fmt: skip
        assert line in text.splitlines()


def test_a_missing_dictionary_is_reported_with_where_it_was_looked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.prefix", "/nowhere")
    with pytest.raises(FileNotFoundError, match=r"/nowhere/share/quickfix/FIX44\.xml"):
        data_dictionary_path()


def test_only_the_agents_session_gets_aggressor_sides_unless_another_says_so(tmp_path: Path) -> None:
    from simulator.fix_settings import aggressor_targets

    path = write_settings(tmp_path / "state", extra_targets=["TRADER2"])
    assert aggressor_targets(path) == ["FOOTPRINT"]  # TRADER2 inherits [DEFAULT]'s N: plain FIX 4.4
    path.write_text(path.read_text() + "\n[SESSION]\nTargetCompID=QA\nAggressorSide=Y\n")
    assert aggressor_targets(path) == ["FOOTPRINT", "QA"]
    path.write_text(path.read_text().replace("AggressorSide=Y\n", "AggressorSide=yes\n", 1))
    with pytest.raises(ValueError, match=r"AggressorSide of session FIX\.4\.4:SIMVENUE->FOOTPRINT must be Y or N, got 'yes'"):
        aggressor_targets(path)
