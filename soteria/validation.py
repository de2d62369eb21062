"""Declarative checks for uploaded extracts: dataframely schemas whose rules carry plain-English messages.

Each kind of extract is first parsed into a *check frame*: one row per data row with its spreadsheet
row number, the raw text of each cell that needs parsing (`<column>_raw`), the parsed value (null where
parsing failed) and the lookups the rules need (`area_kind`, `as_of`). dataframely evaluates the
schema's rules on that frame; every failing (row, rule) pair becomes a problem naming the rule's column,
the raw value and the message. Adding a rule = adding one `check(...)` line to a schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import dataframely as dy
import polars as pl

from soteria.domain import CLOSURE_REASONS, EARLIEST_DATA, METRICS

MONTH_PATTERN = r"^\d{4}-\d{2}(-01)?$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
CASE_DATES = ("reported_on", "file_submitted_on", "closed_on")
METRIC_KEY = ["area_code", "month", "metric"]
IN_RANGE = "dates must lie between 2015-01-01 and the extract's as-of date ({as_of})"


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


def _also_on_rows(keys: list[str], shown: int = 5) -> Callable[[], pl.Expr]:
    def detail() -> pl.Expr:
        others = pl.col("row").over(keys, mapping_strategy="join").list.set_difference(pl.concat_list("row"))
        n = others.list.len()
        word = pl.when(n == 1).then(pl.lit(", also on row ")).otherwise(pl.lit(", also on rows "))
        rows = others.list.sort().list.head(shown).cast(pl.List(pl.String)).list.join(", ")
        more = pl.when(n > shown).then(pl.format(" and {} more", n - shown)).otherwise(pl.lit(""))
        return word + rows + more

    return detail


def _date_or_empty(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(f"{name}_raw").is_null() | pl.col(name).is_not_null()


def _in_range(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(name).is_between(pl.lit(EARLIEST_DATA), pl.col("as_of"))


def _given(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(name).is_not_null()


def _whole_or_explained() -> pl.Expr:
    v = pl.col("value")
    whole = (v.is_finite() & (v >= 0) & (v == v.floor())).fill_null(False)
    return whole | (pl.col("value_raw").is_null() & pl.col("missing_reason").is_not_null())


def _all_given(names: list[str]) -> pl.Expr:
    return pl.all_horizontal(pl.col(names).is_not_null())


# -- metrics ---------------------------------------------------------------------------------------


class MetricChecks(dy.Schema):
    row = dy.Int64()
    area_code = dy.String(nullable=True)
    area_kind = dy.String(nullable=True)
    month_raw = dy.String(nullable=True)
    month = dy.Date(nullable=True)
    metric = dy.String(nullable=True)
    value_raw = dy.String(nullable=True)
    value = dy.Float64(nullable=True)
    missing_reason = dy.String(nullable=True)
    as_of = dy.Date()

    area_code_known = check("area_code", "area_code is not a known area code", _given("area_kind"))
    month_format = check("month", "month must be a month like 2023-04 or 2023-04-01", _given("month"))
    month_in_range = check(
        "month",
        "month must lie between 2015-01 and the month of the extract's as-of date ({as_of})",
        lambda: pl.col("month").is_between(pl.lit(EARLIEST_DATA), pl.col("as_of").dt.truncate("1mo")),
    )
    metric_known = check(
        "metric",
        f"metric must be one of {', '.join(METRICS)}",
        lambda: pl.col("metric").is_in(list(METRICS)).fill_null(False),
    )
    value_whole = check("value", "value must be a whole number of 0 or more", _whole_or_explained)
    metric_key_unique = check(
        "area_code",
        "duplicate (area_code, month, metric) in this file",
        lambda: pl.when(_all_given(METRIC_KEY)).then(pl.len().over(METRIC_KEY) == 1),
        _also_on_rows(METRIC_KEY),
    )


class MetricValues(dy.Schema):
    """A clean metrics extract, ready for Store.commit_metrics."""

    area_code = dy.String(primary_key=True)
    month = dy.Date(primary_key=True, resolution="1mo")
    metric = dy.String(primary_key=True)
    value = dy.Float64(nullable=True, min=0)
    missing_reason = dy.String(nullable=True)


def prepare_metrics(raw: pl.DataFrame, known_areas: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The check frame of a metrics file (text cells, `row`; optional `missing_reason`)."""
    month = pl.col("month")
    first_of_month = (month.str.slice(0, 7) + "-01").str.to_date("%Y-%m-%d", strict=False)
    reason = pl.col("missing_reason") if "missing_reason" in raw.columns else pl.lit(None, pl.String)
    return raw.select(
        "row",
        pl.col("area_code").str.to_uppercase(),
        _area_kind(pl.col("area_code").str.to_uppercase(), known_areas),
        month.alias("month_raw"),
        pl.when(month.str.contains(MONTH_PATTERN)).then(first_of_month).alias("month"),
        pl.col("metric").str.to_lowercase(),
        pl.col("value").alias("value_raw"),
        pl.col("value").cast(pl.Float64, strict=False),
        reason.alias("missing_reason"),
        pl.lit(as_of).alias("as_of"),
    )


# -- case timelines --------------------------------------------------------------------------------


class CaseChecks(dy.Schema):
    row = dy.Int64()
    case_ref = dy.String(nullable=True)
    force_code = dy.String(nullable=True)
    area_kind = dy.String(nullable=True)
    reported_on_raw = dy.String(nullable=True)
    reported_on = dy.Date(nullable=True)
    file_submitted_on_raw = dy.String(nullable=True)
    file_submitted_on = dy.Date(nullable=True)
    closed_on_raw = dy.String(nullable=True)
    closed_on = dy.Date(nullable=True)
    closure_reason = dy.String(nullable=True)
    as_of = dy.Date()

    case_ref_present = check("case_ref", "case_ref must not be empty", _given("case_ref"))
    case_ref_not_demo = check(
        "case_ref",
        "case_ref must not start with DEMO- (reserved for synthetic demonstration data)",
        lambda: ~pl.col("case_ref").str.to_uppercase().str.starts_with("DEMO-"),
    )
    case_ref_unique = check(
        "case_ref",
        "duplicate case_ref in this file",
        lambda: pl.when(_all_given(["case_ref"])).then(pl.len().over("case_ref") == 1),
        _also_on_rows(["case_ref"]),
    )
    force_code_known = check(
        "force_code",
        "force_code is not a known police force area code",
        lambda: (pl.col("area_kind") == "force").fill_null(False),
    )
    reported_on_present = check("reported_on", "reported_on must not be empty", _given("reported_on_raw"))
    reported_on_format = check(
        "reported_on", "reported_on must be a date like 2023-04-17", _date_or_empty("reported_on")
    )
    file_submitted_on_format = check(
        "file_submitted_on",
        "file_submitted_on must be a date like 2023-04-17, or empty",
        _date_or_empty("file_submitted_on"),
    )
    closed_on_format = check(
        "closed_on", "closed_on must be a date like 2023-04-17, or empty", _date_or_empty("closed_on")
    )
    reported_on_in_range = check("reported_on", IN_RANGE, _in_range("reported_on"))
    file_submitted_on_in_range = check("file_submitted_on", IN_RANGE, _in_range("file_submitted_on"))
    closed_on_in_range = check("closed_on", IN_RANGE, _in_range("closed_on"))
    reported_before_file = check(
        "reported_on",
        "reported_on must be on or before file_submitted_on",
        lambda: pl.col("reported_on") <= pl.col("file_submitted_on"),
    )
    reported_before_closed = check(
        "reported_on",
        "reported_on must be on or before closed_on",
        lambda: pl.col("reported_on") <= pl.col("closed_on"),
    )
    closure_reason_known = check(
        "closure_reason",
        f"closure_reason must be one of {', '.join(CLOSURE_REASONS)}, or empty",
        lambda: pl.col("closure_reason").is_in(list(CLOSURE_REASONS)),
    )
    closure_reason_needed = check(
        "closure_reason",
        "closure_reason must be given when closed_on is given",
        lambda: pl.col("closed_on_raw").is_null() | pl.col("closure_reason").is_not_null(),
    )
    closed_on_needed = check(
        "closed_on",
        "closed_on must be given when closure_reason is given",
        lambda: pl.col("closure_reason").is_null() | pl.col("closed_on_raw").is_not_null(),
    )


class CaseTimelines(dy.Schema):
    """A clean case extract, ready for Store.commit_cases."""

    case_ref = dy.String(primary_key=True)
    force_code = dy.String()
    reported_on = dy.Date()
    file_submitted_on = dy.Date(nullable=True)
    closed_on = dy.Date(nullable=True)
    closure_reason = dy.String(nullable=True)


def prepare_cases(raw: pl.DataFrame, known_areas: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The check frame of a case file (text cells and `row`)."""
    dates = []
    for name in CASE_DATES:
        text = pl.col(name)
        parsed = pl.when(text.str.contains(DATE_PATTERN)).then(text.str.to_date("%Y-%m-%d", strict=False))
        dates += [text.alias(f"{name}_raw"), parsed.alias(name)]
    force = pl.col("force_code").str.to_uppercase()
    return raw.select(
        "row",
        "case_ref",
        force.alias("force_code"),
        _area_kind(force, known_areas),
        *dates,
        pl.col("closure_reason").str.to_lowercase(),
        pl.lit(as_of).alias("as_of"),
    )


# -- running the checks ----------------------------------------------------------------------------


def _area_kind(code: pl.Expr, known_areas: pl.DataFrame) -> pl.Expr:
    return code.replace_strict(
        known_areas["area_code"], known_areas["area_kind"], default=None, return_dtype=pl.String
    ).alias("area_kind")


def run_checks(
    schema: type[dy.Schema], frame: pl.DataFrame, file_name: str, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The valid rows, and one problem (file, row, column, value, rule, code, summary) per failure.

    `rule` is the message with any per-row detail; `summary` the message alone (for counts per rule).
    """
    good, failure = schema.filter(frame)
    details = failure.details()
    codes = [c for c in details.columns if c not in frame.columns]
    infos = {code: rule_info(schema, code) for code in codes}
    detailed = {code: info.detail() for code, info in infos.items() if info.detail is not None}
    details = details.with_columns(**{f"detail:{code}": expr for code, expr in detailed.items()})
    index = [c for c in details.columns if c not in codes]
    long = details.unpivot(index=index, on=codes, variable_name="code", value_name="status")
    long = long.filter(pl.col("status").cast(pl.String) == "invalid")
    column = pl.col("code").replace_strict({c: i.column for c, i in infos.items()}, return_dtype=pl.String)
    messages = {c: i.message.format(as_of=as_of.isoformat()) for c, i in infos.items()}
    message = pl.col("code").replace_strict(messages, return_dtype=pl.String)
    value, extra = pl.lit(None, pl.String), pl.lit("")
    for code, info in infos.items():
        if info.column is not None:
            source = f"{info.column}_raw" if f"{info.column}_raw" in frame.columns else info.column
            value = pl.when(pl.col("code") == code).then(pl.col(source)).otherwise(value)
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
