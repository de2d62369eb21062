"""Naive two-way fixed effects DiD: the familiar comparison, shown beside the staggered estimators."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from soteria.engine.matrix import PanelMatrix, to_matrix
from soteria.engine.results import Estimate


def twfe(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    first_treat: str = "first_treat",
    alpha: float = 0.05,
) -> Estimate:
    """Naive two-way fixed effects DiD (unit and period effects, one post-start dummy).

    Shown only as the familiar comparison: with staggered starts it also compares later starters with
    earlier ones and can be biased when effects change over time. Cluster-robust (by unit, CR1) SE with
    G - 1 degrees of freedom; over-rejects with few treated units.
    """
    pm = to_matrix(panel, unit, time, outcome, first_treat)
    return twfe_matrix(pm, pm.y[0], alpha)


def twfe_matrix(pm: PanelMatrix, y: np.ndarray, alpha: float = 0.05) -> Estimate:
    d = pm.treated_mask().astype(float)
    yd, dd = _demean2(y), _demean2(d)
    denom = float((dd**2).sum())
    if denom <= 0:
        raise ValueError("no variation in treatment after removing unit and period effects")
    beta = float((dd * yd).sum() / denom)
    resid = yd - beta * dd
    g, n_obs = pm.n_units, y.size
    score = (dd * resid).sum(1)
    adj = g / (g - 1) * (n_obs - 1) / (n_obs - pm.n_periods - 1)
    se = float(np.sqrt(adj * (score**2).sum()) / denom)
    crit = float(stats.t.ppf(1 - alpha / 2, g - 1))
    p = float(2 * stats.t.sf(abs(beta / se), g - 1)) if se > 0 else None
    return Estimate(
        beta,
        beta - crit * se,
        beta + crit * se,
        p,
        "two-way fixed effects, cluster-robust SE by unit",
        se=se,
        alpha=alpha,
        diagnostics={"n_units": g, "n_periods": pm.n_periods, "df": g - 1},
    )


def _demean2(a: np.ndarray) -> np.ndarray:
    return a - a.mean(1, keepdims=True) - a.mean(0, keepdims=True) + a.mean()
