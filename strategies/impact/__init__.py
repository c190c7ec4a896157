"""The impact model: what a parent will cost, and how uncertain that is.

Features computed from the market view (the same function in training and serving), parametric baselines (the
square-root law, Kissell's I-Star, Almgren et al. 2005, a Bayesian linear model), LightGBM quantile regressors,
proper scoring rules, the ONNX export and the ONNX Runtime inference service.
"""

from pathlib import Path

SHIPPED_MODEL = Path(__file__).parent / "model" / "impact.onnx"
"""The model the repository ships (`footprint train impact` makes it; its card is next to it)."""
