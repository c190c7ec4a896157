"""check_limit_price: a limit too far from mid is refused either way; no mid is refused."""

from __future__ import annotations

import pytest

from risk.price_collar import check_limit_price
from risk.verdict import RiskVerdict
from strategies.types import Instrument, Side

XYZ = Instrument("XYZ", 0.01, 100)


@pytest.mark.parametrize(
    ("limit", "side", "reason"),
    [
        (30.00, Side.BUY, "buy limit 30.00 is 50.0% from mid 20.00 (max 10%)"),
        (10.00, Side.BUY, "buy limit 10.00 is 50.0% from mid 20.00 (max 10%)"),
        (30.00, Side.SELL, "sell limit 30.00 is 50.0% from mid 20.00 (max 10%)"),
        (17.99, Side.SELL, "sell limit 17.99 is 10.1% from mid 20.00 (max 10%)"),
        (22.01, Side.BUY, "buy limit 22.01 is 10.1% from mid 20.00 (max 10%)"),
    ],
)
def test_far_limit_is_refused(limit: float, side: Side, reason: str) -> None:
    assert check_limit_price(limit, side, 20.00, 10.0, instrument=XYZ) == RiskVerdict(False, reason)


@pytest.mark.parametrize(
    ("limit", "side"), [(20.00, Side.BUY), (21.50, Side.SELL), (18.00, Side.BUY), (22.00, Side.SELL)]
)
def test_limit_inside_the_collar_passes(limit: float, side: Side) -> None:
    assert check_limit_price(limit, side, 20.00, 10.0, instrument=XYZ).ok


@pytest.mark.parametrize("mid", [None, 0.0])
def test_no_market_data_is_refused(mid: float | None) -> None:
    verdict = check_limit_price(20.00, Side.BUY, mid, 10.0, instrument=XYZ)
    assert verdict == RiskVerdict(False, "no market data for XYZ")


def test_fractional_max_is_printed_as_given() -> None:
    verdict = check_limit_price(20.20, Side.BUY, 20.00, 0.5, instrument=XYZ)
    assert verdict.reason == "buy limit 20.20 is 1.0% from mid 20.00 (max 0.5%)"
