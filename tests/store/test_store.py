"""The store on real DuckDB files: schema, refusals that change nothing, logs, loads and exact undo."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from soteria.ingest.load import ingest_file
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import ExtractConflict, ExtractDetails, ExtractRecord, StorageError, Store, UndoRefused
from soteria.store.files import copy_atomically, verify_database_file
from soteria.store.gateway import close_stores, open_store
from soteria.store.schema import CASE_COLUMNS, SCHEMA_VERSION

AS_OF = date(2024, 9, 30)
WM_JUL = "E23000014,2024-07,referrals"  # + ",<value>": West Midlands Police referrals, July 2024


def metrics(*rows: str) -> str:
    return "area_code,month,metric,value\n" + "".join(f"{r}\n" for r in rows)


def cases(*rows: str) -> str:
    header = ",".join(c for c in CASE_COLUMNS if not c.startswith("victim_"))  # a file without them
    return metrics(*rows).replace("area_code,month,metric,value", header, 1)


def load(store: Store, tmp_path: Path, name: str, text: str) -> int:
    (tmp_path / name).write_text(text)
    result = ingest_file(store, tmp_path / name, "tester", as_of=AS_OF)
    assert result.status == "loaded" and result.extract_id is not None, result.parsed.problems
    return result.extract_id


def values(store: Store) -> list[tuple[object, ...]]:
    return sorted(store.metric_values(["referrals", "charges"], "force").drop("extract_id").rows())


def test_opening_creates_and_migrates_the_schema_and_refuses_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.duckdb"
    s = Store(path)
    assert s.schema_version() == SCHEMA_VERSION and s.is_empty()
    s.close()
    Store(path).close()  # reopening migrates nothing twice
    with duckdb.connect(str(path), read_only=True) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert versions == list(range(1, SCHEMA_VERSION + 1))
    assert {"areas", "metric_values", "cases", "case_history", "user_roles", "role_changes"} <= tables
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION + 1])
    with pytest.raises(StorageError, match="newer than this release"):
        Store(path)


def test_a_file_that_is_not_duckdb_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "soteria.duckdb"
    content = b"area_code,month\nE23000014,2024-07\n" * 20
    path.write_bytes(content)
    with pytest.raises(StorageError, match="not a Soteria database"):
        Store(path)
    assert path.read_bytes() == content and not Path(f"{path}.wal").exists()


def test_a_read_only_store_refuses_every_write(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, "m.csv", metrics(f"{WM_JUL},41"))
    store.close()
    ro = Store(store.path, read_only=True)
    try:
        before = ro.content_checksum()
        with pytest.raises(StorageError, match="read-only"):
            ro.set_meta({"a": "b"})
        with pytest.raises(StorageError, match="read-only"):
            ro.undo_extract(1, "t")
        assert ro.content_checksum() == before and set(ro.meta()) == {"cell_key_secret"}
    finally:
        ro.close()


def test_reference_tables_round_trip(store: Store) -> None:
    areas, fca, register = read_areas(), read_force_cps_area(), read_pilot_register()
    stored = store.areas().select(areas.columns)
    assert sorted(stored.rows()) == sorted(areas.select(stored.columns).rows()) and not store.is_empty()
    assert store.areas("cps_area").height == areas.filter(pl.col("area_kind") == "cps_area").height == 14
    assert sorted(store.force_cps_area().rows()) == sorted(fca.select(store.force_cps_area().columns).rows())
    cols = ["area_code", "wave", "pilot_start", "is_assumption", "source"]
    assert sorted(store.pilot_register().select(cols).rows()) == sorted(register.select(cols).rows())


def test_replacing_the_register_logs_each_changed_row(store: Store) -> None:
    register = read_pilot_register()
    start = store.data_version()
    assert store.replace_pilot_register(register, changed_by="nobody") == 0  # the same register
    assert store.data_version() == start
    wm = pl.col("area_code") == "CPS-WM"
    moved = register.with_columns(
        pl.when(wm).then(date(2021, 9, 1)).otherwise("pilot_start").alias("pilot_start")
    )
    old_start = register.filter(wm)["pilot_start"].item()
    assert store.replace_pilot_register(moved, changed_by="evaluator") == 1
    log = store.pilot_register_changes().filter(pl.col("changed_by") == "evaluator")
    changed = [("CPS-WM", old_start, date(2021, 9, 1))]
    assert log.select("area_code", "old_pilot_start", "new_pilot_start").rows() == changed
    assert store.pilot_register().filter(wm)["pilot_start"].item() == date(2021, 9, 1)
    assert store.data_version() != start


def test_editing_only_a_registers_source_changes_the_data_version(store: Store) -> None:
    register = read_pilot_register().with_columns(pl.lit("a new source").alias("source"))
    start = store.data_version()
    store.replace_pilot_register(register, changed_by="evaluator")
    assert set(store.pilot_register()["source"]) == {"a new source"}  # stored...
    assert store.data_version() != start  # ...but the cache key stays the same


def test_roles_and_meta_are_stored_and_role_changes_logged(store: Store) -> None:
    assert store.set_role("ann", "viewer", "a1") is True
    assert store.set_role("ann", "viewer", "a1") is False  # no change, nothing logged
    assert store.set_role("ann", "evaluator", "a1") is True and store.user_roles() == {"ann": "evaluator"}
    assert store.set_role("ann", None, "a2") is True and store.user_roles() == {}
    log = store.role_changes().sort("changed_at").select("changed_by", "old_role", "new_role").rows()
    assert log == [("a1", None, "viewer"), ("a1", "viewer", "evaluator"), ("a2", "evaluator", None)]
    before = store.content_checksum()
    with pytest.raises(duckdb.ConstraintException):
        store.set_role("bob", "superuser", "a1")
    assert store.content_checksum() == before
    store.set_meta({"dataset": "demo", "seed": "7"})
    store.set_meta({"seed": "8"})
    secret = store.meta().pop("cell_key_secret")  # made when the file was first opened for writing
    assert len(secret) == 64 and store.cell_key_secret() == secret
    assert {k: v for k, v in store.meta().items() if k != "cell_key_secret"} == {
        "dataset": "demo",
        "seed": "8",
    }


def test_load_revise_and_undo_put_back_exactly_what_was_there(store: Store, tmp_path: Path) -> None:
    v0 = store.data_version()  # data_version changes with every load and undo
    first = load(store, tmp_path, "a.csv", metrics(f"{WM_JUL},41", "E23000008,2024-07,charges,9"))
    v1 = store.data_version()
    after_first, sums_first = values(store), store.content_checksum()
    july = date(2024, 7, 1)
    assert after_first == [
        ("E23000008", july, "charges", 9, None),
        ("E23000014", july, "referrals", 41, None),
    ]
    second = load(store, tmp_path, "b.csv", metrics(f"{WM_JUL},44", "E23000014,2024-08,referrals,3"))
    v2 = store.data_version()
    assert second == first + 1 and len({v0, v1, v2}) == 3
    history = store.metric_value_history("E23000014", july, "referrals").select("value", "superseded_by")
    assert history.rows() == [(44, None), (41, second)]
    counts = {"values": 2, "values_restored": 1, "cases": 0, "cases_restored": 0}
    assert store.undo_counts(second) == counts and store.undo_extract(second, "tester") == counts
    assert values(store) == after_first
    assert store.metric_values(["referrals"], "force")["extract_id"].to_list() == [first]
    assert store.data_version() not in (v1, v2)
    now = store.content_checksum()
    assert all(now[t] == sums_first[t] for t in ("metric_values", "metric_history"))
    assert (store.extract(second) or {}).get("undone_by") == "tester"


def test_cases_load_and_undo(store: Store, tmp_path: Path) -> None:
    x1, x2 = "X-1,E23000014,2024-01-15", "X-2,E23000008,2024-02-01"
    first = load(store, tmp_path, "c1.csv", cases(f"{x1},,,", f"{x2},,,"))
    before = store.cases().sort("case_ref")
    assert before.select("case_ref", "force_code", "reported_on", "as_of").rows() == [
        ("X-1", "E23000014", date(2024, 1, 15), AS_OF),
        ("X-2", "E23000008", date(2024, 2, 1), AS_OF),
    ]
    second = load(store, tmp_path, "c2.csv", cases(f"{x1},2024-03-02,,", "X-3,E23000014,2024-05-01,,,"))
    now = store.cases().sort("case_ref")
    assert now["case_ref"].to_list() == ["X-1", "X-2", "X-3"]
    assert now["file_submitted_on"].to_list() == [date(2024, 3, 2), None, None]
    with pytest.raises(UndoRefused, match="later extracts replaced"):
        store.undo_extract(first, "tester")
    assert store.undo_extract(second, "tester")["cases_restored"] == 1
    assert store.cases().sort("case_ref").rows() == before.rows()


def test_refused_operations_write_nothing(store: Store, tmp_path: Path) -> None:
    first = load(store, tmp_path, "a.csv", metrics(f"{WM_JUL},41"))
    load(store, tmp_path, "b.csv", metrics(f"{WM_JUL},42"))
    before, version = store.content_checksum(), store.data_version()
    with pytest.raises(UndoRefused):
        store.undo_extract(first, "tester")
    with pytest.raises(UndoRefused, match="no extract 99"):
        store.undo_extract(99, "tester")
    record = store.extract(first) or {}
    again = ExtractRecord(record["file_name"], record["sha256"], "metrics", 1, "tester")
    with pytest.raises(ExtractConflict, match="already loaded"):
        store.load_extract(again, ExtractDetails(), values=store.metric_values(["referrals"], "force"))
    other = ExtractRecord("c.csv", "f" * 64, "metrics", 1, "tester")
    with pytest.raises(ExtractConflict, match="changed since"):
        store.load_extract(other, ExtractDetails(), values=None, expected_version="0.0.0")
    assert store.content_checksum() == before and store.data_version() == version


def test_consistent_pins_one_version_while_another_thread_commits(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, "a.csv", metrics(f"{WM_JUL},41"))
    (tmp_path / "b.csv").write_text(metrics("E23000014,2024-08,referrals,43"))
    done: list[str] = []

    def writer() -> None:
        done.append(ingest_file(store, tmp_path / "b.csv", "other", as_of=AS_OF).status)

    with store.consistent() as seen:
        rows_before = store.metric_values(["referrals"], "force").height
        t = threading.Thread(target=writer)
        t.start()
        t.join(30)
        assert done == ["loaded"] and store.data_version() == seen
        assert store.metric_values(["referrals"], "force").height == rows_before == 1
    assert store.data_version() != seen and store.metric_values(["referrals"], "force").height == 2


def test_open_store_returns_one_store_per_path(tmp_path: Path) -> None:
    try:
        a = open_store(tmp_path / "a.duckdb")
        assert open_store(str(tmp_path / "a.duckdb")) is a
        assert open_store(tmp_path / "." / "a.duckdb") is a
        b = open_store(tmp_path / "b.duckdb")
        assert b is not a and b.path != a.path
        close_stores()
        assert a.closed and open_store(tmp_path / "a.duckdb") is not a
    finally:
        close_stores()


def test_copy_atomically_and_snapshots_leave_no_partial_file(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"new content" * 1000)
    dest = tmp_path / "dest.bin"
    dest.write_bytes(b"old")
    copy_atomically(source, dest)
    assert dest.read_bytes() == source.read_bytes()
    load(store, tmp_path, "a.csv", metrics(f"{WM_JUL},41"))
    snap = tmp_path / "copy.duckdb"
    store.snapshot_to(snap)
    assert snap.exists() and list(tmp_path.glob("*partial")) == list(tmp_path.glob(".*partial")) == []
    verify_database_file(snap)
    copy = Store(snap, read_only=True)
    try:
        assert copy.content_checksum() == store.content_checksum()
    finally:
        copy.close()


def test_source_profiles_are_saved_replaced_and_deleted_with_a_log(store):
    assert store.save_source_profile("Kent", "cases", '{"a": "case_ref"}', "ev")
    assert not store.save_source_profile("Kent", "cases", '{"a": "case_ref"}', "ev")  # no change, no log
    assert store.save_source_profile("Kent", "cases", '{"b": "case_ref"}', "ad")
    assert store.source_profile("Kent") == ("cases", '{"b": "case_ref"}')
    assert store.delete_source_profile("Kent", "ad") and not store.delete_source_profile("Kent", "ad")
    log = store.source_profile_changes().sort("changed_at")
    assert log.select("changed_by", "old_columns", "new_columns").rows() == [
        ("ev", None, '{"a": "case_ref"}'),
        ("ad", '{"a": "case_ref"}', '{"b": "case_ref"}'),
        ("ad", '{"b": "case_ref"}', None),
    ]
