"""Report-to-file tables as published: curves read weekly and cut below 10 at risk, summaries, at risk."""

from __future__ import annotations

import numpy as np
import polars as pl

from soteria.disclosure.grids import suppress_counts
from soteria.disclosure.note import CONFIDENTIAL, NOT_AVAILABLE, THRESHOLD, DisclosureNote
from soteria.disclosure.published import Published, publish, symbol_if
from soteria.domain import MIN_CASES

KM_STEP_DAYS = 7


KM_RULE = f"Survival curves are read weekly and end where fewer than {MIN_CASES} cases remain at risk."


def km_curves(curves: pl.DataFrame, min_cases: int = MIN_CASES, step_days: int = KM_STEP_DAYS) -> Published:
    """Kaplan-Meier curves as published: read every `step_days` days (so that single steps, and the
    counts they imply, are not shown) and cut where fewer than `min_cases` cases remain at risk."""
    parts = []
    for (arm, period), part in curves.sort("day").group_by(["arm", "period"], maintain_order=True):
        part = part.filter(pl.col("at_risk") >= min_cases)
        if part.is_empty():
            continue
        last = float(part.get_column("day").max())  # type: ignore[arg-type]
        grid = pl.DataFrame({"day": np.arange(0.0, last + 1e-9, step_days)})
        read = grid.join_asof(part.drop("arm", "period").sort("day"), on="day", strategy="backward")
        parts.append(
            read.select(
                pl.lit(arm).alias("arm"),
                pl.lit(period).alias("period"),
                "day",
                "share_filed",
                "lower",
                "upper",
            )
        )
    # The weekly numbers at risk are not published (two selections' weekly numbers would give an area's
    # own): the numbers at risk table, summed from perturbed groups of cases, gives them at set days.
    frame = (
        pl.concat(parts)
        if parts
        else curves.clear().select("arm", "period", "day", "share_filed", "lower", "upper")
    )
    note = DisclosureNote(extra=(KM_RULE.replace(str(MIN_CASES), str(min_cases)),))
    return Published(
        frame,
        frame.clear().select(),
        note,
        (),
        {
            "arm": "Arm",
            "period": "Period",
            "day": "Day",
            "share_filed": "Share filed (%)",
            "lower": "95% lower (%)",
            "upper": "95% upper (%)",
        },
        percent=("share_filed", "lower", "upper"),
    )


_KM_OUTCOMES = ("filed", "closed_before_file", "still_open")


def km_summary(summary: pl.DataFrame, threshold: int = THRESHOLD, min_cases: int = MIN_CASES) -> Published:
    """survival.summary as published, its counts (summed from perturbed groups of cases: see
    `disclosure.base_cells`) withheld where small; medians and shares from fewer than `min_cases` cases
    withheld."""
    small = {c: (pl.col(c) >= 1) & (pl.col(c) < threshold) for c in ("cases", *_KM_OUTCOMES)}
    frame = summary.with_columns(expr.fill_null(False).alias(f"_{c}_c") for c, expr in small.items())
    primary = int(frame.select(pl.sum_horizontal(pl.col(f"_{c}_c") for c in small).sum()).item())
    few = pl.col("cases") < min_cases
    counts = {"arm", "period", "cases", "withheld", *_KM_OUTCOMES}
    estimates = tuple(c for c in summary.columns if c not in counts)  # medians, shares: from the cases
    rules: dict[str, pl.Expr] = {"cases": symbol_if(pl.col("_cases_c"), CONFIDENTIAL)}
    for o in _KM_OUTCOMES:
        rules[o] = symbol_if(pl.col(f"_{o}_c"), CONFIDENTIAL)
    for e in estimates:
        rules[e] = symbol_if(few, CONFIDENTIAL).when(pl.col(e).is_null()).then(pl.lit(NOT_AVAILABLE))
    derived = int(frame.select(few.sum()).item()) * len(estimates)
    keep = [c for c in summary.columns if c != "withheld"]
    return publish(
        frame,
        rules,
        DisclosureNote(threshold=threshold, primary=primary, derived=derived),
        ("cases", *_KM_OUTCOMES),
        keep=keep,
        labels={
            "arm": "Arm",
            "period": "Period",
            "cases": "Cases",
            "filed": "Filed",
            "closed_before_file": "Closed before a file",
            "still_open": "Still open",
            "median_days": "Median days to file (half of all cases filed)",
            "median_lower": "95% lower",
            "median_upper": "95% upper",
            "quarter_days": "Days until a quarter were filed",
            "median_if_none_closed": "Median days if no case were closed (hypothetical)",
            "filed_by_90": "Filed within 90 days",
            "filed_by_365": "Filed within a year",
            "filed_by_365_lower": "Filed within a year: 95% lower",
            "filed_by_365_upper": "Filed within a year: 95% upper",
        },
    )


def numbers_at_risk(
    table: pl.DataFrame, summary: Published | None = None, threshold: int = THRESHOLD
) -> Published:
    """survival.numbers_at_risk as published: small numbers withheld; day 0 follows the summary's cases."""
    frame = suppress_counts(table, ["at_risk"], threshold)
    if summary is not None and "cases" in summary.symbols.columns:
        hidden = summary.frame.select(
            "arm", "period", _cases_c=pl.lit(summary.symbols.get_column("cases")).is_not_null()
        )
        frame = frame.join(hidden, on=["arm", "period"], how="left").with_columns(
            at_risk_withheld=pl.col("at_risk_withheld")
            | ((pl.col("day") == 0) & pl.col("_cases_c").fill_null(False))
        )
    note = DisclosureNote(threshold=threshold, primary=int(frame.get_column("at_risk_withheld").sum()))
    return publish(
        frame,
        {"at_risk": symbol_if(pl.col("at_risk_withheld"), CONFIDENTIAL)},
        note,
        ("at_risk",),
        keep=table.columns,
        labels={"arm": "Arm", "period": "Period", "day": "Day", "at_risk": "At risk"},
    )
