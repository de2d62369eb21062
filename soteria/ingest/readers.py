"""Readers for uploaded files: bytes in, a table of text cells out (or the problems that stop reading).

Every reader returns the same shape, so validation does not care where the cells came from: one String
column per header name (trimmed, lower-case, spaces and hyphens as `_`), cells trimmed with empty = null,
wholly blank rows dropped, and `row`, the row number a spreadsheet shows (header = 1, first data row = 2;
in Excel the sheet's own row numbers, wherever the table starts).

- CSV: UTF-8 (with or without a byte order mark) or Windows-1252; comma, semicolon or tab, taken from the
  header line. Rows with more or fewer fields than the header are reported with their row numbers.
- Excel `.xlsx`: one sheet (it must be chosen when the workbook has several); cells holding formulas or
  errors are reported (a formula's cached value may be stale: paste values). Dates arrive as
  `YYYY-MM-DD 00:00:00` text.
- Parquet: any flat table; dates arrive as ISO text.
The file's content decides how it is read; a content that does not match the file's extension is reported."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import PurePath

from soteria.ingest.cells import SAVE_AS, Table, only_read_errors
from soteria.ingest.problems import Problem, file_problem
from soteria.ingest.read_csv import read_csv
from soteria.ingest.read_parquet import read_parquet
from soteria.ingest.read_xlsx import read_xlsx, zip_bomb_reason

DEFAULT_MAX_MB = 200


DEFAULT_MAX_ROWS = 5_000_000


# What a file's content is, by its first bytes; and what each extension promises.
CONTENT = {
    "text": "text (CSV)",
    "zip": "an Excel workbook (or another zip archive)",
    "ole2": "a legacy Excel 97-2003 (.xls) or password-protected workbook",
    "parquet": "a Parquet file",
    "utf16": "UTF-16 text",
    "pdf": "a PDF document",
    "binary": "binary data",
}


EXTENSIONS = {
    ".csv": "text",
    ".tsv": "text",
    ".txt": "text",
    ".xlsx": "zip",
    ".xlsm": "zip",
    ".parquet": "parquet",
    ".pq": "parquet",
}


ACCEPTED = "CSV (.csv, .tsv, .txt), Excel (.xlsx) or Parquet (.parquet)"


def max_upload_mb() -> float:
    """The upload size limit in MB: SOTERIA_MAX_UPLOAD_MB, else 200."""
    return float(os.environ.get("SOTERIA_MAX_UPLOAD_MB") or DEFAULT_MAX_MB)


def max_upload_rows() -> int:
    """The upload row limit: SOTERIA_MAX_UPLOAD_ROWS, else 5 million."""
    return int(os.environ.get("SOTERIA_MAX_UPLOAD_ROWS") or DEFAULT_MAX_ROWS)


def size_reason(size: int, max_mb: float | None = None) -> str | None:
    """Why a file of `size` bytes is too big to upload, or None."""
    limit = max_upload_mb() if max_mb is None else max_mb
    if size <= limit * 1024 * 1024:
        return None
    return (
        f"the file is {size / 1024 / 1024:.1f} MB, over the upload limit of {limit:g} MB "
        "(set SOTERIA_MAX_UPLOAD_MB to change it)"
    )


def content_type(data: bytes) -> str:
    """What the bytes hold, by their signature: a key of CONTENT, or "empty"."""
    if not data or data.isspace():
        return "empty"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    if data.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in data:
        return "binary"
    return "text"


def read_table(
    data: bytes, file_name: str, *, sheet: str | None = None, max_rows: int | None = None
) -> Table | list[Problem]:
    """The file's cells, or the problems that stop it being read (each with a stable code)."""
    limit = max_upload_rows() if max_rows is None else max_rows
    content = content_type(data)
    if content == "empty":
        return [file_problem(file_name, "the file is empty", "empty_file")]
    ext = PurePath(file_name).suffix.lower()
    if ext == ".xls":
        return [
            file_problem(
                file_name,
                "legacy Excel 97-2003 workbooks (.xls) are not read: save it as Excel Workbook (.xlsx) "
                "or CSV",
                "unsupported_type",
            )
        ]
    if ext and ext not in EXTENSIONS:
        return [
            file_problem(file_name, f"files ending {ext} are not read: load {ACCEPTED}", "unsupported_type")
        ]
    expected = EXTENSIONS.get(ext)
    if expected and content != expected:
        advice = {"text": SAVE_AS, "zip": "save it as Excel Workbook (.xlsx)", "parquet": "export it again"}
        hint = (
            f"rename it to match, or {advice[expected]}"
            if content in EXTENSIONS.values()
            else advice[expected]
        )
        return [
            file_problem(
                file_name,
                f"the file name ends in {ext} but the file holds {CONTENT[content]}: {hint}",
                "wrong_type",
            )
        ]
    if content == "utf16":
        return [file_problem(file_name, f"the file is UTF-16 text, not UTF-8: {SAVE_AS}", "not_utf8")]
    if content in ("ole2", "pdf", "binary"):
        return [
            file_problem(file_name, f"not a file that can be read: it holds {CONTENT[content]}", "binary")
        ]
    if content == "zip":
        return read_xlsx(data, file_name, sheet, limit)
    if content == "parquet":
        return read_parquet(data, file_name, limit)
    return read_csv(data, file_name, limit)


def sheet_names(data: bytes) -> list[str]:
    """The sheets of an Excel workbook, in order; [] for anything else (or a damaged workbook)."""
    if content_type(data) != "zip":
        return []
    try:
        import fastexcel

        if zip_bomb_reason(zipfile.ZipFile(io.BytesIO(data))):
            return []  # refused, with the reason, when it is read
        return list(fastexcel.read_excel(data).sheet_names)
    except BaseException as exc:  # noqa: BLE001 - a damaged workbook is reported when it is read
        only_read_errors(exc)
        return []
