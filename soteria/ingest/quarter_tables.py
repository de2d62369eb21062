"""Tables of areas by quarter, as the CPS data summaries and the Home Office publish them.

One row per area (by name or code, in a column such as `CPS Area`, `Force` or `area`), one column per
quarter (`Q1 2024-25`, `2024 Q2`, `Apr-Jun 2024`; see `quarters`), the header over one or more rows
("2024-25" over "Q1 Q2 Q3 Q4", `cells.header_rows`). Which metric the table holds comes from, in order:
a metric named in the quarter's header ("Referrals Q1 2024-25", or "Referrals" over the quarters), a
`metric` column, or the metric chosen for the file (the Upload page's Metric box, `--metric`). Columns
that are not quarters (a Total, notes) are listed as ignored. A header that could mean two quarters is
refused with both readings.

Values are quarter totals and are stored as `<metric>_quarterly` with `month` = the quarter's first day
(as the MoJ CSV's are), never read as one month's value.
"""

from __future__ import annotations

import dataframely as dy
import polars as pl

from soteria.domain import EARLIEST_DATA, METRICS
from soteria.ingest.cells import column_key
from soteria.ingest.cjs import quarterly
from soteria.ingest.metric_checks import MetricChecks
from soteria.ingest.problems import Problem
from soteria.ingest.quarters import QUARTER_FORMS, parse_quarter, quarter_ambiguity
from soteria.ingest.rule_parts import normalised_word, on_distinct, value_parts, without_thousands
from soteria.ingest.validation import Context, Prepared, check

# Where such a table names its areas (after the metrics layouts' own area columns).
AREA_COLUMNS = ("area_code", "area", "area_name", "cps_area", "force", "force_name", "police_force_area")
QUARTERLY = {quarterly(m): m for m in METRICS}
# A column named for one kind of area is looked up among those only ("West Midlands" under "CPS Area").
COLUMN_KIND = {"cps_area": "cps_area", "force": "force", "force_name": "force", "police_force_area": "force"}


def _metric_prefixes() -> list[tuple[str, str]]:
    found = {(m, m) for m in METRICS} | {(column_key(spec.label), m) for m, spec in METRICS.items()}
    return sorted(found, key=lambda p: -len(p[0]))  # longest first: "charging_decisions" before "charges"


def split_header(key: str) -> tuple[str | None, str]:
    """A header as matched, split into the metric it names first (if any) and the rest."""
    for prefix, metric in _metric_prefixes():
        if key.startswith(prefix + "_"):
            return metric, key[len(prefix) + 1 :]
    return None, key


def area_column(columns: list[str]) -> str | None:
    return next((c for c in AREA_COLUMNS if c in columns), None)


def quarter_headers(columns: list[str]) -> pl.DataFrame:
    """For each column that is a quarter (or could be one of two): its metric (if named), first day and
    ambiguity; columns that are not quarters are not in it."""
    rows = [(c, *split_header(c)) for c in columns if c not in ("row", "metric")]
    frame = pl.DataFrame(rows, schema=["column", "metric", "label"], orient="row")
    frame = frame.with_columns(
        start=parse_quarter(pl.col("label")), ambiguity=quarter_ambiguity(pl.col("label"))
    )
    return frame.filter(pl.col("start").is_not_null() | pl.col("ambiguity").is_not_null())


def is_quarter_table(columns: list[str]) -> bool:
    return area_column(columns) is not None and "month" not in columns and quarter_headers(columns).height > 0


class QuarterChecks(MetricChecks):
    """The metrics rules, said of quarters; the metric is one of ours, stored as its quarterly figure."""

    month_format = check(
        "month", f"the column must be {QUARTER_FORMS}", lambda: pl.col("month").is_not_null()
    )
    month_in_range = check(
        "month",
        "the quarter must start between 2015-01 and the month of the extract's as-of date ({as_of})",
        lambda: pl.col("month").is_between(pl.lit(EARLIEST_DATA), pl.col("as_of").dt.truncate("1mo")),
    )
    month_source = dy.String(nullable=True)
    metric_known = check(
        "metric",
        f"metric must be one of {', '.join(METRICS)}",
        lambda: pl.col("metric").is_in(list(QUARTERLY)).fill_null(False),
    )


def prepare_quarter_table(raw: pl.DataFrame, ctx: Context) -> Prepared:
    """One check row per area and quarter cell that holds something; problems name the quarter's
    column (its header as matched)."""
    area = area_column(raw.columns)
    headers = quarter_headers(raw.columns)
    problems = [
        Problem(ctx.file, 1, column, column, f"the column header {column} {why}", "quarter_unambiguous")
        for column, why in headers.filter(pl.col("ambiguity").is_not_null())
        .select("column", "ambiguity")
        .rows()
    ]
    headers = headers.filter(pl.col("start").is_not_null())
    unnamed = headers.filter(pl.col("metric").is_null())
    if unnamed.height and "metric" not in raw.columns and ctx.metric is None:
        problems.append(
            Problem(
                ctx.file,
                1,
                None,
                None,
                "this table of areas by quarter does not say which metric it holds: choose it in the Metric "
                "box on the Upload page (--metric on the command line), add a metric column, or name the "
                f"metric in the header ({', '.join(METRICS)})",
                "metric_needed",
            )
        )
    if problems or area is None:
        return Prepared(pl.DataFrame(), problems=problems)
    index = ["row", area, *(["metric"] if "metric" in raw.columns else [])]
    long = raw.unpivot(
        index=index, on=headers["column"].to_list(), variable_name="month_source", value_name="value"
    )
    long = long.filter(pl.col("value").is_not_null()).sort("row", maintain_order=True)
    long = long.join(
        headers.select(
            pl.col("column").alias("month_source"), pl.col("metric").alias("header_metric"), "start"
        ),
        on="month_source",
        how="left",
        maintain_order="left",
    )
    named = on_distinct(long, "metric", normalised_word, pl.String) if "metric" in long.columns else None
    metric = pl.coalesce(pl.col("header_metric"), *([named] if named is not None else []), pl.lit(ctx.metric))
    frame = long.select(
        "row",
        pl.col(area).alias("area_code_raw"),
        on_distinct(long, area, lambda t: ctx.areas.code(t, COLUMN_KIND.get(area)), pl.String).alias(
            "area_code"
        ),
        (
            pl.lit(None, pl.String)
            if area in COLUMN_KIND
            else on_distinct(long, area, ctx.areas.ambiguity, pl.String)
        ).alias("area_ambiguity"),
        pl.lit(area).alias("area_code_source"),
        pl.col("month_source").alias("month_raw"),
        "month_source",
        pl.col("start").alias("month"),
        pl.format("{}_quarterly", metric).alias("metric"),
        *value_parts(without_thousands(pl.col("value")), pl.lit(None, pl.String)),
        pl.lit(ctx.as_of).alias("as_of"),
        pl.lit("metric" if "metric" in long.columns else None, pl.String).alias("metric_source"),
        pl.col("month_source").alias("value_source"),
    )
    metrics = sorted({QUARTERLY.get(m, m) for m in frame["metric"].drop_nulls().unique().to_list()})
    stored = ", ".join(metrics)
    notes = [f"quarterly figures of {stored}, stored as <metric>_quarterly (month = the quarter's first day)"]
    return Prepared(frame, notes=notes)
