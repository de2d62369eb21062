"""Long tables as grids with row, column and grand totals, protected by the solver."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from soteria.disclosure.core import Line, protect
from soteria.disclosure.note import THRESHOLD, DisclosureNote


@dataclass(frozen=True)
class Grid:
    """The result of `suppress_grid`: masks on the cells, and the totals with their masks."""

    cells: pl.DataFrame  # the input frame plus `withheld` and `primary` (Boolean)
    row_totals: pl.DataFrame  # row keys, total, withheld, primary (empty unless row_totals)
    col_totals: pl.DataFrame  # col keys, total, withheld, primary (empty unless col_totals)
    grand_total: tuple[float, bool] | None  # (value, withheld)

    @property
    def note(self) -> DisclosureNote:
        frames = [self.cells, self.row_totals, self.col_totals]
        primary = sum(int(f.get_column("primary").sum()) for f in frames if f.height)
        withheld = sum(int(f.get_column("withheld").sum()) for f in frames if f.height)
        if self.grand_total is not None:
            withheld += int(self.grand_total[1])
        return DisclosureNote(primary=primary, secondary=withheld - primary)


def suppress_grid(
    frame: pl.DataFrame,
    value: str,
    row: str | Sequence[str],
    col: str | Sequence[str],
    *,
    row_totals: bool = False,
    col_totals: bool = False,
    grand_total: bool = False,
    threshold: int = THRESHOLD,
) -> Grid:
    """Primary and secondary suppression of a long table of counts whose totals are published.

    `frame` has one row per cell (row keys, column keys, `value`; null = not available, left out of
    totals as the published totals leave it out). Row totals, column totals and the grand total are the
    sums of the known cells; each flag says whether that kind of total is published (and so binds).
    """
    rows = [row] if isinstance(row, str) else list(row)
    cols = [col] if isinstance(col, str) else list(col)
    cells = frame.with_row_index("_i")
    n = cells.height
    vals: list[float | None] = cells.get_column(value).cast(pl.Float64).to_list()
    lines: list[Line] = []

    def totals_for(keys: list[str]) -> pl.DataFrame:
        return cells.group_by(keys, maintain_order=True).agg(
            members=pl.col("_i"), total=pl.col(value).cast(pl.Float64).sum()
        )

    row_frame = totals_for(rows) if row_totals else cells.clear().select(rows)
    col_frame = totals_for(cols) if col_totals else cells.clear().select(cols)
    totals_index: dict[str, list[int]] = {}
    for kind, tf, on in (("row", row_frame, row_totals), ("col", col_frame, col_totals)):
        if not on:
            continue
        idx = []
        for members, total in tf.select("members", "total").iter_rows():
            vals.append(total)
            idx.append(len(vals) - 1)
            lines.append(Line(tuple(members), len(vals) - 1))
        totals_index[kind] = idx
    grand_index = None
    if grand_total:
        vals.append(float(cells.get_column(value).cast(pl.Float64).sum()))
        grand_index = len(vals) - 1
        for kind in ("row", "col"):
            if kind in totals_index:
                lines.append(Line(tuple(totals_index[kind]), grand_index))
        if not totals_index:
            lines.append(Line(tuple(range(n)), grand_index))
    withheld, primary = protect(vals, lines, threshold)

    def flagged(tf: pl.DataFrame, kind: str) -> pl.DataFrame:
        if kind not in totals_index:
            return (
                tf.drop("members", strict=False)
                .with_columns(
                    total=pl.lit(None, pl.Float64),
                    withheld=pl.lit(None, pl.Boolean),
                    primary=pl.lit(None, pl.Boolean),
                )
                .clear()
            )
        idx = totals_index[kind]
        return tf.drop("members").with_columns(
            withheld=pl.Series(withheld[idx]), primary=pl.Series(primary[idx])
        )

    return Grid(
        cells=cells.drop("_i").with_columns(withheld=pl.Series(withheld[:n]), primary=pl.Series(primary[:n])),
        row_totals=flagged(row_frame, "row"),
        col_totals=flagged(col_frame, "col"),
        grand_total=None if grand_index is None else (vals[grand_index] or 0.0, bool(withheld[grand_index])),
    )


def suppress_counts(frame: pl.DataFrame, columns: Sequence[str], threshold: int = THRESHOLD) -> pl.DataFrame:
    """Primary suppression only, for counts that no published total binds: Boolean `<col>_withheld`."""
    return frame.with_columns(
        (pl.col(c).is_not_null() & (pl.col(c) >= 1) & (pl.col(c) < threshold)).alias(f"{c}_withheld")
        for c in columns
    )
