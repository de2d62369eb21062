"""The pilot register as data: validate an edited or uploaded register before it is stored."""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from soteria.domain import EARLIEST_DATA

COLUMNS = ["area_code", "wave", "pilot_start", "is_assumption", "source"]
LATEST_START = date(2030, 12, 31)


def read_register_csv(data: bytes) -> pl.DataFrame:
    """Parse a register CSV (columns as in data/reference/pilot_register.csv); raises ValueError."""
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except Exception as exc:  # polars raises several error types for unreadable input
        raise ValueError(f"the file is not a readable CSV ({exc})") from exc
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"missing columns {', '.join(missing)}; found {', '.join(frame.columns)}")
    return frame.select(COLUMNS)


def validate(register: pl.DataFrame, known_areas: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """A typed register and a list of problems (row numbers as in a spreadsheet: header is row 1)."""
    frame = (
        register.select(COLUMNS)
        .with_row_index("row", offset=2)
        .with_columns(
            pl.col("area_code").cast(pl.String).str.strip_chars(),
            pl.col("wave").cast(pl.String).str.strip_chars(),
            pl.col("pilot_start")
            .cast(pl.String)
            .str.slice(0, 10)
            .str.to_date("%Y-%m-%d", strict=False)
            .alias("start_parsed"),
            pl.col("is_assumption")
            .cast(pl.String)
            .str.to_lowercase()
            .str.strip_chars()
            .replace_strict(
                {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False},
                default=None,
                return_dtype=pl.Boolean,
            )
            .alias("assumption_parsed"),
            pl.col("source").cast(pl.String),
        )
    )
    known = set(known_areas["area_code"].to_list())
    checks = [
        (
            ~pl.col("area_code").is_in(list(known)) | pl.col("area_code").is_null(),
            "area_code",
            "area_code is not a known area code",
        ),
        (pl.col("area_code").is_duplicated(), "area_code", "each area may appear only once"),
        (pl.col("wave").is_null() | (pl.col("wave") == ""), "wave", "wave must not be empty"),
        (pl.col("start_parsed").is_null(), "pilot_start", "pilot_start must be a date like 2021-06-01"),
        (
            pl.col("start_parsed").is_not_null()
            & ~pl.col("start_parsed").is_between(EARLIEST_DATA, LATEST_START),
            "pilot_start",
            f"pilot_start must lie between {EARLIEST_DATA} and {LATEST_START}",
        ),
        (pl.col("assumption_parsed").is_null(), "is_assumption", "is_assumption must be true or false"),
    ]
    problems = []
    for condition, column, rule in checks:
        for row in frame.filter(condition).select("row", column).iter_rows():
            problems.append(f"row {row[0]}, column {column}: {rule} (value {row[1]!r})")
    missing = known - set(frame["area_code"].drop_nulls().to_list())
    if missing:
        problems.append(f"every area needs a row; missing: {', '.join(sorted(missing))}")
    typed = frame.select(
        "area_code",
        "wave",
        pl.col("start_parsed").alias("pilot_start"),
        pl.col("assumption_parsed").alias("is_assumption"),
        "source",
    )
    return typed, problems
