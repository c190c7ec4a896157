"""A real simulator and a real agent on free loopback ports, talking FIX: the e2e test stack.

The agent runs in this process on its own thread and event loop (uvloop), with the same
AgentRuntime that `footprint agent` runs; the OMS side is the bundled QuickFIX OMS client.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

import uvloop

from agent.config import AgentConfig
from agent.fix.oms_client import OmsClient
from agent.runtime import AgentRuntime
from simulator.fix_venue import VenueServer


@dataclass
class AgentThread:
    runtime: AgentRuntime
    loop: asyncio.AbstractEventLoop
    stop: asyncio.Event
    thread: threading.Thread

    def shutdown(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=30)


def start_agent(cfg: AgentConfig) -> AgentThread:
    """The agent on a thread of its own; its admin endpoint on a free port (written to admin.json in its state
    folder), so that stacks never collide on the default one."""
    cfg = cfg.model_copy(update={"admin": cfg.admin.model_copy(update={"port": 0})})
    started = threading.Event()
    holder: dict[str, object] = {}

    def run() -> None:
        async def main() -> None:
            stop = asyncio.Event()
            runtime = AgentRuntime(cfg)
            holder.update(loop=asyncio.get_running_loop(), stop=stop, runtime=runtime)
            started.set()
            await runtime.run(stop)

        uvloop.run(main())

    thread = threading.Thread(target=run, name="agent", daemon=True)
    thread.start()
    assert started.wait(10)
    return AgentThread(holder["runtime"], holder["loop"], holder["stop"], thread)  # type: ignore[arg-type]


@dataclass
class Stack:
    venue: VenueServer
    agent: AgentThread
    oms_port: int
    venue_port: int
    state: Path

    def agent_orders_at_venue(self) -> list[object]:
        """The agent's child orders still working at the venue."""
        return [o for key in self.venue.logged_on() if key.endswith("FOOTPRINT") for o in self.venue.open_orders(key)]

    def mid(self, symbol: str) -> float:
        mid = self.venue.depth(symbol, 1).mid
        assert mid is not None, f"no two-sided book for {symbol}"
        return mid

    def client(self, sender: str = "OMS") -> OmsClient:
        return OmsClient(self.oms_port, self.state / "oms", sender=sender)


