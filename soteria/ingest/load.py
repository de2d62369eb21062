"""Loading an extract: read, check every row, preview the change, then commit in one transaction.

`read_extract` never touches the database; `preview` only reads; `commit` keeps the original file and
writes one extract through `Store.load_extract`. A file with any problem writes nothing, and a file
whose SHA-256 is already loaded changes nothing. Layouts (see docs/extracts.md): area-month metrics
long or wide, case timelines, and the MoJ CJS Delivery Data Dashboard CSV; each is detected from its
columns (or forced with `kind`), from CSV, Excel .xlsx or Parquet.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dataframely as dy
import polars as pl

from soteria.domain import EARLIEST_DATA
from soteria.ingest import case_checks, metric_checks
from soteria.ingest import validation as v
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.cells import Table
from soteria.ingest.changes import Preview, case_changes, metric_changes
from soteria.ingest.cjs import OPTIONAL as CJS_OPTIONAL
from soteria.ingest.cjs import REQUIRED as CJS_REQUIRED
from soteria.ingest.cjs import CjsChecks, prepare_cjs
from soteria.ingest.problems import Problem, file_problem
from soteria.ingest.readers import read_table, size_reason
from soteria.store import ExtractConflict, ExtractDetails, ExtractRecord, Store, archive, backups

__all__ = [
    "KINDS",
    "ExtractConflict",  # a commit that no longer matches its preview: the Upload page says so
    "IngestResult",
    "ParsedExtract",
    "Problem",
    "commit",
    "ingest_file",
    "preview",
    "read_extract",
]

MAX_PROBLEMS_KEPT = 1000
KIND_NAMES = ("metrics", "cases", "cjs")
CASE_REQUIRED = ("case_ref", "force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Kind:
    name: str  # the kind stored with the extract: metrics | cases | cjs
    layout: str  # long | wide | cases | cjs
    required: tuple[str, ...]
    optional: tuple[str, ...]
    prepare: Callable[[pl.DataFrame, v.Context], v.Prepared]
    checks: type[dy.Schema]
    output: type[dy.Schema]


KINDS: dict[str, Kind] = {
    "long": Kind(
        "metrics",
        "long",
        ("area_code", "month", "metric", "value"),
        ("missing_reason",),
        metric_checks.prepare_metrics,
        metric_checks.MetricChecks,
        metric_checks.MetricValues,
    ),
    "wide": Kind(
        "metrics",
        "wide",
        ("area_code", "month"),
        (),
        metric_checks.prepare_wide_metrics,
        metric_checks.MetricChecks,
        metric_checks.MetricValues,
    ),
    "cases": Kind(
        "cases",
        "cases",
        CASE_REQUIRED,
        ("as_of",),
        case_checks.prepare_cases,
        case_checks.CaseChecks,
        case_checks.CaseTimelines,
    ),
    "cjs": Kind("cjs", "cjs", CJS_REQUIRED, CJS_OPTIONAL, prepare_cjs, CjsChecks, metric_checks.MetricValues),
}


@dataclass
class ParsedExtract:
    file_name: str
    sha256: str
    kind: str | None
    rows: int
    as_of: date | None
    frame: pl.DataFrame | None = None  # the clean typed frame; None when there are problems
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS_KEPT, in row order
    problem_counts: dict[str, int] = field(default_factory=dict)  # per rule, over all problems
    ignored_columns: list[str] = field(default_factory=list)
    layout: str | None = None
    table: Table | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    all_problems: pl.DataFrame | None = field(default=None, repr=False)  # every problem, for download
    data: bytes = field(default=b"", repr=False)  # the file as uploaded (kept at commit)

    @property
    def ok(self) -> bool:
        return self.frame is not None and not self.problem_counts

    @property
    def problem_total(self) -> int:
        return sum(self.problem_counts.values())

    @property
    def source(self) -> str:
        return self.table.describe() if self.table else ""

    def problems_csv(self) -> bytes:
        """Every problem (not only the first MAX_PROBLEMS_KEPT) as CSV: file, row, column, value, rule."""
        frame = self.all_problems
        if frame is None:
            frame = pl.DataFrame(
                [p.__dict__ for p in self.problems],
                schema={
                    "file": pl.String,
                    "row": pl.Int64,
                    "column": pl.String,
                    "value": pl.String,
                    "rule": pl.String,
                    "code": pl.String,
                },
            )
        out = io.BytesIO()
        frame.select("file", "row", "column", "value", "rule", "code").write_csv(out)
        return out.getvalue()


def _stage(progress: Progress | None, label: str, fraction: float) -> None:
    if progress is not None:
        progress(label, fraction)


def read_extract(
    data: bytes,
    file_name: str,
    known_areas: pl.DataFrame,
    as_of: date | None = None,
    *,
    kind: str | None = None,
    sheet: str | None = None,
    max_mb: float | None = None,
    max_rows: int | None = None,
    progress: Progress | None = None,
) -> ParsedExtract:
    """Read and check an uploaded file; the result holds either problems or a clean typed frame.

    `as_of`: the extract's as-of date. Case timelines need one (given here or in an `as_of` column);
    for metrics it defaults to today and bounds the months allowed. `kind` forces metrics, cases or cjs.
    """
    if kind is not None and kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {', '.join(KIND_NAMES)}, not {kind!r}")
    _stage(progress, "Reading the file", 0.0)
    sha256 = hashlib.sha256(data).hexdigest()

    def invalid(*problems: Problem, layout: str | None = None, table: Table | None = None) -> ParsedExtract:
        return _invalid(list(problems), file_name, sha256, as_of, data, layout, table)

    too_big = size_reason(len(data), max_mb)
    if too_big:
        return invalid(file_problem(file_name, too_big, "too_large"))
    try:
        table = read_table(data, file_name, sheet=sheet, max_rows=max_rows)
    except Exception as exc:  # noqa: BLE001 - a reader library failing on strange bytes is a bad file
        reason = (
            f"the file cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        )
        return invalid(file_problem(file_name, reason, "unreadable"))
    if isinstance(table, list):
        return invalid(*table)
    _stage(progress, f"Checking {table.cells.height:,} rows", 0.3)
    cells = table.cells
    layout, missing = detect_layout(cells.columns, kind)
    if layout is None:
        return invalid(file_problem(file_name, missing, "missing_columns", 1), table=table)
    spec = KINDS[layout]
    effective, as_of_problem = _as_of(spec, cells, as_of, file_name)
    if as_of_problem:
        return invalid(as_of_problem, layout=layout, table=table)
    assert effective is not None
    if layout == "wide":
        wanted = [c for c in cells.columns if c != "row"]
    else:
        area = [metric_checks.area_column(cells.columns)] if spec.name == "metrics" else []
        base = [c for c in spec.required if c != "area_code"] if area else list(spec.required)
        wanted = [*area, *base, *(c for c in spec.optional if c in cells.columns)]
    ignored = [c for c in cells.columns if c not in wanted and c != "row"]
    ctx = v.Context(AreaLookup.build(known_areas), effective, file_name)
    prepared = spec.prepare(cells.select("row", *wanted), ctx)
    if prepared.problems:
        return invalid(*prepared.problems, layout=layout, table=table)
    if prepared.frame.height == 0:
        why = "every row was skipped: " + "; ".join(prepared.notes) if prepared.notes else "no values in it"
        return invalid(file_problem(file_name, f"nothing to load: {why}", "nothing_to_load"), layout=layout)
    good, problems = v.run_checks(spec.checks, prepared.frame, file_name, effective)
    if layout == "wide":  # one problem per cell, not one per metric column, for row-level rules
        problems = problems.unique(subset=["row", "code", "column"], keep="first", maintain_order=True)
    common = {
        "ignored_columns": ignored,
        "layout": layout,
        "table": table,
        "notes": prepared.notes,
        "stats": prepared.stats,
        "data": data,
    }
    if problems.height:
        counts = dict(problems.group_by("summary", maintain_order=True).len().iter_rows())
        kept = problems.head(MAX_PROBLEMS_KEPT).drop("summary").to_dicts()
        return ParsedExtract(
            file_name,
            sha256,
            spec.name,
            cells.height,
            effective,
            None,
            [Problem(**p) for p in kept],
            counts,
            all_problems=problems.drop("summary"),
            **common,  # type: ignore[arg-type]
        )
    _stage(progress, "Checked every row", 0.6)
    clean = spec.output.validate(good.select(spec.output.column_names()), cast=True)
    return ParsedExtract(file_name, sha256, spec.name, cells.height, effective, clean, **common)  # type: ignore[arg-type]


def _invalid(
    problems: list[Problem],
    file_name: str,
    sha256: str,
    as_of: date | None,
    data: bytes,
    layout: str | None = None,
    table: Table | None = None,
) -> ParsedExtract:
    counts: dict[str, int] = {}
    for p in problems:
        counts[p.rule] = counts.get(p.rule, 0) + 1
    rows = table.cells.height if table else 0
    kind = KINDS[layout].name if layout else None
    return ParsedExtract(
        file_name,
        sha256,
        kind,
        rows,
        as_of,
        None,
        problems[:MAX_PROBLEMS_KEPT],
        counts,
        layout=layout,
        table=table,
        data=data,
    )


def _as_of(
    spec: Kind, cells: pl.DataFrame, given: date | None, file_name: str
) -> tuple[date | None, Problem | None]:
    """The extract's as-of date, or the problem with it."""
    if spec.name == "cases":
        in_file = case_checks.file_as_of(cells)
        if in_file and given and in_file != given:
            return None, file_problem(
                file_name,
                f"the file's as_of column says {in_file} but the as-of date given is {given}: "
                "give the file's date (or none)",
                "as_of_conflict",
            )
        found = in_file or given
        if found is None:
            return None, file_problem(
                file_name,
                "a case extract needs its as-of date (the date the force took the extract), so that open "
                "cases are followed up to the right day: add an as_of column or give the date "
                "(--as-of YYYY-MM-DD)",
                "as_of_needed",
            )
    else:
        found = given or date.today()
    if found > date.today():
        return None, file_problem(file_name, f"the as-of date {found} is in the future", "as_of_future")
    if found < EARLIEST_DATA:
        return None, file_problem(file_name, f"the as-of date {found} is before 2015-01-01", "as_of_future")
    return found, None


def detect_layout(columns: list[str], kind: str | None = None) -> tuple[str | None, str]:
    """The layout the columns describe (long, wide, cases, cjs), or why none fits (missing columns)."""
    found = [c for c in columns if c != "row"]
    cols = set(found)
    area = next((c for c in metric_checks.AREA_COLUMNS if c in cols), None)
    if kind in (None, "cjs") and set(CJS_REQUIRED) <= cols:
        return "cjs", ""
    if kind in (None, "cases") and set(CASE_REQUIRED) <= cols:
        return "cases", ""
    if kind in (None, "metrics") and area and "month" in cols:
        if {"metric", "value"} <= cols:
            return "long", ""
        if not {"metric", "value"} & cols and cols - {area, "month"}:
            return "wide", ""
    metric_needs = ["area_code (or area, area_name)", "month", "metric", "value"]
    needs = {
        "metrics": (metric_needs, [area or "area_code", "month", "metric", "value"]),
        "cases": (list(CASE_REQUIRED), list(CASE_REQUIRED)),
        "cjs": (list(CJS_REQUIRED), list(CJS_REQUIRED)),
    }
    shown = ", ".join(found) or "none"
    if kind is None:
        overlap = {k: len(set(names) & cols) for k, (_, names) in needs.items()}
        kind = max(overlap, key=lambda k: overlap[k])
        if overlap[kind] == 0:
            listed = "; ".join(f"a {k} file needs {', '.join(n)}" for k, (n, _) in needs.items())
            return (
                None,
                f"required columns missing: this is not a file of a known kind ({listed}); found: {shown}",
            )
    described, names = needs[kind]
    missing = ", ".join(d for d, n in zip(described, names, strict=True) if n not in cols)
    return None, f"required columns missing for a {kind} file: {missing} (found: {shown})"


def preview(store: Store, parsed: ParsedExtract, progress: Progress | None = None) -> Preview:
    """What committing this clean extract would change, compared with what is stored."""
    frame = _clean_frame(parsed)
    _stage(progress, "Comparing with the stored data", 0.6)
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
    _stage(progress, "Preview ready", 0.8)
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
    _stage(progress, "Keeping the original file", 0.85)
    stored_as = (
        archive.keep(store.path, parsed.sha256, parsed.file_name, parsed.data) if parsed.data else None
    )
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
    _stage(progress, "Taking a backup of the database", 0.87)
    backups.take(store, f"before load {parsed.sha256[:12]}")  # soteria/backups.py: last N kept
    _stage(progress, f"Committing {frame.height:,} rows", 0.9)
    expected = shown.data_version if shown else None
    if parsed.kind == "cases":
        extract_id = store.load_extract(record, details, cases=frame, expected_version=expected)
    else:
        extract_id = store.load_extract(record, details, values=frame, expected_version=expected)
    _stage(progress, "Committed", 1.0)
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
        return IngestResult("invalid", _invalid([problem], path.name, "", as_of, b""))
    parsed = read_extract(
        path.read_bytes(),
        path.name,
        store.areas(),
        as_of,
        kind=kind,
        sheet=sheet,
        max_mb=max_mb,
        progress=progress,
    )
    if not parsed.ok:
        return IngestResult("invalid", parsed)
    shown = preview(store, parsed, progress)
    if shown.already_loaded:
        return IngestResult("already_loaded", parsed, shown, int(shown.already_loaded["extract_id"]))
    if dry_run:
        return IngestResult("dry_run", parsed, shown)
    return IngestResult("loaded", parsed, shown, commit(store, parsed, loaded_by, shown, progress))
