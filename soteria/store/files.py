"""The database as a file: is it one, is it readable, copy it without a half-written state."""

from __future__ import annotations

from pathlib import Path

import duckdb

from soteria.store.records import StorageError

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def is_duckdb_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(12)[8:12] == DUCKDB_MAGIC


def refuse_foreign_file(path: Path) -> None:
    """A file that exists but is not a DuckDB database (damaged, truncated, another kind of file) is
    never opened: DuckDB would otherwise start an empty database over it."""
    try:
        if not path.exists() or path.is_dir():
            return
        if not is_duckdb_file(path):
            raise StorageError(
                f"The file {path} is not a Soteria database (it is empty, damaged or another kind of file); "
                "nothing was changed. Restore a backup (python -m soteria backup --list, then restore), or "
                "point SOTERIA_DB / --db at the right file."
            )
    except OSError as exc:
        raise StorageError(f"The database {path} cannot be read: {exc.strerror or exc}") from exc


def verify_database_file(path: Path) -> None:
    """Check that a file (a snapshot) is a readable Soteria database; StorageError saying why if not."""
    if not path.is_file() or not is_duckdb_file(path):
        raise StorageError(f"{path.name} is damaged or not a database (no DuckDB header); nothing changed.")
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute("SELECT max(version) FROM schema_version").fetchall()
            con.execute("SELECT count(*) FROM extracts").fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise StorageError(f"{path.name} cannot be read ({exc}); nothing was changed.") from exc


def copy_atomically(source: Path, dest: Path) -> None:
    """Copy to a temporary name beside dest, flush it to disk, then rename over dest."""
    import os
    import shutil

    tmp = dest.with_name(f".{dest.name}.partial")
    shutil.copyfile(source, tmp)
    with tmp.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, dest)


def remove_partials(folder: Path) -> list[str]:
    """Delete copies a crash left half-written (`.NAME.partial`, see copy_atomically) in folder. Only the
    one process that has the database open for writing copies into these folders, so any it finds on
    opening are leftovers."""
    if not folder.is_dir():
        return []
    gone = []
    for path in folder.glob(".*.partial"):
        path.unlink(missing_ok=True)
        gone.append(path.name)
    return gone
