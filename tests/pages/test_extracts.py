"""Extracts page (AppTest): every load listed, original download, undo with confirmation, refusals."""

from __future__ import annotations

from soteria.config import SAMPLES_DIR
from soteria.ingest.load import ingest_file
from soteria.store import open_store
from tests.pages.ingest_fixtures import own_db

__all__ = ["own_db"]


def test_demo_loads_are_listed_without_an_original_file(open_page):
    at = open_page("extracts")
    table = at.dataframe[0].value
    assert {"synthetic-demo-metrics", "synthetic-demo-cases"} <= set(table["file"])
    assert {"extract", "file", "kind", "rows", "loaded by", "loaded at", "status", "SHA-256"} <= set(
        table.columns
    )
    assert any("No original file is kept" in c.value for c in at.caption)


def test_undo_needs_confirmation_then_restores_and_later_loads_block_older_ones(own_db, open_page):
    store = open_store(own_db)
    before = store.content_checksum()
    first = ingest_file(store, SAMPLES_DIR / "metrics_sample.csv", "tester").extract_id
    revised = own_db.parent / "revised.csv"
    revised.write_bytes((SAMPLES_DIR / "metrics_sample.csv").read_bytes().replace(b",41\n", b",45\n"))
    second = ingest_file(store, revised, "tester").extract_id
    assert (first, second) == (1, 2)

    at = open_page("extracts")
    assert list(at.dataframe[0].value["extract"]) == [2, 1]
    assert len(at.get("download_button")) == 1
    undo_button = next(b for b in at.button if b.label == "Undo extract 2")
    assert undo_button.disabled
    at.checkbox[0].check()
    at.run()
    next(b for b in at.button if b.label == "Undo extract 2").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert (
        "Undone extract 2: 12 values and 0 cases taken out, 12 values and 0 cases put back"
        in at.success[0].value
    )
    assert list(at.dataframe[0].value["status"]) == ["undone", "loaded"]

    at.selectbox[0].set_value(1)
    at.run()
    at.checkbox[0].check()
    at.run()
    next(b for b in at.button if b.label == "Undo extract 1").click()
    at.run()
    assert store.content_checksum()["metric_values"] == before["metric_values"]


def test_an_older_extract_revised_later_shows_why_it_cannot_be_undone(own_db, open_page):
    store = open_store(own_db)
    ingest_file(store, SAMPLES_DIR / "metrics_sample.csv", "tester")
    revised = own_db.parent / "revised.csv"
    revised.write_bytes((SAMPLES_DIR / "metrics_sample.csv").read_bytes().replace(b",41\n", b",45\n"))
    ingest_file(store, revised, "tester")
    at = open_page("extracts")
    at.selectbox[0].set_value(1)
    at.run()
    assert "cannot be undone on its own" in at.info[0].value
    assert not [b for b in at.button if b.label.startswith("Undo extract")]
