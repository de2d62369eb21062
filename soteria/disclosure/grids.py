"""Primary suppression of count columns that a table publishes."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from soteria.disclosure.note import THRESHOLD


def suppress_counts(frame: pl.DataFrame, columns: Sequence[str], threshold: int = THRESHOLD) -> pl.DataFrame:
    """Primary suppression only, for counts that no published total binds: Boolean `<col>_withheld`."""
    return frame.with_columns(
        (pl.col(c).is_not_null() & (pl.col(c) >= 1) & (pl.col(c) < threshold)).alias(f"{c}_withheld")
        for c in columns
    )
