"""How far the effect survives a violation of parallel trends (Rambachan and Roth 2023, relative
magnitudes), for the average effect after the start of a staggered event study.

The event study is re-based on the period before the start (HonestDiD's convention: coefficient -1 is
the reference, zero by construction). The restriction Delta^RM(Mbar) lets the trend gap after the start
change from one period to the next by up to Mbar times the largest such change seen in the year before
the start; Mbar = 0 is exact parallel trends, Mbar = 1 "after the start as bad as the worst before".
The covariance of the coefficients comes from the randomisation placebo distribution (their spread over
re-assignments of the start dates), because with 14 areas the influence-function covariance of dozens
of coefficients is singular. Where the pilots' own effect enters placebo statistics that spread is, if
anything, too wide: the bounds err on the side of caution.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from soteria.engine.honest_did import breakdown_mbar, sensitivity_rm
from soteria.engine.matrix import PanelMatrix
from soteria.engine.pretrend import event_tables, many_statistics
from soteria.engine.randomisation import AssignmentSet
from soteria.engine.results import jsonable

MBARS = (0.0, 0.5, 1.0, 1.5, 2.0)
MIN_ASSIGNMENTS = 20  # a covariance of the coefficients needs some placebo paths


@dataclass(frozen=True)
class TrendSensitivity:
    """Robust 95% intervals for the average effect after the start, one per Mbar, and the breakdown
    value: the largest Mbar at which the interval still excludes zero (NaN: not even at Mbar = 0; inf:
    beyond ``mbar_max``). Additive units of the outcome."""

    estimate: float  # the re-based event study's average after the start
    mbar: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    open_at_bound: tuple[bool, ...]  # the interval reached the edge of the search grid
    breakdown: float
    original: tuple[float, float]  # the conventional interval (Mbar = 0 without the restriction)
    n_pre: int
    n_post: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}


def binned(events: np.ndarray, coefs: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Event-study coefficients averaged over bins of ``width`` periods (-1 = the ``width`` periods just
    before the start) and re-based on that last bin, which is dropped as HonestDiD's reference.

    Why: relative magnitudes extrapolates from the reference period next to the start; one month of
    small counts is a noisy reference, the mean of the last three months much less so. A linear map of
    the coefficients, so it applies to every placebo path alike.
    """
    bins = np.floor_divide(events, width)
    keys = np.unique(bins)
    groups = [bins == k for k in keys]
    avg = np.stack([coefs[:, g].mean(1) for g in groups], axis=1)
    ref = np.flatnonzero(keys == -1)
    if ref.size:
        avg = np.delete(avg - avg[:, ref], ref, axis=1)
        keys = np.delete(keys, ref)
    return keys, avg


def trend_sensitivity(
    pm: PanelMatrix,
    y: np.ndarray,
    control: str,
    aset: AssignmentSet,
    pre_periods: int = 12,
    mbars: tuple[float, ...] = MBARS,
    alpha: float = 0.05,
    effect: float = 0.0,
    width: int = 1,
) -> TrendSensitivity | None:
    """Relative-magnitudes bounds from the last ``pre_periods`` before the start and every period after,
    in bins of ``width`` periods (3 for months: quarters).

    ``effect``: the estimated constant effect, removed from the estimated cohorts' treated cells before
    the placebo covariance is taken (a pilot area re-assigned as a control would otherwise carry its own
    effect into the spread). None when there is nothing to bound (no period before or after the start,
    or too few re-assignments for a covariance).
    """
    if len(aset.rows) < MIN_ASSIGNMENTS:
        return None
    phis, events = event_tables(pm, control, -pre_periods, None, "universal")
    coefs = many_statistics(phis, y, aset.rows)
    if effect:
        coefs[1:] = many_statistics(phis, y - effect * pm.dose(), aset.rows)[1:]
    keys, coefs = binned(np.concatenate([events, [-1]]), np.c_[coefs, np.zeros(len(coefs))], width)
    pre, post = keys < 0, keys >= 0
    if pre.sum() < 1 or post.sum() < 1:
        return None
    beta, placebo = coefs[0], coefs[1:]
    sigma = np.cov(placebo, rowvar=False) + 1e-12 * np.eye(len(keys))  # placebo paths, kept invertible
    n_pre, n_post = int(pre.sum()), int(post.sum())
    l_vec = np.full(n_post, 1.0 / n_post)
    res = sensitivity_rm(beta, sigma, n_pre, n_post, np.asarray(mbars), l_vec, alpha, grid="adaptive")
    brk = breakdown_mbar(beta, sigma, n_pre, n_post, l_vec, alpha, tol=0.01, mbar_max=5.0, grid="adaptive")
    return TrendSensitivity(
        float(l_vec @ beta[post]),
        tuple(float(m) for m in res.mbar),
        tuple(float(v) for v in res.lb),
        tuple(float(v) for v in res.ub),
        tuple(bool(v) for v in res.open_at_bound),
        float(brk),
        (float(res.original[0]), float(res.original[1])),
        n_pre,
        n_post,
        "Rambachan-Roth relative magnitudes (HonestDiD C-LF test), average effect after the start, "
        f"event study in bins of {width} period(s) against the last bin before the start, {n_pre} bins "
        f"before it, covariance from {len(aset.rows) - 1:,} placebo assignments",
    )
