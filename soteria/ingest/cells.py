"""The one table shape every reader returns: text cells under tidy, unique column names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from soteria.ingest.problems import Problem, file_problem

MAX_COLUMNS = 1000  # real extracts have a handful; thousands would only slow every check down


SAVE_AS = "save it from the spreadsheet as 'CSV UTF-8 (comma delimited)'"


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class Table:
    """The text cells of an uploaded file and how they were read."""

    cells: pl.DataFrame
    file_format: str  # "csv" | "xlsx" | "parquet"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    def describe(self) -> str:
        if self.file_format == "csv":
            return f"CSV ({self.encoding}, {DELIMITERS.get(self.delimiter or ',', 'comma')}-separated)"
        if self.file_format == "xlsx":
            return f"Excel workbook, sheet {self.sheet!r}"
        return "Parquet"


def only_read_errors(exc: BaseException) -> None:
    """Re-raise what is not a reader's error. Rust readers (polars, calamine) signal a crash on a hostile
    file as a PanicException, which derives from BaseException: that too is a damaged file."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def column_key(name: str) -> str:
    """A header name as matched: trimmed, lower-case, runs of spaces and hyphens as one `_`."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _is_unnamed(name: str) -> bool:
    return name == "" or name.startswith("__unnamed__") or bool(re.fullmatch(r"_duplicated_\d+", name))


MAX_HEADER_ROWS = 4
_NUMBER = re.compile(r"[\d.,\s%-]+")
_YEAR = re.compile(r"(?:19|20)\d\d(?:\s*[-/]\s*(?:(?:19|20)\d\d|\d\d))?")  # 2024, 2024-25, 2024/2025


def _text(cell: object) -> str | None:
    return str(cell).strip() or None if cell is not None else None


def header_rows(raw: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, int]:
    """A header over several rows made one: published tables put a year or a metric over a run of
    columns (a merged cell: "2024-25" over "Q1 Q2 Q3 Q4") and sometimes a title row above the table.

    Only when the first row leaves columns unnamed: the rows under it are taken into the header while
    they hold no numbers (a year, or a financial year such as 2024-25, may be one) until every column
    has a name and no name is repeated;
    an upper cell covers the empty cells to its right (never from the first column); a row whose only
    text is in its first cell is a title and is dropped. Otherwise the table is returned as it was and
    `tidy` says what is wrong with its header. Returns the table and the header's last row."""
    names = list(raw.columns)
    blank = [_is_unnamed(column_key(n)) for n in names]
    if not any(blank) or raw.height == 0:
        return raw, first_row
    empty = [
        b and raw.to_series(i).str.strip_chars().replace("", None).null_count() == raw.height
        for i, b in enumerate(blank)
    ]
    keep = [n for n, e in zip(names, empty, strict=True) if not e]
    raw = raw.select(keep)
    upper: list[str | None] = [None if _is_unnamed(column_key(n)) else n.strip() for n in keep]
    for taken in range(1, min(MAX_HEADER_ROWS, raw.height) + 1):
        if upper[0] is not None and not any(upper[1:]):
            upper = [None] * len(upper)  # a title row over the table
        row = [_text(c) for c in raw.row(taken - 1)]
        if any(c and _NUMBER.fullmatch(c) and not _YEAR.fullmatch(c) for c in row):
            return raw, first_row  # a data row: this is not a header over several rows
        labels: list[str | None] = []
        last: str | None = None
        for j, (above, below) in enumerate(zip(upper, row, strict=True)):
            last = above if above is not None else last if j > 0 else None
            cover = above if above is not None else (last if below is not None and j > 0 else None)
            labels.append(" ".join(x for x in (cover, below) if x) or None)
        keys = [column_key(label) for label in labels if label]
        if len(keys) == len(labels) and len(set(keys)) == len(keys):
            named = [label or "" for label in labels]
            return raw.slice(taken).rename(dict(zip(keep, named, strict=True))), first_row + taken
        upper = labels
    return raw, first_row


def tidy(
    raw: pl.DataFrame, file_name: str, first_row: int, max_rows: int, fmt: str, **how: str | None
) -> Table | list[Problem]:
    """Header names matched, cells trimmed (empty = null), spreadsheet row numbers, limits checked."""
    if raw.width == 0:
        return [file_problem(file_name, "the file (or sheet) has no header and no data", "empty_file")]
    if raw.width > MAX_COLUMNS:
        return [
            file_problem(
                file_name,
                f"the file has {raw.width:,} columns; no extract has more than {MAX_COLUMNS:,}",
                "too_many_columns",
                1,
            )
        ]
    raw, first_row = header_rows(raw, first_row)
    names = [column_key(c) for c in raw.columns]
    unnamed = {i for i, n in enumerate(names) if _is_unnamed(n)}
    filled = [
        i
        for i in sorted(unnamed)
        if raw.to_series(i).str.strip_chars().replace("", None).null_count() < raw.height
    ]
    if filled:
        places = ", ".join(str(i + 1) for i in filled)
        return [
            file_problem(
                file_name, f"column {places} has values but no name in the header", "unnamed_column", 1
            )
        ]
    keep = [i for i in range(len(names)) if i not in unnamed]
    named = [names[i] for i in keep]
    bases = [
        m[1] if (m := re.fullmatch(r"(.+?)(_duplicated_\d+|_\d+)", n)) and m[1] in named else n for n in named
    ]
    repeated = sorted({b for b in bases if bases.count(b) > 1})
    if repeated:
        return [
            file_problem(
                file_name,
                f"column {', '.join(repeated)} appears more than once in the header",
                "repeated_column",
                1,
            )
        ]
    originals = [raw.columns[i] for i in keep]
    raw = raw.select(originals).rename(dict(zip(originals, named, strict=True)))
    raw = raw.drop("row", strict=False)
    stripped = raw.select(pl.all().str.strip_chars())  # in two steps: twice as fast as one expression
    cells = stripped.select(pl.when(pl.all().str.len_bytes() > 0).then(pl.all()).name.keep())
    cells = cells.with_row_index("row", offset=first_row + 1).with_columns(pl.col("row").cast(pl.Int64))
    cells = cells.filter(pl.any_horizontal(pl.exclude("row").is_not_null()))
    if cells.height == 0:
        return [file_problem(file_name, "the file has a header but no data rows", "header_only")]
    if cells.height > max_rows:
        return [
            file_problem(
                file_name,
                f"the file has more than {max_rows:,} rows, over the limit (set SOTERIA_MAX_UPLOAD_ROWS)",
                "too_many_rows",
            )
        ]
    return Table(cells, fmt, **how)
