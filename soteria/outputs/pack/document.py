"""The report pack as one HTML document, written once: the self-contained HTML report and the tagged
PDF (WeasyPrint) are both this document, so they have the same headings, reading order, text and
tables. Only how a chart is drawn differs: interactive plotly on the web, a vector image in the PDF."""

from __future__ import annotations

import html
from collections.abc import Callable

from soteria import disclosure as dc
from soteria.domain import DEMO_LABEL
from soteria.evaluation.text.words import plain
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.pack.contents import Pack, data_line, notice
from soteria.outputs.readable import cell_text

LANGUAGE = "en-GB"

# A chart drawn in the document: (its number, the chart) -> HTML.
ChartHtml = Callable[[int, ChartOutput], str]


def esc(text: str) -> str:
    return html.escape(plain(text))


def table_html(table: dc.Published, caption: str = "", limit: int = 2000) -> str:
    """A published table as an HTML table: header cells scoped to their columns, human labels and
    values, symbols for withheld cells and their legend underneath."""
    shown = table.display()
    count = ' data-count="true"'
    head = "".join(
        f'<th scope="col"{count if c in table.counts else ""}>{html.escape(table.labels.get(c, c))}</th>'
        for c in shown.columns
    )
    rows = []
    for row in shown.head(limit).iter_rows():
        cells = []
        for value in row:
            text = cell_text(value)
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cls = "" if numeric or text in dc.SYMBOLS else ' class="text"'
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">First {limit:,} of {shown.height:,} rows; the Excel file has them all.</p>'
        if shown.height > limit
        else ""
    )
    legend = "".join(f"<li>{html.escape(line)}</li>" for line in table.legend())
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}" + (
        f'<ul class="note">{legend}</ul>' if legend else ""
    )


def chart_notes(output: ChartOutput) -> list[str]:
    """What a chart's page says under it: its own notes, but the disclosure rule only as what was
    withheld here (the rule itself is said once, in the method notes)."""
    notes = [n for n in output.text.notes if not n.startswith("Disclosure control:")]
    return [*notes, f"{output.table.note.summary()} Data: {output.file_name('xlsx')}."]


def document(
    pack: Pack,
    chart: ChartHtml,
    *,
    css: str,
    head: str = "",
    table_limit: int = 2000,
    folded_tables: bool = True,
) -> str:
    """The whole pack as HTML: cover (findings, caveats, data), one section per chart (title, subtitle,
    the chart, its summary, source, notes and data table) and the method notes."""
    total = len(pack.outputs)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{LANGUAGE}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(pack.title)}</title>",
        f'<meta name="description" content="{esc(pack.subtitle)}">',
        '<meta name="author" content="Soteria dashboard"><meta name="generator" content="Soteria dashboard">',
        f"<style>{css}</style>{head}</head><body><main>",
        f'<section class="cover"><h1>{esc(pack.title)}</h1><p class="sub">{esc(pack.subtitle)}</p>',
    ]
    if pack.provenance.synthetic:
        parts.append(f'<p class="banner">{esc(DEMO_LABEL)}</p>')
    if notice(pack):
        parts.append(f'<p class="banner">{esc(notice(pack))}</p>')
    parts += [
        "<h2>Headline findings</h2><ul>",
        *(f"<li>{esc(f)}</li>" for f in pack.findings),
        '</ul><h2>Caveats</h2><ul class="small">',
        *(f"<li>{esc(c)}</li>" for c in pack.caveats),
        f'</ul><h2>Data</h2><p class="source">{esc(data_line(pack))}</p></section>',
    ]
    appendix_tables = []
    for i, output in enumerate(pack.outputs, start=1):
        notes = "".join(f"<li>{esc(n)}</li>" for n in chart_notes(output))
        table = table_html(output.table, f"Data for chart {i}: {output.text.title}", table_limit)
        if folded_tables:
            table = f"<details><summary>Data table for this chart</summary>{table}</details>"
        else:  # the tables after the method notes, so that chart pages follow one another
            appendix_tables.append(table)
            table = ""
        parts.append(
            f'<section class="chart-page" aria-labelledby="h-{i}">'
            f'<h2 id="h-{i}">{i}. {esc(output.text.title)}</h2><p class="sub">{esc(output.text.subtitle)}</p>'
            f"{chart(i, output)}"
            f'<p class="summary"><b>Chart {i} of {total}.</b> {esc(output.summary)}</p>'
            + (f'<p class="banner small">{esc(DEMO_LABEL)}</p>' if output.synthetic else "")
            + f'<p class="source">{esc(output.text.source)}</p><ul class="note">{notes}</ul>{table}</section>'
        )
    parts.append(
        '<section class="appendix"><h2>Appendix: method notes</h2>'
        + "".join(f"<h3>{esc(h)}</h3><p>{esc(t)}</p>" for h, t in pack.method)
        + "</section>"
    )
    if appendix_tables:
        parts.append(
            '<section class="appendix"><h2>Appendix: data tables</h2>'
            f'<p class="note">Each chart\'s data after disclosure control; the first {table_limit:,} rows of '
            "each, the chart's Excel file has them all.</p>" + "".join(appendix_tables) + "</section>"
        )
    parts.append("</main></body></html>")
    return "\n".join(parts)
