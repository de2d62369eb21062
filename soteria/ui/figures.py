"""Charts and tables on a page: registry charts, the tile map, a page's own figure, the report pack.

Every figure is built once per data version and choices (plotly figures cost more to build than a page
rerun may) and goes to the page through `ui.charts.show_chart` with its published table and downloads.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from soteria import disclosure as dc
from soteria.analysis import areas, compare
from soteria.charts import tiles
from soteria.charts.figures import ChartText
from soteria.domain import GRAINS
from soteria.evaluation.outcome import OutcomeResult
from soteria.outputs import chart_parts, pack, published_tables, registry
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import selection_key
from soteria.ui.charts import show_chart
from soteria.ui.data import analyses, release, source


def tile_map(sel: compare.Selection, view: str) -> go.Figure:
    """The area explorer's tile map for `view`, kept until the data change. Treat it as read-only."""
    data = analyses()

    def build() -> go.Figure:
        measure = data.tile_measure(sel, view)
        title = f"{areas.MEASURES[view]}: {GRAINS[sel.grain]}s"
        return tiles.tile_map_chart(
            measure.values, sel.grain, title, measure.colour_title, subtitle=measure.subtitle,
            midpoint=measure.midpoint,
        )  # fmt: skip

    return source().memo(("tile_map", selection_key(sel), view), build)


def chart_output(name: str, sel: compare.Selection, **options: str) -> ChartOutput:
    """A registry chart (soteria.outputs.registry) for the selection, kept until the data change."""
    data = analyses()
    key = ("chart", name, selection_key(sel), tuple(sorted(options.items())))
    return source().memo(key, lambda: registry.build(name, data, sel, **options))


def chart(name: str, sel: compare.Selection, **options: str) -> ChartOutput:
    """Show a registry chart with its summary, published data table and downloads."""
    output = chart_output(name, sel, **options)
    show_chart(output)
    return output


def chart_block(
    fig: go.Figure,
    table: pl.DataFrame | dc.Published,
    chart: str,
    sel: compare.Selection,
    summary: str,
    text: ChartText,
    select_key: str | None = None,
    kinds: tuple[str, ...] = ("metrics",),
) -> object:
    """A chart built by the page itself, shown as `show_chart` shows a registry chart: the same source
    line (the extracts of `kinds`) and metadata as the registry's. A plain table goes through disclosure
    control first (`disclosure.generic`), so the page, the CSV and the Excel download all agree."""
    data = analyses()

    def build() -> ChartOutput:
        published = table if isinstance(table, dc.Published) else dc.generic(table)
        full = chart_parts.chart_text(
            data, text.title, text.subtitle, kinds, text.notes, published, gaps=False
        )
        definition = text.subtitle or text.title
        metadata = chart_parts.chart_metadata(
            data, sel, text.title, summary, definition, published, kinds, index=False
        )
        return ChartOutput(
            chart, chart, fig, published, summary, full, metadata, sel,
            data.provenance().synthetic, (sel.start, sel.end),
        )  # fmt: skip

    # Kept with the figure it wraps (the page's evaluation figures are kept per data version), so that
    # its page figure, title block and table are made once, not on every run of every session.
    key = ("chart_block", chart, selection_key(sel), kinds, summary, text.title, text.subtitle, id(fig))
    output = source().memo(key, build)
    return show_chart(output, select_key)


def published(name: str, sel: compare.Selection) -> dc.Published:
    """A page table after disclosure control: 'km_summary' or 'numbers_at_risk'."""
    data, threshold = analyses(), dc.threshold_from_env()
    if name == "km_summary":
        return published_tables.km_summary_table(published_tables.published_km_summary(data, sel, threshold))
    if name == "numbers_at_risk":
        return published_tables.published_numbers_at_risk(data, sel, threshold)
    raise ValueError(f"unknown table {name!r}")


def evaluation_survival_table(sel: compare.Selection, o: OutcomeResult, control: str) -> dc.Published:
    """The evaluation's report-to-file table as published (soteria.outputs.published_tables)."""
    return published_tables.published_evaluation_survival(
        analyses(), sel, o, control, dc.threshold_from_env()
    )


def report_pack(sel: compare.Selection, names: list[str], headlines: list[str]) -> pack.Pack:
    """The report pack for the selection, from the same kept charts the pages show."""
    outputs = [chart_output(name, sel) for name in names]
    return pack.build_pack(analyses(), sel, names, headlines, outputs=outputs, release=release())
