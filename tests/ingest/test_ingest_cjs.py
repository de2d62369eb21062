"""The MoJ CJS Delivery Data Dashboard CSV exactly as published: what is kept, skipped and reported."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from soteria import reference
from soteria.config import SAMPLES_DIR
from soteria.ingest.cjs import CJS_METRICS, quarterly
from soteria.ingest.extract import read_extract
from soteria.ingest.load import commit, ingest_file, preview

AREAS = reference.read_areas()
AS_OF = date(2024, 9, 30)
HEADER = (
    "offence_type,stage,priority_area,metric_name,geographic_granularity,geographic_area_name,"
    "date_granularity,time_period,value,reason_for_missing_data\n"
)
REFERRALS, DECISIONS, CHARGES = list(CJS_METRICS)
STAGE = "Police referral to prosecution by the Crown Prosecution Service (CPS)"


def row(
    metric: str = REFERRALS,
    gran: str = "CPS area",
    area: str = "Wessex",
    period: str = "2023 Q3",
    value: str = "54",
    reason: str = "",
    offence: str = "Adult rape",
    dgran: str = "quarter",
) -> str:
    return f'{offence},{STAGE},Outcomes,"{metric}",{gran},{area},{dgran},{period},"{value}",{reason}\n'


def cjs(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def test_the_published_sample_loads_with_skips_and_unused_metrics_reported(store):
    result = ingest_file(store, SAMPLES_DIR / "cjs_sample.csv", "tester")
    assert result.status == "loaded", result.parsed.problems
    assert result.parsed.kind == "cjs" and result.preview is not None
    text = "\n".join(result.preview.lines())
    assert "skipped 21 of 58 rows (not errors)" in text
    for reason in (
        "National (4)",
        "LCJB area (1)",
        "offence type 'All offences' (1)",
        "date_granularity 'Annual'",
    ):
        assert reason in text
    assert "published metrics not used (5): Mean days from charge to case completion;" in text
    assert "Percentage of legal decisions by the CPS that result in a charge" in text
    assert result.preview.changes["referrals_quarterly"] == {"new": 20, "revised": 0, "unchanged": 0}
    stored = store.metric_values([quarterly("charges")], "cps_area")
    suppressed = stored.filter(pl.col("area_code") == "CPS-CYM").row(0, named=True)
    assert suppressed["value"] is None and suppressed["missing_reason"] == "Suppressed due to low volumes"
    forces = store.metric_values([quarterly("referrals")], "force")
    assert forces.filter(pl.col("area_code") == "E23000035", pl.col("month") == date(2023, 10, 1))[
        "value"
    ].to_list() == [43.0]
    # The quarterly figures never mix with the monthly series.
    assert store.metric_values(["referrals", "charges", "charging_decisions"], "cps_area").is_empty()


@pytest.mark.parametrize(
    "period",
    ["2022 Q1", "Q1 2022", "2022-Q1", "2022Q1", "Jan-Mar 2022", "Jan to Mar 2022", "January to March 2022"],
)
def test_quarter_forms(period):
    parsed = read_extract(cjs(row(period=period)), "c.csv", AREAS, AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None and parsed.frame.row(0) == (
        "CPS-WX",
        date(2022, 1, 1),
        "referrals_quarterly",
        54.0,
        None,
    )


def test_metric_names_match_ignoring_case_and_spacing_and_values_may_have_thousands_separators():
    shouty = "  " + "  ".join(DECISIONS.upper().split(" ")) + " "
    parsed = read_extract(cjs(row(metric=shouty, value="1,079")), "c.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.frame is not None
    assert parsed.frame.select("metric", "value").row(0) == ("charging_decisions_quarterly", 1079.0)


def test_area_names_are_resolved_within_the_row_granularity():
    rows = row(area="West Midlands") + row(area="West Midlands", gran="Police force area")
    parsed = read_extract(cjs(rows), "c.csv", AREAS, AS_OF)
    assert parsed.ok and parsed.frame is not None
    assert parsed.frame["area_code"].to_list() == ["CPS-WM", "E23000014"]


def test_a_file_of_only_skipped_rows_loads_nothing_and_says_why():
    parsed = read_extract(cjs(row(gran="LCJB area"), row(offence="All offences")), "c.csv", AREAS, AS_OF)
    assert [p.code for p in parsed.problems] == ["nothing_to_load"]
    assert (
        "LCJB area (1)" in parsed.problems[0].rule
        and "offence type 'All offences' (1)" in parsed.problems[0].rule
    )


def test_bad_rows_name_the_published_columns():
    rows = (
        row(period="Feb-Apr 2023") + row(area="Atlantis", period="2023 Q4") + row(value="", period="2023 Q2")
    )
    parsed = read_extract(cjs(rows), "c.csv", AREAS, AS_OF)
    assert [(p.row, p.column, p.value) for p in parsed.problems] == [
        (2, "time_period", "Feb-Apr 2023"),
        (3, "geographic_area_name", "Atlantis"),
        (4, "value", None),
    ]


def test_a_new_release_revises_earlier_figures(store):
    commit(store, read_extract(cjs(row(value="940")), "q3_v1.csv", AREAS, AS_OF), "t")
    later = read_extract(cjs(row(value="599"), row(period="2023 Q4", value="610")), "q3_v2.csv", AREAS, AS_OF)
    shown = preview(store, later)
    assert shown.changes == {"referrals_quarterly": {"new": 1, "revised": 1, "unchanged": 0}}
    assert "CPS-WX 2023-07 referrals_quarterly: 940 -> 599 (-341, -36.3%)" in "\n".join(shown.lines())
