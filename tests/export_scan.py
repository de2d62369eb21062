"""A pytest plugin that scans every export the test suite makes for small counts.

`soteria.outputs.chart_files.EXPORT_OBSERVERS` sees every chart export (PNG, SVG, PDF, CSV, Excel) and every
report pack (PDF, PowerPoint, HTML, ZIP) made in this process. The observer registered here keeps a copy
in one session folder and scans the data formats at once: in CSV and Excel files, every column that
holds counts (`disclosure.COUNT_COLUMNS`; in Excel, the headings its metadata sheet names as count
columns), and in HTML reports, every table column marked `data-count`, must show no count from 1 to
threshold - 1; and no export may hold the demo's perturbation secret. A small count fails the test
that made the export; the terminal summary says how many exports were scanned.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from soteria import disclosure
from soteria.demo.build import demo_secret
from soteria.outputs import chart_files

SCANNED: dict[str, int] = {}
KEEP_ENV = "SOTERIA_KEEP_TEST_EXPORTS"  # set to keep the folder of exports after the run
_folder: list[Path] = []


def folder() -> Path:
    if not _folder:
        _folder.append(Path(tempfile.mkdtemp(prefix="soteria-exports-")))
    return _folder[0]


class SmallCountExported(AssertionError):
    """An export shows a count that disclosure control should have withheld."""


def _small(value: object, threshold: int) -> bool:
    if value is None:
        return False
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "")
        if not text or text in disclosure.SYMBOLS:
            return False
        try:
            number = float(text)
        except ValueError:
            return False
    return 1 <= number < threshold


def scan_csv(data: bytes, threshold: int) -> list[str]:
    lines = [ln for ln in data.decode("utf-8").splitlines() if not ln.startswith("#")]
    rows = list(csv.reader(lines))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    found = []
    for j, name in enumerate(header):
        if name in disclosure.COUNT_COLUMNS:
            found += [f"{name}={row[j]}" for row in body if j < len(row) and _small(row[j], threshold)]
    return found


def scan_xlsx(data: bytes, threshold: int) -> list[str]:
    table = pl.read_excel(io.BytesIO(data), sheet_name="Data", infer_schema_length=0)
    meta = pl.read_excel(io.BytesIO(data), sheet_name="Metadata")
    listed = meta.filter(pl.col("Item") == "Count columns").get_column("Value").to_list()
    headings = [h.strip() for h in (listed[0].split(",") if listed and listed[0] != "none" else [])]
    headings += [c for c in table.columns if c in disclosure.COUNT_COLUMNS]
    found = []
    for name in dict.fromkeys(headings):
        if name in table.columns:
            found += [f"{name}={v}" for v in table.get_column(name).to_list() if _small(v, threshold)]
    return found


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.count_cols: list[int] = []
        self.cells: list[tuple[int, str]] = []
        self._col = -1
        self._in: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.count_cols = []
        if tag == "tr":
            self._col = -1
        if tag in ("th", "td"):
            self._col += 1
            self._in, self._text = tag, ""
            if tag == "th" and dict(attrs).get("data-count") == "true":
                self.count_cols.append(self._col)

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._col in self.count_cols:
            self.cells.append((self._col, self._text))
        if tag in ("th", "td"):
            self._in = None


def scan_html(data: bytes, threshold: int) -> list[str]:
    parser = _Tables()
    parser.feed(data.decode("utf-8"))
    return [text for _, text in parser.cells if _small(text, threshold)]


_SECRET = demo_secret().encode()  # the demo databases' perturbation secret: never in an export


def scan(name: str, data: bytes, threshold: int | None = None) -> list[str]:
    """Small counts shown in the export `name` (empty when it is safe, or not a data format), and the
    perturbation's secret wherever it appears."""
    threshold = threshold or disclosure.threshold_from_env()
    if _SECRET in data:
        return ["the disclosure-control secret"]
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "csv":
        return scan_csv(data, threshold)
    if ext == "xlsx":
        return scan_xlsx(data, threshold)
    if ext == "html":
        return scan_html(data, threshold)
    if ext == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [
                f"{inner}: {hit}"
                for inner in archive.namelist()
                for hit in scan(inner, archive.read(inner), threshold)
            ]
    return []


def _observer(name: str, data: bytes) -> None:
    ext = name.rsplit(".", 1)[-1].lower()
    SCANNED[ext] = SCANNED.get(ext, 0) + 1
    (folder() / f"{sum(SCANNED.values()):05d}_{name}").write_bytes(data)
    found = scan(name, data)
    if found:
        raise SmallCountExported(f"{name} shows {len(found)} count(s) below the threshold: {found[:10]}")


def pytest_configure(config: pytest.Config) -> None:
    if _observer not in chart_files.EXPORT_OBSERVERS:
        chart_files.EXPORT_OBSERVERS.append(_observer)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    if SCANNED:
        kinds = ", ".join(f"{n} {ext}" for ext, n in sorted(SCANNED.items()))
        terminalreporter.write_line(
            f"export scan: {sum(SCANNED.values())} export(s) made by the tests were scanned ({kinds}); "
            f"none shows a count from 1 to {disclosure.threshold_from_env() - 1}."
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    if _folder and not os.environ.get(KEEP_ENV):
        shutil.rmtree(_folder[0], ignore_errors=True)
