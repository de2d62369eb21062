"""Shared fixtures for the evaluation engine tests.

Reference data in ``data/`` are copies of /work/shared/reference-data/ (see its README):
- mpdta.csv: Callaway & Sant'Anna (2021), as shipped with the R ``did`` package.
- basque.csv: Abadie & Gardeazabal (2003), as shipped with the R ``Synth`` package.
- california_prop99.csv: Abadie, Diamond & Hainmueller (2010), cigarette sales by state.
"""

from pathlib import Path

import polars as pl
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mpdta() -> pl.DataFrame:
    return pl.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="session")
def basque() -> pl.DataFrame:
    return pl.read_csv(DATA / "basque.csv")


@pytest.fixture(scope="session")
def prop99() -> pl.DataFrame:
    wide = pl.read_csv(DATA / "california_prop99.csv")
    return wide.unpivot(index="Year", variable_name="state", value_name="packs")
