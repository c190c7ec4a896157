"""TwapConfig: sensible defaults, frozen, and bad values refused with the field named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from strategies.twap import TwapConfig


def test_defaults() -> None:
    cfg = TwapConfig()
    assert (cfg.slice_interval_s, cfg.catch_up_slices, cfg.final_window_s, cfg.reprice_ticks) == (
        10.0,
        0.5,
        5.0,
        1,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slice_interval_s", 0.0),
        ("slice_interval_s", -1.0),
        ("slice_interval_s", float("inf")),
        ("catch_up_slices", -0.1),
        ("final_window_s", -1.0),
        ("final_window_s", float("nan")),
        ("reprice_ticks", 0),
    ],
)
def test_bad_value_is_refused_naming_the_field(field: str, value: float) -> None:
    with pytest.raises(ValidationError, match=field):
        TwapConfig.model_validate({field: value})


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="slice_seconds"):
        TwapConfig.model_validate({"slice_seconds": 5.0})


def test_zero_catch_up_and_zero_final_window_are_allowed() -> None:
    cfg = TwapConfig(catch_up_slices=0.0, final_window_s=0.0)
    assert (cfg.catch_up_slices, cfg.final_window_s) == (0.0, 0.0)


def test_frozen() -> None:
    with pytest.raises(ValidationError):
        TwapConfig().slice_interval_s = 1.0
