"""Hostile input: the corpus in tests/hostile/files (built by make_hostile.py) and generated fuzz cases
(random bytes, truncations and byte flips of valid extracts). Every file gets a clear rejection or a clean
parse, never an unhandled exception, never more than TIME_LIMIT seconds, and never a change to stored data
unless it is a valid extract that is committed on purpose."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soteria.config import SAMPLES_DIR
from soteria.ingest import readers
from soteria.ingest.extract import read_extract
from soteria.ingest.load import commit, preview
from tests.hostile import make_hostile

TIME_LIMIT = 20.0  # seconds per file, on a loaded 2-core machine
CORPUS = Path(__file__).with_name("files")
SAMPLES = {p.name: p.read_bytes() for p in SAMPLES_DIR.iterdir() if p.suffix in (".csv", ".xlsx", ".parquet")}
FUZZ_EXAMPLES = 60  # per strategy; README "Security and reliability" reports the total


def check(store, name: str, data: bytes, areas) -> bool:  # noqa: ANN001
    """Read one file as the upload page does; returns whether it was accepted."""
    start = time.monotonic()
    readers.sheet_names(data)
    parsed = read_extract(data, name, areas, None)
    elapsed = time.monotonic() - start
    assert elapsed < TIME_LIMIT, f"{name}: {elapsed:.1f} s"
    if parsed.ok:
        return True
    assert parsed.problems, name
    for p in parsed.problems:
        assert isinstance(p.rule, str) and p.rule and "Traceback" not in p.rule, (name, p)
    return False


def corpus() -> dict[str, bytes]:
    on_disk = {p.name: p.read_bytes() for p in CORPUS.iterdir()}
    generated = {make_hostile.safe_name(k): v for k, v in make_hostile.files().items()}
    assert set(on_disk) <= set(generated), "tests/hostile/files is stale: run make_hostile.py"
    return generated


# Valid rows under a hostile wrapper: accepted, with the wrapper harmless (a name shown as text, a sheet
# name never used as a path, XML nesting outside the data ignored, a BOM and a direction mark around a
# code that still resolves to the canonical area code).
ACCEPTED = {
    "<script>alert('file')<\u2044script>.csv",
    "script_in_sheet_name.xlsx",
    "path_in_sheet_name.xlsx",
    "deep_nesting.xlsx",
    "bom_and_rtl.csv",
}


def test_every_hostile_file_is_rejected_clearly_and_changes_nothing(store) -> None:
    areas = store.areas()
    before = store.content_checksum()
    files = corpus()
    assert len(files) >= 30
    accepted = {name for name, data in files.items() if check(store, name, data, areas)}
    assert accepted == ACCEPTED
    assert store.content_checksum() == before


def test_zip_bomb_is_refused_from_the_directory_before_unpacking(store) -> None:
    parsed = read_extract(make_hostile.zip_bomb(), "zip_bomb.xlsx", store.areas(), None)
    assert [p.code for p in parsed.problems] == ["zip_bomb"]
    assert "zip bomb" in parsed.problems[0].rule


def test_markup_in_a_file_name_is_stored_and_shown_as_plain_text(store) -> None:
    name = "<script>alert('file')<\u2044script>.csv"
    parsed = read_extract(corpus()[name], name, store.areas(), None)
    extract_id = commit(store, parsed, "<b>evaluator</b>", preview(store, parsed))
    assert store.extract(extract_id)["file_name"] == name  # type: ignore[index]


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=4000), st.sampled_from(["x.csv", "x.xlsx", "x.parquet", "x.txt", "x"]))
def test_fuzz_random_bytes(hostile_store, data: bytes, name: str) -> None:
    store, areas = hostile_store
    check(store, name, data, areas)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_fuzz_truncated_and_flipped_extracts(hostile_store, sample: str, data) -> None:  # noqa: ANN001
    store, areas = hostile_store
    raw = bytearray(SAMPLES[sample])
    cut = data.draw(st.integers(0, len(raw)), label="cut")
    flips = data.draw(
        st.lists(st.tuples(st.integers(0, max(len(raw) - 1, 0)), st.integers(0, 255)), max_size=8)
    )
    for at, value in flips:
        if at < len(raw):
            raw[at] = value
    check(store, sample, bytes(raw[:cut]), areas)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
    from soteria.store import Store

    s = Store(tmp_path_factory.mktemp("hostile") / "hostile.duckdb")
    s.replace_reference(read_areas(), read_force_cps_area())
    s.replace_pilot_register(read_pilot_register(), changed_by="test")
    before = s.content_checksum()
    yield s, s.areas()
    assert s.content_checksum() == before  # no fuzz case changed stored data
    s.close()


def test_a_key_repeated_on_every_row_is_judged_in_bounded_work(store) -> None:
    """One (area, month, metric) on 50,000 rows: every row is a problem, counted in full; the preview
    lists the first 100 of the rule, the download up to 10,000, each naming a few other rows; the
    checker no longer builds a list of every other row for every row (memory as rows squared)."""
    from datetime import date

    from soteria.ingest.parsed import LISTED_PER_RULE
    from soteria.ingest.validation import PER_RULE_KEPT

    n = 50_000
    data = b"area_code,month,metric,value\n" + b"E23000014,2024-07,referrals,41\n" * n
    started = time.perf_counter()
    parsed = read_extract(data, "repeated.csv", store.areas(), date(2024, 12, 31))
    assert time.perf_counter() - started < 20  # generous: the benchmark holds the real figure
    assert parsed.problem_counts == {"duplicate (area, month, metric) in this file": n}
    assert len(parsed.problems) == LISTED_PER_RULE
    assert parsed.all_problems is not None and parsed.all_problems.height == min(n, PER_RULE_KEPT)
    first = parsed.problems[0]
    assert first.row == 2 and first.rule.endswith(f"also on rows 3, 4, 5, 6, 7 and {n - 6} more")
    assert store.extracts().is_empty()
