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
from soteria.outputs import km_chart, published_tables, registry
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import Analyses
from soteria.outputs.pack.contents import CAVEATS, METHOD_NOTES, TITLE, Pack
from soteria.outputs.release import Release

HEADLINES: dict[str, str] = {
    "effects": "The pilot's estimated effect on referrals, report-to-file times and the charge rate",
    "referrals_change": "Referrals per area against the baseline year, pilot and control (descriptive)",
    "report_to_file": "Share of all cases filed within a year, before and after the start (closures compete)",
}


def _referrals_change(data: Analyses, sel: compare.Selection) -> str:
    """Mean per area after the latest pilot start against the baseline year, from the published series
    (`compare.baseline_change`): withheld when any figure it rests on is."""
    sel = replace(sel, metric="referrals")
    table = published_tables.published_pilot_vs_control(data, sel, dc.threshold_from_env())
    starts = data.pilot_starts(sel)
    if not starts:
        return "Referrals: no pilot start inside the window."
    change = compare.baseline_change(table.frame, starts, sel)
    symbols = table.symbols.get_column("mean_per_area") if "mean_per_area" in table.symbols.columns else None
    used = table.frame.select(
        (pl.col("period").dt.year() == sel.baseline_year) | (pl.col("period") >= starts[-1])
    ).to_series()
    if symbols is not None and (symbols.filter(used) == dc.CONFIDENTIAL).any():
        return "Referrals against the baseline year: withheld under disclosure control ([c])."
    if change.post_periods == 0 or change.post_period_from is None or change.post_period_to is None:
        return "Referrals: no period after the latest start has figures for both pilot and control areas."
    if change.pilot_change_pct is None or change.control_change_pct is None:
        return "Referrals against the baseline year: not available for this selection."
    return (
        f"Referrals per area from {change.post_period_from:%b %Y} to {change.post_period_to:%b %Y}, against "
        f"{sel.baseline_year}: {change.pilot_change_pct:+.0f}% in pilot areas and "
        f"{change.control_change_pct:+.0f}% in control areas "
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
            caveat = evaluation_text.clear_only_if(o)
            out.append(
                f"{evaluation_text.SHORT[o.outcome]} ({word.lower()}): "
                + plain(evaluation_text.headline_sentence(o))
                + (f" Caveat: {caveat}." if caveat else "")
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
    release: Release | None = None,
    **options: Any,
) -> Pack:
    """Build every chosen chart (default: the eight of DEFAULT_PACK) and the chosen findings (default:
    all), ready to write as PDF, PowerPoint or HTML. `outputs`: charts already built (a page's cache)."""
    names = list(chart_names or registry.DEFAULT_PACK)
    if outputs is None:
        outputs = tuple(registry.build(n, data, sel, **options) for n in names)
    prov = data.provenance()
    caveats = list(CAVEATS)
    if prov.synthetic:
        caveats.insert(0, f"{DEMO_LABEL}: every figure in this pack is made up for demonstration.")
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
        release=release,
    )
