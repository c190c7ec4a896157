"""Schedules: the target holdings of a parent over time, each a pure function of its inputs.

TWAP (even), VWAP (an expected volume profile), POV (a share of expected volume, which may not finish) and
Almgren–Chriss (mean-variance optimal, with its expected cost and variance); `round_to_lots` turns any of them into
whole lots without losing a share.
"""

from strategies.schedules.almgren_chriss import AlmgrenChriss, almgren_chriss_plan, with_costs
from strategies.schedules.plan import ScheduleInputError, SchedulePlan, round_to_lots
from strategies.schedules.pov import pov_plan
from strategies.schedules.twap import twap_plan
from strategies.schedules.vwap import VolumeProfile, interval_weights, vwap_plan

__all__ = [
    "AlmgrenChriss",
    "ScheduleInputError",
    "SchedulePlan",
    "VolumeProfile",
    "almgren_chriss_plan",
    "interval_weights",
    "pov_plan",
    "round_to_lots",
    "twap_plan",
    "vwap_plan",
    "with_costs",
]
