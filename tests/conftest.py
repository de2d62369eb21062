"""Shared fixtures: real DuckDB files in temporary folders, no mocks.

- ``store``: a fresh, migrated Store with the reference tables (areas, force to CPS Area map, pilot
  register) loaded and no metrics or cases; one per test, free to change.
- ``demo_store``: one read-only Store per session holding the complete synthetic demo (default seed,
  all metrics for every force and CPS Area 2019-01..2024-06, ``DEMO_TEST_CASES`` case timelines as of
  ``DEMO_AS_OF``). Read-only so that no test can change what the others see; tests that write use
  ``store`` (and ``build_demo`` if they need data).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

from soteria.demo.build import DEFAULT_AS_OF, build_demo
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import Store

# In CI, property tests draw the same examples every run, so a run passes or fails on the code, not on
# the day's draw; locally they keep drawing new examples to find new failures.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

# Every export the tests make is scanned for small counts (tests/export_scan.py).
pytest_plugins = ["tests.export_scan"]

DEMO_TEST_CASES = 15_000


@pytest.fixture(scope="session", autouse=True)
def _local_server_address() -> None:
    # AppTest has no server, so no address: give it the one scripts/run.sh and config.toml give, or the
    # app refuses to run in local single-user mode (it must listen on 127.0.0.1 only).
    from streamlit import config

    config.set_option("server.address", "127.0.0.1")


DEMO_AS_OF: date = DEFAULT_AS_OF


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    s = Store(tmp_path / "soteria.duckdb")
    s.replace_reference(read_areas(), read_force_cps_area())
    s.replace_pilot_register(read_pilot_register(), changed_by="test fixture")
    try:
        yield s
    finally:
        s.close()


def _read_only_demo(folder: Path, cases: int) -> Iterator[Store]:
    """A demo database built in folder, then opened read-only (no test can change what others see)."""
    path = folder / "demo.duckdb"
    writer = Store(path)
    try:
        build_demo(writer, cases=cases, as_of=DEMO_AS_OF)
    finally:
        writer.close()
    s = Store(path, read_only=True)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Iterator[Store]:
    yield from _read_only_demo(tmp_path_factory.mktemp("demo"), DEMO_TEST_CASES)


SMALL_DEMO_CASES = 5_000


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A read-only demo store with 5,000 cases, built once per module (the session demo has 15,000)."""
    yield from _read_only_demo(tmp_path_factory.mktemp("small-demo"), SMALL_DEMO_CASES)
