"""SIGTERM to a `footprint agent` process: it cancels every child, and the OMS hears every parent's final state
before the process exits. The venue keeps orders on logout here, so only the agent's own cancels can take them off.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from resting_orders import ADMIN_TOKEN, CLI, final, footprint, rest_parents, working_children

from agent.admin.token import TOKEN_ENV
from agent.demo import free_port
from agent.fix.oms_client import OmsClient
from simulator.fix_venue import VenueServer

pytestmark = pytest.mark.e2e

def test_sigterm_cancels_every_child_and_reports_final_states(tmp_path: Path) -> None:
    venue_port, oms_port = free_port(), free_port()
    # Orders stay at the venue when the agent logs out: only the agent's own cancels can take them off.
    venue = VenueServer(tmp_path / "sim", port=venue_port, seed=11, cancel_on_disconnect=False)
    venue.start()
    token_file = tmp_path / "admin-token"
    token_file.write_text(ADMIN_TOKEN)
    token_file.chmod(0o600)
    config = tmp_path / "agent.toml"
    config.write_text(f'oms_port = {oms_port}\nvenue_port = {venue_port}\nstate_dir = "{tmp_path / "agent"}"\n'
                      f'decision_interval_s = 0.1\n[twap]\nslice_interval_s = 1\nfinal_window_s = 1.5\n'
                      f'[admin]\nport = 0\ntoken_file = "{token_file}"\n')
    env = {k: v for k, v in os.environ.items() if k != TOKEN_ENV}  # the token comes from the file this time
    log = tmp_path / "agent.log"
    with log.open("w") as out:
        agent = subprocess.Popen([*CLI, "agent", "--config", str(config)], stdout=out, stderr=subprocess.STDOUT,
                                 env=env)
    oms = OmsClient(oms_port, tmp_path / "oms")
    oms.start()
    try:
        assert oms.wait_logged_on(60), "OMS could not log on to the agent process"
        status = footprint("status", "--config", str(config), env=env)
        assert status.returncode == 0 and status.stdout.startswith("ready"), status.stdout + status.stderr
        resumed = footprint("resume", "--all", "--config", str(config), env=env)  # the token file, via the config
        assert resumed.returncode == 0 and "0 parents resume" in resumed.stdout, resumed.stdout + resumed.stderr
        ids = rest_parents(venue, oms, [("CRYPTOALPHA", "1", 40_000), ("CRYPTOALPHA", "2", 40_000),
                                        ("ACME", "1", 60_000)])
        children = set(working_children(venue))
        assert len(children) == 3
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0, log.read_text()[-3000:]
        assert not children & working_children(venue).keys(), "children left working after SIGTERM"
        for cl in ids:
            done = final(oms, cl, 5)
            assert done.get(39) == "4" and done.as_int(151) == 0 and "shutting down" in (done.get(58) or "")
        assert not (tmp_path / "agent" / "admin.json").exists()
    finally:
        oms.stop()
        if agent.poll() is None:
            agent.kill()
        venue.stop()
