"""Circuit breakers: market, venue, fill, strategy and decision-time conditions that pause, re-route or stop
trading, and clear themselves (or wait for an operator)."""

from risk.breakers.board import BreakerBoard, BreakerChange, Scope, Trip
from risk.breakers.config import Action, BreakersConfig

__all__ = ["Action", "BreakerBoard", "BreakerChange", "BreakersConfig", "Scope", "Trip"]
