"""Every text in every export is neutralised: a file, sheet or area name cannot become a live formula in
a spreadsheet (OWASP CSV injection), whichever line or cell of the export it lands in."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import polars as pl
import pytest

from soteria.analysis.compare import Selection
from soteria.config import SAMPLES_DIR
from soteria.ingest.load import ingest_file
from soteria.outputs import chart_files, registry
from soteria.outputs.data import store_analyses
from soteria.outputs.export import frame_to_csv, neutral_note, sheet_name, table_to_csv, table_to_xlsx

LIVE = re.compile(r"^[\s\"]*[=+\-@|%]")
HOSTILE = ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", ' =HYPERLINK("x")', "\t=1", '"=1"', "|calc"]


def cells(data: bytes, delimiter: str) -> list[str]:
    """Every cell a spreadsheet would make of the file, comment lines included (Excel opens them too)."""
    text = data.decode("utf-8")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_no_cell_of_a_csv_export_is_a_formula_whatever_the_separator(delimiter: str) -> None:
    frame = pl.DataFrame({h: [h, "ok"] for h in HOSTILE})  # hostile headers and cells
    notes = [f"Source: a{delimiter}{h}{delimiter}b.csv" for h in HOSTILE]
    data = table_to_csv(frame, notes)
    live = [c for c in cells(data, delimiter) if LIVE.match(c)]
    assert live == [], live


def test_neutral_note_and_sheet_name() -> None:
    assert neutral_note("Source: a,=1+2+cmd,b.csv") == "Source: a,'=1+2+cmd,b.csv"
    assert neutral_note("one\nline\r\nonly") == "one line only"
    assert sheet_name("'a[b]:c*d?e/f\\g'") == "a-b--c-d-e-f-g" and sheet_name("x" * 40) == "x" * 31
    assert sheet_name("[]") == "--" and sheet_name("''") == "Data"
    assert frame_to_csv(pl.DataFrame({"=h": [-5]})).decode() == "'=h\n-5\n"  # numbers stay numbers


def test_an_extract_named_as_a_formula_is_plain_text_in_every_export(store, tmp_path) -> None:
    """The attack from the issue: an extract called `a,=1+2+cmd,b.csv` named in every export's Source."""
    hostile = tmp_path / "a,=1+2+cmd,b.csv"
    hostile.write_bytes((SAMPLES_DIR / "metrics_sample.csv").read_bytes())
    ingest_file(store, hostile, "tester")
    data = store_analyses(store)
    output = registry.build("referrals_by_area", data, Selection())
    csv_bytes = chart_files.export_chart(output, "csv")
    assert b"=1+2+cmd" in csv_bytes  # the name is there, as text
    for delimiter in (",", ";"):
        assert [c for c in cells(csv_bytes, delimiter) if LIVE.match(c)] == []
    xlsx = chart_files.export_chart(output, "xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in book.read(n) for n in sheets)  # no formula cell anywhere
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "=1+2+cmd" in strings  # named, as a string cell


def test_xlsx_text_never_starts_a_formula() -> None:
    frame = pl.DataFrame({h: [h] for h in HOSTILE})
    book = table_to_xlsx(frame, [(h, h) for h in HOSTILE], sheet="=Data[1]")
    back = pl.read_excel(io.BytesIO(book), sheet_name="=Data-1-", infer_schema_length=0)
    assert all(c.startswith("'") for c in back.columns)
    meta = pl.read_excel(io.BytesIO(book), sheet_name="Metadata", infer_schema_length=0)
    assert all(v.startswith("'") for v in meta["Value"])
