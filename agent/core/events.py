"""Everything the engine is told, as typed events: the one way into the engine (`Engine.dispatch`).

OMS requests and venue reports are copied out of FIX by the gateways; session changes, quotes and ticks come
from the host. The journal writes each event as it arrives, and recovery replays them through the same
dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.core.commands import VenueCommand
from agent.core.oms_requests import (
    CancelRequest,
    MassCancelRequest,
    NewOrderRequest,
    OmsRequest,
    ReplaceRequest,
    StatusRequest,
)
from agent.core.operator_requests import LimitsChange, OperatorCommand
from agent.core.venue_reports import VenueCancelReject, VenueExecReport, VenueSessionState
from strategies.types import News, Quote

__all__ = [
    "CancelRequest",
    "DecisionOverrun",
    "Event",
    "LimitsChange",
    "MassCancelRequest",
    "NewOrderRequest",
    "News",
    "OmsRequest",
    "OmsSessionState",
    "OperatorCommand",
    "Quote",
    "ReplaceRequest",
    "SendFailed",
    "ShutdownRequested",
    "StatusRequest",
    "Tick",
    "VenueCancelReject",
    "VenueExecReport",
    "VenueSessionState",
]


@dataclass(frozen=True)
class OmsSessionState:
    """An OMS session logged on or off."""

    session: str
    logged_on: bool


@dataclass(frozen=True)
class DecisionOverrun:
    """A strategy that took longer than its budget to decide on one parent, as measured live."""

    parent_id: str
    elapsed_s: float


@dataclass(frozen=True)
class Tick:
    """Time passed: one decision round and the in-flight follow-ups. The time is the clock's.

    `overruns` is None when the host wants strategies timed against their budget now (live, backtest). The journal
    records each tick with what was measured, so a replay, which must not time anything, is told which decisions
    ran over and makes the same choice.
    """

    overruns: tuple[DecisionOverrun, ...] | None = None


@dataclass(frozen=True)
class SendFailed:
    """A venue command the gateway could not put on the wire (session down between decision and send)."""

    command: VenueCommand
    reason: str


@dataclass(frozen=True)
class ShutdownRequested:
    """Stop trading: take every child off and finish every working parent as cancelled."""

    reason: str = "agent shutting down"


Event = (
    NewOrderRequest
    | CancelRequest
    | ReplaceRequest
    | MassCancelRequest
    | StatusRequest
    | OmsSessionState
    | VenueExecReport
    | VenueCancelReject
    | VenueSessionState
    | Quote
    | News
    | Tick
    | SendFailed
    | ShutdownRequested
    | OperatorCommand
    | LimitsChange
)
