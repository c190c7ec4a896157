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
from agent.core.venue_reports import VenueCancelReject, VenueExecReport, VenueSessionState
from strategies.types import Quote

__all__ = [
    "CancelRequest",
    "Event",
    "MassCancelRequest",
    "NewOrderRequest",
    "OmsRequest",
    "OmsSessionState",
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
class Tick:
    """Time passed: one decision round and the in-flight follow-ups. The time is the clock's."""


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
    | Tick
    | SendFailed
    | ShutdownRequested
)
