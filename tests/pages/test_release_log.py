"""What changed (AppTest, own database): each load with the values it added, revised and sent again
unchanged, by measure and area, newest first; case extracts summed over their forces; an undone load
changes nothing that stands."""

from __future__ import annotations

import pandas as pd

from soteria.config import SAMPLES_DIR
from soteria.ingest.load import ingest_file
from soteria.ingest.undo import undo
from soteria.store import open_store
from tests.pages.ingest_fixtures import own_db

__all__ = ["own_db"]

METRICS = SAMPLES_DIR / "metrics_sample.csv"  # 12 values: 3 months x 4 measure-areas
CASES = SAMPLES_DIR / "cases_sample.csv"  # 6 cases in 3 forces


def _log(open_page):
    """The page's sections, newest first, as one frame with each section's extract number and heading."""
    at = open_page("release_log")
    assert not at.exception
    parts = []
    for section in at.expander:
        assert len(section.dataframe) == 1, section.label
        frame = section.dataframe[0].value
        frame.insert(0, "Extract", int(section.label.split(":")[0].removeprefix("Extract ")))
        frame.insert(1, "Heading", section.label)
        parts.append(frame)
    assert [e.proto.expanded for e in at.expander] == [True] + [False] * (len(parts) - 1)  # newest open
    return pd.concat(parts, ignore_index=True)


def test_each_load_is_listed_with_what_it_added_revised_and_resent(own_db, open_page, tmp_path) -> None:
    store = open_store(own_db)
    assert ingest_file(store, METRICS, "test").status == "loaded"
    revised = tmp_path / "revised.csv"  # West Midlands referrals, July 2024: 41 -> 70; the rest sent again
    revised.write_bytes(
        METRICS.read_bytes().replace(b"E23000014,2024-07,referrals,41", b"E23000014,2024-07,referrals,70")
    )
    assert ingest_file(store, revised, "test").status == "loaded"
    store.close()
    log = _log(open_page)
    assert log["Extract"].tolist()[0] == 2  # newest first
    second = log[log["Extract"] == 2].set_index(["Measure", "Area"])
    assert second.loc[
        ("Police referrals to the CPS", "West Midlands"), ["New", "Revised", "Unchanged"]
    ].tolist() == [0, 1, 2]
    assert second["Revised"].sum() == 1 and second["Unchanged"].sum() == 11 and second["New"].sum() == 0
    first = log[log["Extract"] == 1]
    assert first["New"].sum() == 12 and first["Revised"].sum() == 0 and len(first) == 4
    assert set(first["Periods"]) == {"Jul 2024 to Sep 2024"}
    assert "value" not in " ".join(log.columns).lower()  # counts only, never the values


def test_case_loads_are_summed_over_forces_and_an_undone_load_changes_nothing(
    own_db, open_page, tmp_path
) -> None:
    store = open_store(own_db)
    assert ingest_file(store, CASES, "test").status == "loaded"
    changed = tmp_path / "changed.csv"  # one case gains a file date; the rest are sent again
    changed.write_bytes(
        CASES.read_bytes()
        .replace(
            b"WMP-2024-000103,E23000014,2024-03-28,,,", b"WMP-2024-000103,E23000014,2024-03-28,2024-05-01,,"
        )
        .replace(b"2024-09-30", b"2024-10-31")
    )
    result = ingest_file(store, changed, "test")
    assert result.status == "loaded"
    before = store.changes_by_extract().filter(extract_id=2)
    assert before["new"].sum() == 0 and before["revised"].sum() == 1 and before["unchanged"].sum() == 5
    undo(store, 2, "test")
    store.close()
    log = _log(open_page)
    first = log[log["Extract"] == 1]
    assert first[["Measure", "Area", "New", "Revised"]].to_dict("records") == [
        {"Measure": "Case timelines", "Area": "3 forces", "New": 6, "Revised": 0}
    ]
    undone = log[log["Extract"] == 2]
    assert undone["Measure"].tolist() == ["—"]
    assert undone["Heading"].tolist() == [
        "Extract 2: changed.csv, loaded " + undone["Heading"].iloc[0].split("loaded ")[1]
    ] and undone["Heading"].iloc[0].endswith("(undone: it changes nothing that stands)")
