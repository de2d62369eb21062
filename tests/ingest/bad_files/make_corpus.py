"""Write the corpus of bad files (one per rule and per failure mode) and manifest.json describing them.

Run from the project root: .venv/bin/python tests/ingest/bad_files/make_corpus.py
Each manifest entry: file, the extra command-line arguments, environment variables, and a piece of the
message that must name the problem. tests/ingest/test_bad_files.py loads every file with the command line and
checks exit code 2, the message, and that the database content is unchanged.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

HERE = Path(__file__).resolve().parent
M = "area_code,month,metric,value\n"
C = "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason,as_of\n"
OK_M = "E23000014,2024-07,referrals,41\n"
OK_C = "X-1,E23000014,2024-01-15,2024-03-02,2024-06-20,charged,2024-09-30\n"
CJS = (
    "offence_type,stage,priority_area,metric_name,geographic_granularity,geographic_area_name,"
    "date_granularity,time_period,value,reason_for_missing_data\n"
)
REF = (
    "Number of suspects referred by the police to the CPS for either early advice or for a charging decision"
)
STAGE = "Police referral to prosecution by the Crown Prosecution Service (CPS)"


def cjs_row(
    area: str = "Wessex", period: str = "2023 Q3", value: str = "54", reason: str = "", **kw: str
) -> str:
    gran = kw.get("gran", "CPS area")
    dgran = kw.get("dgran", "quarter")
    return f'Adult rape,{STAGE},Outcomes,"{REF}",{gran},{area},{dgran},{period},{value},{reason}\n'


ENTRIES: list[tuple[str, bytes, list[str], dict[str, str], str]] = []


def add(
    name: str,
    data: bytes | str,
    expect: str,
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
):
    ENTRIES.append((name, data.encode() if isinstance(data, str) else data, args or [], env or {}, expect))


def workbook(sheets: dict[str, list[list[object]]], formula: str | None = None, error: bool = False) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
                elif value is not None:
                    sheet.write(r, c, value)
        if formula:
            sheet.write_formula(1, 3, formula, None, 41)
        if error:
            sheet.write_formula(2, 3, "=1/0", None, "#DIV/0!")
    book.close()
    return buf.getvalue()


def parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def build() -> None:
    # -- whole-file failures -------------------------------------------------------------------
    add("empty.csv", b"", "the file is empty")
    add("blank.csv", " \n\n", "the file is empty")
    add("header_only.csv", M, "the file has a header but no data rows")
    add("unknown_columns.csv", "a,b\n1,2\n", "required columns missing: this is not a file of a known kind")
    add(
        "repeated_column.csv",
        "area_code,month,metric,value,Month\nE23000014,2024-07,referrals,4,2024-07\n",
        "column month appears more than once in the header",
    )
    add(
        "unnamed_column.csv",
        "area_code,month,metric,value,\nE23000014,2024-07,referrals,4,oops\n",
        "column 5 has values but no name in the header",
    )
    add(
        "ragged_row.csv",
        M + OK_M + "E23000008,2024-07,referrals,1,9\n",
        "the row has more fields (5) than the header (4)",
    )
    add("truncated.csv", C + OK_C + "X-2,E23000008,2024-0", "the file looks cut short")
    add("unclosed_quote.csv", M + OK_M + 'E23000008,"2024-07,referrals,1\n', "not a readable CSV file")
    add("nul_bytes.csv", b"area_code\x00,month\nE2\x00\n", "holds binary data")
    add("utf16.csv", (M + OK_M).encode("utf-16"), "UTF-16 text")
    add(
        "mis_encoded.csv",
        M.encode() + b"E23000014,2024-07,referrals\x81\x8d,4\n",
        "not UTF-8 or Windows-1252 text",
    )
    add("pdf_named.csv", b"%PDF-1.7\n%binary\n", "holds a PDF document")
    book = workbook(
        {"Metrics": [["area_code", "month", "metric", "value"], ["E23000014", "2024-07", "referrals", 4]]}
    )
    add("workbook_named.csv", book, "the file name ends in .csv but the file holds an Excel workbook")
    add("text_named.xlsx", M + OK_M, "the file name ends in .xlsx but the file holds text (CSV)")
    add("text_named.parquet", M + OK_M, "the file name ends in .parquet but the file holds text (CSV)")
    add(
        "legacy.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),
        "legacy Excel 97-2003 workbooks (.xls)",
    )
    add("notes.json", '{"area_code": "E23000014"}', "files ending .json are not read")
    add("truncated.xlsx", book[: len(book) // 2], "the workbook is damaged or cut short")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    add("plain_zip.xlsx", zipped.getvalue(), "a zip archive, not an Excel workbook")
    good_parquet = parquet(
        pl.DataFrame(
            {"area_code": ["E23000014"], "month": ["2024-07"], "metric": ["referrals"], "value": [4]}
        )
    )
    add(
        "truncated.parquet",
        good_parquet[: len(good_parquet) - 20],
        "the Parquet file is damaged or cut short",
    )
    add(
        "nested.parquet",
        parquet(
            pl.DataFrame(
                {"area_code": ["E23000014"], "month": ["2024-07"], "metric": ["referrals"], "value": [[1, 2]]}
            )
        ),
        "column value holds nested data",
    )
    two = workbook(
        {
            "Metrics": [["area_code", "month", "metric", "value"], ["E23000014", "2024-07", "referrals", 4]],
            "Notes": [["note"], ["checked"]],
        }
    )
    add("several_sheets.xlsx", two, "the workbook has 2 sheets ('Metrics', 'Notes'): choose one")
    add("missing_sheet.xlsx", two, "there is no sheet 'Data'", ["--sheet", "Data"])
    header = ["area_code", "month", "metric", "value"]
    add(
        "formula.xlsx",
        workbook({"Metrics": [header, ["E23000014", "2024-07", "referrals", None]]}, formula="=40+1"),
        "cell D2 holds a formula (=40+1)",
    )
    add(
        "error_cell.xlsx",
        workbook(
            {
                "Metrics": [
                    header,
                    ["E23000014", "2024-07", "referrals", 4],
                    ["E23000014", "2024-08", "referrals", None],
                ]
            },
            error=True,
        ),
        "cell D3 holds an Excel error",
    )
    add("empty_sheet.xlsx", workbook({"Metrics": []}), "the sheet 'Metrics' is empty")
    add(
        "too_large.csv",
        M + OK_M * 200,
        "over the upload limit of 0.001 MB",
        env={"SOTERIA_MAX_UPLOAD_MB": "0.001"},
    )
    add(
        "too_many_rows.csv",
        M + OK_M + "E23000008,2024-07,referrals,1\nE23000009,2024-07,referrals,1\n",
        "the file has more than 2 rows",
        env={"SOTERIA_MAX_UPLOAD_ROWS": "2"},
    )
    add("wrong_kind_forced.csv", M + OK_M, "required columns missing for a cases file", ["--kind", "cases"])

    # -- area-month metrics ----------------------------------------------------------------------
    add(
        "metrics_missing_column.csv",
        "area_code,month,metric\nE23000014,2024-07,referrals\n",
        "required columns missing for a metrics file: value (found: area_code, month, metric)",
    )
    add(
        "metrics_unknown_area.csv",
        M + OK_M + "E99999999,2024-07,referrals,3\n",
        "3: area_code: not a known area code or area name (value 'E99999999')",
    )
    add(
        "metrics_ambiguous_area.csv",
        "area,month,metric,value\nWest Midlands,2024-07,referrals,3\n",
        "area: the area name matches more than one area: CPS-WM (West Midlands, CPS Area) or E23000014",
    )
    add(
        "metrics_bad_month.csv",
        M + "E23000014,2024-13,referrals,3\n",
        "month: month must be a month like 2023-04",
    )
    add(
        "metrics_mid_month.csv",
        M + "E23000014,2024-07-15,referrals,3\n",
        "a month given as a date must be the first day of the month",
    )
    add(
        "metrics_month_before_2015.csv",
        M + "E23000014,Dec 2014,referrals,3\n",
        "month must lie between 2015-01",
    )
    add(
        "metrics_month_after_as_of.csv",
        M + "E23000014,2024-10,referrals,3\n",
        "month must lie between 2015-01 and the month of the extract's as-of date (2024-09-30)",
        ["--as-of", "2024-09-30"],
    )
    add(
        "metrics_negative.csv",
        M + "E23000014,2024-07,referrals,-3\n",
        "value must be a whole number of 0 or more",
    )
    add(
        "metrics_fraction.csv",
        M + "E23000014,2024-07,referrals,2.5\n",
        "value must be a whole number of 0 or more",
    )
    add("metrics_text_value.csv", M + "E23000014,2024-07,referrals,n/a\n", "(value 'n/a')")
    add(
        "metrics_empty_value.csv", M + "E23000014,2024-07,referrals,\n", "value: value must be a whole number"
    )
    add(
        "metrics_value_and_reason.csv",
        "area_code,month,metric,value,missing_reason\nE23000014,2024-07,referrals,3,Suppressed\n",
        "give either a value or a missing_reason, not both",
    )
    add("metrics_unknown_metric.csv", M + "E23000014,2024-07,arrests,3\n", "metric must be one of referrals")
    add(
        "metrics_duplicate.csv",
        M + OK_M + "E23000014,2024-07-01,referrals,4\n",
        "duplicate (area, month, metric) in this file, also on row 2",
    )
    add(
        "wide_unknown_column.csv",
        "area_code,month,referrals,arrests\nE23000014,2024-07,4,1\n",
        "column arrests is not a known metric",
    )
    add(
        "wide_bad_cell.csv",
        "area_code,month,referrals,charges\nE23000014,2024-07,4,-1\n",
        "2: charges: value must be a whole number of 0 or more (or empty with a missing_reason) (value '-1')",
    )

    # -- case timelines ----------------------------------------------------------------------------
    add(
        "cases_missing_column.csv",
        "case_ref,force_code,reported_on\nX-1,E23000014,2024-01-15\n",
        "required columns missing for a cases file: file_submitted_on, closed_on, closure_reason",
    )
    add(
        "cases_no_as_of.csv",
        C.replace(",as_of", "") + OK_C.rsplit(",", 1)[0] + "\n",
        "a case extract needs its as-of date",
    )
    add(
        "cases_mixed_as_of.csv",
        C + OK_C + "X-2,E23000008,2024-02-01,,,,2024-10-31\n",
        "as_of must be the same date on every row",
    )
    add(
        "cases_as_of_conflict.csv",
        C + OK_C,
        "the file's as_of column says 2024-09-30 but the as-of date given",
        ["--as-of", "2024-10-31"],
    )
    add("cases_as_of_future.csv", C + "X-1,E23000014,2024-01-15,,,,2099-01-01\n", "is in the future")
    add(
        "cases_unknown_force.csv",
        C + "X-1,CPS-WM,2024-01-15,,,,2024-09-30\n",
        "force_code is not a known police force area code or name",
    )
    add(
        "cases_bad_date.csv",
        C + "X-1,E23000014,2024/01/15,,,,2024-09-30\n",
        "reported_on must be a date like",
    )
    add(
        "cases_impossible_date.csv",
        C + "X-1,E23000014,2024-01-15,2024-02-30,,,2024-09-30\n",
        "file_submitted_on must be a date like 2023-04-17 or 17/04/2023, or empty",
    )
    add(
        "cases_before_2015.csv",
        C + "X-1,E23000014,2014-12-31,,,,2024-09-30\n",
        "dates must lie between 2015-01-01",
    )
    add(
        "cases_after_as_of.csv",
        C + "X-1,E23000014,2024-01-15,2024-03-02,2024-10-01,charged,2024-09-30\n",
        "dates must lie between 2015-01-01 and the extract's as-of date (2024-09-30)",
    )
    add(
        "cases_file_before_report.csv",
        C + "X-1,E23000014,2024-03-15,2024-03-02,,,2024-09-30\n",
        "reported_on must be on or before file_submitted_on",
    )
    add(
        "cases_closed_before_report.csv",
        C + "X-1,E23000014,2024-03-15,,2024-03-01,police_nfa,2024-09-30\n",
        "reported_on must be on or before closed_on",
    )
    add(
        "cases_bad_reason.csv",
        C + "X-1,E23000014,2024-01-15,,2024-02-01,dropped,2024-09-30\n",
        "closure_reason is not in the value mapping: map it to one of police_nfa, victim_withdrawal, "
        "charged, cps_no_charge, other",
    )
    add(
        "cases_closed_without_reason.csv",
        C + "X-1,E23000014,2024-01-15,,2024-02-01,,2024-09-30\n",
        "closure_reason must be given when closed_on is given",
    )
    add(
        "cases_reason_without_date.csv",
        C + "X-1,E23000014,2024-01-15,,,police_nfa,2024-09-30\n",
        "closed_on must be given when closure_reason is given",
    )
    add(
        "cases_duplicate.csv",
        C + OK_C + "X-1,E23000008,2024-02-01,,,,2024-09-30\n",
        "duplicate case_ref in this file, also on row 3",
    )
    add("cases_empty_ref.csv", C + ",E23000014,2024-01-15,,,,2024-09-30\n", "case_ref must not be empty")
    add(
        "cases_demo_ref.csv",
        C + "DEMO-1,E23000014,2024-01-15,,,,2024-09-30\n",
        "case_ref must not start with DEMO-",
    )
    add("cases_no_reported.csv", C + "X-1,E23000014,,,,,2024-09-30\n", "reported_on must not be empty")

    # -- MoJ CJS Delivery Data Dashboard -------------------------------------------------------
    add(
        "cjs_missing_column.csv",
        CJS.replace(",reason_for_missing_data", "") + cjs_row().rsplit(",", 1)[0] + "\n",
        "required columns missing for a cjs file: reason_for_missing_data",
    )
    add(
        "cjs_bad_quarter.csv",
        CJS + cjs_row(period="Feb-Apr 2023"),
        "time_period must be a quarter like 2024 Q2",
    )
    add(
        "cjs_unknown_area.csv",
        CJS + cjs_row(area="Atlantis"),
        "geographic_area_name: geographic_area_name is not a known area",
    )
    add("cjs_unknown_granularity.csv", CJS + cjs_row(gran="Region"), "geographic_granularity must be one of")
    add("cjs_unknown_date_granularity.csv", CJS + cjs_row(dgran="monthly"), "date_granularity must be one of")
    add(
        "cjs_missing_without_reason.csv",
        CJS + cjs_row(value=""),
        "value must be a whole number of 0 or more, or empty with a reason_for_missing_data",
    )
    add("cjs_negative.csv", CJS + cjs_row(value="-4"), "value must be a whole number")
    add(
        "cjs_duplicate.csv",
        CJS + cjs_row() + cjs_row(period="Q3 2023"),
        "the same area, quarter and metric appear more than once",
    )
    add(
        "cjs_quarter_after_as_of.csv",
        CJS + cjs_row(period="2024 Q4"),
        "the quarter must start between",
        ["--as-of", "2024-09-30"],
    )
    add(
        "cjs_only_national.csv",
        CJS + cjs_row(gran="National", area="England and Wales"),
        "nothing to load: every row was skipped",
    )


def main() -> None:
    build()
    for old in HERE.iterdir():
        if old.name not in ("make_corpus.py", "manifest.json", "__init__.py") and old.is_file():
            old.unlink()
    manifest = []
    for name, data, args, env, expect in ENTRIES:
        (HERE / name).write_bytes(data)
        manifest.append({"file": name, "args": args, "env": env, "expect": expect})
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(manifest)} bad files and manifest.json")


if __name__ == "__main__":
    main()
