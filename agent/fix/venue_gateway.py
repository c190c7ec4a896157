"""The venue side of the agent over FIX: QuickFIX initiator, child orders out, reports and market data in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import quickfix as fix

from agent.clock import Clock
from agent.core.commands import VenueCommand
from agent.core.venue_reports import VenueCancelReject, VenueExecReport, VenueSessionState
from agent.fix.fields import field
from agent.fix.quickfix_application import GuardedApplication
from agent.fix.venue_messages import build_venue_message, parse_market_data, parse_news, parse_venue_message
from agent.market_data_book import MdUpdate
from fix_config.vocabulary import Boolean, MsgType, Tag
from strategies.types import News

log = logging.getLogger("footprint.venue")

VenueEvent = VenueExecReport | VenueCancelReject | VenueSessionState | MdUpdate | News

# Orders that did not go out before a disconnect must not go out late on a resend: QuickFIX gap-fills them
# and the engine's follow-up finds out that the venue never had them.
_NEVER_RESENT = (MsgType.NEW_ORDER_SINGLE, MsgType.ORDER_CANCEL_REPLACE_REQUEST)


class VenueApplication(GuardedApplication):
    """QuickFIX callbacks for the venue session, and the sender of every venue command."""

    label = "venue"

    def __init__(self, submit: Callable[[VenueEvent], None], symbols: Sequence[str], depth: int,
                 clock: Clock, news_tags: tuple[int | None, ...] = (None, None, None, None)) -> None:
        super().__init__()
        # (sentiment score, on-chain amount, implied volatility, scheduled time) custom tags of News
        self._news_tags = news_tags
        self._submit = submit
        self._symbols = list(symbols)
        self._depth = depth
        self._clock = clock
        self._session: fix.SessionID | None = None
        self._md_req = 0

    def on_create(self, session_id: fix.SessionID) -> None:
        self._session = session_id

    def on_logon(self, session_id: fix.SessionID) -> None:
        super().on_logon(session_id)
        self._submit(VenueSessionState(True))
        for symbol in self._symbols:
            self._subscribe(symbol)

    def on_logout(self, session_id: fix.SessionID) -> None:
        super().on_logout(session_id)
        self._submit(VenueSessionState(False))

    def toApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        # QuickFIX's own DoNotSend is the one exception allowed out of a callback: it turns the resend into a
        # gap fill. Anything else is caught.
        resend = False
        try:
            header = message.getHeader()
            resend = (field(header, Tag.POSS_DUP_FLAG) == Boolean.YES
                      and header.getField(Tag.MSG_TYPE) in _NEVER_RESENT)
        except Exception:
            log.exception("venue: toApp could not read %s", message.toString().replace("\x01", "|"))
        if resend:
            log.warning("venue: not resending stale order message %s", message.toString().replace("\x01", "|"))
            raise fix.DoNotSend()

    def fromApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        try:
            msg_type = message.getHeader().getField(Tag.MSG_TYPE)
            event: VenueEvent | None
            if msg_type in (MsgType.MARKET_DATA_SNAPSHOT, MsgType.MARKET_DATA_INCREMENTAL):
                event = parse_market_data(message, self._clock.now())
            elif msg_type == MsgType.NEWS:
                for news in parse_news(message, self._clock.now(), *self._news_tags):
                    self._submit(news)
                return
            else:
                event = parse_venue_message(message)
                if event is None:
                    log.warning("venue sent %s: %s", msg_type, message.toString().replace("\x01", "|"))
            if event is not None:
                self._submit(event)
        except Exception:
            log.exception("could not read venue message %s", message.toString().replace("\x01", "|"))

    def send(self, command: VenueCommand) -> str | None:
        """Put a command on the wire; None when it went, else why it could not."""
        return self._send(build_venue_message(command, self._clock.now()))

    def _send(self, msg: fix.Message) -> str | None:
        sid = self._session
        if sid is None:
            return "no venue session configured"
        session = fix.Session.lookupSession(sid)
        if session is None or not session.isLoggedOn():
            return "venue session not logged on"
        try:
            if not fix.Session.sendToTarget(msg, sid):
                return "QuickFIX refused to send"
        except fix.SessionNotFound:
            return "venue session not found"
        return None

    def _subscribe(self, symbol: str) -> None:
        self._md_req += 1
        msg = fix.Message()
        msg.getHeader().setField(fix.MsgType(MsgType.MARKET_DATA_REQUEST.value))
        msg.setField(262, f"md-{symbol}-{self._md_req}")
        msg.setField(263, "1")
        msg.setField(264, str(self._depth))
        msg.setField(265, "1")
        for entry_type in ("0", "1", "2"):
            g = fix.Group(267, 269)
            g.setField(269, entry_type)
            msg.addGroup(g)
        g = fix.Group(146, 55)
        g.setField(55, symbol)
        msg.addGroup(g)
        self._send(msg)
