"""OMS client -> agent -> simulated venue, over real QuickFIX sessions on loopback."""

from __future__ import annotations

import time

import pytest
from fix_stack import Stack

from agent.fix.oms_client import TERMINAL_STATUSES, OmsClient, Received

pytestmark = pytest.mark.e2e

SYMBOL = "CRYPTOALPHA"


def check_invariants(reports: list[Received]) -> None:
    """FIX 4.4 parent semantics on every ExecutionReport of one parent."""
    fills: list[tuple[int, float]] = []
    exec_ids = set()
    for r in reports:
        assert r.get(17) not in exec_ids, "ExecID reused"
        exec_ids.add(r.get(17))
        qty, cum, leaves = r.as_int(38), r.as_int(14), r.as_int(151)
        assert cum <= qty, f"overfill: {r.raw}"
        if r.get(39) in TERMINAL_STATUSES:
            assert leaves == 0
        else:
            assert cum + leaves == qty
        if r.get(150) == "F":
            fills.append((r.as_int(32), r.as_float(31)))
            assert sum(q for q, _ in fills) == cum
            vwap = sum(q * p for q, p in fills) / cum
            assert r.as_float(6) == pytest.approx(vwap, abs=1e-6)


def parent_reports(oms: OmsClient, *cl_ord_ids: str) -> list[Received]:
    return [m for m in oms.reports_for(cl_ord_ids) if m.get(150) != "I"]


def wait_cum_above(oms: OmsClient, cl_ord_id: str, qty: int, timeout: float) -> Received | None:
    return oms.wait_for(lambda m: m.msg_type == "8" and m.get(11) == cl_ord_id and m.as_int(14) > qty, timeout)


def test_parent_filled_completely_by_its_expire_time(stack: Stack, oms: OmsClient) -> None:
    expire = time.time() + 8
    cl = oms.new_order(SYMBOL, "1", 5_000, tif="6", expire_time=expire, target_strategy="1000")
    done = oms.wait_done([cl], 25)
    assert done is not None and done.get(39) == "2", done and done.raw
    assert time.time() <= expire + 1.0
    reports = parent_reports(oms, cl)
    assert [r.get(150) for r in reports[:2]] == ["A", "0"]
    check_invariants(reports)
    assert done.as_int(14) == 5_000 and done.as_int(151) == 0
    assert sum(r.as_int(32) for r in reports if r.get(150) == "F") == 5_000
    assert not stack.agent_orders_at_venue()


def test_sell_parent_with_limit_never_trades_through_it(stack: Stack, oms: OmsClient) -> None:
    mid = stack.mid(SYMBOL)
    limit = f"{mid * 1.0005:.3f}"  # a sell limit above the mid: only the passive side can fill
    cl = oms.new_order(SYMBOL, "2", 2_000, ord_type="2", price=limit, tif="6", expire_time=time.time() + 5)
    done = oms.wait_done([cl], 20)
    assert done is not None
    reports = parent_reports(oms, cl)
    check_invariants(reports)
    assert all(r.as_float(31) >= float(limit) for r in reports if r.get(150) == "F")
    assert not stack.agent_orders_at_venue()


def test_cancel_mid_way(stack: Stack, oms: OmsClient) -> None:
    cl = oms.new_order(SYMBOL, "1", 40_000, tif="6", expire_time=time.time() + 40)
    assert wait_cum_above(oms, cl, 0, 15) is not None
    ccl = oms.cancel(cl, SYMBOL, "1")
    done = oms.wait_done([ccl], 10)
    assert done is not None and done.get(39) == "4", done and done.raw
    assert 0 < done.as_int(14) < 40_000 and done.as_int(151) == 0
    assert done.get(41) == cl
    check_invariants(parent_reports(oms, cl, ccl))
    assert not stack.agent_orders_at_venue()


def test_replace_down_in_quantity(stack: Stack, oms: OmsClient) -> None:
    cl = oms.new_order(SYMBOL, "1", 30_000, tif="6", expire_time=time.time() + 10)
    first = wait_cum_above(oms, cl, 0, 15)
    assert first is not None
    new_qty = 12_000
    rcl = oms.replace(cl, SYMBOL, "1", new_qty)
    replaced = oms.wait_for(lambda m: m.msg_type == "8" and m.get(11) == rcl and m.get(150) == "5", 10)
    assert replaced is not None, [m.raw for m in oms.messages[-5:]]
    assert replaced.as_int(38) == new_qty and replaced.get(41) == cl
    done = oms.wait_done([rcl], 20)
    assert done is not None and done.get(39) == "2"
    assert done.as_int(14) == new_qty
    check_invariants(parent_reports(oms, cl, rcl))


def test_mass_cancel(stack: Stack, oms: OmsClient) -> None:
    a = oms.new_order(SYMBOL, "1", 20_000, tif="6", expire_time=time.time() + 60)
    b = oms.new_order("ACME", "2", 20_000, tif="6", expire_time=time.time() + 60)
    assert oms.wait_for(lambda m: m.get(11) == b and m.get(150) == "0", 5)
    m = oms.mass_cancel("7")
    report = oms.wait_for(lambda x: x.msg_type == "r" and x.get(11) == m, 5)
    assert report is not None and report.get(531) == "7" and report.as_int(533) == 2
    for cl in (a, b):
        done = oms.wait_done([cl], 10)
        assert done is not None and done.get(39) == "4"
    assert not stack.agent_orders_at_venue()


def test_order_status_request(stack: Stack, oms: OmsClient) -> None:
    cl = oms.new_order(SYMBOL, "1", 1_000, tif="6", expire_time=time.time() + 30)
    assert oms.wait_for(lambda m: m.get(11) == cl and m.get(150) == "0", 5)
    oms.status(cl, SYMBOL, "1")
    status = oms.wait_for(lambda m: m.get(11) == cl and m.get(150) == "I", 5)
    assert status is not None and status.get(39) in ("0", "1")
    oms.cancel(cl, SYMBOL, "1")


REJECTS = [
    ("unknown symbol", [(55, "NOPE")], "1", "unknown symbol 'NOPE'"),
    ("zero quantity", [(38, "0")], "13", "OrderQty(38) must be > 0"),
    ("lot multiple", [(55, "ACME"), (38, "150")], "13", "not a multiple of the lot size 100"),
    ("missing side", [(54, None)], "99", "missing required tag Side(54)"),
    ("invalid side", [(54, "Z")], "11", "invalid Side(54) 'Z'"),
    ("expire in the past", [(126, "20200101-00:00:00.000")], "4", "ExpireTime(126) is in the past"),
    ("expire before effective", [(168, "+20"), (126, "+10")], "99", "not after EffectiveTime(168)"),
    ("unknown strategy", [(847, "4242")], "11", "unknown TargetStrategy(847) '4242'"),
    ("absurd limit", [(40, "2"), (44, "99.000")], "99", "from mid"),
    ("bad urgency tag", [(847, "1001"), (7001, "fast")], "99", "Urgency(7001) must be a number in [0, 50]"),
]


@pytest.mark.parametrize(("name", "changes", "reason", "text"), REJECTS, ids=[r[0] for r in REJECTS])
def test_bad_parent_is_rejected_over_fix(stack: Stack, oms: OmsClient, name: str,
                                         changes: list[tuple[int, str | None]], reason: str, text: str) -> None:
    from agent.fix.fix_time import format_utc_timestamp

    cl = oms.next_id()
    fields: dict[int, str | None] = {11: cl, 55: SYMBOL, 54: "1", 60: format_utc_timestamp(time.time()),
                                     38: "1000", 40: "1", 59: "6",
                                     126: format_utc_timestamp(time.time() + 30)}
    for tag, value in changes:
        if value is not None and value.startswith("+"):
            value = format_utc_timestamp(time.time() + float(value[1:]))
        fields[tag] = value
    oms.send("D", [(t, v) for t, v in fields.items() if v is not None])
    rej = oms.wait_for(lambda m: m.msg_type == "8" and m.get(11) == cl, 5)
    assert rej is not None, f"no answer to {name}"
    assert (rej.get(150), rej.get(39), rej.get(103)) == ("8", "8", reason)
    assert text in (rej.get(58) or "")


def test_duplicate_cl_ord_id_is_rejected_over_fix(stack: Stack, oms: OmsClient) -> None:
    cl = oms.new_order(SYMBOL, "1", 1_000, tif="6", expire_time=time.time() + 30)
    assert oms.wait_for(lambda m: m.get(11) == cl and m.get(150) == "0", 5)
    start = len(oms.messages)
    oms.new_order(SYMBOL, "1", 1_000, tif="6", expire_time=time.time() + 30, cl_ord_id=cl)
    rej = oms.wait_for(lambda m: m.get(11) == cl and m.get(150) == "8", 5, start=start)
    assert rej is not None and rej.get(103) == "6"
    oms.cancel(cl, SYMBOL, "1")


def test_malformed_message_gets_a_session_reject(stack: Stack, oms: OmsClient) -> None:
    from agent.fix.fix_time import format_utc_timestamp

    oms.send("D", [(11, oms.next_id()), (55, SYMBOL), (54, "1"), (60, format_utc_timestamp(time.time())),
                   (38, "lots"), (40, "1")])
    rej = oms.wait_for(lambda m: m.msg_type == "3", 5)
    assert rej is not None and rej.get(371) == "38"


def test_unsupported_message_type_gets_a_business_reject(stack: Stack, oms: OmsClient) -> None:
    oms.send("R", [(131, "QR1")], groups=[(146, 55, [(55, SYMBOL)])])
    rej = oms.wait_for(lambda m: m.msg_type == "j", 5)
    assert rej is not None and rej.get(372) == "R" and rej.get(380) == "3"


def test_unknown_comp_id_cannot_log_on(stack: Stack) -> None:
    intruder = stack.client(sender="INTRUDER")
    intruder.start()
    try:
        assert not intruder.wait_logged_on(3)
    finally:
        intruder.stop()


def test_agent_survives_bad_input_and_still_trades(stack: Stack, oms: OmsClient) -> None:
    oms.send("F", [(11, oms.next_id()), (41, "NO-SUCH-ORDER"), (55, SYMBOL), (54, "1")])
    rej = oms.wait_for(lambda m: m.msg_type == "9", 5)
    assert rej is not None and rej.get(102) == "1"
    cl = oms.new_order(SYMBOL, "2", 500, tif="6", expire_time=time.time() + 4)
    done = oms.wait_done([cl], 15)
    assert done is not None and done.get(39) == "2"


def test_strategy_parameters_travel_in_custom_tags(stack: Stack, oms: OmsClient) -> None:
    cl = oms.new_order(SYMBOL, "1", 1_000, tif="6", expire_time=time.time() + 30, target_strategy="1001",
                       extra=[(7001, "3")])
    new = oms.wait_for(lambda m: m.get(11) == cl and m.get(150) == "0", 5)
    assert new is not None and (new.get(58) or "").startswith("accepted: IS urgency 3 until")
    oms.cancel(cl, SYMBOL, "1")
