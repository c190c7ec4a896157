"""Strategy names the agent can run, and how to build each from configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from strategies.strategy import Strategy
from strategies.twap import Twap

if TYPE_CHECKING:
    from agent.config import AgentConfig


STRATEGIES: dict[str, Callable[[AgentConfig], Strategy]] = {
    "TWAP": lambda cfg: Twap(cfg.twap),
}


def build_strategies(cfg: AgentConfig) -> dict[str, Strategy]:
    return {name: make(cfg) for name, make in STRATEGIES.items()}
