"""Each arm's area-by-period table with the arm totals as its column totals, so the arm series and the
per-area panels never give each other away.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from soteria.disclosure.grids import suppress_grid
from soteria.disclosure.note import DisclosureNote


def arm_grids(
    per_area: pl.DataFrame, counted: pl.Expr, value: str, threshold: int
) -> tuple[pl.DataFrame, pl.DataFrame, DisclosureNote]:
    """Suppress each arm's area x period table of counted cells, with the arm totals as column totals.

    Returns per-area cells (area_code, period, `value`_withheld) covering every row of `per_area`
    (cells outside any arm table get primary suppression only), the arm totals (period, arm, total,
    total_withheld) and the note.
    """
    base = per_area.with_columns(_counted=counted)
    parts, totals, note = [], [], DisclosureNote(threshold=threshold)
    for arm in ("pilot", "control"):
        table = base.filter(pl.col("arm") == arm, pl.col("_counted"))
        if table.is_empty():
            continue
        grid = suppress_grid(
            table.select("area_code", "period", value),
            value,
            "area_code",
            "period",
            col_totals=True,
            threshold=threshold,
        )
        parts.append(
            grid.cells.select(
                "area_code", "period", pl.col("withheld").alias("_w"), pl.col("primary").alias("_p")
            )
        )
        totals.append(
            grid.col_totals.select(
                "period", pl.lit(arm).alias("arm"), "total", pl.col("withheld").alias("total_withheld")
            )
        )
        note = note + grid.note
    rest = base.filter(~pl.col("_counted")).select(
        "area_code",
        "period",
        _w=pl.col(value).is_not_null() & (pl.col(value) >= 1) & (pl.col(value) < threshold),
    )
    rest = rest.with_columns(_p=pl.col("_w"))
    note = note + DisclosureNote(primary=int(rest.get_column("_w").sum()))
    cells = pl.concat([*parts, rest], how="vertical_relaxed") if parts else rest
    cells = cells.rename({"_w": f"{value}_withheld"}).drop("_p")
    arm_totals = (
        pl.concat(totals)
        if totals
        else pl.DataFrame(
            schema={"period": pl.Date, "arm": pl.String, "total": pl.Float64, "total_withheld": pl.Boolean}
        )
    )
    return cells, arm_totals, note


IN_ARM = (pl.col("arm") == "pilot") | pl.col("in_control").fill_null(False)


def arm_presence(per_area: pl.DataFrame, value: str) -> pl.DataFrame:
    """period, arm, members (areas in the arm that period), known (of them with a value)."""
    return (
        per_area.filter(IN_ARM)
        .group_by("period", "arm")
        .agg(members=pl.len(), known=pl.col(value).is_not_null().sum())
    )


def baseline_flag(
    frame: pl.DataFrame, keys: Sequence[str], withheld: str, count: str, year: int, min_cases: int
) -> pl.DataFrame:
    """keys + `_base_bad`: the baseline year holds a withheld value or fewer than min_cases cases."""
    base = frame.filter(pl.col("period").dt.year() == year)
    return base.group_by(keys).agg(_base_bad=pl.col(withheld).any() | (pl.col(count).sum() < min_cases))
