"""The pieces rules are made of: polars expressions with the plain-English meaning a problem shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from soteria.domain import EARLIEST_DATA

# Government statistics symbols for a value that is not given; stored as the missing reason.
SYMBOLS = {"[c]": "[c] confidential", "[x]": "[x] not available", "[z]": "[z] not applicable"}


def also_on_rows(keys: list[str], shown: int = 5) -> Callable[[], pl.Expr]:
    def detail() -> pl.Expr:
        # Each row gets only its key's first few rows, never the whole group: a key repeated n times
        # would otherwise give n lists of n rows (memory growing with the square of the repeats).
        first = pl.col("row").sort().head(shown + 1).over(keys, mapping_strategy="join")
        others = first.list.set_difference(pl.concat_list("row")).list.sort().list.head(shown)
        n = pl.len().over(keys) - 1
        word = pl.when(n == 1).then(pl.lit(", also on row ")).otherwise(pl.lit(", also on rows "))
        rows = others.cast(pl.List(pl.String)).list.join(", ")
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


def without_thousands(value: pl.Expr) -> pl.Expr:
    """A published number's thousands separators dropped ("1,079"); anything else with a comma stays
    as written (and invalid)."""
    thousands = value.str.contains(r"^\d{1,3}(?:,\d{3})+$")
    return pl.when(thousands).then(value.str.replace_all(",", "", literal=True)).otherwise(value)
