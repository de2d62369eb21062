"""The report pack: chosen charts and headline findings as one PDF, one PowerPoint deck or one
self-contained HTML report (pure: no streamlit).

- PDF: a cover page (headline findings in plain English, caveats, data version), one chart per page
  (the vector chart from the export server, with its summary and data notes underneath) and an appendix
  of method notes. Text pages are drawn with reportlab; each chart's own PDF page is placed on its page
  with pypdf, so the chart stays vector.
- PowerPoint: a title slide, a findings slide, one chart per slide (print-resolution PNG, the summary as
  alternative text and in the speaker notes) and a method slide.
- HTML: one file with plotly.js inlined, interactive charts, each chart's data table after disclosure
  control, and no reference to anything outside the file.
Every chart and table comes from `soteria.outputs.registry.build`, after disclosure control.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.domain import DEMO_LABEL
from soteria.outputs import chart_files, km_chart, published_tables
from soteria.outputs import registry as report_charts
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import Analyses, Provenance

PACK_FORMATS = ("pdf", "pptx", "html")
TITLE = "Operation Soteria pilot evaluation"

HEADLINES: dict[str, str] = {
    "effects": "The pilot's estimated effect on referrals, report-to-file times and the charge rate",
    "referrals_change": "Referrals per area against the baseline year, pilot and control (descriptive)",
    "report_to_file": "Median days from report to file, before and after the start (Kaplan-Meier)",
}

CAVEATS = (
    "Pilot areas are compared with control areas; a control area counts only for periods wholly before "
    "its own pilot start, so the comparison window ends at the national rollout (10 July 2023).",
    "Descriptive charts (volumes, rates, times) are not estimates of the pilot's effect; the evaluation's "
    "estimates compare each pilot area with what the control areas predict for it.",
    "London can only be compared at CPS Area level: Metropolitan Police and City of London cases belong to "
    "both London Areas and are left out of report-to-file times at that level.",
    "Report-to-file times are Kaplan-Meier estimates: open cases count until the extract date, so no "
    "figure is a median of completed cases alone.",
)

METHOD_NOTES: tuple[tuple[str, str], ...] = (
    (
        "Pilot and control",
        "The pilot group is the areas of the chosen wave(s); all their periods count. "
        "The control group is every other area of the same kind that is not excluded, counted only for "
        "periods wholly before its own pilot start (a quarter counts only if all three months are before "
        "it). A period's value for an area is the sum of its months, or missing when any month is missing.",
    ),
    (
        "Index",
        "Each arm's mean per area is indexed to its own mean over the baseline year (= 100), so that "
        "arms of different sizes and a changing control group can be compared.",
    ),
    (
        "Charge rate",
        "Charges divided by all CPS legal decisions, pooled over the arm's areas, counting an "
        "area-period only when both counts are present.",
    ),
    (
        "Report-to-file times",
        "Kaplan-Meier estimates of the share of cases whose police file reached the "
        "CPS by each day since the report: open cases are censored at the extract date, cases closed before "
        "a file at closure, and control cases at their own area's start. 95% intervals are log-log Greenwood "
        "intervals; medians are read off the curve and its band.",
    ),
    (
        "Evaluation",
        "Effects are staggered difference-in-differences estimates (Callaway and Sant'Anna) "
        "with randomisation inference over which areas are pilots (few treated areas make cluster-robust "
        "errors unreliable), checked by pre-start trends, synthetic controls and survival tests.",
    ),
    (
        "Disclosure control",
        dc.DisclosureNote().rule()
        + " "
        + dc.KM_RULE
        + " Symbols: "
        + "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())
        + ".",
    ),
)


@dataclass(frozen=True)
class Pack:
    """Everything a report pack shows, built once and written in any format."""

    title: str
    subtitle: str
    sel: compare.Selection
    provenance: Provenance
    outputs: tuple[ChartOutput, ...]
    findings: tuple[str, ...]
    caveats: tuple[str, ...]
    method: tuple[tuple[str, str], ...]
    created: datetime

    def file_name(self, ext: str) -> str:
        grain = self.sel.grain.replace("_", "-")
        return f"soteria_report_{grain}_{self.sel.start:%Y-%m}_{self.sel.end:%Y-%m}.{ext}"


# ---- headline findings ------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return text.replace("**", "").replace("\u2212", "-")


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
                + _plain(evaluation_text.headline_sentence(o))
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


def _data_line(pack: Pack) -> str:
    kinds = ("metrics", "cases")
    return f"{pack.provenance.source(kinds)}. Produced {pack.created:%d %B %Y %H:%M}."


# ---- PDF --------------------------------------------------------------------------------------------

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
    return html.escape(_plain(text))


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
    lines = textwrap.wrap(f"Chart {number} of {total}. {_plain(output.summary)}", chars)
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
    cover += [("h2", "Data"), ("body", _data_line(pack))]
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


# ---- PowerPoint -------------------------------------------------------------------------------------


def to_pptx(pack: Pack, render: Callable[[ChartOutput, str], bytes] | None = None) -> bytes:
    """The pack as a 16:9 deck: title, findings, one chart per slide (notes: summary and data notes),
    method notes."""
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    render = render or chart_files.export_chart
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_layout, content_layout, blank = deck.slide_layouts[0], deck.slide_layouts[1], deck.slide_layouts[6]

    slide = deck.slides.add_slide(title_layout)
    slide.shapes.title.text = pack.title
    sub = pack.subtitle + ("\n" + DEMO_LABEL if pack.provenance.synthetic else "") + "\n" + _data_line(pack)
    slide.placeholders[1].text = sub
    for paragraph in slide.placeholders[1].text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(16)

    def bullets(title: str, items: Sequence[str], size: int = 16) -> None:
        s = deck.slides.add_slide(content_layout)
        s.shapes.title.text = title
        body = s.placeholders[1]
        body.left, body.top, body.width, body.height = Inches(0.6), Inches(1.4), Inches(12.1), Inches(5.8)
        frame = body.text_frame
        frame.word_wrap = True
        for j, item in enumerate(items):
            para = frame.paragraphs[0] if j == 0 else frame.add_paragraph()
            para.text = _plain(item)
            para.font.size = Pt(size)

    bullets("Headline findings", pack.findings)
    for output in pack.outputs:
        s = deck.slides.add_slide(blank)
        png = render(output, "png")
        pic = s.shapes.add_picture(io.BytesIO(png), Inches(0.3), Inches(0.2))
        ratio = min(
            (deck.slide_width - Inches(0.6)) / pic.width, (deck.slide_height - Inches(0.4)) / pic.height
        )
        pic.width, pic.height = Emu(int(pic.width * ratio)), Emu(int(pic.height * ratio))
        pic.left = Emu(int((deck.slide_width - pic.width) / 2))
        pic.top = Emu(int((deck.slide_height - pic.height) / 2))
        pic._element.nvPicPr.cNvPr.set("descr", output.summary)  # alternative text
        notes = [output.summary, output.text.source, output.table.note.text(), *output.table.legend()]
        s.notes_slide.notes_text_frame.text = "\n".join(_plain(n) for n in notes if n)
    bullets("Caveats", pack.caveats, 14)
    bullets("Method notes", [f"{h}: {t}" for h, t in pack.method], 11)
    buffer = io.BytesIO()
    deck.core_properties.title = pack.title
    deck.save(buffer)
    return buffer.getvalue()


# ---- HTML -------------------------------------------------------------------------------------------

_CSS = """
body{font-family:Arial,'Liberation Sans',Helvetica,sans-serif;color:#222;max-width:1180px;margin:0 auto;
padding:24px;line-height:1.45}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{font-size:1.35rem;margin-top:2.2rem;border-top:1px solid #ccc;
padding-top:1rem} .sub{color:#444} .banner{background:#fff3cd;border:1px solid #b58100;padding:.6rem 1rem;
font-weight:bold} .source,.note{font-size:.9rem;color:#333} table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #bbb;padding:2px 6px;text-align:right} th{background:#f0f0f0}
td.text{text-align:left} details{margin:.6rem 0} summary{cursor:pointer;font-weight:bold}
.chart{margin-top:.6rem}
"""


def _table_html(table: dc.Published, limit: int = 2000) -> str:
    shown = table.display()
    count_attr = ' data-count="true"'
    head = "".join(
        f'<th scope="col"{count_attr if c in table.counts else ""}>{html.escape(table.labels.get(c, c))}</th>'
        for c in shown.columns
    )
    rows = []
    for row in shown.head(limit).iter_rows():
        cells = []
        for value in row:
            text = (
                ""
                if value is None
                else (f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value))
            )
            cls = "" if isinstance(value, int | float) or text in dc.SYMBOLS else ' class="text"'
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">First {limit:,} of {shown.height:,} rows; the Excel download has them all.</p>'
        if shown.height > limit
        else ""
    )
    legend = "".join(f"<li>{html.escape(line)}</li>" for line in table.legend())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}" + (
        f'<ul class="note">{legend}</ul>' if legend else ""
    )


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # "</script" inside the bundle would end the inline script early
    return get_plotlyjs().replace("</script", "<\\/script")


def to_html(pack: Pack) -> bytes:
    """The pack as one self-contained HTML file: works offline, fetches nothing when opened."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(pack.title)}</title><style>{_CSS}</style>",
        f'<script type="text/javascript">{_plotly_js()}</script></head><body><main>',
        f'<h1>{html.escape(pack.title)}</h1><p class="sub">{html.escape(pack.subtitle)}</p>',
    ]
    if pack.provenance.synthetic:
        parts.append(f'<p class="banner">{html.escape(DEMO_LABEL)}</p>')
    parts.append(
        "<section><h2>Headline findings</h2><ul>"
        + "".join(f"<li>{html.escape(_plain(f))}</li>" for f in pack.findings)
        + "</ul>"
    )
    parts.append(
        "<h3>Caveats</h3><ul>"
        + "".join(f"<li>{html.escape(c)}</li>" for c in pack.caveats)
        + f'</ul><p class="source">{html.escape(_data_line(pack))}</p></section>'
    )
    config = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}
    for i, output in enumerate(pack.outputs, start=1):
        div = output.figure.to_html(
            full_html=False, include_plotlyjs=False, config=config, div_id=f"chart-{i}", default_width="100%"
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in output.text.notes)
        parts.append(
            f'<section aria-labelledby="h-{i}"><h2 id="h-{i}">{i}. {html.escape(output.text.title)}</h2>'
            f'<p class="sub">{html.escape(output.text.subtitle)}</p>'
            f'<div class="chart" role="img" aria-label="{html.escape(output.summary)}">{div}</div>'
            f"<p>{html.escape(output.summary)}</p>"
            f'<p class="source">{html.escape(output.text.source)}</p><ul class="note">{notes}</ul>'
            f"<details><summary>Data table for this chart</summary>{_table_html(output.table)}</details>"
            "</section>"
        )
    parts.append(
        "<section><h2>Method notes</h2>"
        + "".join(f"<h3>{html.escape(h)}</h3><p>{html.escape(t)}</p>" for h, t in pack.method)
        + "</section></main></body></html>"
    )
    return "\n".join(parts).encode("utf-8")


# ---- one call for every format ----------------------------------------------------------------------


def render(pack: Pack, fmt: str) -> bytes:
    """The pack in one format (each file goes past `chart_files.EXPORT_OBSERVERS`)."""
    writers = {"pdf": to_pdf, "pptx": to_pptx, "html": to_html}
    if fmt not in writers:
        raise ValueError(f"format must be one of {', '.join(PACK_FORMATS)}, not {fmt!r}")
    return chart_files.observe(pack.file_name(fmt), writers[fmt](pack))


def write(pack: Pack, path: Path) -> Path:
    """Write the pack in the format its suffix names (.pdf, .pptx or .html)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PACK_FORMATS:
        raise ValueError(f"the output file must end in .pdf, .pptx or .html, not {path.name!r}")
    path.write_bytes(render(pack, fmt))
    return path


EXTERNAL_URL = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
    re.IGNORECASE,
)


def external_references(document: str) -> list[str]:
    """Attributes or CSS in `document` (outside inline scripts) that would fetch something from outside."""
    outside = re.sub(r"<script\b[^>]*>.*?</script>", "", document, flags=re.DOTALL | re.IGNORECASE)
    scripts = re.findall(r"<script\b([^>]*)>", document, flags=re.IGNORECASE)
    found = [m.group(0) for m in EXTERNAL_URL.finditer(outside)]
    found += [s for s in scripts if re.search(r"\bsrc\s*=", s, re.IGNORECASE)]
    return found


def pack_json(pack: Pack) -> str:
    """A short description (for the command line's --json)."""
    return json.dumps(
        {
            "title": pack.title,
            "charts": [o.name for o in pack.outputs],
            "findings": list(pack.findings),
            "data_version": pack.provenance.data_version,
        }
    )


PACK_MIME = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html",
    "zip": "application/zip",
}


def files(pack: Pack, formats: Sequence[str]) -> dict[str, bytes]:
    """The pack in each chosen format, plus a ZIP of them all with every chart's data (Excel)."""
    import zipfile

    out = {pack.file_name(fmt): render(pack, fmt) for fmt in formats}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in out.items():
            archive.writestr(name, data)
        for output in pack.outputs:
            archive.writestr(f"data/{output.file_name('xlsx')}", chart_files.export_chart(output, "xlsx"))
    out[pack.file_name("zip")] = buffer.getvalue()
    return out
