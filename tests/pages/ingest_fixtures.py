"""Fixtures for page tests that load or undo extracts: their own database, never the shared demo one."""

from __future__ import annotations

import pytest

from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import Store


@pytest.fixture
def own_db(tmp_path, monkeypatch, open_page):
    """A fresh database for real data (reference tables only) that the test may change; the app under
    test uses it (SOTERIA_DB, set after open_page's own setting of it)."""
    path = tmp_path / "own.duckdb"
    store = Store(path)
    store.replace_reference(read_areas(), read_force_cps_area())
    store.replace_pilot_register(read_pilot_register(), changed_by="test")
    store.close()
    monkeypatch.setenv("SOTERIA_DB", str(path))
    return path
