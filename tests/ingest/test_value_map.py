"""The value mapping: Home Office outcome codes and everyday words load without editing; an unmapped
value is reported once with its rows counted; the evaluators' own mapping is stored with a change log."""

from __future__ import annotations

from datetime import date

import polars as pl

from soteria.ingest import value_map
from soteria.ingest.extract import read_extract
from soteria.ingest.load import ingest_file
from soteria.reference import read_areas, read_value_map

AS_OF = date(2024, 9, 30)
HEADER = "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"


def cases(*reasons: str) -> bytes:
    rows = [f"X-{i},E23000014,2024-01-15,,2024-02-01,{r}" for i, r in enumerate(reasons)]
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_every_home_office_outcome_code_and_the_common_words_map_to_a_closure_reason() -> None:
    written = [
        "Outcome 14",
        "HO outcome 16",
        "15",
        "outcome 18",
        "21",
        "1",
        "OC9",
        "NFA",
        "No further action",
        "Withdrawn",
        "victim withdrew support",
        "Charged",
        "police_nfa",
        "  Victim-Withdrawal ",
    ]
    parsed = read_extract(cases(*written), "c.csv", read_areas(), AS_OF)
    assert parsed.ok, parsed.problems
    assert parsed.frame is not None
    got = parsed.frame.get_column("closure_reason").to_list()
    assert got == [
        "victim_withdrawal",
        "victim_withdrawal",
        "police_nfa",
        "police_nfa",
        "police_nfa",
        "charged",
        "cps_no_charge",
        "police_nfa",
        "police_nfa",
        "victim_withdrawal",
        "victim_withdrawal",
        "charged",
        "police_nfa",
        "victim_withdrawal",
    ]
    codes = value_map.lookup(read_value_map(), "closure_reason")
    assert all(str(n) in codes for n in range(1, 23)) and "1a" in codes  # every outcome code 1 to 22


def test_an_unmapped_value_is_reported_once_with_its_rows_counted() -> None:
    parsed = read_extract(
        cases(*(["dropped"] * 40 + ["NFA", "gone", "dropped"])), "c.csv", read_areas(), AS_OF
    )
    unmapped = [p for p in parsed.problems if p.code == "closure_reason_known"]
    assert [(p.row, p.value) for p in unmapped] == [(2, "dropped"), (43, "gone")]
    assert unmapped[0].rule.endswith("(on 41 rows; this is the first)")
    assert unmapped[1].rule.endswith("(on this row only)")
    assert "is not in the value mapping" in unmapped[0].rule and unmapped[0].column == "closure_reason"
    assert sum(parsed.problem_counts.values()) == 2


def test_an_evaluators_mapping_is_stored_logged_and_used_by_the_next_load(store, tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(cases("dropped", "NFA"))
    assert ingest_file(store, path, "tester", as_of=AS_OF).status == "invalid"
    mine = pl.concat(
        [
            read_value_map(),
            pl.DataFrame(
                [
                    {
                        "field": "closure_reason",
                        "value": "Dropped",
                        "maps_to": "other",
                        "note": "force X's word",
                    }
                ]
            ),
        ]
    )
    typed, problems = value_map.validate(mine)
    assert problems == []
    assert store.replace_value_map(typed, changed_by="evaluator") == 1
    log = store.value_map_changes()
    assert log.select("changed_by", "value", "old_maps_to", "new_maps_to").row(0) == (
        "evaluator",
        "Dropped",
        None,
        "other",
    )
    assert ingest_file(store, path, "tester", as_of=AS_OF).status == "loaded"
    assert sorted(store.cases()["closure_reason"].to_list()) == ["other", "police_nfa"]


def test_a_bad_mapping_names_its_row_column_and_rule_and_is_not_saved() -> None:
    bad = pl.DataFrame(
        {
            "field": ["closure_reason", "closure_reason", "colour"],
            "value": ["NFA", "nfa ", "x"],
            "maps_to": ["police_nfa", "nonsense", "red"],
        }
    )
    _typed, problems = value_map.validate(bad, "map.csv")
    assert "map.csv, row 3, column maps_to: 'nonsense' must be one of police_nfa" in problems[0]
    assert "map.csv, row 3, column value: 'nfa' is already mapped on row 2" in problems[1]
    assert "map.csv, row 4, column field: 'colour' is not a coded field" in problems[2]


def test_an_unclosed_quote_is_reported_as_such_with_its_row() -> None:
    data = b'area_code,month,metric,value\nE23000014,2024-07,referrals,41\nE23000014,2024-08,referrals,"40\n'
    parsed = read_extract(data, "q.csv", read_areas(), AS_OF)
    assert [(p.row, p.code) for p in parsed.problems] == [(3, "csv_unclosed_quote")]
    assert "a quoted field opened on row 3 is never closed" in parsed.problems[0].rule


def test_no_internal_check_name_reaches_the_user() -> None:
    data = b"area_code,month,metric,value\nE23000014,2024-07,referrals,inf\n"
    parsed = read_extract(data, "inf.csv", read_areas(), AS_OF)
    assert [p.code for p in parsed.problems] == ["value_whole"]  # dataframely's value|inf says no more
    assert not [r for r in parsed.problem_counts if "failed check" in r or "|" in r]
