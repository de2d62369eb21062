"""One database served by several processes: each reads a published read-only snapshot, writes go to
the database file one process at a time, and every committed write publishes a new snapshot.

Why: DuckDB lets one process open a file for writing (and then no other may open it at all) or many
open it read-only, never both. So in shared mode (`SOTERIA_SHARED=1`, set by `python -m soteria
serve --processes N`) no process keeps the database itself open:
- **Reads** go to `<stem>.published/vNNNNNN.duckdb`, a copy of the committed database, named by the
  `current` pointer file (replaced atomically). Each process checks the pointer at most every
  `CHECK_EVERY` seconds and switches to a newer snapshot between reads; a page run pins the data
  version it started on and starts again on the new one (`ui.store.at_version`), so no run mixes two.
- **Writes** take an exclusive lock on `<stem>.write-lock` (fcntl: across processes), open the
  database read-write, run their one transaction, close it, copy it to the next snapshot and move the
  pointer; the writing process switches at once, so its user sees the change on the next run; the
  others see it within `CHECK_EVERY` seconds.
- **Old snapshots** are deleted when two newer ones exist and they are older than `KEEP_SECONDS`: a
  process that still reads one keeps its open file (POSIX: a deleted file lives while it is open), and
  closes it `KEEP_SECONDS` after switching away, when no read can still use it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from soteria.store.files import copy_atomically
from soteria.store.records import StorageError

CHECK_EVERY = 0.5  # seconds between looks at the pointer (a commit elsewhere shows within this)
KEEP_SECONDS = 120.0  # a snapshot stays (and a retired connection open) this long after it is replaced
LOCK_TIMEOUT = 60.0  # seconds a write waits for another process's write


def published_dir(db: Path) -> Path:
    return db.with_name(f"{db.stem}.published")


def pointer(db: Path) -> Path:
    return published_dir(db) / "current"


def current_snapshot(db: Path) -> Path | None:
    """The snapshot readers should use now, or None before the first is published."""
    try:
        name = pointer(db).read_text().strip()
    except FileNotFoundError:
        return None
    return published_dir(db) / name


@contextmanager
def write_lock(db: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """The one writer across processes (waits up to `timeout` seconds for another write to finish)."""
    lock_file = db.with_name(f"{db.stem}.write-lock")
    with lock_file.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError(
                        f"Another process has been writing to {db.name} for over {timeout:.0f} s; try again."
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(db: Path) -> Path:
    """Copy the committed database to the next snapshot and point readers at it (hold write_lock, with
    the database closed). Returns the new snapshot; removes snapshots no reader should still open."""
    folder = published_dir(db)
    folder.mkdir(exist_ok=True)
    numbers = [int(p.stem[1:]) for p in folder.glob("v*.duckdb") if p.stem[1:].isdigit()]
    snapshot = folder / f"v{max(numbers, default=0) + 1:06d}.duckdb"
    copy_atomically(db, snapshot)
    wal = Path(f"{db}.wal")
    if wal.exists() and wal.stat().st_size:
        copy_atomically(wal, Path(f"{snapshot}.wal"))
    tmp = folder / ".current.partial"
    tmp.write_text(snapshot.name)
    os.replace(tmp, pointer(db))
    _remove_old(folder, snapshot)
    return snapshot


def _remove_old(folder: Path, newest: Path) -> None:
    snapshots = sorted(folder.glob("v*.duckdb"))
    now = time.time()
    for old in snapshots[:-3]:  # the newest and two before it always stay
        if old != newest and now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
            Path(f"{old}.wal").unlink(missing_ok=True)


class SnapshotReader:
    """A process's read-only connection to the current snapshot, switched when a newer one appears."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._checked = 0.0
        self._retired: list[tuple[float, duckdb.DuckDBPyConnection]] = []
        found = current_snapshot(db)
        if found is None:
            raise StorageError(
                f"No published snapshot of {db.name} yet: start the dashboard with "
                "`python -m soteria serve`, which publishes one before any process serves"
            )
        self.file = found
        self.con = duckdb.connect(str(found), read_only=True)
        self._seen = self._pointer_stamp()

    def _pointer_stamp(self) -> int:
        try:
            return pointer(self.db).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def refresh(self, now: bool = False) -> bool:
        """Switch to a newer snapshot if one was published (checked at most every CHECK_EVERY s unless
        `now`); True when it switched. Connections switched away from close KEEP_SECONDS later."""
        clock = time.monotonic()
        if not now and clock - self._checked < CHECK_EVERY:
            return False
        with self._lock:
            self._checked = clock
            stamp = self._pointer_stamp()
            if stamp == self._seen:
                return False
            found = current_snapshot(self.db)
            if found is None or found == self.file:
                self._seen = stamp
                return False
            fresh = duckdb.connect(str(found), read_only=True)
            self._retired.append((clock, self.con))
            self.con, self.file, self._seen = fresh, found, stamp
            self._close_retired(clock)
            return True

    def _close_retired(self, clock: float) -> None:
        keep = []
        for retired_at, con in self._retired:
            if clock - retired_at > KEEP_SECONDS:
                con.close()
            else:
                keep.append((retired_at, con))
        self._retired = keep

    def close(self) -> None:
        with self._lock:
            for _, con in self._retired:
                con.close()
            self._retired = []
            self.con.close()
