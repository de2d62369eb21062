"""The pack as one tagged PDF (PDF/UA-1): the pack's HTML document (`document.py`) laid out by
WeasyPrint on A4 landscape pages, each chart a vector SVG image whose alternative text is its summary.

WeasyPrint writes the structure tree from the HTML (headings, paragraphs, lists, figures with /Alt,
tables with header cells), the language, the title shown as the window title, and the PDF/UA
identifier; `tagging.scope_header_cells` then gives each header cell its /Scope, which WeasyPrint
does not write."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from typing import Any

from soteria.charts import style as cs
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.pack import document, tagging
from soteria.outputs.pack.contents import Pack

# One orientation for every page: A4 landscape. Sizes in CSS pixels (96 per inch).
CHART_WIDTH_PX = 1100
TALL_CHART_WIDTH_PX, TALL_CHART_HEIGHT_PX = 1500, 1000  # small multiples, spread across the page

_CSS = """
@page{size:A4 landscape;margin:12mm 14mm 14mm 14mm;
@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt;color:#444}}
body{font-family:'Liberation Sans',Arial,Helvetica,sans-serif;color:#111;font-size:10pt;line-height:1.35}
h1{font-size:21pt;margin:0 0 2mm} h2{font-size:14pt;margin:4mm 0 1mm} h3{font-size:11pt;margin:3mm 0 1mm}
.sub{color:#333;margin:0 0 2mm} .banner{color:#8a1c00;font-weight:bold} .small,.note,.source{font-size:8.5pt}
ul{margin:1mm 0 2mm;padding-left:6mm} li{margin:0 0 1mm}
.chart-page{break-before:page} .appendix{break-before:page} .chart-page h2{margin-top:0}
figure{margin:0} figure img{display:block;width:100%;max-height:112mm;object-fit:contain}
figure.tall img{max-height:130mm}
.summary{margin:2mm 0 1mm}
table{border-collapse:collapse;font-size:8pt;margin-top:4mm} caption{text-align:left;font-weight:bold;
padding-bottom:1mm} th,td{border:0.5pt solid #999;padding:0.6mm 1.5mm;text-align:right}
th{background:#eee} td.text{text-align:left} thead{display:table-header-group} tr{break-inside:avoid}
"""

Render = Callable[[Any, str], bytes]


def chart_figure(output: ChartOutput) -> Any:
    """The chart as the PDF draws it: no title (the page's heading says it), landscape proportions; a
    tall chart (small multiples) spread wider so its panels fill a landscape page."""
    figure = cs.without_titles(output.figure)
    natural = int(output.figure.layout.height or 620)
    if natural > 900:
        figure.update_layout(width=TALL_CHART_WIDTH_PX, height=TALL_CHART_HEIGHT_PX)
    else:
        figure.update_layout(width=CHART_WIDTH_PX, height=natural - cs.TITLE_BLOCK_PX)
    return figure


def _image(render: Render) -> document.ChartHtml:
    def chart(i: int, output: ChartOutput) -> str:
        figure = chart_figure(output)
        svg = base64.b64encode(render(figure, "svg")).decode("ascii")
        tall = ' class="tall"' if figure.layout.width == TALL_CHART_WIDTH_PX else ""
        return (
            f'<figure{tall}><img src="data:image/svg+xml;base64,{svg}" '
            f'alt="{html.escape(output.summary)}"></figure>'
        )

    return chart


# The data tables in the PDF: enough rows to read, the Excel file has them all.
PDF_TABLE_ROWS = 40


def to_pdf(pack: Pack, render: Render | None = None) -> bytes:
    """The pack as one tagged PDF: cover with the findings, a page per chart (vector, with its summary,
    source and notes), the method notes, then each chart's data table."""
    from weasyprint import HTML

    from soteria.outputs import export

    render = render or (lambda fig, fmt: export.figure_to_image(fig, fmt, scale=1))  # type: ignore[arg-type]
    page = document.document(pack, _image(render), css=_CSS, table_limit=PDF_TABLE_ROWS, folded_tables=False)
    pdf = HTML(string=page).write_pdf(pdf_variant="pdf/ua-1", custom_metadata=True)
    return tagging.scope_header_cells(pdf or b"")
