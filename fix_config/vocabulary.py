"""FIX 4.4 vocabulary: message types, tags and the code values footprint reads or writes. Defined once here.

Both the agent and the simulator import these names instead of writing raw codes ("8", "4"...).
"""

from __future__ import annotations

from enum import StrEnum


class MsgType(StrEnum):
    """MsgType(35) values we send or read."""

    HEARTBEAT = "0"
    REJECT = "3"
    LOGOUT = "5"
    EXECUTION_REPORT = "8"
    ORDER_CANCEL_REJECT = "9"
    LOGON = "A"
    NEWS = "B"
    NEW_ORDER_SINGLE = "D"
    ORDER_CANCEL_REQUEST = "F"
    ORDER_CANCEL_REPLACE_REQUEST = "G"
    ORDER_STATUS_REQUEST = "H"
    BUSINESS_MESSAGE_REJECT = "j"
    ORDER_MASS_CANCEL_REQUEST = "q"
    ORDER_MASS_CANCEL_REPORT = "r"
    ORDER_MASS_STATUS_REQUEST = "AF"
    MARKET_DATA_REQUEST = "V"
    MARKET_DATA_SNAPSHOT = "W"
    MARKET_DATA_INCREMENTAL = "X"


class Tag:
    """Tag numbers by FIX name."""

    AVG_PX = 6
    BEGIN_STRING = 8
    BODY_LENGTH = 9
    CHECK_SUM = 10
    CL_ORD_ID = 11
    CUM_QTY = 14
    EXEC_ID = 17
    LAST_PX = 31
    LAST_QTY = 32
    MSG_TYPE = 35
    ORDER_ID = 37
    ORDER_QTY = 38
    ORD_STATUS = 39
    ORD_TYPE = 40
    ORIG_CL_ORD_ID = 41
    POSS_DUP_FLAG = 43
    PRICE = 44
    SENDER_COMP_ID = 49
    SIDE = 54
    SYMBOL = 55
    TARGET_COMP_ID = 56
    TEXT = 58
    TIME_IN_FORCE = 59
    TRANSACT_TIME = 60
    SECURE_DATA_LEN = 90
    SECURE_DATA = 91
    RAW_DATA_LENGTH = 95
    RAW_DATA = 96
    POSS_RESEND = 97
    CXL_REJ_REASON = 102
    ORD_REJ_REASON = 103
    EXPIRE_TIME = 126
    EXEC_TYPE = 150
    LEAVES_QTY = 151
    EFFECTIVE_TIME = 168
    XML_DATA_LEN = 212
    XML_DATA = 213
    CXL_REJ_RESPONSE_TO = 434
    MASS_CANCEL_REQUEST_TYPE = 530
    MASS_CANCEL_RESPONSE = 531
    MASS_CANCEL_REJECT_REASON = 532
    TOTAL_AFFECTED_ORDERS = 533
    NO_AFFECTED_ORDERS = 534
    AFFECTED_ORDER_ID = 535
    USERNAME = 553
    PASSWORD = 554
    MASS_STATUS_REQ_ID = 584
    MASS_STATUS_REQ_TYPE = 585
    TARGET_STRATEGY = 847
    PARTICIPATION_RATE = 849
    TOT_NUM_REPORTS = 911
    LAST_RPT_REQUESTED = 912
    NEW_PASSWORD = 925


class ExecType(StrEnum):
    """ExecType(150): what happened."""

    NEW = "0"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    STOPPED = "7"
    REJECTED = "8"
    SUSPENDED = "9"
    PENDING_NEW = "A"
    CALCULATED = "B"
    EXPIRED = "C"
    RESTATED = "D"
    PENDING_REPLACE = "E"
    TRADE = "F"
    TRADE_CORRECT = "G"
    TRADE_CANCEL = "H"
    ORDER_STATUS = "I"


class OrdStatus(StrEnum):
    """OrdStatus(39): where an order stands."""

    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    PENDING_CANCEL = "6"
    STOPPED = "7"
    REJECTED = "8"
    SUSPENDED = "9"
    PENDING_NEW = "A"
    CALCULATED = "B"
    EXPIRED = "C"
    ACCEPTED_FOR_BIDDING = "D"
    PENDING_REPLACE = "E"

    @property
    def is_terminal(self) -> bool:
        """The order can no longer trade."""
        return self in TERMINAL_ORD_STATUS

    @property
    def is_pending(self) -> bool:
        """A new, cancel or replace is waiting for the venue's answer."""
        return self in _PENDING_ORD_STATUS


# Statuses after which an order can no longer trade.
TERMINAL_ORD_STATUS = frozenset(
    {OrdStatus.FILLED, OrdStatus.DONE_FOR_DAY, OrdStatus.CANCELED, OrdStatus.REJECTED, OrdStatus.EXPIRED}
)
_PENDING_ORD_STATUS = frozenset({OrdStatus.PENDING_NEW, OrdStatus.PENDING_CANCEL, OrdStatus.PENDING_REPLACE})


class OrdRejReason(StrEnum):
    """OrdRejReason(103) values we use."""

    BROKER_OPTION = "0"
    UNKNOWN_SYMBOL = "1"
    EXCHANGE_CLOSED = "2"
    ORDER_EXCEEDS_LIMIT = "3"
    TOO_LATE = "4"
    UNKNOWN_ORDER = "5"
    DUPLICATE_ORDER = "6"
    UNSUPPORTED = "11"
    INCORRECT_QUANTITY = "13"
    OTHER = "99"


class CxlRejReason(StrEnum):
    """CxlRejReason(102) values we use."""

    TOO_LATE = "0"
    UNKNOWN_ORDER = "1"
    ALREADY_PENDING = "3"
    DUPLICATE_CL_ORD_ID = "6"
    OTHER = "99"


class CxlRejResponseTo(StrEnum):
    """CxlRejResponseTo(434): which request a cancel reject answers."""

    CANCEL = "1"
    REPLACE = "2"


class MassCancelRequestType(StrEnum):
    """MassCancelRequestType(530) values we accept; MassCancelResponse(531) echoes them, 0 = rejected."""

    BY_SECURITY = "1"
    ALL_ORDERS = "7"


MASS_CANCEL_REJECTED = "0"


class MassCancelRejectReason(StrEnum):
    """MassCancelRejectReason(532)."""

    NOT_SUPPORTED = "0"
    UNKNOWN_SECURITY = "1"


class MassStatusReqType(StrEnum):
    """MassStatusReqType(585) values we send or serve."""

    BY_SECURITY = "1"
    ALL_ORDERS = "7"


class OrdType(StrEnum):
    """OrdType(40) values we take."""

    MARKET = "1"
    LIMIT = "2"


class TimeInForce(StrEnum):
    """TimeInForce(59)."""

    DAY = "0"
    GTC = "1"
    IOC = "3"
    GTD = "6"


class Boolean(StrEnum):
    YES = "Y"
    NO = "N"
