"""Difference-in-differences for staggered starts: Callaway & Sant'Anna group-time effects ATT(g,t).

``att_gt`` is the unconditional (no covariates) estimator of R ``did`` (``est_method="reg"`` reduces to a
2x2 difference of mean long differences without covariates): post periods compare with the period before
the start (g - 1); pre periods with a varying base (t - 1), so pre-period cells are period-on-period
placebo effects. Comparing only with never- or not-yet-treated units avoids the "forbidden comparisons"
with already-treated units that bias TWFE when effects grow over time.

Standard errors come from the influence functions (R's analytic formula; optionally its multiplier
bootstrap with simultaneous bands). They assume many units: with 5 pilot areas they are too small, so
the headline interval comes from randomisation inference (``soteria.engine.inference``).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from soteria.engine.aggregate import ATTGT
from soteria.engine.cells import build_cells
from soteria.engine.matrix import PanelMatrix, to_matrix
from soteria.engine.results import TestResult, plain_number


def att_gt(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    first_treat: str = "first_treat",
    control: str = "never",
    base_period: str = "varying",
    alpha: float = 0.05,
    bootstrap_iters: int = 0,
    seed: int = 0,
) -> ATTGT:
    """ATT(g,t) for every start-date cohort g and period t, with influence functions and a pre-trend test.

    ``control="never"`` compares with never-treated units only; ``"notyet"`` also uses units not yet
    treated by max(t, base). The pre-trend test is R's Wald test that all pre-period ATT(g,t) are zero
    (analytic covariance); with few units prefer ``pretrend_test`` (randomisation).
    ``base_period``: "varying" (R's default), "universal" (every period against the one before the
    start) or "mean:N" (every period against the mean of the N periods before the start; "mean" = all).
    ``bootstrap_iters > 0`` replaces the analytic standard errors with R's Rademacher multiplier
    bootstrap and widens the bands to simultaneous (sup-t) bands.
    """
    pm = to_matrix(panel, unit, time, outcome, first_treat)
    return att_gt_matrix(pm, pm.y[0], control, base_period, alpha, bootstrap_iters, seed)


def att_gt_matrix(
    pm: PanelMatrix, y: np.ndarray, control: str, base_period: str, alpha: float, iters: int, seed: int
) -> ATTGT:
    cells = build_cells(pm, control, base_period)
    n = pm.n_units
    diff = y @ cells.diff_operator(pm.n_periods).T  # (N, C) long differences
    t_mask = cells.treat_role[pm.code].astype(float)
    c_mask = cells.ctrl_role[pm.code].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_t = (diff * t_mask).sum(0) / cells.n_treat
        m_c = (diff * c_mask).sum(0) / cells.n_ctrl
        att = m_t - m_c
        inf = n * (t_mask * (diff - m_t) / cells.n_treat - c_mask * (diff - m_c) / cells.n_ctrl)
    inf[:, ~cells.valid] = 0.0
    se = np.sqrt((inf**2).sum(0)) / n
    crit = float(stats.norm.ppf(1 - alpha / 2))
    if iters > 0:
        se, crit = _multiplier_bootstrap(inf, iters, seed, alpha)
    se = np.where(cells.valid, se, np.nan)
    pre = np.flatnonzero(~cells.post & cells.valid)
    pretest = _wald(att[pre], inf[:, pre], n)
    times, starts = pm.times, pm.cohort_time
    table = pl.DataFrame(
        {
            "group": [plain_number(starts[k]) for k in cells.cohort],
            "time": times[cells.t],
            "base_time": times[cells.b],
            "event_time": cells.event,
            "att": att,
            "se": se,
            "lower": att - crit * se,
            "upper": att + crit * se,
            "post": cells.post,
            "n_treated": cells.n_treat.astype(np.int64),
            "n_control": cells.n_ctrl.astype(np.int64),
        },
        nan_to_null=True,
    )
    diagnostics = {
        "n_units": n,
        "n_periods": pm.n_periods,
        "cohort_sizes": {str(plain_number(starts[k])): int(s) for k, s in enumerate(pm.cohort_sizes) if k},
        "n_never_treated": int(pm.cohort_sizes[0]),
        "control_only_cohorts": [
            str(plain_number(starts[k])) for k in range(1, len(starts)) if not pm.targets[k]
        ],
        "dropped_already_treated": [str(u) for u in pm.dropped],
        "cells_without_controls": int((~cells.valid).sum()),
        "se_method": f"multiplier bootstrap ({iters} draws)" if iters else "analytic influence function",
    }
    return ATTGT(
        table,
        pretest,
        control,
        base_period,
        alpha,
        crit,
        inf,
        cells,
        pm.code,
        pm.cohort_sizes,
        pm.cohort_time,
        diagnostics,
        iters,
        seed,
    )


def _multiplier_bootstrap(inf: np.ndarray, iters: int, seed: int, alpha: float) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    n = inf.shape[0]
    draws = (rng.integers(0, 2, size=(iters, n)) * 2.0 - 1.0) @ inf / n
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0)
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = se > np.sqrt(np.finfo(float).eps) * 10
    if not ok.any():
        return se, float(stats.norm.ppf(1 - alpha / 2))
    sup = np.max(np.abs(draws[:, ok]) / se[ok], axis=1)
    return se, float(np.quantile(sup, 1 - alpha))


def _wald(att: np.ndarray, inf: np.ndarray, n: int) -> TestResult:
    """R's pre-test W = att' V^-1 att with V = IF'IF / n^2, via the SVD of the (units x cells) IF.

    With fewer units than pre-period cells (14 areas, dozens of pre-months) V is singular: R then gives
    no test; here the generalised inverse is used with df = rank(V), and ``singular`` is flagged.
    """
    if att.size == 0:
        return TestResult(float("nan"), 0, float("nan"), "Wald pre-trend test (no pre-period cells)")
    _, sv, vt = np.linalg.svd(inf / n, full_matrices=False)
    keep = sv > sv.max() * max(inf.shape) * np.finfo(float).eps if sv.size else sv > 0
    rank = int(keep.sum())
    if rank == 0:
        return TestResult(float("nan"), 0, float("nan"), "Wald pre-trend test (zero variance)")
    stat = float(np.sum(((vt[keep] @ att) / sv[keep]) ** 2))
    return TestResult(
        stat,
        rank,
        float(stats.chi2.sf(stat, rank)),
        "Wald test that all pre-period ATT(g,t) are zero (influence-function covariance)",
        {"n_pre_cells": int(att.size), "covariance_rank": rank, "singular": rank < att.size},
    )
