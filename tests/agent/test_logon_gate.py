"""The logon gate over real loopback sockets, on asyncio's loop and on uvloop; a small server stands in for QuickFIX
(the e2e tests in tests/e2e/test_fix_access.py put the real QuickFIX acceptor behind it)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvloop

from agent.config import ConfigError, OmsAccessConfig, load_config
from agent.fix.access.logon_gate import GateSession, LogonGate, RateLimitedLog, open_credentials
from agent.fix.access.oms_credentials import CredentialsError, CredentialStore, secrets_entry

GOOD = "correct horse battery staple"
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
SESSIONS = [GateSession("FIX.4.4", "FOOTPRINT", "OMS", LOOPBACK), GateSession("FIX.4.4", "FOOTPRINT", "OPEN")]


def logon(sender: str = "OMS", *, username: str | None = "desk1", password: str | None = GOOD,
          msg_type: str = "A", target: str = "FOOTPRINT") -> bytes:
    fields = [(35, msg_type), (34, "1"), (49, sender), (52, "20240101-00:00:00.000"), (56, target), (98, "0"),
              (108, "30")]
    if username is not None:
        fields.append((553, username))
    if password is not None:
        fields.append((554, password))
    body = "".join(f"{t}={v}\x01" for t, v in fields).encode()
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    return head + body + b"10=%03d\x01" % (sum(head + body) % 256)


class Upstream:
    """Stands in for QuickFIX's acceptor: records every byte, answers the first chunk with HELLO, echoes the rest."""

    def __init__(self) -> None:
        self.received = b""
        self.connections = 0
        self.closed = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        first = True
        while data := await reader.read(65536):
            self.received += data
            writer.write(b"HELLO" if first else b"ECHO:" + data)
            first = False
            await writer.drain()
        writer.close()
        self.closed.set()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


Scenario = Callable[[LogonGate, Upstream], Awaitable[None]]


@pytest.fixture(params=["asyncio", "uvloop"])
def gate_run(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., None]]:
    """Run a scenario against a started gate (on the loop under test) with one secrets entry, for OMS."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(secrets_entry("OMS", "desk1", GOOD))
    secrets.chmod(0o600)

    def run(scenario: Scenario, sessions: list[GateSession] = SESSIONS, **access: Any) -> None:
        cfg = OmsAccessConfig(**{"logon_timeout_s": 5.0, **access})

        async def main() -> None:
            upstream = Upstream()
            gate = LogonGate(cfg, 0, await upstream.start(), sessions, CredentialStore(secrets))
            await gate.start()
            try:
                await scenario(gate, upstream)
            finally:
                await gate.stop()
                await upstream.stop()

        if request.param == "uvloop":
            uvloop.run(main())
        else:
            asyncio.run(main())

    yield run


async def connect(gate: LogonGate) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", gate.port)


async def seconds_until_closed(reader: asyncio.StreamReader, limit: float = 10.0) -> float:
    """How long until the gate closes the connection (everything it sent before must be nothing)."""
    started = time.monotonic()
    data = await asyncio.wait_for(reader.read(), limit)
    assert data == b"", f"the gate sent {data!r} before closing"
    return time.monotonic() - started


def test_a_good_logon_reaches_quickfix_without_its_password_and_is_piped_both_ways(gate_run: Any) -> None:
    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        reader, writer = await connect(gate)
        writer.write(logon() + b"8=FIX.4.4\x01NEXT")  # the next message in the same write as the Logon
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"HELLO"
        assert upstream.received == logon(password=None) + b"8=FIX.4.4\x01NEXT"
        writer.write(b"MORE")
        assert await asyncio.wait_for(reader.readexactly(9), 5) == b"ECHO:MORE"
        assert (gate.pending, gate.piped) == (0, 1)
        writer.close()
        await asyncio.wait_for(upstream.closed.wait(), 5)
        assert GOOD.encode() not in upstream.received
        await asyncio.sleep(0.05)
        assert gate.piped == 0

    gate_run(scenario)


@pytest.mark.parametrize(("message", "reason"), [
    (logon(password="wrong horse battery staple"), "session FIX.4.4:OMS->FOOTPRINT, user 'desk1': wrong password"),
    (logon(password=None), "user 'desk1': no password"),
    (logon(username="desk2"), "user 'desk2': unknown user"),
    (logon(username=None), "user none: unknown user"),
    (logon("INTRUDER"), "unknown session 'FIX.4.4':'INTRUDER'->'FOOTPRINT'"),
    (logon(target="SOMEONE"), "unknown session 'FIX.4.4':'OMS'->'SOMEONE'"),
    (logon(msg_type="D"), "not a Logon: the first message has MsgType 'D'"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "not FIX: does not start with BeginString(8)"),
    (logon()[:-4] + b"000\x01", "not FIX: CheckSum(10) is 000"),
])
def test_a_bad_logon_is_closed_logged_with_the_reason_and_never_reaches_quickfix(
        gate_run: Any, caplog: pytest.LogCaptureFixture, message: bytes, reason: str) -> None:
    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        reader, writer = await connect(gate)
        writer.write(message)
        assert await seconds_until_closed(reader) < 2.0  # at once, not at the 5 s logon timeout
        assert upstream.connections == 0
        assert gate.pending == 0

    with caplog.at_level(logging.INFO, logger="footprint.oms_access"):
        gate_run(scenario)
    assert "OMS logon refused: peer 127.0.0.1:" in caplog.text and reason in caplog.text, caplog.text
    assert GOOD not in caplog.text and "wrong horse" not in caplog.text


def test_a_session_without_an_entry_logs_on_without_a_password_unless_one_is_required(
        gate_run: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def open_session(gate: LogonGate, upstream: Upstream) -> None:
        reader, writer = await connect(gate)
        writer.write(logon("OPEN", username=None, password="ignored but never forwarded"))
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"HELLO"
        assert b"ignored" not in upstream.received and b"49=OPEN" in upstream.received
        writer.close()

    async def refused(gate: LogonGate, upstream: Upstream) -> None:
        reader, writer = await connect(gate)
        writer.write(logon("OPEN", username=None, password=None))
        await seconds_until_closed(reader)
        assert upstream.connections == 0

    gate_run(open_session)
    with caplog.at_level(logging.WARNING, logger="footprint.oms_access"):
        gate_run(refused, require_password=True)
    assert "FIX.4.4:OPEN->FOOTPRINT: a password is required and the secrets file has no entry" in caplog.text


def test_a_connection_that_sends_no_logon_is_closed_at_the_timeout(
        gate_run: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        reader, writer = await connect(gate)
        writer.write(logon()[:30])  # a Logon that never finishes is as idle as silence
        waited = await seconds_until_closed(reader)
        assert 0.8 <= waited < 2.0, waited
        assert upstream.connections == 0 and gate.pending == 0

    with caplog.at_level(logging.WARNING, logger="footprint.oms_access"):
        gate_run(scenario, logon_timeout_s=1.0)
    assert "no Logon within 1 s" in caplog.text


def test_over_the_cap_a_connection_is_closed_at_once_and_the_cap_frees_up(
        gate_run: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        idle = [await connect(gate) for _ in range(3)]
        await asyncio.sleep(0.2)
        assert gate.pending == 3
        reader, _ = await connect(gate)
        assert await seconds_until_closed(reader) < 1.0
        for _, writer in idle:
            writer.close()
        await asyncio.sleep(0.2)
        assert gate.pending == 0
        reader, writer = await connect(gate)
        writer.write(logon())
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"HELLO"
        writer.close()

    with caplog.at_level(logging.WARNING, logger="footprint.oms_access"):
        gate_run(scenario, max_pending_connections=3)
    assert "3 connections already waiting for a Logon (max_pending_connections): connection from 127.0.0.1:" \
        in caplog.text


def test_an_address_no_session_allows_is_closed_at_once(gate_run: Any, caplog: pytest.LogCaptureFixture) -> None:
    elsewhere = [GateSession("FIX.4.4", "FOOTPRINT", "OMS", (ipaddress.ip_network("10.0.0.0/8"),))]

    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        reader, _ = await connect(gate)
        assert await seconds_until_closed(reader) < 1.0
        assert upstream.connections == 0

    with caplog.at_level(logging.WARNING, logger="footprint.oms_access"):
        gate_run(scenario, sessions=elsewhere)
    assert "no OMS session allows that address (AllowedRemoteAddresses)" in caplog.text


def test_a_good_logon_when_quickfix_cannot_be_reached_is_closed_and_logged_at_error(
        gate_run: Any, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        await upstream.stop()
        assert upstream.server is not None
        await upstream.server.wait_closed()
        reader, writer = await connect(gate)
        writer.write(logon())
        assert await seconds_until_closed(reader) < 2.0
        assert gate.pending == 0 and gate.piped == 0

    with caplog.at_level(logging.ERROR, logger="footprint.oms_access"):
        gate_run(scenario)
    assert "logon of session FIX.4.4:OMS->FOOTPRINT from 127.0.0.1:" in caplog.text
    assert "QuickFIX's acceptor on port" in caplog.text and "cannot be reached" in caplog.text


def test_stopping_the_gate_closes_logged_on_connections(gate_run: Any) -> None:
    async def scenario(gate: LogonGate, upstream: Upstream) -> None:
        reader, writer = await connect(gate)
        writer.write(logon())
        assert await asyncio.wait_for(reader.readexactly(5), 5) == b"HELLO"
        await gate.stop()
        assert await seconds_until_closed(reader) < 1.0
        await asyncio.wait_for(upstream.closed.wait(), 5)

    gate_run(scenario)


def test_a_required_password_needs_an_entry_for_every_session(tmp_path: Path) -> None:
    secrets = tmp_path / "s.toml"
    secrets.write_text(secrets_entry("OMS", "desk1", GOOD))
    secrets.chmod(0o600)
    with pytest.raises(CredentialsError, match="has no entry for OPEN"):
        open_credentials(OmsAccessConfig(require_password=True, secrets_file=secrets), SESSIONS)
    with pytest.raises(CredentialsError, match="no secrets file is"):
        open_credentials(OmsAccessConfig(require_password=True), SESSIONS)
    assert open_credentials(OmsAccessConfig(secrets_file=secrets), SESSIONS).comp_ids() == {"OMS"}


def test_the_rate_limited_log_lets_a_burst_through_then_counts(caplog: pytest.LogCaptureFixture) -> None:
    limited = RateLimitedLog(interval_s=0.3, burst=2)
    with caplog.at_level(logging.WARNING, logger="footprint.oms_access"):
        for i in range(5):
            limited.log("k", logging.WARNING, "line %d", i)
        limited.log("other", logging.WARNING, "other kind")
        time.sleep(0.35)
        limited.log("k", logging.WARNING, "line %d", 5)
    assert [r.getMessage() for r in caplog.records] == [
        "line 0", "line 1", "other kind", "line 5 (3 more like this not logged)"]


@pytest.mark.parametrize(("access", "field"), [
    ({"bind_address": "0.0.0.0"}, "bind_address 0.0.0.0 is reachable from other hosts: set require_password"),
    ({"bind_address": "localhost"}, "oms_access.bind_address: Value error, 'localhost' is not an IP address"),
    ({"logon_timeout_s": 0}, "oms_access.logon_timeout_s"),
    ({"max_pending_connections": 0}, "oms_access.max_pending_connections"),
    ({"max_logon_bytes": 100}, "oms_access.max_logon_bytes"),
    ({"bind_adress": "127.0.0.1"}, "oms_access.bind_adress: Extra inputs are not permitted"),
])
def test_a_bad_access_setting_is_refused_naming_the_field(access: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(field)):
        load_config(oms_access=access)


def test_a_non_loopback_gate_with_passwords_is_accepted() -> None:
    assert load_config(oms_access={"bind_address": "::", "require_password": True}).oms_access.bind_address == "::"
