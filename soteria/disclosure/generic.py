"""Any other table: the evaluation's estimates and a page's own table."""

from __future__ import annotations

import polars as pl

from soteria.disclosure.grids import suppress_counts
from soteria.disclosure.note import CONFIDENTIAL, COUNT_COLUMNS, DisclosureNote
from soteria.disclosure.published import Published, publish, symbol_if
from soteria.disclosure.survival import km_curves


def estimates(frame: pl.DataFrame) -> Published:
    """A table of model estimates (effects, intervals, p-values): no counts, nothing to withhold, but
    any count column it carries still gets primary suppression."""
    counts = [c for c in frame.columns if c in COUNT_COLUMNS]
    flagged = suppress_counts(frame, counts)
    rules = {c: symbol_if(pl.col(f"{c}_withheld"), CONFIDENTIAL) for c in counts}
    note = DisclosureNote(primary=int(sum(flagged.get_column(f"{c}_withheld").sum() for c in counts)))
    return publish(flagged, rules, note, counts, keep=frame.columns)


def generic(frame: pl.DataFrame) -> Published:
    """The best rule for a table whose shape is known only by its columns (a page's own table):
    survival curves as `km_curves`; otherwise primary suppression of every count column, and of an
    area's `actual` count, with the `gap` derived from it."""
    if {"arm", "period", "day", "share_filed", "at_risk"} <= set(frame.columns):
        return km_curves(frame)
    counts = [c for c in frame.columns if c in COUNT_COLUMNS]
    flagged = suppress_counts(frame, counts)
    rules = {c: symbol_if(pl.col(f"{c}_withheld"), CONFIDENTIAL) for c in counts}
    if "actual" in counts and "gap" in frame.columns:
        rules["gap"] = symbol_if(pl.col("actual_withheld"), CONFIDENTIAL)
    note = DisclosureNote(primary=int(sum(flagged.get_column(f"{c}_withheld").sum() for c in counts)))
    return publish(flagged, rules, note, tuple(counts), keep=frame.columns)
