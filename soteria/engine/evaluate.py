"""One call for the dashboard: every estimate for every outcome of a pilot-vs-control panel.

The assignment set and the estimator tables are built once and shared by all outcomes, so a full run
(several outcomes, 2,002 assignments each, test inversion on two scales, bootstrap, TWFE) takes
milliseconds per outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import polars as pl

from soteria.engine.aggregate import aggregate
from soteria.engine.did import att_gt_matrix
from soteria.engine.inference import bootstrap_core, make_table, ri_core
from soteria.engine.matrix import to_matrix
from soteria.engine.pretrend import event_study_band, event_tables, pretrend_core, pretrend_tables
from soteria.engine.randomisation import assignment_set
from soteria.engine.results import Estimate, TestResult, jsonable
from soteria.engine.sensitivity import TrendSensitivity, trend_sensitivity
from soteria.engine.twfe import twfe_matrix


@dataclass(frozen=True)
class OutcomeEvaluation:
    """Headline = ``randomization`` (RI p-value and interval); the rest are for the methods page."""

    outcome: str
    estimate: Estimate  # Callaway-Sant'Anna aggregate with influence-function SE
    randomization: Estimate  # same point estimate, RI p-value and test-inversion interval
    relative: Estimate | None  # effect / counterfactual mean (None when the treated mean is not positive)
    bootstrap: Estimate  # cluster bootstrap, for comparison
    twfe: Estimate  # naive two-way fixed effects, for comparison
    pretest: TestResult  # R's Wald pre-test (influence-function covariance; unreliable with few units)
    pretest_ri: TestResult  # randomisation pre-trend test: the one to show with few units
    event_study: pl.DataFrame  # event_time, att, se, lower, upper (pointwise, influence function)
    by_group: pl.DataFrame  # group (start period), att, se, lower, upper
    group_time: pl.DataFrame  # the ATT(g,t) table
    event_band: pl.DataFrame | None = None  # event_time, att, placebo_lower/upper, ri_lower/upper
    sensitivity: TrendSensitivity | None = None  # robust intervals if trends after the start differ

    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}


def evaluate(
    panel: pl.DataFrame,
    outcomes: Sequence[str],
    unit: str = "unit",
    time: str = "time",
    first_treat: str = "first_treat",
    *,
    control: str = "never",
    statistic: str = "group",
    alpha: float = 0.05,
    max_exact: int = 10_000,
    n_draws: int = 5_000,
    n_boot: int = 999,
    seed: int = 20190101,
    event_window: tuple[int | None, int | None] = (None, None),
    cohorts: Sequence[Any] | None = None,
    base_period: str = "varying",
    start_share: str | None = None,
    sensitivity_pre: int | None = None,
    sensitivity_bin: int = 1,
) -> dict[str, OutcomeEvaluation]:
    """Evaluate each outcome column of a balanced long panel (conventions in ``soteria.evaluation``).

    ``cohorts``: the start periods whose effects are estimated (default: every start in the window);
    units starting on other dates inside the window serve only as not-yet-treated controls.
    ``base_period``: "varying" (R ``did``'s default: post periods against the period before the start),
    "universal", or "mean:N" (every period against the mean of the N periods before the start: with
    noisy monthly counts a single base month's noise would otherwise move every post-period comparison).
    ``start_share``: the unit-level column of the share of the first treated period after the start; a
    cohort with a share below 1 has that period left out of its comparisons (see ``PanelMatrix.partial``).
    ``sensitivity_pre``: when set, the parallel-trends sensitivity (``soteria.engine.sensitivity``) from
    that many periods before the start, in bins of ``sensitivity_bin`` periods.
    """
    pm = to_matrix(panel, unit, time, list(outcomes), first_treat, cohorts=cohorts, start_share=start_share)
    if not pm.targets[pm.code].any():
        raise ValueError("no treated unit starts inside the window")
    cs = make_table(pm, "cs", control, statistic, base_period)
    tw = make_table(pm, "twfe", control, statistic)
    aset = assignment_set(pm, max_exact, n_draws, seed)
    pre_phis, pre_events = pretrend_tables(pm, control, event_window[0], base_period)
    ev_phis, ev_events = event_tables(pm, control, *event_window, base_period)
    out = {}
    for j, name in enumerate(outcomes):
        y = pm.y[j]
        gt = att_gt_matrix(pm, y, control, base_period, alpha, 0, seed)
        agg = aggregate(gt, statistic, alpha)
        dyn = aggregate(gt, "dynamic", alpha, min_e=event_window[0], max_e=event_window[1])
        grp = agg if statistic == "group" else aggregate(gt, "group", alpha)
        ri = ri_core(pm, y, cs, aset, alpha)
        try:
            rel = ri_core(pm, y, cs, aset, alpha, "relative")
        except ValueError:
            rel = None
        tw_est = twfe_matrix(pm, y, alpha)
        tw_ri = ri_core(pm, y, tw, aset, alpha)
        tw_est = Estimate(
            **{
                **tw_est.__dict__,
                "diagnostics": {
                    **tw_est.diagnostics,
                    "ri_p_value": tw_ri.p_value,
                    "ri_lower": tw_ri.lower,
                    "ri_upper": tw_ri.upper,
                },
            }
        )
        out[name] = OutcomeEvaluation(
            outcome=name,
            estimate=agg.overall,
            randomization=ri,
            relative=rel,
            bootstrap=bootstrap_core(pm, y, cs, alpha, n_boot, seed),
            twfe=tw_est,
            pretest=gt.pretest,
            pretest_ri=pretrend_core(pm, y, pre_phis, pre_events, aset),
            event_study=dyn.table,
            by_group=grp.table,
            group_time=gt.table,
            event_band=event_study_band(pm, y, ev_phis, ev_events, aset, alpha),
            sensitivity=None
            if sensitivity_pre is None
            else trend_sensitivity(
                pm, y, control, aset, sensitivity_pre, alpha=alpha, effect=ri.estimate, width=sensitivity_bin
            ),
        )
    return out


def evaluation_table(results: dict[str, OutcomeEvaluation]) -> pl.DataFrame:
    """One row per outcome: the headline numbers, for a summary table or a CSV download."""
    rows = []
    for name, r in results.items():
        rel = r.relative
        rows.append(
            {
                "outcome": name,
                "estimate": r.randomization.estimate,
                "ri_lower": r.randomization.lower,
                "ri_upper": r.randomization.upper,
                "ri_p_value": r.randomization.p_value,
                "relative": rel.estimate if rel else np.nan,
                "relative_lower": rel.lower if rel else np.nan,
                "relative_upper": rel.upper if rel else np.nan,
                "pretest_ri_p_value": r.pretest_ri.p_value,
                "bootstrap_lower": r.bootstrap.lower,
                "bootstrap_upper": r.bootstrap.upper,
                "twfe": r.twfe.estimate,
                "n_assignments": r.randomization.n_assignments,
            }
        )
    return pl.DataFrame(rows, nan_to_null=True)
