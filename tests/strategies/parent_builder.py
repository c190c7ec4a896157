"""Builders for the parents, children and quotes the TWAP tests use."""

from __future__ import annotations

from strategies.types import ChildTif, Instrument, ParentView, Quote, Side, WorkingChild

INSTRUMENT = Instrument("XYZ", 0.01, 100)
START = 1_000.0
END = 1_060.0


def make_parent(
    *,
    side: Side = Side.BUY,
    order_qty: int = 50_000,
    cum_qty: int = 0,
    limit_px: float | None = None,
    children: tuple[WorkingChild, ...] = (),
    start: float = START,
    end: float = END,
    plan_start: float | None = None,
    plan_cum_qty: int = 0,
    instrument: Instrument = INSTRUMENT,
) -> ParentView:
    return ParentView(
        parent_id="P1",
        instrument=instrument,
        side=side,
        order_qty=order_qty,
        cum_qty=cum_qty,
        limit_px=limit_px,
        start=start,
        end=end,
        plan_start=start if plan_start is None else plan_start,
        plan_cum_qty=plan_cum_qty,
        children=children,
    )


def make_child(
    child_id: str, price: float, leaves: int, *, tif: ChildTif = ChildTif.DAY, pending: bool = False
) -> WorkingChild:
    return WorkingChild(child_id=child_id, price=price, leaves_qty=leaves, tif=tif, pending=pending)


def make_quote(bid: float | None, ask: float | None, *, size: int = 5_000) -> Quote:
    return Quote(
        symbol=INSTRUMENT.symbol,
        bid_px=bid,
        bid_qty=size if bid is not None else 0,
        ask_px=ask,
        ask_qty=size if ask is not None else 0,
        timestamp=0.0,
    )
