"""Who takes part in the evaluation and how: each area's role (pilot, control, not yet treated,
excluded, dropped with a reason) and the month arithmetic of the window.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from soteria.analysis.compare import Selection, assign_arms

CONTROLS = {
    "notyet": "not-yet-treated areas (each until its own start)",
    "never": "only areas not treated inside the window",
}


_NEVER = date(9999, 12, 31)


def period_index(d: date, months: int = 1) -> int:
    """An ordered integer index of the month (or quarter) containing ``d``; always positive."""
    return (d.year * 12 + d.month - 1) // months


def index_to_date(i: int, months: int = 1) -> date:
    m = int(i) * months
    return date(m // 12, m % 12 + 1, 1)


def window_months(sel: Selection) -> tuple[date, date]:
    """First days of the first and last whole months inside the selection's window."""
    return replace(sel, frequency="month").whole_periods()


def analysis_window(sel: Selection, months: int) -> tuple[date, date]:
    return replace(sel, frequency="quarter" if months == 3 else "month").whole_periods()


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


def left_out_reasons(d: pl.DataFrame) -> dict[str, str]:
    """area_code -> why it takes no part, for areas of the design that do not."""
    return dict(d.filter(pl.col("reason").is_not_null()).select("area_code", "reason").iter_rows())


def _month_end(first: date) -> date:
    return index_to_date(period_index(first) + 1) - timedelta(days=1)
