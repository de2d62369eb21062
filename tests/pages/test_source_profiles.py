"""Source profiles page (AppTest, own database): list, edit and delete, each logged."""

from __future__ import annotations

from soteria.ingest.source_profiles import load_profile, save_profile
from soteria.store import open_store
from tests.pages.ingest_fixtures import own_db

__all__ = ["own_db"]

KENT = {
    "Crime Reference": "case_ref",
    "Force": "force_code",
    "Date Reported": "reported_on",
    "Date Sent": "file_submitted_on",
    "Date Closed": "closed_on",
    "Outcome": "closure_reason",
}


def test_with_no_profile_the_page_says_how_one_is_made(own_db, open_page) -> None:
    at = open_page("source_profiles")
    assert "No source profile yet" in at.info[0].value


def test_a_profile_is_listed_edited_and_deleted_with_its_history(own_db, open_page) -> None:
    store = open_store(own_db)
    assert save_profile(store, "Kent cases", "cases", KENT, "test") == []
    at = open_page("source_profiles")
    listed = at.dataframe[0].value
    assert listed["profile"].tolist() == ["Kent cases"]
    assert "date_sent → file_submitted_on" in listed.iloc[0, 2]
    # Edit one cell: the file's column for file_submitted_on is now "Date to CPS".
    key = "profile-editor-Kent cases"
    at.session_state[key] = {
        "edited_rows": {"3": {"file column": "Date to CPS"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert not at.exception and "Saved the profile 'Kent cases'" in at.success[0].value
    profile = load_profile(store, "Kent cases")
    assert profile is not None and profile.columns["date_to_cps"] == "file_submitted_on"
    # A change that breaks the profile is refused: nothing saved.
    at = open_page("source_profiles")
    at.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]}
    at.run()
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert "no column of the file is mapped to case_ref" in at.error[0].value
    next(c for c in at.checkbox if c.label.startswith("Yes, delete")).check()
    at.run()
    next(b for b in at.button if b.label == "Delete this profile").click()
    at.run()
    assert "Deleted the profile 'Kent cases'" in at.success[0].value
    assert store.source_profiles().is_empty()
    changes = store.source_profile_changes()
    assert changes.height == 3 and changes["new_columns"].to_list()[0] is None  # newest first: deleted
