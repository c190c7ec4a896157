"""The OMS side of the agent over FIX: QuickFIX acceptor in, ExecutionReports out.

QuickFIX calls us on its own threads. Each callback copies what it needs into a plain request
(`agent.core.oms_requests`) and hands it to the event loop; nothing escapes a callback but QuickFIX's
own exceptions (an unsupported message type becomes a BusinessMessageReject).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import quickfix as fix

from agent.core.commands import MassCancelReport, OmsCommand, ParentCancelReject, ParentExecReport
from agent.core.events import OmsSessionState
from agent.core.oms_requests import (
    CancelRequest,
    MassCancelRequest,
    NewOrderRequest,
    OmsRequest,
    ReplaceRequest,
    StatusRequest,
)
from agent.fix.fields import field
from agent.fix.fix_time import format_utc_timestamp, parse_utc_timestamp
from agent.fix.quickfix_application import GuardedApplication
from fix_config.vocabulary import Boolean, MsgType, Tag

log = logging.getLogger("footprint.oms")

SUPPORTED = (MsgType.NEW_ORDER_SINGLE, MsgType.ORDER_CANCEL_REQUEST, MsgType.ORDER_CANCEL_REPLACE_REQUEST,
             MsgType.ORDER_MASS_CANCEL_REQUEST, MsgType.ORDER_STATUS_REQUEST)


def _timestamp(msg: fix.Message, tag: int, name: str, bad: list[str]) -> float | None:
    raw = field(msg, tag)
    if raw is None:
        return None
    try:
        return parse_utc_timestamp(raw)
    except ValueError:
        bad.append(f"{name}({tag})")
        return None


def parse_oms_message(msg: fix.Message, session: str, parameter_tags: Mapping[str, int] | None = None
                      ) -> OmsRequest | None:
    """Copy an application message from the OMS into a request; None for types we do not support.
    `parameter_tags` names the custom tags a NewOrderSingle may carry strategy parameters in."""
    msg_type = msg.getHeader().getField(Tag.MSG_TYPE)
    bad: list[str] = []
    if msg_type == MsgType.NEW_ORDER_SINGLE:
        return NewOrderRequest(
            session=session,
            cl_ord_id=msg.getField(Tag.CL_ORD_ID),
            symbol=field(msg, Tag.SYMBOL),
            side=field(msg, Tag.SIDE),
            order_qty=field(msg, Tag.ORDER_QTY),
            ord_type=field(msg, Tag.ORD_TYPE),
            price=field(msg, Tag.PRICE),
            time_in_force=field(msg, Tag.TIME_IN_FORCE),
            transact_time=_timestamp(msg, Tag.TRANSACT_TIME, "TransactTime", bad),
            effective_time=_timestamp(msg, Tag.EFFECTIVE_TIME, "EffectiveTime", bad),
            expire_time=_timestamp(msg, Tag.EXPIRE_TIME, "ExpireTime", bad),
            target_strategy=field(msg, Tag.TARGET_STRATEGY),
            participation_rate=field(msg, Tag.PARTICIPATION_RATE),
            bad_fields=tuple(bad),
            parameters=tuple((name, raw) for name, tag in (parameter_tags or {}).items()
                             if (raw := field(msg, tag)) is not None),
        )
    if msg_type == MsgType.ORDER_CANCEL_REQUEST:
        return CancelRequest(session, msg.getField(Tag.CL_ORD_ID), field(msg, Tag.ORIG_CL_ORD_ID),
                             field(msg, Tag.SYMBOL), field(msg, Tag.SIDE))
    if msg_type == MsgType.ORDER_CANCEL_REPLACE_REQUEST:
        return ReplaceRequest(
            session=session,
            cl_ord_id=msg.getField(Tag.CL_ORD_ID),
            orig_cl_ord_id=field(msg, Tag.ORIG_CL_ORD_ID),
            symbol=field(msg, Tag.SYMBOL),
            side=field(msg, Tag.SIDE),
            order_qty=field(msg, Tag.ORDER_QTY),
            ord_type=field(msg, Tag.ORD_TYPE),
            price=field(msg, Tag.PRICE),
            expire_time=_timestamp(msg, Tag.EXPIRE_TIME, "ExpireTime", bad),
            bad_fields=tuple(bad),
        )
    if msg_type == MsgType.ORDER_MASS_CANCEL_REQUEST:
        return MassCancelRequest(session, msg.getField(Tag.CL_ORD_ID), field(msg, Tag.MASS_CANCEL_REQUEST_TYPE),
                                 field(msg, Tag.SYMBOL))
    if msg_type == MsgType.ORDER_STATUS_REQUEST:
        return StatusRequest(session, field(msg, Tag.CL_ORD_ID), field(msg, Tag.ORDER_ID))
    return None


def _price(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def build_exec_report(r: ParentExecReport) -> fix.Message:
    msg = fix.Message()
    msg.getHeader().setField(fix.MsgType(MsgType.EXECUTION_REPORT.value))
    msg.setField(Tag.ORDER_ID, r.order_id)
    msg.setField(Tag.CL_ORD_ID, r.cl_ord_id)
    if r.orig_cl_ord_id:
        msg.setField(Tag.ORIG_CL_ORD_ID, r.orig_cl_ord_id)
    msg.setField(Tag.EXEC_ID, r.exec_id)
    msg.setField(Tag.EXEC_TYPE, r.exec_type)
    msg.setField(Tag.ORD_STATUS, r.ord_status)
    msg.setField(Tag.SYMBOL, r.symbol)
    msg.setField(Tag.SIDE, r.side)
    msg.setField(Tag.ORDER_QTY, str(r.order_qty))
    if r.ord_type:
        msg.setField(Tag.ORD_TYPE, r.ord_type)
    if r.limit_px is not None:
        msg.setField(Tag.PRICE, _price(r.limit_px, r.price_decimals))
    if r.time_in_force:
        msg.setField(Tag.TIME_IN_FORCE, r.time_in_force)
    if r.expire_time is not None:
        msg.setField(Tag.EXPIRE_TIME, format_utc_timestamp(r.expire_time))
    if r.last_qty:
        msg.setField(Tag.LAST_QTY, str(r.last_qty))
        msg.setField(Tag.LAST_PX, _price(r.last_px, r.price_decimals))
    msg.setField(Tag.CUM_QTY, str(r.cum_qty))
    msg.setField(Tag.LEAVES_QTY, str(r.leaves_qty))
    # AvgPx carries more decimals than the tick: it is an average, not a price on the grid.
    msg.setField(Tag.AVG_PX, _price(r.avg_px, r.price_decimals + 4))
    if r.ord_rej_reason is not None:
        msg.setField(Tag.ORD_REJ_REASON, r.ord_rej_reason)
    if r.text:
        msg.setField(Tag.TEXT, r.text)
    msg.setField(Tag.TRANSACT_TIME, format_utc_timestamp(r.transact_time))
    return msg


def build_cancel_reject(r: ParentCancelReject) -> fix.Message:
    msg = fix.Message()
    msg.getHeader().setField(fix.MsgType(MsgType.ORDER_CANCEL_REJECT.value))
    msg.setField(Tag.ORDER_ID, r.order_id)
    msg.setField(Tag.CL_ORD_ID, r.cl_ord_id)
    msg.setField(Tag.ORIG_CL_ORD_ID, r.orig_cl_ord_id)
    msg.setField(Tag.ORD_STATUS, r.ord_status)
    msg.setField(Tag.CXL_REJ_RESPONSE_TO, r.response_to)
    msg.setField(Tag.CXL_REJ_REASON, r.reason)
    msg.setField(Tag.TEXT, r.text)
    return msg


def build_mass_cancel_report(r: MassCancelReport) -> fix.Message:
    msg = fix.Message()
    msg.getHeader().setField(fix.MsgType(MsgType.ORDER_MASS_CANCEL_REPORT.value))
    msg.setField(Tag.CL_ORD_ID, r.cl_ord_id)
    msg.setField(Tag.ORDER_ID, r.cl_ord_id)
    msg.setField(Tag.MASS_CANCEL_REQUEST_TYPE, r.request_type or "7")
    msg.setField(Tag.MASS_CANCEL_RESPONSE, r.response)
    if r.reject_reason is not None:
        msg.setField(Tag.MASS_CANCEL_REJECT_REASON, r.reject_reason)
    msg.setField(Tag.TOTAL_AFFECTED_ORDERS, str(len(r.affected)))
    for cl_ord_id in r.affected:
        group = fix.Group(Tag.NO_AFFECTED_ORDERS, Tag.ORIG_CL_ORD_ID)
        group.setField(Tag.ORIG_CL_ORD_ID, cl_ord_id)
        msg.addGroup(group)
    if r.text:
        msg.setField(Tag.TEXT, r.text)
    return msg


def build_oms_message(command: OmsCommand) -> fix.Message:
    """The QuickFIX message for one command to the OMS."""
    if isinstance(command, ParentExecReport):
        return build_exec_report(command)
    if isinstance(command, ParentCancelReject):
        return build_cancel_reject(command)
    return build_mass_cancel_report(command)


class OmsApplication(GuardedApplication):
    """QuickFIX callbacks for the OMS sessions, and the sender of every command to the OMS."""

    label = "OMS"

    def __init__(self, submit: Callable[[OmsRequest | OmsSessionState], None],
                 parameter_tags: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self._submit = submit
        self._parameter_tags = dict(parameter_tags or {})
        self._sessions: dict[str, fix.SessionID] = {}
        # Until the acceptor has created its sessions (it opens only once the agent can trade), messages wait
        # here in order: recovery's re-sends first, then what reconciliation decided.
        self._held: list[tuple[OmsCommand, bool]] | None = []

    def on_create(self, session_id: fix.SessionID) -> None:
        self._sessions[session_id.toString()] = session_id

    def on_logon(self, session_id: fix.SessionID) -> None:
        super().on_logon(session_id)
        self._submit(OmsSessionState(session_id.toString(), True))

    def on_logout(self, session_id: fix.SessionID) -> None:
        super().on_logout(session_id)
        self._submit(OmsSessionState(session_id.toString(), False))

    @property
    def sessions(self) -> list[str]:
        return sorted(self._sessions)

    def fromApp(self, message: fix.Message, sessionID: fix.SessionID) -> None:
        try:
            request = parse_oms_message(message, sessionID.toString(), self._parameter_tags)
        except Exception:
            log.exception("could not read message from %s: %s", sessionID.toString(),
                          message.toString().replace("\x01", "|"))
            return
        if request is None:
            raise fix.UnsupportedMessageType()
        try:
            self._submit(request)
        except Exception:
            log.exception("could not hand over %s", request)

    def release_held(self) -> int:
        """Send what waited for the sessions to exist (call once the acceptor has started); how many."""
        held, self._held = self._held or [], None
        for command, poss_resend in held:
            self.send(command, poss_resend=poss_resend)
        return len(held)

    def send(self, command: OmsCommand, *, poss_resend: bool = False) -> None:
        """Hand one message to QuickFIX. An OMS that is logged out gets it on reconnect (QuickFIX stores it and
        resends on the OMS's resend request); `poss_resend` marks a message that may already have gone out."""
        if self._held is not None:
            self._held.append((command, poss_resend))
            return
        sid = self._sessions.get(command.session)
        if sid is None:
            log.error("no OMS session %s to send to", command.session)
            return
        msg = build_oms_message(command)
        if poss_resend:
            msg.getHeader().setField(Tag.POSS_RESEND, Boolean.YES.value)
        try:
            fix.Session.sendToTarget(msg, sid)
        except fix.SessionNotFound:
            log.error("OMS session %s not found", command.session)
