"""Undo restores exactly what was stored before an extract; an older extract that later loads revised is
refused with an explanation (see soteria/ingest/undo.py for the policy)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteria import reference
from soteria.demo.build import build_demo
from soteria.ingest.extract import read_extract
from soteria.ingest.load import commit, ingest_file
from soteria.ingest.undo import plan_undo, undo
from soteria.store import Store, UndoRefused

AREAS = reference.read_areas()
AS_OF = date(2024, 9, 30)
DATA_TABLES = ("metric_values", "metric_history", "cases", "case_history")


def data_state(store: Store) -> dict[str, tuple[int, int]]:
    checksum = store.content_checksum()
    return {t: checksum[t] for t in DATA_TABLES}


def load(store: Store, text: str, name: str, as_of: date = AS_OF) -> int:
    parsed = read_extract(text.encode(), name, AREAS, as_of)
    assert parsed.ok, parsed.problems
    return commit(store, parsed, "tester")


def metrics(*rows: str) -> str:
    return "area_code,month,metric,value\n" + "".join(f"{r}\n" for r in rows)


def cases(*rows: str) -> str:
    return "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n" + "".join(
        f"{r}\n" for r in rows
    )


def test_undoing_the_latest_extract_restores_exactly_the_state_before_it(store):
    load(store, metrics("E23000014,2024-07,referrals,41", "E23000008,2024-07,referrals,9"), "a.csv")
    load(
        store,
        cases("X-1,E23000014,2024-01-15,,,", "X-2,E23000008,2024-02-01,,,"),
        "c1.csv",
        date(2024, 6, 30),
    )
    before = data_state(store)
    values_before = store.metric_values(["referrals"], "force")
    cases_before = store.cases().sort("case_ref")
    second = load(store, metrics("E23000014,2024-07,referrals,70", "E23000014,2024-08,referrals,3"), "b.csv")
    third = load(
        store, cases("X-1,E23000014,2024-01-15,2024-03-01,,", "X-3,E23000008,2024-03-01,,,"), "c2.csv"
    )
    assert store.cases().filter(case_ref="X-1")["as_of"].to_list() == [AS_OF]
    plan = plan_undo(store, third)
    assert plan.allowed and plan.counts == {
        "values": 0,
        "values_restored": 0,
        "cases": 2,
        "cases_restored": 1,
    }
    assert "removes 1 case it added and puts back the earlier version of 1 case" in plan.message
    assert undo(store, third, "tester") == {
        "values": 0,
        "values_restored": 0,
        "cases": 2,
        "cases_restored": 1,
    }
    assert undo(store, second, "tester") == {
        "values": 2,
        "values_restored": 1,
        "cases": 0,
        "cases_restored": 0,
    }
    assert data_state(store) == before
    assert store.metric_values(["referrals"], "force").equals(values_before)
    assert store.cases().sort("case_ref").equals(cases_before)
    assert store.cases().filter(case_ref="X-1")["as_of"].to_list() == [date(2024, 6, 30)]
    listed = store.extract(third)
    assert listed is not None and listed["status"] == "undone" and listed["undone_by"] == "tester"


def test_an_older_extract_revised_later_is_refused_with_the_reason(store):
    first = load(store, metrics("E23000014,2024-07,referrals,41"), "a.csv")
    second = load(store, metrics("E23000014,2024-07,referrals,44", "E23000008,2024-07,referrals,1"), "b.csv")
    plan = plan_undo(store, first)
    assert not plan.allowed
    assert [b["extract_id"] for b in plan.blockers] == [second]
    assert "extract 2 (b.csv" in plan.message and "1 value" in plan.message and "newest first" in plan.message
    before = store.content_checksum()
    with pytest.raises(UndoRefused, match="cannot be undone on its own"):
        undo(store, first, "tester")
    with pytest.raises(UndoRefused, match="later extracts replaced"):
        store.undo_extract(first, "tester")
    assert store.content_checksum() == before
    undo(store, second, "tester")
    undo(store, first, "tester")
    assert store.metric_values(["referrals"], "force").is_empty()


def test_an_older_extract_that_no_later_load_touched_can_be_undone_alone(store):
    first = load(store, metrics("E23000014,2024-07,referrals,41"), "a.csv")
    load(store, metrics("E23000008,2024-07,referrals,9"), "b.csv")
    assert plan_undo(store, first).allowed
    undo(store, first, "tester")
    assert store.metric_values(["referrals"], "force")["area_code"].to_list() == ["E23000008"]


def test_undo_twice_unknown_ids_and_loading_again(store):
    first = load(store, metrics("E23000014,2024-07,referrals,41"), "a.csv")
    undo(store, first, "tester")
    again = plan_undo(store, first)
    assert not again.allowed and "already undone" in again.message
    assert not plan_undo(store, 99).allowed and plan_undo(store, 99).message == "There is no extract 99."
    with pytest.raises(UndoRefused, match="already undone"):
        store.undo_extract(first, "tester")
    reloaded = load(store, metrics("E23000014,2024-07,referrals,41"), "a.csv")
    assert reloaded != first and store.metric_values(["referrals"], "force")["value"].to_list() == [41.0]


def test_the_synthetic_demo_can_be_undone_too(tmp_path):
    store = Store(tmp_path / "demo.duckdb")
    build_demo(store, cases=200)
    ids = store.extracts()["extract_id"].to_list()
    for extract_id in ids:
        assert plan_undo(store, extract_id).allowed
        undo(store, extract_id, "tester")
    assert store.data_span()["metric_values"] == 0 and store.data_span()["cases"] == 0
    store.close()


def test_samples_load_and_undo_through_ingest_file(store):
    from soteria.config import SAMPLES_DIR

    before = data_state(store)
    loaded = [ingest_file(store, path, "tester").extract_id for path in sorted(SAMPLES_DIR.iterdir())]
    for extract_id in reversed(loaded):
        undo(store, extract_id, "tester")
    assert data_state(store) == before


VALUES = st.lists(
    st.tuples(
        st.sampled_from(["E23000014", "E23000008", "CPS-NE"]),
        st.sampled_from(["2024-06", "2024-07", "2024-08"]),
        st.sampled_from(["referrals", "charges"]),
        st.integers(0, 50),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda r: r[:3],
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(VALUES, min_size=1, max_size=4))
def test_any_sequence_of_loads_undone_newest_first_restores_every_state(store, loads):
    start = data_state(store)
    states, ids = [], []
    for i, rows in enumerate(loads):
        states.append(data_state(store))
        text = metrics(*(f"{a},{m},{k},{v}" for a, m, k, v in rows))
        parsed = read_extract(text.encode(), f"load{i}.csv", AREAS, AS_OF)
        existing = store.find_extract_by_sha256(parsed.sha256)  # the same file twice changes nothing
        ids.append(None if existing else commit(store, parsed, "tester"))
    for extract_id, state in zip(reversed(ids), reversed(states), strict=True):
        if extract_id is not None:
            undo(store, extract_id, "tester")
        assert data_state(store) == state
    assert data_state(store) == start
