"""Disk space: a load or undo that would fill the disk is refused before it starts, saying what it needs.

A load writes the original file, a snapshot of the whole database (the backup before it) and the new
rows (DuckDB's write-ahead log, then the checkpoint); running out part-way would leave the disk full and
the load failed. So the need is estimated generously up front and compared with what is free.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from soteria.store.records import StorageError

MARGIN = 1.25  # the rows' size on disk, the log and the checkpoint are only estimated
SPARE = 50 * 1024 * 1024  # never take the disk to the last byte: keep 50 MB free


def database_bytes(db_path: Path | str) -> int:
    path = Path(db_path)
    wal = Path(f"{path}.wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def load_needs(db_path: Path | str, file_bytes: int, row_bytes: int) -> int:
    """Bytes a load needs: its original, a backup of the database, and its rows twice (log, then table)."""
    return int(MARGIN * (file_bytes + database_bytes(db_path) + 2 * row_bytes))


def undo_needs(db_path: Path | str) -> int:
    """Bytes an undo needs: a backup of the database and about as much again for the rows it moves."""
    return int(MARGIN * 2 * database_bytes(db_path))


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"


def require(db_path: Path | str, needed: int, what: str = "this load") -> None:
    """StorageError, before anything is written, when the database's disk has less than needed free."""
    folder = Path(db_path).resolve().parent
    free = shutil.disk_usage(folder).free
    if free - SPARE < needed:
        raise StorageError(
            f"Not enough disk space for {what}: it needs about {_megabytes(needed)} (the original file, "
            f"a backup of the database and the new rows) and {folder} has {_megabytes(free)} free, of "
            f"which {_megabytes(SPARE)} is kept spare. Nothing was written; free some space and try again."
        )
