"""Victims' groups in the registry: for each field (sex, age band, ethnic group) the groups' effects on
report to file and their shares filed within a year, as published."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.analysis.victims import groups
from soteria.charts import victims as victim_charts
from soteria.disclosure.victims import group_table
from soteria.domain import VICTIM_FIELD_LABELS, VICTIM_FIELDS
from soteria.evaluation.text import victims as words
from soteria.outputs.chart_output import ChartOutput, ChartSpec
from soteria.outputs.chart_parts import chart_metadata, chart_text, threshold_option
from soteria.outputs.data import Analyses, evaluation_selection

KINDS = ("cases",)
EFFECT_NOTE = (
    "Each group's effect is the evaluation's report-to-file estimate on that group's cases alone: per "
    "area, the share filed within a year before and after its start (closures competing), staggered "
    "difference-in-differences with randomisation inference; areas with fewer than 10 of the group's "
    "cases before or after the start are left out of that group's estimate."
)
EFFECT_LABELS = {
    "label": "Group",
    "estimate": "Effect (points)",
    "lower": "95% lower",
    "upper": "95% upper",
    "p_value": "Randomisation p-value",
    "gap": "Change in the gap to other cases (points)",
    "gap_lower": "Gap: 95% lower",
    "gap_upper": "Gap: 95% upper",
    "gap_p": "Gap: p-value",
    "gap_p_holm": "Gap: p-value, Holm-adjusted",
    "n_pilot": "Pilot areas",
    "n_control": "Control areas",
    "note": "Note",
}


def published_groups(data: Analyses, sel: compare.Selection, field: str, threshold: int) -> dc.Published:
    """The field's groups by arm and period as published, each group named in words."""
    table = group_table(data.victims_summary(sel, field), threshold)
    names = groups(field)
    label = pl.col("group").replace_strict(names, default=pl.col("group"))
    return replace(table, frame=table.frame.with_columns(label))


def _output(
    name: str,
    fig: Any,
    table: dc.Published,
    summary: str,
    text: Any,
    meta: tuple[tuple[str, str], ...],
    data: Analyses,
    sel: compare.Selection,
    caption: str = "",
) -> ChartOutput:
    synthetic, span = data.provenance().synthetic, (sel.start, sel.end)
    return ChartOutput(name, name, fig, table, summary, text, meta, sel, synthetic, span, caption)


def effects_builder(field: str) -> Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]:
    name, label = f"victims_{field.removeprefix('victim_')}_effects", VICTIM_FIELD_LABELS[field]

    def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
        frame = data.victims_effects(sel, field)
        frame = frame.with_columns(
            label=pl.col("group").replace_strict(groups(field), default=pl.col("group"))
        ).select("label", *[c for c in frame.columns if c != "group"], "group")
        table = dc.estimates(frame.drop("group"))
        table = replace(table, labels=EFFECT_LABELS)
        all_cases = data.victims_all_cases(sel)
        title = f"The pilot's effect on report to file, by victim's {label.lower()}"
        subtitle = "Share of cases filed within a year, points: " + evaluation_selection(sel).describe(
            data.area_names(), index=False, frequency=False
        )
        missing = frame.filter(pl.col("note").is_not_null())["label"].to_list()
        differs = words.difference_sentence(frame)
        notes = (differs, EFFECT_NOTE, words.CAUTION) + (
            (f"No estimate for {', '.join(missing)}: too few cases.",) if missing else ()
        )
        text = chart_text(data, title, subtitle, KINDS, notes, table, gaps=False)
        fig = victim_charts.group_effects_chart(frame, replace(text, source="", notes=()), all_cases)
        summary = words.effects_sentence(frame, label, all_cases)
        definition = "Estimated by the evaluation engine for each victims' group: " + title
        meta = chart_metadata(data, evaluation_selection(sel), title, summary, definition, table, KINDS)
        # under the chart on the page: whether the effect differs between groups
        return _output(name, fig, table, summary, text, meta, data, sel, caption=differs)

    return build


def shares_builder(field: str) -> Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]:
    name, label = f"victims_{field.removeprefix('victim_')}_shares", VICTIM_FIELD_LABELS[field]

    def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
        table = published_groups(data, sel, field, threshold_option(options))
        title = f"Share of cases filed within a year, by victim's {label.lower()}"
        subtitle = "Cases reported: " + sel.describe(data.area_names(), index=False, frequency=False)
        notes = (
            "Shares of all the group's cases (Aalen-Johansen, closures competing: no further action and "
            "victim withdrawal are their own outcomes), before and after the start; the table also gives "
            "the shares filed within 90 days and closed within a year.",
        )
        text = chart_text(data, title, subtitle, KINDS, notes, table, gaps=False)
        drawn = table.frame.select(pl.col("group").alias("label"), "arm", "period", "filed_by_365")
        fig = victim_charts.group_shares_chart(drawn, replace(text, source="", notes=()))
        summary = _shares_sentence(drawn, label)
        definition = f"Share of all reported cases filed within a year, by victim's {label.lower()}."
        meta = chart_metadata(data, sel, title, summary, definition, table, KINDS, index=False)
        return _output(name, fig, table, summary, text, meta, data, sel)

    return build


def _shares_sentence(frame: pl.DataFrame, label: str) -> str:
    after = frame.filter(
        pl.col("arm") == "pilot", pl.col("period") == "after", pl.col("filed_by_365").is_not_null()
    )
    if after.is_empty():
        return (
            f"By victim's {label.lower()}: no group in the pilot areas after the start has 10 cases or more."
        )
    after = after.sort("filed_by_365")
    low, high = after.row(0, named=True), after.row(-1, named=True)
    return (
        f"Pilot areas after the start, by victim's {label.lower()}: from {low['filed_by_365']:.0%} of cases "
        f"filed within a year ({low['label']}) to {high['filed_by_365']:.0%} ({high['label']}); shares from "
        "fewer than 10 cases are withheld."
    )


def victims_specs() -> list[ChartSpec]:
    out = []
    for field in VICTIM_FIELDS:
        label = VICTIM_FIELD_LABELS[field]
        short = field.removeprefix("victim_")
        out += [
            ChartSpec(f"victims_{short}_effects", f"Report to file: the effect by victim's {label.lower()}",
                      effects_builder(field), kinds=KINDS, group="Victims' groups"),
            ChartSpec(f"victims_{short}_shares", f"Report to file: shares filed by victim's {label.lower()}",
                      shares_builder(field), kinds=KINDS, group="Victims' groups"),
        ]  # fmt: skip
    return out
