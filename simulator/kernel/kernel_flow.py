"""The compiled background flow for a whole universe, as the market drives it: one `SymbolFlow` per symbol."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from simulator.instruments import SymbolSpec
from simulator.kernel.flow_config import FlowConfig
from simulator.kernel.symbol_flow import SymbolFlow
from simulator.order_book import FillBatch, OrderBook
from simulator.regime import RegimeSchedule


def symbol_seeds(seed: int, symbols: Iterable[str]) -> dict[str, np.random.SeedSequence]:
    """Each symbol's own child of `seed`: what its flow draws from, in a market or in a recorded session."""
    ordered = sorted(symbols)
    return dict(zip(ordered, np.random.SeedSequence(seed).spawn(len(ordered)), strict=True))


class KernelFlow:
    """Background flow for every symbol from `start` on; schedule times count from `session_start`.

    Each symbol draws from its own child of `seed`, so adding a symbol does not disturb the others.
    """

    def __init__(
        self,
        universe: Mapping[str, SymbolSpec],
        seed: int,
        start: float,
        session_start: float,
        config: FlowConfig | None = None,
        schedules: Mapping[str, RegimeSchedule] | None = None,
    ) -> None:
        schedules = schedules or {}
        unknown = sorted(set(schedules) - set(universe))
        if unknown:
            raise ValueError(f"schedules given for symbols that are not listed: {unknown}")
        seeds = symbol_seeds(seed, universe)
        self.flows = {
            symbol: SymbolFlow(universe[symbol], seeds[symbol], start, session_start, config, schedules.get(symbol))
            for symbol in sorted(universe)
        }

    def next_time(self) -> float:
        """Where the flow's clock stands (it runs on demand, so this is when it can next act)."""
        return min((flow.time for flow in self.flows.values()), default=np.inf)

    def run(self, symbol: str, book: OrderBook, until: float) -> list[FillBatch]:
        """Run one symbol's flow up to `until`; return its trades, oldest first."""
        return self.flows[symbol].run(book, until)

    def client_traded(self, symbol: str, t: float, buy: bool, printed: int, from_background: int) -> None:
        """Tell `symbol`'s flow that a client's order printed `printed` units at `t`, `from_background` of them
        taken from the background's liquidity (see `SymbolFlow.client_traded`)."""
        self.flows[symbol].client_traded(t, buy, printed, from_background)
