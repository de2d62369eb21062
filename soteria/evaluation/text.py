"""Plain-English sentences and tables for the evaluation (pure: results in, strings and frames out).

Every number a sentence states comes from ``soteria.evaluation.run`` results; the confidence
words follow from the statistics alone: "clear evidence" (95% interval excludes zero and the checks
hold), "some evidence" (randomisation p < 0.10), "no clear difference", and "not a finding" when a
check on the method's assumptions fails.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from soteria.charts.figures import ChartText
from soteria.engine.results import Estimate
from soteria.engine.synth import SynthResult
from soteria.evaluation.case_panels import HORIZON_DAYS
from soteria.evaluation.checks import MIN_CONTROLS
from soteria.evaluation.design import index_to_date
from soteria.evaluation.outcome import EvaluationResult, OutcomeResult
from soteria.evaluation.panels import BASE_YEAR_PERIODS
from soteria.evaluation.run import MIN_CASES
from soteria.evaluation.synthetic import SYNTH_MAX_RELATIVE_RMSPE

MINUS = "\u2212"
SUBJECT = {
    "referrals": "police referrals in pilot areas were",
    "charge_rate": "the charge rate in pilot areas was",
    "report_to_file": "the share of reported cases in pilot areas whose police file reached the CPS within a "
    "year was",
}
SHORT = {
    "referrals": "Police referrals",
    "charge_rate": "Charge rate",
    "report_to_file": "Report to file",
}
WORDS = {
    "clear": "Clear evidence",
    "some": "Some evidence",
    "none": "No clear difference",
    "fails": "Not a finding: assumptions fail",
}
ESTIMATORS = {
    "aalen_johansen": "All cases: closures count as never filed (Aalen-Johansen)",
    "kaplan_meier": "While open: closures censored (Kaplan-Meier)",
}
ROLE_WORDS = {
    "pilot": "Pilot",
    "control": "Control (not treated in the window)",
    "not_yet": "Control until its own start",
    "excluded": "Excluded by you",
    "dropped": "Left out",
}


def _num(x: float, digits: int = 0, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "unbounded"
    text = f"{abs(x):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    sign = MINUS if x < 0 else ("+" if signed else "")
    return sign + text


def plain(text: str) -> str:
    """Markdown emphasis removed and the typographic minus made ASCII, for a terminal."""
    return text.replace("**", "").replace(MINUS, "-")


def value(x: float, unit: str, signed: bool = True) -> str:
    """'+24%', '+3.7 points', '-9 days'."""
    if unit == "percent":
        return _num(x, 0, signed) + ("%" if math.isfinite(x) else "")
    if unit == "days":
        return f"{_num(x, 0, signed)} days"
    return f"{_num(x, 1, signed)} points"


def interval(est: Estimate, unit: str) -> str:
    level = f"{(1 - est.alpha):.0%}"
    if unit == "percent":
        return f"{level} interval {value(est.lower, unit, False)} to {value(est.upper, unit, False)}"
    lo, hi = _num(est.lower, 0 if unit == "days" else 1), _num(est.upper, 0 if unit == "days" else 1)
    return f"{level} interval {lo} to {hi} {'days' if unit == 'days' else 'points'}"


def p_text(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def p_is(p: float | None) -> str:
    """'p = 0.06' or 'p < 0.001'."""
    text = p_text(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _inference(est: Estimate) -> str:
    n = f", {est.n_assignments:,} assignments" if est.n_assignments else ""
    return f"randomisation {p_is(est.p_value)}{n}"


def _size(x: float, unit: str) -> str:
    if unit == "percent":
        return f"{_num(abs(x), 0)}%"
    return f"{_num(abs(x), 1)} percentage points"


def headline_sentence(o: OutcomeResult) -> str:
    """'After the pilot began, police referrals in pilot areas were 24% higher than the control areas
    predict (95% interval ...; randomisation p = 0.06, 5,001 assignments).'"""
    h = o.headline
    if h.estimate == 0:
        change = "no different from what the control areas predict"
    else:
        more = "higher" if h.estimate > 0 else "lower"
        change = f"{_size(h.estimate, o.unit)} {more} than the control areas predict"
    return f"After the pilot began, {SUBJECT[o.outcome]} {change} ({interval(h, o.unit)}; {_inference(h)})."


def verdict_sentence(o: OutcomeResult) -> str:
    """The confidence word and why, in one or two sentences."""
    h = o.headline
    if o.verdict == "fails":
        reasons = " ".join(c.message for c in o.checks if c.ok is False)
        return f"**{WORDS['fails']}.** {reasons}"
    if o.verdict == "clear":
        why = "the 95% interval excludes zero and the checks on the method hold."
    elif o.verdict == "some":
        why = f"randomisation {p_is(h.p_value)} is below 0.10, but the 95% interval includes zero."
    else:
        why = (
            f"the 95% interval includes zero, so the data fit no effect as well as effects from "
            f"{value(h.lower, o.unit, False)} to {value(h.upper, o.unit, False)}."
        )
    untested = " ".join(f"Not checked: {c.message}" for c in o.checks if c.ok is None)
    return f"**{WORDS[o.verdict]}**: {why}" + (f" {untested}" if untested else "")


def pretrend_sentence(o: OutcomeResult) -> str:
    check = next((c for c in o.checks if c.name == "pretrend"), None)
    return check.message if check else ""


def secondary_sentence(o: OutcomeResult) -> str:
    """Report-to-file only: the same comparison in restricted mean days to file."""
    rm = o.secondary.get("rmst_days")
    if rm is None:
        return ""
    faster = "sooner" if rm.estimate < 0 else "later"
    return (
        f"Counted in days: within the first year after a report, files in pilot areas reached the CPS "
        f"{_num(abs(rm.estimate), 0)} days {faster} on average than the control areas predict "
        f"({interval(rm, 'days')}; {_inference(rm)})."
    )


# -- event study ------------------------------------------------------------------------------------


def event_study_frame(o: OutcomeResult) -> pl.DataFrame:
    """The chart's data: event time, the period it is, the estimate and its randomisation interval."""
    band = o.evaluation.event_band
    months = 1 if o.info.get("frequency") == "month" else 3
    first = index_to_date(_first_start(o, months), months)
    return band.select(
        pl.col("event_time"),
        pl.col("event_time")
        .map_elements(lambda e: _shift(first, int(e) * months), return_dtype=pl.Date)
        .alias("period"),
        pl.col("att").alias("estimate"),
        pl.col("ri_lower").alias("lower"),
        pl.col("ri_upper").alias("upper"),
        "placebo_lower",
        "placebo_upper",
    )


def _first_start(o: OutcomeResult, months: int) -> int:
    start = date.fromisoformat(o.info["pilot_starts"][0])
    return (start.year * 12 + start.month - 1) // months


def _shift(d: date, months: int) -> date:
    m = d.year * 12 + d.month - 1 + months
    return date(m // 12, m % 12 + 1, 1)


def event_unit(o: OutcomeResult) -> str:
    if o.outcome == "referrals":
        return "index points (100 = the area's own monthly level before the pilot)"
    return "percentage points (charge rate, per quarter)"


def event_axis(o: OutcomeResult) -> str:
    return "Difference, index points" if o.outcome == "referrals" else "Difference, percentage points"


def synth_axis(o: OutcomeResult) -> str:
    return "Index (own level before = 100)" if o.outcome == "referrals" else "Charge rate (%)"


def synth_overview(o: OutcomeResult) -> str:
    """One sentence on how far the synthetic controls can be trusted, before the per-area table."""
    poor = [r for r in o.synth if (c := o.synth_checks.get(r.treated)) is not None and c.ok is False]
    donors = min((r.diagnostics["n_donors"] for r in o.synth), default=0)
    floor = f"With {donors} donor areas no placebo p-value can be below {1 / (donors + 1):.2f}. "
    if not poor:
        return floor + "Every synthetic control tracks its pilot area acceptably before the start."
    if len(poor) == len(o.synth):
        return (
            floor
            + f"No synthetic control tracks its pilot area within {SYNTH_MAX_RELATIVE_RMSPE:.0%} of its "
            "level before the start (small monthly counts are noisy), so none of these gaps is a finding."
        )
    return floor + (
        f"{len(poor)} of {len(o.synth)} synthetic controls miss their pilot area by more than "
        f"{SYNTH_MAX_RELATIVE_RMSPE:.0%} of its level before the start: their gaps are not findings."
    )


def event_study_summary(o: OutcomeResult) -> str:
    band = o.evaluation.event_band
    pre = band.filter(pl.col("event_time") < 0)
    post = band.filter(pl.col("event_time") >= 0)
    outside = pre.filter((pl.col("ri_lower") > 0) | (pl.col("ri_upper") < 0)).height
    step = "months" if o.info.get("frequency") == "month" else "quarters"
    base = BASE_YEAR_PERIODS[1 if step == "months" else 3]
    return (
        f"Difference between pilot areas and what the control areas predict, in {event_unit(o)}, each "
        f"{step[:-1]} before and after the start, against the mean of the {base} {step} before it: "
        f"{outside} of {pre.height} {step} before the start have a 95% interval that excludes zero; after "
        f"the start the estimates average {_num(post['att'].mean(), 1, True)}."
    )


# -- comparison with the naive estimate -----------------------------------------------------------


def comparison_table(o: OutcomeResult) -> pl.DataFrame:
    """The staggered estimate beside plain two-way fixed effects (the naive comparison)."""
    ev = o.evaluation
    unit = "index points" if o.outcome == "referrals" else "percentage points"
    if o.outcome == "report_to_file":
        unit = "percentage points"
    tw = ev.twfe
    rows = [
        ("Staggered difference-in-differences (Callaway-Sant'Anna), randomisation inference",
         ev.randomization, "the headline method"),
        ("Same estimate, cluster bootstrap interval", ev.bootstrap,
         "too narrow with few pilot areas; for comparison"),
        ("Plain two-way fixed effects (naive)", tw,
         "compares later starters with earlier ones; shown only for comparison"),
    ]  # fmt: skip
    out = [
        {
            "Method": name,
            "Estimate": round(e.estimate, 2),
            "95% interval": f"{_num(e.lower, 2)} to {_num(e.upper, 2)}",
            "p-value": p_text(e.p_value),
            "Unit": unit,
            "Note": note,
        }
        for name, e, note in rows
    ]
    if tw.diagnostics.get("ri_p_value") is not None:
        out[-1]["Note"] += f"; randomisation {p_is(tw.diagnostics['ri_p_value'])}"
    if o.outcome == "referrals" and ev.relative is not None:
        r = ev.relative
        out.insert(
            1,
            {
                "Method": "Same, as a share of what the controls predict",
                "Estimate": round(100 * r.estimate, 1),
                "95% interval": f"{_num(100 * r.lower, 1)} to {_num(100 * r.upper, 1)}",
                "p-value": p_text(r.p_value),
                "Unit": "per cent",
                "Note": "the headline figure",
            },
        )
    return pl.DataFrame(out)


# -- synthetic control ------------------------------------------------------------------------------


def synth_table(o: OutcomeResult, names: dict[str, str]) -> pl.DataFrame:
    rows = []
    for r in o.synth:
        check = o.synth_checks.get(r.treated)
        rows.append(
            {
                "Pilot area": names.get(r.treated, r.treated),
                "Effect (mean gap after the start)": round(r.estimate, 1),
                "Pre-period error (RMSPE)": round(r.pre_rmspe, 1),
                "Error as share of level": f"{r.diagnostics['relative_pre_rmspe']:.0%}",
                "Placebo p-value": p_text(r.p_value),
                "Donor areas": r.diagnostics["n_donors"],
                "Fit": "poor: not a finding" if check and check.ok is False else "acceptable",
            }
        )
    return pl.DataFrame(rows)


def synth_unit(o: OutcomeResult) -> str:
    if o.outcome == "referrals":
        return "index, the area's own mean before the first start = 100"
    return "charge rate, per cent"


def synth_frame(r: SynthResult, months: int) -> pl.DataFrame:
    return r.series.select(
        pl.col("time")
        .map_elements(lambda t: index_to_date(int(t), months), return_dtype=pl.Date)
        .alias("period"),
        pl.col("treated").alias("actual"),
        "synthetic",
        "gap",
        pl.col("post").alias("after_start"),
    )


def first_after(frame: pl.DataFrame) -> date:
    """The first period after the start in a synthetic control frame."""
    return frame.filter(pl.col("after_start"))["period"].min()  # type: ignore[return-value]


def synth_sentence(r: SynthResult, name: str, o: OutcomeResult) -> str:
    check = o.synth_checks.get(r.treated)
    donors = r.diagnostics["n_donors"]
    fit = check.message if check else ""
    return (
        f"{name}: actual against synthetic ({synth_unit(o)}); after the start the gap averages "
        f"{_num(r.estimate, 1, True)} (placebo {p_is(r.p_value)} among {donors} donor areas). {fit}"
    )


def weights_table(r: SynthResult, names: dict[str, str]) -> pl.DataFrame:
    return r.weights.filter(pl.col("weight") >= 0.005).select(
        pl.col("unit").replace_strict(names, default=pl.col("unit")).alias("Donor area"),
        (pl.col("weight") * 100).round(1).alias("Weight (%)"),
    )


# -- report to file ---------------------------------------------------------------------------------


FILED_IN_A_YEAR = "Filed within a year, closures competing (%)"
MEDIAN_WHILE_OPEN = "Median days while open (KM)"


def survival_table(o: OutcomeResult) -> pl.DataFrame:
    """Per arm and period: cases, filed, closed, open, KM median with interval, share filed in a year."""
    s = o.survival
    if s is None:
        return pl.DataFrame()
    inc = s.incidence.filter(pl.col("horizon") == HORIZON_DAYS).select(
        "arm", "period", pl.col("filed").alias("filed_share")
    )
    small = pl.col("n") < MIN_CASES
    return (
        s.medians.join(inc, on=["arm", "period"], how="left")
        .sort(pl.col("arm") != "pilot", pl.col("period") != "before")
        .select(
            pl.col("arm").replace_strict({"pilot": "Pilot areas", "control": "Control areas"}).alias("Arm"),
            pl.col("period").str.to_titlecase().alias("Period"),
            pl.col("n").alias("Cases"),
            pl.col("filed").alias("Filed"),
            pl.col("closed").alias("Closed before a file"),
            pl.col("open").alias("Still open"),
            pl.when(~small).then(pl.col("filed_share") * 100).round(1).alias(FILED_IN_A_YEAR),
            pl.when(~small & pl.col("km_median").is_finite()).then("km_median").alias(MEDIAN_WHILE_OPEN),
        )
    )  # fmt: skip


def logrank_sentences(o: OutcomeResult) -> list[str]:
    s = o.survival
    if s is None:
        return []
    out = []
    for key, when in (("arms_before", "before"), ("arms_after", "after")):
        t = s.logrank.get(key)
        if t is not None:
            out.append(
                f"Log-rank test, pilot against control cases reported {when} the start: "
                f"chi-squared {t.statistic:,.1f}, {p_is(t.p_value)}."
            )
    cl = o.secondary.get("rmst_days_case_level")
    if cl is not None:
        out.append(
            f"Case-level difference-in-differences in restricted mean days to file (first year): "
            f"{_num(cl.estimate, 1, True)} days ({interval(cl, 'days')}). Case-level tests treat every case "
            "as independent and ignore that cases in one area move together, so they overstate certainty: "
            "the headline compares areas instead."
        )
    return out


def curves_summary(curves: pl.DataFrame, estimator: str) -> str:
    c = curves.filter(pl.col("estimator") == estimator, pl.col("day") <= HORIZON_DAYS)
    parts = []
    for (arm, period), g in sorted(c.partition_by("arm", "period", as_dict=True).items()):
        parts.append(f"{arm} areas {period}: {g['share_filed'].max():.0%}")
    what = "all cases, closures competing" if estimator == "aalen_johansen" else "closures censored"
    return f"Share of cases with a file at the CPS within a year ({what}): " + "; ".join(parts) + "."


# -- design and methods -----------------------------------------------------------------------------


def design_table(result: EvaluationResult) -> pl.DataFrame:
    left: dict[str, str] = {}
    for o in result.outcomes.values():
        for code, why in o.info.get("left_out", {}).items():
            left.setdefault(code, f"{SHORT[o.outcome]}: {why}")
    d = result.design
    return d.sort(pl.col("role").replace_strict({"pilot": 0, "control": 1, "not_yet": 2, "excluded": 3,
                                                  "dropped": 4}), "area_name").select(
        pl.col("area_name").alias("Area"),
        pl.col("role").replace_strict(ROLE_WORDS).alias("Part in the comparison"),
        pl.col("wave").alias("Wave"),
        pl.col("pilot_start").alias("Start"),
        pl.coalesce(pl.col("reason"), pl.col("area_code").replace_strict(left, default=None)).alias("Note"),
    )  # fmt: skip


def design_sentence(result: EvaluationResult) -> str:
    roles = result.design["role"].value_counts()
    n = dict(roles.iter_rows())
    sel = result.selection
    control = (
        "not-yet-treated areas count as controls until their own start"
        if result.control == "notyet"
        else "only areas not treated inside the window count as controls"
    )
    return (
        f"Window {sel['start']} to {sel['end']}; {_areas(n.get('pilot', 0), 'pilot')}, "
        f"{_areas(n.get('control', 0), 'control')} and {_areas(n.get('not_yet', 0), 'later-starting')} "
        f"({control}); {n.get('excluded', 0)} excluded by you, {n.get('dropped', 0)} left out."
    )


def _areas(n: int, kind: str) -> str:
    return f"{n} {kind} area{'' if n == 1 else 's'}"


def methods_markdown(result: EvaluationResult) -> str:
    return METHODS.format(
        min_controls=MIN_CONTROLS,
        synth_max=f"{SYNTH_MAX_RELATIVE_RMSPE:.0%}",
        min_cases=MIN_CASES,
        control=(
            "Later-starting areas count as controls until their own start (not-yet-treated)."
            if result.control == "notyet"
            else "Only areas not treated at any time inside the window count as controls (never-treated)."
        ),
    )


METHODS = """
**What is compared.** Each outcome in pilot areas after their start is compared with what the control
areas predict: the pilot areas' own level in the year before the start, moved by the change the control
areas saw over the same time (difference-in-differences for staggered starts, Callaway and Sant'Anna).
{control} Areas already started are never used as controls. The window ends when no clean control is
left (10 July 2023 by default).

**Assumptions, and what would break them.**
- *Parallel trends*: without the pilot, pilot areas would have changed like the control areas. Broken if
  areas were picked because their figures were already rising or falling, if something else changed in
  pilot areas at the same time, or if control areas ran their own improvement work (exclude them in the
  sidebar, e.g. CPS South East and Wessex). Checked with the estimates before the start (event study) and
  a randomisation test of them; when the test rejects (p < 0.05) the estimate is not presented as a
  finding.
- *Referrals as an index*: each area's monthly referrals are divided by its own mean before the first
  pilot start (= 100). National rises multiply every area's referrals, so in counts a large area rises
  by more than a small one and trends would not be parallel; as a share of each area's own level they
  are. Areas with under one referral a month before the start are left out (their index is noise).
- *No anticipation*: areas did not change before their start. Broken by early preparation; it shows as
  estimates moving away from zero just before the start.
- *No spill-over*: the pilot did not change control areas. Broken by shared staff or national guidance
  (London North and London South share the Metropolitan Police).
- *Randomisation inference*: the p-value asks how unusual the result is among all ways of giving the
  pilot start dates to the same areas, as if the choice had been random. The interval assumes the same
  effect in every pilot area and period (a proportional effect for referrals, an added one for rates);
  with very unequal effects read it as approximate. With fewer than {min_controls} control areas in any
  period, or too few ways to re-assign the pilot, the page says the estimate is not a finding.
- *Synthetic control* (per pilot area): a weighted average of areas not treated in the window that
  tracks the pilot area before its start; its path after the start is the comparison. If before the
  start it misses the real area by more than {synth_max} of its level, the fit is poor and the gap is
  not a finding. The placebo p-value ranks the area's gap among the same analysis run for each donor:
  with N donors it cannot be smaller than 1/(N+1).
- *Report to file*: for each area, the share of cases reported before and after the start whose file
  reached the CPS within a year (Aalen-Johansen: cases closed without a file count as never filed; open
  cases count until the extract date). Pilot cases reported before the start are followed only until the
  start, control cases only until their own start. Areas with fewer than {min_cases} cases in a period
  are left out. There is one period before the start, so trends before it cannot be checked here.

**Plain two-way fixed effects** (area and month effects and one pilot-after-start indicator) is shown only
beside the staggered estimate, as the familiar naive comparison: with staggered starts it also compares
later starters with earlier ones and can be biased when effects grow over time. Influence-function and
bootstrap intervals assume many pilot areas and are too narrow with five.
"""


# -- chart texts and lookups for the page -----------------------------------------------------------


def area_names(result: EvaluationResult) -> dict[str, str]:
    return dict(result.design.select("area_code", "area_name").iter_rows())


def event_chart_text(o: OutcomeResult, subtitle: str) -> ChartText:
    return ChartText(
        title=f"{SHORT[o.outcome]}: pilot areas against what the control areas predict, by "
        f"{'month' if o.info.get('frequency') == 'month' else 'quarter'} since the start",
        subtitle=subtitle,
        notes=(
            "Intervals: 95%, from the spread of the same estimate over random re-assignments of the "
            "pilot start dates (randomisation).",
        ),
    )


def synth_for(o: OutcomeResult, code: str) -> SynthResult:
    return next(r for r in o.synth if r.treated == code)


def synth_chart_text(o: OutcomeResult, name: str, subtitle: str) -> ChartText:
    return ChartText(
        title=f"{SHORT[o.outcome]} in {name} against its synthetic control",
        subtitle=subtitle,
        notes=(f"Synthetic control: weighted average of control areas; units: {synth_unit(o)}.",),
    )


def curves_for(result: EvaluationResult, estimator: str) -> pl.DataFrame:
    if result.curves is None:
        return pl.DataFrame()
    return result.curves.filter(pl.col("estimator") == estimator).drop("estimator")


def curves_chart_text(estimator: str, subtitle: str) -> ChartText:
    if estimator == "aalen_johansen":
        title = "Share of all reported cases with a file at the CPS, by days since report"
        note = "Aalen-Johansen: cases closed without a file count as never filed (a competing event)."
    else:
        title = "Share of cases with a file at the CPS while still open, by days since report"
        note = "Kaplan-Meier: cases closed without a file are censored at closure."
    return ChartText(title=title, subtitle=subtitle, notes=(note,))


def subtitle(result: EvaluationResult) -> str:
    sel = result.selection
    kind = "CPS Areas" if sel["grain"] == "cps_area" else "police force areas"
    controls = "not-yet-treated controls" if result.control == "notyet" else "never-treated controls"
    return f"{kind}, {sel['start']} to {sel['end']}; pilot: {sel['pilot_waves']}; {controls}"
