"""The Ministry of Justice CJS Delivery Data Dashboard CSV, exactly as published.

One long CSV per quarterly release: `offence_type, stage, priority_area, metric_name,
geographic_granularity, geographic_area_name, date_granularity, time_period, value,
reason_for_missing_data`. What is kept: recorded adult rape rows, at CPS Area or police force area
level, with a quarterly `time_period`, for the published metrics we hold (CJS_METRICS). Everything
else is skipped and counted in the load summary (National and LCJB rows, other offence types, annual
and rolling figures, CPS Direct, metrics we do not use, listed by name). Kept rows are checked like
any extract; a value left empty with a `reason_for_missing_data` is stored as missing with that reason,
never as zero.

Quarterly figures are stored apart from the monthly series, as `<metric>_quarterly` with `month` = the
quarter's first day, so that a quarter's total is never read as one month's value.
"""

from __future__ import annotations

import dataframely as dy
import polars as pl

from soteria.domain import EARLIEST_DATA
from soteria.ingest.quarters import QUARTER_FORMS, parse_quarter, quarter_ambiguity
from soteria.ingest.rule_parts import (
    also_on_rows,
    given,
    on_distinct,
    unique_key,
    whole_or_explained,
    without_thousands,
)
from soteria.ingest.validation import Context, Prepared, check

REQUIRED = (
    "offence_type",
    "metric_name",
    "geographic_granularity",
    "geographic_area_name",
    "date_granularity",
    "time_period",
    "value",
    "reason_for_missing_data",
)
OPTIONAL = ("stage", "priority_area")
QUARTERLY_SUFFIX = "_quarterly"

# Published metric_name (compared case- and whitespace-insensitively) -> our metric.
CJS_METRICS = {
    "Number of suspects referred by the police to the CPS for either early advice or for a charging "
    "decision": "referrals",
    "Number of suspects where the CPS has made a legal decision to either: authorise a charge, advise the "
    "police the prosecution code has not been met, or to make an out of court disposal": "charging_decisions",
    "Number of suspects authorised to be charged by CPS": "charges",
}
GRANULARITY = {"cps area": "cps_area", "police force area": "force"}
SKIPPED_GRANULARITY = {"national": "National", "lcjb area": "LCJB area"}
DATE_GRANULARITY = ("quarter",)
SKIPPED_DATE_GRANULARITY = ("annual", "rolling annual", "quarterly average")
KEY = ["area_code", "month", "metric"]


def quarterly(metric: str) -> str:
    return f"{metric}{QUARTERLY_SUFFIX}"


def _plain(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def _plain_name(text: str) -> str:
    return " ".join(text.lower().split())


METRIC_MAP = {_plain_name(name): quarterly(metric) for name, metric in CJS_METRICS.items()}


class CjsChecks(dy.Schema):
    row = dy.Int64()
    geographic_granularity = dy.String(nullable=True)
    area_kind = dy.String(nullable=True)
    date_granularity = dy.String(nullable=True)
    area_code_raw = dy.String(nullable=True)
    area_code_source = dy.String()
    area_code = dy.String(nullable=True)
    month_raw = dy.String(nullable=True)
    month_source = dy.String()
    month = dy.Date(nullable=True)
    month_ambiguity = dy.String(nullable=True)
    metric = dy.String()
    value_raw = dy.String(nullable=True)
    value = dy.Float64(nullable=True)
    missing_reason = dy.String(nullable=True)
    as_of = dy.Date()

    granularity_known = check(
        "geographic_granularity",
        "geographic_granularity must be one of National, LCJB area, CPS area, Police force area",
        given("area_kind"),
    )
    date_granularity_known = check(
        "date_granularity",
        "date_granularity must be one of Annual, rolling annual, quarter, quarterly average",
        lambda: _plain(pl.col("date_granularity")).is_in(list(DATE_GRANULARITY)).fill_null(False),
    )
    area_known = check(
        "area_code",
        "geographic_area_name is not a known area of its geographic_granularity",
        lambda: pl.col("area_code").is_not_null() | pl.col("area_kind").is_null(),
    )
    time_period_format = check(
        "month",
        f"time_period must be {QUARTER_FORMS}",
        lambda: pl.col("month").is_not_null() | pl.col("month_ambiguity").is_not_null(),
    )
    time_period_unambiguous = check(
        "month",
        "time_period names a financial year by one year",
        lambda: pl.col("month_ambiguity").is_null(),
        lambda: pl.format(": it {}", pl.col("month_ambiguity")),
    )
    quarter_in_range = check(
        "month",
        "the quarter must start between 2015-01-01 and the extract's as-of date ({as_of})",
        lambda: pl.col("month").is_between(pl.lit(EARLIEST_DATA), pl.col("as_of")),
    )
    value_whole = check(
        "value",
        "value must be a whole number of 0 or more, or empty with a reason_for_missing_data",
        whole_or_explained,
    )
    key_unique = check(
        "area_code",
        "the same area, quarter and metric appear more than once",
        unique_key(KEY),
        also_on_rows(KEY),
    )


def prepare_cjs(raw: pl.DataFrame, ctx: Context) -> Prepared:
    """The check frame of the rows we keep, and what was skipped and why (in the notes)."""
    granularity = on_distinct(raw, "geographic_granularity", _plain, pl.String)
    date_granularity = on_distinct(raw, "date_granularity", _plain, pl.String)
    metric_name = on_distinct(raw, "metric_name", _plain, pl.String)
    offence = on_distinct(raw, "offence_type", _plain, pl.String).fill_null("")
    area_code = on_distinct(raw, "geographic_area_name", ctx.areas.code, pl.String)
    skip = (
        pl.when(~offence.str.contains("rape"))
        .then(pl.format("offence type '{}'", pl.col("offence_type").fill_null("(empty)")))
        .when(granularity.is_in(list(SKIPPED_GRANULARITY)))
        .then(granularity.replace_strict(SKIPPED_GRANULARITY, default=None))
        .when(area_code.is_null() & pl.col("geographic_area_name").str.to_lowercase().str.contains("direct"))
        .then(pl.lit("CPS Direct (no geography)"))
        .when(date_granularity.is_in(list(SKIPPED_DATE_GRANULARITY)))
        .then(pl.format("date_granularity '{}'", pl.col("date_granularity")))
        .when(~metric_name.is_in(list(METRIC_MAP)).fill_null(True))
        .then(pl.lit("published metrics not used here"))
    )
    classified = raw.with_columns(skip.alias("skip"))
    skipped = classified.filter(pl.col("skip").is_not_null())
    counts = dict(skipped.group_by("skip").len().sort("len", descending=True).iter_rows())
    unused = sorted(
        {n for n in raw["metric_name"].drop_nulls().unique().to_list() if _plain_name(n) not in METRIC_MAP}
    )
    kind = granularity.replace_strict(GRANULARITY, default=None, return_dtype=pl.String)
    kept = classified.filter(pl.col("skip").is_null()).with_columns(
        pl.concat_str(kind.fill_null(""), pl.col("geographic_area_name"), separator="|").alias("area_key")
    )
    value = without_thousands(pl.col("value"))
    frame = kept.select(
        "row",
        "geographic_granularity",
        kind.alias("area_kind"),
        "date_granularity",
        pl.col("geographic_area_name").alias("area_code_raw"),
        on_distinct(kept, "area_key", ctx.areas.code_in_kind, pl.String).alias("area_code"),
        pl.lit("geographic_area_name").alias("area_code_source"),
        pl.col("time_period").alias("month_raw"),
        on_distinct(kept, "time_period", parse_quarter, pl.Date).alias("month"),
        on_distinct(kept, "time_period", quarter_ambiguity, pl.String).alias("month_ambiguity"),
        pl.lit("time_period").alias("month_source"),
        metric_name.replace_strict(METRIC_MAP, default=None, return_dtype=pl.String).alias("metric"),
        pl.col("value").alias("value_raw"),
        value.cast(pl.Float64, strict=False).alias("value"),
        pl.when(pl.col("value").is_null()).then(pl.col("reason_for_missing_data")).alias("missing_reason"),
        pl.lit(ctx.as_of).alias("as_of"),
    )
    notes = []
    if counts:
        total = sum(counts.values())
        parts = "; ".join(f"{reason} ({n:,})" for reason, n in counts.items())
        notes.append(f"skipped {total:,} of {raw.height:,} rows (not errors), rows by reason: {parts}")
    if unused:
        notes.append(f"published metrics not used ({len(unused)}): " + "; ".join(unused))
    used = sorted(
        {
            METRIC_MAP[_plain_name(n)]
            for n in raw["metric_name"].drop_nulls().unique()
            if _plain_name(n) in METRIC_MAP
        }
    )
    if used:
        notes.append(
            "quarterly figures are stored as " + ", ".join(used) + " (month = the quarter's first day)"
        )
    stats = {"skipped": counts, "unused_metrics": unused, "kept_rows": frame.height}
    return Prepared(frame, notes=notes, stats=stats)
