"""Reference tables shipped in data/reference/: areas, the force to CPS Area map, the pilot register."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from soteria.config import REFERENCE_DIR


def read_areas(folder: Path = REFERENCE_DIR) -> pl.DataFrame:
    return pl.read_csv(folder / "areas.csv", schema_overrides={"ons_code": pl.String})


def read_force_cps_area(folder: Path = REFERENCE_DIR) -> pl.DataFrame:
    return pl.read_csv(folder / "force_cps_area.csv", schema_overrides={"note": pl.String})


def read_pilot_register(path: Path = REFERENCE_DIR / "pilot_register.csv") -> pl.DataFrame:
    return pl.read_csv(path, try_parse_dates=True).with_columns(
        pl.col("pilot_start").cast(pl.Date), pl.col("is_assumption").cast(pl.Boolean)
    )


def read_value_map(path: Path = REFERENCE_DIR / "value_map.csv") -> pl.DataFrame:
    """The default value mapping (field, value, maps_to, note): Home Office outcome codes and common words."""
    return pl.read_csv(path, infer_schema=False)
