"""Upload page (AppTest): problems with rows and rules, preview with revisions, commit, cancel.

Tests that commit use their own database (SOTERIA_DB pointed at a fresh file with the reference tables),
so the session's demo database stays as it is for the other page tests."""

from __future__ import annotations

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
    assert list(problems["value"]) == ["2024-13", "NOPE", "-1"]
    by_rule = next(m.value for m in at.markdown if m.value.startswith("**Problems by rule**"))
    assert "1 × month must be a month like 2023-04" in by_rule  # each rule in full, with its count
    assert not [b for b in at.button if b.label == "Commit this extract"]


def test_case_file_without_as_of_asks_for_it(open_page):
    at = open_page("upload")
    data = (
        b"case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
        b"X-1,E23000014,2024-01-15,,,\n"
    )
    upload(at, "cases.csv", data)
    assert any("a case extract needs its as-of date" in m.value for m in at.markdown)
    at.text_input[0].set_value("30/09/2024")
    at.run()
    assert not at.error and at.subheader[0].value == "Preview"
    assert "as of 2024-09-30" in at.markdown[1].value


def test_preview_shows_changes_then_commits(own_db, open_page):
    at = upload(open_page("upload"), "cases_sample.csv", (SAMPLES_DIR / "cases_sample.csv").read_bytes())
    assert at.subheader[0].value == "Preview"
    assert at.dataframe[0].value.to_dict("records") == [
        {"cases": "cases", "new": 6, "changed": 0, "unchanged": 0}
    ]
    button(at, "Commit this extract").click()
    at.run()
    assert not at.exception
    # The preview and its buttons are gone; what was committed is shown in their place.
    assert "Committed cases_sample.csv as extract 1" in at.success[0].value
    assert not at.subheader and not [b for b in at.button if b.label in ("Commit this extract", "Cancel")]
    assert at.dataframe[0].value.to_dict("records") == [
        {"cases": "cases", "new": 6, "changed": 0, "unchanged": 0}
    ]
    assert not at.file_uploader[0].value
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
    next(s for s in at.selectbox if s.label == "Sheet").set_value("Figures")
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
    assert any("fill in the field 'As-of date of the extract'" in m.value for m in at.markdown)
    rules = at.dataframe[0].value["rule"].to_list()
    assert any("force_code is not a known" in r for r in rules)  # seen in the same upload


def test_an_as_of_date_that_is_not_a_date_is_refused_by_name(open_page):
    at = open_page("upload")
    at.text_input[0].set_value("31/02/2024")
    at.run()
    assert "'31/02/2024' is not a date" in at.error[0].value


def test_a_whole_file_problem_is_listed_in_full_with_no_empty_cells(open_page):
    at = upload(open_page("upload"), "odd.csv", b"colour,size\nred,4\n")
    listed = next(m.value for m in at.markdown if m.value.startswith("- required columns missing"))
    assert "found: colour, size" in listed
    assert not at.dataframe  # no table of cells with "None" in them


FORCE_FILE = (
    b"Crime Reference,Force,Date Reported,Date File Submitted to CPS,Date Closed,Outcome,Officer\n"
    b"KX/1001/23,Kent,03/04/2023,17/05/2023,01/06/2023,1,A\n"
    b"KX/1002/23,Kent,05/04/2023,,20/06/2023,Outcome 14,B\n"
    b"KX/1003/23,Kent,07/04/2023,,,,A\n"
)


def by_label(elements, label: str):
    return next(e for e in elements if e.label.startswith(label))


def test_a_force_s_own_headers_load_through_a_confirmed_saved_profile(own_db, open_page):
    at = open_page("upload")
    at.text_input[0].set_value("2023-09-30")
    upload(at, "kent-2023-09.csv", FORCE_FILE)
    assert any("required columns missing" in m.value for m in at.markdown)
    # The proposal, from the header names, one box per column of a case file.
    assert by_label(at.selectbox, "case_ref").value == "crime_reference"
    assert by_label(at.selectbox, "reported_on").value == "date_reported"
    assert by_label(at.selectbox, "file_submitted_on").value == "date_file_submitted_to_cps"
    assert by_label(at.selectbox, "closure_reason").value == "outcome"
    assert by_label(at.selectbox, "as_of").value is None
    by_label(at.text_input, "Save as source profile").set_value("Kent case extract")
    by_label(at.button, "Save the profile and check the file again").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.subheader[0].value == "Preview"
    assert by_label(at.selectbox, "Source profile").value == "Kent case extract"
    assert any("source profile 'Kent case extract'" in m.value for m in at.markdown)
    by_label(at.button, "Commit this extract").click()
    at.run()
    assert "as extract 1" in at.success[0].value
    store = open_store(own_db)
    assert store.source_profiles()["name"].to_list() == ["Kent case extract"]
    assert store.source_profile_changes()["old_columns"].to_list() == [None]  # created, logged

    # Next month's file from the same source: choose the profile, and it loads in one step.
    at = open_page("upload")
    at.text_input[0].set_value("2023-10-31")
    by_label(at.selectbox, "Source profile").set_value("Kent case extract")
    at.run()
    upload(
        at,
        "kent-2023-10.csv",
        FORCE_FILE.replace(b"KX/1003/23,Kent,07/04/2023,,,", b"KX/1003/23,Kent,07/04/2023,,12/10/2023,NFA"),
    )
    assert at.subheader[0].value == "Preview"


def test_a_profile_that_does_not_fit_the_file_says_which_columns_are_missing(own_db, open_page):
    from soteria.ingest.source_profiles import save_profile

    store = open_store(own_db)
    columns = {
        "Crime Reference": "case_ref",
        "Force": "force_code",
        "Date Reported": "reported_on",
        "Date Sent": "file_submitted_on",
        "Date Closed": "closed_on",
        "Outcome": "closure_reason",
    }
    assert save_profile(store, "Kent", "cases", columns, "test") == []
    at = open_page("upload")
    at.text_input[0].set_value("2023-09-30")
    by_label(at.selectbox, "Source profile").set_value("Kent")
    at.run()
    upload(at, "kent.csv", FORCE_FILE)
    listed = next(m.value for m in at.markdown if "the profile 'Kent' expects" in m.value)
    assert "date_sent" in listed


def test_a_table_of_areas_by_quarter_asks_for_its_metric_then_previews(own_db, open_page):
    table = b",2024-25,\nCPS Area,Q1,Q2\nWest Midlands,45,52\nWessex,30,31\n"
    at = upload(open_page("upload"), "cps.csv", table)
    assert any("does not say which metric it holds" in m.value for m in at.markdown)
    by_label(at.selectbox, "Metric this table holds").set_value("referrals")
    at.run()
    assert not at.exception and at.subheader[0].value == "Preview"
    assert any("areas by quarter" in m.value and "(2 quarters)" in m.value for m in at.markdown)
