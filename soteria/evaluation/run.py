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
closures competing) and the restricted mean days to file within that year.
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import polars as pl

from soteria.analysis.compare import Selection, assign_arms
from soteria.analysis.survival import curves as survival_curves
from soteria.analysis.survival import time_to_file
from soteria.domain import MIN_CASES
from soteria.engine.evaluate import OutcomeEvaluation, evaluate
from soteria.engine.results import Estimate, jsonable
from soteria.engine.survival import cumulative_incidence, restricted_mean, value_at
from soteria.engine.synth import SynthResult
from soteria.engine.synth_panel import synthetic_control_panel
from soteria.evaluation.survival_did import SurvivalSummary, survival_summary

CONTROLS = {
    "notyet": "not-yet-treated areas (each until its own start)",
    "never": "only areas not treated inside the window",
}
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

MIN_CONTROLS = 3  # fewer control areas in any compared period: too few controls
PRETREND_ALPHA = 0.05
HORIZON_DAYS = 365.0
MIN_BASELINE_MEAN = 1.0  # referrals a month before the pilot, below which an area's index is noise
BASE_YEAR_PERIODS = {1: 12, 3: 4}  # compare with the mean of the year before the start (months, quarters)
SYNTH_MAX_RELATIVE_RMSPE = 0.20  # pre-period error above a fifth of the area's own level: poor fit
_NEVER = date(9999, 12, 31)
NO_CASES = "no case timelines (at CPS Area grain, Met and City of London cases fit no single Area)"


# -- periods ----------------------------------------------------------------------------------------


def period_index(d: date, months: int = 1) -> int:
    """An ordered integer index of the month (or quarter) containing ``d``; always positive."""
    return (d.year * 12 + d.month - 1) // months


def index_to_date(i: int, months: int = 1) -> date:
    m = int(i) * months
    return date(m // 12, m % 12 + 1, 1)


def window_months(sel: Selection) -> tuple[date, date]:
    """First days of the first and last whole months inside the selection's window."""
    return replace(sel, frequency="month").whole_periods()


def _window(sel: Selection, months: int) -> tuple[date, date]:
    return replace(sel, frequency="quarter" if months == 3 else "month").whole_periods()


# -- design -----------------------------------------------------------------------------------------


def design(register: pl.DataFrame, sel: Selection, control: str = "notyet") -> pl.DataFrame:
    """area_code, area_name, wave, pilot_start, role, reason: every area of the grain and its part.

    role: 'pilot', 'control', 'not_yet' (control until its own start), 'excluded' or 'dropped';
    reason says why an area takes no part.
    """
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {sorted(CONTROLS)}, not {control!r}")
    first, last = window_months(sel)
    arms = assign_arms(register, sel)
    start = pl.col("pilot_start").fill_null(_NEVER)
    # Periods are untreated only if they end before the start: a start inside a month treats that month.
    started_by_first = start <= _month_end(first)
    inside = ~started_by_first & (start <= _month_end(last))
    role = (
        pl.when(pl.col("arm") == "excluded").then(pl.lit("excluded"))
        .when(started_by_first).then(pl.lit("dropped"))
        .when(pl.col("arm") == "pilot")
        .then(pl.when(inside).then(pl.lit("pilot")).otherwise(pl.lit("dropped")))
        .when(inside).then(pl.lit("not_yet" if control == "notyet" else "dropped"))
        .otherwise(pl.lit("control"))
    )  # fmt: skip
    reason = (
        pl.when(pl.col("arm") == "excluded").then(pl.lit("excluded by the evaluator"))
        .when(started_by_first).then(pl.lit("started before the window: no untreated period"))
        .when((pl.col("arm") == "pilot") & ~inside).then(pl.lit("pilot start after the window ends"))
        .when(inside & (pl.col("arm") != "pilot") & pl.lit(control == "never"))
        .then(pl.lit("treated inside the window (not a never-treated control)"))
    )  # fmt: skip
    return arms.select(
        "area_code", "area_name", "wave", "pilot_start", role.alias("role"), reason.alias("reason")
    )


def _reasons(d: pl.DataFrame) -> dict[str, str]:
    """area_code -> why it takes no part, for areas of the design that do not."""
    return dict(d.filter(pl.col("reason").is_not_null()).select("area_code", "reason").iter_rows())


def _month_end(first: date) -> date:
    return index_to_date(period_index(first) + 1) - timedelta(days=1)


def _first_treat(d: pl.DataFrame, months: int) -> pl.DataFrame:
    """area_code, first_treat (period index of the start for pilots and not-yet-treated; 0 for controls)."""
    starts = d["pilot_start"].to_list()
    ft = [
        period_index(s, months) if role in ("pilot", "not_yet") else 0
        for s, role in zip(starts, d["role"].to_list(), strict=True)
    ]
    return d.select("area_code", "role").with_columns(first_treat=pl.Series(ft, dtype=pl.Int64))


# -- metric panels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A balanced long panel for the engine plus what was left out and why."""

    frame: pl.DataFrame  # unit, time, period (date), outcome columns, first_treat, role
    outcomes: tuple[str, ...]
    months: int  # 1 = monthly, 3 = quarterly
    cohorts: tuple[int, ...]  # first_treat values of the pilot cohorts
    dropped: dict[str, str]  # area_code -> reason

    @property
    def units(self) -> pl.DataFrame:
        return self.frame.select("unit", "role", "first_treat").unique("unit").sort("unit")


def metric_panel(
    values: pl.DataFrame, register: pl.DataFrame, sel: Selection, control: str, outcome: str
) -> Panel:
    """Area-by-period panel for 'referrals' (monthly counts) or 'charge_rate' (quarterly, per cent).

    A period's value is the sum of its months, or missing when any month is missing; an area missing
    any period (or, for the charge rate, with no decisions in a quarter) is left out of that outcome.
    """
    if outcome not in ("referrals", "charge_rate"):
        raise ValueError(f"outcome must be 'referrals' or 'charge_rate', not {outcome!r}")
    months = 1 if outcome == "referrals" else 3
    d = design(register, sel, control)
    dropped = _reasons(d)
    units = _first_treat(d.filter(pl.col("role").is_in(["pilot", "control", "not_yet"])), months)
    first, last = _window(sel, months)
    needed = ["referrals"] if outcome == "referrals" else ["charges", "charging_decisions"]
    period = pl.col("month").dt.truncate(f"{months}mo") if months > 1 else pl.col("month")
    long = (
        values.lazy()
        .filter(pl.col("metric").is_in(needed), pl.col("area_code").is_in(units["area_code"].implode()))
        .with_columns(pl.col("value").cast(pl.Float64), period=period)
        .filter(pl.col("period").is_between(first, last))
        .group_by("area_code", "period", "metric")
        .agg(n=pl.col("value").is_not_null().sum(), total=pl.col("value").sum())
        .with_columns(value=pl.when(pl.col("n") == months).then("total"))
        .collect()
    )
    wide = long.pivot(on="metric", index=["area_code", "period"], values="value")
    for m in needed:
        if m not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(m))
    if outcome == "charge_rate":
        wide = wide.with_columns(
            charge_rate=pl.when(pl.col("charging_decisions") > 0).then(
                pl.col("charges") / pl.col("charging_decisions") * 100
            )
        )
    n_periods = len(pl.date_range(first, last, f"{months}mo", eager=True))
    complete = wide.filter(pl.col(outcome).is_not_null()).group_by("area_code").len()
    keep = complete.filter(pl.col("len") == n_periods)["area_code"]
    for code in units["area_code"].to_list():
        if code not in set(keep.to_list()):
            dropped[code] = (
                "no decisions in some quarter" if outcome == "charge_rate" else "missing values in the window"
            )
    frame = (
        wide.filter(pl.col("area_code").is_in(keep.implode()))
        .join(units, on="area_code")
        .with_columns(
            unit=pl.col("area_code"),
            time=((pl.col("period").dt.year() * 12 + pl.col("period").dt.month() - 1) // months)
            .cast(pl.Int64),
        )
        .select("unit", "time", "period", *needed, *([outcome] if outcome == "charge_rate" else []),
                "first_treat", "role")
        .sort("unit", "time")
    )  # fmt: skip
    cohorts = tuple(sorted(set(frame.filter(pl.col("role") == "pilot")["first_treat"].to_list())))
    if outcome == "referrals" and cohorts:
        frame, low = _index(frame, cohorts[0])
        dropped |= dict.fromkeys(low, f"fewer than {MIN_BASELINE_MEAN:g} referral a month before the pilot")
    return Panel(frame, (outcome,), months, cohorts, dropped)


def _index(frame: pl.DataFrame, first_start: int) -> tuple[pl.DataFrame, list[str]]:
    """Referrals as an index: each area's monthly mean before the first pilot start = 100.

    National rises in referrals are multiplicative: a large area gains more referrals than a small one
    from the same national rise, so trends in counts are not parallel between areas of different size.
    As a share of each area's own level they are. Areas with under MIN_BASELINE_MEAN referrals a month
    before the start are left out: their index would be mostly noise.
    """
    base = pl.col("referrals_count").filter(pl.col("time") < first_start).mean().over("unit")
    out = frame.rename({"referrals": "referrals_count"}).with_columns(baseline=base)
    low = out.filter(pl.col("baseline") < MIN_BASELINE_MEAN)["unit"].unique().sort().to_list()
    out = out.filter(pl.col("baseline") >= MIN_BASELINE_MEAN).with_columns(
        referrals=pl.col("referrals_count") / pl.col("baseline") * 100
    )
    return out, low


# -- case-level report-to-file --------------------------------------------------------------------


def case_frame(
    cases: pl.DataFrame,
    register: pl.DataFrame,
    force_cps_area: pl.DataFrame,
    sel: Selection,
    control: str = "notyet",
) -> pl.DataFrame:
    """case_ref, area_code, arm, period, days, event (0 open/censored, 1 filed, 2 closed before a file).

    ``soteria.analysis.survival.time_to_file`` (the one follow-up rule: untreated cases are followed only
    until their area's start) with the evaluation's design: areas that take no part are left out.
    """
    d = design(register, sel, control)
    out = d.filter(pl.col("role").is_in(["excluded", "dropped"]))["area_code"].to_list()
    kept = d.filter(pl.col("role").is_in(["pilot", "control", "not_yet"]))
    pilot_waves = tuple(sorted(set(kept.filter(pl.col("role") == "pilot")["wave"].to_list())))
    if not pilot_waves:
        raise ValueError("no pilot area starts inside the evaluation window")
    sel2 = replace(sel, pilot_waves=pilot_waves, excluded_controls=tuple(out))
    tte = time_to_file(cases, register, force_cps_area, sel2)
    return tte.filter(pl.col("area_code").is_in(kept["area_code"].implode()))


def area_survival_panel(
    tte: pl.DataFrame, horizon: float = HORIZON_DAYS
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Per area and period (0 before, 1 after): per cent filed within ``horizon`` days (Aalen-Johansen,
    closures competing) and restricted mean days to file within it. Areas with fewer than MIN_CASES
    cases in either period are left out (returned with the reason)."""
    rows, dropped = [], {}
    for (code, arm), part in tte.partition_by("area_code", "arm", as_dict=True).items():
        cells = {}
        for period in ("before", "after"):
            p = part.filter(pl.col("period") == period)
            if p.height < MIN_CASES:
                break
            days, event = p["days"].to_numpy(), p["event"].cast(pl.Int64).to_numpy()
            filed = value_at(cumulative_incidence(days, event, 1), horizon, "cif")
            rm = restricted_mean(days, event, horizon, "competing")
            cells[period] = (100 * (filed or 0.0), rm.estimate, p.height)
        if len(cells) < 2:
            dropped[code] = f"fewer than {MIN_CASES} case timelines before or after the start"
            continue
        for t_i, period in enumerate(("before", "after")):
            filed, rmst, n = cells[period]
            rows.append(
                {
                    "unit": code,
                    "time": t_i,
                    "filed_365": filed,
                    "rmst_365": rmst,
                    "cases": n,
                    "first_treat": 1 if arm == "pilot" else 0,
                    "role": "pilot" if arm == "pilot" else "control",
                }
            )
    schema = {"unit": pl.String, "time": pl.Int64, "filed_365": pl.Float64, "rmst_365": pl.Float64,
              "cases": pl.Int64, "first_treat": pl.Int64, "role": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).sort("unit", "time"), dropped


# -- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One assumption or condition: ok True (holds), False (fails: no finding) or None (cannot be tested)."""

    name: str
    ok: bool | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


VERDICTS = {
    "clear": "clear evidence",
    "some": "some evidence",
    "none": "no clear difference",
    "fails": "not a finding: assumptions fail",
}


@dataclass(frozen=True)
class OutcomeResult:
    """One outcome: the headline (in display units), everything behind it and the checks on it.

    ``headline``: referrals in per cent of what the controls predict; charge rate and share filed in
    percentage points. ``verdict``: 'clear' (95% interval excludes zero and the checks hold), 'some'
    (randomisation p < 0.10, checks hold), 'none', or 'fails' (a check failed: not a finding).
    """

    outcome: str
    label: str
    unit: str
    headline: Estimate
    evaluation: OutcomeEvaluation
    checks: tuple[Check, ...]
    verdict: str
    info: dict[str, Any]
    synth: tuple[SynthResult, ...] = ()
    synth_checks: dict[str, Check] = field(default_factory=dict)
    secondary: dict[str, Estimate] = field(default_factory=dict)
    survival: SurvivalSummary | None = None

    @property
    def assumptions_hold(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        h = self.headline
        ev = self.evaluation
        out = {
            "outcome": self.outcome,
            "label": self.label,
            "unit": self.unit,
            "estimate": h.estimate,
            "lower": h.lower,
            "upper": h.upper,
            "p_value": h.p_value,
            "n_assignments": h.n_assignments,
            "method": h.method,
            "verdict": self.verdict,
            "verdict_words": VERDICTS[self.verdict],
            "assumptions_hold": self.assumptions_hold,
            "checks": [c.to_dict() for c in self.checks],
            "info": self.info,
            "additive": ev.randomization.to_dict(),
            "pretrend_test": ev.pretest_ri.to_dict(),
            "twfe": ev.twfe.to_dict(),
            "bootstrap": ev.bootstrap.to_dict(),
            "event_study": ev.event_band,
            "secondary": {k: v.to_dict() for k, v in self.secondary.items()},
        }
        if self.synth:
            out["synthetic_control"] = [
                {
                    "area_code": r.treated,
                    "estimate": r.estimate,
                    "pre_rmspe": r.pre_rmspe,
                    "relative_pre_rmspe": r.diagnostics.get("relative_pre_rmspe"),
                    "placebo_p_value": r.p_value,
                    "n_donors": r.diagnostics.get("n_donors"),
                    "fit_ok": self.synth_checks[r.treated].ok if r.treated in self.synth_checks else None,
                    "weights": r.weights,
                }
                for r in self.synth
            ]
        if self.survival is not None:
            s = self.survival
            out["survival"] = {
                "medians": s.medians,
                "incidence": s.incidence,
                "logrank": {k: v.to_dict() for k, v in s.logrank.items()},
                "rmst_did_case_level": s.rmst_did.to_dict(),
            }
        return jsonable(out)


@dataclass(frozen=True)
class EvaluationResult:
    selection: dict[str, str]
    control: str
    design: pl.DataFrame
    outcomes: dict[str, OutcomeResult]
    curves: pl.DataFrame | None
    seconds: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "selection": self.selection,
            "control": self.control,
            "design": jsonable(self.design),
            "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
            "seconds": self.seconds,
        }


# -- checks and verdicts -----------------------------------------------------------------------------


def _control_check(ev: OutcomeEvaluation) -> Check:
    gt = ev.group_time.filter(pl.col("post"))
    fewest = int(gt["n_control"].min()) if gt.height else 0
    n_ctrl = ev.randomization.diagnostics["n_units"] - ev.randomization.diagnostics["n_treated_units"]
    if fewest < MIN_CONTROLS:
        return Check(
            "controls",
            False,
            f"Too few controls: some periods after the start are compared with only {fewest} control "
            f"area{'s' if fewest != 1 else ''} (at least {MIN_CONTROLS} are needed). Include more "
            "controls, use not-yet-treated areas or end the window earlier.",
        )
    return Check("controls", True, f"{n_ctrl} control areas; at least {fewest} in every compared period.")


def _assignment_check(est: Estimate) -> Check:
    n = est.n_assignments or 0
    if n and 1 / n > 0.05:  # the smallest possible p-value is 1 / n
        return Check(
            "assignments",
            False,
            f"Too few areas to tell: there are only {n:,} ways to re-assign the pilot, so no result could "
            "be shown to be unlikely by chance.",
        )
    return Check("assignments", True, f"{n:,} assignments compared.")


def _pretrend_check(ev: OutcomeEvaluation, phrase: str) -> Check:
    p = ev.pretest_ri.p_value
    if p is None or not math.isfinite(p):
        return Check(
            "pretrend",
            None,
            "Trends before the start cannot be checked (a single period before the start).",
        )
    if p < PRETREND_ALPHA:
        return Check(
            "pretrend",
            False,
            f"Before the pilot began, {phrase} in pilot areas moved differently from "
            f"the control areas (randomisation pre-trend test p {_p(p)}), so the controls may not show "
            "what would have happened without the pilot.",
        )
    return Check(
        "pretrend",
        True,
        f"Before the pilot began, {phrase} in pilot areas moved no more unusually than in "
        f"randomly chosen areas (randomisation pre-trend test p {_p(p)}).",
    )


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def verdict(est: Estimate, checks: tuple[Check, ...]) -> str:
    if any(c.ok is False for c in checks):
        return "fails"
    lo, hi, p = est.lower, est.upper, est.p_value
    if lo is not None and hi is not None and (lo > 0 or hi < 0):  # NaN compares False
        return "clear"
    if p is not None and p < 0.10:
        return "some"
    return "none"


def _scaled(est: Estimate, factor: float, method: str | None = None) -> Estimate:
    return replace(
        est,
        estimate=est.estimate * factor,
        lower=est.lower * factor,
        upper=est.upper * factor,
        method=method or est.method,
        se=None if est.se is None else est.se * factor,
    )


# -- synthetic control ------------------------------------------------------------------------------


def _synth(panel: Panel, outcome: str) -> tuple[tuple[SynthResult, ...], dict[str, Check]]:
    """Outcome-only synthetic control per pilot area, donors = clean controls (referrals as the index, so
    that areas of different size can mix)."""
    f = panel.frame
    pilots = f.filter(pl.col("role") == "pilot")
    donors = f.filter(pl.col("role") == "control")["unit"].unique().sort().to_list()
    if pilots.is_empty() or len(donors) < 2:
        return (), {}
    sub = f.filter(pl.col("role").is_in(["pilot", "control"]))
    results = synthetic_control_panel(sub, "unit", "time", outcome, "first_treat", donors=donors)
    checks, out = {}, []
    for r in results:
        pre = r.series.filter(~pl.col("post"))["treated"]
        level = float(pre.abs().mean()) if pre.len() else float("nan")
        rel = r.pre_rmspe / level if level > 0 else float("inf")
        r = replace(r, diagnostics={**r.diagnostics, "relative_pre_rmspe": rel, "pre_level": level})
        out.append(r)
        if rel > SYNTH_MAX_RELATIVE_RMSPE:
            checks[r.treated] = Check(
                "synthetic_fit",
                False,
                f"Poor fit: before the start the synthetic area missed the real one by {rel:.0%} of its "
                "level on average, so its path after the start is not a reliable comparison.",
            )
        elif r.diagnostics["n_donors"] + 1 < 20:
            checks[r.treated] = Check(
                "synthetic_donors",
                None,
                f"Fit acceptable (error {rel:.0%} of the level), but with {r.diagnostics['n_donors']} donor "
                f"areas the smallest possible placebo p-value is {1 / (r.diagnostics['n_donors'] + 1):.2f}.",
            )
        else:
            checks[r.treated] = Check("synthetic_fit", True, f"Good fit: error {rel:.0%} of the level.")
    return tuple(out), checks


# -- the run -------------------------------------------------------------------------------------------


def _panel_info(panel: Panel) -> dict[str, Any]:
    u = panel.units
    counts = dict(u.group_by("role").len().iter_rows())
    times = panel.frame["time"]
    return {
        "frequency": "month" if panel.months == 1 else "quarter",
        "first_period": index_to_date(int(times.min()), panel.months).isoformat() if times.len() else None,
        "last_period": index_to_date(int(times.max()), panel.months).isoformat() if times.len() else None,
        "n_pilot": counts.get("pilot", 0),
        "n_control": counts.get("control", 0),
        "n_not_yet": counts.get("not_yet", 0),
        "pilot_starts": [index_to_date(c, panel.months).isoformat() for c in panel.cohorts],
        "left_out": panel.dropped,
    }


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
    )[outcome]
    label = OUTCOME_LABELS[outcome]
    if outcome == "referrals" and ev.relative is not None:
        headline = _scaled(ev.relative, 100)
    else:
        headline = ev.randomization
    checks = (_control_check(ev), _assignment_check(headline), _pretrend_check(ev, PHRASES[outcome]))
    syn, syn_checks = _synth(panel, outcome) if synth else ((), {})
    return (
        OutcomeResult(
            outcome, label, UNITS[outcome], headline, ev, checks, verdict(headline, checks),
            _panel_info(panel), syn, syn_checks,
        ),
        panel,
    )  # fmt: skip


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
        _control_check(ev),
        _assignment_check(ev.randomization),
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
    left_out = _reasons(d)
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
