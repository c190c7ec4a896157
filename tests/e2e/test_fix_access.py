"""Access to the OMS side over real FIX: the agent as its own process (`footprint agent`), the bundled QuickFIX OMS
client, the simulator as the venue. Passwords, the logon timeout, the cap on waiting connections, and descriptor
exhaustion (the agent started with RLIMIT_NOFILE 256 and flooded with 400 idle connections)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.demo import free_port
from agent.fix.access.oms_credentials import secrets_entry
from agent.fix.oms_client import OmsClient
from simulator.fix_venue import VenueServer

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
GOOD = "e2e-correct-horse-battery"
WRONG = "e2e-wrong-horse-battery"
SESSION = "FIX.4.4:OMS->FOOTPRINT"


class Agent:
    """`footprint agent --config ...` in its own process, optionally under a descriptor limit."""

    def __init__(self, root: Path, venue_port: int, access: dict[str, object], nofile: int | None = None) -> None:
        self.root = root
        self.state = root / "agent"
        self.oms_port = free_port()
        self.log_path = root / "agent.log"
        secrets = root / "secrets.toml"
        secrets.write_text(secrets_entry("OMS", "desk1", GOOD))
        secrets.chmod(0o600)
        table = "\n".join(f"{k} = {json.dumps(v)}" for k, v in {"secrets_file": str(secrets), **access}.items())
        config = root / "agent.toml"
        config.write_text(f'oms_port = {self.oms_port}\nvenue_port = {venue_port}\nstate_dir = "{self.state}"\n'
                          f"decision_interval_s = 0.1\n[admin]\nport = 0\n[oms_access]\n{table}\n")

        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "agent.cli", "agent", "--config", str(config)],
                                         cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=limit)
        self.wait_for_log("footprint agent ready", 60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert self.proc.poll() is None, f"the agent ended (rc {self.proc.returncode}):\n{self.log()[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} in the agent log within {timeout}s:\n{self.log()[-3000:]}"
            time.sleep(0.1)

    def threads(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(45)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[VenueServer]:
    server = VenueServer(tmp_path / "sim", port=free_port(), seed=5)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    started: list[Agent] = []
    yield started
    for agent in started:
        if agent.proc.poll() is None:
            agent.proc.kill()
            agent.proc.wait(10)


def oms(agent: Agent, password: str | None, username: str = "desk1") -> OmsClient:
    return OmsClient(agent.oms_port, agent.root / "oms", username=username, password=password)


def logs_on(client: OmsClient, timeout: float) -> bool:
    client.start()
    try:
        return client.wait_logged_on(timeout)
    finally:
        if not client.logged_on:
            client.stop()


def parent_accepted(client: OmsClient, qty: int = 2_000) -> str:
    """Send a TWAP parent; its ClOrdID once the agent has answered New."""
    cl = client.new_order("CRYPTOALPHA", "1", qty, tif="6", expire_time=time.time() + 5, target_strategy="1000")
    new = client.wait_for(lambda m: m.get(11) == cl and m.get(150) == "0", 15)
    assert new is not None, "the parent was not accepted"
    return cl


def quickfix_logons(agent: Agent) -> int:
    """Logons QuickFIX's acceptor has received, from its event log."""
    return sum(p.read_text().count("Received logon") for p in (agent.state / "oms-log").glob("*event*"))


def files_holding(root: Path, secret: str) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def idle_connection(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def seconds_until_closed(sock: socket.socket, limit: float) -> float:
    started = time.monotonic()
    sock.settimeout(limit)
    with contextlib.suppress(ConnectionResetError):
        assert sock.recv(1) == b""
    return time.monotonic() - started


def test_passwords_wrong_missing_and_right_and_none_written_anywhere(tmp_path: Path, venue: VenueServer,
                                                                      agents: list[Agent]) -> None:
    agent = Agent(tmp_path, venue.port, {"require_password": True, "logon_timeout_s": 5})
    agents.append(agent)
    assert not logs_on(oms(agent, WRONG), 4), "a wrong password logged on"
    agent.wait_for_log(f"session {SESSION}, user 'desk1': wrong password", 10)
    assert not logs_on(oms(agent, None), 4), "a logon without a password logged on"
    agent.wait_for_log(f"session {SESSION}, user 'desk1': no password", 10)
    assert not logs_on(oms(agent, GOOD, username="desk2"), 4), "an unknown user logged on"
    agent.wait_for_log(f"session {SESSION}, user 'desk2': unknown user", 10)
    # QuickFIX never saw a refused logon (its sequence numbers are untouched): the first it receives is the good one.
    assert quickfix_logons(agent) == 0
    good = oms(agent, GOOD)
    assert logs_on(good, 30), "the right password did not log on"
    assert quickfix_logons(agent) == 1
    try:
        cl = parent_accepted(good)
        done = good.wait_done([cl], 30)
        assert done is not None and done.get(39) == "2", done and done.raw
    finally:
        good.stop()
    assert agent.stop() == 0
    log = agent.log()
    assert "OMS logon refused: peer 127.0.0.1:" in log and "OMS logon let through: session " + SESSION in log
    for secret in (GOOD, WRONG):
        assert not files_holding(agent.state, secret), f"{secret} written under the agent's state dir"
        assert secret not in log
        assert not files_holding(agent.root / "oms", secret), f"{secret} written under the OMS client's state dir"
    inbound_logon = b"\x0135=A\x0134=1\x0149=OMS\x01"
    assert any(inbound_logon in p.read_bytes() and b"\x01553=desk1\x01" in p.read_bytes()
               for p in (agent.state / "oms-log").glob("*messages*")), "QuickFIX did not log the Logon it received"


def test_an_idle_connection_is_closed_at_the_timeout_and_the_cap_closes_the_rest(
        tmp_path: Path, venue: VenueServer, agents: list[Agent]) -> None:
    agent = Agent(tmp_path, venue.port, {"logon_timeout_s": 2, "max_pending_connections": 8})
    agents.append(agent)
    threads_before = agent.threads()
    waited = seconds_until_closed(idle_connection(agent.oms_port), 10)
    assert 1.9 <= waited < 4.0, f"an idle connection was closed after {waited:.2f}s, the timeout is 2s"

    idle = [idle_connection(agent.oms_port) for _ in range(8)]
    time.sleep(0.3)
    threads_during = agent.threads()
    over = idle_connection(agent.oms_port)
    assert seconds_until_closed(over, 5) < 1.0, "the 9th waiting connection was not closed at once"
    agent.wait_for_log("8 connections already waiting for a Logon (max_pending_connections)", 5)
    agent.wait_for_log("no Logon within 2 s", 5)
    # No thread per waiting connection (QuickFIX's acceptor used to spawn one for each).
    assert threads_during <= threads_before + 1, (threads_before, threads_during)
    for sock in idle:
        assert seconds_until_closed(sock, 5) < 3.0
    client = oms(agent, GOOD)
    assert logs_on(client, 30), "the OMS could not log on once the waiting connections were gone"
    client.stop()
    print(f"\nidle connection closed after {waited:.2f}s (timeout 2s); agent threads {threads_before} before, "
          f"{threads_during} with 8 connections waiting")


def test_400_idle_connections_under_256_descriptors_then_the_oms_logs_on_without_a_restart(
        tmp_path: Path, venue: VenueServer, agents: list[Agent]) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    agent = Agent(tmp_path, venue.port, {"require_password": True, "logon_timeout_s": 3,
                                                "max_pending_connections": 1000}, nofile=256)
    agents.append(agent)
    pid = agent.proc.pid
    descriptors_before = len(os.listdir(f"/proc/{pid}/fd"))
    started = time.monotonic()
    flood = [idle_connection(agent.oms_port) for _ in range(400)]
    connected_in = time.monotonic() - started
    peak = len(os.listdir(f"/proc/{pid}/fd"))
    open_now = set(range(len(flood)))
    with selectors.DefaultSelector() as sel:
        for i, sock in enumerate(flood):
            sel.register(sock, selectors.EVENT_READ, i)
        deadline = time.monotonic() + 60
        while open_now and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                try:
                    data = key.fileobj.recv(1)  # type: ignore[union-attr]
                except ConnectionResetError:
                    data = b""
                assert data == b"", "the gate sent something to an idle connection"
                sel.unregister(key.fileobj)
                open_now.discard(key.data)
    all_closed_in = time.monotonic() - started
    for sock in flood:
        sock.close()
    assert not open_now, f"{len(open_now)} of 400 idle connections still open after 60s"
    agent.wait_for_log("OMS gate: OUT OF FILE DESCRIPTORS (Too many open files; soft limit 256", 5)
    assert agent.log().count("OUT OF FILE DESCRIPTORS") <= 1 + all_closed_in / 5, "not rate-limited"

    client = oms(agent, GOOD)
    assert logs_on(client, 30), "the OMS could not log on after the flood"
    try:
        parent_accepted(client)
    finally:
        client.stop()
    agent.wait_for_log("OMS gate: file descriptors available again after", 5)
    log = agent.log()
    assert agent.proc.poll() is None and agent.proc.pid == pid
    assert agent.stop() == 0
    shed = [line for line in log.splitlines() if "closed at once meanwhile" in line]
    print(f"\n400 idle connections: connected in {connected_in:.2f}s, all closed {all_closed_in:.1f}s after the "
          f"first; agent descriptors {descriptors_before} before, {peak} at the peak (limit 256); "
          f"{log.count('OUT OF FILE DESCRIPTORS')} exhaustion lines; {shed[-1].split('OMS gate: ')[-1] if shed else ''}")


def test_quickfix_behind_the_gate_refuses_other_hosts(tmp_path: Path, venue: VenueServer,
                                                      agents: list[Agent]) -> None:
    other = _a_non_loopback_address()
    if other is None:
        pytest.skip("this host has no non-loopback IPv4 address to connect from")
    agent = Agent(tmp_path, venue.port, {})
    agents.append(agent)
    internal = int(agent.log().split("QuickFIX acceptor on loopback port ")[1].split(")")[0])
    idle_connection(internal).close()  # the gate's way in works
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((other, internal), timeout=5)


def _a_non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("203.0.113.1", 9))  # no packet is sent: this only picks the outgoing interface
        except OSError:
            return None
        address = str(s.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address
