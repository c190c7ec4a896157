"""The venue side of the agent over FIX: QuickFIX initiator, child orders out, reports and data in."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import quickfix as fix

from agent.clock import Clock
from agent.fix_oms_gateway import field
from agent.fix_time import format_utc_timestamp
from agent.market_data_book import MdEntry, MdUpdate
from agent.ports import VenueCancel, VenueNewOrder, VenueReplace, VenueStatusRequest
from agent.quickfix_application import GuardedApplication
from agent.venue_reports import VenueCancelReject, VenueExecReport, VenueSessionState

log = logging.getLogger("footprint.venue")

VenueEvent = VenueExecReport | VenueCancelReject | VenueSessionState | MdUpdate


def _int(msg: fix.Message, tag: int) -> int:
    raw = field(msg, tag)
    return int(float(raw)) if raw else 0


def _float(msg: fix.Message, tag: int) -> float:
    raw = field(msg, tag)
    return float(raw) if raw else 0.0


def parse_exec_report(msg: fix.Message) -> VenueExecReport:
    return VenueExecReport(
        cl_ord_id=msg.getField(11),
        orig_cl_ord_id=field(msg, 41),
        order_id=field(msg, 37) or "",
        exec_id=field(msg, 17) or "",
        exec_type=msg.getField(150),
        ord_status=msg.getField(39),
        symbol=field(msg, 55) or "",
        side=field(msg, 54) or "",
        last_qty=_int(msg, 32),
        last_px=_float(msg, 31),
        cum_qty=_int(msg, 14),
        leaves_qty=_int(msg, 151),
        avg_px=_float(msg, 6),
        text=field(msg, 58),
    )


def parse_cancel_reject(msg: fix.Message) -> VenueCancelReject:
    return VenueCancelReject(
        cl_ord_id=msg.getField(11),
        orig_cl_ord_id=field(msg, 41),
        ord_status=field(msg, 39),
        response_to=field(msg, 434) or "1",
        reason=field(msg, 102),
        text=field(msg, 58),
    )


def parse_market_data(msg: fix.Message, timestamp: float) -> MdUpdate:
    snapshot = msg.getHeader().getField(35) == "W"
    symbol = field(msg, 55)
    entries: list[MdEntry] = []
    count = _int(msg, 268)
    group = fix.Group(268, 279 if not snapshot else 269)
    for i in range(1, count + 1):
        msg.getGroup(i, group)
        entry_symbol = field(group, 55) or symbol or ""
        entries.append(MdEntry(
            symbol=entry_symbol,
            entry_type=field(group, 269) or "",
            price=float(field(group, 270) or 0.0),
            size=int(float(field(group, 271) or 0)),
            action=None if snapshot else field(group, 279),
        ))
    return MdUpdate(snapshot, symbol, tuple(entries), timestamp)


class VenueApplication(GuardedApplication):
    """QuickFIX callbacks for the venue session, and the VenuePort the engine sends through."""

    label = "venue"

    def __init__(self, submit: Callable[[VenueEvent], None], symbols: Sequence[str], depth: int,
                 clock: Clock) -> None:
        super().__init__()
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

    def fromApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        try:
            msg_type = message.getHeader().getField(35)
            event: VenueEvent | None
            if msg_type == "8":
                event = parse_exec_report(message)
            elif msg_type == "9":
                event = parse_cancel_reject(message)
            elif msg_type in ("W", "X"):
                event = parse_market_data(message, self._clock.now())
            else:
                event = None
                log.warning("venue sent %s: %s", msg_type, message.toString().replace("\x01", "|"))
            if event is not None:
                self._submit(event)
        except Exception:
            log.exception("could not read venue message %s", message.toString().replace("\x01", "|"))

    # VenuePort
    def _send(self, msg: fix.Message) -> bool:
        sid = self._session
        if sid is None:
            return False
        session = fix.Session.lookupSession(sid)
        if session is None or not session.isLoggedOn():
            return False
        try:
            return bool(fix.Session.sendToTarget(msg, sid))
        except fix.SessionNotFound:
            return False

    def _subscribe(self, symbol: str) -> None:
        self._md_req += 1
        msg = fix.Message()
        msg.getHeader().setField(fix.MsgType("V"))
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

    def _order_message(self, msg_type: str, cl_ord_id: str, symbol: str, side: str) -> fix.Message:
        msg = fix.Message()
        msg.getHeader().setField(fix.MsgType(msg_type))
        msg.setField(11, cl_ord_id)
        msg.setField(55, symbol)
        msg.setField(54, side)
        if msg_type != "H":  # OrderStatusRequest has no TransactTime in FIX 4.4
            msg.setField(60, format_utc_timestamp(self._clock.now()))
        return msg

    def send_new(self, order: VenueNewOrder) -> bool:
        msg = self._order_message("D", order.cl_ord_id, order.symbol, order.side)
        msg.setField(38, str(order.qty))
        if order.price is None:
            msg.setField(40, "1")
        else:
            msg.setField(40, "2")
            msg.setField(44, order.price)
        msg.setField(59, order.tif.value)
        return self._send(msg)

    def send_cancel(self, cancel: VenueCancel) -> bool:
        msg = self._order_message("F", cancel.cl_ord_id, cancel.symbol, cancel.side)
        msg.setField(41, cancel.orig_cl_ord_id)
        msg.setField(38, str(cancel.qty))
        return self._send(msg)

    def send_replace(self, replace: VenueReplace) -> bool:
        msg = self._order_message("G", replace.cl_ord_id, replace.symbol, replace.side)
        msg.setField(41, replace.orig_cl_ord_id)
        msg.setField(38, str(replace.qty))
        msg.setField(40, "2")
        msg.setField(44, replace.price)
        msg.setField(59, replace.tif.value)
        return self._send(msg)

    def send_status_request(self, request: VenueStatusRequest) -> bool:
        return self._send(self._order_message("H", request.cl_ord_id, request.symbol, request.side))
