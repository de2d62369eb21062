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


def test_the_original_file_is_an_admins_download_made_only_on_demand(own_db, open_page):
    """Streamlit serves /media/ files to anyone with the address: the raw extract must have none in
    the page. In local mode (the single user is admin) the button is deferred: no URL until clicked."""
    ingest_file(open_store(own_db), SAMPLES_DIR / "cases_sample.csv", "tester")
    at = open_page("extracts")
    buttons = at.get("download_button")
    assert len(buttons) == 1 and buttons[0].proto.label == "Download the file as loaded"
    assert buttons[0].proto.url == "" and buttons[0].proto.deferred_file_id  # nothing to fetch yet


def test_an_evaluator_gets_no_original_file_download(own_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import PAGE_TIMEOUT, ROOT

    ingest_file(open_store(own_db), SAMPLES_DIR / "cases_sample.csv", "tester")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-only-secret",
        "client_id": "soteria",
        "client_secret": "test-only",
        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
    }
    at.secrets["soteria"] = {"roles": {"ev@example.org": "evaluator"}}
    at.user = {"is_logged_in": True, "email": "ev@example.org"}
    at.switch_page("pages/extracts.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Extracts" and not at.get("download_button")
    assert any("can be downloaded by an admin" in c.value for c in at.caption)


def test_the_list_reads_as_words_dates_and_a_dash_without_cutting_a_column_off(open_page):
    """The grid keeps typed values (so it sorts) and shows them for people: its headings, dates without a
    midnight time, counts with thousands separated, a dash for a missing value; the SHA-256, shown in
    full for the chosen extract, is left out of the list so that the status is not pushed off."""
    import json

    at = open_page("extracts")
    grid = at.dataframe[0]
    columns = json.loads(grid.proto.columns)
    assert grid.proto.placeholder == "—"
    assert columns["loaded by"]["label"] == "Loaded by" and columns["as of"]["label"] == "As of"
    assert columns["as of"]["type_config"] == {"type": "date", "format": "D MMM YYYY"}
    assert columns["loaded at"]["type_config"]["format"] == "D MMM YYYY, HH:mm"
    assert columns["rows"]["type_config"] == {"type": "number", "format": "localized"}
    assert "SHA-256" not in list(grid.proto.column_order) and "status" in list(grid.proto.column_order)
    assert str(grid.value["as of"].iloc[0]).startswith("2024-07-31")  # typed, not text
