"""Declarative checks for uploaded extracts: dataframely schemas whose rules carry plain-English messages.

Each kind of extract is first parsed into a *check frame*: one row per data row with its spreadsheet
row number, the raw text of each cell that needs parsing (`<column>_raw`), the parsed value (null where
parsing failed), optionally the name the file gave the column (`<column>_source`, e.g. `area_name`, or
each metric column of a wide file) and the lookups the rules need (`area_kind`, `as_of`). dataframely
evaluates the schema's rules on that frame; every failing (row, rule) pair becomes a problem naming
the column, the raw value and the message. Adding a rule = adding one `check(...)` line to a schema.
Everything is column expressions: no loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import dataframely as dy
import polars as pl

from soteria.domain import CLOSURE_REASONS, EARLIEST_DATA, METRICS
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.periods import DATE_FORMS, MONTH_FORMS, parse_date, parse_month
from soteria.ingest.problems import Problem

CASE_DATES = ("reported_on", "file_submitted_on", "closed_on")
METRIC_KEY = ["area_code", "month", "metric"]
AREA_COLUMNS = ("area_code", "area", "area_name")  # where a metrics file may give its area
IN_RANGE = "dates must lie between 2015-01-01 and the extract's as-of date ({as_of})"
# Government statistics symbols for a value that is not given; stored as the missing reason.
SYMBOLS = {"[c]": "[c] confidential", "[x]": "[x] not available", "[z]": "[z] not applicable"}


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


# -- reusable rule parts ---------------------------------------------------------------------------


def also_on_rows(keys: list[str], shown: int = 5) -> Callable[[], pl.Expr]:
    def detail() -> pl.Expr:
        others = pl.col("row").over(keys, mapping_strategy="join").list.set_difference(pl.concat_list("row"))
        n = others.list.len()
        word = pl.when(n == 1).then(pl.lit(", also on row ")).otherwise(pl.lit(", also on rows "))
        rows = others.list.sort().list.head(shown).cast(pl.List(pl.String)).list.join(", ")
        more = pl.when(n > shown).then(pl.format(" and {} more", n - shown)).otherwise(pl.lit(""))
        return word + rows + more

    return detail


def date_or_empty(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(f"{name}_raw").is_null() | pl.col(name).is_not_null()


def in_range(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(name).is_between(pl.lit(EARLIEST_DATA), pl.col("as_of"))


def given(name: str) -> Callable[[], pl.Expr]:
    return lambda: pl.col(name).is_not_null()


def whole_or_explained() -> pl.Expr:
    """A count: a whole number of 0 or more, or no value with a reason it is missing."""
    v = pl.col("value")
    whole = (v.is_finite() & (v >= 0) & (v == v.floor())).fill_null(False)
    return whole | (pl.col("value_raw").is_null() & pl.col("missing_reason").is_not_null())


def unique_key(keys: list[str]) -> Callable[[], pl.Expr]:
    return lambda: pl.when(all_given(keys)).then(pl.len().over(keys) == 1)


def all_given(names: list[str]) -> pl.Expr:
    return pl.all_horizontal(pl.col(names).is_not_null())


def known_area() -> pl.Expr:
    return pl.col("area_code").is_not_null() | pl.col("area_ambiguity").is_not_null()


def on_distinct(frame: pl.DataFrame, column: str, parse: Callable[[pl.Expr], pl.Expr], dtype: Any) -> pl.Expr:
    """`parse` applied to each distinct value of a column, looked up for every row.

    Extract columns repeat a few thousand values (forces, dates, months) over up to millions of rows:
    parsing the distinct values once and mapping back is many times faster than parsing every cell."""
    distinct = frame.get_column(column).unique().drop_nulls()
    parsed = pl.DataFrame({column: distinct}).select(parse(pl.col(column))).to_series()
    return pl.col(column).replace_strict(distinct, parsed, default=None, return_dtype=dtype)


def normalised_word(text: pl.Expr) -> pl.Expr:
    """Lower case, spaces and hyphens as `_`: "Early advice requests" -> early_advice_requests."""
    return text.str.to_lowercase().str.strip_chars().str.replace_all(r"[\s\-]+", "_")


def value_parts(raw: pl.Expr, reason: pl.Expr) -> list[pl.Expr]:
    """value_raw, value and missing_reason from a value cell: a symbol such as [c] is no value, with
    the symbol's meaning as the reason (value_raw is then empty: the cell gave no number)."""
    symbol = raw.str.to_lowercase().replace_strict(SYMBOLS, default=None, return_dtype=pl.String)
    return [
        pl.when(symbol.is_null()).then(raw).alias("value_raw"),
        pl.when(symbol.is_null()).then(raw.cast(pl.Float64, strict=False)).alias("value"),
        pl.coalesce(symbol, reason).alias("missing_reason"),
    ]


# -- area-month metrics ----------------------------------------------------------------------------


class MetricChecks(dy.Schema):
    row = dy.Int64()
    area_code_raw = dy.String(nullable=True)
    area_code_source = dy.String(nullable=True)
    area_code = dy.String(nullable=True)
    area_ambiguity = dy.String(nullable=True)
    metric_source = dy.String(nullable=True)
    value_source = dy.String(nullable=True)
    month_raw = dy.String(nullable=True)
    month = dy.Date(nullable=True)
    metric = dy.String(nullable=True)
    value_raw = dy.String(nullable=True)
    value = dy.Float64(nullable=True)
    missing_reason = dy.String(nullable=True)
    as_of = dy.Date()

    area_code_known = check("area_code", "not a known area code or area name", known_area)
    area_code_unambiguous = check(
        "area_code",
        "the area name matches more than one area",
        lambda: pl.col("area_ambiguity").is_null(),
        lambda: pl.format(": {}; give the area code", pl.col("area_ambiguity")),
    )
    month_format = check("month", f"month must be {MONTH_FORMS}", given("month"))
    month_first_day = check(
        "month",
        "a month given as a date must be the first day of the month",
        lambda: pl.col("month").dt.day() == 1,
    )
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
    value_whole = check(
        "value",
        "value must be a whole number of 0 or more (or empty with a missing_reason)",
        whole_or_explained,
    )
    value_or_reason = check(
        "value",
        "give either a value or a missing_reason, not both",
        lambda: pl.col("value_raw").is_null() | pl.col("missing_reason").is_null(),
    )
    metric_key_unique = check(
        "area_code",
        "duplicate (area, month, metric) in this file",
        unique_key(METRIC_KEY),
        also_on_rows(METRIC_KEY),
    )


class MetricValues(dy.Schema):
    """A clean metrics extract, ready to load: one value (or missing reason) per area, month, metric.

    The key is unique by the check schemas' own rule (metric_key_unique / key_unique), which reports
    the rows at fault; it is not checked a second time here (on a million rows that costs 10%)."""

    area_code = dy.String()
    month = dy.Date(resolution="1mo")
    metric = dy.String()
    value = dy.Float64(nullable=True, min=0)
    missing_reason = dy.String(nullable=True)


def area_column(columns: list[str]) -> str:
    return next(c for c in AREA_COLUMNS if c in columns)


def _metric_frame(
    raw: pl.DataFrame, ctx: Context, area: str, metric: pl.Expr, reason: pl.Expr
) -> pl.DataFrame:
    text = pl.col(area)
    source = pl.col("metric_source") if "metric_source" in raw.columns else pl.lit(None, pl.String)
    return raw.select(
        "row",
        text.alias("area_code_raw"),
        on_distinct(raw, area, ctx.areas.code, pl.String).alias("area_code"),
        on_distinct(raw, area, ctx.areas.ambiguity, pl.String).alias("area_ambiguity"),
        pl.lit(area).alias("area_code_source"),
        pl.col("month").alias("month_raw"),
        on_distinct(raw, "month", parse_month, pl.Date).alias("month"),
        metric.alias("metric"),
        *value_parts(pl.col("value"), reason),
        pl.lit(ctx.as_of).alias("as_of"),
        source.alias("metric_source"),
        source.alias("value_source"),
    )


def prepare_metrics(raw: pl.DataFrame, ctx: Context) -> Prepared:
    """The check frame of a long metrics file (`area_code, month, metric, value[, missing_reason]`)."""
    reason = pl.col("missing_reason") if "missing_reason" in raw.columns else pl.lit(None, pl.String)
    area = area_column(raw.columns)
    metric = on_distinct(raw, "metric", normalised_word, pl.String)
    return Prepared(_metric_frame(raw, ctx, area, metric, reason))


def wide_metric_columns(columns: list[str]) -> list[str]:
    area = area_column(columns)
    return [c for c in columns if c not in ("row", area, "month")]


def prepare_wide_metrics(raw: pl.DataFrame, ctx: Context) -> Prepared:
    """The check frame of a wide metrics file (`area_code, month`, then one column per metric):
    one row per non-empty metric cell; problems name the metric's column."""
    area = area_column(raw.columns)
    metrics = wide_metric_columns(raw.columns)
    unknown = [c for c in metrics if c not in METRICS]
    if unknown:
        problem = Problem(
            ctx.file,
            1,
            None,
            None,
            f"column {', '.join(unknown)} is not a known metric: a wide metrics file has {area}, month, then "
            f"one column per metric ({', '.join(METRICS)})",
            "metric_known",
        )
        return Prepared(pl.DataFrame(), problems=[problem])
    long = raw.unpivot(
        index=["row", area, "month"], on=metrics, variable_name="metric_source", value_name="value"
    )
    long = long.filter(pl.col("value").is_not_null()).sort("row", maintain_order=True)
    return Prepared(_metric_frame(long, ctx, area, pl.col("metric_source"), pl.lit(None, pl.String)))


# -- case timelines --------------------------------------------------------------------------------


class CaseChecks(dy.Schema):
    row = dy.Int64()
    case_ref = dy.String(nullable=True)
    force_code_raw = dy.String(nullable=True)
    force_code = dy.String(nullable=True)
    reported_on_raw = dy.String(nullable=True)
    reported_on = dy.Date(nullable=True)
    file_submitted_on_raw = dy.String(nullable=True)
    file_submitted_on = dy.Date(nullable=True)
    closed_on_raw = dy.String(nullable=True)
    closed_on = dy.Date(nullable=True)
    closure_reason_raw = dy.String(nullable=True)
    closure_reason = dy.String(nullable=True)
    as_of_raw = dy.String(nullable=True)
    file_as_of = dy.Date(nullable=True)
    as_of = dy.Date()

    case_ref_present = check("case_ref", "case_ref must not be empty", given("case_ref"))
    case_ref_not_demo = check(
        "case_ref",
        "case_ref must not start with DEMO- (reserved for synthetic demonstration data)",
        lambda: ~pl.col("case_ref").str.to_uppercase().str.starts_with("DEMO-"),
    )
    case_ref_unique = check(
        "case_ref", "duplicate case_ref in this file", unique_key(["case_ref"]), also_on_rows(["case_ref"])
    )
    force_code_known = check(
        "force_code",
        "force_code is not a known police force area code or name",
        lambda: pl.col("force_code").is_not_null(),
    )
    reported_on_present = check("reported_on", "reported_on must not be empty", given("reported_on_raw"))
    reported_on_format = check(
        "reported_on", f"reported_on must be {DATE_FORMS}", date_or_empty("reported_on")
    )
    file_submitted_on_format = check(
        "file_submitted_on",
        f"file_submitted_on must be {DATE_FORMS}, or empty",
        date_or_empty("file_submitted_on"),
    )
    closed_on_format = check(
        "closed_on", f"closed_on must be {DATE_FORMS}, or empty", date_or_empty("closed_on")
    )
    reported_on_in_range = check("reported_on", IN_RANGE, in_range("reported_on"))
    file_submitted_on_in_range = check("file_submitted_on", IN_RANGE, in_range("file_submitted_on"))
    closed_on_in_range = check("closed_on", IN_RANGE, in_range("closed_on"))
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
    as_of_format = check(
        "as_of",
        f"as_of must be {DATE_FORMS}",
        lambda: pl.col("as_of_raw").is_null() | pl.col("file_as_of").is_not_null(),
    )
    as_of_same = check(
        "as_of",
        "as_of must be the same date on every row (the extract's as-of date is {as_of})",
        lambda: pl.col("file_as_of") == pl.col("as_of"),
    )


class CaseTimelines(dy.Schema):
    """A clean case extract, ready to load (case_ref is unique by the rule case_ref_unique)."""

    case_ref = dy.String()
    force_code = dy.String()
    reported_on = dy.Date()
    file_submitted_on = dy.Date(nullable=True)
    closed_on = dy.Date(nullable=True)
    closure_reason = dy.String(nullable=True)


def file_as_of(raw: pl.DataFrame) -> date | None:
    """The as-of date a case file gives in its as_of column (first row that has one), if any."""
    if "as_of" not in raw.columns:
        return None
    found = raw.select(pl.col("as_of").drop_nulls().first()).select(parse_date(pl.col("as_of"))).item()
    return found if isinstance(found, date) else None


def prepare_cases(raw: pl.DataFrame, ctx: Context) -> Prepared:
    """The check frame of a case file (text cells and `row`)."""
    if "as_of" not in raw.columns:
        raw = raw.with_columns(pl.lit(None, pl.String).alias("as_of"))
    dates = []
    for name in CASE_DATES:
        dates += [pl.col(name).alias(f"{name}_raw"), on_distinct(raw, name, parse_date, pl.Date).alias(name)]
    frame = raw.select(
        "row",
        "case_ref",
        pl.col("force_code").alias("force_code_raw"),
        on_distinct(raw, "force_code", lambda t: ctx.areas.code(t, "force"), pl.String).alias("force_code"),
        *dates,
        pl.col("closure_reason").alias("closure_reason_raw"),
        on_distinct(raw, "closure_reason", normalised_word, pl.String).alias("closure_reason"),
        pl.col("as_of").alias("as_of_raw"),
        on_distinct(raw, "as_of", parse_date, pl.Date).alias("file_as_of"),
        pl.lit(ctx.as_of).alias("as_of"),
    )
    return Prepared(frame)


# -- running the checks ----------------------------------------------------------------------------


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
    return pl.DataFrame(
        schema={
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "value": pl.String,
            "rule": pl.String,
            "code": pl.String,
            "summary": pl.String,
        }
    )
