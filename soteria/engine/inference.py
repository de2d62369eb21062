"""Inference for few treated areas: randomisation inference (RI) and a cluster bootstrap for comparison.

Why RI: with 5 pilot areas of 14, cluster-robust and influence-function standard errors are too small
(they need many treated clusters). RI asks how unusual the observed estimate is among the estimates
obtained by re-assigning which areas were "pilot" -- keeping the observed set of start dates and
permuting it across areas -- so it is exact whatever the number of areas, provided that, absent the
pilot, every such assignment was as likely as the real one (areas were not picked for their trends).
The interval inverts the test under a constant effect on every treated area-month (a sharp null), so it
is an interval for that common effect; with very unequal effects across areas read it as approximate.

Each statistic is linear in the outcomes with assignment-invariant group sizes (see ``cells``), so all
2,002 assignments of 5 of 14 areas cost one gather and a sum, and the confidence interval is found
exactly (no grid) from the roots of the test's step function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from soteria.engine.matrix import PanelMatrix, to_matrix
from soteria.engine.randomisation import (
    AssignmentSet,
    Table,
    assignment_set,
    cs_table,
    invert,
    p_value,
    statistics,
    twfe_table,
)
from soteria.engine.results import Estimate

SCALES = ("additive", "relative")

LATER_WAVES = {  # how the method line says later waves were handled (see AssignmentSet)
    "none": "",
    "held": "; later-wave areas keep their own start dates",
    "imputed": "; later waves re-assigned too, the same effect imputed in every wave",
}


def make_table(
    pm: PanelMatrix, estimator: str, control: str, statistic: str, base_period: str = "varying"
) -> Table:
    if estimator == "cs":
        return cs_table(pm, control, statistic, base_period)
    if estimator == "twfe":
        return twfe_table(pm)
    raise ValueError(f"estimator must be 'cs' or 'twfe', not {estimator!r}")


def randomization_inference(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    first_treat: str = "first_treat",
    *,
    control: str = "never",
    statistic: str = "group",
    estimator: str = "cs",
    scale: str = "additive",
    alpha: float = 0.05,
    max_exact: int = 10_000,
    n_draws: int = 5_000,
    seed: int = 20190101,
    return_distribution: bool = False,
    base_period: str = "varying",
    cohorts: Sequence[Any] | None = None,
    start_share: str | None = None,
) -> Estimate:
    """RI p-value (two-sided) and test-inversion interval for the Callaway-Sant'Anna aggregate
    (``statistic`` = "group", "simple" or "dynamic") or the TWFE slope (``estimator="twfe"``).

    Assignments: all distinct permutations of the start dates when there are at most ``max_exact``
    (C(14, 5) = 2,002), else the observed one plus ``n_draws`` random permutations (fixed ``seed``).
    ``scale="relative"`` reports the effect as a share of the counterfactual (see ``relative_effect``).
    ``base_period``: as in ``att_gt`` ("mean:12" compares with the mean of the 12 periods before the start).
    ``cohorts``: the start periods whose effect is estimated (default all); other starts are later waves,
    controls until their own start and handled in the re-assignments as :class:`AssignmentSet` says.
    ``start_share``: as in :func:`soteria.engine.evaluate.evaluate`.
    """
    pm = to_matrix(panel, unit, time, outcome, first_treat, cohorts=cohorts, start_share=start_share)
    table = make_table(pm, estimator, control, statistic, base_period)
    est = ri_core(pm, pm.y[0], table, assignment_set(pm, max_exact, n_draws, seed), alpha, scale,
                  return_distribution)  # fmt: skip
    extra = {"statistic": statistic, "control": control, "estimator": estimator}
    return Estimate(**{**est.__dict__, "diagnostics": {**est.diagnostics, **extra}})


def ri_core(
    pm: PanelMatrix,
    y: np.ndarray,
    table: Table,
    aset: AssignmentSet,
    alpha: float,
    scale: str = "additive",
    return_distribution: bool = False,
) -> Estimate:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    rows = aset.rows
    s0 = statistics(table(y), rows)
    treated = aset.null_mask(pm)
    x = treated * y if scale == "relative" else treated.astype(float)
    d = statistics(table(x), rows)
    lo, hi, convex = invert(s0, d, alpha)
    diag: dict[str, Any] = {
        "exact": aset.exact,
        "n_possible_assignments": aset.n_possible,
        "later_waves": aset.later_waves,
        "p_value_resolution": 1 / len(rows),
        "n_units": pm.n_units,
        "n_treated_units": int(pm.targets[pm.code].sum()),
        "interval_is_convex": convex,
        "dropped_already_treated": [str(u) for u in pm.dropped],
        "placebo_quantiles": dict(
            zip(("q025", "q50", "q975"), np.quantile(s0[1:], [0.025, 0.5, 0.975]), strict=True)
        )
        if len(s0) > 1
        else {},
    }
    if not (np.isfinite(lo) and np.isfinite(hi)):
        diag["note"] = (
            f"the interval is unbounded: with {len(rows)} assignments no effect size can be rejected at "
            f"alpha={alpha} on that side (too few areas or assignments)"
        )
    if return_distribution:
        diag["placebo_statistics"] = s0[1:].tolist()
    how = aset.how + LATER_WAVES[aset.later_waves]
    if scale == "additive":
        est = float(s0[0])
        method = f"randomisation inference ({how}); interval by test inversion, constant additive effect"
    else:
        m = float(d[0])
        if not m > 0:
            raise ValueError("the relative effect needs a positive mean outcome in treated post periods")
        k = float(s0[0]) / m
        est, lo, hi = _k_to_ratio(k), _k_to_ratio(lo), _k_to_ratio(hi)
        diag |= {
            "treated_post_mean": m,
            "counterfactual_mean": m - float(s0[0]),
            "additive_effect": float(s0[0]),
        }
        method = (
            f"randomisation inference ({how}); effect / counterfactual mean, interval by test inversion "
            "under a proportional effect"
        )
    return Estimate(est, lo, hi, p_value(s0), method, n_assignments=len(rows), alpha=alpha, diagnostics=diag)


def _k_to_ratio(k: float) -> float:
    """Share k of the treated outcome due to the pilot -> effect relative to the counterfactual."""
    if math.isnan(k):
        return k
    if k >= 1:
        return math.inf
    return -1.0 if k == -math.inf else k / (1 - k)


def relative_effect(panel: pl.DataFrame, *args: Any, **kwargs: Any) -> Estimate:
    """Effect as a proportion of the counterfactual: ATT / (treated post mean - ATT); 0.25 = 25% more.

    Why this and not the ATT on log(1 + y): monthly referral counts per area are small with zeros, and a
    log(1 + y) effect is not a percentage change at all -- it depends on the counting unit and mixes the
    effect with the outcome's spread (Chen & Roth 2024). The ratio to the counterfactual mean is the
    quantity "percent more referrals than without the pilot". Its interval inverts the same
    randomisation test under a proportional sharp null (y(0) = y / (1 + r) in treated post cells), which
    keeps the statistic linear, so the interval is exact and consistent with the point estimate. Takes
    the arguments of :func:`randomization_inference` (``scale`` is set here).
    """
    kwargs["scale"] = "relative"
    return randomization_inference(panel, *args, **kwargs)


def to_relative(estimate: Estimate, treated_post_mean: float) -> Estimate:
    """Map an additive ATT and its interval to ATT / counterfactual mean (monotone, so exact mapping)."""
    m = treated_post_mean

    def f(a: float) -> float:
        return a / (m - a) if a < m else math.inf

    return Estimate(
        f(estimate.estimate),
        f(estimate.lower),
        f(estimate.upper),
        estimate.p_value,
        estimate.method + "; as a share of the counterfactual mean",
        None,
        estimate.n_assignments,
        estimate.alpha,
        {**estimate.diagnostics, "treated_post_mean": m},
    )


def cluster_bootstrap(
    panel: pl.DataFrame,
    unit: str = "unit",
    time: str = "time",
    outcome: str = "outcome",
    first_treat: str = "first_treat",
    *,
    control: str = "never",
    statistic: str = "group",
    alpha: float = 0.05,
    n_boot: int = 999,
    seed: int = 20190101,
) -> Estimate:
    """Percentile interval from resampling whole units (clusters) with replacement within cohorts.

    Shown for comparison only: with a handful of treated units it is too narrow (it cannot see the
    variation between areas that the few pilots happen to have). Resampling within start-date cohorts
    keeps every comparison defined and the estimator linear, so draws cost one matrix product.
    """
    pm = to_matrix(panel, unit, time, outcome, first_treat)
    return bootstrap_core(pm, pm.y[0], make_table(pm, "cs", control, statistic), alpha, n_boot, seed)


def bootstrap_core(
    pm: PanelMatrix, y: np.ndarray, table: Table, alpha: float, n_boot: int, seed: int
) -> Estimate:
    contrib = table(y)[pm.code, np.arange(pm.n_units)]
    rng = np.random.default_rng(seed)
    counts = np.zeros((n_boot, pm.n_units))
    for k in np.unique(pm.code):
        idx = np.flatnonzero(pm.code == k)
        counts[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=n_boot)
    draws = counts @ contrib
    est = float(contrib.sum())
    lo, hi = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    se = float(draws.std(ddof=1))
    from scipy.stats import norm

    p = float(2 * norm.sf(abs(est) / se)) if se > 0 else None
    return Estimate(
        est,
        float(lo),
        float(hi),
        p,
        "cluster bootstrap by unit within start cohorts, percentile interval",
        se=se,
        alpha=alpha,
        diagnostics={"n_boot": n_boot, "seed": seed, "p_value_from": "normal, bootstrap SE"},
    )
