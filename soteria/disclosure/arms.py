"""Each arm's area-by-period table with the arm totals as its column totals, withheld where small."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from soteria.disclosure.note import DisclosureNote


def arm_grids(
    per_area: pl.DataFrame, counted: pl.Expr, value: str, threshold: int
) -> tuple[pl.DataFrame, pl.DataFrame, DisclosureNote]:
    """Each arm's area x period counts and their column totals (the arm series), small ones withheld.

    The counts are sums of perturbed base cells (`disclosure.base_cells`), so a total less its published
    cells gives at most perturbed counts: no cell needs withholding to protect another (no secondary
    suppression). Returns per-area cells (area_code, period, `value`_withheld) for every row of
    `per_area`, the arm totals (period, arm, total, total_withheld) and the note.
    """
    small = pl.col(value).is_not_null() & (pl.col(value) >= 1) & (pl.col(value) < threshold)
    cells = per_area.select("area_code", "period", small.alias(f"{value}_withheld"))
    in_arms = per_area.with_columns(_counted=counted).filter(
        pl.col("_counted"), pl.col("arm").is_in(["pilot", "control"])
    )
    totals = (
        in_arms.group_by("period", "arm")
        .agg(total=pl.col(value).cast(pl.Float64).sum())
        .with_columns(total_withheld=(pl.col("total") >= 1) & (pl.col("total") < threshold))
    )
    primary = int(cells.get_column(f"{value}_withheld").sum()) + int(
        totals.get_column("total_withheld").sum()
    )
    return cells, totals, DisclosureNote(threshold=threshold, primary=primary)


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
