"""Scenario files: every kind of bad field is a ScenarioError naming the file, the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario_offsets import format_offset, parse_offset

HEAD = """\
name: t
description: a test scenario
seed: 7
duration: 1h
"""


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, HEAD + "symbol: CRYPTOALPHA\n", "ok.yaml"))
    assert scenario.duration == 3600.0
    assert scenario.symbol.to_spec().adv == 2_000_000
    assert scenario.timeline == ()
    assert scenario.order is None


def test_unknown_top_level_key_is_named_with_a_suggestion_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\nsede: 3\n")
    message = error_of(path)
    assert message.startswith(f"{path}: sede: unknown field; did you mean seed?")
    assert "(line 6)" in message


def test_unknown_key_in_a_timeline_step(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - at: 10m\n    spred_mult: 2\n")
    message = error_of(path)
    assert f"{path}: timeline[0].spred_mult: unknown field; did you mean spread_mult?" in message
    assert "(line 8)" in message


def test_negative_multiplier_names_the_step_and_field(tmp_path: Path) -> None:
    text = HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, vol_mult: 2}\n  - {at: 2m, vol_mult: 1}\n" \
                  "  - {at: 3m, spread_mult: -1}\n"
    path = write(tmp_path, text, "volatility_surge.yaml")
    message = error_of(path)
    assert f"{path}: timeline[2].spread_mult: must be > 0" in message
    assert "(line 9)" in message


def test_zero_depth_multiplier_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, depth_mult_bid: 0}\n")
    assert f"{path}: timeline[0].depth_mult_bid: must be > 0" in error_of(path)


def test_bad_duration_text(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD.replace("duration: 1h", "duration: 3 hours") + "symbol: CRYPTOALPHA\n")
    message = error_of(path)
    assert f"{path}: duration: '3 hours' is not a duration" in message
    assert "(line 4)" in message


def test_negative_offset_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: -5, vol_mult: 2}\n")
    assert f"{path}: timeline[0].at: -5 is not a duration: it must be finite and >= 0" in error_of(path)


def test_at_beyond_the_duration(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 10m, vol_mult: 2}\n  - {at: 2h, vol_mult: 1}\n")
    message = error_of(path)
    assert f"{path}: timeline[1].at: 2h is not before the end of the scenario (1h)" in message
    assert "(line 8)" in message


def test_ramp_running_past_the_end(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 50m, ramp: 20m, vol_mult: 2}\n")
    assert f"{path}: timeline[0].ramp: ends at 1h10m, after the end of the scenario (1h)" in error_of(path)


def test_recover_running_past_the_end(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 50m, recover: 20m}\n")
    assert f"{path}: timeline[0].recover: ends at 1h10m" in error_of(path)


def test_a_step_inside_the_previous_ramp_is_refused(tmp_path: Path) -> None:
    text = HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 10m, ramp: 20m, vol_mult: 2}\n  - {at: 20m, spread_mult: 2}\n"
    path = write(tmp_path, text)
    assert f"{path}: timeline[1].at: 20m starts inside the ramp of timeline[0], which ends at 30m" in error_of(path)


def test_steps_out_of_order_are_refused(tmp_path: Path) -> None:
    text = HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 30m, vol_mult: 2}\n  - {at: 10m, vol_mult: 1}\n"
    path = write(tmp_path, text)
    assert f"{path}: timeline[1].at: 10m is not after timeline[0] (30m); list steps in time order" in error_of(path)


def test_a_step_may_start_where_the_previous_ramp_ends(tmp_path: Path) -> None:
    text = HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 10m, ramp: 20m, vol_mult: 2}\n  - {at: 30m, vol_mult: 1}\n"
    assert len(load_scenario(write(tmp_path, text, "ok.yaml")).timeline) == 2


def test_unknown_symbol_without_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: FOOBAR\n")
    message = error_of(path)
    assert f"{path}: symbol.name: 'FOOBAR' is not a built-in symbol (ACME, CRYPTOALPHA)" in message
    assert "missing: price, tick, lot, adv, spread_bps, depth, session, typical_order_size, daily_vol or annual_vol" \
        in message


def test_unknown_symbol_with_every_parameter_loads_and_annualised_vol_converts(tmp_path: Path) -> None:
    text = HEAD + ("symbol:\n  name: FOOBAR\n  price: 12.5\n  tick: 0.01\n  lot: 10\n  adv: 300000\n  spread_bps: 8\n"
                   "  annual_vol: 0.504\n  depth: 20000\n  session: equity\n  typical_order_size: 200\n")
    spec = load_scenario(write(tmp_path, text, "ok.yaml")).symbol.to_spec()
    assert (spec.symbol, spec.ref_price, spec.lot_size, spec.session) == ("FOOBAR", 12.5, 10, "equity")
    assert spec.daily_vol == pytest.approx(0.504 / 252**0.5)


def test_daily_and_annual_vol_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: {name: CRYPTOALPHA, daily_vol: 0.03, annual_vol: 0.6}\n")
    assert f"{path}: symbol.annual_vol: give daily_vol or annual_vol, not both" in error_of(path)


def test_price_off_the_tick_grid_names_the_price(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: {name: ACME, price: 50.005}\n")
    assert f"{path}: symbol.price: 50.005 is not on tick 0.01" in error_of(path)


def test_bad_yaml_syntax_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 10m, vol_mult: 2\n")
    message = error_of(path)
    assert message.startswith(f"{path}: line 8, column 1: not valid YAML")


def test_bad_indentation_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol:\n  name: ACME\n   adv: 3\n")
    assert error_of(path).startswith(f"{path}: line 7, column 7: not valid YAML")


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "- just\n- a list\n")
    assert error_of(path) == f"{path}: the file must be a mapping of fields (name, seed, duration, symbol, ...)"


def test_missing_required_fields_are_each_named(tmp_path: Path) -> None:
    path = write(tmp_path, "name: t\ndescription: d\nduration: 1h\n")
    lines = error_of(path).splitlines()
    assert f"{path}: seed: required" in lines
    assert f"{path}: symbol: required" in lines


def test_every_error_is_reported_on_its_own_line(tmp_path: Path) -> None:
    text = HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, vol_mult: 0}\n  - {at: 2m, spread_mult: -2}\n"
    lines = error_of(write(tmp_path, text)).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["timeline[0].vol_mult", "timeline[1].spread_mult"]


def test_bad_news_direction(tmp_path: Path) -> None:
    text = HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - at: 10m\n    news: {jump_bps_mean: 50, direction: sideways}\n"
    path = write(tmp_path, text)
    assert f"{path}: timeline[0].news.direction: must be one of 'up', 'down' or 'random', got 'sideways'" \
        in error_of(path)


def test_a_step_setting_only_an_absolute_spread_is_a_change(tmp_path: Path) -> None:
    step = load_scenario(write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, spread_bps: 10}\n")).timeline[0]
    assert step.targets(5.0) == {"spread_mult": 2.0}


def test_spread_as_multiplier_and_bps_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, spread_mult: 2, spread_bps: 10}\n")
    assert f"{path}: timeline[0].spread_bps: give spread_mult or spread_bps, not both" in error_of(path)


def test_depth_for_both_sides_and_one_side_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, depth_mult: 0.5, depth_mult_bid: 0.2}\n")
    assert f"{path}: timeline[0].depth_mult: give depth_mult (both sides)" in error_of(path)


def test_ramp_and_recover_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, ramp: 5m, recover: 5m}\n")
    assert f"{path}: timeline[0].recover: give ramp or recover, not both" in error_of(path)


def test_a_step_that_changes_nothing_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\ntimeline:\n  - {at: 1m, ramp: 5m}\n")
    message = error_of(path)
    assert f"{path}: timeline[0]: this step changes nothing" in message
    assert "(line 7)" in message


def test_order_quantity_off_the_lot_grid(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: ACME\norder: {side: buy, qty: 1050}\n")
    assert f"{path}: order.qty: 1050 is not a multiple of the lot size 100" in error_of(path)


def test_order_running_past_the_end(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\norder: {side: sell, qty: 1000, start: 30m, duration: 45m}\n")
    assert f"{path}: order.duration: the order ends at 1h15m, after the end of the scenario (1h)" in error_of(path)


def test_order_bad_side(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\norder: {side: short, qty: 1000}\n")
    assert f"{path}: order.side: must be one of 'buy' or 'sell', got 'short'" in error_of(path)


def test_order_limit_off_the_tick_grid(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: ACME\norder: {side: buy, qty: 1000, limit: 49.995}\n")
    assert f"{path}: order.limit: 49.995 is not on the tick grid 0.01" in error_of(path)


def test_equity_scenario_longer_than_a_session(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD.replace("duration: 1h", "duration: 7h") + "symbol: ACME\n")
    assert f"{path}: duration: an equity session lasts at most 6h30m, got 7h" in error_of(path)


def test_bad_start_text(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\nstart: next tuesday\n")
    assert f"{path}: start: 'next tuesday' is not an ISO date or time" in error_of(path)


def test_unquoted_clock_time_that_yaml_reads_as_a_number_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "symbol: CRYPTOALPHA\nstart: 9:30\n")
    assert "quote a time written h:mm" in error_of(path)


def test_unknown_built_in_name_lists_the_built_ins() -> None:
    with pytest.raises(ScenarioError, match=r"^no_such: no such built-in scenario \(built-in: calm, "):
        load_scenario("no_such")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nowhere\.yaml: cannot read"):
        load_scenario(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize(("text", "seconds"), [
    (90, 90.0), (1.5, 1.5), ("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("+2h", 7200.0), ("1h30m", 5400.0),
    ("1h 30m 15s", 5415.0), ("0.5h", 1800.0), ("2m30s", 150.0), ("+0", 0.0),
])
def test_offsets_parse(text: object, seconds: float) -> None:
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "3 hours", "30x", "1m1h", "-5m", True, None, [1], "nan", "inf"])
def test_bad_offsets_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_offset(text)


@pytest.mark.parametrize(("seconds", "text"), [(5400, "1h30m"), (95, "1m35s"), (0, "0s"), (7200, "2h"), (1.5, "1.5s")])
def test_offsets_format(seconds: float, text: str) -> None:
    assert format_offset(seconds) == text
