"""One thing wrong with an upload, as the evaluator needs to see it to fix the file."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# A list of problems as a frame (the downloadable CSV, the checks' output): the Problem's fields.
PROBLEM_SCHEMA = {
    "file": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "code": pl.String,
}


@dataclass(frozen=True)
class Problem:
    """`row` as a spreadsheet shows it (header = 1, first data row = 2); None for the whole file."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    code: str = ""  # stable rule identifier (e.g. "month_format", "not_utf8"); "" when not classified


def file_problem(file: str, rule: str, code: str, row: int | None = None) -> Problem:
    return Problem(file, row, None, None, rule, code)
