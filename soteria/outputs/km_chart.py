"""The report-to-file chart: the share of cases with a file at the CPS by days since report."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.charts import figures as charts
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.chart_parts import chart_metadata, chart_text, threshold_option
from soteria.outputs.data import Analyses
from soteria.outputs.published_tables import published_km_summary


def _days(x: Any) -> str:
    return "not reached" if x is None else f"{x:,.0f} days"


def report_to_file_sentence(summary: dc.Published, competing: bool = True) -> str:
    """The chart's text alternative: the share of all cases filed within a year (closures competing), or
    for the hypothetical curves the Kaplan-Meier medians, per arm before and after the start."""
    column = "filed_by_365" if competing else "median_if_none_closed"
    symbols = summary.symbols.get_column(column) if column in summary.symbols.columns else None
    frame = summary.frame.with_columns(_s=pl.lit(symbols) if symbols is not None else pl.lit(None))

    def figure(arm: str, period: str) -> str:
        row = frame.filter(pl.col("arm") == arm, pl.col("period") == period)
        if row.is_empty():
            return "no cases"
        if row["_s"][0] == dc.CONFIDENTIAL:
            return "withheld (fewer than 10 cases)"
        value = row[column][0]
        if competing:
            if value is None:
                return "not known (follow-up under a year)"
            lo, hi = row["filed_by_365_lower"][0], row["filed_by_365_upper"][0]
            return f"{value:.0%}" + (
                "" if lo is None or hi is None else f" (95% interval {lo:.0%} to {hi:.0%})"
            )
        return _days(value)

    cells = (
        f"pilot areas {figure('pilot', 'before')} before the start, {figure('pilot', 'after')} after; "
        f"control areas {figure('control', 'before')} and {figure('control', 'after')}"
    )
    if competing:
        return (
            f"Share of all reported cases with a file at the CPS within a year, closures competing: {cells}."
        )
    return f"Median days from report to file if no case were closed (Kaplan-Meier, hypothetical): {cells}."


def km_chart(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
    threshold = threshold_option(options)
    estimator = str(options.get("estimator") or "aalen_johansen")
    table = dc.km_curves(data.filing_curves(sel, estimator))
    competing = estimator == "aalen_johansen"
    title = (
        "Share of all reported cases with a file at the CPS, by days since report"
        if competing
        else "If no case were closed: share with a file at the CPS, by days since report (hypothetical)"
    )
    kind = "CPS Areas" if sel.grain == "cps_area" else "police force areas"
    subtitle = "Cases reported: " + sel.describe(data.area_names(), index=False, frequency=False)
    notes: tuple[str, ...] = (
        (
            "Aalen-Johansen estimates: a case closed before a file (no further action, victim withdrawal) "
            "is never filed, so the curves level off at the share that can still reach the CPS; "
            if competing
            else "Kaplan-Meier estimates treating closed cases as if they could still be filed: a "
            "hypothetical, not the share of cases that reach the CPS; "
        )
        + "open cases count until the extract date; cases reported before their own area's start are "
        "followed only until that start.",
    )
    if sel.grain == "cps_area":
        notes += (
            "Metropolitan Police and City of London cases are left out at CPS Area level (they belong "
            "to both London Areas).",
        )
    text = chart_text(data, title, subtitle, ("cases",), notes, table, gaps=False)
    fig = charts.km_chart(table.frame, replace(text, source="", notes=()))
    summary = report_to_file_sentence(published_km_summary(data, sel, threshold), competing)
    definition = (
        "Share of all reported cases whose police file has reached the CPS by each day since the report, "
        f"closures competing ({kind}; Aalen-Johansen with 95% log-log intervals)."
        if competing
        else "Share of cases with a file by each day if no case were closed (hypothetical; "
        f"{kind}; Kaplan-Meier with 95% log-log intervals)."
    )
    return ChartOutput(
        "report_to_file_share_filed",
        "report_to_file_share_filed" + ("" if competing else "_if_no_closures"),
        fig,
        table,
        summary,
        text,
        chart_metadata(data, sel, title, summary, definition, table, ("cases",), index=False),
        sel,
        data.provenance().synthetic,
        (sel.start, sel.end),
        dc.KM_RULE,
    )
