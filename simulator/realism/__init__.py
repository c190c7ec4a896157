"""Realism of the simulated market: stylised-fact metrics, their target bands, paired impact runs, the report."""

from simulator.realism.band import Band
from simulator.realism.bands import target_bands
from simulator.realism.impact_study import ImpactSettings
from simulator.realism.report import RealismReport, format_report, main_realism, run_realism

__all__ = [
    "Band",
    "ImpactSettings",
    "RealismReport",
    "format_report",
    "main_realism",
    "run_realism",
    "target_bands",
]
