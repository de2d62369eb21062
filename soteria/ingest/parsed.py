"""A file read and checked: its rows, its problems (counted by rule, the first ones kept), its layout."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from soteria.ingest.cells import Table
from soteria.ingest.kinds import KINDS
from soteria.ingest.problems import PROBLEM_SCHEMA, Problem

MAX_PROBLEMS_KEPT = 1000
LISTED_PER_RULE = 100  # problems of one rule listed in the preview; the rest are counted


Progress = Callable[[str, float], None]


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
    stats: dict[str, Any] = field(default_factory=dict)
    # for download: every problem, up to validation.PER_RULE_KEPT of each rule (the counts cover all)
    all_problems: pl.DataFrame | None = field(default=None, repr=False)
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
        """Every problem (up to 10,000 of each rule) as CSV: file, row, column, value, rule."""
        frame = self.all_problems
        if frame is None:
            frame = pl.DataFrame([p.__dict__ for p in self.problems], schema=PROBLEM_SCHEMA)
        out = io.BytesIO()
        frame.select("file", "row", "column", "value", "rule", "code").write_csv(out)
        return out.getvalue()


def stage(progress: Progress | None, label: str, fraction: float) -> None:
    if progress is not None:
        progress(label, fraction)


def invalid_extract(
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
