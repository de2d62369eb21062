"""Tables as people read them: headings in words, dates as 31 Jan 2024, thousands separated, yes or
no, and a dash where a value is missing. One set of rules for the data tables on the pages, the small
tables of words beside them and the report pack's tables."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

MISSING = "—"  # shown where a value is absent (withheld figures carry their own symbols instead)

# Column names whose plain rewording would read wrongly; every other name is reworded by `heading`.
HEADINGS = {
    "sha256": "SHA-256",
    "is_assumption": "Assumption",
    "is_synthetic": "Synthetic",
    "area_code": "Area code",
    "area_name": "Area",
    "area_kind": "Area type",
    "pilot_start": "Pilot start",
    "as_of": "As of",
    "extract_id": "Extract",
    "file_name": "File",
    "changed_at": "Changed at",
    "changed_by": "Changed by",
    "loaded_at": "Loaded at",
    "loaded_by": "Loaded by",
    "case_ref": "Case reference",
    "n": "Cases",
    "p-value": "p-value",
}


def heading(name: str) -> str:
    """A column name as a heading: `loaded_by` -> "Loaded by"; names already written for people (with a
    capital or a space) are kept as they are."""
    if name in HEADINGS:
        return HEADINGS[name]
    if name != name.lower() or " " in name:
        return name[:1].upper() + name[1:]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def cell_text(value: object, missing: str = "") -> str:
    """A cell as a reader reads it: dates as 31 Jan 2024 (with the time when it has one), thousands
    separated, no trailing .0, Yes or No; `missing` for an empty cell."""
    if value is None:
        return missing
    if isinstance(value, datetime):
        day = f"{value.day} {value:%b %Y}"  # 4 Dec 2026, as GOV.UK writes dates: no leading zero
        return f"{day} {value:%H:%M}" if (value.hour, value.minute) != (0, 0) else day
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def readable(frame: pl.DataFrame) -> pl.DataFrame:
    """Every cell as text for reading (not sorting), with headings in words and a dash for missing."""
    return pl.DataFrame(
        {
            heading(name): pl.Series([cell_text(v, MISSING) for v in frame.get_column(name)], dtype=pl.String)
            for name in frame.columns
        },
        schema={heading(name): pl.String for name in frame.columns},
    )


def text_width(frame: pl.DataFrame, sample: int = 200) -> int:
    """About how many characters wide the table is when no cell wraps: per column, the longer of its
    heading and its widest cell (in the first `sample` rows), plus two for the gap between columns."""
    head = frame.head(sample)
    return sum(
        max([len(heading(name)), *(len(cell_text(v)) for v in head.get_column(name))]) + 2
        for name in frame.columns
    )
