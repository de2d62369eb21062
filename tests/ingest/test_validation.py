"""The declarative checks, called directly: prepare a check frame (metrics long or wide, cases), run the
schema's rules, and read each problem's row, column, value, rule code and message."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria.domain import CLOSURE_REASONS, METRICS
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.case_checks import CaseChecks, file_as_of, prepare_cases
from soteria.ingest.metric_checks import MetricChecks, MetricValues, prepare_metrics, prepare_wide_metrics
from soteria.ingest.validation import Context, rule_info, run_checks
from soteria.reference import read_areas

AS_OF = date(2024, 9, 30)
CTX = Context(AreaLookup.build(read_areas()), AS_OF, "x.csv")
METRIC_COLS = ["area_code", "month", "metric", "value"]
CASE_COLS = ["case_ref", "force_code", "reported_on", "file_submitted_on", "closed_on", "closure_reason"]
GOOD_METRIC = ("E23000014", "2024-07", "referrals", "41")
GOOD_CASE = ("G-1", "E23000014", "2024-01-15", "2024-03-02", "2024-06-20", "charged")


def raw(columns: list[str], *rows: tuple[str | None, ...]) -> pl.DataFrame:
    """A file's cells as text, with `row` numbered as a spreadsheet shows it (header = 1)."""
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    return pl.DataFrame(
        {"row": list(range(2, len(rows) + 2)), **data}, schema_overrides=dict.fromkeys(columns, pl.String)
    )


def metric_problems(*rows: tuple[str | None, ...], extra: list[str] | None = None) -> pl.DataFrame:
    prepared = prepare_metrics(raw(METRIC_COLS + (extra or []), *rows), CTX)
    return run_checks(MetricChecks, prepared.frame, "x.csv", AS_OF)[1]


def case_problems(*rows: tuple[str | None, ...], columns: list[str] = CASE_COLS) -> pl.DataFrame:
    prepared = prepare_cases(raw(columns, *rows), CTX)
    return run_checks(CaseChecks, prepared.frame, "x.csv", AS_OF)[1]


def only(problems: pl.DataFrame) -> tuple[int, str | None, str | None, str, str]:
    assert problems.height == 1, problems
    assert set(problems["file"]) == {"x.csv"}
    return problems.select("row", "column", "value", "code", "rule").row(0)


# (id, bad row, column, value shown, code, message); the bad row is row 3, after a good row 2
# fmt: off
METRIC_CASES = [
    ("unknown area", ("E99999999", "2024-07", "referrals", "3"), "area_code", "E99999999", "area_code_known",
     "not a known area code or area name"),
    ("bad month", ("E23000014", "2024-7", "referrals", "3"), "month", "2024-7", "month_format",
     "month must be a month like 2023-04"),
    ("mid-month", ("E23000014", "2024-08-15", "referrals", "3"), "month", "2024-08-15", "month_first_day",
     "a month given as a date must be the first day of the month"),
    ("after as-of", ("E23000014", "2024-10", "referrals", "3"), "month", "2024-10", "month_in_range",
     "month must lie between 2015-01 and the month of the extract's as-of date (2024-09-30)"),
    ("before 2015", ("E23000014", "2014-12", "referrals", "3"), "month", "2014-12", "month_in_range",
     "month must lie between 2015-01"),
    ("unknown metric", ("E23000014", "2024-07", "arrests", "3"), "metric", "arrests", "metric_known",
     "metric must be one of " + ", ".join(METRICS)),
    ("negative", ("E23000014", "2024-08", "referrals", "-3"), "value", "-3", "value_whole",
     "value must be a whole number of 0 or more (or empty with a missing_reason)"),
    ("fraction", ("E23000014", "2024-08", "referrals", "1.5"), "value", "1.5", "value_whole", "whole number"),
    ("text", ("E23000014", "2024-08", "referrals", "many"), "value", "many", "value_whole", "whole number"),
    ("empty, no reason", ("E23000014", "2024-08", "referrals", None), "value", None, "value_whole",
     "or empty with a missing_reason"),
]
CASE_CASES = [
    ("empty ref", (None, "E23000014", "2024-01-15", None, None, None), "case_ref", None, "case_ref_present",
     "case_ref must not be empty"),
    ("demo ref", ("demo-7", "E23000014", "2024-01-15", None, None, None), "case_ref", "demo-7",
     "case_ref_not_demo", "case_ref must not start with DEMO-"),
    ("CPS Area as force", ("X-1", "CPS-WM", "2024-01-15", None, None, None), "force_code", "CPS-WM",
     "force_code_known", "force_code is not a known police force area code or name"),
    ("no reported", ("X-1", "E23000014", None, None, None, None), "reported_on", None, "reported_on_present",
     "reported_on must not be empty"),
    ("impossible date", ("X-1", "E23000014", "2024-02-30", None, None, None), "reported_on", "2024-02-30",
     "reported_on_format", "reported_on must be a date"),
    ("US date", ("X-1", "E23000014", "2024-01-15", "04/17/2024", None, None), "file_submitted_on",
     "04/17/2024", "file_submitted_on_format", ", or empty"),
    ("before 2015", ("X-1", "E23000014", "2014-12-31", None, None, None), "reported_on", "2014-12-31",
     "reported_on_in_range", "dates must lie between 2015-01-01 and the extract's as-of date (2024-09-30)"),
    ("closed after as-of", ("X-1", "E23000014", "2024-01-15", None, "2024-10-01", "charged"), "closed_on",
     "2024-10-01", "closed_on_in_range", "as-of date (2024-09-30)"),
    ("filed before reported", ("X-1", "E23000014", "2024-03-15", "2024-03-02", None, None), "reported_on",
     "2024-03-15", "reported_before_file", "reported_on must be on or before file_submitted_on"),
    ("closed before reported", ("X-1", "E23000014", "2024-03-15", None, "2024-03-01", "charged"),
     "reported_on", "2024-03-15", "reported_before_closed", "reported_on must be on or before closed_on"),
    ("unknown reason", ("X-1", "E23000014", "2024-01-15", None, "2024-02-01", "dropped"), "closure_reason",
     "dropped", "closure_reason_known", "closure_reason is not in the value mapping: map it to one of "
     + ", ".join(CLOSURE_REASONS) + " (Value mappings page, or the mapping CSV), then load the file again"
     + " (on this row only)"),
    ("closed, no reason", ("X-1", "E23000014", "2024-01-15", None, "2024-02-01", None), "closure_reason",
     None, "closure_reason_needed", "closure_reason must be given when closed_on is given"),
    ("reason, not closed", ("X-1", "E23000014", "2024-01-15", None, None, "charged"), "closed_on", None,
     "closed_on_needed", "closed_on must be given when closure_reason is given"),
]
# fmt: on


@pytest.mark.parametrize(("bad", "column", "value", "code", "message"), [c[1:] for c in METRIC_CASES],
                         ids=[c[0] for c in METRIC_CASES])  # fmt: skip
def test_each_metric_rule_names_row_column_value_and_message(
    bad: tuple[str | None, ...], column: str, value: str | None, code: str, message: str
) -> None:
    row, col, shown, got_code, rule = only(metric_problems(GOOD_METRIC, bad))
    assert (row, col, shown, got_code) == (3, column, value, code)
    assert message in rule and rule_info(MetricChecks, code).column == column


@pytest.mark.parametrize(("bad", "column", "value", "code", "message"), [c[1:] for c in CASE_CASES],
                         ids=[c[0] for c in CASE_CASES])  # fmt: skip
def test_each_case_rule_names_row_column_value_and_message(
    bad: tuple[str | None, ...], column: str, value: str | None, code: str, message: str
) -> None:
    row, col, shown, got_code, rule = only(case_problems(GOOD_CASE, bad))
    assert (row, col, shown, got_code) == (3, column, value, code)
    assert message in rule and rule_info(CaseChecks, code).column == column


def test_clean_frames_give_no_problems_and_every_row() -> None:
    rows = [
        GOOD_METRIC,
        ("cps north east", "2024-07-01", "Charging decisions", "0"),
        ("CPS-NE", "Aug 2024", "charges", "[c]"),
    ]
    prepared = prepare_metrics(raw(METRIC_COLS, *rows), CTX)
    good, problems, _counts = run_checks(MetricChecks, prepared.frame, "x.csv", AS_OF)
    assert problems.is_empty() and problems.columns == [
        "file",
        "row",
        "column",
        "value",
        "rule",
        "code",
        "summary",
    ]
    clean = MetricValues.validate(good.select(MetricValues.column_names()), cast=True)
    assert clean.rows() == [
        ("E23000014", date(2024, 7, 1), "referrals", 41.0, None),
        ("CPS-NE", date(2024, 7, 1), "charging_decisions", 0.0, None),
        ("CPS-NE", date(2024, 8, 1), "charges", None, "[c] confidential"),
    ]
    ok_cases = [GOOD_CASE, ("G-2", "Devon & Cornwall", "17/04/2023", None, None, None)]
    good, problems, _counts = run_checks(
        CaseChecks, prepare_cases(raw(CASE_COLS, *ok_cases), CTX).frame, "x.csv", AS_OF
    )
    assert problems.is_empty() and good.height == 2
    assert good.select("force_code", "reported_on").row(1) == ("E23000035", date(2023, 4, 17))


def test_a_duplicate_key_is_reported_on_every_row_with_the_others() -> None:
    problems = metric_problems(
        GOOD_METRIC,
        ("E23000008", "2024-07", "referrals", "2"),
        ("E23000014", "2024-07-01", "Referrals", "44"),
    )
    assert problems.select("row", "column", "code").rows() == [
        (2, "area_code", "metric_key_unique"),
        (4, "area_code", "metric_key_unique"),
    ]
    assert problems["rule"].to_list() == [
        "duplicate (area, month, metric) in this file, also on row 4",
        "duplicate (area, month, metric) in this file, also on row 2",
    ]
    assert set(problems["summary"]) == {"duplicate (area, month, metric) in this file"}
    many = case_problems(*[("D-1", "E23000014", "2024-01-15", None, None, None)] * 8)
    assert (
        many.height == 8
        and many["rule"][0] == "duplicate case_ref in this file, also on rows 3, 4, 5, 6, 7 and 2 more"
    )


def test_an_ambiguous_area_name_lists_the_areas_it_matches() -> None:
    row, column, value, code, rule = only(
        metric_problems(GOOD_METRIC, ("West Midlands", "2024-08", "charges", "4"))
    )
    assert (row, column, value, code) == (3, "area_code", "West Midlands", "area_code_unambiguous")
    assert rule == (
        "the area name matches more than one area: CPS-WM (West Midlands, CPS Area) or E23000014 "
        "(West Midlands, police force area); give the area code"
    )


def test_a_value_needs_a_reason_when_empty_and_none_when_given() -> None:
    rows = [
        ("E23000014", "2024-07", "referrals", "4", "withheld"),
        ("E23000014", "2024-08", "referrals", None, "Data not available"),
        ("E23000014", "2024-09", "referrals", None, None),
    ]
    problems = metric_problems(*rows, extra=["missing_reason"])
    assert problems.select("row", "column", "value", "code").rows() == [
        (2, "value", "4", "value_or_reason"),
        (4, "value", None, "value_whole"),
    ]
    assert problems["rule"][0] == "give either a value or a missing_reason, not both"


def test_several_problems_on_one_row_come_in_rule_order() -> None:
    problems = metric_problems(("E99", "2024-13", "arrests", "-1"))
    assert problems.select("row", "column", "code").rows() == [
        (2, "area_code", "area_code_known"),
        (2, "month", "month_format"),
        (2, "metric", "metric_known"),
        (2, "value", "value_whole"),
    ]


def test_a_wide_file_names_the_metric_column_at_fault() -> None:
    cells = raw(
        ["area_name", "month", "referrals", "charges"], ("West Midlands Police", "Jul 2024", "41", "-2")
    )
    prepared = prepare_wide_metrics(cells, CTX)
    assert prepared.frame.height == 2 and not prepared.problems
    _good, problems, _counts = run_checks(MetricChecks, prepared.frame, "x.csv", AS_OF)
    assert problems.select("row", "column", "value", "code").rows() == [(2, "charges", "-2", "value_whole")]
    unknown = prepare_wide_metrics(raw(["area_code", "month", "arrests"], ("E23000014", "2024-07", "3")), CTX)
    assert [(p.row, p.code) for p in unknown.problems] == [(1, "metric_known")]
    assert unknown.problems[0].rule.startswith("column arrests is not a known metric")


def test_case_as_of_column_must_agree_with_the_extracts_date() -> None:
    columns = [*CASE_COLS, "as_of"]
    cells = raw(
        columns,
        (*GOOD_CASE, "2024-09-30"),
        ("G-2", "E23000014", "2024-01-15", None, None, None, "2024-08-31"),
    )
    assert file_as_of(cells) == AS_OF
    row, column, value, code, rule = only(case_problems(*cells.drop("row").rows(), columns=columns))
    assert (row, column, value, code) == (3, "as_of", "2024-08-31", "as_of_same")
    assert rule == "as_of must be the same date on every row (the extract's as-of date is 2024-09-30)"
    bad = case_problems((*GOOD_CASE, "30th Sept"), columns=columns)
    assert bad.filter(pl.col("code") == "as_of_format")["value"].to_list() == ["30th Sept"]
