"""The headline findings in plain English and the pack built from the chosen charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.domain import DEMO_LABEL
from soteria.evaluation.text.words import plain
from soteria.outputs import km_chart, published_tables
from soteria.outputs import registry as report_charts
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import Analyses
from soteria.outputs.pack.contents import CAVEATS, METHOD_NOTES, TITLE, Pack

HEADLINES: dict[str, str] = {
    "effects": "The pilot's estimated effect on referrals, report-to-file times and the charge rate",
    "referrals_change": "Referrals per area against the baseline year, pilot and control (descriptive)",
    "report_to_file": "Median days from report to file, before and after the start (Kaplan-Meier)",
}


def _referrals_change(data: Analyses, sel: compare.Selection) -> str:
    """Mean per area after the latest pilot start against the baseline year, from the published series."""
    sel = replace(sel, metric="referrals")
    table = published_tables.published_pilot_vs_control(data, sel, dc.threshold_from_env())
    starts = data.pilot_starts(sel)
    if not starts:
        return "Referrals: no pilot start inside the window."
    frame = table.frame.with_columns(
        _c=pl.lit(table.symbols.get_column("mean_per_area"))
        if "mean_per_area" in table.symbols.columns
        else pl.lit(None, pl.String)
    )
    base = frame.filter(pl.col("period").dt.year() == sel.baseline_year)
    post = frame.filter(pl.col("period") >= starts[-1])
    both = (
        post.group_by("period")
        .agg(pl.col("mean_per_area").is_not_null().all())
        .filter(pl.col("mean_per_area"))
    )
    post = post.filter(pl.col("period").is_in(both.get_column("period").implode()))
    if (pl.concat([base, post]).get_column("_c") == dc.CONFIDENTIAL).any():
        return "Referrals against the baseline year: withheld under disclosure control ([c])."
    if post.is_empty():
        return "Referrals: no period after the latest start has figures for both pilot and control areas."
    change = {}
    for arm in ("pilot", "control"):
        b = base.filter(pl.col("arm") == arm).get_column("mean_per_area").mean()
        p = post.filter(pl.col("arm") == arm).get_column("mean_per_area").mean()
        change[arm] = (p / b - 1) * 100 if b else None  # type: ignore[operator]
    if change["pilot"] is None or change["control"] is None:
        return "Referrals against the baseline year: not available for this selection."
    first, last = post.get_column("period").min(), post.get_column("period").max()
    return (
        f"Referrals per area from {first:%b %Y} to {last:%b %Y}, against {sel.baseline_year}: "
        f"{change['pilot']:+.0f}% in pilot areas and {change['control']:+.0f}% in control areas "
        "(a descriptive comparison, not an estimate of the pilot's effect)."
    )


def _effects(data: Analyses, sel: compare.Selection) -> list[str]:
    try:
        from soteria.evaluation import text as evaluation_text

        result = data.evaluation(sel)
    except (ImportError, ValueError) as exc:
        return [f"The evaluation could not be run for these choices ({exc})."]
    out = []
    for o in result.outcomes.values():
        word = evaluation_text.WORDS.get(o.verdict, o.verdict)
        if o.verdict == "fails":
            out.append(f"{evaluation_text.SHORT[o.outcome]}: {word}.")
        else:
            out.append(
                f"{evaluation_text.SHORT[o.outcome]} ({word.lower()}): "
                + plain(evaluation_text.headline_sentence(o))
            )
    return out


def findings(data: Analyses, sel: compare.Selection, headlines: Sequence[str]) -> list[str]:
    """Plain-English headline findings, in the order chosen; unknown names raise ValueError."""
    unknown = [h for h in headlines if h not in HEADLINES]
    if unknown:
        raise ValueError(f"unknown headline(s) {unknown}; choose from {', '.join(HEADLINES)}")
    out: list[str] = []
    for h in headlines:
        if h == "effects":
            out += _effects(data, sel)
        elif h == "referrals_change":
            out.append(_referrals_change(data, sel))
        elif h == "report_to_file":
            out.append(km_chart.report_to_file_sentence(published_tables.published_km_summary(data, sel)))
    return out


def build_pack(
    data: Analyses,
    sel: compare.Selection,
    chart_names: Sequence[str] | None = None,
    headlines: Sequence[str] | None = None,
    outputs: Sequence[ChartOutput] | None = None,
    **options: Any,
) -> Pack:
    """Build every chosen chart (default: the eight of DEFAULT_PACK) and the chosen findings (default:
    all), ready to write as PDF, PowerPoint or HTML. `outputs`: charts already built (a page's cache)."""
    names = list(chart_names or report_charts.DEFAULT_PACK)
    if outputs is None:
        outputs = tuple(report_charts.build(n, data, sel, **options) for n in names)
    prov = data.provenance()
    caveats = list(CAVEATS)
    if prov.synthetic:
        caveats.insert(0, f"{DEMO_LABEL}: every figure in this pack is made up for demonstration.")
    caveats.append(dc.DisclosureNote().rule())
    return Pack(
        title=f"{TITLE}: report pack",
        subtitle=sel.describe(data.area_names(), index=False),
        sel=sel,
        provenance=prov,
        outputs=tuple(outputs),
        findings=tuple(findings(data, sel, list(HEADLINES) if headlines is None else headlines)),
        caveats=tuple(caveats),
        method=METHOD_NOTES,
        created=datetime.now(),
    )
