"""What the Upload and Extracts pages show (soteria.ingest.views), on a real store: previews of good and
bad files, the table of loads after loads and an undo, their labels and summaries, the kept originals."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import polars as pl
import pytest

from soteria.config import SAMPLES_DIR
from soteria.demo.build import DEFAULT_AS_OF, build_demo
from soteria.ingest import views
from soteria.ingest.load import commit
from soteria.store import Store

AS_OF = date(2024, 9, 30)
SAMPLE = (SAMPLES_DIR / "metrics_sample.csv").read_bytes()
REVISION = b"area_code,month,metric,value\nE23000014,2024-07,referrals,45\nE23000014,2024-10,referrals,40\n"
BAD = b"area_code,month,metric,value\nE99,2024-07,referrals,3\nE23000014,2024-7,referrals,-1\n"
COLUMNS = ["extract", "file", "kind", "layout", "rows", "as of", "loaded by", "loaded at", "status", "undone"]


def load(store: Store, data: bytes, name: str, by: str, as_of: date = AS_OF) -> int:
    parsed, preview = views.read_and_preview(store, data, name, as_of, "detect", None)
    assert parsed.ok and preview is not None, parsed.problems
    return commit(store, parsed, by, preview)


def test_a_good_file_is_previewed_against_the_store_without_writing(store: Store) -> None:
    before = store.content_checksum()
    parsed, preview = views.read_and_preview(store, SAMPLE, "metrics_sample.csv", AS_OF, "detect", None)
    assert parsed.ok and (parsed.kind, parsed.layout, parsed.rows) == ("metrics", "long", 12)
    assert preview is not None and preview.data_version == store.data_version()
    assert views.preview_heading(preview) == [
        "metrics_sample.csv: area-month metrics (long) read as CSV (UTF-8, comma-separated), 12 rows read, "
        "3 areas, months 2024-07 to 2024-09 (3 months), as of 2024-09-30"
    ]
    assert views.changes_table(preview).rows() == [
        ("charges", 3, 0, 0),
        ("charging_decisions", 3, 0, 0),
        ("referrals", 6, 0, 0),
    ]
    assert views.revisions_table(preview).is_empty()
    assert store.content_checksum() == before


def test_a_bad_file_gets_problems_and_no_preview(store: Store) -> None:
    before = store.content_checksum()
    parsed, preview = views.read_and_preview(store, BAD, "bad.csv", AS_OF, "detect", None)
    assert preview is None and not parsed.ok
    assert views.problems_headline(parsed) == (
        "Nothing was stored: bad.csv has 3 problems. Fix the file and upload it again."
    )
    table = views.problems_table(parsed)
    assert table.columns == ["row", "column", "value", "rule"]
    assert table.select("row", "column", "value").rows() == [
        (2, "area_code", "E99"),
        (3, "month", "2024-7"),
        (3, "value", "-1"),
    ]
    assert views.rule_counts(parsed)["problems"].to_list() == [1, 1, 1]
    assert store.content_checksum() == before


def test_forcing_the_wrong_kind_says_which_columns_are_missing(store: Store) -> None:
    parsed, preview = views.read_and_preview(store, SAMPLE, "metrics_sample.csv", AS_OF, "cases", None)
    assert preview is None and parsed.problem_total == 1
    assert parsed.problems[0].rule.startswith("required columns missing for a cases file: case_ref")
    assert views.kind_value("detect") is None and views.kind_value("cjs") == "cjs"
    assert set(views.KIND_CHOICES) == {"detect", "metrics", "cases", "cjs"}


def test_a_revision_is_previewed_value_by_value(store: Store) -> None:
    load(store, SAMPLE, "metrics_sample.csv", "ann")
    _parsed, preview = views.read_and_preview(store, REVISION, "rev.csv", date(2024, 10, 31), "detect", None)
    assert preview is not None
    assert views.changes_table(preview).rows() == [("referrals", 1, 1, 0)]
    revised = views.revisions_table(preview)
    assert revised.select(
        "area", "month", "metric", "old", "new", "change", "old value from extract"
    ).rows() == [("E23000014", "2024-07", "referrals", "41", "45", 4, 1)]


def test_extracts_table_after_loads_and_an_undo(store: Store) -> None:
    first = load(store, SAMPLE, "metrics_sample.csv", "ann")
    second = load(store, REVISION, "rev.csv", "bob", date(2024, 10, 31))
    store.undo_extract(second, "cat")
    table = views.extracts_table(store)
    assert table.columns == [*COLUMNS, "SHA-256", "synthetic"]
    rows = table.select("extract", "file", "kind", "layout", "rows", "as of", "loaded by", "status").rows()
    assert rows == [
        (second, "rev.csv", "metrics", "area-month metrics (long)", 2, date(2024, 10, 31), "bob", "undone"),
        (first, "metrics_sample.csv", "metrics", "area-month metrics (long)", 12, AS_OF, "ann", "loaded"),
    ]
    undone = table["undone"].to_list()
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d by cat", undone[0]) and undone[1] is None
    assert table.schema["as of"] == pl.Date  # shown as a date, never with a midnight time
    assert table["SHA-256"].to_list() == [hashlib.sha256(d).hexdigest() for d in (REVISION, SAMPLE)]
    assert table["synthetic"].to_list() == [False, False]


def test_extract_label_reads_id_file_kind_time_and_status(store: Store) -> None:
    eid = load(store, SAMPLE, "metrics_sample.csv", "ann")
    row = views.extracts_table(store).row(0, named=True)
    label = views.extract_label(row)
    assert label == f"{eid}: metrics_sample.csv (metrics, {row['loaded at']:%-d %b %Y %H:%M}, loaded)"
    assert re.fullmatch(
        r"1: metrics_sample\.csv \(metrics, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d, loaded\)", label
    )


def test_extract_summary_says_how_it_was_read_and_what_it_changed(store: Store) -> None:
    eid = load(store, SAMPLE, "metrics_sample.csv", "ann")
    extract = store.extract(eid)
    assert extract is not None
    assert views.extract_summary(extract) == [
        f"SHA-256 `{hashlib.sha256(SAMPLE).hexdigest()}`",
        f"Read as csv, {len(SAMPLE) / 1024:,.1f} KB",
        "charges: 3 new, 0 revised, 0 unchanged",
        "charging_decisions: 3 new, 0 revised, 0 unchanged",
        "referrals: 6 new, 0 revised, 0 unchanged",
    ]


@pytest.mark.parametrize(
    ("extract", "expected"),
    [
        ({"sha256": "abc", "summary": "not json"}, ["SHA-256 `abc`"]),
        ({"sha256": "abc", "summary": None}, ["SHA-256 `abc`"]),
        (
            {"sha256": "abc", "file_format": "xlsx", "sheet": "Data", "size_bytes": 2048, "summary": "{}"},
            ["SHA-256 `abc`", "Read as xlsx, sheet 'Data', 2.0 KB"],
        ),
        (
            {
                "sha256": "abc",
                "summary": '{"changes": {"cases": {"new": 1200}}, "notes": ["3 rows skipped"]}',
            },
            ["SHA-256 `abc`", "cases: 1,200 new", "3 rows skipped"],
        ),
    ],
)
def test_extract_summary_wording(extract: dict[str, object], expected: list[str]) -> None:
    assert views.extract_summary(extract) == expected


def test_original_file_gives_back_the_bytes_loaded(store: Store) -> None:
    eid = load(store, SAMPLE, "metrics_sample.csv", "ann")
    second = load(store, REVISION, "rev.csv", "bob", date(2024, 10, 31))
    for extract_id, data in ((eid, SAMPLE), (second, REVISION)):
        extract = store.extract(extract_id)
        assert extract is not None and views.original_file(store, extract) == data
    store.undo_extract(second, "cat")  # an undone load keeps its original
    assert views.original_file(store, store.extract(second) or {"stored_as": None}) == REVISION
    assert views.original_file(store, {"stored_as": "../soteria.duckdb"}) is None


def test_synthetic_loads_have_no_original_and_say_so(store: Store) -> None:
    build_demo(store, cases=300)
    table = views.extracts_table(store)
    assert table["synthetic"].to_list() == [True, True]
    assert set(table["file"]) == {"synthetic-demo-metrics", "synthetic-demo-cases"}
    for extract in store.extract_list().to_dicts():
        assert views.original_file(store, extract) is None
    assert table.filter(pl.col("kind") == "cases")["as of"].to_list() == [DEFAULT_AS_OF]
