"""Every command block of every runbook, run against a FIX simulator and a real agent process, in the situation
the runbook is for: a runbook whose commands stop working fails here.

A ```sh block runs in bash (errexit, pipefail) from a scratch install folder with FOOTPRINT_CONFIG naming the
agent's configuration, and must exit 0. A ```sh background block is a long-running process (the agent); it must
still be running a moment later. The situations are set between runbooks: parents working before the kill switch,
the venue gone during fix-session-down (and back before its last block), the agent SIGKILLed before
recover-after-crash.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from resting_orders import ADMIN_TOKEN, final, rest_parents, wait_gone, working_children

from agent.admin.token import TOKEN_ENV
from agent.demo import free_port
from agent.fix.oms_client import OmsClient
from simulator.fix_venue import VenueServer

pytestmark = pytest.mark.e2e

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
ORDER = ["start-of-day", "breaker-tripped", "strategy-fallback", "kill-switch", "fix-session-down",
         "recover-after-crash", "end-of-day", "qa-scenario-suite"]
BLOCK = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>sh[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Block:
    runbook: str
    index: int
    code: str
    background: bool


def blocks(name: str) -> list[Block]:
    text = (RUNBOOKS / f"{name}.md").read_text()
    found = []
    for k, m in enumerate(BLOCK.finditer(text)):
        words = m.group("info").split()
        assert words[0] == "sh" and set(words[1:]) <= {"background"}, f"{name}.md: unknown block {words}"
        found.append(Block(name, k, textwrap.dedent(m.group("body")), "background" in words[1:]))
    return found


def test_every_runbook_is_run_and_has_commands() -> None:
    files = {p.stem for p in RUNBOOKS.glob("*.md")} - {"README"}
    assert files == set(ORDER), "a runbook is missing from ORDER (or ORDER names one that is gone)"
    for name in ORDER:
        assert blocks(name), f"{name}.md has no command block"
    index = (RUNBOOKS / "README.md").read_text()
    assert all(f"({name}.md)" in index for name in ORDER), "runbooks/README.md does not list every runbook"


@dataclass
class Desk:
    """A scratch install folder, its configuration, and what runs there."""

    root: Path
    env: dict[str, str]
    venue_port: int
    oms_port: int
    venue: VenueServer | None = None
    background: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_venue(self) -> VenueServer:
        self.venue = VenueServer(self.root / "sim", port=self.venue_port, seed=5)
        self.venue.start()
        return self.venue

    def run(self, name: str, before: dict[int, Callable[[], None]] | None = None,
            env: dict[str, str] | None = None) -> list[str]:
        """Every block of one runbook, in order; the outputs."""
        outputs = []
        for block in blocks(name):
            if before and block.index in before:
                before[block.index]()
            outputs.append(self._background(block, env or self.env) if block.background
                           else self._run(block, env or self.env))
        return outputs

    def _run(self, block: Block, env: dict[str, str]) -> str:
        started = time.monotonic()
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block.code], cwd=self.root, env=env,
                              capture_output=True, text=True, timeout=240)
        out = done.stdout + done.stderr
        print(f"---- {block.runbook}.md block {block.index} ({time.monotonic() - started:.1f} s)\n"
              f"{block.code}{out}")
        assert done.returncode == 0, f"{block.runbook}.md block {block.index} failed ({done.returncode}):\n" \
                                     f"{block.code}\n{out}"
        return out

    def _background(self, block: Block, env: dict[str, str]) -> str:
        log = (self.root / f"{block.runbook}-{block.index}.log").open("wb")
        proc = subprocess.Popen(["bash", "-c", block.code], cwd=self.root, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.background.append(proc)
        # Reap it when it ends, as a shell or systemd would: a zombie still answers `kill -0` and `tail --pid`.
        threading.Thread(target=proc.wait, daemon=True).start()
        time.sleep(1.5)
        assert proc.poll() is None, f"{block.runbook}.md block {block.index} exited at once:\n" \
                                    f"{(self.root / f'{block.runbook}-{block.index}.log').read_text()}"
        print(f"---- {block.runbook}.md block {block.index}: started in the background (pid {proc.pid})")
        return ""

    def crash_agent(self) -> None:
        pid = int((self.root / "var" / "agent" / "agent.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        for proc in self.background:
            if proc.pid == pid:
                proc.wait(10)

    def stop(self) -> None:
        for proc in self.background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        if self.venue is not None:
            self.venue.stop()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    venue_port, oms_port = free_port(), free_port()
    token = tmp_path / "admin-token"
    token.write_text(ADMIN_TOKEN)
    token.chmod(0o600)
    (tmp_path / "agent.toml").write_text(textwrap.dedent(f"""\
        oms_port = {oms_port}
        venue_port = {venue_port}
        state_dir = "var/agent"
        decision_interval_s = 0.2
        [twap]
        slice_interval_s = 1
        final_window_s = 1.5
        [admin]
        port = 0
        token_file = "{token}"
        """))
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["FOOTPRINT_CONFIG"] = str(tmp_path / "agent.toml")
    d = Desk(tmp_path, env, venue_port, oms_port)
    d.start_venue()
    try:
        yield d
    finally:
        d.stop()


def test_every_runbook_block_runs_in_its_situation(desk: Desk) -> None:
    desk.run("start-of-day")  # starts the agent, waits until it is ready
    oms = OmsClient(desk.oms_port, desk.root / "oms")
    oms.start()
    try:
        assert oms.wait_logged_on(30), "the OMS could not log on to the agent the runbook started"
        assert desk.venue is not None
        working = rest_parents(desk.venue, oms, [("CRYPTOALPHA", "1", 20_000), ("ACME", "2", 30_000)],
                               duration_s=600)
        desk.run("breaker-tripped")
        desk.run("strategy-fallback")

        children = set(working_children(desk.venue))
        kill = desk.run("kill-switch")
        assert "2 parents finishing as Canceled, 2 children cancelled" in kill[0], kill[0]
        wait_gone(desk.venue, children, 5)
        for cl in working:
            assert final(oms, cl, 5).get(39) == "4"

        working = rest_parents(desk.venue, oms, [("CRYPTOALPHA", "2", 20_000)], duration_s=600)

        def venue_back() -> None:
            desk.start_venue()

        desk.venue.stop()
        down = desk.run("fix-session-down", before={1: venue_back})
        assert "NOT READY" in down[0], down[0]
        assert desk.venue is not None

        desk.crash_agent()
        crash = desk.run("recover-after-crash")
        assert "gone" in crash[0] and "0 diverged" in crash[2], crash

        assert oms.wait_logged_on(60), "the OMS did not log on again after the recovery"
        end = desk.run("end-of-day")
        assert "footprint agent stopped" in end[1] and "agent stopped" in end[2]
        for cl in working:
            done = final(oms, cl, 10)
            assert done.get(39) == "4", done.raw
    finally:
        oms.stop()
    # QA works with the packaged configuration, not this desk's fast test timings.
    desk.run("qa-scenario-suite", env={k: v for k, v in desk.env.items() if k != "FOOTPRINT_CONFIG"})
