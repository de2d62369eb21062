"""The store: every SQL statement and the connection (the bottom layer; nothing here imports upward)."""

from soteria.store.files import is_duckdb_file, verify_database_file
from soteria.store.gateway import Store, close_stores, open_store
from soteria.store.records import (
    ExtractConflict,
    ExtractDetails,
    ExtractRecord,
    StorageError,
    UndoRefused,
)

__all__ = [
    "ExtractConflict",
    "ExtractDetails",
    "ExtractRecord",
    "StorageError",
    "Store",
    "UndoRefused",
    "close_stores",
    "is_duckdb_file",
    "open_store",
    "verify_database_file",
]
