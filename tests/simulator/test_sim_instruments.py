"""The listed universe: the exact grids the agent is configured with, and price-grid arithmetic."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from simulator.instruments import ACME, CRYPTOALPHA, DEFAULT_UNIVERSE


def test_the_default_universe_lists_the_agreed_grids() -> None:
    assert set(DEFAULT_UNIVERSE) == {"CRYPTOALPHA", "ACME"}
    assert (CRYPTOALPHA.tick_size, CRYPTOALPHA.lot_size, CRYPTOALPHA.ref_price, CRYPTOALPHA.adv) == (
        0.001, 1, 20.00, 2_000_000,
    )  # fmt: skip
    assert CRYPTOALPHA.session == "24h"
    assert (ACME.tick_size, ACME.lot_size, ACME.ref_price, ACME.adv) == (0.01, 100, 50.00, 5_000_000)
    assert ACME.session == "equity"


def test_prices_map_to_ticks_only_on_the_grid() -> None:
    assert CRYPTOALPHA.price_to_ticks(20.001) == 20_001
    assert CRYPTOALPHA.price_to_ticks(20.0005) is None
    assert ACME.price_to_ticks(50.07) == 5_007
    assert ACME.ticks_to_price(5_007) == 50.07
    assert CRYPTOALPHA.format_price(20.0) == "20.000"
    assert ACME.format_price(50.1) == "50.10"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"tick_size": 0.0}, "tick_size"), ({"lot_size": 0}, "lot_size"), ({"ref_price": 20.0005}, "ref_price")],
)
def test_bad_specs_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(CRYPTOALPHA, **change)
