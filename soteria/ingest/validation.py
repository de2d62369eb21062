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
    once_per_value: bool = False  # one problem per distinct value, with its rows counted (unmapped codes)


def check(
    column: str | None,
    message: str,
    valid: Callable[[], pl.Expr],
    detail: Callable[[], pl.Expr] | None = None,
    once_per_value: bool = False,
) -> Any:
    """A dataframely rule (true = valid; null counts as valid) carrying its column and message.

    Assign it in a schema's class body; the attribute name is the rule's code. `once_per_value`: the
    rule is reported once for each distinct value it fails on, on its first row, with how many rows
    have it (a value to map once, not a thousand row errors)."""
    factory = dy.rule()(lambda _schema: valid())
    factory.info = RuleInfo(column, message, detail, once_per_value)  # type: ignore[attr-defined]
    return factory


# dataframely's own column rules ("value|inf"), in words; no internal name reaches the user.
_BUILT_IN = {
    "inf": "must be a finite number",
    "nan": "must be a number",
    "nullability": "must not be empty",
    "min": "is below the smallest value allowed",
    "max": "is above the largest value allowed",
    "dtype": "is not of the expected kind",
    "regex": "does not have the expected form",
    "primary_key": "must be unique in this file",
}


def rule_info(schema: type[dy.Schema], code: str) -> RuleInfo:
    info = getattr(getattr(schema, code, None), "info", None)
    if isinstance(info, RuleInfo):
        return info
    column, _, rule = code.partition("|")
    if rule:
        return RuleInfo(column, f"{column} {_BUILT_IN.get(rule, 'does not meet a rule of this layout')}")
    return RuleInfo(None, "a row does not meet a rule of this layout")


@dataclass(frozen=True)
class Context:
    """What checks need besides the file: the areas, the extract's as-of date and the value mapping."""

    areas: AreaLookup
    as_of: date
    file: str = ""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> normalised value -> code
    metric: str | None = None  # the metric a table of one metric holds, when the file does not say


@dataclass
class Prepared:
    """A check frame, plus what preparing it found out about the file as a whole."""

    frame: pl.DataFrame
    notes: list[str] = field(default_factory=list)  # said in the preview (rows skipped, metrics unused)
    problems: list[Problem] = field(default_factory=list)  # file-level problems (nothing is loaded)
    as_of: date | None = None  # the as-of date the file itself gives (case files with an as_of column)
    stats: dict[str, Any] = field(default_factory=dict)  # counts kept in the load's summary


PER_RULE_KEPT = 10_000  # problems of one rule kept for the download; the rest are counted


def run_checks(
    schema: type[dy.Schema],
    frame: pl.DataFrame,
    file_name: str,
    as_of: date,
    one_per_cell: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """The valid rows; one problem (file, row, column, value, rule, code, summary) per failure, the
    first PER_RULE_KEPT of each rule in row order; and the number of problems of each rule (summary).

    `rule` is the message with any per-row detail; `summary` the message alone. `one_per_cell`: a rule
    failing on several columns of a row counts once per (row, column) (wide layouts). The work and the
    memory grow with the rows, whatever the file repeats."""
    good, failure = schema.filter(frame)
    if len(failure) == 0:
        return good, _no_problems(), {}
    details = failure.details()
    codes = [c for c in details.columns if c not in frame.columns]
    infos = {code: rule_info(schema, code) for code in codes}
    messages = {c: i.message.format(as_of=as_of.isoformat()) for c, i in infos.items()}
    # One rule at a time, on its failing rows only: unpivoting every row against every rule would copy
    # the whole frame once per rule (13 rules over a million rows: gigabytes for a hostile file).
    parts: list[pl.DataFrame] = []
    counts: dict[str, int] = {}
    for order, code in enumerate(codes):
        info = infos[code]
        value, column = pl.lit(None, pl.String), pl.lit(None, pl.String)
        if info.column is not None:
            name = info.column
            value = pl.col(f"{name}_raw" if f"{name}_raw" in frame.columns else name).cast(pl.String)
            column = pl.lit(name)
            if f"{name}_source" in frame.columns:
                column = pl.coalesce(pl.col(f"{name}_source"), column)
        bad = details.filter(pl.col(code).cast(pl.String) == "invalid").select(
            "row", _column=column, _value=value
        )
        if one_per_cell:
            bad = bad.unique(subset=["row", "_column"], keep="first", maintain_order=True)
        if info.once_per_value:
            rows = pl.len()
            bad = (
                bad.group_by("_value", maintain_order=True)
                .agg(pl.col("row").min(), pl.col("_column").first(), rows=rows)
                .select("row", "_column", "_value", "rows")
            )
        if bad.is_empty():
            continue
        counts[messages[code]] = counts.get(messages[code], 0) + bad.height
        bad = bad.sort("row").head(PER_RULE_KEPT)
        if info.detail is not None:  # per-row detail needs the whole frame (e.g. the other rows of a key)
            wanted = pl.col("row").is_in(bad.get_column("row").implode())
            detail = details.select("row", _detail=info.detail()).filter(wanted).unique("row", keep="first")
            bad = bad.join(detail, on="row", how="left", maintain_order="left")
        elif info.once_per_value:
            times = pl.when(pl.col("rows") == 1).then(pl.lit(" (on this row only)"))
            bad = bad.with_columns(
                _detail=times.otherwise(pl.format(" (on {} rows; this is the first)", pl.col("rows")))
            ).drop("rows")
        else:
            bad = bad.with_columns(_detail=pl.lit(""))
        parts.append(
            bad.select(
                pl.lit(file_name).alias("file"),
                "row",
                pl.col("_column").alias("column"),
                pl.col("_value").alias("value"),
                (pl.lit(messages[code]) + pl.col("_detail").fill_null("")).alias("rule"),
                pl.lit(code).alias("code"),
                pl.lit(messages[code]).alias("summary"),
                pl.lit(order).alias("_order"),
            )
        )
    if not parts:
        return good, _no_problems(), {}
    problems = pl.concat(parts)
    # a built-in column rule on a cell a named rule already explains says nothing more
    named = problems.filter(~pl.col("code").str.contains("|", literal=True)).select("row", "column").unique()
    built_in = problems.filter(pl.col("code").str.contains("|", literal=True))
    if built_in.height:
        kept = built_in.join(named, on=["row", "column"], how="anti", nulls_equal=True)
        for gone in built_in.join(named, on=["row", "column"], how="semi", nulls_equal=True).get_column(
            "summary"
        ):
            counts[gone] -= 1
        counts = {k: v for k, v in counts.items() if v > 0}
        problems = pl.concat([problems.filter(~pl.col("code").str.contains("|", literal=True)), kept])
    problems = problems.sort("row", "_order").drop("_order")
    return good, problems, counts


def _no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema={**PROBLEM_SCHEMA, "summary": pl.String})
