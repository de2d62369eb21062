"""CSV and text files: the encoding, the delimiter and ragged rows, each told as the evaluator can fix it."""

from __future__ import annotations

import io
import re

import polars as pl

from soteria.ingest.cells import DELIMITERS, SAVE_AS, Table, tidy
from soteria.ingest.problems import Problem, file_problem

MAX_CELL_PROBLEMS = 1000  # formula/error cells and ragged rows reported one by one, then counted


def _decode(data: bytes, file_name: str) -> tuple[bytes, str] | list[Problem]:
    """UTF-8 bytes and the encoding they were in (UTF-8 or Windows-1252), or the problem."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        data.decode("utf-8")
        return data, "UTF-8 with BOM" if bom else "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("cp1252").encode("utf-8"), "Windows-1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [
            file_problem(
                file_name,
                f"not UTF-8 or Windows-1252 text: byte 0x{data[exc.start]:02x} (first unreadable byte at "
                f"offset {first_bad:,}) cannot be read; {SAVE_AS}",
                "not_utf8",
                line,
            )
        ]


def _delimiter(header: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in DELIMITERS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _ragged_rows(data: bytes, sep: str, fields: int, file_name: str) -> list[Problem]:
    """Rows with more or fewer fields than the header (the last one often means a file cut short)."""
    unused = next((c for c in "\x1f\x1e\x1d\x1c\x01\x02" if c.encode() not in data), None)
    if unused is None:
        return []
    lines = pl.read_csv(
        io.BytesIO(data),
        has_header=False,
        separator=unused,
        quote_char=None,
        infer_schema=False,
        new_columns=["line"],
    ).with_row_index("row", offset=1)
    text = pl.col("line").str.strip_chars_end("\r")
    if lines.select((text.str.count_matches('"', literal=True) % 2 == 1).any()).item():
        return []  # quoted line breaks: physical lines are not rows; polars reports real damage
    counted = lines.filter(text.is_not_null() & (text != "")).select(
        pl.col("row").cast(pl.Int64),
        (text.str.replace_all(r'"[^"]*"', "").str.count_matches(sep, literal=True) + 1).alias("n"),
    )
    bad = counted.filter(pl.col("n") != fields)
    last = counted["row"].max()
    problems = []
    for row, n in bad.head(MAX_CELL_PROBLEMS).iter_rows():
        cut = " (the file looks cut short)" if row == last and n < fields and not data.endswith(b"\n") else ""
        word = "more" if n > fields else "fewer"
        problems.append(
            Problem(
                file_name,
                row,
                None,
                None,
                f"the row has {word} fields ({n}) than the header ({fields}){cut}",
                "ragged_row",
            )
        )
    return problems


def _unclosed_quote_row(data: bytes) -> int:
    """The row (as a spreadsheet counts, header = 1) where the quote that is never closed opens."""
    opened, inside = 1, False
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.count(b'"') % 2:
            if not inside:
                opened = number
            inside = not inside
    return opened


def read_csv(data: bytes, file_name: str, max_rows: int) -> Table | list[Problem]:
    decoded = _decode(data, file_name)
    if isinstance(decoded, list):
        return decoded
    data, encoding = decoded
    end = data.find(b"\n")
    header = data[: end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    sep = _delimiter(header)
    fields = len(re.sub(r'"[^"]*"', "", header).split(sep))
    # Fast check for rows of the wrong length: every row has fields - 1 separators unless quoted.
    rows_total = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    blank = len(re.findall(rb"(?:^|\n)\r?(?=\n|$)", data)) if b"\n\n" in data or b"\n\r\n" in data else 0
    if data.count(b'"') % 2:
        row = _unclosed_quote_row(data)
        rule = f"a quoted field opened on row {row} is never closed (a double quote without its pair)"
        return [file_problem(file_name, f"not a readable CSV file: {rule}", "csv_unclosed_quote", row)]
    if b'"' in data or data.count(sep.encode()) != (fields - 1) * (rows_total - blank):
        ragged = _ragged_rows(data, sep, fields, file_name)
        if ragged:
            return ragged
    try:
        raw = pl.read_csv(io.BytesIO(data), separator=sep, infer_schema=False, n_rows=max_rows + 1)
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).strip().splitlines()[0]
        if "more fields" in reason:
            reason = "a row has more fields than the header"
        elif "could not parse" in reason or "quote" in reason:
            reason = "a quoted field is not closed (an odd number of double quotes)"
        return [file_problem(file_name, f"not a readable CSV file: {reason}", "csv_syntax")]
    return tidy(raw, file_name, 1, max_rows, "csv", encoding=encoding, delimiter=sep)
