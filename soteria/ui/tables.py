"""Tables on a page, written once: data tables (a sortable grid) and short tables of words (plain HTML
that wraps in its cells), both with headings in words, dates as 4 Dec 2026 and a dash for a missing
value, and both fitting the page at 1366 px without cutting a column off."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
import streamlit as st

from soteria.outputs.readable import MISSING, heading, readable, text_width

# A grid does not wrap its headings: a table wider than this (in characters, about 7.5 px each) would
# scroll sideways inside a 950 px page at 1366 px, so it is drawn as a table whose cells wrap instead.
GRID_CHARACTERS = 120
LONGEST_WRAPPED_TABLE = 300  # rows: longer tables stay a grid (scrolling down beats a page of wrapping)
# Grid rows tall enough for three lines: Streamlit's grid wraps text only in rows above 4rem.
WRAPPING_ROW_PX = 76
# Columns that name a thing rather than count it: no thousands separator (extract 1,204 reads wrongly).
IDENTIFIERS = {"extract", "extract_id", "Extract", "row", "Row", "wave", "year", "Year"}


def column_config(
    frame: pl.DataFrame,
    *,
    long_text: Collection[str] = (),
    labels: dict[str, str] | None = None,
    long_text_px: int | None = None,
) -> dict[str, Any]:
    """Streamlit column settings for `frame`: a heading for each column (the frame keeps its names, so
    an editor's result still has them), dates and times as people write them, counts with thousands
    separated, long text given room (`long_text_px`, else Streamlit's "large", 400 px). Used for
    read-only grids and editors alike."""
    out: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        label = (labels or {}).get(name) or heading(name)
        if dtype == pl.Date:
            out[name] = st.column_config.DateColumn(label, format="D MMM YYYY")
        elif isinstance(dtype, pl.Datetime):
            out[name] = st.column_config.DatetimeColumn(label, format="D MMM YYYY, HH:mm")
        elif dtype == pl.Boolean:
            out[name] = st.column_config.CheckboxColumn(label)
        elif dtype.is_integer() and name not in IDENTIFIERS:
            out[name] = st.column_config.NumberColumn(label, format="localized")
        elif name in long_text:
            out[name] = st.column_config.TextColumn(label, width=long_text_px or "large")
        else:
            out[name] = st.column_config.Column(label)
    return out


def data_table(
    frame: pl.DataFrame,
    *,
    long_text: Collection[str] = (),
    labels: dict[str, str] | None = None,
    height: int | None = None,
    order: list[str] | None = None,
) -> None:
    """A grid people can sort and download: `long_text` columns wrap onto up to three lines; `order`
    shows only those columns (the rest stay in the table's downloads)."""
    st.dataframe(
        frame,
        hide_index=True,
        placeholder=MISSING,
        column_config=column_config(frame, long_text=long_text, labels=labels),
        row_height=WRAPPING_ROW_PX if long_text else None,
        height=height if height is not None else "auto",
        column_order=order,
    )


def text_table(frame: pl.DataFrame) -> None:
    """A short table of words (a method's estimates, a design's choices): every cell wraps, nothing is
    cut off however many columns it has."""
    st.table(readable(frame), hide_index=True)


def table(frame: pl.DataFrame, *, long_text: Collection[str] = ()) -> None:
    """A data table in whichever form fits the page: a sortable grid when its columns fit side by side,
    else a table whose headings and cells wrap."""
    if text_width(frame) > GRID_CHARACTERS and frame.height <= LONGEST_WRAPPED_TABLE:
        text_table(frame)
    else:
        data_table(frame, long_text=long_text)
