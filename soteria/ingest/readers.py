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
The file's content decides how it is read; a content that does not match the file's extension is reported.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from xml.etree import ElementTree

import polars as pl

from soteria.ingest.problems import Problem, file_problem

DEFAULT_MAX_MB = 200
DEFAULT_MAX_ROWS = 5_000_000
MAX_COLUMNS = 1000  # real extracts have a handful; thousands would only slow every check down
MAX_CELL_PROBLEMS = 1000  # formula/error cells and ragged rows reported one by one, then counted
SAVE_AS = "save it from the spreadsheet as 'CSV UTF-8 (comma delimited)'"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

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
        return _read_xlsx(data, file_name, sheet, limit)
    if content == "parquet":
        return _read_parquet(data, file_name, limit)
    return _read_csv(data, file_name, limit)


def _only_read_errors(exc: BaseException) -> None:
    """Re-raise what is not a reader's error. Rust readers (polars, calamine) signal a crash on a hostile
    file as a PanicException, which derives from BaseException: that too is a damaged file."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def sheet_names(data: bytes) -> list[str]:
    """The sheets of an Excel workbook, in order; [] for anything else (or a damaged workbook)."""
    if content_type(data) != "zip":
        return []
    try:
        import fastexcel

        if _zip_bomb_reason(zipfile.ZipFile(io.BytesIO(data))):
            return []  # refused, with the reason, when it is read
        return list(fastexcel.read_excel(data).sheet_names)
    except BaseException as exc:  # noqa: BLE001 - a damaged workbook is reported when it is read
        _only_read_errors(exc)
        return []


# -- shared tidying --------------------------------------------------------------------------


def column_key(name: str) -> str:
    """A header name as matched: trimmed, lower-case, runs of spaces and hyphens as one `_`."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _is_unnamed(name: str) -> bool:
    return name == "" or name.startswith("__unnamed__") or bool(re.fullmatch(r"_duplicated_\d+", name))


def _tidy(
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
    return Table(cells, fmt, **how)  # type: ignore[arg-type]


# -- CSV -------------------------------------------------------------------------------------


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


def _read_csv(data: bytes, file_name: str, max_rows: int) -> Table | list[Problem]:
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
    return _tidy(raw, file_name, 1, max_rows, "csv", encoding=encoding, delimiter=sep)


# -- Excel -----------------------------------------------------------------------------------

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _sheet_xml(archive: zipfile.ZipFile, sheet: str) -> bytes | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)}
    for node in workbook.iterfind("m:sheets/m:sheet", _NS):
        if node.get("name") == sheet:
            target = targets.get(node.get(f"{{{_NS['r']}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return archive.read(path)
    return None


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _formula_and_error_cells(xml: bytes, file_name: str, columns: dict[int, str]) -> list[Problem]:
    if b"<f" not in xml and b't="e"' not in xml:
        return []
    problems = []
    for match in _CELL.finditer(xml):
        letters, row, attrs, body = match.groups()
        is_error = b't="e"' in attrs
        if not is_error and not (body and b"<f" in body):
            continue
        column = columns.get(_column_index(letters.decode()), f"column {letters.decode()}")
        cell = f"{letters.decode()}{int(row)}"
        value = re.search(rb"<v>(.*?)</v>", body or b"")
        shown = value[1].decode("utf-8", "replace") if value else None
        if is_error:
            rule = f"cell {cell} holds an Excel error: fix the formula or type the value"
            code = "excel_error"
        else:
            formula = re.search(rb"<f[^>]*>(.*?)</f>", body or b"")
            text = f" (={formula[1].decode('utf-8', 'replace')})" if formula and formula[1] else ""
            rule = f"cell {cell} holds a formula{text}: paste values only (Paste Special > Values)"
            code = "excel_formula"
        problems.append(Problem(file_name, int(row), column, shown, rule, code))
    return problems


def _first_row(xml: bytes) -> int:
    """The sheet row where the table's header is: the first row holding a value."""
    match = re.search(rb'<c r="[A-Z]+(\d+)"[^>]*?>\s*(?:<f[^>]*?(?:/>|>.*?</f>)\s*)?<(?:v|is)>', xml, re.S)
    return int(match[1]) if match else 1


MAX_UNZIPPED_MB = 2048  # a workbook's parts, uncompressed; zipfile never inflates past the declared sizes
MAX_ZIP_RATIO = 200  # real workbooks compress 5-30 times; a zip bomb hundreds or thousands of times
MAX_ZIP_MEMBERS = 10_000


def _zip_bomb_reason(archive: zipfile.ZipFile) -> str | None:
    """Why the archive must not be unpacked (a zip bomb), from its directory alone; None if it may."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        return f"the workbook holds {len(members):,} parts, more than any real workbook: not loaded"
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_MB * 1024 * 1024:
        return f"the workbook would unpack to {total / 1e9:,.1f} GB, over the {MAX_UNZIPPED_MB:,} MB limit"
    for m in members:
        if m.file_size > 10 * 1024 * 1024 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            return (
                f"the workbook part {m.filename!r} unpacks {m.file_size // max(m.compress_size, 1):,} times "
                "larger than stored (a zip bomb?): not loaded"
            )
    return None


def _read_xlsx(data: bytes, file_name: str, sheet: str | None, max_rows: int) -> Table | list[Problem]:
    damaged = "the workbook is damaged or cut short (truncated); save it again from Excel"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        bomb = _zip_bomb_reason(archive)
        if bomb:
            return [file_problem(file_name, bomb, "zip_bomb")]
        if "xl/workbook.xml" not in archive.namelist():
            return [
                file_problem(
                    file_name,
                    "a zip archive, not an Excel workbook: load CSV, .xlsx or Parquet",
                    "wrong_type",
                )
            ]
        import fastexcel

        reader = fastexcel.read_excel(data)
        sheets = list(reader.sheet_names)
    except BaseException as exc:  # noqa: BLE001 - zipfile, XML and calamine each raise their own errors
        _only_read_errors(exc)
        return [file_problem(file_name, damaged, "damaged_file")]
    if sheet is None and len(sheets) > 1:
        listed = ", ".join(repr(s) for s in sheets)
        return [
            file_problem(
                file_name,
                f"the workbook has {len(sheets)} sheets ({listed}): choose one (--sheet NAME)",
                "sheet_choice",
            )
        ]
    chosen = sheet if sheet is not None else sheets[0]
    if chosen not in sheets:
        listed = ", ".join(repr(s) for s in sheets)
        return [file_problem(file_name, f"there is no sheet {chosen!r} (sheets: {listed})", "sheet_choice")]
    try:
        xml = _sheet_xml(archive, chosen) or b""
        loaded = reader.load_sheet(chosen, header_row=0, dtypes="string", n_rows=max_rows + 1)
        raw = loaded.to_polars()
    except BaseException as exc:  # noqa: BLE001
        _only_read_errors(exc)
        return [file_problem(file_name, damaged, "damaged_file")]
    columns = {c.absolute_index: column_key(c.name) for c in loaded.selected_columns}
    cell_problems = _formula_and_error_cells(xml, file_name, columns)
    if cell_problems:
        return cell_problems
    if raw.width == 0:
        return [file_problem(file_name, f"the sheet {chosen!r} is empty", "empty_file")]
    return _tidy(raw, file_name, _first_row(xml), max_rows, "xlsx", sheet=chosen)


# -- Parquet ---------------------------------------------------------------------------------


def _read_parquet(data: bytes, file_name: str, max_rows: int) -> Table | list[Problem]:
    damaged = "the Parquet file is damaged or cut short (truncated); export it again"
    if len(data) < 12 or not data.endswith(b"PAR1"):
        return [file_problem(file_name, damaged, "damaged_file")]
    try:
        raw = pl.read_parquet(io.BytesIO(data), n_rows=max_rows + 1)
    except BaseException as exc:  # noqa: BLE001 - pyarrow/polars raise many kinds for a bad footer
        _only_read_errors(exc)
        return [file_problem(file_name, damaged, "damaged_file")]
    nested = [name for name, dtype in raw.schema.items() if dtype.is_nested() or dtype == pl.Object]
    if nested:
        return [
            file_problem(
                file_name,
                f"column {', '.join(nested)} holds nested data (lists or structs)",
                "nested_column",
                1,
            )
        ]
    text = raw.select(
        pl.col(name).dt.to_string("%Y-%m-%d %H:%M:%S")
        if dtype == pl.Datetime
        else pl.col(name).cast(pl.String)
        for name, dtype in raw.schema.items()
    )
    return _tidy(text, file_name, 1, max_rows, "parquet")
