"""The one gateway to DuckDB: a `Store` is the connection with every table's statements, one per process.

The statements live by concern (`reference_tables`, `values`, `loads`) on top of `connection`; this
module puts them together and keeps the process's stores.
"""

from __future__ import annotations

import threading
from pathlib import Path

from soteria.store.loads import ExtractLoads
from soteria.store.reference_tables import ReferenceTables
from soteria.store.values import StoredValues


class Store(ReferenceTables, StoredValues, ExtractLoads):
    """A DuckDB database file with the Soteria schema: every read and write the dashboard makes."""


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def open_store(path: Path | str) -> Store:
    """The process-wide store for a path (one connection per process and file)."""
    key = Path(path).resolve()
    with _stores_lock:
        store = _stores.get(key)
        if store is None or store.closed:
            store = _stores[key] = Store(key)
        return store


def close_stores() -> None:
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
