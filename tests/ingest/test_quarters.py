"""Quarters as published (calendar and financial-year) and tables of areas by quarter."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria import reference
from soteria.ingest.extract import read_extract
from soteria.ingest.load import commit, preview
from soteria.ingest.quarters import parse_quarter, quarter_ambiguity
from tests.ingest.test_ingest_cjs import cjs, row
from tests.ingest.test_ingest_formats import workbook

AREAS = reference.read_areas()
AS_OF = date(2025, 6, 30)


def quarter(label: str) -> date | None:
    return pl.select(parse_quarter(pl.lit(label))).item()


@pytest.mark.parametrize(
    ("label", "start"),
    [
        ("Q1 2024-25", date(2024, 4, 1)),
        ("Q1 2024/25", date(2024, 4, 1)),
        ("2024/25 Q1", date(2024, 4, 1)),
        ("2024-25 Q2", date(2024, 7, 1)),
        ("Q3 2024-2025", date(2024, 10, 1)),
        ("Q4 2024-25", date(2025, 1, 1)),  # the financial year's last quarter is in its second year
        ("FY 2024-25 Q1", date(2024, 4, 1)),
        ("Q1 FY24/25", date(2024, 4, 1)),
        ("Q2 of 2024/25", date(2024, 7, 1)),
        ("Jan-Mar 2024-25", date(2025, 1, 1)),
        ("Oct–Dec 2024-25", date(2024, 10, 1)),
        ("Apr-Jun 2024", date(2024, 4, 1)),
        ("April to June 2024", date(2024, 4, 1)),
        ("2024 Q2", date(2024, 4, 1)),
        ("Q2 2024", date(2024, 4, 1)),
        ("2024Q4", date(2024, 10, 1)),
        ("q1_2024_25", date(2024, 4, 1)),  # a header as matched
        ("apr_jun_2024", date(2024, 4, 1)),
    ],
)
def test_each_published_spelling_of_a_quarter_is_read(label, start):
    assert quarter(label) == start


@pytest.mark.parametrize("label", ["Q1 2024-26", "Feb-Apr 2024", "Q5 2024", "2024-25", "FY2024 Q1", "Q1"])
def test_what_is_not_one_quarter_is_not_read_as_one(label):
    assert quarter(label) is None


@pytest.mark.parametrize("label", ["FY2024 Q1", "Q1 FY24", "FY 2024 Q1"])
def test_a_financial_year_named_by_one_year_is_refused_with_both_readings(label):
    why = pl.select(quarter_ambiguity(pl.lit(label))).item()
    assert "April to June 2023 (Q1 of the financial year 2023-24)" in why
    assert "April to June 2024 (Q1 of the financial year 2024-25)" in why
    assert pl.select(quarter_ambiguity(pl.lit("Q1 2024-25"))).item() is None


def test_the_moj_csv_takes_financial_year_quarters_and_refuses_an_ambiguous_one():
    parsed = read_extract(cjs(row(period="Q4 2023-24")), "c.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.frame is not None and parsed.frame["month"].to_list() == [date(2024, 1, 1)]
    parsed = read_extract(cjs(row(period="FY2024 Q1")), "c.csv", AREAS, AS_OF)
    assert [p.code for p in parsed.problems] == ["time_period_unambiguous"]
    assert "could mean April to June 2023" in parsed.problems[0].rule


CPS_TABLE = (
    b"Rape referrals by CPS Area,,,,,,\n"
    b",2023-24,,,,2024-25,\n"
    b"CPS Area,Q1,Q2,Q3,Q4,Q1,Total\n"
    b'CPS Cymru/Wales,45,52,"1,048",40,38,\n'
    b"West Midlands,30,31,29,[c],33,\n"
)


def test_a_cps_table_with_a_title_and_two_header_rows_loads_as_quarterly_figures():
    parsed = read_extract(CPS_TABLE, "cps.csv", AREAS, AS_OF, metric="referrals")
    assert parsed.ok, parsed.problems
    assert parsed.layout == "quarters" and parsed.ignored_columns == ["2024_25_total"]
    frame = parsed.frame
    assert frame is not None and frame.height == 10
    wm = frame.filter(pl.col("area_code") == "CPS-WM")  # "West Midlands" under "CPS Area": the CPS Area
    assert wm["month"].to_list() == [
        date(2023, 4, 1),
        date(2023, 7, 1),
        date(2023, 10, 1),
        date(2024, 1, 1),
        date(2024, 4, 1),
    ]
    assert wm["missing_reason"].to_list()[3] == "[c] confidential" and wm["value"][3] is None
    assert frame.filter(pl.col("area_code") == "CPS-CYM")["value"].to_list()[2] == 1048.0
    assert set(frame["metric"]) == {"referrals_quarterly"}


def test_a_table_that_does_not_say_its_metric_asks_for_it():
    parsed = read_extract(CPS_TABLE, "cps.csv", AREAS, AS_OF)
    assert [p.code for p in parsed.problems] == ["metric_needed"]
    assert "choose it in the Metric box" in parsed.problems[0].rule


def test_metrics_named_over_the_quarters_and_problems_with_rows_and_columns():
    table = (
        b"CPS Area,Referrals,,Charges,\n"
        b",Q1 2024-25,Q2 2024-25,Q1 2024-25,Q2 2024-25\n"
        b"West Midlands,45,abc,12,13\n"
        b"Atlantis,1,2,3,4\n"
    )
    parsed = read_extract(table, "t.csv", AREAS, AS_OF)
    assert [(p.row, p.column, p.value, p.code) for p in parsed.problems] == [
        (3, "referrals_q2_2024_25", "abc", "value_whole"),
        (4, "cps_area", "Atlantis", "area_code_known"),  # once for the row, not once per quarter
    ]
    good = read_extract(table.replace(b"abc", b"46").replace(b"Atlantis", b"Wessex"), "t.csv", AREAS, AS_OF)
    assert good.ok and good.frame is not None
    assert sorted(set(good.frame["metric"])) == ["charges_quarterly", "referrals_quarterly"]


def test_an_ambiguous_quarter_header_is_refused_naming_its_column():
    parsed = read_extract(
        b"Area,FY2024 Q1,2024 Q2\nCPS North East,4,5\n", "t.csv", AREAS, AS_OF, metric="charges"
    )
    assert [(p.column, p.code) for p in parsed.problems] == [("fy2024_q1", "quarter_unambiguous")]
    assert "could mean April to June 2023" in parsed.problems[0].rule


def test_an_excel_table_with_a_merged_year_over_its_quarters_loads(store):
    data = workbook(
        {
            "Table 2": [
                ["Table 2: charges by police force area"],
                [None, "2024-25", None],
                ["Force", "Q1", "Q2"],
                ["Kent", 12, 14],
                ["Essex", 9, 11],
            ]
        },
        start=(3, 1),
    )
    parsed = read_extract(data, "t.xlsx", AREAS, AS_OF, metric="charges")
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None and parsed.frame.height == 4
    shown = preview(store, parsed)
    assert "quarters 2024-04 to 2024-07 (2 quarters)" in shown.lines()[0]
    assert commit(store, parsed, "test", shown) == 1
    stored = store.metric_values(["charges_quarterly"], "force")
    assert stored["value"].sum() == 46


def test_an_unnamed_column_of_values_is_still_refused():
    parsed = read_extract(
        b",area_code,month,metric,value\n0,E23000014,2024-07,referrals,4\n", "t.csv", AREAS, AS_OF
    )
    assert [p.code for p in parsed.problems] == ["unnamed_column"]
