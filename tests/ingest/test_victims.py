"""Victims' sex, age band and ethnic group in case extracts: the standard categories (under 18, the ONS
five groups, "not known" and "not stated" of their own), through the value mapping and the column
mapping, stored with revisions and undo; an extract without them still loads."""

from __future__ import annotations

from datetime import date

import polars as pl

from soteria.domain import VICTIM_AGE_BAND, VICTIM_ETHNICITY, VICTIM_FIELDS, VICTIM_SEX
from soteria.ingest import value_map, views
from soteria.ingest.area_names import AreaLookup
from soteria.ingest.columns import best_proposal
from soteria.ingest.extract import read_extract
from soteria.ingest.load import ingest_file, preview
from soteria.ingest.readers import read_table
from soteria.reference import read_areas, read_value_map

AS_OF = date(2024, 9, 30)
HEADER = "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason"


def cases(
    *victims: tuple[str, str, str], header: str = "victim_sex,victim_age_band,victim_ethnicity"
) -> bytes:
    rows = [f"X-{i},E23000014,2024-01-15,,,,{s},{a},{e}" for i, (s, a, e) in enumerate(victims)]
    return (f"{HEADER},{header}\n" + "\n".join(rows) + "\n").encode()


def codes(data: bytes) -> list[tuple[str | None, ...]]:
    parsed = read_extract(data, "v.csv", read_areas(), AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None
    return parsed.frame.select(*VICTIM_FIELDS).rows()


def test_the_standard_categories_include_under_18_the_five_groups_and_not_known_or_stated() -> None:
    assert "under_18" in VICTIM_AGE_BAND
    assert {"asian", "black", "mixed", "white", "other"} <= set(VICTIM_ETHNICITY)
    for categories in VICTIM_FIELDS.values():
        assert {"not_known", "not_stated"} <= set(categories)
    assert set(VICTIM_SEX) >= {"female", "male"}
    # every code a field maps to is one of its own: the shipped mapping is valid as it stands
    assert value_map.validate(read_value_map())[1] == []


def test_codes_labels_census_categories_and_ages_in_years_load() -> None:
    got = codes(
        cases(
            ("F", "17", "Pakistani"),
            ("Male", "18-24", "Black Caribbean"),
            ("female", "55+", "White British"),
            ("Prefer not to say", "Not known", "Mixed"),
            ("Unknown", "34", "Prefer not to say"),
            ("not_stated", "under_18", "Gypsy or Irish Traveller"),
            (" Woman ", "45 to 54", "Arab"),
        )
    )
    assert got == [
        ("female", "under_18", "asian"),
        ("male", "18_24", "black"),
        ("female", "55_plus", "white"),
        ("not_stated", "not_known", "mixed"),
        ("not_known", "25_34", "not_stated"),
        ("not_stated", "under_18", "white"),
        ("female", "45_54", "other"),
    ]


def test_an_empty_cell_is_not_known_and_a_file_without_the_fields_is_not_recorded() -> None:
    assert codes(cases(("", "", ""))) == [("not_known", "not_known", "not_known")]
    older = (HEADER + "\nX-1,E23000014,2024-01-15,,,\n").encode()
    assert codes(older) == [(None, None, None)]


def test_an_unknown_label_is_reported_once_with_its_rows_counted_and_can_be_mapped(store, tmp_path) -> None:
    data = cases(*([("F", "Adult", "White")] * 30 + [("F", "20", "Martian")]))
    parsed = read_extract(data, "v.csv", read_areas(), AS_OF)
    found = {(p.column, p.value, p.row) for p in parsed.problems}
    assert found == {("victim_age_band", "Adult", 2), ("victim_ethnicity", "Martian", 32)}
    adult = next(p for p in parsed.problems if p.value == "Adult")
    assert adult.rule.endswith("(on 30 rows; this is the first)") and "under_18" in adult.rule
    assert views.unmapped(parsed) == {"victim_age_band": ["Adult"], "victim_ethnicity": ["Martian"]}
    # mapped there and then, the load goes on; a code of another field is refused, naming the rule
    refused = views.add_mappings(store, "victim_age_band", {"Adult": "female"}, "test", "evaluator")
    assert refused and "must be one of under_18" in refused[0]
    assert views.add_mappings(store, "victim_age_band", {"Adult": "not_known"}, "test", "evaluator") == []
    assert views.add_mappings(store, "victim_ethnicity", {"Martian": "other"}, "test", "evaluator") == []
    path = tmp_path / "v.csv"
    path.write_bytes(data)
    assert ingest_file(store, path, "tester", as_of=AS_OF).status == "loaded"
    stored = store.cases()
    assert stored.filter(pl.col("case_ref") == "X-30").select(*VICTIM_FIELDS).row(0) == (
        "female",
        "18_24",
        "other",
    )


def test_victim_fields_are_stored_revised_and_undone(store, tmp_path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(cases(("F", "17", "White"), ("M", "30", "Asian")))
    second.write_bytes(cases(("F", "18", "White"), ("M", "30", "Asian")))  # X-0 was 17, is now 18
    assert ingest_file(store, first, "tester", as_of=AS_OF).status == "loaded"
    parsed = read_extract(second.read_bytes(), "b.csv", read_areas(), AS_OF)
    seen = preview(store, parsed)
    assert seen.changes["cases"] == {"new": 0, "changed": 1, "unchanged": 1}
    assert seen.field_changes == {"victim_age_band": 1}
    later = ingest_file(store, second, "tester", as_of=AS_OF)
    assert later.status == "loaded"
    ages = dict(store.cases().select("case_ref", "victim_age_band").rows())
    assert ages == {"X-0": "18_24", "X-1": "25_34"}
    log = store.changes_by_extract().filter(pl.col("what") == "cases")
    assert log.filter(pl.col("extract_id") == later.extract_id).select("revised", "unchanged").row(0) == (
        1,
        1,
    )
    store.undo_extract(later.extract_id, "tester")
    ages = dict(store.cases().select("case_ref", "victim_age_band").rows())
    assert ages == {"X-0": "under_18", "X-1": "25_34"}


def test_a_force_s_own_victim_headers_are_proposed() -> None:
    data = (
        b"Crime Reference,Force,Date Reported,Date File Submitted to CPS,Date Closed,Outcome,"
        b"Victim Gender,Age of Victim,Self Defined Ethnicity\n"
        b"KX/1,Kent,03/04/2023,17/05/2023,01/06/2023,1,F,23,White British\n"
    )
    table = read_table(data, "k.csv")
    assert not isinstance(table, list)
    codes_ = value_map.lookup(read_value_map(), "closure_reason")
    proposal = best_proposal(table.cells, "cases", AreaLookup.build(read_areas()), codes_)
    assert {t: s for s, t in proposal.mapping.items() if t.startswith("victim_")} == {
        "victim_sex": "victim_gender",
        "victim_age_band": "age_of_victim",
        "victim_ethnicity": "self_defined_ethnicity",
    }
