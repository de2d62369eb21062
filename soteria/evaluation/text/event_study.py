"""The event study in words and tables: its frame, axis, summary and the staggered estimate beside the
naive one.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from soteria.evaluation.design import index_to_date
from soteria.evaluation.outcome import OutcomeResult
from soteria.evaluation.panels import BASE_YEAR_PERIODS
from soteria.evaluation.text.words import number, p_is, p_text


def event_study_frame(o: OutcomeResult) -> pl.DataFrame:
    """The chart's data: event time, the period it is, the estimate and its randomisation interval."""
    band = o.evaluation.event_band
    assert band is not None, "an outcome evaluated for the event study has its band"
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
        "uniform_lower",
        "uniform_upper",
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


def event_study_summary(o: OutcomeResult) -> str:
    band = o.evaluation.event_band
    assert band is not None, "an outcome evaluated for the event study has its band"
    pre = band.filter(pl.col("event_time") < 0)
    post = band.filter(pl.col("event_time") >= 0)
    outside = pre.filter((pl.col("ri_lower") > 0) | (pl.col("ri_upper") < 0)).height
    step = "months" if o.info.get("frequency") == "month" else "quarters"
    jointly = pre.filter((pl.col("uniform_lower") > 0) | (pl.col("uniform_upper") < 0)).height
    whole = (
        "judged as a whole path (the simultaneous 95% band, which allows for looking at every period at "
        "once), the periods before the start are consistent with no difference"
        if jointly == 0
        else f"even judged as a whole path (the simultaneous 95% band) {jointly} {step} before the start "
        "differ from zero"
    )
    base = BASE_YEAR_PERIODS[1 if step == "months" else 3]
    return (
        f"Difference between pilot areas and what the control areas predict, in {event_unit(o)}, each "
        f"{step[:-1]} before and after the start, against the mean of the {base} {step} before it: "
        f"{outside} of {pre.height} {step} before the start have a 95% interval that excludes zero, and "
        f"{whole}; after the start the estimates average "
        f"{number(float(post['att'].mean() or 0.0), 1, True)}."  # type: ignore[arg-type]  # a polars scalar
    )


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
            "95% interval": f"{number(e.lower, 2)} to {number(e.upper, 2)}",
            "p-value": p_text(e.p_value),
            "Unit": unit,
            "Note": note,
        }
        for name, e, note in rows
    ]
    if tw.diagnostics.get("ri_p_value") is not None:
        out[-1]["Note"] = f"{out[-1]['Note']}; randomisation {p_is(tw.diagnostics['ri_p_value'])}"
    if o.outcome == "referrals" and ev.relative is not None:
        r = ev.relative
        out.insert(
            1,
            {
                "Method": "Same, as a share of what the controls predict",
                "Estimate": round(100 * r.estimate, 1),
                "95% interval": f"{number(100 * r.lower, 1)} to {number(100 * r.upper, 1)}",
                "p-value": p_text(r.p_value),
                "Unit": "per cent",
                "Note": "the headline figure",
            },
        )
    return pl.DataFrame(out)
