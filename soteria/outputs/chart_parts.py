"""What every published chart carries: its period, its source line and notes, its Excel metadata."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.charts.figures import ChartText
from soteria.domain import DEMO_LABEL, GRAINS
from soteria.outputs.data import Analyses


def chart_span(sel: compare.Selection) -> tuple[date, date]:
    first, last = sel.whole_periods()
    m = last.month - 1 + sel.months
    end = date(last.year + m // 12, m % 12 + 1, 1)
    return first, date.fromordinal(end.toordinal() - 1)


GAP_NOTE = (
    "Gaps in a line are figures withheld under disclosure control ([c]) or not available ([x]); "
    "they are never zeros."
)


def has_gaps(table: dc.Published, column: str) -> bool:
    return (
        column in table.symbols.columns
        and table.symbols.get_column(column).null_count() < table.symbols.height
    )


def chart_metadata(
    data: Analyses,
    sel: compare.Selection,
    title: str,
    summary: str,
    definition: str,
    table: dc.Published,
    kinds: tuple[str, ...],
    extra: tuple[tuple[str, str], ...] = (),
    index: bool = True,
) -> tuple[tuple[str, str], ...]:
    prov = data.provenance()
    names = data.area_names()
    first, last = chart_span(sel)
    rows: list[tuple[str, str]] = [
        ("Title", title),
        ("Summary", summary),
        ("Definition", definition),
        *extra,
        ("Compared by", GRAINS[sel.grain]),
        ("Period", f"{first:%d %b %Y} to {last:%d %b %Y} ({sel.frequency}ly periods)"),
        ("Pilot group", "areas that started in " + ", ".join(sel.pilot_waves)),
        (
            "Control group",
            "every other area of the grain, counted only for periods wholly before its own "
            "pilot start"
            + (
                ", excluding " + ", ".join(names.get(c, c) for c in sel.excluded_controls)
                if sel.excluded_controls
                else ""
            ),
        ),
    ]
    if index:
        rows.append(("Baseline year", f"{sel.baseline_year} (index: that year's average = 100)"))
    whole = sel == compare.Selection(metric=sel.metric)
    rows += [
        (
            "Filtered or whole",
            "The dashboard's default selection"
            if whole
            else "Filtered: the choices above differ from the dashboard's default selection",
        ),
        ("Filters (as in the page address)", "&".join(f"{k}={v}" for k, v in sel.to_query_params().items())),
        ("Data version", prov.data_version),
        ("Extracts", prov.source(kinds).removeprefix("Source: ").split("; data version")[0]),
        ("Synthetic data", DEMO_LABEL if prov.synthetic else "No"),
        ("Disclosure control", table.note.text()),
        ("Symbols", "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())),
        ("Count columns", ", ".join(table.labels.get(c, c) for c in table.counts) or "none"),
        ("Columns", "; ".join(f"{table.labels.get(c, c)} ({c})" for c in table.frame.columns)),
        ("Generated", f"{datetime.now():%Y-%m-%d %H:%M}"),
    ]
    return tuple(rows)


def chart_text(
    data: Analyses,
    title: str,
    subtitle: str,
    kinds: tuple[str, ...],
    notes: tuple[str, ...],
    table: dc.Published,
    gaps: bool,
) -> ChartText:
    prov = data.provenance()
    rule = table.note.rule()
    extra = (GAP_NOTE,) if gaps else ()
    return ChartText(title=title, subtitle=subtitle, source=prov.source(kinds), notes=(*notes, *extra, rule))


def threshold_option(options: dict[str, Any]) -> int:
    return int(options.get("threshold") or dc.threshold_from_env())
