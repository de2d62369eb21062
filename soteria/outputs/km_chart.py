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


def report_to_file_sentence(summary: dc.Published) -> str:
    frame = summary.frame.with_columns(
        _s=pl.lit(summary.symbols.get_column("median_days"))
        if "median_days" in summary.symbols.columns
        else pl.lit(None)
    )

    def median(arm: str, period: str) -> str:
        row = frame.filter(pl.col("arm") == arm, pl.col("period") == period)
        if row.is_empty():
            return "no cases"
        if row["_s"][0] == dc.CONFIDENTIAL:
            return "withheld (fewer than 10 cases)"
        return _days(row["median_days"][0])

    return (
        f"Median time from report to file in pilot areas: {median('pilot', 'before')} before the start, "
        f"{median('pilot', 'after')} after; control areas {median('control', 'before')} and "
        f"{median('control', 'after')} (Kaplan-Meier medians: open cases count until the extract date)."
    )


def km_chart(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
    threshold = threshold_option(options)
    table = dc.km_curves(data.km_curves(sel))
    title = "Share of cases with a file at the CPS, by days since report"
    kind = "CPS Areas" if sel.grain == "cps_area" else "police force areas"
    subtitle = "Cases reported: " + sel.describe(data.area_names(), index=False, frequency=False)
    notes: tuple[str, ...] = (
        "Kaplan-Meier estimates: open cases count until the extract date; cases closed before a file "
        "are censored at closure; cases are followed only until their own area's start when reported "
        "before it.",
    )
    if sel.grain == "cps_area":
        notes += (
            "Metropolitan Police and City of London cases are left out at CPS Area level (they belong "
            "to both London Areas).",
        )
    text = chart_text(data, title, subtitle, ("cases",), notes, table, gaps=False)
    fig = charts.km_chart(table.frame, replace(text, source="", notes=()))
    summary = report_to_file_sentence(published_km_summary(data, sel, threshold))
    definition = (
        "Share of cases whose police file has reached the CPS by each day since the report "
        f"({kind}; Kaplan-Meier with 95% log-log intervals)."
    )
    return ChartOutput(
        "report_to_file_km",
        "report_to_file_km",
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
