"""OMS credentials: salted scrypt hashes, the secrets file, the `footprint oms-password` command."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.fix.access.oms_credentials import (
    CredentialsError,
    CredentialStore,
    check_password,
    hash_password,
    load_credentials,
    parse_hash,
    secrets_entry,
    secrets_path,
)

GOOD = "correct horse battery staple"
FAST = {"n": 2**10}  # tests that are not about the default cost use a cheap one


def test_a_hash_matches_its_password_only() -> None:
    h = hash_password(GOOD)
    assert (h.n, h.r, h.p, len(h.salt), len(h.digest)) == (2**14, 8, 1, 16, 32)
    assert h.matches(GOOD)
    assert not h.matches(GOOD + " ")
    assert not h.matches("")


def test_each_hash_has_its_own_salt_and_encodes_its_parameters() -> None:
    a, b = hash_password(GOOD, **FAST), hash_password(GOOD, **FAST)
    assert a.salt != b.salt and a.digest != b.digest
    encoded = a.encode()
    assert encoded.startswith("scrypt$1024$8$1$") and GOOD not in encoded
    assert parse_hash(encoded) == a and parse_hash(encoded).matches(GOOD)


@pytest.mark.parametrize(("encoded", "why"), [
    ("bcrypt$1$2$3$AAAA$AAAA", "not of the form"),
    ("scrypt$1000$8$1$" + "A" * 24 + "$" + "A" * 44, "power of two"),
    ("scrypt$2097152$8$1$" + "A" * 24 + "$" + "A" * 44, "power of two up to"),  # 2**21: minutes and gigabytes
    ("scrypt$1024$99$1$" + "A" * 24 + "$" + "A" * 44, "r must be"),
    ("scrypt$1024$8$x$" + "A" * 24 + "$" + "A" * 44, "whole numbers"),
    ("scrypt$1024$8$1$not base64!$" + "A" * 44, "not base64"),
    ("scrypt$1024$8$1$AAAA$AAAA", "too short"),
])
def test_a_bad_hash_is_refused_with_the_reason(encoded: str, why: str) -> None:
    with pytest.raises(CredentialsError, match=why):
        parse_hash(encoded)


def test_an_entry_round_trips_through_the_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(secrets_entry("OMS", "desk.one", GOOD) + "\n" + secrets_entry("OMS2", "desk2", GOOD + "2"))
    path.chmod(0o600)
    creds = load_credentials(path)
    assert sorted(creds) == ["OMS", "OMS2"] and creds["OMS"].username == "desk.one"
    assert GOOD not in path.read_text()
    assert check_password(creds["OMS"], "desk.one", GOOD) is None
    assert check_password(creds["OMS"], "desk.one", GOOD + "2") == "wrong password"
    assert check_password(creds["OMS"], "desk2", GOOD) == "unknown user"
    assert check_password(None, "desk.one", GOOD) == "unknown user"


@pytest.mark.parametrize(("args", "why"), [
    (("OMS", "desk1", "short"), "shorter than 12"),
    (("OMS", "desk1", "twelve chars\x01ok"), "control character"),
    (("OMS.X", "desk1", GOOD), "CompID"),
    (("", "desk1", GOOD), "CompID"),
    (("OMS", 'de"sk', GOOD), "username"),
    (("OMS", "", GOOD), "username"),
])
def test_an_entry_is_not_made_from_bad_input(args: tuple[str, str, str], why: str) -> None:
    with pytest.raises(CredentialsError, match=why):
        secrets_entry(*args)


@pytest.mark.parametrize(("text", "why"), [
    ("[OMS]\nusername = 'a'\n", "password_hash must be a string"),
    ("[OMS]\npassword_hash = 'scrypt$1$1$1$a$b'\n", "username must be"),
    ("[OMS]\nusername = 'a'\npassword = 'plain'\n", "unknown key password"),
    ("OMS = 'x'\n", "must be a table"),
    ("[OMS\n", "not valid TOML"),
    ("[OMS]\nusername = 'a'\npassword_hash = 'scrypt$3$8$1$AAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA=='\n",
     r"\[OMS\]: password_hash: scrypt N"),
])
def test_a_bad_secrets_file_names_the_entry_and_the_problem(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(CredentialsError, match=why) as err:
        load_credentials(path)
    assert str(path) in str(err.value)


def test_a_missing_secrets_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="not found"):
        load_credentials(tmp_path / "nope.toml")


def test_a_secrets_file_others_can_read_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.toml"
    path.write_text(secrets_entry("OMS", "desk1", GOOD))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        load_credentials(path)
    assert "can be read by others (mode 644)" in caplog.text


def test_the_environment_names_the_file_when_the_config_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_OMS_SECRETS", "/etc/x.toml")
    assert secrets_path(None) == Path("/etc/x.toml")
    assert secrets_path(Path("/a.toml")) == Path("/a.toml")
    monkeypatch.delenv("FOOTPRINT_OMS_SECRETS")
    assert secrets_path(None) is None


def test_the_store_reads_a_changed_file_and_keeps_the_old_entries_when_it_is_bad(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.toml"
    path.write_text(secrets_entry("OMS", "desk1", GOOD))
    path.chmod(0o600)
    store = CredentialStore(path)
    first = store.get("OMS")
    assert first is not None and first.username == "desk1"
    path.write_text(secrets_entry("OMS", "desk2", GOOD))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    rotated = store.get("OMS")
    assert rotated is not None and rotated.username == "desk2"
    path.write_text("[OMS\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    with caplog.at_level(logging.ERROR):
        kept = store.get("OMS")
    assert kept == rotated and "not valid TOML" in caplog.text and "previous entries stay" in caplog.text
    assert CredentialStore(None).get("OMS") is None


def test_the_cli_prints_an_entry_from_a_password_on_stdin(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "agent.cli", "oms-password", "--session", "OMS", "--username",
                             "desk1"], input=GOOD + "\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert GOOD not in result.stdout + result.stderr
    path = tmp_path / "s.toml"
    path.write_text(result.stdout)
    path.chmod(0o600)
    entry = load_credentials(path)["OMS"]
    assert entry.username == "desk1" and check_password(entry, "desk1", GOOD) is None


def test_the_cli_refuses_a_short_password_without_a_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "agent.cli", "oms-password", "--username", "desk1"],
                            input="short\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "shorter than 12" in result.stderr and "Traceback" not in result.stderr and not result.stdout


def test_the_agent_refuses_to_start_when_a_required_password_has_no_secrets(tmp_path: Path) -> None:
    config = tmp_path / "agent.toml"
    config.write_text("[oms_access]\nrequire_password = true\n")
    env = {k: v for k, v in os.environ.items() if k != "FOOTPRINT_OMS_SECRETS"}
    result = subprocess.run([sys.executable, "-m", "agent.cli", "agent", "--config", str(config), "--state-dir",
                             str(tmp_path / "state")], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 2
    assert "oms_access.require_password is set but no secrets file is" in result.stderr
    assert "Traceback" not in result.stderr
