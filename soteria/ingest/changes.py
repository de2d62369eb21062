"""What loading a clean extract would change, compared with what is stored: the preview.

Metrics (and MoJ quarterly figures): per metric, values new, revised and unchanged, and every revision
with old -> new, largest first, flagged when it moves by more than 50%. Cases: new, changed and
unchanged, how often each field changed, and the changed cases field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from soteria.ingest.metric_checks import METRIC_KEY
from soteria.store import Store

CASE_FIELDS = [
    "force_code",
    "reported_on",
    "file_submitted_on",
    "closed_on",
    "closure_reason",
    "victim_sex",
    "victim_age_band",
    "victim_ethnicity",
]
LARGE_REVISION = 0.5  # a revision moving a value by more than this share of it is flagged
CHANGED_CASES_KEPT = 1000
LAYOUT_LABELS = {
    "long": "area-month metrics (long)",
    "wide": "area-month metrics (wide)",
    "cases": "case timelines",
    "cjs": "MoJ CJS Delivery Data Dashboard",
    "quarters": "areas by quarter",
}
QUARTER_LAYOUTS = ("cjs", "quarters")  # their periods are quarters, stored by their first day


@dataclass(frozen=True)
class Preview:
    file_name: str
    kind: str
    rows: int
    sha256: str
    as_of: date | None
    areas: list[str]
    first: date | None  # first month / quarter (metrics) or first reported_on (cases)
    last: date | None
    # metrics: per metric {new, revised, unchanged}; cases: {"cases": {new, changed, unchanged}}
    changes: dict[str, dict[str, int]]
    already_loaded: dict[str, Any] | None = None  # the earlier extract with the same SHA-256
    ignored_columns: list[str] = field(default_factory=list)
    layout: str = ""
    source: str = ""  # how the file was read, e.g. "CSV (UTF-8, comma-separated)"
    periods: int = 0  # distinct months (or quarters) covered
    notes: list[str] = field(default_factory=list)
    revisions: pl.DataFrame | None = field(default=None, compare=False)  # metrics only
    changed_cases: pl.DataFrame | None = field(default=None, compare=False)  # cases only, first 1000
    field_changes: dict[str, int] = field(default_factory=dict)  # cases: changed cases per field
    cases_not_in_file: int = 0  # stored cases of the file's forces that the file does not hold
    data_version: str = ""  # the store's data version when the preview was made

    @property
    def large_revisions(self) -> int:
        if self.revisions is None or self.revisions.is_empty():
            return 0
        return int(self.revisions["over_50pct"].fill_null(False).sum())

    def summary(self) -> dict[str, Any]:
        """What the load did, for the record kept with the extract (JSON-safe)."""
        return {
            "layout": self.layout,
            "source": self.source,
            "rows": self.rows,
            "areas": len(self.areas),
            "first": str(self.first) if self.first else None,
            "last": str(self.last) if self.last else None,
            "changes": self.changes,
            "large_revisions": self.large_revisions,
            "field_changes": self.field_changes,
            "notes": self.notes,
        }

    def lines(self, revisions_shown: int = 10) -> list[str]:
        """The preview in plain words, one line each (command line, logs)."""
        if self.kind == "cases":
            span = f"reported {self.first} to {self.last}"
        elif self.first and self.last:
            unit = "quarters" if self.layout in QUARTER_LAYOUTS else "months"
            span = f"{unit} {self.first:%Y-%m} to {self.last:%Y-%m} ({self.periods} {unit})"
        else:
            span = "no periods"
        label = LAYOUT_LABELS.get(self.layout, self.kind)
        source = f" read as {self.source}" if self.source else ""
        out = [
            f"{self.file_name}: {label}{source}, {self.rows:,} rows read, {len(self.areas)} areas, "
            f"{span}, as of {self.as_of}"
        ]
        if self.ignored_columns:
            out.append(f"  columns ignored: {', '.join(self.ignored_columns)}")
        out += [f"  {note}" for note in self.notes]
        for item, counts in self.changes.items():
            out.append(f"  {item}: " + ", ".join(f"{n:,} {word}" for word, n in counts.items()))
        if self.revisions is not None and not self.revisions.is_empty():
            n = self.revisions.height
            out.append(
                f"  {n:,} revised value{'s' if n != 1 else ''}, {self.large_revisions:,} by more than 50%; "
                f"largest first:"
            )
            for r in self.revisions.head(revisions_shown).iter_rows(named=True):
                out.append(f"    {revision_text(r)}")
            if n > revisions_shown:
                out.append(f"    ... and {n - revisions_shown:,} more")
        if self.field_changes:
            out.append(
                "  fields changed: "
                + ", ".join(f"{name} in {n:,} cases" for name, n in self.field_changes.items())
            )
        if self.cases_not_in_file:
            out.append(
                f"  {self.cases_not_in_file:,} stored cases of these forces are not in this file: "
                "they stay as stored"
            )
        if self.already_loaded:
            e = self.already_loaded
            out.append(
                f"  identical file already loaded as extract {e['extract_id']} ({e['file_name']}, "
                f"{e['loaded_at']:%Y-%m-%d %H:%M} by {e['loaded_by']}): nothing will change"
            )
        return out


def _number(value: float | None, reason: str | None) -> str:
    if value is None:
        return f"missing ({reason})" if reason else "missing"
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def revision_text(r: dict[str, Any]) -> str:
    old = _number(r["old_value"], r["old_missing_reason"])
    new = _number(r["new_value"], r["new_missing_reason"])
    change = ""
    if r["change"] is not None:
        pct = f", {r['change_pct']:+.1f}%" if r["change_pct"] is not None else ""
        change = f" ({r['change']:+,.0f}{pct})"
    flag = " [over 50%]" if r["over_50pct"] else ""
    return f"{r['area_code']} {r['month']:%Y-%m} {r['metric']}: {old} -> {new}{change}{flag}"


def metric_changes(store: Store, frame: pl.DataFrame) -> tuple[dict[str, dict[str, int]], pl.DataFrame]:
    """Per metric: values not stored yet (new), stored with another value (revised), or the same;
    and the revisions, largest first."""
    stored = store.existing_metric_values(frame.select(METRIC_KEY))
    joined = frame.join(stored, on=METRIC_KEY, how="left", suffix="_stored")
    same = pl.col("value").eq_missing(pl.col("value_stored")) & pl.col("missing_reason").eq_missing(
        pl.col("missing_reason_stored")
    )
    status = (
        pl.when(pl.col("extract_id").is_null())
        .then(pl.lit("new"))
        .when(same)
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("revised"))
    )
    joined = joined.with_columns(status.alias("status"))
    change = pl.col("value") - pl.col("value_stored")
    old = pl.col("value_stored")
    revisions = (
        joined.filter(pl.col("status") == "revised")
        .select(
            "area_code",
            "month",
            "metric",
            old.alias("old_value"),
            pl.col("value").alias("new_value"),
            change.alias("change"),
            pl.when(old > 0).then(change / old * 100).alias("change_pct"),
            pl.when(change.is_not_null())
            .then((change.abs() > LARGE_REVISION * old) & (change != 0))
            .alias("over_50pct"),
            pl.col("missing_reason_stored").alias("old_missing_reason"),
            pl.col("missing_reason").alias("new_missing_reason"),
            pl.col("extract_id").alias("old_extract_id"),
        )
        .sort(
            [pl.col("change").abs(), "area_code", "month", "metric"],
            descending=[True, False, False, False],
            nulls_last=True,
        )
    )
    return _count_by(joined, "metric", ["new", "revised", "unchanged"]), revisions


def case_changes(
    store: Store, frame: pl.DataFrame
) -> tuple[dict[str, dict[str, int]], dict[str, int], pl.DataFrame]:
    """Cases not stored yet (new), stored with any field different (changed), or the same; how many
    changed cases changed each field; and the first changed cases, field by field."""
    stored = store.existing_cases(frame.select("case_ref")).select("case_ref", *CASE_FIELDS)
    if stored.is_empty():  # a first load of these cases: all new, no comparison to make
        empty = pl.DataFrame(
            schema={"case_ref": pl.String, "force_code": pl.String, "what_changed": pl.String}
        )
        return {"cases": {"new": frame.height, "changed": 0, "unchanged": 0}}, {}, empty
    joined = frame.join(stored, on="case_ref", how="left", suffix="_stored")
    exists = pl.col("force_code_stored").is_not_null()
    differs = {c: exists & ~pl.col(c).eq_missing(pl.col(f"{c}_stored")) for c in CASE_FIELDS}
    status = (
        pl.when(~exists)
        .then(pl.lit("new"))
        .when(pl.any_horizontal(differs.values()))
        .then(pl.lit("changed"))
        .otherwise(pl.lit("unchanged"))
    )
    joined = joined.with_columns(status.alias("status"), pl.lit("cases").alias("item"))
    counts = joined.select(e.sum().alias(c) for c, e in differs.items()).row(0, named=True)
    field_counts = {c: int(n) for c, n in counts.items() if n}
    changed = joined.filter(pl.col("status") == "changed").sort("case_ref").head(CHANGED_CASES_KEPT)
    text = [
        pl.when(differs[c]).then(
            pl.format(
                "{}: {} -> {}",
                pl.lit(c),
                pl.col(f"{c}_stored").cast(pl.String).fill_null("(empty)"),
                pl.col(c).cast(pl.String).fill_null("(empty)"),
            )
        )
        for c in CASE_FIELDS
    ]
    detail = changed.select(
        "case_ref",
        "force_code",
        pl.concat_list(text).list.drop_nulls().list.join("; ").alias("what_changed"),
    )
    return _count_by(joined, "item", ["new", "changed", "unchanged"]), field_counts, detail


def _count_by(frame: pl.DataFrame, item: str, words: list[str]) -> dict[str, dict[str, int]]:
    counts = {(name, status): n for name, status, n in frame.group_by(item, "status").len().iter_rows()}
    names = sorted(frame[item].unique().to_list())
    return {name: {w: int(counts.get((name, w), 0)) for w in words} for name in names}
