"""Loading extracts through the API: every rule names row, column and value; previews say exactly what
changes; nothing is written unless all is well. (Formats: test_ingest_formats.py; the MoJ CSV:
test_ingest_cjs.py; the corpus of bad files: test_bad_files.py; undo: test_undo.py.)"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from soteria import reference
from soteria.config import SAMPLES_DIR
from soteria.ingest.extract import read_extract
from soteria.ingest.load import Problem, commit, ingest_file, preview
from soteria.ingest.parsed import MAX_PROBLEMS_KEPT
from soteria.store import ExtractConflict, archive

METRICS_HEADER = "area_code,month,metric,value\n"
CASES_HEADER = "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
AS_OF = date(2024, 9, 30)
AREAS = reference.read_areas()
SAMPLES = sorted(p.name for p in SAMPLES_DIR.iterdir())


def metrics(*rows: str) -> bytes:
    return (METRICS_HEADER + "".join(f"{r}\n" for r in rows)).encode()


def cases(*rows: str) -> bytes:
    return (CASES_HEADER + "".join(f"{r}\n" for r in rows)).encode()


OK_METRIC = "E23000014,2024-07,referrals,41"
OK_CASE = "X-1,E23000014,2024-01-15,2024-03-02,2024-06-20,charged"

# (id, content, expected problem: row, column, value shown, rule code)
# fmt: off
PRECISE = [
    ("unknown area", metrics(OK_METRIC, "E99999999,2024-07,referrals,3"), 3, "area_code", "E99999999",
     "area_code_known"),
    ("bad month", metrics("E23000014,2024-7,referrals,3"), 2, "month", "2024-7", "month_format"),
    ("mid-month", metrics("E23000014,2024-07-15,referrals,3"), 2, "month", "2024-07-15", "month_first_day"),
    ("month after as-of", metrics("E23000014,2024-10,referrals,3"), 2, "month", "2024-10", "month_in_range"),
    ("negative", metrics("E23000014,2024-07,referrals,-3"), 2, "value", "-3", "value_whole"),
    ("empty value", metrics("E23000014,2024-07,referrals,"), 2, "value", None, "value_whole"),
    ("unknown metric", metrics("E23000014,2024-07,arrests,3"), 2, "metric", "arrests", "metric_known"),
    ("duplicate", metrics(OK_METRIC, "E23000014,2024-07-01,referrals,4"), 2, "area_code", "E23000014",
     "metric_key_unique"),
    ("date order", cases("X-1,E23000014,2024-03-15,2024-03-02,,"), 2, "reported_on", "2024-03-15",
     "reported_before_file"),
    ("closure reason", cases("X-1,E23000014,2024-01-15,,2024-02-01,dropped"), 2, "closure_reason", "dropped",
     "closure_reason_known"),
    ("impossible date", cases("X-1,E23000014,2024-01-15,2024-02-30,,"), 2, "file_submitted_on", "2024-02-30",
     "file_submitted_on_format"),
    ("force as CPS Area", cases("X-1,CPS-WM,2024-01-15,,,"), 2, "force_code", "CPS-WM", "force_code_known"),
    ("duplicate case", cases(OK_CASE, "X-1,E23000008,2024-02-01,,,"), 2, "case_ref", "X-1",
     "case_ref_unique"),
]
# fmt: on


@pytest.mark.parametrize(
    ("label", "data", "row", "column", "value", "code"), PRECISE, ids=[p[0] for p in PRECISE]
)
def test_each_problem_names_row_column_value_and_rule(store, tmp_path, label, data, row, column, value, code):
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    before = store.content_checksum()
    result = ingest_file(store, path, "tester", as_of=AS_OF)
    assert result.status == "invalid" and result.extract_id is None and result.preview is None
    matching = [p for p in result.parsed.problems if p.code == code]
    assert matching, result.parsed.problems
    assert (matching[0].file, matching[0].row, matching[0].column, matching[0].value) == (
        "upload.csv",
        row,
        column,
        value,
    )
    assert sum(result.parsed.problem_counts.values()) == result.parsed.problem_total >= 1
    assert store.content_checksum() == before
    with pytest.raises(ValueError, match="problem"):
        commit(store, result.parsed, "tester")
    assert store.content_checksum() == before
    assert not archive.archive_dir(store.path).exists()


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_loads_cleanly_and_reloading_changes_nothing(store, name):
    path = SAMPLES_DIR / name
    result = ingest_file(store, path, "tester")
    assert result.status == "loaded", result.parsed.problems
    assert result.parsed.problems == [] and result.preview is not None
    record = store.extract(result.extract_id)
    assert record is not None
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (record["file_name"], record["kind"], record["loaded_by"], record["status"]) == (
        name,
        result.parsed.kind,
        "tester",
        "loaded",
    )
    assert record["rows"] == result.parsed.rows > 0 and record["is_synthetic"] is False
    assert archive.original(store.path, record["stored_as"]) == path.read_bytes()
    assert json.loads(record["summary"])["changes"] == result.preview.changes
    after_first = store.content_checksum()
    again = ingest_file(store, path, "someone else")
    assert again.status == "already_loaded" and again.extract_id == result.extract_id
    assert store.content_checksum() == after_first
    assert commit(store, again.parsed, "someone else") == result.extract_id
    assert store.content_checksum() == after_first


def test_dry_run_writes_nothing(store):
    before = store.content_checksum()
    result = ingest_file(store, SAMPLES_DIR / "metrics_sample.csv", "tester", dry_run=True)
    assert result.status == "dry_run" and result.extract_id is None
    assert result.preview is not None and result.preview.changes["referrals"]["new"] == 6
    assert store.content_checksum() == before
    assert not archive.archive_dir(store.path).exists()


def test_metrics_are_typed_and_months_normalised():
    data = metrics(
        " e23000014 , 2024-07 ,Referrals, 41 ", "CPS-NE,2024-08-01,charges,3.0", "CPS-NE,Sep 2024,charges,4"
    )
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.kind == "metrics" and parsed.layout == "long" and parsed.rows == 3
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
    assert parsed.frame.rows() == [
        ("E23000014", date(2024, 7, 1), "referrals", 41.0, None),
        ("CPS-NE", date(2024, 8, 1), "charges", 3.0, None),
        ("CPS-NE", date(2024, 9, 1), "charges", 4.0, None),
    ]


def test_cases_are_typed_with_empty_dates_as_null():
    parsed = read_extract(cases("X-1,E23000014,2024-01-15,,,"), "c.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.kind == "cases" and parsed.frame is not None
    assert parsed.frame.row(0, named=True) == {
        "case_ref": "X-1",
        "force_code": "E23000014",
        "reported_on": date(2024, 1, 15),
        "file_submitted_on": None,
        "closed_on": None,
        "closure_reason": None,
        # a file without victim fields: not recorded (null), not "not known"
        "victim_sex": None,
        "victim_age_band": None,
        "victim_ethnicity": None,
    }


def test_uk_dates_excel_serials_and_names_are_read_in_case_files():
    data = cases(
        "X-1,West Midlands,15/01/2024,2/3/2024,45463,Charged", "X-2,Devon & Cornwall Police,45307,,,"
    )
    parsed = read_extract(data, "c.csv", AREAS, AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None
    assert parsed.frame.drop("victim_sex", "victim_age_band", "victim_ethnicity").rows() == [
        ("X-1", "E23000014", date(2024, 1, 15), date(2024, 3, 2), date(2024, 6, 20), "charged"),
        ("X-2", "E23000035", date(2024, 1, 16), None, None, None),
    ]


def test_byte_order_mark_crlf_and_extra_columns_are_accepted():
    data = b"\xef\xbb\xbfArea Code,Month,Metric,Value,Note\r\nE23000014,2024-07,referrals,41,checked\r\n"
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.ignored_columns == ["note"]
    assert parsed.source == "CSV (UTF-8 with BOM, comma-separated)"


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("", "Suppressed due to low volumes"),
        ("[c]", "[c] confidential"),
        ("[x]", "[x] not available"),
    ],
)
def test_a_value_may_be_missing_with_a_reason_never_zero(store, cell, reason):
    column = "Suppressed due to low volumes" if cell == "" else ""
    data = (
        f"area_code,month,metric,value,missing_reason\nE23000014,2024-07,referrals,{cell},{column}\n".encode()
    )
    parsed = read_extract(data, "m.csv", AREAS, AS_OF)
    assert parsed.ok, parsed.problems
    commit(store, parsed, "tester")
    stored = store.metric_values(["referrals"], "force").row(0, named=True)
    assert stored["value"] is None and stored["missing_reason"] == reason


def test_row_numbers_count_blank_lines_as_a_spreadsheet_does():
    parsed = read_extract(metrics(OK_METRIC, "", "E23000014,2024-07,nonsense,1"), "m.csv", AREAS, AS_OF)
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
    assert parsed.problem_counts["not a known area code or area name"] == 2
    assert parsed.problem_total == 5


def test_problem_list_is_capped_but_counts_and_the_csv_are_complete():
    codes = AREAS["area_code"].to_list()
    months = [f"{year}-{month:02d}" for year in range(2016, 2024) for month in range(1, 13)]
    keys = [(code, month) for code in codes for month in months][: MAX_PROBLEMS_KEPT + 200]
    rows = [f"{code},{month},referrals,{i}.5" for i, (code, month) in enumerate(keys)]
    parsed = read_extract(metrics(*rows), "m.csv", AREAS, AS_OF)
    assert len(parsed.problems) == 100  # the first 100 of each rule are listed, the rest counted
    assert parsed.problem_total == MAX_PROBLEMS_KEPT + 200
    rule = "value must be a whole number of 0 or more (or empty with a missing_reason)"
    assert parsed.problem_counts == {rule: MAX_PROBLEMS_KEPT + 200}
    every = parsed.problems_csv().decode().splitlines()
    assert len(every) == MAX_PROBLEMS_KEPT + 201 and every[0] == "file,row,column,value,rule,code"


def test_size_and_row_limits_have_clear_messages(tmp_path, monkeypatch, store):
    data = metrics(OK_METRIC, "E23000008,2024-07,referrals,1")
    big = read_extract(data, "m.csv", AREAS, AS_OF, max_mb=0.00001)
    assert "over the upload limit of 1e-05 MB" in big.problems[0].rule and big.problems[0].code == "too_large"
    long = read_extract(data, "m.csv", AREAS, AS_OF, max_rows=1)
    assert long.problems[0].rule.startswith("the file has more than 1 rows")
    monkeypatch.setenv("SOTERIA_MAX_UPLOAD_MB", "0.00001")
    path = tmp_path / "m.csv"
    path.write_bytes(data)
    result = ingest_file(store, path, "tester")
    assert result.status == "invalid" and "SOTERIA_MAX_UPLOAD_MB" in result.parsed.problems[0].rule


def test_preview_lists_revisions_old_to_new_largest_first_and_flags_big_ones(store):
    first = metrics(
        OK_METRIC,
        "E23000014,2024-08,referrals,38",
        "CPS-NE,2024-07,charges,10",
        "E23000008,2024-07,charges,0",
    )
    commit(store, read_extract(first, "a.csv", AREAS, AS_OF), "t")
    later = read_extract(
        metrics(
            OK_METRIC,
            "E23000014,2024-08,referrals,39",
            "E23000014,2024-09,referrals,44",
            "CPS-NE,2024-07,charges,4",
            "E23000008,2024-07,charges,2",
        ),
        "b.csv",
        AREAS,
        AS_OF,
    )
    shown = preview(store, later)
    assert shown.kind == "metrics" and shown.rows == 5 and shown.already_loaded is None
    assert shown.areas == ["CPS-NE", "E23000008", "E23000014"] and shown.periods == 3
    assert (shown.first, shown.last) == (date(2024, 7, 1), date(2024, 9, 1))
    assert shown.changes == {
        "charges": {"new": 0, "revised": 2, "unchanged": 0},
        "referrals": {"new": 1, "revised": 1, "unchanged": 1},
    }
    assert shown.revisions is not None
    assert shown.revisions.select("area_code", "metric", "old_value", "new_value", "over_50pct").rows() == [
        ("CPS-NE", "charges", 10.0, 4.0, True),
        ("E23000008", "charges", 0.0, 2.0, True),
        ("E23000014", "referrals", 38.0, 39.0, False),
    ]
    assert shown.large_revisions == 2
    text = "\n".join(shown.lines())
    assert "referrals: 1 new, 1 revised, 1 unchanged" in text
    assert "3 revised values, 2 by more than 50%; largest first:" in text
    assert "CPS-NE 2024-07 charges: 10 -> 4 (-6, -60.0%) [over 50%]" in text
    extract_id = commit(store, later, "t", shown)
    values = store.metric_values(["referrals"], "force").filter(pl.col("month") == date(2024, 8, 1))
    assert values["value"].to_list() == [39.0] and values["extract_id"].to_list() == [extract_id]
    history = store.metric_value_history("E23000014", date(2024, 8, 1), "referrals")
    assert history.select("value", "extract_id", "superseded_by").rows() == [(39.0, 2, None), (38.0, 1, 2)]


def test_preview_counts_new_changed_and_unchanged_cases_field_by_field(store):
    commit(store, read_extract(cases(OK_CASE, "X-2,E23000008,2024-02-01,,,"), "a.csv", AREAS, AS_OF), "t")
    second = cases(OK_CASE, "X-2,E23000008,2024-02-01,2024-05-01,,", "X-3,W15000003,2024-03-01,,,")
    shown = preview(store, read_extract(second, "b.csv", AREAS, AS_OF))
    assert shown.changes == {"cases": {"new": 1, "changed": 1, "unchanged": 1}}
    assert shown.field_changes == {"file_submitted_on": 1}
    assert shown.changed_cases is not None
    assert shown.changed_cases.rows() == [("X-2", "E23000008", "file_submitted_on: (empty) -> 2024-05-01")]
    assert shown.areas == ["E23000008", "E23000014", "W15000003"]
    assert (shown.first, shown.last) == (date(2024, 1, 15), date(2024, 3, 1))
    partial = preview(store, read_extract(cases("X-3,W15000003,2024-03-01,,,"), "c.csv", AREAS, AS_OF))
    assert partial.cases_not_in_file == 0
    only_one = preview(store, read_extract(cases(OK_CASE), "d.csv", AREAS, AS_OF))
    assert only_one.cases_not_in_file == 0
    wmp = preview(store, read_extract(cases("X-9,E23000014,2024-03-01,,,"), "e.csv", AREAS, AS_OF))
    assert wmp.cases_not_in_file == 1 and any("not in this file" in line for line in wmp.lines())


def test_case_extract_needs_an_as_of_date_and_records_it(store):
    missing = read_extract(cases(OK_CASE), "c.csv", AREAS)
    assert [p.code for p in missing.problems] == ["as_of_needed"]
    extract_id = commit(store, read_extract(cases(OK_CASE), "c.csv", AREAS, AS_OF), "t")
    assert store.extract(extract_id)["as_of"] == AS_OF
    assert store.cases()["as_of"].to_list() == [AS_OF]


def test_case_as_of_may_come_from_the_file_and_must_agree(store):
    data = (CASES_HEADER.strip() + ",as_of\n" + OK_CASE + ",30/09/2024\n").encode()
    parsed = read_extract(data, "c.csv", AREAS)
    assert parsed.ok and parsed.as_of == AS_OF
    assert read_extract(data, "c.csv", AREAS, AS_OF).ok
    conflict = read_extract(data, "c.csv", AREAS, date(2024, 10, 1))
    assert [p.code for p in conflict.problems] == ["as_of_conflict"]
    future = read_extract(cases(OK_CASE), "c.csv", AREAS, date(2999, 1, 1))
    assert [p.code for p in future.problems] == ["as_of_future"]


def test_a_preview_is_refused_at_commit_when_the_data_changed_since(store):
    first = read_extract(metrics(OK_METRIC), "a.csv", AREAS, AS_OF)
    shown = preview(store, first)
    commit(store, read_extract(metrics("E23000008,2024-07,referrals,3"), "b.csv", AREAS, AS_OF), "someone")
    before = store.content_checksum()
    with pytest.raises(ExtractConflict, match="changed since this preview"):
        commit(store, first, "t", shown)
    assert store.content_checksum() == before
    assert commit(store, first, "t", preview(store, first)) == 2


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
            "no_file",
        )
    ]


def test_forced_kind_is_checked_against_the_columns():
    parsed = read_extract(metrics(OK_METRIC), "m.csv", AREAS, AS_OF, kind="metrics")
    assert parsed.ok and parsed.kind == "metrics"
    forced = read_extract(metrics(OK_METRIC), "m.csv", AREAS, AS_OF, kind="cjs")
    assert forced.problems[0].code == "missing_columns"
    assert "required columns missing for a cjs file" in forced.problems[0].rule
    with pytest.raises(ValueError, match="kind must be one of"):
        read_extract(metrics(OK_METRIC), "m.csv", AREAS, AS_OF, kind="nonsense")


def test_original_file_is_kept_once_beside_the_database(store, tmp_path):
    path = Path(SAMPLES_DIR / "metrics_sample.csv")
    result = ingest_file(store, path, "tester")
    folder = archive.archive_dir(store.path)
    assert folder == store.path.parent / "soteria.extracts"
    assert [p.name for p in folder.iterdir()] == [f"{result.parsed.sha256}.csv"]
