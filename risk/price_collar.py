"""Refuse a parent limit price absurdly far from the market (a fat-finger check)."""

from __future__ import annotations

from risk.verdict import RiskVerdict
from strategies.types import Instrument, Side


def check_limit_price(
    limit_px: float,
    side: Side,
    quote_mid: float | None,
    max_deviation_pct: float,
    *,
    instrument: Instrument,
) -> RiskVerdict:
    """Refuse when |limit / mid - 1| exceeds max_deviation_pct percent, either side, or there is no mid."""
    if quote_mid is None or not quote_mid > 0:
        return RiskVerdict.refuse(f"no market data for {instrument.symbol}")
    deviation_pct = abs(limit_px / quote_mid - 1.0) * 100.0
    # The tolerance lets a limit exactly at the collar through despite float noise (22/20 - 1 > 0.1).
    if deviation_pct > max_deviation_pct + 1e-9:
        fmt = instrument.format_price
        return RiskVerdict.refuse(
            f"{side.name.lower()} limit {fmt(limit_px)} is {deviation_pct:.1f}% from mid {fmt(quote_mid)} "
            f"(max {max_deviation_pct:g}%)"
        )
    return RiskVerdict.allow()
