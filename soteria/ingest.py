"""Uploading an extract: read, validate, preview the change, then commit in one transaction.

`read_extract` never touches the database; `preview` only reads; `commit` writes one extract through
`Store.commit_metrics` / `Store.commit_cases`. A file with any problem writes nothing, and a file whose
SHA-256 is already loaded changes nothing. New formats (Excel, Parquet, MoJ long CSV) plug in as
readers that return a frame of text cells; new kinds as entries of KINDS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dataframely as dy
import polars as pl

from soteria import validation as v
from soteria.changes import Preview, case_changes, metric_changes
from soteria.readers import max_upload_rows, read_csv_cells, size_reason
from soteria.storage import ExtractRecord, Store

MAX_PROBLEMS_KEPT = 1000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload; `row` as a spreadsheet shows it (header = 1, first data row = 2)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    code: str = ""  # stable rule identifier (e.g. "month_format"); "" for file-level problems


@dataclass(frozen=True)
class Kind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    prepare: Callable[[pl.DataFrame, pl.DataFrame, date], pl.DataFrame]
    checks: type[dy.Schema]
    output: type[dy.Schema]


KINDS: dict[str, Kind] = {
    "metrics": Kind(
        "metrics",
        ("area_code", "month", "metric", "value"),
        ("missing_reason",),
        v.prepare_metrics,
        v.MetricChecks,
        v.MetricValues,
    ),
    "cases": Kind(
        "cases",
        ("case_ref", "force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason"),
        (),
        v.prepare_cases,
        v.CaseChecks,
        v.CaseTimelines,
    ),
}


@dataclass
class ParsedExtract:
    file_name: str
    sha256: str
    kind: str | None
    rows: int
    as_of: date
    frame: pl.DataFrame | None = None  # the clean typed frame; None when there are problems
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS_KEPT, in row order
    problem_counts: dict[str, int] = field(default_factory=dict)  # per rule, over all problems
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.frame is not None and not self.problem_counts

    @property
    def problem_total(self) -> int:
        return sum(self.problem_counts.values())


def read_extract(
    data: bytes,
    file_name: str,
    known_areas: pl.DataFrame,
    as_of: date | None = None,
    *,
    max_mb: float | None = None,
    max_rows: int | None = None,
) -> ParsedExtract:
    """Read and check an uploaded file; the result holds either problems or a clean typed frame."""
    as_of = as_of or date.today()
    sha256 = hashlib.sha256(data).hexdigest()
    too_big = size_reason(len(data), max_mb)
    if too_big:
        return _unreadable(Problem(file_name, None, None, None, too_big), sha256, as_of)
    cells = read_csv_cells(data, max_upload_rows() if max_rows is None else max_rows)
    if isinstance(cells, tuple):
        return _unreadable(Problem(file_name, cells[0], None, None, cells[1]), sha256, as_of)
    kind, header_problem = _detect_kind(cells.columns)
    if kind is None:
        return _unreadable(Problem(file_name, 1, None, None, header_problem), sha256, as_of)
    wanted = [*kind.required, *(c for c in kind.optional if c in cells.columns)]
    ignored = [c for c in cells.columns if c not in wanted and c != "row"]
    frame = kind.prepare(cells.select("row", *wanted), known_areas, as_of)
    good, problems = v.run_checks(kind.checks, frame, file_name, as_of)
    if problems.height:
        counts = dict(problems.group_by("summary", maintain_order=True).len().iter_rows())
        kept = problems.head(MAX_PROBLEMS_KEPT).drop("summary").to_dicts()
        return ParsedExtract(
            file_name,
            sha256,
            kind.name,
            cells.height,
            as_of,
            None,
            [Problem(**p) for p in kept],
            counts,
            ignored,
        )
    clean = kind.output.validate(good.select(kind.output.column_names()), cast=True)
    return ParsedExtract(file_name, sha256, kind.name, cells.height, as_of, clean, [], {}, ignored)


def _unreadable(problem: Problem, sha256: str, as_of: date) -> ParsedExtract:
    return ParsedExtract(problem.file, sha256, None, 0, as_of, None, [problem], {problem.rule: 1})


def _detect_kind(columns: list[str]) -> tuple[Kind | None, str]:
    found = [c for c in columns if c != "row"]
    for kind in KINDS.values():
        if set(kind.required) <= set(found):
            return kind, ""
    best = max(KINDS.values(), key=lambda k: len(set(k.required) & set(found)))
    shown = ", ".join(found) or "none"
    if not set(best.required) & set(found):
        needs = "; ".join(f"a {k.name} file needs {', '.join(k.required)}" for k in KINDS.values())
        return None, f"required columns missing: this is not a file of a known kind ({needs}); found: {shown}"
    missing = ", ".join(c for c in best.required if c not in found)
    return None, f"required columns missing for a {best.name} file: {missing} (found: {shown})"


def preview(store: Store, parsed: ParsedExtract) -> Preview:
    """What committing this clean extract would change, compared with what is stored."""
    frame = _clean_frame(parsed)
    if parsed.kind == "metrics":
        changes, areas, dates = metric_changes(store, frame), frame["area_code"], frame["month"]
    else:
        changes, areas, dates = case_changes(store, frame), frame["force_code"], frame["reported_on"]
    return Preview(
        parsed.file_name,
        parsed.kind or "",
        parsed.rows,
        parsed.sha256,
        parsed.as_of,
        sorted(areas.unique().to_list()),
        dates.min(),  # type: ignore[arg-type]
        dates.max(),  # type: ignore[arg-type]
        changes,
        store.find_extract_by_sha256(parsed.sha256),
        parsed.ignored_columns,
    )


def _clean_frame(parsed: ParsedExtract) -> pl.DataFrame:
    if not parsed.ok or parsed.frame is None:
        raise ValueError(f"{parsed.file_name} has {parsed.problem_total} problems; fix them before loading")
    return parsed.frame


def commit(store: Store, parsed: ParsedExtract, loaded_by: str) -> int:
    """Load a clean extract in one transaction; an identical file already loaded returns its id unchanged."""
    frame = _clean_frame(parsed)
    existing = store.find_extract_by_sha256(parsed.sha256)
    if existing:
        return int(existing["extract_id"])
    record = ExtractRecord(
        parsed.file_name, parsed.sha256, parsed.kind or "", parsed.rows, loaded_by, parsed.as_of
    )
    if parsed.kind == "metrics":
        return store.commit_metrics(record, frame)
    return store.commit_cases(record, frame)


@dataclass(frozen=True)
class IngestResult:
    status: str  # "invalid" | "dry_run" | "already_loaded" | "loaded"
    parsed: ParsedExtract
    preview: Preview | None = None
    extract_id: int | None = None


def ingest_file(
    store: Store,
    path: Path | str,
    loaded_by: str,
    as_of: date | None = None,
    dry_run: bool = False,
    max_mb: float | None = None,
) -> IngestResult:
    """Read, check, preview and (unless dry_run) load one file: what the command line does."""
    path = Path(path)
    if not path.is_file():
        reason: str | None = f"the file {path} does not exist or is not a file"
    else:
        reason = size_reason(path.stat().st_size, max_mb)
    if reason:
        problem = Problem(path.name, None, None, None, reason)
        return IngestResult("invalid", _unreadable(problem, "", as_of or date.today()))
    parsed = read_extract(path.read_bytes(), path.name, store.areas(), as_of, max_mb=max_mb)
    if not parsed.ok:
        return IngestResult("invalid", parsed)
    shown = preview(store, parsed)
    if shown.already_loaded:
        return IngestResult("already_loaded", parsed, shown, int(shown.already_loaded["extract_id"]))
    if dry_run:
        return IngestResult("dry_run", parsed, shown)
    return IngestResult("loaded", parsed, shown, commit(store, parsed, loaded_by))
