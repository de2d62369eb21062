"""Uploading extracts: every rule names file, row, column and value; nothing is written unless all is well."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteria import ingest, reference
from soteria.config import SAMPLES_DIR
from soteria.domain import METRICS
from soteria.ingest import Problem, commit, ingest_file, preview, read_extract

METRICS_HEADER = "area_code,month,metric,value\n"
CASES_HEADER = "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
AS_OF = date(2024, 9, 30)
AREAS = reference.read_areas()


def metrics(*rows: str) -> bytes:
    return (METRICS_HEADER + "".join(f"{r}\n" for r in rows)).encode()


def cases(*rows: str) -> bytes:
    return (CASES_HEADER + "".join(f"{r}\n" for r in rows)).encode()


OK_METRIC = "E23000014,2024-07,referrals,41"
OK_CASE = "X-1,E23000014,2024-01-15,2024-03-02,2024-06-20,charged"

# One bad file per rule: (id, content, expected problem: row, column, text the rule contains, value shown)
# fmt: off
BAD_FILES = [
    ("missing columns", b"area_code,month,metric\nE23000014,2024-07,referrals\n", 1, None,
     "required columns missing for a metrics file: value (found: area_code, month, metric)", None),
    ("no known columns", b"a,b\n1,2\n", 1, None, "required columns missing", None),
    ("unknown area", metrics(OK_METRIC, "E99999999,2024-07,referrals,3"), 3, "area_code",
     "area_code is not a known area code", "E99999999"),
    ("bad month", metrics("E23000014,2024-7,referrals,3"), 2, "month",
     "month must be a month like 2023-04 or 2023-04-01", "2024-7"),
    ("mid-month date", metrics("E23000014,2024-07-15,referrals,3"), 2, "month",
     "month must be a month like 2023-04 or 2023-04-01", "2024-07-15"),
    ("month after as-of", metrics("E23000014,2024-10,referrals,3"), 2, "month",
     "month must lie between 2015-01 and the month of the extract's as-of date (2024-09-30)", "2024-10"),
    ("negative value", metrics("E23000014,2024-07,referrals,-3"), 2, "value",
     "value must be a whole number of 0 or more", "-3"),
    ("fractional value", metrics("E23000014,2024-07,referrals,2.5"), 2, "value",
     "value must be a whole number of 0 or more", "2.5"),
    ("text value", metrics("E23000014,2024-07,referrals,n/a"), 2, "value",
     "value must be a whole number of 0 or more", "n/a"),
    ("empty value", metrics("E23000014,2024-07,referrals,"), 2, "value",
     "value must be a whole number of 0 or more", None),
    ("unknown metric", metrics("E23000014,2024-07,arrests,3"), 2, "metric",
     "metric must be one of referrals, early_advice_requests", "arrests"),
    ("duplicate key", metrics(OK_METRIC, "E23000008,2024-07,referrals,1", "E23000014,2024-07-01,referrals,4"),
     2, "area_code", "duplicate (area_code, month, metric) in this file, also on row 4", "E23000014"),
    ("date order", cases("X-1,E23000014,2024-03-15,2024-03-02,,"), 2, "reported_on",
     "reported_on must be on or before file_submitted_on", "2024-03-15"),
    ("closed before reported", cases("X-1,E23000014,2024-03-15,,2024-03-01,police_nfa"), 2, "reported_on",
     "reported_on must be on or before closed_on", "2024-03-15"),
    ("bad closure reason", cases(OK_CASE, "X-2,E23000014,2024-01-15,,2024-02-01,dropped"), 3,
     "closure_reason",
     "closure_reason must be one of police_nfa, victim_withdrawal, charged, cps_no_charge, other", "dropped"),
    ("closed without reason", cases("X-1,E23000014,2024-01-15,,2024-02-01,"), 2, "closure_reason",
     "closure_reason must be given when closed_on is given", None),
    ("reason without date", cases("X-1,E23000014,2024-01-15,,,police_nfa"), 2, "closed_on",
     "closed_on must be given when closure_reason is given", None),
    ("date after as-of", cases("X-1,E23000014,2024-01-15,2024-03-02,2024-10-01,charged"), 2, "closed_on",
     "dates must lie between 2015-01-01 and the extract's as-of date (2024-09-30)", "2024-10-01"),
    ("date before 2015", cases("X-1,E23000014,2014-12-31,,,"), 2, "reported_on",
     "dates must lie between 2015-01-01 and the extract's as-of date", "2014-12-31"),
    ("bad date", cases("X-1,E23000014,15/01/2024,,,"), 2, "reported_on",
     "reported_on must be a date like 2023-04-17", "15/01/2024"),
    ("impossible date", cases("X-1,E23000014,2024-01-15,2024-02-30,,"), 2, "file_submitted_on",
     "file_submitted_on must be a date like 2023-04-17, or empty", "2024-02-30"),
    ("no reported date", cases("X-1,E23000014,,,,"), 2, "reported_on", "reported_on must not be empty", None),
    ("CPS Area as force", cases("X-1,CPS-WM,2024-01-15,,,"), 2, "force_code",
     "force_code is not a known police force area code", "CPS-WM"),
    ("duplicate case", cases(OK_CASE, "X-1,E23000008,2024-02-01,,,"), 2, "case_ref",
     "duplicate case_ref in this file, also on row 3", "X-1"),
    ("demo reference", cases("DEMO-0001,E23000014,2024-01-15,,,"), 2, "case_ref",
     "case_ref must not start with DEMO-", "DEMO-0001"),
    ("empty case_ref", cases(",E23000014,2024-01-15,,,"), 2, "case_ref", "case_ref must not be empty", None),
    ("empty file", b"", None, None, "the file is empty", None),
    ("blank file", b" \n\n", None, None, "the file is empty", None),
    ("header only", METRICS_HEADER.encode(), None, None, "the file has a header but no data rows", None),
    ("binary", b"PK\x03\x04\x14\x00\x06\x00binary workbook", None, None, "not a CSV file", None),
    ("NUL bytes", b"a\x00r\x00e\x00a\x00", None, None, "not a CSV file", None),
    ("not UTF-8", metrics(OK_METRIC) + "E23000008,2024-07,référals,1\n".encode("latin-1"), 3, None,
     "not UTF-8 text", None),
    ("ragged row", metrics(OK_METRIC, "E23000008,2024-07,referrals,1,9"), None, None,
     "a row has more fields than the header", None),
    ("repeated column", b"area_code,month,metric,value,Month\nE23000014,2024-07,referrals,4,2024-07\n", 1,
     None, "column month appears more than once in the header", None),
]
# fmt: on


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("label", "data", "row", "column", "rule", "value"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_files_name_file_row_column_and_rule_and_write_nothing(
    store, tmp_path, label, data, row, column, rule, value
):
    path = write(tmp_path, "upload.csv", data)
    before = store.content_checksum()
    result = ingest_file(store, path, "tester", as_of=AS_OF)
    assert result.status == "invalid"
    assert result.extract_id is None and result.preview is None
    assert result.parsed.frame is None and not result.parsed.ok
    matching = [p for p in result.parsed.problems if rule in p.rule]
    assert matching, result.parsed.problems
    problem = matching[0]
    assert (problem.file, problem.row, problem.column, problem.value) == ("upload.csv", row, column, value)
    assert result.parsed.problem_total >= 1
    assert sum(result.parsed.problem_counts.values()) == result.parsed.problem_total
    assert store.content_checksum() == before
    with pytest.raises(ValueError, match="problem"):
        commit(store, result.parsed, "tester")
    assert store.content_checksum() == before


@pytest.mark.parametrize("name", ["metrics_sample.csv", "cases_sample.csv"])
def test_samples_load_cleanly_and_reloading_changes_nothing(store, name):
    path = SAMPLES_DIR / name
    result = ingest_file(store, path, "tester")
    assert result.status == "loaded", result.parsed.problems
    assert result.parsed.problems == []
    record = store.extracts().row(0, named=True)
    assert record["extract_id"] == result.extract_id
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (record["file_name"], record["kind"], record["loaded_by"]) == (name, result.parsed.kind, "tester")
    assert record["rows"] == result.parsed.rows > 0
    assert record["as_of"] == date.today() and record["is_synthetic"] is False
    after_first = store.content_checksum()
    again = ingest_file(store, path, "someone else")
    assert again.status == "already_loaded" and again.extract_id == result.extract_id
    assert again.preview is not None and again.preview.already_loaded is not None
    assert store.content_checksum() == after_first
    assert commit(store, again.parsed, "someone else") == result.extract_id
    assert store.content_checksum() == after_first


def test_dry_run_writes_nothing(store):
    before = store.content_checksum()
    result = ingest_file(store, SAMPLES_DIR / "metrics_sample.csv", "tester", dry_run=True)
    assert result.status == "dry_run" and result.extract_id is None
    assert result.preview is not None and result.preview.changes["referrals"]["new"] == 6
    assert store.content_checksum() == before


def test_metrics_are_typed_and_months_normalised():
    data = metrics(" e23000014 , 2024-07 ,Referrals, 41 ", "CPS-NE,2024-08-01,charges,3.0")
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.kind == "metrics" and parsed.rows == 2
    assert parsed.frame is not None
    assert parsed.frame.schema == pl.Schema(
        {
            "area_code": pl.String,
            "month": pl.Date,
            "metric": pl.String,
            "value": pl.Float64,
            "missing_reason": pl.String,
        }
    )
    assert parsed.frame.to_dicts() == [
        {
            "area_code": "E23000014",
            "month": date(2024, 7, 1),
            "metric": "referrals",
            "value": 41.0,
            "missing_reason": None,
        },
        {
            "area_code": "CPS-NE",
            "month": date(2024, 8, 1),
            "metric": "charges",
            "value": 3.0,
            "missing_reason": None,
        },
    ]


def test_cases_are_typed_with_empty_dates_as_null():
    parsed = read_extract(cases("X-1,E23000014,2024-01-15,,,"), "c.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.kind == "cases" and parsed.frame is not None
    row = parsed.frame.row(0, named=True)
    assert row == {
        "case_ref": "X-1",
        "force_code": "E23000014",
        "reported_on": date(2024, 1, 15),
        "file_submitted_on": None,
        "closed_on": None,
        "closure_reason": None,
    }


def test_byte_order_mark_crlf_and_extra_columns_are_accepted():
    data = b"\xef\xbb\xbfArea_Code,Month,Metric,Value,Note\r\nE23000014,2024-07,referrals,41,checked\r\n"
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.ignored_columns == ["note"]


def test_a_value_may_be_missing_with_a_reason(store):
    data = (
        b"area_code,month,metric,value,missing_reason\n"
        b"E23000014,2024-07,referrals,,Suppressed due to low volumes\n"
    )
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.frame is not None
    commit(store, parsed, "tester")
    stored = store.metric_values(["referrals"], "force").row(0, named=True)
    assert stored["value"] is None and stored["missing_reason"] == "Suppressed due to low volumes"


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does():
    data = metrics(OK_METRIC, "", "E23000014,2024-07,nonsense,1")
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert [(p.row, p.column) for p in parsed.problems] == [(4, "metric")]
    assert parsed.rows == 2


def test_several_problems_in_one_row_are_each_reported_and_counted_per_rule():
    data = metrics("E99999999,2024-13,arrests,-1", "E99999998,2024-07,referrals,1")
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert [(p.row, p.column, p.code) for p in parsed.problems] == [
        (2, "area_code", "area_code_known"),
        (2, "month", "month_format"),
        (2, "metric", "metric_known"),
        (2, "value", "value_whole"),
        (3, "area_code", "area_code_known"),
    ]
    assert parsed.problem_counts["area_code is not a known area code"] == 2
    assert parsed.problem_total == 5


def test_problem_list_is_capped_but_counts_are_complete():
    codes = AREAS["area_code"].to_list()
    months = [f"{year}-{month:02d}" for year in range(2016, 2024) for month in range(1, 13)]
    keys = [(code, month) for code in codes for month in months][: ingest.MAX_PROBLEMS_KEPT + 200]
    rows = [f"{code},{month},referrals,{i}.5" for i, (code, month) in enumerate(keys)]
    parsed = read_extract(metrics(*rows), "m.csv", AREAS, AS_OF)
    assert len(parsed.problems) == ingest.MAX_PROBLEMS_KEPT
    assert parsed.problem_total == ingest.MAX_PROBLEMS_KEPT + 200
    assert (
        parsed.problem_counts["value must be a whole number of 0 or more"] == ingest.MAX_PROBLEMS_KEPT + 200
    )


def test_size_and_row_limits_have_clear_messages(tmp_path, monkeypatch, store):
    data = metrics(OK_METRIC, "E23000008,2024-07,referrals,1")
    big = read_extract(data, "m.csv", AREAS, AS_OF, max_mb=0.00001)
    assert "over the upload limit of 1e-05 MB" in big.problems[0].rule
    long = read_extract(data, "m.csv", AREAS, AS_OF, max_rows=1)
    assert long.problems[0].rule.startswith("the file has more than 1 rows")
    monkeypatch.setenv("SOTERIA_MAX_UPLOAD_MB", "0.00001")
    result = ingest_file(store, write(tmp_path, "m.csv", data), "tester")
    assert result.status == "invalid" and "SOTERIA_MAX_UPLOAD_MB" in result.parsed.problems[0].rule


def test_preview_counts_new_revised_and_unchanged_metric_values(store):
    commit(
        store, read_extract(metrics(OK_METRIC, "E23000014,2024-08,referrals,38"), "a.csv", AREAS, AS_OF), "t"
    )
    later = read_extract(
        metrics(
            OK_METRIC,
            "E23000014,2024-08,referrals,39",
            "E23000014,2024-09,referrals,44",
            "CPS-NE,2024-09,charges,2",
        ),
        "b.csv",
        AREAS,
        AS_OF,
    )
    shown = preview(store, later)
    assert shown.kind == "metrics" and shown.rows == 4 and shown.already_loaded is None
    assert shown.areas == ["CPS-NE", "E23000014"]
    assert (shown.first, shown.last) == (date(2024, 7, 1), date(2024, 9, 1))
    assert shown.changes == {
        "charges": {"new": 1, "revised": 0, "unchanged": 0},
        "referrals": {"new": 1, "revised": 1, "unchanged": 1},
    }
    assert any("referrals: 1 new, 1 revised, 1 unchanged" in line for line in shown.lines())
    extract_id = commit(store, later, "t")
    values = store.metric_values(["referrals"], "force").filter(pl.col("month") == date(2024, 8, 1))
    assert values["value"].to_list() == [39.0] and values["extract_id"].to_list() == [extract_id]


def test_preview_counts_new_changed_and_unchanged_cases(store):
    first = cases(OK_CASE, "X-2,E23000008,2024-02-01,,,")
    commit(store, read_extract(first, "a.csv", AREAS, AS_OF), "t")
    second = cases(OK_CASE, "X-2,E23000008,2024-02-01,2024-05-01,,", "X-3,W15000003,2024-03-01,,,")
    shown = preview(store, read_extract(second, "b.csv", AREAS, AS_OF))
    assert shown.changes == {"cases": {"new": 1, "changed": 1, "unchanged": 1}}
    assert shown.areas == ["E23000008", "E23000014", "W15000003"]
    assert (shown.first, shown.last) == (date(2024, 1, 15), date(2024, 3, 1))


def test_case_extract_records_its_as_of_date(store):
    extract_id = commit(store, read_extract(cases(OK_CASE), "c.csv", AREAS, AS_OF), "t")
    assert store.extracts().row(0, named=True)["as_of"] == AS_OF
    assert store.cases()["as_of"].to_list() == [AS_OF]
    assert extract_id == store.latest_extract()["extract_id"]


def test_missing_file_is_a_problem_not_a_crash(store, tmp_path):
    result = ingest_file(store, tmp_path / "nowhere.csv", "tester")
    assert result.status == "invalid"
    assert result.parsed.problems == [
        Problem(
            "nowhere.csv",
            None,
            None,
            None,
            f"the file {tmp_path / 'nowhere.csv'} does not exist or is not a file",
        )
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(AREAS["area_code"].to_list()),
            st.dates(date(2015, 1, 1), AS_OF).map(lambda d: d.replace(day=1)),
            st.sampled_from(list(METRICS)),
            st.integers(0, 10_000),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda r: r[:3],
    )
)
def test_any_valid_metrics_file_round_trips(rows):
    lines = [f"{a},{m:%Y-%m},{k},{v}" for a, m, k, v in rows]
    parsed = read_extract(metrics(*lines), "m.csv", AREAS, AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None
    assert parsed.frame.select("area_code", "month", "metric", "value").rows() == [
        (a, m, k, float(v)) for a, m, k, v in rows
    ]
