"""From stored frames to the evaluation: design, panels, estimates and the checks on their assumptions.

Pure functions: they take what ``soteria.store.Store`` returns (``metric_values``, ``cases``,
``pilot_register``, ``force_cps_area``) and a :class:`soteria.analysis.compare.Selection`, and return plain
frames and frozen results. No Streamlit, no SQL.

Design (one row per area of the chosen grain):
- **pilot**: its register wave is one of the selection's pilot waves and it starts inside the window
  (after the window's first month, so it has a pre-period, and by its last month). Its first treated
  period is the one containing its start: a period counts as untreated only if it ends before the start.
- **control**: any other area, not excluded, that does not start inside the window (the areas that join
  at the national rollout, when the window ends on 10 July 2023): a clean control throughout.
- **not yet treated**: another area that starts inside the window. With ``control="notyet"`` it is a
  control until its own start (as on every other page); with ``control="never"`` it takes no part.
- **excluded**: chosen by the evaluator (e.g. CPS South East and Wessex, which ran their own work).

Outcomes: monthly police referrals per area, as an index of the area's own level before the pilot (the
effect is reported as a percentage of what the controls predict);
the charge rate, charges / charging decisions per area and quarter (percentage points; quarters,
because small areas have too few decisions in a month); report-to-file, per area and period from
the case timelines: the share of cases whose file reached the CPS within a year (Aalen-Johansen,
closures competing) and the restricted mean days to file within that year."""

from __future__ import annotations

import time as _time
from dataclasses import replace
from typing import Any

import polars as pl

from soteria.analysis.compare import Selection
from soteria.analysis.survival import curves as survival_curves
from soteria.domain import MIN_CASES
from soteria.engine.evaluate import evaluate
from soteria.engine.results import Estimate
from soteria.evaluation.case_panels import HORIZON_DAYS, area_survival_panel, case_frame
from soteria.evaluation.checks import assignment_check, control_check, pretrend_check, verdict
from soteria.evaluation.design import design, index_to_date, left_out_reasons
from soteria.evaluation.outcome import Check, EvaluationResult, OutcomeResult
from soteria.evaluation.panels import BASE_YEAR_PERIODS, Panel, metric_panel
from soteria.evaluation.survival_did import survival_summary
from soteria.evaluation.synthetic import synthetic_controls
from soteria.evaluation.synthetic_did import synthetic_did_estimate

OUTCOMES = ("referrals", "charge_rate", "report_to_file")


OUTCOME_LABELS = {
    "referrals": "Police referrals to the CPS",
    "charge_rate": "Charge rate",
    "report_to_file": "Report-to-file: share filed within a year",
}


UNITS = {"referrals": "percent", "charge_rate": "points", "report_to_file": "points"}


PHRASES = {  # what moved, in a sentence
    "referrals": "police referrals",
    "charge_rate": "the charge rate",
    "report_to_file": "the share of cases filed within a year",
}


NO_CASES = "no case timelines (at CPS Area grain, Met and City of London cases fit no single Area)"


def _scaled(est: Estimate, factor: float, method: str | None = None) -> Estimate:
    return replace(
        est,
        estimate=est.estimate * factor,
        lower=est.lower * factor,
        upper=est.upper * factor,
        method=method or est.method,
        se=None if est.se is None else est.se * factor,
    )


def _panel_info(panel: Panel) -> dict[str, Any]:
    u = panel.units
    counts = dict(u.group_by("role").len().iter_rows())
    times = panel.frame["time"]
    return {
        "frequency": "month" if panel.months == 1 else "quarter",
        "first_period": index_to_date(int(times.min()), panel.months).isoformat() if times.len() else None,  # type: ignore[arg-type]  # a polars scalar
        "last_period": index_to_date(int(times.max()), panel.months).isoformat() if times.len() else None,  # type: ignore[arg-type]  # a polars scalar
        "n_pilot": counts.get("pilot", 0),
        "n_control": counts.get("control", 0),
        "n_not_yet": counts.get("not_yet", 0),
        "pilot_starts": [index_to_date(c, panel.months).isoformat() for c in panel.cohorts],
        "left_out": panel.dropped,
    }


def per_quarter(panel: Panel, outcome: str) -> float | None:
    """What the pilot areas saw a quarter after their start: referrals, or charging decisions for the
    charge rate (the base that turns an effect into cases: `OutcomeResult.in_cases`)."""
    column = "referrals_count" if outcome == "referrals" else "charging_decisions"
    treated = panel.frame.filter(pl.col("role") == "pilot", pl.col("time") >= pl.col("first_treat"))
    periods = treated["time"].n_unique()
    if not periods or column not in treated.columns:
        return None
    return float(treated[column].sum()) / periods * (3 / panel.months)


def _metric_outcome(
    values: pl.DataFrame, register: pl.DataFrame, sel: Selection, control: str, outcome: str, synth: bool
) -> tuple[OutcomeResult, Panel]:
    panel = metric_panel(values, register, sel, control, outcome)
    if not panel.cohorts:
        raise ValueError("no pilot area with data starts inside the evaluation window")
    ev = evaluate(
        panel.frame,
        [outcome],
        "unit",
        "time",
        "first_treat",
        control=control,
        cohorts=panel.cohorts,
        base_period=f"mean:{BASE_YEAR_PERIODS[panel.months]}",
        start_share="start_share",
        sensitivity_pre=BASE_YEAR_PERIODS[panel.months],
        sensitivity_bin=3 // panel.months,  # months in quarters: a steadier reference than one month
    )[outcome]
    label = OUTCOME_LABELS[outcome]
    if outcome == "referrals" and ev.relative is not None:
        headline = _scaled(ev.relative, 100)
    else:
        headline = ev.randomization
    checks = (control_check(ev), assignment_check(headline), pretrend_check(ev, PHRASES[outcome]))
    syn, syn_checks = synthetic_controls(panel, outcome) if synth else ((), {})
    sdid = synthetic_did_estimate(panel, outcome) if synth else None
    return (
        OutcomeResult(
            outcome, label, UNITS[outcome], headline, ev, checks, verdict(headline, checks),
            _panel_info(panel) | {"per_quarter": per_quarter(panel, outcome)}, syn, syn_checks,
            synth_did=sdid,
        ),
        panel,
    )  # fmt: skip


def reported_per_quarter(tte: pl.DataFrame) -> float | None:
    """Cases reported a quarter in the pilot areas after their start (each area over the days from its
    first to its last report after the start), summed over the areas."""
    after = tte.filter(pl.col("arm") == "pilot", pl.col("period") == "after")
    if after.is_empty():
        return None
    rates = after.group_by("area_code").agg(
        rate=pl.len() / ((pl.col("reported_on").max() - pl.col("reported_on").min()).dt.total_days() + 1)
    )
    return float(rates["rate"].sum()) * 365.25 / 4


def _report_to_file(
    cases: pl.DataFrame, register: pl.DataFrame, fca: pl.DataFrame, sel: Selection, control: str
) -> tuple[OutcomeResult, pl.DataFrame]:
    tte = case_frame(cases, register, fca, sel, control)
    area, dropped = area_survival_panel(tte)
    if area.filter(pl.col("role") == "pilot").is_empty():
        raise ValueError("no pilot area has enough case timelines before and after its start")
    res = evaluate(area, ["filed_365", "rmst_365"], "unit", "time", "first_treat", control="never")
    ev = res["filed_365"]
    checks = (
        control_check(ev),
        assignment_check(ev.randomization),
        Check(
            "pretrend",
            None,
            "Trends before the start cannot be checked here: each area has one period before the start "
            "and one after. Judge them from the referrals event study and the report-to-file curves.",
        ),
    )
    surv = survival_summary(tte, tau=HORIZON_DAYS)
    units = area.select("unit", "role").unique()
    d = design(register, sel, control)
    left_out = left_out_reasons(d)
    with_cases = set(tte["area_code"].unique().to_list())
    for code in d.filter(pl.col("reason").is_null())["area_code"].to_list():
        if code not in with_cases:
            left_out[code] = NO_CASES
    left_out |= dropped
    info = {
        "frequency": "before and after each area's start",
        "n_pilot": units.filter(pl.col("role") == "pilot").height,
        "n_control": units.filter(pl.col("role") == "control").height,
        "n_not_yet": 0,
        "cases": tte.height,
        "left_out": left_out,
        "horizon_days": HORIZON_DAYS,
        "per_quarter": reported_per_quarter(tte),
    }
    result = OutcomeResult(
        "report_to_file",
        OUTCOME_LABELS["report_to_file"],
        UNITS["report_to_file"],
        ev.randomization,
        ev,
        checks,
        verdict(ev.randomization, checks),
        info,
        secondary={"rmst_days": res["rmst_365"].randomization, "rmst_days_case_level": surv.rmst_did},
        survival=surv,
    )
    return result, tte


def run_evaluation(
    values: pl.DataFrame | None,
    cases: pl.DataFrame | None,
    register: pl.DataFrame,
    force_cps_area: pl.DataFrame | None,
    sel: Selection,
    control: str = "notyet",
    outcomes: tuple[str, ...] = OUTCOMES,
    synth: bool = True,
    curves: bool = True,
) -> EvaluationResult:
    """Every estimate for the chosen outcomes. ``values`` are the grain's metric values (all metrics),
    ``cases`` the case timelines (needed for 'report_to_file' only)."""
    bad = [o for o in outcomes if o not in OUTCOMES]
    if bad:
        raise ValueError(f"unknown outcome(s) {bad}; choose from {list(OUTCOMES)}")
    seconds: dict[str, float] = {}
    results: dict[str, OutcomeResult] = {}
    curve_frame = None
    for outcome in outcomes:
        started = _time.perf_counter()
        if outcome == "report_to_file":
            if cases is None or force_cps_area is None:
                raise ValueError("report_to_file needs the case timelines and the force to CPS Area map")
            results[outcome], tte = _report_to_file(cases, register, force_cps_area, sel, control)
            if curves:
                curve_frame = survival_curves(tte, min_cases=MIN_CASES)
        else:
            if values is None:
                raise ValueError(f"{outcome} needs the metric values")
            results[outcome], _ = _metric_outcome(values, register, sel, control, outcome, synth)
        seconds[outcome] = round(_time.perf_counter() - started, 3)
    return EvaluationResult(
        sel.to_query_params(), control, design(register, sel, control), results, curve_frame, seconds
    )
