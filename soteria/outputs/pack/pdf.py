"""The pack as one PDF: a cover with the findings, one chart per page with its summary, method notes."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from soteria.domain import DEMO_LABEL
from soteria.evaluation.text.words import plain
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.pack.contents import TITLE, Pack, data_line

_FONT_FILES = {
    "Sans": "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "Sans-Bold": "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
}


def _fonts() -> tuple[str, str]:
    """A Unicode TrueType pair when the system has Liberation Sans, else the PDF core Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if all(Path(p).exists() for p in _FONT_FILES.values()):
        for name, path in _FONT_FILES.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, path))
        return "Sans", "Sans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=22, leading=27, spaceAfter=6),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=regular, fontSize=11, leading=14, textColor="#444444", spaceAfter=10
        ),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=14, leading=18, spaceBefore=8, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14, spaceAfter=4),
        "bullet": ParagraphStyle(
            "bullet", fontName=regular, fontSize=10.5, leading=14, leftIndent=14, bulletIndent=2, spaceAfter=3
        ),
        "small_bullet": ParagraphStyle(
            "small_bullet",
            fontName=regular,
            fontSize=9.5,
            leading=12,
            leftIndent=14,
            bulletIndent=2,
            spaceAfter=2,
        ),
        "banner": ParagraphStyle(
            "banner", fontName=bold, fontSize=12, leading=15, textColor="#8A1C00", spaceAfter=8
        ),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8.5, leading=11, textColor="#333333"),
    }


def _p(text: str) -> str:
    return html.escape(plain(text))


def _text_pages(blocks: list[tuple[str, str]], page_size: tuple[float, float], margin: float) -> bytes:
    """Flowing text pages: blocks of (style, text); style 'bullet' gets a bullet."""
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    st = _styles()
    story: list[Any] = []
    for style, text in blocks:
        if style == "space":
            story.append(Spacer(1, 8))
        elif style in ("bullet", "small_bullet"):
            story.append(Paragraph(_p(text), st[style], bulletText="\u2022"))
        else:
            story.append(Paragraph(_p(text), st[style]))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=TITLE,
        author="Soteria dashboard",
    )
    doc.build(story)
    return buffer.getvalue()


# A4 at 96 CSS pixels per inch: kaleido prints a figure of this size at scale 1 on an A4 PDF page.
A4_LANDSCAPE_PX, A4_PORTRAIT_PX = (1123, 794), (794, 1123)


def page_figure(output: ChartOutput, number: int, total: int) -> Any:
    """The chart as a whole A4 page: title, subtitle, chart, then its summary, source and notes.

    Charts drawn taller than wide (small multiples) get a portrait page, the others landscape."""
    import textwrap

    import plotly.graph_objects as go

    from soteria.charts import style as cs

    natural = int(output.figure.layout.height or 620)
    width, height = A4_PORTRAIT_PX if natural > 900 else A4_LANDSCAPE_PX
    chars = int(cs.WRAP_CHARS * width / 1100)
    fig = go.Figure(output.figure)
    cs.set_titles(fig, output.text.title, output.text.subtitle, width)
    lines = textwrap.wrap(f"Chart {number} of {total}. {plain(output.summary)}", chars)
    lines[0] = f"<b>{lines[0]}</b>" if lines else ""
    if output.synthetic:
        lines.append(f"<b>{DEMO_LABEL}</b>")
    lines += textwrap.wrap(output.text.source, chars)
    for note in output.text.notes:
        lines += textwrap.wrap(f"Note: {note}", chars)
    lines += textwrap.wrap(f"Data: {output.file_name('xlsx')}. {output.table.note.summary()}", chars)
    cs.add_export_block(fig, lines)
    if width < natural or width < 1100:  # a narrower page wraps the legend onto more rows: make room
        fig.update_layout(margin_t=int(fig.layout.margin.t or 0) + 40)
    fig.update_layout(width=width, height=height)
    return fig


def to_pdf(pack: Pack, render: Callable[[Any, str], bytes] | None = None) -> bytes:
    """The pack as one PDF: cover, one chart per A4 page (vector, with its summary and notes), appendix.

    Each chart page is the export server's own PDF of `page_figure`, so pages are only put together,
    never redrawn."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4, landscape

    from soteria.outputs import export

    render = render or (lambda fig, fmt: export.figure_to_image(fig, fmt, scale=1))  # type: ignore[arg-type]
    page = landscape(A4)
    margin = 36.0
    cover: list[tuple[str, str]] = [("title", pack.title), ("subtitle", pack.subtitle)]
    if pack.provenance.synthetic:
        cover.append(("banner", DEMO_LABEL))
    cover += [("h2", "Headline findings")] + [("bullet", f) for f in pack.findings]
    cover += [("h2", "Caveats")] + [("small_bullet", c) for c in pack.caveats]
    cover += [("h2", "Data"), ("body", data_line(pack))]
    appendix: list[tuple[str, str]] = [("title", "Appendix: method notes")]
    for heading, text in pack.method:
        appendix += [("h2", heading), ("body", text)]
    appendix += [
        ("h2", "Charts and their data"),
        *[("bullet", f"{o.text.title}: {o.table.note.text()}") for o in pack.outputs],
    ]
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_text_pages(cover, page, margin))))
    for i, output in enumerate(pack.outputs, start=1):
        writer.append(PdfReader(io.BytesIO(render(page_figure(output, i, len(pack.outputs)), "pdf"))))
    writer.append(PdfReader(io.BytesIO(_text_pages(appendix, page, margin))))
    writer.add_metadata({"/Title": pack.title, "/Subject": pack.subtitle, "/Creator": "Soteria dashboard"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
