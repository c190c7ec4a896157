"""The QuickFIX application in front of the market: callbacks in, ordered messages out, one lock around it all."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any

import quickfix as fix

from fix_config.vocabulary import MsgType
from simulator.clock import Clock
from simulator.fix_market_data_desk import MarketDataDesk
from simulator.fix_messages import Routed, to_quickfix
from simulator.fix_news_desk import NewsDesk
from simulator.fix_order_desk import OrderDesk, VenueOrderRecord
from simulator.fix_requests import ORDER_READERS, MarketDataRequest, OrderRequest, read_market_data_request
from simulator.fix_settings import FeedTags
from simulator.market import Market
from simulator.market_data import BookDepth
from simulator.order_state import OrderState
from simulator.outbox import Outbox
from simulator.venue_faults import VenueFaults

log = logging.getLogger(__name__)

Request = OrderRequest | MarketDataRequest

# MsgType -> reader that copies the message into a plain request: D F G H AF, and V.
_READERS: dict[str, Callable[[Any], Request]] = {
    **ORDER_READERS,
    MsgType.MARKET_DATA_REQUEST: read_market_data_request,
}


class VenueApplication(fix.Application):  # type: ignore[misc]  # quickfix ships no type hints
    """Order entry, market data and news for every logged-on session; cancels a session's orders when it logs out.

    QuickFIX calls in on its threads (one per connection), the server's ticker on another; all take one lock
    around the market. Messages are decided under the lock and sent, in that order, by the outbox thread.
    `faults` maps TargetCompIDs to the faults the order desk plays on their sessions; `feed_tags` are the custom
    tags of the News the market's feed events go out as.

    Order reports go to a session whether or not it is logged on: QuickFIX stores what it cannot send, and a
    counterparty that keeps its sequence numbers gets it by resend after the next logon.
    """

    def __init__(
        self,
        market: Market,
        clock: Clock,
        run_tag: str,
        cancel_on_disconnect: bool = True,
        faults: Mapping[str, VenueFaults] | None = None,
        feed_tags: FeedTags | None = None,
        aggressor_targets: Collection[str] = (),
    ) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._market = market
        self._clock = clock
        self._cancel_on_disconnect = cancel_on_disconnect
        self._faults = dict(faults or {})
        self._orders = OrderDesk(market, run_tag)
        self._market_data = MarketDataDesk(market)
        self._news = NewsDesk(self._market_data, feed_tags or FeedTags())
        self._aggressor_targets = frozenset(aggressor_targets)
        self._known: dict[str, Any] = {}  # every configured session, by key
        self._sessions: dict[str, Any] = {}  # those logged on now
        self._outbox: Outbox[Routed] = Outbox(self._send)

    # -- lifecycle, called by the server -----------------------------------------------------------

    def start(self) -> None:
        self._outbox.start()

    def stop(self) -> None:
        self._outbox.stop()

    def tick(self) -> None:
        """Advance the market to now, report fills the flow caused and what falls due, publish news and market data."""
        with self._lock:
            routed = self._catch_up()
            routed.extend(self._news.publish(self._market.drain_feed()))
            routed.extend(self._market_data.publish(self._market.drain_trades()))
            self._queue(routed)

    def logged_on(self) -> list[str]:
        """Keys of the sessions logged on now."""
        with self._lock:
            return sorted(self._sessions)

    def cancel_orders(self, session: str) -> int:
        """Cancel a session's working orders and send it the reports; returns how many were cancelled."""
        with self._lock:
            updates = self._market.cancel_all(session)
            self._queue(self._orders.report(updates))
            return len(updates)

    def depth(self, symbol: str, levels: int) -> BookDepth:
        with self._lock:
            return self._market.depth(symbol, levels)

    def open_orders(self, session: str) -> list[OrderState]:
        with self._lock:
            return self._market.open_orders(session)

    def ledger(self, session: str | None = None) -> list[VenueOrderRecord]:
        with self._lock:
            return self._orders.ledger(session)

    # -- QuickFIX callbacks (its names): nothing may escape them but QuickFIX's own exceptions -----------

    def onCreate(self, sessionID: Any) -> None:
        try:
            key = sessionID.toString()
            target = sessionID.getTargetCompID().getValue()
            with self._lock:
                self._known[key] = _copy(sessionID)
                self._orders.set_faults(key, self._faults.get(target))
                if target in self._aggressor_targets:
                    self._market_data.aggressor_sessions.add(key)
            if target in self._faults:
                log.info("session %s plays faults %s", key, self._faults[target].model_dump())
        except Exception:
            log.exception("onCreate failed")

    def onLogon(self, sessionID: Any) -> None:
        try:
            key = sessionID.toString()
            with self._lock:
                self._sessions[key] = _copy(sessionID)
            log.info("logon %s", key)
        except Exception:
            log.exception("onLogon failed")

    def onLogout(self, sessionID: Any) -> None:
        try:
            key = sessionID.toString()
            with self._lock:
                self._sessions.pop(key, None)
                self._market_data.drop_session(key)
                cancelled = 0
                if self._cancel_on_disconnect:
                    cancelled = len(self._market.open_orders(key))
                    self._queue(self._orders.cancel_session(key))
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
        except (fix.IncorrectTagValue, fix.FieldNotFound):
            # QuickFIX answers these with a Reject naming the tag; any other exception would end the process.
            raise
        except Exception:
            log.exception("reading %s failed", message.toString().replace("\x01", "|"))
            return
        try:
            with self._lock:
                routed = self._catch_up()
                routed.extend(self._handle(key, request))
                self._queue(routed)
        except Exception:
            log.exception("handling %s failed", message.toString().replace("\x01", "|"))

    # -- internals ---------------------------------------------------------------------------------

    def _handle(self, session: str, request: Request) -> list[Routed]:
        if isinstance(request, MarketDataRequest):
            return self._market_data.request(session, request)
        return self._orders.handle(session, request)

    def _catch_up(self) -> list[Routed]:
        routed = self._orders.report(self._market.advance(max(self._clock.now(), self._market.now)))
        routed.extend(self._orders.release_due())
        return routed

    def _queue(self, routed: list[Routed]) -> None:
        for item in routed:
            self._outbox.put(item)

    def _send(self, item: Routed) -> None:
        session, record = item
        session_id = self._known.get(session)
        if session_id is None:
            return  # not a session of this acceptor
        fix.Session.sendToTarget(to_quickfix(record), session_id)


def _copy(session_id: Any) -> Any:
    """A SessionID of our own: QuickFIX's object is only valid inside its callback."""
    return fix.SessionID(
        session_id.getBeginString().getValue(),
        session_id.getSenderCompID().getValue(),
        session_id.getTargetCompID().getValue(),
    )
