"""Concurrency: 20 real sessions (websockets to the app served in this process) keep running the Overview
while an extract commits and another is undone through the same store. No session sees an error, and
every page run shows one consistent version of the data: the coverage line's values, cases and latest
extract are those of the data before the commit, after it, or after the undo, never a mix."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from soteria.config import SAMPLES_DIR
from soteria.demo.build import build_demo
from soteria.ingest.load import ingest_file
from soteria.ingest.undo import undo
from soteria.store import Store, open_store
from tests.live_sessions import Session, served_app

pytestmark = pytest.mark.slow
SESSIONS = 20
COVERAGE = re.compile(
    r"\(([\d,]+) values\); \*\*([\d,]+)\*\* case timelines.*?(?:number (\d+),|no extract has been loaded)"
)


def seen(texts: list[str]) -> tuple[int, int, int | None]:
    line = next(t for t in texts if t.startswith("Monthly figures from"))
    match = COVERAGE.search(line)
    assert match, line
    latest = int(match.group(3)) if match.group(3) else None
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", "")), latest


def state(store: Store) -> tuple[int, int, int | None]:
    span, latest = store.data_span(), store.latest_extract()
    return span["metric_values"], span["cases"], latest["extract_id"] if latest else None


def test_twenty_sessions_see_one_consistent_version_while_extracts_commit_and_undo(tmp_path) -> None:
    db = tmp_path / "soteria.duckdb"
    writer = Store(db)
    build_demo(writer, cases=3000)
    writer.close()
    with served_app(db) as url:
        store = open_store(db)  # the very store the app's sessions read
        to_undo = ingest_file(store, SAMPLES_DIR / "cases_sample.csv", "evaluator").extract_id
        states = [state(store)]
        Session(url).run()  # warm the caches once, as a long-running server has
        done = threading.Event()
        runs: list[tuple[int, float, list[str], list[str], tuple]] = []
        lock = threading.Lock()

        def browse(i: int) -> int:
            session = Session(url)
            count = 0
            try:
                extra = 2
                while extra:
                    run = session.run()
                    with lock:
                        runs.append((i, run.seconds, run.exceptions, run.alerts, seen(run.texts)))
                    count += 1
                    if done.is_set():
                        extra -= 1
            finally:
                session.close()
            return count

        with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
            futures = [pool.submit(browse, i) for i in range(SESSIONS)]
            time.sleep(1.0)
            ingest_file(store, SAMPLES_DIR / "metrics_sample.csv", "evaluator")
            states.append(state(store))
            time.sleep(1.0)
            undo(store, to_undo, "evaluator")
            states.append(state(store))
            done.set()
            counts = [f.result(timeout=600) for f in futures]

    assert len(set(states)) == 3, states
    assert all(c >= 2 for c in counts) and len(counts) == SESSIONS
    assert not [r for r in runs if r[2]], "page runs with an exception"
    errors = [a for r in runs for a in r[3] if "Synthetic demonstration data" not in a]
    assert not errors, errors
    mixed = [r for r in runs if r[4] not in states]
    assert not mixed, f"page runs showing a mix of versions: {mixed[:3]} (states {states})"
    last = {}
    for i, _, _, _, shown in runs:
        last[i] = shown
    assert set(last.values()) == {states[-1]}  # every session ends on the latest data
    print(f"\nsessions held: {SESSIONS}; page runs: {len(runs)}; states seen: {sorted({r[4] for r in runs})}")
