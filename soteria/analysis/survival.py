"""Report-to-file times: per-case follow-up, Kaplan-Meier curves, medians and summaries (pure).

A median over completed cases alone flatters recent, fast cases, so every figure here comes from
the product-limit estimator with open cases censored. Closure before any file competes with filing;
Kaplan-Meier treats it as censoring (Aalen-Johansen comes with the evaluation engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import polars as pl

from soteria.analysis.compare import Selection, assign_arms

Z95 = 1.959963984540054  # standard normal 97.5% quantile, as lifelines uses
ARMS = ("pilot", "control")
PERIODS = ("before", "after")
_NEVER = date(9999, 12, 31)
_TTE_SCHEMA = {
    "case_ref": pl.String,
    "area_code": pl.String,
    "arm": pl.String,
    "period": pl.String,
    "days": pl.Float64,
    "event": pl.Int8,
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
    # Controls are untreated only before their own start: later events are not theirs to count.
    limit = pl.when(is_control).then(pl.min_horizontal("as_of", start)).otherwise("as_of")
    file_in = pl.col("file_submitted_on").is_not_null() & _within("file_submitted_on", is_control, start)
    close_first = pl.col("closed_on").is_not_null() & (
        pl.col("file_submitted_on").is_null() | (pl.col("closed_on") < pl.col("file_submitted_on"))
    )
    close_in = close_first & _within("closed_on", is_control, start)
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


def _within(col: str, is_control: pl.Expr, start: pl.Expr) -> pl.Expr:
    """The date falls inside follow-up: by the extract date, and for controls before their own start."""
    return (pl.col(col) <= pl.col("as_of")) & (~is_control | (pl.col(col) < start))


def time_to_file(
    cases: pl.DataFrame, register: pl.DataFrame, force_cps_area: pl.DataFrame | None, sel: Selection
) -> pl.DataFrame:
    """case_ref, area_code, arm, period ('before'|'after'), days, event (0 censored, 1 filed, 2 closed).

    Rows keep the order of `cases`; cases reported in [sel.start, sel.end]. A file on or before the
    extract date is an event even after an earlier closure (the case was reopened); a closure
    counts only if before any file.
    Controls: period relative to the pilot arm's earliest start, follow-up censored at their own
    start (an event on that day is already treated), cases reported on or after it dropped.
    Dropped cases are counted by excluded_cases().
    """
    kept = _classified(cases, register, force_cps_area, sel).filter(pl.col("drop_reason").is_null())
    return kept.select(list(_TTE_SCHEMA)).cast(_TTE_SCHEMA)  # type: ignore[arg-type]


def excluded_cases(
    cases: pl.DataFrame, register: pl.DataFrame, force_cps_area: pl.DataFrame | None, sel: Selection
) -> dict[str, int]:
    """Cases in the window left out of time_to_file, by reason (e.g. 'shared_force': Met and City)."""
    dropped = _classified(cases, register, force_cps_area, sel).get_column("drop_reason").drop_nulls()
    return dict(sorted(dropped.value_counts().iter_rows()))


_KM_SCHEMA = {
    "day": pl.Float64,
    "at_risk": pl.Int64,
    "filed": pl.Int64,
    "censored": pl.Int64,
    "survival": pl.Float64,
    "share_filed": pl.Float64,
    "lower": pl.Float64,
    "upper": pl.Float64,
}


def kaplan_meier(
    days: np.ndarray | pl.Series | Sequence[float], filed: np.ndarray | pl.Series | Sequence[bool]
) -> pl.DataFrame:
    """Product-limit estimate of the share filed by each day, with a 95% log(-log) band.

    One row per distinct day (plus day 0), as lifelines' survival_function_; closures and open cases
    are censored. The band is the exponential Greenwood interval (lifelines' and R's conf.type
    "log-log"); lower/upper bound share_filed.
    """
    t = np.asarray(days, dtype=np.float64)
    e = np.asarray(filed, dtype=bool)
    if t.ndim != 1 or t.shape != e.shape:
        raise ValueError("days and filed must be one-dimensional and of the same length")
    if np.isnan(t).any() or (t < 0).any():
        raise ValueError("days must be non-negative numbers")
    if t.size == 0:
        return pl.DataFrame(schema=_KM_SCHEMA)
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    day, first, count = np.unique(t, return_index=True, return_counts=True)
    events = np.add.reduceat(e.astype(np.int64), first)
    at_risk = t.size - first
    if day[0] > 0:  # start every curve at day 0, share filed 0
        day, at_risk = np.r_[0.0, day], np.r_[t.size, at_risk]
        events, count = np.r_[0, events], np.r_[0, count]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - events / at_risk)
        # Greenwood terms; a step where everyone left fails contributes 0, as in lifelines.
        var = np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0))
        v = np.log(surv)
        half = Z95 * np.sqrt(var) / v
        s_low = np.nan_to_num(np.exp(-np.exp(np.log(-v) - half)), nan=1.0)
        s_high = np.nan_to_num(np.exp(-np.exp(np.log(-v) + half)), nan=1.0)
    return pl.DataFrame(
        {
            "day": day,
            "at_risk": at_risk,
            "filed": events,
            "censored": count - events,
            "survival": surv,
            "share_filed": 1.0 - surv,
            "lower": 1.0 - s_high,
            "upper": 1.0 - s_low,
        },
        schema=_KM_SCHEMA,
    )


def _groups(tte: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
    """(arm, period, cases) for all four arm-period pairs, empty frames included, in display order."""
    parts = tte.partition_by("arm", "period", as_dict=True)
    return [(a, p, parts.get((a, p), tte.clear())) for a in ARMS for p in PERIODS]


def _curve(cases: pl.DataFrame) -> pl.DataFrame:
    return kaplan_meier(cases.get_column("days").to_numpy(), (cases.get_column("event") == 1).to_numpy())


def km_curves(tte: pl.DataFrame, min_cases: int = 10) -> pl.DataFrame:
    """arm, period, day, share_filed, lower, upper, at_risk; groups under min_cases are withheld."""
    curves = [
        _curve(g).select(
            pl.lit(a).alias("arm"),
            pl.lit(p).alias("period"),
            "day",
            "share_filed",
            "lower",
            "upper",
            "at_risk",
        )
        for a, p, g in _groups(tte)
        if g.height >= max(min_cases, 1)
    ]
    if not curves:
        return pl.DataFrame(
            schema={
                "arm": pl.String,
                "period": pl.String,
                "day": pl.Float64,
                "share_filed": pl.Float64,
                "lower": pl.Float64,
                "upper": pl.Float64,
                "at_risk": pl.Int64,
            }
        )
    return pl.concat(curves)


def _first_day(curve: pl.DataFrame, column: str, share: float) -> float | None:
    hit = curve.filter(pl.col(column) >= share)
    return float(hit["day"][0]) if hit.height else None


def median_days(curve: pl.DataFrame) -> tuple[float | None, float | None, float | None]:
    """(median, lower, upper): first day each of share_filed, upper band, lower band reaches one half.

    Reading the interval off the pointwise band (Brookmeyer-Crowley style) matches lifelines'
    median_survival_times(confidence_interval_). None where the curve never reaches one half.
    """
    curve = curve.sort("day")
    return (
        _first_day(curve, "share_filed", 0.5),
        _first_day(curve, "upper", 0.5),
        _first_day(curve, "lower", 0.5),
    )


def _share_by(curve: pl.DataFrame, day: float) -> float | None:
    """The step curve's value on a day; None when follow-up ended before it with cases unfiled."""
    if curve.is_empty():
        return None
    if curve["day"][-1] < day and curve["share_filed"][-1] < 1.0:
        return None
    return float(curve.filter(pl.col("day") <= day)["share_filed"][-1])


def summary(tte: pl.DataFrame, min_cases: int = 10) -> pl.DataFrame:
    """Per arm and period: counts, KM median with 95% CI, shares filed by 90 and 365 days.

    Medians and shares from fewer than min_cases cases are withheld (null, withheld=True); counts
    are raw, for the disclosure step to suppress.
    """
    rows = []
    for arm, period, g in _groups(tte):
        events = g.get_column("event")
        withheld = g.height < max(min_cases, 1)
        curve = pl.DataFrame() if withheld else _curve(g)
        med = (None, None, None) if withheld else median_days(curve)
        rows.append(
            {
                "arm": arm,
                "period": period,
                "cases": g.height,
                "filed": int((events == 1).sum()),
                "closed_before_file": int((events == 2).sum()),
                "still_open": int((events == 0).sum()),
                "median_days": med[0],
                "median_lower": med[1],
                "median_upper": med[2],
                "filed_by_90": None if withheld else _share_by(curve, 90),
                "filed_by_365": None if withheld else _share_by(curve, 365),
                "withheld": withheld,
            }
        )
    floats = ("median_days", "median_lower", "median_upper", "filed_by_90", "filed_by_365")
    return pl.DataFrame(rows, schema_overrides={c: pl.Float64 for c in floats})


def numbers_at_risk(tte: pl.DataFrame, days: Sequence[float] = (0, 90, 180, 365, 730)) -> pl.DataFrame:
    """arm, period, day, at_risk: cases still followed up (neither filed, closed nor censored) by day."""
    marks = np.asarray(days, dtype=np.float64)
    frames = []
    for arm, period, g in _groups(tte):
        t = np.sort(g.get_column("days").to_numpy())
        frames.append(
            pl.DataFrame(
                {
                    "arm": arm,
                    "period": period,
                    "day": marks,
                    "at_risk": t.size - np.searchsorted(t, marks, side="left"),
                },
                schema_overrides={"at_risk": pl.Int64},
            )
        )
    return pl.concat(frames)
