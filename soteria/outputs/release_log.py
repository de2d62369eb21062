"""What changed between data versions: each load, newest first, with the measures and areas it added or
revised (counts of values only, never the values: the log gives no small count away). Case extracts
are summed over their forces for the same reason."""

from __future__ import annotations

import polars as pl

from soteria.domain import METRICS

COLUMNS = ["Extract", "Loaded", "File", "Status", "Measure", "Area", "New", "Revised", "Unchanged", "Periods"]


def _measure(what: pl.Expr) -> pl.Expr:
    labels = {name: m.label for name, m in METRICS.items()}
    labels |= {f"{name}_quarterly": f"{m.label} (quarterly)" for name, m in METRICS.items()}
    labels["cases"] = "Case timelines"
    return what.replace_strict(labels, default=what, return_dtype=pl.String)


def release_log(changes: pl.DataFrame, extracts: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """One row per load and measure and area (cases: one row per load, 'N forces'), newest first.

    `changes`: Store.changes_by_extract; `extracts`: Store.extract_list (extract_id, file_name,
    loaded_at, status); `names`: area_code -> area name."""
    cases = (
        changes.filter(pl.col("what") == "cases")
        .group_by("extract_id", "what")
        .agg(
            pl.format("{} forces", pl.col("area_code").n_unique()).alias("area"),
            pl.col("new").sum(),
            pl.col("revised").sum(),
            pl.col("unchanged").sum(),
            pl.col("first_month").min(),
            pl.col("last_month").max(),
        )
    )
    metrics = changes.filter(pl.col("what") != "cases").select(
        "extract_id",
        "what",
        pl.col("area_code")
        .replace_strict(names, default=pl.col("area_code"), return_dtype=pl.String)
        .alias("area"),
        "new",
        "revised",
        "unchanged",
        "first_month",
        "last_month",
    )
    rows = pl.concat([metrics, cases.select(metrics.columns)])
    info = extracts.select("extract_id", "file_name", "loaded_at", "status")
    joined = info.join(rows, on="extract_id", how="left").sort(
        ["extract_id", "what", "area"], descending=[True, False, False]
    )
    return joined.select(
        pl.col("extract_id").alias("Extract"),
        pl.col("loaded_at").dt.strftime("%-d %b %Y %H:%M").alias("Loaded"),
        pl.col("file_name").alias("File"),
        pl.col("status").alias("Status"),
        _measure(pl.col("what")).fill_null("—").alias("Measure"),
        pl.col("area").fill_null("—").alias("Area"),
        pl.col("new").fill_null(0).alias("New"),
        pl.col("revised").fill_null(0).alias("Revised"),
        pl.col("unchanged").fill_null(0).alias("Unchanged"),
        pl.when(pl.col("first_month").is_null())
        .then(pl.lit("—"))
        .otherwise(
            pl.format(
                "{} to {}",
                pl.col("first_month").dt.strftime("%b %Y"),
                pl.col("last_month").dt.strftime("%b %Y"),
            )
        )
        .alias("Periods"),
    )


def extract_heading(row: dict[str, object]) -> str:
    """A load's heading in the log: its number, file and time, and whether it was undone."""
    undone = " (undone: it changes nothing that stands)" if row["Status"] == "undone" else ""
    return f"Extract {row['Extract']}: {row['File']}, loaded {row['Loaded']}{undone}"
