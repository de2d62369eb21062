"""Loading an extract: read, check every row, preview the change, then commit in one transaction.

`read_extract` never touches the database; `preview` only reads; `commit` keeps the original file and
writes one extract through `Store.load_extract`. A file with any problem writes nothing, and a file
whose SHA-256 is already loaded changes nothing. Layouts (see docs/extracts.md): area-month metrics
long or wide, case timelines, and the MoJ CJS Delivery Data Dashboard CSV; each is detected from its
columns (or forced with `kind`), from CSV, Excel .xlsx or Parquet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from soteria.ingest.changes import Preview, case_changes, metric_changes
from soteria.ingest.extract import read_extract
from soteria.ingest.kinds import KINDS
from soteria.ingest.parsed import ParsedExtract, Progress, invalid_extract, stage
from soteria.ingest.problems import Problem, file_problem
from soteria.ingest.profiles import SourceProfile
from soteria.ingest.readers import size_reason
from soteria.store import (
    ExtractConflict,
    ExtractDetails,
    ExtractRecord,
    StorageError,
    Store,
    archive,
    backups,
    space,
)

__all__ = [
    "KINDS",
    "ExtractConflict",  # a commit that no longer matches its preview: the Upload page says so
    "StorageError",  # e.g. not enough disk space for the load: the Upload page says so
    "IngestResult",
    "ParsedExtract",
    "Problem",
    "commit",
    "ingest_file",
    "preview",
    "read_extract",
]


def preview(store: Store, parsed: ParsedExtract, progress: Progress | None = None) -> Preview:
    """What committing this clean extract would change, compared with what is stored."""
    frame = _clean_frame(parsed)
    stage(progress, "Comparing with the stored data", 0.6)
    version = store.data_version()
    revisions = changed_cases = None
    field_changes: dict[str, int] = {}
    missing = 0
    if parsed.kind == "cases":
        changes, field_changes, changed_cases = case_changes(store, frame)
        areas, dates = frame["force_code"], frame["reported_on"]
        missing = store.stored_cases_missing_from(frame)
    else:
        changes, revisions = metric_changes(store, frame)
        areas, dates = frame["area_code"], frame["month"]
    stage(progress, "Preview ready", 0.8)
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
        layout=parsed.layout or "",
        source=parsed.source,
        periods=dates.n_unique() if parsed.kind != "cases" else 0,
        notes=list(parsed.notes),
        revisions=revisions,
        changed_cases=changed_cases,
        field_changes=field_changes,
        cases_not_in_file=missing,
        data_version=version,
    )


def _clean_frame(parsed: ParsedExtract) -> pl.DataFrame:
    if not parsed.ok or parsed.frame is None:
        raise ValueError(f"{parsed.file_name} has {parsed.problem_total} problems; fix them before loading")
    return parsed.frame


def commit(
    store: Store,
    parsed: ParsedExtract,
    loaded_by: str,
    shown: Preview | None = None,
    progress: Progress | None = None,
) -> int:
    """Load a clean extract in one transaction; an identical file already loaded returns its id unchanged.

    With the preview the evaluator saw (`shown`), the load is refused (ExtractConflict, nothing written)
    if the stored data changed since, so that what is committed is exactly what was previewed."""
    frame = _clean_frame(parsed)
    existing = store.find_extract_by_sha256(parsed.sha256)
    if existing:
        return int(existing["extract_id"])
    space.require(
        store.path, space.load_needs(store.path, len(parsed.data or b""), int(frame.estimated_size()))
    )
    stage(progress, "Keeping the original file", 0.85)
    stored_as = (
        archive.keep(store.path, parsed.sha256, parsed.file_name, parsed.data) if parsed.data else None
    )
    try:
        extract_id = _commit(store, parsed, frame, loaded_by, shown, progress, stored_as)
    except BaseException:
        if stored_as:
            archive.settle(store.path, stored_as, committed=False)
        raise
    if stored_as:
        archive.settle(store.path, stored_as, committed=True)
    stage(progress, "Committed", 1.0)
    return extract_id


def _commit(
    store: Store,
    parsed: ParsedExtract,
    frame: pl.DataFrame,
    loaded_by: str,
    shown: Preview | None,
    progress: Progress | None,
    stored_as: str | None,
) -> int:
    record = ExtractRecord(
        parsed.file_name, parsed.sha256, parsed.kind or "", parsed.rows, loaded_by, parsed.as_of
    )
    summary = shown.summary() if shown else {"layout": parsed.layout, "notes": parsed.notes}
    details = ExtractDetails(
        parsed.table.file_format if parsed.table else None,
        parsed.layout,
        parsed.table.sheet if parsed.table else None,
        len(parsed.data) if parsed.data else None,
        stored_as,
        json.dumps({**summary, "stats": parsed.stats}, default=str),
    )
    stage(progress, "Taking a backup of the database", 0.87)
    backups.take(store, f"before load {parsed.sha256[:12]}")  # soteria/store/backups.py: last N kept
    stage(progress, f"Committing {frame.height:,} rows", 0.9)
    expected = shown.data_version if shown else None
    if parsed.kind == "cases":
        extract_id = store.load_extract(record, details, cases=frame, expected_version=expected)
    else:
        extract_id = store.load_extract(record, details, values=frame, expected_version=expected)
    return extract_id


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
    *,
    kind: str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    profile: SourceProfile | None = None,
    metric: str | None = None,
) -> IngestResult:
    """Read, check, preview and (unless dry_run) load one file: what the command line does."""
    path = Path(path)
    if not path.is_file():
        reason: str | None = f"the file {path} does not exist or is not a file"
        code = "no_file"
    else:
        reason, code = size_reason(path.stat().st_size, max_mb), "too_large"
    if reason:
        problem = file_problem(path.name, reason, code)
        return IngestResult("invalid", invalid_extract([problem], path.name, "", as_of, b""))
    parsed = read_extract(
        path.read_bytes(),
        path.name,
        store.areas(),
        as_of,
        kind=kind,
        sheet=sheet,
        max_mb=max_mb,
        progress=progress,
        profile=profile,
        metric=metric,
        value_map=store.value_map(),
    )
    if not parsed.ok:
        return IngestResult("invalid", parsed)
    shown = preview(store, parsed, progress)
    if shown.already_loaded:
        return IngestResult("already_loaded", parsed, shown, int(shown.already_loaded["extract_id"]))
    if dry_run:
        return IngestResult("dry_run", parsed, shown)
    return IngestResult("loaded", parsed, shown, commit(store, parsed, loaded_by, shown, progress))
