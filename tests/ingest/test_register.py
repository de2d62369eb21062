from datetime import date

import polars as pl
import pytest

from soteria import reference
from soteria.ingest import register


@pytest.fixture(scope="module")
def areas() -> pl.DataFrame:
    return reference.read_areas()


def shipped() -> pl.DataFrame:
    return reference.read_pilot_register()


def test_shipped_register_is_valid(areas):
    typed, problems = register.validate(shipped(), areas)
    assert problems == []
    assert typed.height == areas.height
    assert typed.filter(pl.col("area_code") == "E23000036")["pilot_start"].item() == date(2021, 6, 1)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("area_code", "E99999999", "row 2, column area_code: area_code is not a known area code"),
        ("pilot_start", "1 June 2021", "row 2, column pilot_start: pilot_start must be a date"),
        ("pilot_start", "2001-01-01", "pilot_start must lie between 2015-01-01"),
        ("wave", "", "row 2, column wave: wave must not be empty"),
        ("is_assumption", "maybe", "row 2, column is_assumption: is_assumption must be true or false"),
    ],
)
def test_bad_cells_are_named_by_row_and_column(areas, column, value, expected):
    frame = shipped().with_columns(pl.col(pl.Date).cast(pl.String), pl.col(pl.Boolean).cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    _, problems = register.validate(frame, areas)
    assert any(expected in p for p in problems), problems


def test_missing_and_duplicate_areas_are_reported(areas):
    frame = shipped()
    frame = pl.concat([frame.slice(1), frame.slice(1, 1)])
    _, problems = register.validate(frame, areas)
    assert any("each area may appear only once" in p for p in problems)
    assert any(p.startswith("every area needs a row; missing: E23000001") for p in problems)


def test_read_register_csv_names_missing_columns():
    with pytest.raises(ValueError, match="missing columns pilot_start"):
        register.read_register_csv(b"area_code,wave,is_assumption,source\nBTP,x,true,y\n")


def test_register_round_trips_through_csv(areas):
    data = shipped().write_csv().encode()
    typed, problems = register.validate(register.read_register_csv(data), areas)
    assert problems == []
    assert typed.sort("area_code").equals(shipped().select(register.COLUMNS).sort("area_code"))
