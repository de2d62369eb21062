"""Several processes on one database (soteria.store.shared): snapshots published after each write, read
by every other store within its next check, never mixed inside a read, old ones removed; writes one at a
time. Two shared stores in one process stand for two processes (each opens the files on its own)."""

from __future__ import annotations

import threading

import pytest

from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import Store
from soteria.store import shared as sh


@pytest.fixture
def primary(tmp_path, monkeypatch):
    monkeypatch.setattr(sh, "CHECK_EVERY", 0.0)
    db = tmp_path / "soteria.duckdb"
    store = Store(db)
    store.replace_reference(read_areas(), read_force_cps_area())
    store.replace_pilot_register(read_pilot_register(), changed_by="setup")
    store.close()
    with sh.write_lock(db):
        sh.publish(db)
    return db


def edit_register(store: Store, who: str) -> None:
    register = store.pilot_register().drop("area_name", "area_kind")
    store.replace_pilot_register(register.with_columns(source=register["source"] + f" ({who})"), who)


def test_a_write_through_one_store_is_read_by_the_other_after_its_next_check(primary):
    first, second = Store(primary, shared=True), Store(primary, shared=True)
    before = second.data_version()
    edit_register(first, "first")
    assert first.data_version() != before  # the writer sees its own write at once
    assert second.data_version() == before  # the other, until it looks
    assert second.refresh() and second.data_version() == first.data_version()
    assert not second.refresh()  # nothing newer
    first.close(), second.close()


def test_a_read_begun_on_one_version_stays_on_it_while_a_newer_one_is_published(primary):
    first, second = Store(primary, shared=True), Store(primary, shared=True)
    with second.consistent() as seen:
        edit_register(first, "first")
        second.refresh()
        assert second.data_version() == seen  # the pinned snapshot, not the new one
    assert second.data_version() != seen
    first.close(), second.close()


def test_writes_from_two_stores_at_once_are_all_kept(primary):
    stores = [Store(primary, shared=True) for _ in range(2)]
    threads = [
        threading.Thread(target=lambda s=s, i=i: [edit_register(s, f"w{i}-{n}") for n in range(3)])
        for i, s in enumerate(stores)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = Store(primary, shared=True)
    changed_by = set(reader.pilot_register_changes()["changed_by"])
    assert {f"w{i}-{n}" for i in range(2) for n in range(3)} <= changed_by
    for s in (*stores, reader):
        s.close()


def test_old_snapshots_go_once_two_newer_ones_exist(primary, monkeypatch):
    monkeypatch.setattr(sh, "KEEP_SECONDS", 0.0)
    store = Store(primary, shared=True)
    for n in range(5):
        edit_register(store, f"w{n}")
    left = sorted(p.name for p in sh.published_dir(primary).glob("v*.duckdb"))
    assert left == ["v000004.duckdb", "v000005.duckdb", "v000006.duckdb"]
    assert sh.current_snapshot(primary).name == "v000006.duckdb"
    assert store.pilot_register_changes()["changed_by"].to_list()[0] == "w4"
    store.close()


def test_a_shared_store_before_any_snapshot_says_how_to_start(tmp_path):
    from soteria.store import StorageError

    with pytest.raises(StorageError, match="python -m soteria serve"):
        Store(tmp_path / "none.duckdb", shared=True)
