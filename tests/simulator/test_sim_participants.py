"""Institutions, informed and predatory traders, scheduled flows: each does what the flow model says, in paired
runs of the compiled market (same seed, one thing changed)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulator.instruments import ACME, CRYPTOALPHA
from simulator.kernel import predators
from simulator.kernel.activity_profile import default_schedule
from simulator.kernel.flow_config import FlowConfig
from simulator.realism.trade_signs import sign_memory
from simulator.regime import Participants, RegimeSchedule
from simulator.session_runner import Metaorder, simulate_session
from simulator.studies.participants import PredatorSettings, predator_study
from simulator.tape import OrderKind, Tape


def market_signs(tape: Tape) -> np.ndarray:
    o = tape.orders
    assert o is not None
    return o.side[o.kind == OrderKind.MARKET]


def test_market_order_signs_have_long_memory() -> None:
    days = [simulate_session(ACME, None, seed, 0.0, ACME.session_seconds, record_orders=True) for seed in (3, 4, 5)]
    memory = sign_memory(np.concatenate([market_signs(day) for day in days]).astype(np.int8))
    assert 0.1 <= memory.c1 <= 0.6
    assert 0.2 <= memory.gamma <= 0.9
    assert memory.acf[99] > 0


def test_the_detector_finds_a_strict_schedule_and_not_a_jittered_one() -> None:
    pred = np.zeros((2, predators.ROWS, predators.R_COLUMNS))
    due = [predators.observe(pred, 0, 500, 10.0 * k) for k in range(6)]
    assert due[:4] == [math.inf] * 4 and due[4] == pytest.approx(50.0) and due[5] == pytest.approx(60.0)
    # Someone else's order of the same size between two children does not break the pattern.
    assert predators.observe(pred, 0, 500, 52.0) == math.inf
    assert predators.observe(pred, 0, 500, 60.0) == pytest.approx(70.0)
    rng = np.random.default_rng(1)
    jittered = np.zeros((2, predators.ROWS, predators.R_COLUMNS))
    t = 0.0
    for _ in range(40):
        t += 10.0 * (1.0 + 0.5 * (2.0 * rng.random() - 1.0))
        assert predators.observe(jittered, 1, 700, t) == math.inf
    # Several levels printed at once by one order are one print, not a pattern.
    assert predators.observe(pred, 0, 500, 60.0) == math.inf


def test_predators_make_a_strict_schedule_pay_and_miss_a_randomised_one() -> None:
    study = predator_study(CRYPTOALPHA, [1, 2, 3, 4], PredatorSettings(duration_s=1800.0), workers=1)
    assert study.predators_cost_strict.mean > 3 * study.predators_cost_strict.stderr > 0
    assert study.random_on == study.random_off  # never recognised: the very same market
    assert study.randomising_saves.mean > 0


def with_participants(schedule: RegimeSchedule, **kwargs: object) -> RegimeSchedule:
    return dataclasses.replace(schedule, participants=Participants(**kwargs))  # type: ignore[arg-type]


def signed_market_volume(tape: Tape, start: float, end: float) -> float:
    o = tape.orders
    assert o is not None
    inside = (o.kind == OrderKind.MARKET) & (o.time >= start) & (o.time < end)
    return float(np.sum(o.qty[inside] * o.side[inside]))


@pytest.mark.parametrize("jump_bps", [60.0, -60.0])
def test_an_informed_trader_trades_the_releases_way_before_it(jump_bps: float) -> None:
    calm = dataclasses.replace(default_schedule(CRYPTOALPHA), jump_times=np.array([1800.0]),
                               jump_bps=np.array([jump_bps]))  # fmt: skip
    informed = with_participants(calm, informed_probability=1.0, informed_lead_s=600.0, informed_size_adv=0.01)
    no_random_news = FlowConfig(jump_rate_per_hour=0.0)
    off = simulate_session(CRYPTOALPHA, calm, 5, 0.0, 2400.0, record_orders=True, config=no_random_news)
    on = simulate_session(CRYPTOALPHA, informed, 5, 0.0, 2400.0, record_orders=True, config=no_random_news)
    extra = signed_market_volume(on, 1200.0, 1800.0) - signed_market_volume(off, 1200.0, 1800.0)
    # 1% of ADV its way over the lead (the rest of the flow shifts a little: it trades on a moved book).
    assert math.copysign(1.0, extra) == math.copysign(1.0, jump_bps)
    assert 0.5 * 0.01 * CRYPTOALPHA.adv < abs(extra) < 1.5 * 0.01 * CRYPTOALPHA.adv
    assert np.array_equal(on.quotes.mid[:1190], off.quotes.mid[:1190])  # nobody knew before the lead


def test_a_scheduled_flow_sells_its_quantity_over_its_window() -> None:
    calm = default_schedule(CRYPTOALPHA)
    selling = with_participants(calm, scheduled_flows=((600.0, 1200.0, -1, 60_000),))
    off = simulate_session(CRYPTOALPHA, calm, 6, 0.0, 2400.0, record_orders=True)
    on = simulate_session(CRYPTOALPHA, selling, 6, 0.0, 2400.0, record_orders=True)
    extra = signed_market_volume(on, 600.0, 1900.0) - signed_market_volume(off, 600.0, 1900.0)
    assert -75_000 < extra < -45_000
    assert on.quotes.mid[1800] < off.quotes.mid[1800]  # the selling pushed the price down


def test_a_jittered_metaorder_trades_its_quantity_at_irregular_times() -> None:
    plan = Metaorder(1, 20_000, 300.0, 1200.0, 20.0, jitter=0.5)
    tape = simulate_session(CRYPTOALPHA, None, 2, 0.0, 1800.0, metaorder=plan)
    ours = tape.trades.ours & (tape.trades.aggressor == 1)
    assert int(tape.trades.qty[ours].sum()) == 20_000
    gaps = np.diff(np.unique(tape.trades.time[ours]))
    assert np.std(gaps) > 0.2 * np.mean(gaps)
