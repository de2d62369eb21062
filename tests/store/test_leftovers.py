"""Nothing left behind: an interrupted load leaves no orphaned original or half-copied backup once the
database is next opened, and a load or undo that would fill the disk is refused before it starts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import namedtuple
from pathlib import Path

import pytest

from soteria.config import SAMPLES_DIR
from soteria.ingest.load import ingest_file
from soteria.ingest.undo import undo
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import StorageError, Store, archive, backups, space

CASES = SAMPLES_DIR / "cases_sample.csv"
ROOT = Path(__file__).resolve().parents[2]


def fresh(path: Path) -> Store:
    store = Store(path)
    store.replace_reference(read_areas(), read_force_cps_area())
    store.replace_pilot_register(read_pilot_register(), changed_by="test")
    return store


def leftovers(db: Path) -> list[str]:
    """Files beside the database that nothing refers to: pending, half-written or unreferenced."""
    store = Store(db, read_only=True)
    try:
        referenced = set(store.stored_originals())
    finally:
        store.close()
    folder = archive.archive_dir(db)
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    partials = [
        p.name for d in (db.parent, backups.backup_dir(db)) if d.is_dir() for p in d.glob(".*.partial")
    ]
    return [n for n in names if n not in referenced] + partials


def test_a_crash_before_the_commit_leaves_nothing_and_after_it_keeps_the_original(tmp_path) -> None:
    db = tmp_path / "s.duckdb"
    store = fresh(db)
    archive.keep(db, "f" * 64, "lost.csv", b"never committed")  # the load died before its commit
    (archive.archive_dir(db) / ".incoming-abc").write_bytes(b"half")  # ... or while writing the file
    loaded = ingest_file(store, CASES, "tester").extract_id
    name = store.extract(loaded)["stored_as"]
    os.replace(
        archive.archive_dir(db) / name, archive.archive_dir(db) / (archive.PENDING + name)
    )  # died after it
    folder = backups.backup_dir(db)
    (folder / ".20261203-before-load.duckdb.partial").write_bytes(b"half a snapshot")
    store.close()
    reopened = Store(db)
    assert sorted(reopened.leftovers) == sorted(
        [archive.PENDING + "f" * 64 + ".csv", ".incoming-abc", archive.PENDING + name,
         ".20261203-before-load.duckdb.partial"]
    )  # fmt: skip
    assert archive.original(db, name) == CASES.read_bytes()  # the committed load keeps its original
    reopened.close()
    assert leftovers(db) == []


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.3, 1.8, 2.5])
def test_a_load_killed_part_way_leaves_nothing_behind_once_reopened(tmp_path, delay: float) -> None:
    db = tmp_path / "k.duckdb"
    fresh(db).close()
    env = {**os.environ, "SOTERIA_USER": "tester"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "soteria", "--db", str(db), "ingest", str(CASES)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    Store(db).close()  # the next start tidies
    assert leftovers(db) == []


Usage = namedtuple("Usage", "total used free")


def test_a_load_that_would_fill_the_disk_is_refused_before_it_starts(tmp_path, monkeypatch) -> None:
    db = tmp_path / "full.duckdb"
    store = fresh(db)
    before = store.content_checksum()
    real = shutil.disk_usage
    monkeypatch.setattr(space.shutil, "disk_usage", lambda _: Usage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(StorageError, match=r"Not enough disk space for this load: it needs about .* free"):
        ingest_file(store, CASES, "tester")
    assert store.content_checksum() == before and store.extracts().height == 0
    assert not archive.archive_dir(db).exists() or list(archive.archive_dir(db).iterdir()) == []
    assert backups.list_snapshots(db) == []
    monkeypatch.setattr(space.shutil, "disk_usage", real)
    loaded = ingest_file(store, CASES, "tester").extract_id
    monkeypatch.setattr(space.shutil, "disk_usage", lambda _: Usage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(StorageError, match="Not enough disk space for undoing extract"):
        undo(store, loaded, "tester")
    assert store.extracts()["status"].to_list() == ["loaded"]
    store.close()


def test_an_original_only_a_snapshot_refers_to_survives_reopening(tmp_path) -> None:
    """Restore an older snapshot, reopen, restore the newer one: its load's original is still there."""
    db = tmp_path / "r.duckdb"
    store = fresh(db)
    older = backups.take(store, "before any load")
    name = store.extract(ingest_file(store, CASES, "tester").extract_id)["stored_as"]
    store.close()
    _, newer = backups.restore(db, older.name)
    Store(db).close()  # the older database refers to no original: it must still not be deleted
    assert newer is not None
    backups.restore(db, newer.name)
    assert archive.original(db, name) == CASES.read_bytes()
