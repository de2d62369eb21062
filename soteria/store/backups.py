"""Snapshots of the database: one before every load and every undo, the last N kept, restore on demand.

Snapshots live in `<database stem>.backups/` next to the database file (`data/soteria.backups/` for the
default database; git-ignored), one DuckDB file each, named `<UTC time>-<reason>.duckdb` so that names
sort oldest to newest. The newest `SOTERIA_BACKUPS_KEEP` (default 10) are kept. A snapshot is copied
while the store holds its write lock, after a checkpoint, so it is the database exactly as committed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from soteria.store import StorageError, Store, verify_database_file
from soteria.store.files import copy_atomically

DEFAULT_KEEP = 10
SUFFIX = ".duckdb"


def backup_dir(db_path: Path | str) -> Path:
    path = Path(db_path)
    return path.parent / f"{path.stem}.backups"


def keep_count() -> int:
    """How many snapshots to keep: $SOTERIA_BACKUPS_KEEP (at least 1), else 10."""
    raw = os.environ.get("SOTERIA_BACKUPS_KEEP", "").strip()
    if not raw:
        return DEFAULT_KEEP
    try:
        return max(1, int(raw))
    except ValueError as exc:
        raise StorageError(f"SOTERIA_BACKUPS_KEEP must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Snapshot:
    name: str
    path: Path
    size_bytes: int
    taken_at: datetime
    reason: str

    def line(self) -> str:
        return f"{self.name}\t{self.taken_at:%Y-%m-%d %H:%M:%S} UTC\t{self.size_bytes:,} bytes\t{self.reason}"


_NAME = re.compile(r"^(\d{8}T\d{6}\d{6})-([a-z0-9-]+)\.duckdb$")


def take(store: Store, reason: str = "manual", keep: int | None = None) -> Snapshot:
    """Snapshot the store now and prune to the newest `keep`; returns the snapshot."""
    folder = backup_dir(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "manual"
    stamp = datetime.now(UTC)
    name = f"{stamp:%Y%m%dT%H%M%S%f}-{slug}{SUFFIX}"
    while (folder / name).exists():  # two in the same microsecond: never overwrite one
        stamp = datetime.now(UTC)
        name = f"{stamp:%Y%m%dT%H%M%S%f}-{slug}{SUFFIX}"
    store.snapshot_to(folder / name)
    prune(store.path, keep_count() if keep is None else keep)
    return _describe(folder / name)


def _describe(path: Path) -> Snapshot:
    match = _NAME.match(path.name)
    assert match is not None
    taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    size = path.stat().st_size + (Path(f"{path}.wal").stat().st_size if Path(f"{path}.wal").exists() else 0)
    return Snapshot(path.name, path, size, taken, match.group(2).replace("-", " "))


def list_snapshots(db_path: Path | str) -> list[Snapshot]:
    """Every snapshot of the database, newest first."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    found = [_describe(p) for p in folder.iterdir() if _NAME.match(p.name)]
    return sorted(found, key=lambda s: s.name, reverse=True)


def prune(db_path: Path | str, keep: int) -> list[str]:
    """Delete all but the newest `keep` snapshots; returns the names deleted."""
    gone = []
    for old in list_snapshots(db_path)[keep:]:
        old.path.unlink(missing_ok=True)
        Path(f"{old.path}.wal").unlink(missing_ok=True)
        gone.append(old.name)
    return gone


def find(db_path: Path | str, name: str) -> Snapshot:
    """The snapshot called name (as `backup --list` prints it); StorageError if there is none."""
    wanted = Path(name).name
    for snap in list_snapshots(db_path):
        if snap.name == wanted or snap.name == wanted + SUFFIX:
            return snap
    raise StorageError(
        f"There is no snapshot {name!r} in {backup_dir(db_path)}; list them with `python -m soteria backup "
        "--list`."
    )


def verify(path: Path) -> None:
    """Check a snapshot is a readable Soteria database; StorageError if not."""
    verify_database_file(path)


def restore(db_path: Path | str, name: str) -> tuple[Snapshot, Snapshot | None]:
    """Put the database back to a snapshot. First snapshots the current database (so a restore can be
    undone by restoring that one). Refused, changing nothing, while any other process (the dashboard)
    has the database open. Returns the snapshot restored and the one taken of the current state."""
    db = Path(db_path)
    snap = find(db, name)
    verify(snap.path)
    before = None
    if db.exists():
        try:
            store = Store(db)
        except StorageError as exc:
            if "in use" in str(exc):
                raise  # the dashboard or another command has it open: change nothing
            # Damaged: keep it aside (never delete what may still be recovered), then restore.
            aside = db.with_name(f"{db.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}")
            db.rename(aside)
        else:
            try:
                before = take(store, "before restore", keep=max(keep_count(), 2))
            finally:
                store.close()
    copy_atomically(snap.path, db)
    wal = Path(f"{db}.wal")
    if Path(f"{snap.path}.wal").exists():
        copy_atomically(Path(f"{snap.path}.wal"), wal)
    else:
        wal.unlink(missing_ok=True)
    return snap, before
