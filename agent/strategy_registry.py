"""Strategy names the agent can run, and how to build each from configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from strategies.pov import Pov
from strategies.shapes import FrontLoaded, VolumeWeighted
from strategies.strategy import Strategy
from strategies.twap import Sliced, Twap

if TYPE_CHECKING:
    from agent.config import AgentConfig


def _vwap(cfg: AgentConfig) -> Strategy:
    sessions = {i.symbol: i.trading_session() for i in cfg.instruments}
    return Sliced(cfg.twap, VolumeWeighted(sessions), "VWAP")


STRATEGIES: dict[str, Callable[[AgentConfig], Strategy]] = {
    "TWAP": lambda cfg: Twap(cfg.twap),
    "VWAP": _vwap,
    "IS": lambda cfg: Sliced(cfg.twap, FrontLoaded(cfg.implementation_shortfall.urgency), "IS"),
    "POV": lambda cfg: Pov(cfg.twap, cfg.pov),
}


def build_strategies(cfg: AgentConfig) -> dict[str, Strategy]:
    return {name: make(cfg) for name, make in STRATEGIES.items()}
