"""Parquet files: every column as text, nested columns refused."""

from __future__ import annotations

import io

import polars as pl

from soteria.ingest.cells import Table, only_read_errors, tidy
from soteria.ingest.problems import Problem, file_problem


def read_parquet(data: bytes, file_name: str, max_rows: int) -> Table | list[Problem]:
    damaged = "the Parquet file is damaged or cut short (truncated); export it again"
    if len(data) < 12 or not data.endswith(b"PAR1"):
        return [file_problem(file_name, damaged, "damaged_file")]
    try:
        raw = pl.read_parquet(io.BytesIO(data), n_rows=max_rows + 1)
    except BaseException as exc:  # noqa: BLE001 - pyarrow/polars raise many kinds for a bad footer
        only_read_errors(exc)
        return [file_problem(file_name, damaged, "damaged_file")]
    nested = [name for name, dtype in raw.schema.items() if dtype.is_nested() or dtype == pl.Object]
    if nested:
        return [
            file_problem(
                file_name,
                f"column {', '.join(nested)} holds nested data (lists or structs)",
                "nested_column",
                1,
            )
        ]
    text = raw.select(
        pl.col(name).dt.to_string("%Y-%m-%d %H:%M:%S")
        if dtype == pl.Datetime
        else pl.col(name).cast(pl.String)
        for name, dtype in raw.schema.items()
    )
    return tidy(text, file_name, 1, max_rows, "parquet")
