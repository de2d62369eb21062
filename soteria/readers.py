"""Readers for uploaded files: bytes in, a frame of text cells out (or the reason it cannot be read).

Every reader returns the same shape, so validation does not care where the cells came from: one String
column per header name (trimmed, lower-case), cells trimmed with empty = null, wholly blank rows dropped,
and `row`, the row number a spreadsheet shows (header = 1, first data row = 2). Excel, Parquet and the
MoJ long CSV plug in here as further readers.
"""

from __future__ import annotations

import io
import os
import re

import polars as pl

DEFAULT_MAX_MB = 200
DEFAULT_MAX_ROWS = 5_000_000
SAVE_AS = "save it from the spreadsheet as 'CSV UTF-8 (comma delimited)'"


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


def read_csv_cells(data: bytes, max_rows: int) -> pl.DataFrame | tuple[int | None, str]:
    """The text cells of a CSV (stripped, empty = null) with spreadsheet row numbers in `row`,
    or (row, reason) when it is not a usable CSV. Header names are trimmed and lower-cased."""
    if not data.strip():
        return None, "the file is empty"
    if data.startswith(b"PK\x03\x04") or b"\x00" in data:
        return None, f"not a CSV file: it holds binary data (a workbook or zip archive?); {SAVE_AS}"
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return line, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be read; {SAVE_AS}"
    try:
        raw = pl.read_csv(io.BytesIO(data), infer_schema=False, n_rows=max_rows + 1)
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).strip().splitlines()[0]
        if "more fields" in reason:
            reason = "a row has more fields than the header"
        return None, f"not a readable CSV file: {reason}"
    names = [c.strip().lower() for c in raw.columns]
    repeated = sorted(
        {m[1] for n in names if (m := re.fullmatch(r"(.+)_duplicated_\d+", n)) and m[1] in names}
    )
    repeated += sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return 1, f"column {', '.join(repeated)} appears more than once in the header"
    raw = raw.rename(dict(zip(raw.columns, names, strict=True))).drop("row", strict=False)
    cells = raw.select(pl.when(pl.all().str.strip_chars() != "").then(pl.all().str.strip_chars()))
    cells = cells.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))
    cells = cells.filter(pl.any_horizontal(pl.exclude("row").is_not_null()))
    if cells.height == 0:
        return None, "the file has a header but no data rows"
    if cells.height > max_rows:
        return None, f"the file has more than {max_rows:,} rows, over the limit (set SOTERIA_MAX_UPLOAD_ROWS)"
    return cells
