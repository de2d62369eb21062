"""Declarative checks for uploaded extracts: dataframely schemas whose rules carry plain-English messages.

Each kind of extract is first parsed into a *check frame*: one row per data row with its spreadsheet
row number, the raw text of each cell that needs parsing (`<column>_raw`), the parsed value (null where
parsing failed), optionally the name the file gave the column (`<column>_source`, e.g. `area_name`, or
each metric column of a wide file) and the lookups the rules need (`area_kind`, `as_of`). dataframely
evaluates the schema's rules on that frame; every failing (row, rule) pair becomes a problem naming
the column, the raw value and the message. Adding a rule = adding one `check(...)` line to a schema.
Everything is column expressions: no loop over rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dataframely as dy
import polars as pl

from soteria.ingest.area_names import AreaLookup
from soteria.ingest.problems import PROBLEM_SCHEMA, Problem


@dataclass(frozen=True)
class RuleInfo:
    column: str | None  # the column the rule blames (its raw text is shown as the value)
    message: str  # plain English; may contain {as_of}
    detail: Callable[[], pl.Expr] | None = None  # extra text per failing row, e.g. ", also on row 7"


def check(
    column: str | None,
    message: str,
    valid: Callable[[], pl.Expr],
    detail: Callable[[], pl.Expr] | None = None,
) -> Any:
    """A dataframely rule (true = valid; null counts as valid) carrying its column and message.

    Assign it in a schema's class body; the attribute name is the rule's code."""
    factory = dy.rule()(lambda _schema: valid())
    factory.info = RuleInfo(column, message, detail)  # type: ignore[attr-defined]
    return factory


def rule_info(schema: type[dy.Schema], code: str) -> RuleInfo:
    info = getattr(getattr(schema, code, None), "info", None)
    return info if isinstance(info, RuleInfo) else RuleInfo(None, f"failed check {code}")


@dataclass(frozen=True)
class Context:
    """What checks need besides the file: the areas and the extract's as-of date."""

    areas: AreaLookup
    as_of: date
    file: str = ""


@dataclass
class Prepared:
    """A check frame, plus what preparing it found out about the file as a whole."""

    frame: pl.DataFrame
    notes: list[str] = field(default_factory=list)  # said in the preview (rows skipped, metrics unused)
    problems: list[Problem] = field(default_factory=list)  # file-level problems (nothing is loaded)
    as_of: date | None = None  # the as-of date the file itself gives (case files with an as_of column)
    stats: dict[str, Any] = field(default_factory=dict)  # counts kept in the load's summary


def run_checks(
    schema: type[dy.Schema], frame: pl.DataFrame, file_name: str, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The valid rows, and one problem (file, row, column, value, rule, code, summary) per failure.

    `rule` is the message with any per-row detail; `summary` the message alone (for counts per rule).
    """
    good, failure = schema.filter(frame)
    if len(failure) == 0:
        return good, _no_problems()
    details = failure.details()
    codes = [c for c in details.columns if c not in frame.columns]
    infos = {code: rule_info(schema, code) for code in codes}
    detailed = {code: info.detail() for code, info in infos.items() if info.detail is not None}
    details = details.with_columns(**{f"detail:{code}": expr for code, expr in detailed.items()})
    index = [c for c in details.columns if c not in codes]
    long = details.unpivot(index=index, on=codes, variable_name="code", value_name="status")
    long = long.filter(pl.col("status").cast(pl.String) == "invalid")
    messages = {c: i.message.format(as_of=as_of.isoformat()) for c, i in infos.items()}
    message = pl.col("code").replace_strict(messages, return_dtype=pl.String)
    value, column, extra = pl.lit(None, pl.String), pl.lit(None, pl.String), pl.lit("")
    for code, info in infos.items():
        if info.column is not None:
            name = info.column
            source = f"{name}_raw" if f"{name}_raw" in frame.columns else name
            label = pl.lit(name)
            if f"{name}_source" in frame.columns:
                label = pl.coalesce(pl.col(f"{name}_source"), label)
            value = pl.when(pl.col("code") == code).then(pl.col(source).cast(pl.String)).otherwise(value)
            column = pl.when(pl.col("code") == code).then(label).otherwise(column)
        if code in detailed:
            extra = pl.when(pl.col("code") == code).then(pl.col(f"detail:{code}")).otherwise(extra)
    order = pl.col("code").replace_strict({code: i for i, code in enumerate(codes)}, return_dtype=pl.Int64)
    problems = long.sort(["row", order]).select(
        pl.lit(file_name).alias("file"),
        "row",
        column.alias("column"),
        value.alias("value"),
        (message + extra.fill_null("")).alias("rule"),
        "code",
        message.alias("summary"),
    )
    return good, problems


def _no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema={**PROBLEM_SCHEMA, "summary": pl.String})
