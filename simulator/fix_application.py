"""The QuickFIX application in front of the market: callbacks in, ordered messages out, one lock around it all."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import quickfix as fix

from simulator.clock import Clock
from simulator.fix_market_data_desk import MarketDataDesk
from simulator.fix_messages import Outgoing, to_quickfix
from simulator.fix_order_desk import OrderDesk
from simulator.fix_requests import (
    CancelRequest,
    MarketDataRequest,
    NewOrderRequest,
    ReplaceRequest,
    StatusRequest,
    read_cancel,
    read_market_data_request,
    read_new_order,
    read_replace,
    read_status,
)
from simulator.market import Market
from simulator.market_data import BookDepth
from simulator.order_state import OrderState
from simulator.outbox import Outbox

log = logging.getLogger(__name__)

Routed = tuple[str, Outgoing]
Request = NewOrderRequest | CancelRequest | ReplaceRequest | StatusRequest | MarketDataRequest

# MsgType -> reader that copies the message into a plain request.
_READERS: dict[str, Callable[[Any], Request]] = {
    "D": read_new_order,
    "F": read_cancel,
    "G": read_replace,
    "H": read_status,
    "V": read_market_data_request,
}


class VenueApplication(fix.Application):  # type: ignore[misc]  # quickfix ships no type hints
    """Order entry and market data for every logged-on session; cancels a session's orders when it logs out.

    QuickFIX calls in on its threads (one per connection), the server's ticker on another; all take one lock
    around the market. Messages are decided under the lock and sent, in that order, by the outbox thread.
    """

    def __init__(self, market: Market, clock: Clock, run_tag: str, cancel_on_disconnect: bool = True) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._market = market
        self._clock = clock
        self._cancel_on_disconnect = cancel_on_disconnect
        self._orders = OrderDesk(market, run_tag)
        self._market_data = MarketDataDesk(market)
        self._sessions: dict[str, Any] = {}
        self._outbox: Outbox[Routed] = Outbox(self._send)

    # -- lifecycle, called by the server -----------------------------------------------------------

    def start(self) -> None:
        self._outbox.start()

    def stop(self) -> None:
        self._outbox.stop()

    def tick(self) -> None:
        """Advance the market to now, report fills the flow caused, publish market data."""
        with self._lock:
            routed = self._catch_up()
            routed.extend(self._market_data.publish(self._market.drain_trades()))
            self._queue(routed)

    def logged_on(self) -> list[str]:
        """Keys of the sessions logged on now."""
        with self._lock:
            return sorted(self._sessions)

    def cancel_orders(self, session: str) -> int:
        """Cancel a session's working orders and send it the reports; returns how many were cancelled."""
        with self._lock:
            routed = self._orders.report(self._market.cancel_all(session))
            self._queue(routed)
            return len(routed)

    def depth(self, symbol: str, levels: int) -> BookDepth:
        with self._lock:
            return self._market.depth(symbol, levels)

    def open_orders(self, session: str) -> list[OrderState]:
        with self._lock:
            return self._market.open_orders(session)

    # -- QuickFIX callbacks (its names): nothing may escape them but QuickFIX's own exceptions -----------

    def onCreate(self, sessionID: Any) -> None:
        pass

    def onLogon(self, sessionID: Any) -> None:
        try:
            key = sessionID.toString()
            copy = fix.SessionID(
                sessionID.getBeginString().getValue(),
                sessionID.getSenderCompID().getValue(),
                sessionID.getTargetCompID().getValue(),
            )
            with self._lock:
                self._sessions[key] = copy
            log.info("logon %s", key)
        except Exception:
            log.exception("onLogon failed")

    def onLogout(self, sessionID: Any) -> None:
        try:
            key = sessionID.toString()
            with self._lock:
                self._sessions.pop(key, None)
                self._market_data.drop_session(key)
                cancelled = self._orders.cancel_session(key) if self._cancel_on_disconnect else 0
            log.info("logout %s; cancelled %d working orders", key, cancelled)
        except Exception:
            log.exception("onLogout failed")

    def toAdmin(self, message: Any, sessionID: Any) -> None:
        pass

    def fromAdmin(self, message: Any, sessionID: Any) -> None:
        pass

    def toApp(self, message: Any, sessionID: Any) -> None:
        pass

    def fromApp(self, message: Any, sessionID: Any) -> None:
        try:
            reader = _READERS.get(message.getHeader().getField(35))
        except Exception:
            log.exception("could not read MsgType")
            return
        if reader is None:
            raise fix.UnsupportedMessageType()  # QuickFIX answers with a BusinessMessageReject
        try:
            key = sessionID.toString()
            request = reader(message)  # copy now: the message dies with the callback
            with self._lock:
                routed = self._catch_up()
                routed.extend(self._handle(key, request))
                self._queue(routed)
        except Exception:
            log.exception("handling %s failed", message.toString().replace("\x01", "|"))

    # -- internals ---------------------------------------------------------------------------------

    def _handle(self, session: str, request: Request) -> list[Routed]:
        if isinstance(request, NewOrderRequest):
            return self._orders.new_order(session, request)
        if isinstance(request, CancelRequest):
            return self._orders.cancel(session, request)
        if isinstance(request, ReplaceRequest):
            return self._orders.replace(session, request)
        if isinstance(request, StatusRequest):
            return self._orders.status(session, request)
        return self._market_data.request(session, request)

    def _catch_up(self) -> list[Routed]:
        return self._orders.report(self._market.advance(max(self._clock.now(), self._market.now)))

    def _queue(self, routed: list[Routed]) -> None:
        for item in routed:
            self._outbox.put(item)

    def _send(self, item: Routed) -> None:
        session, record = item
        session_id = self._sessions.get(session)
        if session_id is None:
            return  # logged out since: its reports go nowhere
        fix.Session.sendToTarget(to_quickfix(record), session_id)
