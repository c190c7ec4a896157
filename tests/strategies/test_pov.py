"""POV: a share of the venue's volume since the parent began, capped by ParticipationRate(849), never swept."""

from __future__ import annotations

import dataclasses

from parent_builder import START, make_parent, make_quote

from strategies.pov import Pov, PovConfig
from strategies.twap import TwapConfig
from strategies.types import ChildTif, PlaceChild

POV = Pov(TwapConfig(slice_interval_s=10.0, catch_up_slices=0.5), PovConfig(participation=0.1))


def quote_with_volume(volume: int) -> object:
    return dataclasses.replace(make_quote(20.00, 20.02), volume=volume)


def test_due_is_the_rate_times_the_volume_since_the_start() -> None:
    parent = dataclasses.replace(make_parent(), start_volume=1_000)
    pos = POV.position(parent, quote_with_volume(31_000), START + 30.0)  # type: ignore[arg-type]
    assert pos.due_now == 3_000  # 10% of 30,000
    assert pos.due_by_slice_end == 3_000 + 1_000  # the next 10 s at the pace seen: 10,000 more traded
    assert pos.slice_qty == 1_000


def test_participation_rate_caps_the_configured_rate() -> None:
    parent = dataclasses.replace(make_parent(), start_volume=0, participation_cap=0.05)
    # Under a cap it aims at 80% of it: the risk overlay's window counts the resting child and the catch-up too.
    assert POV.position(parent, quote_with_volume(40_000), START + 40.0).due_now == 1_600  # type: ignore[arg-type]
    looser = dataclasses.replace(parent, participation_cap=0.5)
    assert POV.position(looser, quote_with_volume(40_000), START + 40.0).due_now == 4_000  # type: ignore[arg-type]


def test_behind_it_crosses_and_never_more_than_the_order() -> None:
    parent = dataclasses.replace(make_parent(), start_volume=0)  # 50,000 to do
    actions = POV.decide(parent, quote_with_volume(40_000), START + 40.0)  # type: ignore[arg-type]
    crossing = [a for a in actions if isinstance(a, PlaceChild) and a.tif is ChildTif.IOC]
    assert crossing and sum(a.qty for a in crossing) <= 4_000
    huge = POV.position(parent, quote_with_volume(10_000_000), START + 40.0)  # type: ignore[arg-type]
    assert huge.due_now == parent.order_qty


def test_no_sweep_at_the_end_and_nothing_before_the_volume_is_known() -> None:
    parent = dataclasses.replace(make_parent(), start_volume=0)
    late = POV.decide(parent, quote_with_volume(20_000), parent.end - 1.0)  # type: ignore[arg-type]
    placed = sum(a.qty for a in late if isinstance(a, PlaceChild))
    # 10% of 20,000 and of the next slice's volume at the pace seen, not the 50,000 a sweep would send.
    assert 2_000 <= placed <= 2_000 + 0.1 * 20_000 / 59 * 10 + 1
    unknown = dataclasses.replace(make_parent(), start_volume=None)
    assert POV.position(unknown, quote_with_volume(50_000), START + 10.0).due_now == 0  # type: ignore[arg-type]
