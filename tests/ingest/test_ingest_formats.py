"""File formats and layouts: encodings, delimiters, Excel (sheets, dates, formulas, where the table
starts), Parquet, wide metrics, areas by name, month forms."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
import pytest
import xlsxwriter

from soteria import reference
from soteria.ingest.area_names import AreaLookup, name_key
from soteria.ingest.cells import Table
from soteria.ingest.extract import read_extract
from soteria.ingest.readers import read_table, sheet_names

AS_OF = date(2024, 9, 30)
AREAS = reference.read_areas()
CASES = "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason"


def workbook(sheets: dict[str, list[list[object]]], start: tuple[int, int] = (0, 0)) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                at = (start[0] + r, start[1] + c)
                if isinstance(value, datetime):
                    sheet.write_datetime(*at, value, day)
                elif value is not None:
                    sheet.write(*at, value)
    book.close()
    return buf.getvalue()


@pytest.mark.parametrize(
    ("encoding", "separator", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", "\t", False), ("cp1252", ";", False)],
)
def test_csv_in_utf8_or_windows_1252_with_comma_semicolon_or_tab(encoding, separator, bom):
    text = (
        separator.join(CASES.split(","))
        + "\n"
        + separator.join(["CAFÉ-1", "Devon & Cornwall", "2024-01-15", "", "", ""])
    )
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    parsed = read_extract(data, "c.csv", AREAS, AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None and parsed.frame["case_ref"].to_list() == ["CAFÉ-1"]
    assert parsed.frame["force_code"].to_list() == ["E23000035"]
    assert parsed.table is not None and parsed.table.delimiter == separator
    assert parsed.table.encoding == (
        "Windows-1252" if encoding == "cp1252" else "UTF-8 with BOM" if bom else "UTF-8"
    )


def test_a_quoted_field_may_hold_the_separator():
    data = b'area,month,metric,value\n"Devon & Cornwall, Police",2024-07,"referrals",1\n'
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.frame is not None
    assert parsed.frame["area_code"].to_list() == ["E23000035"]


def test_excel_sheet_is_read_with_its_own_row_numbers_dates_and_names():
    rows = [
        ["Area", "Month", "Metric", "Value"],
        ["Avon and Somerset", datetime(2024, 7, 1), "Referrals", 52],
        ["Avon and Somerset", datetime(2024, 8, 1), "Referrals", -1],
    ]
    data = workbook({"Figures": rows}, start=(2, 1))
    parsed = read_extract(data, "m.xlsx", AREAS, AS_OF)
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [(5, "value", "-1")]
    rows[2][3] = 49
    parsed = read_extract(workbook({"Figures": rows}, start=(2, 1)), "m.xlsx", AREAS, AS_OF)
    assert parsed.ok and parsed.table is not None and parsed.table.sheet == "Figures"
    assert parsed.frame is not None
    assert parsed.frame.select("area_code", "month", "value").rows() == [
        ("E23000036", date(2024, 7, 1), 52.0),
        ("E23000036", date(2024, 8, 1), 49.0),
    ]


def test_a_workbook_with_several_sheets_needs_the_sheet_chosen():
    cases = [CASES.split(","), ["X-1", "E23000014", datetime(2024, 1, 15), None, None, None]]
    data = workbook({"Read me": [["About this extract"]], "Cases": cases})
    assert sheet_names(data) == ["Read me", "Cases"]
    unchosen = read_extract(data, "c.xlsx", AREAS, AS_OF)
    assert unchosen.problems[0].code == "sheet_choice" and "'Read me', 'Cases'" in unchosen.problems[0].rule
    chosen = read_extract(data, "c.xlsx", AREAS, AS_OF, sheet="Cases")
    assert chosen.ok and chosen.frame is not None
    assert chosen.frame["reported_on"].to_list() == [date(2024, 1, 15)]
    assert sheet_names(b"area_code\n") == []


def test_excel_formulas_and_errors_are_reported_cell_by_cell():
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Metrics")
    sheet.write_row(0, 0, ["area_code", "month", "metric", "value"])
    sheet.write_row(1, 0, ["E23000014", "2024-07", "referrals"])
    sheet.write_formula(1, 3, "=SUM(40,1)", None, 41)
    sheet.write_row(2, 0, ["E23000014", "2024-08", "referrals"])
    sheet.write_formula(2, 3, "=1/0", None, "#DIV/0!")
    book.close()
    table = read_table(buf.getvalue(), "m.xlsx")
    assert isinstance(table, list)
    assert [(p.row, p.column, p.code) for p in table] == [
        (2, "value", "excel_formula"),
        (3, "value", "excel_error"),
    ]
    assert table[0].rule == "cell D2 holds a formula (=SUM(40,1)): paste values only (Paste Special > Values)"


def _with_part(data: bytes, part: str, body: bytes = b"x") -> bytes:
    """The workbook with one more part, as Excel writes a macro project or an external link."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr(part, body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("part", "words"),
    [
        ("xl/vbaProject.bin", "macros (a VBA project) in xl/vbaProject.bin"),
        (
            "xl/externalLinks/externalLink1.xml",
            "links to other workbooks (external links) in xl/externalLinks/",
        ),
        ("xl/connections.xml", "data connections"),
    ],
)
@pytest.mark.parametrize("name", ["m.xlsm", "m.xlsx"])
def test_a_workbook_with_macros_or_links_is_refused_naming_the_part(part: str, words: str, name: str) -> None:
    rows = [["area_code", "month", "metric", "value"], ["E23000014", "2024-07", "referrals", "41"]]
    data = _with_part(workbook({"Metrics": rows}), part)
    problems = read_table(data, name)
    assert isinstance(problems, list) and [p.code for p in problems] == ["active_content"]
    assert words in problems[0].rule and problems[0].file == name
    assert isinstance(read_table(workbook({"Metrics": rows}), name), Table)  # the same sheet without it


def test_parquet_with_typed_columns_is_read():
    frame = pl.DataFrame(
        {
            "case_ref": ["P-1", "P-2"],
            "force_code": ["E23000008", "Durham Constabulary"],
            "reported_on": [date(2024, 1, 2), date(2024, 2, 3)],
            "file_submitted_on": [datetime(2024, 3, 1), None],
            "closed_on": [None, None],
            "closure_reason": [None, None],
        },
        schema_overrides={"closed_on": pl.Date, "closure_reason": pl.String},
    )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    parsed = read_extract(buf.getvalue(), "c.parquet", AREAS, AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None
    assert parsed.frame.select("force_code", "reported_on", "file_submitted_on").rows() == [
        ("E23000008", date(2024, 1, 2), date(2024, 3, 1)),
        ("E23000008", date(2024, 2, 3), None),
    ]


def test_wide_metrics_report_the_metric_column_and_load_non_empty_cells():
    data = b"area_code,month,referrals,charges\nE23000014,2024-07,4,-1\nE23000014,2024-08,5,\n"
    bad = read_extract(data, "w.csv", AREAS, AS_OF)
    assert bad.layout == "wide"
    assert [(p.row, p.column, p.value) for p in bad.problems] == [(2, "charges", "-1")]
    good = read_extract(data.replace(b"-1", b"[c]"), "w.csv", AREAS, AS_OF)
    assert good.ok and good.frame is not None
    assert good.frame.rows() == [
        ("E23000014", date(2024, 7, 1), "referrals", 4.0, None),
        ("E23000014", date(2024, 7, 1), "charges", None, "[c] confidential"),
        ("E23000014", date(2024, 8, 1), "referrals", 5.0, None),
    ]


def test_wide_duplicate_rows_are_reported_once_per_row():
    data = b"area_code,month,referrals,charges\nE23000014,2024-07,4,1\nE23000014,2024-07,5,2\n"
    parsed = read_extract(data, "w.csv", AREAS, AS_OF)
    assert [(p.row, p.code) for p in parsed.problems] == [(2, "metric_key_unique"), (3, "metric_key_unique")]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Avon & Somerset", "E23000036"),
        ("avon and somerset constabulary", "E23000036"),
        ("  AVON-AND-SOMERSET ", "E23000036"),
        ("City of London", "E23000034"),
        ("London, City of", "E23000034"),
        ("West Midlands Police", "E23000014"),
        ("CPS West Midlands", "CPS-WM"),
        ("Cymru/Wales", "CPS-CYM"),
        ("CPS Wales", "CPS-CYM"),
        ("cps-wm", "CPS-WM"),
        ("e23000014", "E23000014"),
        ("West Midlands", None),
        ("Atlantis", None),
    ],
)
def test_areas_by_code_or_unambiguous_name(text, code):
    lookup = AreaLookup.build(AREAS)
    found = pl.DataFrame({"t": [text]}).select(lookup.code(pl.col("t"))).item()
    assert found == code
    assert name_key("Devon & Cornwall") == name_key("devon and cornwall")


def test_an_ambiguous_area_name_says_which_areas_it_matches():
    data = b"area,month,metric,value\nWest Midlands,2024-07,referrals,3\n"
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [(2, "area", "area_code_unambiguous")]
    assert parsed.problems[0].rule == (
        "the area name matches more than one area: CPS-WM (West Midlands, CPS Area) or E23000014 "
        "(West Midlands, police force area); give the area code"
    )


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2023-04", date(2023, 4, 1)),
        ("2023-04-01", date(2023, 4, 1)),
        ("Apr 2023", date(2023, 4, 1)),
        ("april 2023", date(2023, 4, 1)),
        ("Sept-2023", date(2023, 9, 1)),
        ("45017", date(2023, 4, 1)),
        ("2023-04-01 00:00:00", date(2023, 4, 1)),
    ],
)
def test_month_forms(text, month):
    parsed = read_extract(
        f"area_code,month,metric,value\nE23000014,{text},referrals,3\n".encode(), "m.csv", AREAS, AS_OF
    )
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None and parsed.frame["month"].to_list() == [month]


@pytest.mark.parametrize("text", ["2023-4", "04/2023", "Aprl 2023", "2023-13", "Q2 2023", "36000"])
def test_other_month_forms_are_refused(text):
    parsed = read_extract(
        f"area_code,month,metric,value\nE23000014,{text},referrals,3\n".encode(), "m.csv", AREAS, AS_OF
    )
    assert [p.code for p in parsed.problems] == ["month_format"]
