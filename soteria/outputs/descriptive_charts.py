"""The descriptive charts: each measure pilot against control, area by area, and the charge rate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import polars as pl

from soteria.analysis import compare
from soteria.charts import figures as charts
from soteria.domain import METRICS
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.chart_parts import (
    GAP_NOTE,
    chart_metadata,
    chart_span,
    chart_text,
    has_gaps,
    threshold_option,
)
from soteria.outputs.data import Analyses
from soteria.outputs.published_tables import (
    published_charge_rate,
    published_per_area,
    published_pilot_vs_control,
)

MEASURES = {"index": "Index (baseline year = 100)", "mean_per_area": "Mean per area", "total": "Total"}


CONTROL_NOTE = "Control areas count only for periods wholly before their own pilot start."


RAW_NOTE = "A descriptive comparison: it is not an estimate of the pilot's effect (see the evaluation)."


def pilot_vs_control_builder(
    metric: str,
) -> Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]:
    def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
        from soteria.outputs import summaries

        sel = replace(sel, metric=metric)
        measure = options.get("measure") or "index"
        if measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
        table = published_pilot_vs_control(data, sel, threshold_option(options))
        label = METRICS[metric].label
        title = f"{label}: pilot against control areas"
        if measure != "index":
            title += f" ({MEASURES[measure].lower()})"
        gaps = has_gaps(table, measure)
        subtitle = sel.describe(data.area_names(), index=measure == "index")
        text = chart_text(data, title, subtitle, ("metrics",), (CONTROL_NOTE, RAW_NOTE), table, gaps)
        fig = charts.pilot_vs_control_chart(
            table.frame,
            data.pilot_starts(sel),
            measure,  # type: ignore[arg-type]  # one of MEASURES: build() checks the option
            replace(text, source="", notes=()),
        )
        summary = summaries.pilot_vs_control(table.frame, measure, label)
        definition = f"{label}: {METRICS[metric].definition} Shown as {MEASURES[measure].lower()}."
        stem = f"{metric}_pilot_vs_control" + ("" if measure == "index" else f"_{measure}")
        return ChartOutput(
            f"{metric}_pilot_vs_control",
            stem,
            fig,
            table,
            summary,
            text,
            chart_metadata(
                data, sel, title, summary, definition, table, ("metrics",), index=measure == "index"
            ),
            sel,
            data.provenance().synthetic,
            chart_span(sel),
            GAP_NOTE if gaps else "",
        )

    return build


def by_area_builder(metric: str) -> Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]:
    def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
        from soteria.outputs import summaries

        sel = replace(sel, metric=metric)
        table = published_per_area(data, sel, threshold_option(options))
        label = METRICS[metric].label
        title = f"{label} by area"
        gaps = has_gaps(table, "value")
        note = "Grey dotted lines: control areas after their own pilot start (not counted as control)."
        text = chart_text(
            data, title, sel.describe(data.area_names(), index=False), ("metrics",), (note,), table, gaps
        )
        fig = charts.small_multiples_chart(
            table.frame,
            data.pilot_starts(sel),
            replace(text, source="", notes=()),
            y_title=f"{label} a {sel.frequency} (each panel on its own scale)",
        )
        summary = summaries.per_area(table.frame, label)
        definition = f"{label}: {METRICS[metric].definition} Counts per area and period."
        return ChartOutput(
            f"{metric}_by_area",
            f"{metric}_by_area",
            fig,
            table,
            summary,
            text,
            chart_metadata(data, sel, title, summary, definition, table, ("metrics",), index=False),
            sel,
            data.provenance().synthetic,
            chart_span(sel),
            GAP_NOTE if gaps else "",
        )

    return build


def charge_rate_sentence(frame: pl.DataFrame) -> str:
    wide = frame.pivot(on="arm", index="period", values="charge_rate_pct").drop_nulls().sort("period")
    if wide.is_empty() or not {"pilot", "control"} <= set(wide.columns):
        return "Charge rate: no period has a published rate for both pilot and control areas."
    first, last = wide.row(0, named=True), wide.row(-1, named=True)
    return (
        f"Charge rate (charges as a share of CPS legal decisions): pilot areas went from "
        f"{first['pilot']:.0f}% in {first['period']:%b %Y} to "
        f"{last['pilot']:.0f}% in {last['period']:%b %Y}; "
        f"control areas from {first['control']:.0f}% to {last['control']:.0f}%."
    )


def charge_rate_chart(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
    table = published_charge_rate(data, sel, threshold_option(options))
    title = "Charge rate: pilot against control areas"
    gaps = has_gaps(table, "charge_rate_pct")
    subtitle = sel.describe(data.area_names(), index=False)
    text = chart_text(
        data,
        title,
        subtitle,
        ("metrics",),
        (
            "Charge rate: suspects charged as a share of all CPS legal decisions, pooled over the arm's "
            "areas.",
            CONTROL_NOTE,
        ),
        table,
        gaps,
    )
    fig = charts.charge_rate_chart(table.frame, data.pilot_starts(sel), replace(text, source="", notes=()))
    summary = charge_rate_sentence(table.frame)
    definition = (
        "Charges / charging decisions: "
        + METRICS["charges"].definition
        + " "
        + METRICS["charging_decisions"].definition
    )
    return ChartOutput(
        "charge_rate_pilot_vs_control",
        "charge_rate_pilot_vs_control",
        fig,
        table,
        summary,
        text,
        chart_metadata(data, sel, title, summary, definition, table, ("metrics",), index=False),
        sel,
        data.provenance().synthetic,
        chart_span(sel),
        GAP_NOTE if gaps else "",
    )
