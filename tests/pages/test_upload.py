"""Upload page (AppTest): problems with rows and rules, preview with revisions, commit, cancel.

Tests that commit use their own database (SOTERIA_DB pointed at a fresh file with the reference tables),
so the session's demo database stays as it is for the other page tests."""

from __future__ import annotations

from datetime import date

from soteria.config import SAMPLES_DIR
from soteria.store import Store, open_store
from tests.pages.ingest_fixtures import own_db

__all__ = ["own_db"]


def upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.file_uploader[0].set_value((name, data, mime))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_bad_file_names_rows_and_rules_and_stores_nothing(open_page):
    at = open_page("upload")
    data = b"area_code,month,metric,value\nE23000014,2024-13,referrals,4\nNOPE,2024-07,referrals,-1\n"
    upload(at, "bad.csv", data)
    assert "Nothing was stored: bad.csv has 3 problems" in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems["row"]) == [2, 3, 3]
    assert list(problems["column"]) == ["month", "area_code", "value"]
    rules = at.dataframe[1].value
    assert rules["problems"].sum() == 3
    assert not [b for b in at.button if b.label == "Commit this extract"]


def test_case_file_without_as_of_asks_for_it(open_page):
    at = open_page("upload")
    data = (
        b"case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
        b"X-1,E23000014,2024-01-15,,,\n"
    )
    upload(at, "cases.csv", data)
    assert "a case extract needs its as-of date" in at.dataframe[0].value["rule"][0]
    at.date_input[0].set_value(date(2024, 9, 30))
    at.run()
    assert not at.error and at.subheader[0].value == "Preview"


def test_preview_shows_changes_then_commits(own_db, open_page):
    at = upload(open_page("upload"), "cases_sample.csv", (SAMPLES_DIR / "cases_sample.csv").read_bytes())
    assert at.subheader[0].value == "Preview"
    assert at.dataframe[0].value.to_dict("records") == [
        {"cases": "cases", "new": 6, "changed": 0, "unchanged": 0}
    ]
    button(at, "Commit this extract").click()
    at.run()
    assert not at.exception
    assert "Committed as extract 1" in at.success[0].value
    # The same file again is recognised and not loaded twice.
    at = upload(open_page("upload"), "cases_sample.csv", (SAMPLES_DIR / "cases_sample.csv").read_bytes())
    assert "loaded before" in at.info[0].value
    assert not [b for b in at.button if b.label == "Commit this extract"]


def test_revisions_are_listed_largest_first_and_flagged(own_db, open_page):
    sample = (SAMPLES_DIR / "metrics_sample.csv").read_bytes()
    at = upload(open_page("upload"), "metrics_sample.csv", sample)
    button(at, "Commit this extract").click()
    at.run()
    revised = sample.replace(b",41\n", b",70\n").replace(b",38\n", b",39\n")
    at = upload(open_page("upload"), "revised.csv", revised)
    changes = at.dataframe[0].value
    assert changes.set_index("metric").loc["referrals"].to_dict() == {"new": 0, "revised": 2, "unchanged": 4}
    revisions = at.dataframe[1].value
    assert revisions[["area", "area code", "old", "new", "over 50%"]].to_dict("records") == [
        {"area": "West Midlands", "area code": "E23000014", "old": "41", "new": "70", "over 50%": True},
        {"area": "West Midlands", "area code": "E23000014", "old": "38", "new": "39", "over 50%": False},
    ]
    assert any("1 by more than 50%" in m.value for m in at.markdown)


def test_cancel_stores_nothing_and_clears_the_upload(own_db, open_page):
    store = Store(own_db, read_only=True)
    before = store.content_checksum()
    store.close()
    at = upload(open_page("upload"), "metrics_sample.csv", (SAMPLES_DIR / "metrics_sample.csv").read_bytes())
    button(at, "Cancel").click()
    at.run()
    assert not at.exception
    assert "Cancelled: nothing from metrics_sample.csv was stored." in at.info[0].value
    assert not at.file_uploader[0].value
    assert open_store(own_db).content_checksum() == before


def test_a_workbook_with_several_sheets_asks_which(open_page):
    from tests.ingest.test_ingest_formats import workbook

    data = workbook(
        {
            "Read me": [["notes"]],
            "Figures": [["area_code", "month", "metric", "value"], ["E23000014", "2024-07", "referrals", 4]],
        }
    )
    at = upload(open_page("upload"), "two.xlsx", data, "application/vnd.ms-excel")
    assert "has 2 sheets: choose the one to load" in at.info[0].value
    at.selectbox[1].set_value("Figures")
    at.run()
    assert not at.exception and at.subheader[0].value == "Preview"


def test_a_missing_as_of_date_asks_for_the_field_and_hides_no_other_problem(open_page):
    at = open_page("upload")
    data = (
        b"case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
        b"X-1,E23000014,2024-01-15,,,\n"
        b"X-2,NOWHERE,2024-01-16,,,\n"
    )
    upload(at, "cases.csv", data)
    assert "Fill in the as-of date above, fix the file" in at.error[0].value
    rules = at.dataframe[0].value["rule"].to_list()
    assert "fill in the field 'As-of date of the extract'" in rules[0]
    assert any("force_code is not a known" in r for r in rules[1:])  # seen in the same upload
