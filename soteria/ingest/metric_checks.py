"""Area-month metrics, long or wide: the rules every row must meet, and the values as stored."""

from __future__ import annotations

import dataframely as dy
import polars as pl

from soteria.domain import EARLIEST_DATA, METRICS
from soteria.ingest.periods import MONTH_FORMS, parse_month
from soteria.ingest.problems import Problem
from soteria.ingest.rule_parts import (
    also_on_rows,
    given,
    known_area,
    normalised_word,
    on_distinct,
    unique_key,
    value_parts,
    whole_or_explained,
)
from soteria.ingest.validation import Context, Prepared, check

METRIC_KEY = ["area_code", "month", "metric"]


AREA_COLUMNS = ("area_code", "area", "area_name")  # where a metrics file may give its area


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
