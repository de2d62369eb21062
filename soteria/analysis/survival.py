"""Report-to-file times: the one per-case follow-up, and its curves, medians and summaries (pure).

A median over completed cases alone flatters recent, fast cases, so every figure here comes from the
engine's survival estimators (`soteria.engine.survival`) with open cases censored. Closure before any
file competes with filing: the shares filed are Aalen-Johansen; the Kaplan-Meier median (closures
censored) says how fast files come while a case stays open. The Report-to-file page, the evaluation,
the exports and the report pack all build on `time_to_file`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl

from soteria.analysis.compare import Selection, assign_arms
from soteria.domain import MIN_CASES, VICTIM_FIELDS
from soteria.engine import survival as sv

ARMS = ("pilot", "control")
PERIODS = ("before", "after")
_NEVER = date(9999, 12, 31)
_TTE_SCHEMA = {
    "case_ref": pl.String,
    "force_code": pl.String,
    "reported_on": pl.Date,
    "area_code": pl.String,
    "arm": pl.String,
    "period": pl.String,
    "days": pl.Float64,
    "event": pl.Int8,
    "closure_reason": pl.String,  # why a case closed (for event 2: police NFA, victim withdrawal, ...)
    **dict.fromkeys(VICTIM_FIELDS, pl.String),  # who the victim is (null: the extract did not record it)
}


def _classified(
    cases: pl.DataFrame, register: pl.DataFrame, force_cps_area: pl.DataFrame | None, sel: Selection
) -> pl.DataFrame:
    """Every case in the window with its follow-up, and drop_reason (null when the case is used)."""
    arms = assign_arms(register, sel)
    pilot = arms.filter(pl.col("arm") == "pilot")
    if pilot.is_empty():
        raise ValueError(f"no {sel.grain} in the register belongs to pilot waves {list(sel.pilot_waves)}")
    earliest = pilot["pilot_start"].min()
    c = cases.lazy().filter(pl.col("reported_on").is_between(sel.start, sel.end))
    if sel.grain == "cps_area":
        if force_cps_area is None:
            raise ValueError("force_cps_area is needed to place cases in CPS Areas")
        # A force split between Areas (the Met and the City of London) cannot be assigned to one.
        fmap = force_cps_area.lazy().group_by("force_code").agg(pl.col("cps_area_code").first(), n=pl.len())
        c = c.join(fmap, on="force_code", how="left", maintain_order="left").with_columns(
            area_code=pl.when(pl.col("n") == 1).then("cps_area_code"),
            reason=pl.when(pl.col("n") > 1)
            .then(pl.lit("shared_force"))
            .when(pl.col("n").is_null())
            .then(pl.lit("unmapped_force")),
        )
    else:
        c = c.with_columns(area_code=pl.col("force_code"), reason=pl.lit(None, pl.String))
    c = c.join(
        arms.lazy().select("area_code", "arm", "pilot_start"),
        on="area_code",
        how="left",
        maintain_order="left",
    )
    is_control = pl.col("arm") == "control"
    start = pl.col("pilot_start").fill_null(_NEVER)
    # One rule for both arms: a case is untreated only until its area's own start. Every control case, and a
    # pilot case reported before its start, is followed until that start (an event on the day is treated):
    # following a pilot "before" case past the start would mix the pilot's effect into the baseline.
    untreated = is_control | ((pl.col("arm") == "pilot") & (pl.col("reported_on") < start))
    limit = pl.when(untreated).then(pl.min_horizontal("as_of", start)).otherwise("as_of")
    file_in = pl.col("file_submitted_on").is_not_null() & _within("file_submitted_on", untreated, start)
    close_first = pl.col("closed_on").is_not_null() & (
        pl.col("file_submitted_on").is_null() | (pl.col("closed_on") < pl.col("file_submitted_on"))
    )
    close_in = close_first & _within("closed_on", untreated, start)
    event = pl.when(file_in).then(1).when(close_in).then(2).otherwise(0).cast(pl.Int8)
    stop = (
        pl.when(pl.col("event") == 1)
        .then("file_submitted_on")
        .when(pl.col("event") == 2)
        .then("closed_on")
        .otherwise(limit)
    )
    before = pl.col("reported_on") < pl.when(is_control).then(pl.lit(earliest)).otherwise(start)
    reason = pl.coalesce(
        "reason",
        pl.when(pl.col("arm").is_null())
        .then(pl.lit("not_in_register"))
        .when(pl.col("arm") == "excluded")
        .then(pl.lit("excluded_control"))
        .when(is_control & (pl.col("reported_on") >= start))
        .then(pl.lit("control_after_own_start"))
        .when(pl.col("days") < 0)
        .then(pl.lit("dates_out_of_order")),
    )
    return (
        c.with_columns(event=event)
        .with_columns(
            days=(stop - pl.col("reported_on")).dt.total_days().cast(pl.Float64),
            period=pl.when(before).then(pl.lit("before")).otherwise(pl.lit("after")),
        )
        .with_columns(drop_reason=reason)
        .collect()
    )


def _within(col: str, untreated: pl.Expr, start: pl.Expr) -> pl.Expr:
    """The date falls inside follow-up: by the extract date, and for an untreated case before the start."""
    return (pl.col(col) <= pl.col("as_of")) & (~untreated | (pl.col(col) < start))


def time_to_file(
    cases: pl.DataFrame, register: pl.DataFrame, force_cps_area: pl.DataFrame | None, sel: Selection
) -> pl.DataFrame:
    """case_ref, force_code, reported_on, area_code, arm, period ('before'|'after'), days, event (0
    censored, 1 filed, 2 closed).

    Rows keep the order of `cases`; cases reported in [sel.start, sel.end]. A file on or before the
    extract date is an event even after an earlier closure (the case was reopened); a closure
    counts only if before any file.
    Controls: period relative to the pilot arm's earliest start, follow-up censored at their own
    start (an event on that day is already treated), cases reported on or after it dropped. Pilot
    cases reported before their area's start are likewise followed only until that start.
    Dropped cases are counted by excluded_cases().
    """
    optional = [
        pl.lit(None, pl.String).alias(c) for c in ("closure_reason", *VICTIM_FIELDS) if c not in cases
    ]
    kept = _classified(cases.with_columns(optional), register, force_cps_area, sel).filter(
        pl.col("drop_reason").is_null()
    )
    return kept.select(list(_TTE_SCHEMA)).cast(_TTE_SCHEMA)  # type: ignore[arg-type]


def excluded_cases(
    cases: pl.DataFrame, register: pl.DataFrame, force_cps_area: pl.DataFrame | None, sel: Selection
) -> dict[str, int]:
    """Cases in the window left out of time_to_file, by reason (e.g. 'shared_force': Met and City)."""
    dropped = _classified(cases, register, force_cps_area, sel).get_column("drop_reason").drop_nulls()
    return dict(sorted(dropped.value_counts().iter_rows()))


CURVE_SCHEMA = {
    "arm": pl.String,
    "period": pl.String,
    "estimator": pl.String,
    "day": pl.Float64,
    "share_filed": pl.Float64,
    "lower": pl.Float64,
    "upper": pl.Float64,
    "at_risk": pl.Int64,
}
ESTIMATORS = ("aalen_johansen", "kaplan_meier")


def _groups(tte: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
    """(arm, period, cases) for all four arm-period pairs, empty frames included, in display order."""
    parts = tte.partition_by("arm", "period", as_dict=True)
    return [(a, p, parts.get((a, p), tte.clear())) for a in ARMS for p in PERIODS]


def _arrays(cases: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return cases["days"].cast(pl.Float64).to_numpy(), cases["event"].cast(pl.Int64).to_numpy()


def share_filed_curve(cases: pl.DataFrame, estimator: str) -> pl.DataFrame:
    """day, share_filed, lower, upper, at_risk from day 0: Aalen-Johansen (the share of all cases filed,
    closures competing) or Kaplan-Meier (1 - S: closures censored, as if they could still be filed)."""
    days, event = _arrays(cases)
    if estimator == "aalen_johansen":
        curve = sv.cumulative_incidence(days, event, 1).select(
            pl.col("time").alias("day"), pl.col("cif").alias("share_filed"), "lower", "upper", "at_risk"
        )
    elif estimator == "kaplan_meier":
        curve = sv.kaplan_meier(days, event).select(
            pl.col("time").alias("day"),
            (1 - pl.col("survival")).alias("share_filed"),
            (1 - pl.col("upper")).alias("lower"),
            (1 - pl.col("lower")).alias("upper"),
            "at_risk",
        )
    else:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, not {estimator!r}")
    curve = curve.with_columns(pl.col("day").cast(pl.Float64), pl.col("at_risk").cast(pl.Int64))
    if curve.is_empty() or curve["day"][0] > 0:  # every curve starts at day 0, nothing filed
        start = pl.DataFrame(
            {"day": [0.0], "share_filed": [0.0], "lower": [0.0], "upper": [0.0], "at_risk": [cases.height]},
            schema=curve.schema,
        )
        curve = pl.concat([start, curve])
    return curve


def curves(
    tte: pl.DataFrame, estimators: Sequence[str] = ESTIMATORS, min_cases: int = MIN_CASES
) -> pl.DataFrame:
    """arm, period, estimator, day, share_filed, lower, upper, at_risk; groups under min_cases withheld."""
    frames = [
        share_filed_curve(g, name).select(
            pl.lit(a).alias("arm"), pl.lit(p).alias("period"), pl.lit(name).alias("estimator"), pl.all()
        )
        for a, p, g in _groups(tte)
        if g.height >= max(min_cases, 1)
        for name in estimators
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=CURVE_SCHEMA)


def km_curves(tte: pl.DataFrame, min_cases: int = MIN_CASES) -> pl.DataFrame:
    """The Kaplan-Meier curves alone: arm, period, day, share_filed, lower, upper, at_risk."""
    return curves(tte, ("kaplan_meier",), min_cases).drop("estimator")


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def summary(tte: pl.DataFrame, min_cases: int = MIN_CASES) -> pl.DataFrame:
    """Per arm and period: counts; from the Aalen-Johansen curve (the share of all cases filed, closures
    competing, as on the Evaluation page) the median days to file with its 95% interval, only where
    half of all cases were filed (else null: "not reached"), the days by which a quarter were filed, and
    the shares filed within 90 and 365 days (the year's with its 95% interval); and the Kaplan-Meier
    median "if no case were closed" (closures censored), a hypothetical kept only for the chart option
    that is labelled so.

    Medians and shares from fewer than min_cases cases are withheld (null, withheld=True); counts
    are raw, for the disclosure step to suppress.
    """
    rows = []
    for arm, period, g in _groups(tte):
        events = g.get_column("event")
        withheld = g.height < max(min_cases, 1)
        med = quarter = km = filed = None
        if not withheld:
            days, event = _arrays(g)
            med, quarter = sv.cif_quantile(days, event, 0.5), sv.cif_quantile(days, event, 0.25)
            km = sv.km_median(days, event)
            filed = sv.cumulative_incidence(days, event, 1)
        rows.append(
            {
                "arm": arm,
                "period": period,
                "cases": g.height,
                "filed": int((events == 1).sum()),
                "closed_before_file": int((events == 2).sum()),
                "still_open": int((events == 0).sum()),
                "median_days": None if med is None else _finite(med.estimate),
                "median_lower": None if med is None else _finite(med.lower),
                "median_upper": None if med is None else _finite(med.upper),
                "quarter_days": None if quarter is None else _finite(quarter.estimate),
                "filed_by_90": None if filed is None else sv.value_at(filed, 90, "cif"),
                "filed_by_365": None if filed is None else sv.value_at(filed, 365, "cif"),
                "filed_by_365_lower": None if filed is None else sv.value_at(filed, 365, "lower"),
                "filed_by_365_upper": None if filed is None else sv.value_at(filed, 365, "upper"),
                "median_if_none_closed": None if km is None else _finite(km.estimate),
                "withheld": withheld,
            }
        )
    return pl.DataFrame(rows, schema_overrides={c: pl.Float64 for c in SUMMARY_ESTIMATES})


SUMMARY_ESTIMATES = (
    "median_days",
    "median_lower",
    "median_upper",
    "quarter_days",
    "filed_by_90",
    "filed_by_365",
    "filed_by_365_lower",
    "filed_by_365_upper",
    "median_if_none_closed",
)


def numbers_at_risk(tte: pl.DataFrame, days: Sequence[float] = (0, 90, 180, 365, 730)) -> pl.DataFrame:
    """arm, period, day, at_risk: cases still followed up (neither filed, closed nor censored) by day."""
    marks = np.asarray(days, dtype=np.float64)
    frames = [
        pl.DataFrame(
            {"arm": arm, "period": period, "day": marks, "at_risk": sv.numbers_at_risk(g["days"], marks)},
            schema_overrides={"at_risk": pl.Int64},
        )
        for arm, period, g in _groups(tte)
    ]
    return pl.concat(frames)
