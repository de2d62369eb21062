"""The connection: one per process and file, a cursor per read, one lock and one transaction per write.

DuckDB connections are not thread-safe and Streamlit sessions are threads: each query runs on its own
cursor. Writes are serialised by a lock and each runs in one transaction. Values are always bound
parameters; table names come from a whitelist.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from soteria.store.files import refuse_foreign_file
from soteria.store.records import StorageError
from soteria.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    VERSION_SQL,
)
from soteria.store.shared import SnapshotReader, publish
from soteria.store.shared import write_lock as shared_write_lock


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StorageError(
                f"The database {path} is in use by another process; close it and try again."
            ) from exc
        raise StorageError(f"The database {path} cannot be opened: {exc}") from exc
    except duckdb.Error as exc:
        raise StorageError(f"The database {path} cannot be opened: {exc}") from exc


@contextmanager
def _in_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    cur = con.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        yield cur
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


class Connection:
    """A DuckDB database file with the Soteria schema, migrated on opening read-write."""

    def __init__(self, path: Path | str, read_only: bool = False, shared: bool = False) -> None:
        """`shared`: one of several processes serving the file (soteria.store.shared): reads from the
        published snapshot, writes through the file one process at a time."""
        self.path = Path(path)
        self.read_only = read_only
        self.shared = shared
        self._write_lock = threading.Lock()
        self._local = threading.local()  # a thread's snapshot cursor while inside consistent()
        self.closed = False
        self._reader: SnapshotReader | None = None
        refuse_foreign_file(self.path)
        if shared:
            self._reader = SnapshotReader(self.path)
            return
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._own = _connect(self.path, read_only)
        if not read_only:
            self._migrate()

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        return self._reader.con if self._reader is not None else self._own

    def refresh(self) -> bool:
        """In shared mode, switch to a newer published snapshot if there is one (True when it did)."""
        return self._reader.refresh() if self._reader is not None else False

    def close(self) -> None:
        self.closed = True
        if self._reader is not None:
            self._reader.close()
        else:
            self._own.close()

    def _frame(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        pinned = getattr(self._local, "cursor", None)
        if pinned is not None:
            return pinned.sql(sql, params=params or []).pl()
        cur = self._con.cursor()
        try:
            return cur.sql(sql, params=params or []).pl()
        finally:
            cur.close()

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        pinned = getattr(self._local, "cursor", None)
        if pinned is not None:
            return pinned.execute(sql, params or []).fetchall()
        cur = self._con.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    @contextmanager
    def consistent(self) -> Iterator[str]:
        """Every read of this thread inside the block sees one committed version of the data (a read
        transaction: DuckDB's snapshot isolation), whatever commits meanwhile; yields its data version."""
        pinned = getattr(self._local, "cursor", None)
        if pinned is not None:  # nested: the outer snapshot holds
            yield self._version_in(pinned)
            return
        cur = self._con.cursor()
        cur.execute("BEGIN TRANSACTION")
        self._local.cursor = cur
        try:
            seen = self._version_in(cur)
            cur.fetchall()  # finish the result: DuckDB refuses new relations on a cursor with one pending
            yield seen
        finally:
            self._local.cursor = None
            try:
                cur.execute("ROLLBACK")
            finally:
                cur.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.read_only:
            raise StorageError("The database is open read-only; changes are not allowed here.")
        if self._reader is not None:
            with self._write_lock, shared_write_lock(self.path):
                con = _connect(self.path, read_only=False)
                try:
                    with _in_transaction(con) as cur:
                        yield cur
                finally:
                    con.close()
                publish(self.path)
                self._reader.refresh(now=True)
            return
        with self._write_lock, _in_transaction(self._own) as cur:
            yield cur

    def _migrate(self) -> None:
        with self._transaction() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
            current = row[0] if row and row[0] is not None else 0
            if current > SCHEMA_VERSION:
                raise StorageError(
                    f"The database {self.path} has schema version {current}, newer than this release "
                    f"({SCHEMA_VERSION}); upgrade the dashboard."
                )
            for version in range(current, SCHEMA_VERSION):
                for statement in MIGRATIONS[version]:
                    cur.execute(statement)
                cur.execute("INSERT INTO schema_version VALUES (?)", [version + 1])

    def schema_version(self) -> int:
        return int(self._rows("SELECT max(version) FROM schema_version")[0][0])

    def _version_in(self, cur: duckdb.DuckDBPyConnection) -> str:
        row = cur.execute(VERSION_SQL).fetchone()
        assert row is not None
        return f"{row[0]}.{row[1]}.{row[2]}"

    def data_version(self) -> str:
        """Changes whenever stored data changes: the key that page caches hang on."""
        row = self._rows(VERSION_SQL)[0]
        return f"{row[0]}.{row[1]}.{row[2]}"
