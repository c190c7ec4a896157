"""`footprint demo`: the simulator, the agent and an OMS, one TWAP parent end to end over FIX.

The agent runs as its own process (`footprint agent`), exactly as an operator starts it; the
venue runs in this process so the demo can read the venue's own mid at the moment the parent is
sent: the arrival benchmark the implementation shortfall is measured against.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent.fix.oms_client import OmsClient, Received


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agent_command(oms_port: int, venue_port: int, state_dir: Path) -> list[str]:
    return [sys.executable, "-m", "agent.cli", "agent", "--oms-port", str(oms_port), "--venue-port",
            str(venue_port), "--state-dir", str(state_dir), "--admin-port", "0"]


def run_demo(qty: int = 50_000, duration_s: float = 60.0, symbol: str = "CRYPTOALPHA", seed: int = 42) -> int:
    from simulator.fix_venue import VenueServer
    from simulator.instruments import DEFAULT_UNIVERSE

    if symbol not in DEFAULT_UNIVERSE:
        print(f"footprint demo: unknown symbol {symbol!r}; known: {', '.join(sorted(DEFAULT_UNIVERSE))}",
              file=sys.stderr)
        return 2
    lot = DEFAULT_UNIVERSE[symbol].lot_size
    if qty <= 0 or qty % lot or not duration_s > 0:
        print(f"footprint demo: --qty must be a positive multiple of {lot} and --duration > 0", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="footprint-demo-"))
    venue_port, oms_port = free_port(), free_port()
    print(f"footprint demo: state and logs in {work}")
    print(f"  simulator  SIMVENUE on 127.0.0.1:{venue_port} (seed {seed})")
    venue = VenueServer(work / "sim", port=venue_port, seed=seed)
    venue.start()
    agent_log = (work / "agent.log").open("w")
    agent = subprocess.Popen(agent_command(oms_port, venue_port, work / "agent"), stdout=agent_log,
                             stderr=subprocess.STDOUT)
    print(f"  agent      FOOTPRINT on 127.0.0.1:{oms_port} (pid {agent.pid}, log {work / 'agent.log'})")

    fills: list[tuple[int, float]] = []

    def on_message(m: Received) -> None:
        if m.msg_type == "8" and m.get(150) == "F":
            fills.append((m.as_int(32), m.as_float(31)))
            cum, leaves = m.as_int(14), m.as_int(151)
            print(f"    fill {len(fills):3d}: {m.as_int(32):>7,} @ {m.get(31)}   cum {cum:>7,}  leaves {leaves:>7,}"
                  f"  AvgPx {m.get(6)}", flush=True)
        elif m.msg_type == "8":
            text = f": {m.get(58)}" if m.get(58) else ""
            print(f"    {_exec_name(m)}{text}", flush=True)

    client = OmsClient(oms_port, work / "oms", on_message=on_message)
    ok = False
    try:
        client.start()
        if not client.wait_logged_on(60):
            print("footprint demo: the OMS could not log on to the agent; see the agent log", file=sys.stderr)
            return 1
        arrival_mid = venue.depth(symbol, 1).mid
        if arrival_mid is None:
            print(f"footprint demo: the venue has no two-sided book for {symbol}", file=sys.stderr)
            return 1
        # A mid sits on the half tick: one decimal more than the tick's.
        arrival = round(arrival_mid, DEFAULT_UNIVERSE[symbol].price_decimals + 1)
        expire = time.time() + duration_s
        print(f"  OMS        buy {qty:,} {symbol} TWAP over {duration_s:.0f}s, arrival mid {arrival}")
        cl_ord_id = client.new_order(symbol, "1", qty, ord_type="1", tif="6", expire_time=expire,
                                     target_strategy="1000")
        done = client.wait_done([cl_ord_id], duration_s + 30)
        finished_at = time.time()
        if done is None:
            print("footprint demo: the parent did not finish in time", file=sys.stderr)
            return 1
        filled = sum(q for q, _ in fills)
        avg = sum(q * p for q, p in fills) / filled if filled else 0.0
        shortfall = (avg - arrival) / arrival * 1e4 if filled else float("nan")
        print()
        print(f"  parent     {_exec_name(done)}: filled {filled:,} of {qty:,} in {len(fills)} fills, "
              f"{expire - finished_at:.1f}s before ExpireTime")
        print(f"  AvgPx      {avg:.6f} (agent reports {done.get(6)})")
        print(f"  IS         {shortfall:+.2f} bps against the arrival mid {arrival}")
        ok = done.get(39) == "2" and filled == qty and finished_at <= expire
    finally:
        client.stop()
        agent.send_signal(signal.SIGTERM)
        try:
            code = agent.wait(timeout=30)
        except subprocess.TimeoutExpired:
            agent.kill()
            code = -9
        venue.stop()
        agent_log.close()
        print(f"  shutdown   agent exit code {code}; simulator stopped; {time.monotonic() - t0:.1f}s wall")
        ok = ok and code == 0
    return 0 if ok else 1


def _exec_name(m: Received) -> str:
    from agent.fix.oms_client import EXEC_TYPES, ORD_STATUSES

    return f"{EXEC_TYPES.get(m.get(150) or '', m.get(150))}/{ORD_STATUSES.get(m.get(39) or '', m.get(39))}"
