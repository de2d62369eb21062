"""A published table: the frame with withheld cells null, the symbols that say why, the note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl
from polars.expr.whenthen import Then

from soteria.disclosure.note import SYMBOLS, DisclosureNote

WHOLE = ("day",)  # columns of whole numbers that are not counts


@dataclass(frozen=True)
class Published:
    """A table as it may be shown: withheld cells are null in `frame` and named in `symbols`.

    `symbols` has the same height as `frame` and one String column per column of `frame` that has any
    symbol (null where the value is published). `counts` names the count columns.
    """

    frame: pl.DataFrame
    symbols: pl.DataFrame
    note: DisclosureNote
    counts: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # column -> heading for people
    percent: tuple[str, ...] = ()  # shares kept as fractions, published as percentages

    def rounded(self) -> pl.DataFrame:
        """The frame as published (pages, CSV and Excel alike): counts and days as whole numbers, shares
        as percentages to one decimal place, every other figure (indices, rates, estimates) to one."""
        exprs = []
        for name, dtype in self.frame.schema.items():
            col = pl.col(name)
            if not dtype.is_numeric():
                exprs.append(col)
            elif name in self.counts or name in WHOLE:
                exprs.append(col.round(0).cast(pl.Int64))
            elif name in self.percent:
                exprs.append((col * 100).round(1))
            elif dtype.is_float():
                exprs.append(col.round(1))
            else:
                exprs.append(col)
        return self.frame.select(exprs)

    def symbol_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for col in self.symbols.columns:
            for sym, n in self.symbols.get_column(col).drop_nulls().value_counts().iter_rows():
                out[sym] = out.get(sym, 0) + n
        return {s: out[s] for s in SYMBOLS if s in out}

    def legend(self) -> list[str]:
        """One line per symbol the table uses: `[c] confidential: ...`."""
        return [f"{sym} {SYMBOLS[sym]}" for sym in self.symbol_counts()]

    def display(self, *, headings: bool = False) -> pl.DataFrame:
        """Symbols written into the cells: a column with any symbol becomes text, others keep their type."""
        columns = []
        frame = self.rounded()
        for name in frame.columns:
            col = pl.col(name)
            if (
                name in self.symbols.columns
                and self.symbols.get_column(name).null_count() < self.symbols.height
            ):
                text = as_text(frame.get_column(name))
                columns.append(pl.coalesce(pl.lit(self.symbols.get_column(name)), pl.lit(text)).alias(name))
            else:
                columns.append(col)
        out = frame.select(columns)
        if headings and self.labels:
            out = out.rename({k: v for k, v in self.labels.items() if k in out.columns})
        return out


def as_text(series: pl.Series) -> pl.Series:
    if series.dtype.is_float():
        rounded = series.round(2)
        text = rounded.cast(pl.String)
        return text.str.replace(r"\.0$", "")
    return series.cast(pl.String)


def publish(
    frame: pl.DataFrame,
    rules: Mapping[str, pl.Expr],
    note: DisclosureNote,
    counts: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    keep: Sequence[str] | None = None,
) -> Published:
    """Evaluate per-column symbol expressions (a symbol, or null to publish) on `frame`, which may hold
    helper columns, and publish the `keep` columns (default: all) with withheld cells set to null."""
    symbols = frame.select(expr.cast(pl.String).alias(name) for name, expr in rules.items())
    out = frame.select(keep) if keep is not None else frame
    masked = out.with_columns(
        pl.when(pl.lit(symbols.get_column(name)).is_null()).then(pl.col(name)).otherwise(None).alias(name)
        for name in rules
    )
    return Published(masked, symbols, note, tuple(counts), dict(labels or {}))


def symbol_if(condition: pl.Expr, symbol: str) -> Then:
    return pl.when(condition).then(pl.lit(symbol))
