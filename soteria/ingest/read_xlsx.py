"""Excel workbooks (.xlsx): the sheet, formula and error cells named by cell, zip bombs refused."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from soteria.ingest.cells import Table, column_key, only_read_errors, tidy
from soteria.ingest.problems import Problem, file_problem

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


def zip_bomb_reason(archive: zipfile.ZipFile) -> str | None:
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


# Parts of a workbook that run code or reach outside the file: such a workbook is refused, naming the
# part, rather than read "values only" (the person loading it should know what they sent).
ACTIVE_PARTS = (
    ("xl/vbaProject.bin", "macros (a VBA project)"),
    ("xl/externalLinks/", "links to other workbooks (external links)"),
    ("xl/connections.xml", "data connections to outside sources"),
    ("xl/activeX/", "ActiveX controls"),
    ("xl/embeddings/", "embedded objects"),
)


def active_content(names: list[str]) -> list[tuple[str, str]]:
    """(part, what it is) for each part of the workbook that runs code or reaches outside the file."""
    return [(part, what) for part, what in ACTIVE_PARTS if any(n.startswith(part) for n in names)]


def read_xlsx(data: bytes, file_name: str, sheet: str | None, max_rows: int) -> Table | list[Problem]:
    damaged = "the workbook is damaged or cut short (truncated); save it again from Excel"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        bomb = zip_bomb_reason(archive)
        if bomb:
            return [file_problem(file_name, bomb, "zip_bomb")]
        names = archive.namelist()
        active = active_content(names)
        if active:
            found = "; ".join(f"{what} in {part}" for part, what in active)
            return [
                file_problem(
                    file_name,
                    f"the workbook holds {found}: not loaded. Save the sheet as Excel Workbook (.xlsx) "
                    "without macros or links, or as CSV",
                    "active_content",
                )
            ]
        if "xl/workbook.xml" not in names:
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
        only_read_errors(exc)
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
        only_read_errors(exc)
        return [file_problem(file_name, damaged, "damaged_file")]
    columns = {c.absolute_index: column_key(c.name) for c in loaded.selected_columns}
    cell_problems = _formula_and_error_cells(xml, file_name, columns)
    if cell_problems:
        return cell_problems
    if raw.width == 0:
        return [file_problem(file_name, f"the sheet {chosen!r} is empty", "empty_file")]
    return tidy(raw, file_name, _first_row(xml), max_rows, "xlsx", sheet=chosen)
