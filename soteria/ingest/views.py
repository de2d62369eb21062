"""What the Upload and Extracts pages show, as plain frames and sentences (no streamlit here)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl

from soteria.ingest import value_map as value_maps
from soteria.ingest.changes import LAYOUT_LABELS, QUARTER_LAYOUTS, Preview
from soteria.ingest.extract import read_extract
from soteria.ingest.load import preview
from soteria.ingest.parsed import ParsedExtract, Progress
from soteria.ingest.periods import parse_date
from soteria.ingest.profiles import SourceProfile
from soteria.store import Store, archive

KIND_CHOICES = {
    "detect": "Detect from the columns",
    "metrics": "Area-month metrics (long or wide)",
    "cases": "Case timelines",
    "cjs": "MoJ CJS Delivery Data Dashboard CSV",
}
FILE_TYPES = ["csv", "tsv", "txt", "xlsx", "parquet"]


def kind_value(choice: str) -> str | None:
    return None if choice == "detect" else choice


def read_and_preview(
    store: Store,
    data: bytes,
    file_name: str,
    as_of: date | None,
    kind_choice: str,
    sheet: str | None,
    progress: Progress | None = None,
    profile: SourceProfile | None = None,
    metric: str | None = None,
) -> tuple[ParsedExtract, Preview | None]:
    """Read and check an uploaded file (through a source profile's column mapping, if given) and, when
    it is clean, preview it against the store."""
    parsed = read_extract(
        data,
        file_name,
        store.areas(),
        as_of,
        kind=kind_value(kind_choice),
        sheet=sheet,
        progress=progress,
        value_map=store.value_map(),
        profile=profile,
        metric=metric,
    )
    return parsed, (preview(store, parsed, progress) if parsed.ok else None)


def problems_headline(parsed: ParsedExtract) -> str:
    n = parsed.problem_total
    date_only = [p.code for p in parsed.problems] == ["as_of_needed"]
    what = "Fill in the as-of date above." if date_only else "Fix the file and upload it again."
    if not date_only and any(p.code == "as_of_needed" for p in parsed.problems):
        what = "Fill in the as-of date above, fix the file and upload it again."
    return f"Nothing was stored: {parsed.file_name} has {n:,} problem{'s' if n != 1 else ''}. {what}"


def needs_metric(parsed: ParsedExtract) -> bool:
    """True when the file is a table of areas by quarter that does not say which metric it holds."""
    return any(p.code == "metric_needed" for p in parsed.problems)


def file_problems(parsed: ParsedExtract) -> list[str]:
    """Problems about the whole file (no cell to point at), in full, for a list above the table."""
    return [p.rule for p in parsed.problems if p.column is None]


def problems_table(parsed: ParsedExtract) -> pl.DataFrame:
    """The problems in cells (the first of each rule), as a spreadsheet user reads them: row, column,
    the value as written ("(empty)" for an empty cell), and the rule."""
    rows = [
        {"row": p.row, "column": p.column, "value": "(empty)" if p.value is None else p.value, "rule": p.rule}
        for p in parsed.problems
        if p.column is not None
    ]
    return pl.DataFrame(
        rows, schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "rule": pl.String}
    )


def rule_counts(parsed: ParsedExtract) -> pl.DataFrame:
    return pl.DataFrame(
        {"rule": list(parsed.problem_counts), "problems": list(parsed.problem_counts.values())},
        schema={"rule": pl.String, "problems": pl.Int64},
    )


def rule_lines(parsed: ParsedExtract) -> list[str]:
    """Each rule broken, in full, with how many rows break it (for a list: long rules stay readable)."""
    return [f"{n:,} × {rule}" for rule, n in parsed.problem_counts.items()]


def parse_as_of(text: str | None) -> tuple[date | None, str | None]:
    """The as-of date typed on the Upload page (2024-09-30 or 30/09/2024), or why it is not one."""
    text = (text or "").strip()
    if not text:
        return None, None
    found = pl.select(parse_date(pl.lit(text))).item()
    if found is None:
        return None, f"'{text}' is not a date: write it like 2024-09-30 or 30/09/2024"
    return found, None


def preview_heading(preview: Preview) -> list[str]:
    """The preview's sentences without the per-metric counts and revisions (shown as tables)."""
    lines = preview.lines(revisions_shown=0)
    keep = [lines[0]] + [
        line.strip()
        for line in lines[1:]
        if not any(line.strip().startswith(f"{item}:") for item in preview.changes)
        and "revised value" not in line
        and not line.strip().startswith("...")
    ]
    return keep


def changes_table(preview: Preview) -> pl.DataFrame:
    """One row per metric (or for cases) with the counts of new, revised/changed and unchanged."""
    label = "cases" if preview.kind == "cases" else "metric"
    return pl.DataFrame([{label: item, **counts} for item, counts in preview.changes.items()])


def revisions_table(preview: Preview, names: dict[str, str] | None = None) -> pl.DataFrame:
    """Every revised value, largest first: the area by name (code beside it), old -> new, change, and
    the flag for moves over 50%."""
    if preview.revisions is None:
        return pl.DataFrame()
    period = "quarter" if preview.layout in QUARTER_LAYOUTS else "month"
    named = pl.col("area_code").replace_strict(
        names or {}, default=pl.col("area_code"), return_dtype=pl.String
    )
    return preview.revisions.select(
        named.alias("area"),
        pl.col("area_code").alias("area code"),
        pl.col("month").dt.strftime("%Y-%m").alias(period),
        "metric",
        pl.coalesce(pl.col("old_value").cast(pl.Int64).cast(pl.String), pl.col("old_missing_reason")).alias(
            "old"
        ),
        pl.coalesce(pl.col("new_value").cast(pl.Int64).cast(pl.String), pl.col("new_missing_reason")).alias(
            "new"
        ),
        pl.col("change").cast(pl.Int64),
        pl.col("change_pct").round(1).alias("change %"),
        pl.col("over_50pct").fill_null(False).alias("over 50%"),
        pl.col("old_extract_id").alias("old value from extract"),
    )


def extracts_table(store: Store) -> pl.DataFrame:
    """Every load, newest first, with the columns an evaluator audits."""
    return store.extract_list().select(
        pl.col("extract_id").alias("extract"),
        pl.col("file_name").alias("file"),
        pl.col("kind"),
        pl.col("layout").replace_strict(LAYOUT_LABELS, default=None).alias("layout"),
        pl.col("rows"),
        pl.col("as_of").cast(pl.Date).alias("as of"),
        pl.col("loaded_by").alias("loaded by"),
        pl.col("loaded_at").dt.truncate("1m").alias("loaded at"),
        pl.col("status"),
        pl.format("{} by {}", pl.col("undone_at").dt.strftime("%-d %b %Y %H:%M"), pl.col("undone_by")).alias(
            "undone"
        ),
        pl.col("sha256").alias("SHA-256"),
        pl.col("is_synthetic").alias("synthetic"),
    )


def extract_label(row: dict[str, Any]) -> str:
    loaded = f"{row['loaded at']:%-d %b %Y %H:%M}"
    return f"{row['extract']}: {row['file']} ({row['kind']}, {loaded}, {row['status']})"


def extract_summary(extract: dict[str, Any]) -> list[str]:
    """What was recorded about a load: how it was read and what it changed."""
    out = [f"SHA-256 `{extract['sha256']}`"]
    if extract.get("file_format"):
        size = f", {extract['size_bytes'] / 1024:,.1f} KB" if extract.get("size_bytes") else ""
        sheet = f", sheet {extract['sheet']!r}" if extract.get("sheet") else ""
        out.append(f"Read as {extract['file_format']}{sheet}{size}")
    try:
        summary = json.loads(extract.get("summary") or "{}")
    except ValueError:
        summary = {}
    for item, counts in (summary.get("changes") or {}).items():
        out.append(f"{item}: " + ", ".join(f"{n:,} {word}" for word, n in counts.items()))
    out += list(summary.get("notes") or [])
    return out


def has_original(store: Store, extract: dict[str, Any]) -> bool:
    """Whether the file as loaded was kept (without reading it)."""
    return archive.original_path(store.path, extract["stored_as"]) is not None


def original_loader(store: Store, extract: dict[str, Any]) -> Callable[[], bytes]:
    """A function that reads the file as loaded when called: for a download made on the user's click."""
    return lambda: original_file(store, extract) or b""


def original_file(store: Store, extract: dict[str, Any]) -> bytes | None:
    """The file exactly as it was loaded, when its original was kept."""
    return archive.original(store.path, extract["stored_as"])


def unmapped(parsed: ParsedExtract) -> dict[str, list[str]]:
    """field -> the values of the file that the value mapping does not know (reported once each)."""
    out: dict[str, list[str]] = {}
    for p in parsed.problems:
        if p.code.endswith("_known") and p.column in value_maps.FIELDS and p.value is not None:
            out.setdefault(p.column, []).append(p.value)
    return out


def add_mappings(store: Store, field: str, chosen: dict[str, str], note: str, who: str) -> list[str]:
    """Add the chosen values (value as written -> code) to the mapping in force and save it, logged;
    the problems instead when the result would not be a valid mapping (nothing saved then)."""
    added = pl.DataFrame(
        {"field": field, "value": list(chosen), "maps_to": list(chosen.values()), "note": note},
        schema={c: pl.String for c in value_maps.COLUMNS},
    )
    current = store.value_map().select(value_maps.COLUMNS).cast(pl.String)
    typed, problems = value_maps.validate(pl.concat([current, added]))
    if not problems:
        store.replace_value_map(typed, changed_by=who)
    return problems


def mapping_key(store: Store) -> int:
    """Changes whenever the value mapping does (a file checked against an older one is checked again)."""
    return hash(tuple(store.value_map().rows()))
