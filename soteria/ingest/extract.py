"""Reading and checking one file, whatever its format and layout, before anything is stored."""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl

from soteria.domain import EARLIEST_DATA
from soteria.ingest import case_checks, metric_checks, quarter_tables
from soteria.ingest import validation as v
from soteria.ingest import value_map as value_maps
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.cells import Table
from soteria.ingest.kinds import KIND_NAMES, KINDS, Kind, detect_layout
from soteria.ingest.parsed import (
    LISTED_PER_RULE,
    MAX_PROBLEMS_KEPT,
    ParsedExtract,
    Progress,
    invalid_extract,
    stage,
)
from soteria.ingest.problems import Problem, file_problem
from soteria.ingest.profiles import SourceProfile, apply_profile
from soteria.ingest.readers import read_table, size_reason
from soteria.reference import read_value_map


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
    value_map: pl.DataFrame | None = None,
    profile: SourceProfile | None = None,
    metric: str | None = None,
) -> ParsedExtract:
    """Read and check an uploaded file; the result holds either problems or a clean typed frame.

    `as_of`: the extract's as-of date. Case timelines need one (given here or in an `as_of` column);
    for metrics it defaults to today and bounds the months allowed. `kind` forces metrics, cases or cjs.
    `value_map`: how coded values become the dashboard's codes (default: the shipped mapping).
    `profile`: a source's saved column mapping, applied before anything is checked (it sets the kind).
    `metric`: the metric a table of areas by quarter holds, when the file does not say.
    """
    if kind is not None and kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {', '.join(KIND_NAMES)}, not {kind!r}")
    stage(progress, "Reading the file", 0.0)
    sha256 = hashlib.sha256(data).hexdigest()

    def invalid(*problems: Problem, layout: str | None = None, table: Table | None = None) -> ParsedExtract:
        return invalid_extract(list(problems), file_name, sha256, as_of, data, layout, table)

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
    stage(progress, f"Checking {table.cells.height:,} rows", 0.3)
    cells = table.cells
    if profile is not None:
        cells, mismatch = apply_profile(cells, profile, file_name)
        if mismatch:
            return invalid(*mismatch, table=table)
        kind = profile.kind
    layout, missing = detect_layout(cells.columns, kind)
    if layout is None:
        return invalid(file_problem(file_name, missing, "missing_columns", 1), table=table)
    spec = KINDS[layout]
    effective, as_of_problem = _as_of(spec, cells, as_of, file_name)
    missing_date = as_of_problem if as_of_problem and as_of_problem.code == "as_of_needed" else None
    if as_of_problem and not missing_date:
        return invalid(as_of_problem, layout=layout, table=table)
    if missing_date:  # check the rows anyway (dates up to today), so one upload shows every problem
        effective = date.today()
    assert effective is not None
    if layout == "wide":
        wanted = [c for c in cells.columns if c != "row"]
    elif layout == "quarters":
        quarter_columns = quarter_tables.quarter_headers(cells.columns)["column"].to_list()
        area_col = [quarter_tables.area_column(cells.columns) or ""]
        wanted = [*area_col, *(["metric"] if "metric" in cells.columns else []), *quarter_columns]
    else:
        area = [metric_checks.area_column(cells.columns)] if spec.name == "metrics" else []
        base = [c for c in spec.required if c != "area_code"] if area else list(spec.required)
        wanted = [*area, *base, *(c for c in spec.optional if c in cells.columns)]
    ignored = [c for c in cells.columns if c not in wanted and c != "row"]
    mapping = read_value_map() if value_map is None else value_map
    codes = {f: value_maps.lookup(mapping, f) for f in value_maps.FIELDS}
    ctx = v.Context(AreaLookup.build(known_areas), effective, file_name, codes, metric)
    prepared = spec.prepare(cells.select("row", *wanted), ctx)
    if prepared.problems:
        return invalid(*prepared.problems, layout=layout, table=table)
    if prepared.frame.height == 0:
        why = "every row was skipped: " + "; ".join(prepared.notes) if prepared.notes else "no values in it"
        return invalid(file_problem(file_name, f"nothing to load: {why}", "nothing_to_load"), layout=layout)
    # wide layouts: one problem per cell, not one per metric column, for row-level rules
    good, problems, counts = v.run_checks(
        spec.checks, prepared.frame, file_name, effective, one_per_cell=layout in ("wide", "quarters")
    )
    notes = [f"columns matched by the source profile '{profile.name}'"] if profile else []
    common = {
        "ignored_columns": ignored,
        "layout": layout,
        "table": table,
        "notes": [*notes, *prepared.notes],
        "stats": prepared.stats,
        "data": data,
    }
    if missing_date:
        first = pl.DataFrame([missing_date.__dict__], schema=problems.drop("summary").schema)
        problems = pl.concat([first.with_columns(summary=pl.lit(missing_date.rule)), problems])
        counts = {missing_date.rule: 1, **counts}
    if problems.height:
        # the first LISTED_PER_RULE of each rule are listed (in row order), the rest counted
        listed = problems.filter(pl.int_range(pl.len()).over("code") < LISTED_PER_RULE)
        listed = listed.sort("row", nulls_last=False, maintain_order=True)
        kept = listed.head(MAX_PROBLEMS_KEPT).drop("summary").to_dicts()
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
    stage(progress, "Checked every row", 0.6)
    clean = spec.output.validate(good.select(spec.output.column_names()), cast=True)
    return ParsedExtract(file_name, sha256, spec.name, cells.height, effective, clean, **common)  # type: ignore[arg-type]


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
                "cases are followed up to the right day: fill in the field 'As-of date of the extract' on "
                "the Upload page (on the command line: --as-of YYYY-MM-DD), or add an as_of column",
                "as_of_needed",
            )
    else:
        found = given or date.today()
    if found > date.today():
        return None, file_problem(file_name, f"the as-of date {found} is in the future", "as_of_future")
    if found < EARLIEST_DATA:
        return None, file_problem(file_name, f"the as-of date {found} is before 2015-01-01", "as_of_future")
    return found, None
