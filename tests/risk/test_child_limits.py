"""check_child_action: each refusal, and the actions that must pass."""

from __future__ import annotations

import pytest

from risk.child_limits import check_child_action
from risk.verdict import RiskVerdict
from strategies.types import (
    CancelChild,
    ChildAction,
    ChildTif,
    Instrument,
    ParentView,
    PlaceChild,
    ReplaceChild,
    Side,
    WorkingChild,
)

XYZ = Instrument("XYZ", 0.01, 100)
RESTING = WorkingChild("c1", 19.99, 3_000, ChildTif.DAY, pending=False)
IN_FLIGHT = WorkingChild("c2", 20.00, 1_000, ChildTif.IOC, pending=True)


def parent(side: Side = Side.BUY, limit_px: float | None = 20.00) -> ParentView:
    """10,000 ordered, 2,000 done, 4,000 working: leaves 8,000, uncommitted 4,000."""
    return ParentView(
        parent_id="P1",
        instrument=XYZ,
        side=side,
        order_qty=10_000,
        cum_qty=2_000,
        limit_px=limit_px,
        start=0.0,
        end=60.0,
        plan_start=0.0,
        plan_cum_qty=0,
        children=(RESTING, IN_FLIGHT),
    )


@pytest.mark.parametrize(
    ("action", "side", "limit"),
    [
        (PlaceChild(4_000, 19.99, ChildTif.DAY, "all uncommitted"), Side.BUY, 20.00),
        (PlaceChild(100, 20.00, ChildTif.IOC, "at the limit"), Side.BUY, 20.00),
        (PlaceChild(100, 20.00, ChildTif.IOC, "at the limit"), Side.SELL, 20.00),
        (PlaceChild(100, 25.00, ChildTif.IOC, "market parent, any price"), Side.BUY, None),
        (PlaceChild(100, None, ChildTif.IOC, "market child, market parent"), Side.BUY, None),
        (ReplaceChild("c1", 7_000, 19.98, "working up to leaves"), Side.BUY, 20.00),
        (ReplaceChild("c1", 100, 19.99, "shrink"), Side.BUY, 20.00),
        (CancelChild("c1", "resting"), Side.BUY, 20.00),
        (CancelChild("c2", "cancels pass even when a request is in flight"), Side.BUY, 20.00),
    ],
)
def test_allowed(action: ChildAction, side: Side, limit: float | None) -> None:
    assert check_child_action(parent(side, limit), action) == RiskVerdict(True, "")


@pytest.mark.parametrize(
    ("action", "side", "reason"),
    [
        (PlaceChild(0, 19.99, ChildTif.DAY, ""), Side.BUY, "child qty must be > 0, got 0"),
        (PlaceChild(-100, 19.99, ChildTif.DAY, ""), Side.BUY, "child qty must be > 0, got -100"),
        (PlaceChild(150, 19.99, ChildTif.DAY, ""), Side.BUY, "child qty 150 is not a multiple of lot 100"),
        (PlaceChild(100, 19.995, ChildTif.DAY, ""), Side.BUY, "price 19.995 is off the 0.01 tick grid"),
        (PlaceChild(100, 0.0, ChildTif.DAY, ""), Side.BUY, "child price must be > 0, got 0.0"),
        (PlaceChild(100, 20.01, ChildTif.IOC, ""), Side.BUY, "buy at 20.01 is above the limit 20.00"),
        (PlaceChild(100, 19.99, ChildTif.IOC, ""), Side.SELL, "sell at 19.99 is below the limit 20.00"),
        (PlaceChild(100, None, ChildTif.IOC, ""), Side.BUY, "market child on a limit parent"),
        (
            PlaceChild(4_100, 19.99, ChildTif.DAY, ""),
            Side.BUY,
            "child qty 4100 exceeds uncommitted 4000 (order 10000, cum 2000, working 4000)",
        ),
        (
            ReplaceChild("c1", 7_100, 19.99, ""),
            Side.BUY,
            "replace to 7100 would make working 8100 exceed leaves 8000",
        ),
        (ReplaceChild("c9", 100, 19.99, ""), Side.BUY, "child c9 is not working"),
        (ReplaceChild("c2", 100, 19.99, ""), Side.BUY, "child c2 has a request in flight"),
        (ReplaceChild("c1", 0, 19.99, ""), Side.BUY, "child qty must be > 0, got 0"),
        (ReplaceChild("c1", 3_000, 20.01, ""), Side.BUY, "buy at 20.01 is above the limit 20.00"),
        (ReplaceChild("c1", 3_000, 19.991, ""), Side.BUY, "price 19.991 is off the 0.01 tick grid"),
        (CancelChild("c9", ""), Side.BUY, "child c9 is not working"),
    ],
)
def test_refused(action: ChildAction, side: Side, reason: str) -> None:
    assert check_child_action(parent(side), action) == RiskVerdict(False, reason)


def test_fully_committed_parent_refuses_any_new_child() -> None:
    full = ParentView(
        parent_id="P2",
        instrument=XYZ,
        side=Side.BUY,
        order_qty=5_000,
        cum_qty=1_000,
        limit_px=None,
        start=0.0,
        end=60.0,
        plan_start=0.0,
        plan_cum_qty=0,
        children=(RESTING, IN_FLIGHT),
    )
    verdict = check_child_action(full, PlaceChild(100, 20.00, ChildTif.IOC, ""))
    assert not verdict.ok
    assert "exceeds uncommitted 0" in verdict.reason
