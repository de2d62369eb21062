"""Backups (a snapshot before every load and undo, the last N kept, backup/restore commands) and a
missing, locked or damaged database: a clear message, no traceback, never an empty database over it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from soteria.cli.main import main
from soteria.config import SAMPLES_DIR
from soteria.ingest.load import ingest_file
from soteria.ingest.undo import undo
from soteria.store import StorageError, Store, backups, close_stores, open_store

METRICS = SAMPLES_DIR / "metrics_sample.csv"
CASES = SAMPLES_DIR / "cases_sample.csv"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_snapshot_before_every_load_and_undo_holds_the_state_before_it(store, monkeypatch) -> None:
    monkeypatch.setenv("SOTERIA_BACKUPS_KEEP", "10")
    states = [store.content_checksum()]
    first = ingest_file(store, METRICS, "ev").extract_id
    states.append(store.content_checksum())
    ingest_file(store, CASES, "ev", as_of=None)
    states.append(store.content_checksum())
    undo(store, first, "ev")
    snaps = backups.list_snapshots(store.path)
    assert [s.reason.split()[:2] for s in snaps] == [
        ["before", "undo"],
        ["before", "load"],
        ["before", "load"],
    ]
    # Each snapshot is the database exactly as it was before that operation (newest first).
    for snap, expected in zip(snaps, reversed(states), strict=True):
        copy = Store(snap.path, read_only=True)
        try:
            assert copy.content_checksum() == expected, snap.name
        finally:
            copy.close()


def test_only_the_newest_n_snapshots_are_kept(store, monkeypatch) -> None:
    monkeypatch.setenv("SOTERIA_BACKUPS_KEEP", "3")
    names = [backups.take(store, f"manual {i}").name for i in range(5)]
    assert [s.name for s in backups.list_snapshots(store.path)] == names[:1:-1][:3]
    monkeypatch.setenv("SOTERIA_BACKUPS_KEEP", "many")
    with pytest.raises(StorageError, match="whole number"):
        backups.take(store)


def test_cli_backup_list_and_restore(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("SOTERIA_USER", raising=False)
    db = str(tmp_path / "cli.duckdb")
    assert cli(capsys, "--db", db, "init")[0] == 0
    code, out, _ = cli(capsys, "--db", db, "backup")
    assert code == 0 and out.startswith("Snapshot ")
    initial = open_store(db).content_checksum()
    close_stores()
    assert cli(capsys, "--db", db, "ingest", str(METRICS))[0] == 0
    loaded = open_store(db).content_checksum()
    close_stores()
    assert loaded != initial
    code, out, _ = cli(capsys, "--db", db, "backup", "--list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    names = [line.split("\t")[0] for line in lines]
    assert names == sorted(names, reverse=True)  # newest first, name first
    assert "before load" in lines[0] and "manual" in lines[1]
    code, out, err = cli(capsys, "--db", db, "restore", names[1])
    assert code == 0, err
    assert open_store(db).content_checksum() == initial
    close_stores()
    # The restore snapshotted the loaded state first, so it can itself be undone.
    newest = backups.list_snapshots(db)[0]
    assert newest.reason == "before restore"
    assert cli(capsys, "--db", db, "restore", newest.name)[0] == 0
    assert open_store(db).content_checksum() == loaded
    close_stores()
    code, _, err = cli(capsys, "--db", db, "restore", "no-such-snapshot")
    assert code == 1 and "There is no snapshot" in err and "Traceback" not in err


def hold_open(db: Path) -> subprocess.Popen:
    """Another process that holds the database open (as a running dashboard does)."""
    code = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True); sys.stdin.read()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def test_locked_database_gives_a_clear_message_and_restore_changes_nothing(tmp_path, capsys) -> None:
    db = tmp_path / "locked.duckdb"
    assert cli(capsys, "--db", str(db), "init")[0] == 0
    assert cli(capsys, "--db", str(db), "backup")[0] == 0
    name = backups.list_snapshots(db)[0].name
    before = db.read_bytes()
    holder = hold_open(db)
    try:
        for args in (["extracts"], ["ingest", str(METRICS)], ["restore", name]):
            code, _, err = cli(capsys, "--db", str(db), *args)
            assert code == 1, args
            assert "in use by another process" in err and "Traceback" not in err, err
        assert db.read_bytes() == before
    finally:
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait(timeout=20)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",  # emptied
        lambda data: b"<html>not a database</html>" * 10,  # another kind of file
        lambda data: data[:7],  # truncated inside the header
        lambda data: b"\0" * len(data),  # zeroed
    ],
    ids=["empty", "html", "truncated-header", "zeroed"],
)
def test_damaged_database_is_never_replaced_by_an_empty_one(tmp_path, capsys, damage) -> None:
    db = tmp_path / "damaged.duckdb"
    assert cli(capsys, "--db", str(db), "init")[0] == 0
    assert cli(capsys, "--db", str(db), "backup")[0] == 0
    bad = damage(db.read_bytes())
    db.write_bytes(bad)
    Path(f"{db}.wal").unlink(missing_ok=True)
    with pytest.raises(StorageError, match="not a Soteria database"):
        Store(db)
    for args in (["extracts"], ["demo"], ["init"], ["ingest", str(METRICS)], ["backup"]):
        code, _, err = cli(capsys, "--db", str(db), *args)
        assert code == 1, (args, err)
        assert "is not a Soteria database" in err and "Traceback" not in err
        assert db.read_bytes() == bad  # untouched: no empty database created over it
    # Restore puts a snapshot back and keeps the damaged file aside.
    name = backups.list_snapshots(db)[0].name
    assert cli(capsys, "--db", str(db), "restore", name)[0] == 0
    assert [p.read_bytes() for p in tmp_path.glob("damaged.duckdb.damaged-*")] == [bad]
    assert not open_store(db).is_empty()
    close_stores()


def test_missing_database_is_not_created_by_read_commands(tmp_path, capsys) -> None:
    db = tmp_path / "nowhere" / "missing.duckdb"
    for args in (["extracts"], ["ingest", str(METRICS)], ["undo", "1"], ["backup"], ["backup", "--list"]):
        code, _, err = cli(capsys, "--db", str(db), *args)
        assert code == 1 and "There is no database at" in err and "Traceback" not in err, args
    assert not db.exists()


def test_pages_say_plainly_when_the_database_is_damaged_or_locked(tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import PAGE_TIMEOUT, ROOT

    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"PK\x03\x04 certainly not a database")
    locked = tmp_path / "locked.duckdb"
    Store(locked).close()
    holder = hold_open(locked)
    try:
        for db, message in ((damaged, "is not a Soteria database"), (locked, "in use by another process")):
            monkeypatch.setenv("SOTERIA_DB", str(db))
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT).run()
            assert not at.exception, [e.value for e in at.exception]
            assert any(message in e.value for e in at.error), [e.value for e in at.error]
        assert damaged.read_bytes() == b"PK\x03\x04 certainly not a database"
    finally:
        holder.stdin.close()  # type: ignore[union-attr]
        holder.wait(timeout=20)
