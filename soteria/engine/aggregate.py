"""Aggregations of ATT(g,t) as in R ``did``'s ``aggte``: simple, by start-date cohort, event study.

Standard errors come from the aggregated influence functions, including R's extra term for estimating the
cohort-size weights; they need many units (see ``inference`` for few treated areas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from soteria.engine.cells import Cells
from soteria.engine.results import Estimate, TestResult, jsonable, plain_number


@dataclass(frozen=True)
class Aggregate:
    """An aggregated effect: ``overall`` plus the per-group or per-event-time ``table``."""

    kind: str
    overall: Estimate
    table: pl.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "overall": self.overall.to_dict(), "table": jsonable(self.table)}


@dataclass(frozen=True)
class ATTGT:
    """Group-time effects.

    ``table``: one row per (group, time) with group (start period), time, base_time, event_time, att, se,
    lower, upper (pointwise, or simultaneous with the bootstrap), post, n_treated, n_control.
    ``influence``: (units x rows) influence functions, R's scaling (se = sqrt(sum IF^2) / n).
    """

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
    bootstrap_iters: int = 0
    seed: int = 0

    def aggregate(self, kind: str = "group", **kwargs: Any) -> Aggregate:
        return aggregate(self, kind, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        keys = ("table", "pretest", "control", "base_period", "alpha", "critical_value", "diagnostics")
        return {k: jsonable(getattr(self, k)) for k in keys}


def _se(inf: np.ndarray, result: ATTGT) -> float:
    """Analytic SE of an aggregated influence function, or R's multiplier-bootstrap (IQR) SE when the
    group-time effects were bootstrapped."""
    n = len(inf)
    if result.bootstrap_iters <= 0:
        return float(np.sqrt(inf @ inf) / n)
    rng = np.random.default_rng(result.seed)
    draws = (rng.integers(0, 2, size=(result.bootstrap_iters, n)) * 2.0 - 1.0) @ inf / n
    q75, q25 = np.quantile(draws, [0.75, 0.25])
    return float((q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25)))


def _weighted(
    att: np.ndarray, inf: np.ndarray, groups: np.ndarray, code: np.ndarray, sizes: np.ndarray
) -> tuple[float, np.ndarray]:
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
    inf = result.influence
    keep = cells.post & cells.valid
    if max_e is not None:
        keep &= cells.event <= max_e
    if not keep.any():
        raise ValueError("no post-start comparison has a control group (no never-/not-yet-treated units?)")
    rows: list[dict[str, Any]] = []
    if kind == "simple":
        est, agg_inf = _weighted(att[keep], inf[:, keep], cells.cohort[keep], code, sizes)
    elif kind == "group":
        ks = np.unique(cells.cohort[keep])
        th = np.array([att[keep & (cells.cohort == k)].mean() for k in ks])
        th_inf = np.column_stack([inf[:, keep & (cells.cohort == k)].mean(1) for k in ks])
        for k, a, f in zip(ks, th, th_inf.T, strict=True):
            rows.append({"group": plain_number(result.cohort_time[k]), "att": a, "se": _se(f, result)})
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
            rows.append({"event_time": int(e), "att": a, "se": _se(f, result)})
            if e >= 0:
                posts.append(a)
                post_infs.append(f)
        if not posts:
            raise ValueError("no post-start event time has a control group")
        est, agg_inf = float(np.mean(posts)), np.mean(post_infs, axis=0)
    else:
        raise ValueError(f"kind must be 'simple', 'group' or 'dynamic', not {kind!r}")
    se = _se(agg_inf, result)
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
        f"Callaway-Sant'Anna {kind} aggregate ({result.control} controls), "
        + ("multiplier-bootstrap SE" if result.bootstrap_iters > 0 else "analytic influence-function SE"),
        se=se,
        alpha=alpha,
    )
    return Aggregate(kind, overall, table)
