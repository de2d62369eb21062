"""The one gateway to DuckDB: a `Store` is the connection with every table's statements, one per process.

The statements live by concern (`reference_tables`, `value_maps`, `values`, `loads`, `profiles`) on top of
`connection`; this module puts them together and keeps the process's stores.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from soteria.store.loads import ExtractLoads
from soteria.store.profiles import SourceProfiles
from soteria.store.reference_tables import ReferenceTables
from soteria.store.value_maps import ValueMaps
from soteria.store.values import StoredValues


class Store(ReferenceTables, ValueMaps, StoredValues, ExtractLoads, SourceProfiles):
    """A DuckDB database file with the Soteria schema: every read and write the dashboard makes.

    Opened for writing (one process at a time), it first clears what an interrupted load, undo, backup
    or restore left behind: pending or half-written originals and half-copied snapshots."""

    def __init__(self, path: Path | str, read_only: bool = False, shared: bool = False) -> None:
        super().__init__(path, read_only, shared)
        if not read_only and not shared:  # shared: `serve` did this before any process opened it
            self.leftovers = self.tidy_leftovers()
            self.cell_key_secret()  # made now, so that read-only copies of the file carry it

    def tidy_leftovers(self) -> list[str]:
        from soteria.store import archive, backups
        from soteria.store.files import remove_partials

        referenced = set(self.stored_originals())
        return [
            *archive.tidy(self.path, referenced),
            *remove_partials(self.path.parent),
            *remove_partials(backups.backup_dir(self.path)),
        ]


_stores: dict[Path, Store] = {}
_stores_lock = threading.Lock()


def shared_mode() -> bool:
    """True in a process that serves the database with others (`python -m soteria serve`)."""
    return os.environ.get("SOTERIA_SHARED") == "1"


def open_store(path: Path | str) -> Store:
    """The process-wide store for a path (one connection per process and file; in shared mode, reading
    the published snapshot and writing one process at a time: soteria.store.shared)."""
    key = Path(path).resolve()
    with _stores_lock:
        store = _stores.get(key)
        if store is None or store.closed:
            store = _stores[key] = Store(key, shared=shared_mode())
        return store


def close_stores() -> None:
    with _stores_lock:
        for store in _stores.values():
            store.close()
        _stores.clear()
