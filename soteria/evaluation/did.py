"""Difference-in-differences for staggered starts: Callaway & Sant'Anna ATT(g,t) and a naive TWFE.

``att_gt`` is the unconditional (no covariates) estimator of R ``did`` (``est_method="reg"`` reduces to a
2x2 difference of mean long differences without covariates): post periods compare with the period before
the start (g - 1); pre periods with a varying base (t - 1), so pre-period cells are period-on-period
placebo effects. Comparing only with never- or not-yet-treated units avoids the "forbidden comparisons"
with already-treated units that bias TWFE when effects grow over time.

Standard errors come from the influence functions (R's analytic formula; optionally its multiplier
bootstrap with simultaneous bands). They assume many units: with 5 pilot areas they are too small, so
the headline interval comes from randomisation inference (``soteria.evaluation.inference``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from soteria.evaluation._design import Cells, build_cells
from soteria.evaluation._panel import PanelMatrix, to_matrix
from soteria.evaluation.results import Estimate, TestResult, jsonable


@dataclass(frozen=True)
class ATTGT:
    """Group-time effects. ``table`` has one row per (group, time); ``influence`` is (units x rows)."""

    table: pl.DataFrame
    pretest: TestResult
    control: str
    base_period: str
    alpha: float
    critical_value: float
    influence: np.ndarray = field(repr=False)
    cells: Cells = field(repr=False)
    code: np.ndarray = field(repr=False)
    cohort_sizes: np.ndarray = field(repr=False)
    cohort_time: np.ndarray = field(repr=False)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def aggregate(self, kind: str = "group", **kwargs: Any) -> Aggregate:
        return aggregate(self, kind, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        keys = ("table", "pretest", "control", "base_period", "alpha", "critical_value", "diagnostics")
        return {k: jsonable(getattr(self, k)) for k in keys}


@dataclass(frozen=True)
class Aggregate:
    """An aggregated effect: ``overall`` plus the per-group or per-event-time ``table``."""

    kind: str
    overall: Estimate
    table: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "overall": self.overall.to_dict(), "table": jsonable(self.table)}


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


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
    (analytic covariance). ``bootstrap_iters > 0`` replaces the analytic standard errors with R's
    Rademacher multiplier bootstrap and widens the bands to simultaneous (sup-t) bands.
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
            "group": [_num(starts[k]) for k in cells.cohort],
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
        "cohort_sizes": {str(_num(starts[k])): int(s) for k, s in enumerate(pm.cohort_sizes) if k},
        "n_never_treated": int(pm.cohort_sizes[0]),
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
    if att.size == 0:
        return TestResult(float("nan"), 0, float("nan"), "Wald pre-trend test (no pre-period cells)")
    var = inf.T @ inf / n**2
    stat = float(att @ np.linalg.pinv(var) @ att)
    rank = int(np.linalg.matrix_rank(var))
    return TestResult(
        stat,
        att.size,
        float(stats.chi2.sf(stat, att.size)),
        "Wald test that all pre-period ATT(g,t) are zero",
        {"covariance_rank": rank},
    )


def _weighted(att: np.ndarray, inf: np.ndarray, groups: np.ndarray, code: np.ndarray, sizes: np.ndarray):
    """Cohort-size weighted mean of items, with R's extra influence term for estimated weights."""
    pg = sizes[groups] / sizes.sum()
    total = pg.sum()
    ind = (code[:, None] == groups[None, :]) - pg
    wif = ind / total - ind.sum(1, keepdims=True) * pg / total**2
    return float(pg @ att / total), inf @ (pg / total) + wif @ att


def aggregate(
    result: ATTGT,
    kind: str = "group",
    alpha: float | None = None,
    min_e: int | None = None,
    max_e: int | None = None,
) -> Aggregate:
    """R ``aggte``: "simple", "group" (by start-date cohort) or "dynamic" (event study).

    The overall "group" summary is Callaway & Sant'Anna's recommended single number: each cohort's
    average post-start effect, weighted by cohort size, so long-exposed cohorts do not dominate.
    """
    cells, code, sizes = result.cells, result.code, result.cohort_sizes
    alpha = result.alpha if alpha is None else alpha
    z = float(stats.norm.ppf(1 - alpha / 2))
    att = result.table["att"].fill_null(np.nan).to_numpy()
    inf, n = result.influence, len(code)
    keep = cells.post & cells.valid
    if max_e is not None:
        keep &= cells.event <= max_e
    rows: list[dict[str, Any]] = []
    if kind == "simple":
        est, agg_inf = _weighted(att[keep], inf[:, keep], cells.cohort[keep], code, sizes)
    elif kind == "group":
        ks = np.unique(cells.cohort[keep])
        th = np.array([att[keep & (cells.cohort == k)].mean() for k in ks])
        th_inf = np.column_stack([inf[:, keep & (cells.cohort == k)].mean(1) for k in ks])
        for k, a, f in zip(ks, th, th_inf.T, strict=True):
            rows.append({"group": _num(result.cohort_time[k]), "att": a, "se": np.sqrt(f @ f) / n})
        est, agg_inf = _weighted(th, th_inf, ks, code, sizes)
    elif kind == "dynamic":
        sel_all = cells.valid.copy()
        if min_e is not None:
            sel_all &= cells.event >= min_e
        if max_e is not None:
            sel_all &= cells.event <= max_e
        posts, post_infs = [], []
        for e in np.unique(cells.event[sel_all]):
            sel = sel_all & (cells.event == e)
            a, f = _weighted(att[sel], inf[:, sel], cells.cohort[sel], code, sizes)
            rows.append({"event_time": int(e), "att": a, "se": np.sqrt(f @ f) / n})
            if e >= 0:
                posts.append(a)
                post_infs.append(f)
        if not posts:
            raise ValueError("no post-start event time has a control group")
        est, agg_inf = float(np.mean(posts)), np.mean(post_infs, axis=0)
    else:
        raise ValueError(f"kind must be 'simple', 'group' or 'dynamic', not {kind!r}")
    se = float(np.sqrt(agg_inf @ agg_inf) / n)
    table = pl.DataFrame(rows) if rows else pl.DataFrame()
    if rows:
        table = table.with_columns(
            lower=pl.col("att") - z * pl.col("se"), upper=pl.col("att") + z * pl.col("se")
        )
    overall = Estimate(
        est,
        est - z * se,
        est + z * se,
        float(2 * stats.norm.sf(abs(est / se))) if se > 0 else None,
        f"Callaway-Sant'Anna {kind} aggregate ({result.control} controls), analytic influence-function SE",
        se=se,
        alpha=alpha,
    )
    return Aggregate(kind, overall, table)
