"""What loading a clean extract would change, compared with what is stored (the preview; diffs later)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from soteria.storage import Store
from soteria.validation import METRIC_KEY

CASE_FIELDS = ["force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason"]


@dataclass(frozen=True)
class Preview:
    file_name: str
    kind: str
    rows: int
    sha256: str
    as_of: date
    areas: list[str]
    first: date | None  # first month (metrics) or first reported_on (cases)
    last: date | None
    # metrics: per metric {new, revised, unchanged}; cases: {"cases": {new, changed, unchanged}}
    changes: dict[str, dict[str, int]]
    already_loaded: dict[str, Any] | None = None  # the earlier extract with the same SHA-256
    ignored_columns: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The preview in plain words, one line each (command line, logs)."""
        if self.kind == "metrics" and self.first and self.last:
            span = f"months {self.first:%Y-%m} to {self.last:%Y-%m}"
        else:
            span = f"reported {self.first} to {self.last}"
        out = [
            f"{self.file_name}: {self.kind} extract, {self.rows:,} rows, {len(self.areas)} areas, "
            f"{span}, as of {self.as_of}"
        ]
        if self.ignored_columns:
            out.append(f"  columns ignored: {', '.join(self.ignored_columns)}")
        for item, counts in self.changes.items():
            out.append(f"  {item}: " + ", ".join(f"{n:,} {word}" for word, n in counts.items()))
        if self.already_loaded:
            e = self.already_loaded
            out.append(
                f"  identical file already loaded as extract {e['extract_id']} ({e['file_name']}, "
                f"{e['loaded_at']:%Y-%m-%d %H:%M} by {e['loaded_by']}): nothing will change"
            )
        return out


def metric_changes(store: Store, frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Per metric: values not stored yet (new), stored with another value (revised), or the same."""
    stored = store.existing_metric_values(frame.select(METRIC_KEY))
    joined = frame.join(stored, on=METRIC_KEY, how="left", suffix="_stored")
    same = pl.col("value").eq_missing(pl.col("value_stored")) & pl.col("missing_reason").eq_missing(
        pl.col("missing_reason_stored")
    )
    status = pl.when(pl.col("extract_id").is_null()).then(pl.lit("new"))
    status = status.when(same).then(pl.lit("unchanged")).otherwise(pl.lit("revised"))
    return _count_by(joined.with_columns(status.alias("status")), "metric", ["new", "revised", "unchanged"])


def case_changes(store: Store, frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Cases not stored yet (new), stored with any field different (changed), or the same."""
    stored = store.existing_cases(frame.select("case_ref")).select("case_ref", *CASE_FIELDS)
    joined = frame.join(stored, on="case_ref", how="left", suffix="_stored")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}_stored")) for c in CASE_FIELDS)
    status = pl.when(pl.col("force_code_stored").is_null()).then(pl.lit("new"))
    status = status.when(same).then(pl.lit("unchanged")).otherwise(pl.lit("changed"))
    joined = joined.with_columns(status.alias("status"), pl.lit("cases").alias("item"))
    return _count_by(joined, "item", ["new", "changed", "unchanged"])


def _count_by(frame: pl.DataFrame, item: str, words: list[str]) -> dict[str, dict[str, int]]:
    counts = {(name, status): n for name, status, n in frame.group_by(item, "status").len().iter_rows()}
    names = sorted(frame[item].unique().to_list())
    return {name: {w: int(counts.get((name, w), 0)) for w in words} for name in names}
