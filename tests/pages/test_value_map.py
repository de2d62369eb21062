"""Value mappings page and the Upload page's "map it there and then" (AppTest, own database)."""

from __future__ import annotations

import polars as pl

from soteria.reference import read_value_map
from soteria.store import open_store
from tests.pages.ingest_fixtures import own_db

__all__ = ["own_db"]

CASES = (
    b"case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
    b"X-1,E23000014,2024-01-15,,2024-02-01,Outcome 16\n"
    b"X-2,E23000014,2024-01-20,,2024-02-03,Dropped by force\n"
    b"X-3,E23000014,2024-01-21,,2024-02-04,Dropped by force\n"
)


def test_the_page_shows_the_mapping_and_saves_a_csv_with_its_history(own_db, open_page) -> None:
    at = open_page("value_map")
    assert any("Value mappings" in t.value for t in at.title)
    mine = read_value_map().vstack(read_value_map().head(1).with_columns(value=pl.lit("gone")))
    at.file_uploader[0].set_value(("map.csv", mine.write_csv().encode(), "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert not at.exception and "Saved: 1 value(s) changed" in at.success[0].value
    assert open_store(own_db).value_map_changes().get_column("value").to_list() == ["gone"]


def test_a_bad_mapping_csv_is_refused_naming_row_and_column(own_db, open_page) -> None:
    at = open_page("value_map")
    bad = b"field,value,maps_to\nclosure_reason,NFA,nonsense\n"
    at.file_uploader[0].set_value(("map.csv", bad, "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert "Nothing was saved" in at.error[0].value
    assert any("map.csv, row 2, column maps_to" in m.value for m in at.markdown)
    assert open_store(own_db).value_map_changes().is_empty()


def test_an_unknown_closure_word_is_mapped_on_the_upload_page_and_the_load_goes_on(own_db, open_page) -> None:
    at = open_page("upload")
    at.text_input[0].set_value("2024-09-30")
    at.file_uploader[0].set_value(("force.csv", CASES, "text/csv"))
    at.run()
    assert "Nothing was stored: force.csv has 1 problem" in at.error[0].value  # once, not per row
    choice = next(s for s in at.selectbox if s.label == "Map “Dropped by force” to")
    choice.set_value("police_nfa")
    next(b for b in at.button if b.label == "Save these mappings and check the file again").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and at.subheader[0].value == "Preview"
    log = open_store(own_db).value_map_changes()
    assert log.select("value", "new_maps_to").rows() == [("Dropped by force", "police_nfa")]


def test_the_last_change_is_undone_and_the_undo_is_logged(own_db, open_page) -> None:
    store = open_store(own_db)
    original = store.value_map()
    changed = original.with_columns(
        maps_to=pl.when(pl.col("value") == "nfa").then(pl.lit("other")).otherwise("maps_to")
    ).vstack(original.head(1).with_columns(value=pl.lit("Dropped")))
    store.replace_value_map(changed, changed_by="someone")
    at = open_page("value_map")
    next(b for b in at.button if b.label == "Undo the last change to the mapping").click()
    at.run()
    assert not at.exception and "Undone: 2 value(s) put back" in at.success[0].value
    after = store.value_map()
    assert (
        after.select("field", "value", "maps_to")
        .sort("field", "value")
        .equals(original.select("field", "value", "maps_to").sort("field", "value"))
    )
    log = store.value_map_changes()
    assert log.height == 4  # the save's two changes, and the undo's two
    undone = log.head(2).select("value", "old_maps_to", "new_maps_to").sort("value").rows()
    assert undone == [("Dropped", "police_nfa", None), ("nfa", "other", "police_nfa")]
