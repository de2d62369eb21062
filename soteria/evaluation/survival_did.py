"""Report-to-file times by arm (pilot/control) and period (before/after): summaries and a DiD contrast.

Input: a case-level frame with columns ``arm`` ('pilot' | 'control'), ``period`` ('before' | 'after'),
``days`` (float, report to file or to censoring/closure) and ``event`` (0 censored/open, 1 filed,
2 closed before any file).

The DiD contrast is on restricted mean time to file up to ``tau``: (pilot after - pilot before) -
(control after - control before). Restricting to ``tau`` keeps the mean defined when many cases are
still open, and differencing against control areas removes the national change over the same time.
The four cells hold different cases, so their variances add.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from soteria.analysis.survival import summary
from soteria.engine.results import Estimate, TestResult, jsonable
from soteria.engine.survival import cumulative_incidence, logrank_test, restricted_mean

ARMS = ("pilot", "control")
PERIODS = ("before", "after")


@dataclass(frozen=True)
class SurvivalSummary:
    medians: pl.DataFrame  # soteria.analysis.survival.summary: the Report-to-file page's table, same numbers
    incidence: pl.DataFrame  # arm, period, horizon, filed, filed_lower, filed_upper, closed
    logrank: dict[str, TestResult]  # "pilot_change", "control_change": see change_tests
    rmst: pl.DataFrame  # arm, period, rmst, se, n
    rmst_did: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}


def _cells(cases: pl.DataFrame) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    missing = {"arm", "period", "days", "event"} - set(cases.columns)
    if missing:
        raise ValueError(f"cases frame lacks column(s) {sorted(missing)}")
    bad_arm = set(cases["arm"].unique().to_list()) - set(ARMS)
    bad_period = set(cases["period"].unique().to_list()) - set(PERIODS)
    bad_event = set(cases["event"].unique().to_list()) - {0, 1, 2}
    if bad_arm or bad_period or bad_event:
        raise ValueError(f"unexpected arm {bad_arm or ''} period {bad_period or ''} event {bad_event or ''}")
    days, event = cases["days"].cast(pl.Float64).to_numpy(), cases["event"].cast(pl.Int64).to_numpy()
    pilot, after = (cases["arm"] == "pilot").to_numpy(), (cases["period"] == "after").to_numpy()
    out = {}
    for arm, a in (("pilot", pilot), ("control", ~pilot)):
        for period, p in (("before", ~after), ("after", after)):
            if (sel := a & p).any():
                out[(arm, period)] = (days[sel], event[sel])
    return out


def rmst_did(
    cases: pl.DataFrame, tau: float = 365.0, alpha: float = 0.05, closure: str = "competing"
) -> Estimate:
    """DiD in restricted mean time to file (days; negative = the pilot sped filing up relative to control).

    Normal interval from delta-method standard errors of the four cell means (independent samples).
    """
    cells = _cells(cases)
    return _did({k: restricted_mean(*cells[k], tau, closure, alpha) for k in cells}, tau, alpha, closure)


def _did(rm: dict[tuple[str, str], Estimate], tau: float, alpha: float, closure: str) -> Estimate:
    need = [(a, p) for a in ARMS for p in PERIODS]
    if any(k not in rm for k in need):
        raise ValueError(f"need cases in every arm x period cell; have {sorted(rm)}")
    sign = {
        ("pilot", "after"): 1,
        ("pilot", "before"): -1,
        ("control", "after"): -1,
        ("control", "before"): 1,
    }
    est = float(sum(s * rm[k].estimate for k, s in sign.items()))
    se = float(np.sqrt(sum((rm[k].se or 0.0) ** 2 for k in sign)))
    z = float(stats.norm.ppf(1 - alpha / 2))
    p = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else None
    return Estimate(
        est,
        est - z * se,
        est + z * se,
        p,
        f"difference-in-differences in restricted mean time to file (tau={tau:g} days, closures "
        f"{'never filed' if closure == 'competing' else 'censored'}), delta-method SE",
        se=se,
        alpha=alpha,
        diagnostics={
            f"{a}_{p}": {"rmst": rm[(a, p)].estimate, "se": rm[(a, p)].se, "n": rm[(a, p)].diagnostics["n"]}
            for a, p in need
        },
    )


def change_tests(cases: pl.DataFrame) -> dict[str, TestResult]:
    """Did time to file change after the start, within pilot areas and within control areas?

    A log-rank test of before against after, stratified by area when ``area_code`` is given: cases are
    compared only with cases of their own area, so that areas filing faster or slower than others (a
    level) do not count as a change. Pooled tests of pilot against control cases compare levels: under
    no pilot effect but ordinary differences between areas they reject most of the time. Neither of
    these tests says whether pilot areas changed more than controls: the area-level
    difference-in-differences answers that. Cases in an area are not independent, so these tests
    overstate certainty too.
    """
    out = {}
    days, event = cases["days"].cast(pl.Float64).to_numpy(), cases["event"].to_numpy()
    after = (cases["period"] == "after").to_numpy()
    strata = cases["area_code"].to_numpy() if "area_code" in cases.columns else None
    for arm in ARMS:
        sel = (cases["arm"] == arm).to_numpy()
        if 0 < after[sel].sum() < sel.sum():
            res = logrank_test(
                days[sel], event[sel], after[sel].astype(np.int64), None if strata is None else strata[sel]
            )
            res.diagnostics["groups"] = ["before", "after"]
            out[f"{arm}_change"] = res
    return out


def survival_summary(
    cases: pl.DataFrame,
    tau: float = 365.0,
    horizons: tuple[float, ...] = (90.0, 180.0, 365.0),
    alpha: float = 0.05,
    closure: str = "competing",
) -> SurvivalSummary:
    """Everything the evaluation's report-to-file section needs, per arm x period: the Report-to-file
    page's own summary (``soteria.analysis.survival.summary``: medians only where half of all cases were
    filed, closures competing), filed/closed shares at ``horizons`` with intervals, the before/after
    change tests and the RMST difference-in-differences."""
    cells = _cells(cases)
    inc_rows, rm = [], {}
    for (arm, period), (days, event) in sorted(cells.items()):
        filed = cumulative_incidence(days, event, 1, alpha)
        closed = cumulative_incidence(days, event, 2, alpha)
        t, f = filed["time"].to_numpy(), filed["cif"].to_numpy()
        for h in horizons:
            i = int(np.searchsorted(t, h, side="right")) - 1
            inc_rows.append(
                {
                    "arm": arm,
                    "period": period,
                    "horizon": h,
                    "filed": float(f[i]) if i >= 0 else 0.0,
                    "filed_lower": float(filed["lower"][i]) if i >= 0 else 0.0,
                    "filed_upper": float(filed["upper"][i]) if i >= 0 else 0.0,
                    "closed": float(closed["cif"][i]) if i >= 0 else 0.0,
                }
            )
        rm[(arm, period)] = restricted_mean(days, event, tau, closure, alpha)
    tests = change_tests(cases)
    rmst = pl.DataFrame(
        [
            {"arm": a, "period": p, "rmst": r.estimate, "se": r.se, "n": r.diagnostics["n"]}
            for (a, p), r in sorted(rm.items())
        ]
    )
    return SurvivalSummary(summary(cases), pl.DataFrame(inc_rows), tests, rmst, _did(rm, tau, alpha, closure))
