"""Chart registry, chart exports and the report pack, on the real demo data and with real Chromium.

Every format is read back: PNG header and size, SVG parsed for its title, PDF pages and text, XLSX with
both sheets, PPTX slides and notes, HTML with no external reference (and opened offline in Chromium).
Every export goes past tests/export_scan.py, which fails the test on any count from 1 to 4.
"""

from __future__ import annotations

import io
import json
import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from soteria import disclosure as dc
from soteria.analysis.compare import Selection
from soteria.cli.main import app, command_names
from soteria.domain import DEMO_LABEL
from soteria.outputs import chart_parts
from soteria.outputs import pack as report
from soteria.outputs.chart_files import export_chart
from soteria.outputs.data import Analyses, store_analyses
from soteria.outputs.export import table_to_xlsx
from soteria.outputs.pack.document import esc
from soteria.outputs.registry import CHARTS, DEFAULT_PACK, build
from soteria.store import close_stores
from tests import export_scan
from tests.browser_support import browser_test

SEL = Selection()
FORCE_MONTH = Selection(grain="force", frequency="month")
runner = CliRunner()


@pytest.fixture(scope="module")
def data(demo_store) -> Analyses:
    return store_analyses(demo_store)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def pdf_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def svg_text(data: bytes) -> str:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


# ---- the registry ---------------------------------------------------------------------------------


def test_registry_names_at_least_eight_charts_for_the_pack() -> None:
    assert len(DEFAULT_PACK) == 9 and set(DEFAULT_PACK) <= set(CHARTS)
    for name in (
        "referrals_pilot_vs_control",
        "referrals_by_area",
        "charge_rate_pilot_vs_control",
        "report_to_file_share_filed",
        "referrals_event_study",
    ):
        assert name in CHARTS


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_builds_and_stands_on_its_own(data, name: str) -> None:
    out = build(name, data, SEL)
    assert out.text.title and out.summary and out.figure.data
    assert out.text.source.startswith("Source: ") and "data version" in out.text.source
    assert any(n.startswith("Disclosure control:") for n in out.text.notes)
    assert set(out.table.counts) <= dc.COUNT_COLUMNS
    assert re.fullmatch(r"[a-z0-9_]+_cps-area_\d{4}-\d{2}_\d{4}-\d{2}\.png", out.file_name("png"))
    items = dict(out.metadata)
    for key in ("Title", "Definition", "Data version", "Disclosure control", "Synthetic data", "Extracts"):
        assert items.get(key), key
    exported = out.export_figure()
    texts = [a.text for a in exported.layout.annotations]
    assert f"<b>{DEMO_LABEL}</b>" in texts and any("data version" in (t or "") for t in texts)


PHONE_AXIS_CHARS = 42  # a 390 px phone leaves about 300 px of plot: about 42 characters at 14 px


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_horizontal_axis_title_fits_a_phone(data, name: str) -> None:
    layout = build(name, data, SEL).figure.layout
    titles = [layout[k].title.text for k in layout if k.startswith("xaxis") and layout[k].title.text]
    assert all(len(t) <= PHONE_AXIS_CHARS for t in titles), titles


def test_file_names_say_what_the_file_is(data) -> None:
    out = build("referrals_pilot_vs_control", data, SEL)
    assert out.file_name("png") == "referrals_pilot_vs_control_cps-area_2019-01_2023-06.png"
    total = build("referrals_pilot_vs_control", data, replace(SEL, frequency="month"), measure="total")
    assert total.file_name("csv") == "referrals_pilot_vs_control_total_cps-area_2019-01_2023-06.csv"


def test_subtitles_say_the_index_only_where_there_is_one(data) -> None:
    assert "index: 2019 average = 100" in build("referrals_pilot_vs_control", data, SEL).text.subtitle
    for name, options in (
        ("report_to_file_share_filed", {}),
        ("referrals_pilot_vs_control", {"measure": "total"}),
        ("charge_rate_pilot_vs_control", {}),
    ):
        subtitle = build(name, data, SEL, **options).text.subtitle
        assert "index" not in subtitle and "CPS Areas" in subtitle and "controls:" in subtitle
    assert "quarterly" not in build("report_to_file_share_filed", data, SEL).text.subtitle
    assert SEL.describe(index=False, frequency=False).startswith("CPS Areas, 01 Jan 2019 to 10 Jul 2023")


def test_unknown_chart_and_option_are_refused(data) -> None:
    with pytest.raises(KeyError, match="unknown chart"):
        build("pie", data, SEL)
    with pytest.raises(ValueError, match="measure"):
        build("referrals_pilot_vs_control", data, SEL, measure="median")


def test_monthly_force_figures_are_withheld_on_the_page_and_in_every_table(data) -> None:
    out = build("referrals_by_area", data, FORCE_MONTH)
    shown = out.table.display()
    assert (shown.get_column("value") == dc.CONFIDENTIAL).sum() > 0
    assert out.table.legend()[0].startswith("[c] confidential")
    values = [v for v in shown.get_column("value").to_list() if v not in dc.SYMBOLS and v is not None]
    assert not [v for v in values if 1 <= float(v) <= 4]
    # the chart draws a withheld value as a gap (None), never as zero
    drawn = [y for trace in out.figure.data for y in (trace.y or ()) if trace.x != (None,)]
    assert None in drawn
    assert out.caption == chart_parts.GAP_NOTE and chart_parts.GAP_NOTE in out.text.notes
    pvc = build("referrals_pilot_vs_control", data, FORCE_MONTH)
    assert pvc.table.note.primary > 0 and "Withheld in this table" in pvc.table.note.summary()


# ---- data exports: CSV and Excel (no browser) --------------------------------------------------------


def test_csv_export_reads_back_with_its_notes(data) -> None:
    out = build("early_advice_requests_by_area", data, SEL)
    raw = export_chart(out, "csv")
    head = [ln for ln in raw.decode().splitlines() if ln.startswith("#")]
    assert head[0] == f"# {DEMO_LABEL}" and any("Disclosure control" in ln for ln in head)
    assert any("data version" in ln for ln in head)
    back = pl.read_csv(io.BytesIO(raw), comment_prefix="#", infer_schema_length=0)
    assert back.columns == out.table.frame.columns and back.height == out.table.frame.height
    assert dc.CONFIDENTIAL in back.get_column("value").to_list()  # the demo's small early-advice counts
    assert export_scan.scan("x.csv", raw) == []


def test_xlsx_export_has_data_and_metadata_sheets(data) -> None:
    out = build("early_advice_requests_pilot_vs_control", data, FORCE_MONTH)
    raw = export_chart(out, "xlsx")
    sheets = pl.read_excel(io.BytesIO(raw), sheet_id=0)
    assert list(sheets) == ["Data", "Metadata"]
    table, meta = sheets["Data"], sheets["Metadata"]
    assert table.columns == [out.table.labels[c] for c in out.table.frame.columns]
    assert table.height == out.table.frame.height
    items = dict(zip(meta["Item"], meta["Value"], strict=True))
    assert items["Data version"] == data.provenance().data_version
    assert items["Disclosure control"].startswith("Disclosure control: counts of 1 to 4")
    assert items["Count columns"] == "Total" and "grain=force" in items["Filters (as in the page address)"]
    assert items["Synthetic data"] == DEMO_LABEL
    assert dc.CONFIDENTIAL in table.get_column("Total").cast(pl.String).to_list()


def test_xlsx_and_csv_neutralise_formula_injection() -> None:
    frame = pl.DataFrame(
        {
            "name": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "Durham"],
            "value": [-5, 3, -2, 0, 1, 2],
        }
    )
    raw = table_to_xlsx(frame, [("Title", "=cmd()")])
    sheets = pl.read_excel(io.BytesIO(raw), sheet_id=0)
    names = sheets["Data"].get_column("name").to_list()
    assert names[:4] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)"] and names[-1] == "Durham"
    assert sheets["Data"].get_column("value").to_list()[0] == -5  # numbers stay numbers
    assert sheets["Metadata"].get_column("Value").to_list() == ["'=cmd()"]


def test_the_scan_would_catch_a_small_count() -> None:
    assert export_scan.scan("t.csv", b"# note\nperiod,total\n2020-01-01,3\n2020-02-01,[c]\n") == ["total=3"]
    assert export_scan.scan("t.csv", b"period,total\n2020-01-01,0\n2020-02-01,12\n") == []
    html = (
        b'<table><tr><th data-count="true">Total</th><th>Index</th></tr><tr><td>2</td><td>3</td></tr></table>'
    )
    assert export_scan.scan("t.html", html) == ["2"]
    from soteria.demo.build import demo_secret

    leaked = b"# note " + demo_secret().encode() + b"\nperiod,total\n2020-01-01,12\n"
    assert export_scan.scan("t.csv", leaked) == ["the disclosure-control secret"]
    with pytest.raises(export_scan.SmallCountExported):
        export_scan._observer("bad.csv", b"total\n4\n")


# ---- HTML report (no browser to write it) --------------------------------------------------------


@pytest.fixture(scope="module")
def pack(data) -> report.Pack:
    return report.build_pack(data, SEL)


def test_pack_cover_findings_are_plain_english(pack) -> None:
    assert len(pack.outputs) == len(DEFAULT_PACK) and len(pack.findings) >= 3
    text = " ".join(pack.findings)
    assert "pilot areas" in text and "**" not in text and "95% interval" in text
    assert pack.caveats[0].startswith(DEMO_LABEL)
    # the disclosure rule is said once, in the method notes, not again among the caveats
    rule = dc.DisclosureNote().rule()
    assert not any(rule in c for c in pack.caveats)
    assert sum(rule in text for _, text in pack.method) == 1
    # a clear finding says how much of a departure from parallel trends it survives
    clear = [f for f in pack.findings if "(clear evidence)" in f and not f.startswith("Report to file")]
    assert all("sensitivity to parallel trends" in f for f in clear)


def test_html_report_is_self_contained_with_published_tables(pack) -> None:
    html = report.render(pack, "html").decode()
    assert report.external_references(html) == []
    # plotly.js is inlined (its code mentions URLs it never fetches here); outside scripts, no URL at all
    outside = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", outside, flags=re.IGNORECASE)
    assert all(not re.search(r"\bsrc\s*=", tag) for tag in re.findall(r"<script\b([^>]*)>", html))
    assert html.count('class="plotly-graph-div"') == len(DEFAULT_PACK)
    assert html.count("<table>") == len(DEFAULT_PACK) and 'data-count="true"' in html
    assert DEMO_LABEL in html and "Headline findings" in html and "method notes" in html
    assert html.count(esc(dc.DisclosureNote().rule())) == 1
    # each chart's title and subtitle once: in the section's heading, not again inside the figure
    sections = html.split('<section class="chart-page"')[1:]
    for i, (output, section) in enumerate(zip(pack.outputs, sections, strict=True), start=1):
        assert html.count(f"{i}. {esc(output.text.title)}</h2>") == 1, output.text.title
        assert '"title":{"text":' + json.dumps(output.text.title) not in html, output.text.title
        assert section.count(esc(output.text.subtitle)) == 1, output.text.subtitle
    assert report.external_references('<img src="https://x/y.png">') == ['src="https://']


# ---- images, PDF and PowerPoint: real Chromium ------------------------------------------------------


@browser_test
def test_chart_images_read_back(data) -> None:
    out = build("charge_rate_pilot_vs_control", data, SEL)
    width, height = png_size(export_chart(out, "png"))
    assert width >= 2 * 1100 and height >= 2 * 620
    text = svg_text(export_chart(out, "svg"))
    assert out.text.title in text and DEMO_LABEL in text and "data version" in text
    pages = pdf_text(export_chart(out, "pdf"))
    assert len(pages) == 1 and out.text.title in pages[0]


@pytest.fixture(scope="module")
def pack_pdf(pack) -> bytes:
    return report.render(pack, "pdf")


@browser_test
def test_report_pack_pdf_has_cover_chart_pages_and_appendix(pack, pack_pdf) -> None:
    pages = pdf_text(pack_pdf)
    cover = " ".join(pages[0].split())
    assert pack.title in cover and "Headline findings" in cover and "Caveats" in cover
    assert DEMO_LABEL in cover and pack.provenance.data_version in cover
    charts_at = [i for i, p in enumerate(pages) if re.search(rf"Chart \d of {len(DEFAULT_PACK)}\.", p)]
    assert len(charts_at) == len(DEFAULT_PACK)
    assert charts_at == list(range(charts_at[0], charts_at[0] + len(DEFAULT_PACK)))
    for i, output in zip(charts_at, pack.outputs, strict=True):
        page = " ".join(pages[i].split())
        assert output.text.title.split(":")[0] in page and output.table.note.summary() in page
    method = " ".join(pages[charts_at[-1] + 1].split())
    assert "Appendix: method notes" in method
    # the disclosure rule once in the whole document, in the method notes
    everything = " ".join(" ".join(pages).split())
    assert everything.count(" ".join(dc.DisclosureNote().rule().split()[:12])) == 1
    assert "Appendix: data tables" in everything


@browser_test
def test_report_pack_pdf_pages_are_all_one_orientation(pack_pdf) -> None:
    from pypdf import PdfReader

    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height)))
        for p in PdfReader(io.BytesIO(pack_pdf)).pages
    }
    assert sizes == {(842, 595)}, sizes  # A4 landscape, every page


@browser_test
def test_report_pack_pdf_passes_the_pdf_ua_check(pack, pack_pdf, tmp_path: Path) -> None:
    """The pdfua checker's PDF/UA-1 rules, plus what it cannot read here, read from the structure tree:
    language, title shown, every chart a figure whose alternative text is its summary, tables with
    scoped header cells, no empty heading (pdfua's own heading rule stumbles on WeasyPrint's arrays)."""
    import pikepdf
    from pdfua.validator import Validator

    path = tmp_path / "pack.pdf"
    path.write_bytes(pack_pdf)
    result = Validator().validate(str(path))
    findings = [(o.rule_id, f.message) for o in result.outcomes for f in o.findings]
    assert findings == []
    skipped = {o.rule_id for o in result.outcomes if o.skipped_reason}
    assert skipped <= {"UA-14-001"}, skipped

    from soteria.outputs.pack import tagging

    with pikepdf.open(path) as doc:
        assert str(doc.Root.Lang) == "en-GB" and bool(doc.Root.MarkInfo.Marked)
        assert bool(doc.Root.ViewerPreferences.DisplayDocTitle)
        with doc.open_metadata() as meta:
            assert meta["dc:title"] == pack.title and meta["pdfuaid:part"] == "1"
        found = list(tagging.elements(doc.Root.StructTreeRoot))
        roles = [str(e.S) for e, _ in found]
        alts = [str(e.Alt) for e, _ in found if str(e.S) == "/Figure"]
        assert alts == [o.summary for o in pack.outputs]
        # a table running onto a second page is tagged as a second /Table part by WeasyPrint
        assert roles.count("/Table") >= len(pack.outputs) and "/H1" in roles
        headers = [e for e, _ in found if str(e.S) == "/TH"]
        assert headers and all(str(tagging._table_attributes(e).Scope) == "/Column" for e in headers)
        headings = [e for e, _ in found if str(e.S) in ("/H1", "/H2", "/H3")]
        assert all(list(tagging.elements(h)) for h in headings), "an empty heading"


@browser_test
def test_report_pack_pptx_has_one_slide_per_chart_with_notes(pack) -> None:
    from pptx import Presentation

    from soteria.evaluation.text.words import plain

    deck = Presentation(io.BytesIO(report.render(pack, "pptx")))
    slides = list(deck.slides)
    assert len(slides) == 2 + len(DEFAULT_PACK) + 2
    assert slides[0].shapes.title.text == pack.title
    assert all(slide.shapes.title is not None and slide.shapes.title.text for slide in slides)
    for slide, output in zip(slides[2 : 2 + len(DEFAULT_PACK)], pack.outputs, strict=True):
        assert slide.shapes.title.text == output.text.title
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        assert pictures[0]._element.nvPicPr.cNvPr.get("descr") == output.summary
        assert plain(output.summary) in slide.notes_slide.notes_text_frame.text  # notes as plain text


# ---- the command line -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_db(demo_store, tmp_path_factory) -> Path:
    """A copy of the demo database for the command line (which opens its own connection)."""
    import shutil

    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    shutil.copyfile(demo_store.path, path)
    return path


def cli(db: Path, *args: str):
    try:
        return runner.invoke(app, ["--db", str(db), *args])
    finally:
        close_stores()


def test_cli_lists_charts_and_refuses_bad_input(cli_db, tmp_path: Path) -> None:
    assert {"export", "report"} <= set(command_names())
    listed = cli(cli_db, "export", "--list")
    assert listed.exit_code == 0 and all(name in listed.stdout for name in CHARTS)
    assert cli(cli_db, "export", "pie", "--out", str(tmp_path)).exit_code == 2
    assert cli(cli_db, "export", "referrals_pilot_vs_control", "--format", "gif").exit_code == 2
    bad = cli(cli_db, "export", "report_to_file_share_filed", "--measure", "total")
    assert bad.exit_code == 2 and "--measure" in bad.output
    assert cli(cli_db, "export", "referrals_by_area", "--start", "2019-13-01").exit_code == 2
    assert cli(cli_db, "export", "referrals_by_area", "--exclude", "NOPE").exit_code == 2
    assert cli(cli_db, "report", "--out", str(tmp_path / "x.docx")).exit_code == 2
    assert cli(cli_db, "report", "--out", str(tmp_path / "x.pdf"), "--charts", "pie").exit_code == 2


def test_cli_exports_data_with_filters(cli_db, tmp_path: Path) -> None:
    result = cli(
        cli_db,
        "export",
        "charges_by_area",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path),
        "--grain",
        "force",
        "--frequency",
        "month",
        "--start",
        "2019-01-01",
        "--end",
        "2022-12-31",
    )
    assert result.exit_code == 0, result.output
    written = tmp_path / "charges_by_area_force_2019-01_2022-12.xlsx"
    assert written.exists() and "Withheld in this table" in result.stdout
    assert list(pl.read_excel(written, sheet_id=0)) == ["Data", "Metadata"]
    out = tmp_path / "rates.csv"
    result = cli(
        cli_db,
        "export",
        "charge_rate_pilot_vs_control",
        "--format",
        "csv",
        "--out",
        str(out),
        "--wave",
        "2021 pathfinder",
        "--wave",
        "October 2022",
        "--exclude",
        "CPS-SE",
    )
    assert result.exit_code == 0, result.output
    assert "October 2022" in out.read_text() and "Cymru/Wales" not in out.read_text()


def test_cli_report_writes_a_self_contained_html_pack(cli_db, tmp_path: Path) -> None:
    out = tmp_path / "pack.html"
    result = cli(
        cli_db,
        "report",
        "--out",
        str(out),
        "--charts",
        "referrals_pilot_vs_control,report_to_file_share_filed",
        "--headline",
        "report_to_file",
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.count('class="plotly-graph-div"') == 2 and report.external_references(html) == []
    assert "Last updated: " in html and "Next update: not yet announced" in html


@browser_test
def test_cli_exports_an_image_and_a_pdf_report(cli_db, tmp_path: Path) -> None:
    result = cli(cli_db, "export", "referrals_pilot_vs_control", "--format", "png", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    png = tmp_path / "referrals_pilot_vs_control_cps-area_2019-01_2023-06.png"
    assert png_size(png.read_bytes())[0] >= 2200
    out = tmp_path / "pack.pdf"
    result = cli(
        cli_db,
        "report",
        "--out",
        str(out),
        "--charts",
        "charge_rate_pilot_vs_control",
        "--charts",
        "referrals_by_area",
        "--headline",
        "referrals_change",
    )
    assert result.exit_code == 0, result.output
    pages = pdf_text(out.read_bytes())
    assert sum(bool(re.search(r"Chart \d of 2\.", p)) for p in pages) == 2


def test_pack_file_names_state_the_period_its_charts_cover(data, pack) -> None:
    # the default pack holds case charts (cases reported up to 10 July 2023) and quarterly ones
    assert pack.file_name("pdf") == "soteria_report_cps-area_2019-01_2023-07.pdf"
    ends = {o.file_name("xlsx").rsplit("_", 1)[1] for o in pack.outputs}
    assert "2023-07.xlsx" in ends and pack.file_name("xlsx").endswith(max(ends))
    assert date(2019, 1, 1) == pack.sel.start
    quarterly = report.build_pack(
        data, SEL, ["referrals_pilot_vs_control", "charge_rate_pilot_vs_control"], []
    )
    assert quarterly.file_name("pdf") == "soteria_report_cps-area_2019-01_2023-06.pdf"
    assert all(o.file_name("csv").endswith("_2019-01_2023-06.csv") for o in quarterly.outputs)
