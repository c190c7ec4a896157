"""The live agent's host in simulated time: a journaled engine (JournaledDispatch over a real SQLite journal)
against the in-process venue, for the replay tests. Each test drives its own steps and replays the journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from order_core_world import SYMBOL, T0

from agent.backtest.sim_venue import SimVenue
from agent.config import AgentConfig
from agent.core.commands import Command
from agent.core.engine import Engine, IdSource, engine_from_config
from agent.journal.journal import Journal
from agent.journaled_dispatch import OMS_COMMANDS, JournaledDispatch
from agent.recovery import EventClock, ReplayOutlet
from simulator.clock import SimClock
from simulator.instruments import DEFAULT_UNIVERSE
from simulator.market import simulated_market
from simulator.venue_faults import VenueFaults


@dataclass
class JournaledWorld:
    engine: Engine
    dispatch: JournaledDispatch
    venue: SimVenue
    sim: SimClock
    journal: Journal
    sent: list[Command] = field(default_factory=list)  # everything the engine handed on, in order

    def advance(self, t: float) -> None:
        """Simulated time to `t`: the venue runs to it (what it says is left to the caller)."""
        self.sim.set(t)
        self.venue.advance(t)


def journaled_world(path: Path, cfg: AgentConfig, faults: VenueFaults | None = None) -> JournaledWorld:
    """A fresh journal at `path`, an engine built as every host builds it, and the venue on SYMBOL (seed 5)."""
    market = simulated_market(5, {SYMBOL: DEFAULT_UNIVERSE[SYMBOL]}, start_time=T0, warmup=30.0)
    sim = SimClock(T0)
    clock = EventClock(sim)
    venue = SimVenue(market, faults)
    journal = Journal.open(path)
    engine = engine_from_config(cfg, clock, ReplayOutlet(), IdSource(journal.prefix()))
    sent: list[Command] = []

    def deliver(command: Command) -> str | None:
        sent.append(command)
        if not isinstance(command, OMS_COMMANDS):
            venue.send(command)
        return None

    dispatch = JournaledDispatch(engine, journal, clock, deliver=deliver)
    engine.ctx.outlet = dispatch
    return JournaledWorld(engine, dispatch, venue, sim, journal, sent)
