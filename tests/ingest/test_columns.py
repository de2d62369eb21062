"""Column mapping and source profiles: proposals from names and cells, checks, and loading through one."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria.ingest import value_map
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.columns import best_proposal, missing_targets, propose
from soteria.ingest.extract import read_extract
from soteria.ingest.profiles import apply_profile, make_profile
from soteria.ingest.readers import read_table
from soteria.reference import read_areas, read_value_map

AREAS = AreaLookup.build(read_areas())
CODES = value_map.lookup(read_value_map(), "closure_reason")
AS_OF = date(2023, 9, 30)

KENT = (
    b"Crime Reference,Force,Date Reported,Date File Submitted to CPS,Date Closed,Outcome,Officer\n"
    b"KX/1,Kent,03/04/2023,17/05/2023,01/06/2023,1,A\n"
    b"KX/2,Kent,05/04/2023,,20/06/2023,Outcome 14,B\n"
    b"KX/3,Kent,07/04/2023,,,,A\n"
)


def cells(data: bytes) -> pl.DataFrame:
    table = read_table(data, "f.csv")
    assert not isinstance(table, list)
    return table.cells


def test_a_force_s_usual_header_names_are_proposed_for_a_case_file():
    proposal = best_proposal(cells(KENT), None, AREAS, CODES)
    assert proposal.kind == "cases" and proposal.complete
    assert dict(sorted(proposal.mapping.items())) == {
        "crime_reference": "case_ref",
        "force": "force_code",
        "date_reported": "reported_on",
        "date_file_submitted_to_cps": "file_submitted_on",
        "date_closed": "closed_on",
        "outcome": "closure_reason",
    }
    assert "officer" not in proposal.mapping  # a column nothing points to is left out


def test_words_and_cells_decide_where_names_are_unusual():
    data = (
        b"Occurrence,Constabulary,When reported,CPS file sent,Finalised on,Disposal\n"
        b"KX/1,Kent,03/04/2023,17/05/2023,01/06/2023,1\n"
        b"KX/2,Kent,05/04/2023,,20/06/2023,NFA\n"
    )
    proposal = propose(cells(data), "cases", AREAS, CODES)
    assert proposal.mapping["when_reported"] == "reported_on"
    assert proposal.mapping["cps_file_sent"] == "file_submitted_on"
    assert proposal.mapping["disposal"] == "closure_reason"
    assert proposal.mapping["occurrence"] == "case_ref"
    assert "every cell is different" in proposal.reasons["case_ref"]


def test_cells_decide_the_area_and_the_closure_column_when_names_say_nothing():
    data = b"A,B,C\nKent,Outcome 14,03/04/2023\nEssex,NFA,05/04/2023\n"
    proposal = propose(cells(data), "cases", AREAS, CODES)
    assert proposal.mapping["a"] == "force_code" and proposal.mapping["b"] == "closure_reason"
    assert "c" not in proposal.mapping  # which date a nameless date column is cannot be guessed
    assert not proposal.complete


def test_a_date_name_over_cells_that_are_not_dates_is_not_proposed():
    data = b"case,force,date reported,closed,outcome\nX,Kent,soon,,\n"
    proposal = propose(cells(data), "cases", AREAS, CODES)
    assert "date_reported" not in proposal.mapping


def test_a_metrics_file_with_its_own_names_is_proposed_as_metrics():
    data = b"Force Name,Period,Referrals to CPS,Charges\nKent,Apr 2024,12,4\n"
    proposal = best_proposal(cells(data), None, AREAS, CODES)
    assert proposal.kind == "metrics"
    assert proposal.mapping["force_name"] == "area_code" and proposal.mapping["period"] == "month"
    assert proposal.mapping["charges"] == "charges"
    assert missing_targets("metrics", {"x": "area_code", "y": "month"}) == [
        "metric and value (or one column per metric)"
    ]


MAPPING = {
    "Crime Reference": "case_ref",
    "Force": "force_code",
    "Date Reported": "reported_on",
    "Date File Submitted to CPS": "file_submitted_on",
    "Date Closed": "closed_on",
    "Outcome": "closure_reason",
}


def test_a_profile_loads_the_file_cleanly_in_one_step():
    profile, problems = make_profile("  Kent   cases ", "cases", MAPPING)
    assert problems == [] and profile is not None
    assert profile.name == "Kent cases" and "crime_reference" in profile.columns
    parsed = read_extract(KENT, "kent.csv", read_areas(), AS_OF, profile=profile)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None and parsed.frame["closure_reason"].to_list() == [
        "charged",
        "victim_withdrawal",
        None,
    ]
    assert parsed.ignored_columns == ["officer"]
    assert "columns matched by the source profile 'Kent cases'" in parsed.notes


@pytest.mark.parametrize(
    ("name", "kind", "columns", "problem"),
    [
        ("", "cases", MAPPING, "the profile needs a name"),
        ("K", "nonsense", MAPPING, "the kind must be one of cases, metrics"),
        ("K", "cases", {**MAPPING, "Officer": "officer"}, "not a column of a cases file: officer"),
        (
            "K",
            "cases",
            {**MAPPING, "Officer": "case_ref"},
            "more than one of the file's columns is mapped to case_ref",
        ),
        ("K", "cases", {"Crime Reference": "case_ref"}, "no column of the file is mapped to force_code"),
    ],
)
def test_a_profile_that_cannot_work_is_refused_with_the_reason(name, kind, columns, problem):
    profile, problems = make_profile(name, kind, columns)
    assert profile is None and any(problem in p for p in problems), problems


def test_a_file_that_does_not_fit_its_profile_names_the_missing_columns():
    columns = {s: t for s, t in MAPPING.items() if t != "file_submitted_on"} | {
        "Date Sent": "file_submitted_on"
    }
    profile, _ = make_profile("Kent", "cases", columns)
    assert profile is not None
    parsed = read_extract(KENT, "kent.csv", read_areas(), AS_OF, profile=profile)
    assert not parsed.ok and parsed.problems[0].code == "profile_mismatch"
    assert "expects the column(s) date_sent" in parsed.problems[0].rule


def test_a_mapped_column_may_not_clash_with_one_of_the_same_name():
    profile, _ = make_profile("K", "cases", {**MAPPING, "Outcome": "closure_reason"})
    assert profile is not None
    both = cells(KENT).with_columns(closure_reason=pl.lit("x"))
    _, problems = apply_profile(both, profile, "k.csv")
    assert problems and "also has a column of that name" in problems[0].rule


def test_a_profile_for_a_table_of_areas_by_quarter_maps_only_its_area_column():
    profile, problems = make_profile("Home Office table", "metrics", {"Constabulary": "area_code"})
    assert problems == [] and profile is not None
    data = b"Constabulary,Q1 2024-25,Q2 2024-25\nKent,12,14\nEssex,9,11\n"
    parsed = read_extract(data, "ho.csv", read_areas(), date(2025, 3, 31), profile=profile, metric="charges")
    assert parsed.ok, parsed.problems
    assert parsed.layout == "quarters" and parsed.frame is not None and parsed.frame.height == 4
