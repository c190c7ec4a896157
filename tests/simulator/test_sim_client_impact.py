"""Client orders that take liquidity move the market through the flow's reaction, as the flow's own do."""

from __future__ import annotations

from simulator.market import Market, simulated_market
from simulator.orders import OrderType, Side

T0 = 1_800_000_000.0


def mid(market: Market, symbol: str) -> float:
    depth = market.depth(symbol, 1)
    return (depth.bids[0].price + depth.asks[0].price) / 2


def mid_after(seed: int, sell: int, wait_s: float) -> float:
    market = simulated_market(seed, start_time=T0)
    market.advance(T0 + 10)
    if sell:
        market.submit("client", "CRYPTOALPHA", Side.SELL, sell, OrderType.MARKET)
    market.advance(T0 + 10 + wait_s)
    return mid(market, "CRYPTOALPHA")


def test_a_client_market_sell_moves_the_mid_down_beyond_the_levels_it_took() -> None:
    for seed in (1, 2, 3):
        base, hit = mid_after(seed, 0, 60), mid_after(seed, 20_000, 60)  # 1% of ADV at once
        impact_bps = (hit - base) / base * 1e4
        assert impact_bps < -10, f"seed {seed}: {impact_bps:.1f} bps"


def test_the_move_partly_reverts_but_stays() -> None:
    peaks, laters = [], []
    for seed in (1, 2, 3, 4):
        peaks.append(mid_after(seed, 20_000, 60) / mid_after(seed, 0, 60) - 1)
        laters.append(mid_after(seed, 20_000, 3600) / mid_after(seed, 0, 3600) - 1)
    ratio = sum(laters) / sum(peaks)  # measured about 0.34 over these seeds (an hour after, one impulse)
    assert 0.2 < ratio < 0.9
