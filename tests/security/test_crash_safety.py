"""Crash safety: SIGKILL at random moments during a load and during an undo (the real command line in a
subprocess); every time, the database opens afterwards and holds exactly the state before or after the
operation, never a mix.

The kill moment is uniform over the operation's measured duration (plus 20%), after the worker has
imported everything, so kills land in reading, snapshotting, the transaction and the commit itself.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from soteria.cli.main import main
from soteria.config import PROJECT_ROOT, SAMPLES_DIR
from soteria.store import Store

pytestmark = pytest.mark.slow
KILLS_PER_OPERATION = 12  # 24 in all; README "Security and reliability" reports the figure
WORKER = Path(__file__).with_name("crash_worker.py")

# What an operation may change, without wall-clock times (which differ run to run).
STATE_QUERIES = {
    "metric_values": "SELECT count(*), coalesce(sum(hash(t)), 0) FROM metric_values t",
    "metric_history": "SELECT count(*), coalesce(sum(hash(t)), 0) FROM metric_history t",
    "cases": "SELECT count(*), coalesce(sum(hash(t)), 0) FROM cases t",
    "case_history": "SELECT count(*), coalesce(sum(hash(t)), 0) FROM case_history t",
    "extracts": "SELECT count(*), coalesce(sum(hash(extract_id, sha256, kind, rows, status, loaded_by)), 0) "
    "FROM extracts",
    "extract_details": "SELECT count(*), coalesce(sum(hash(extract_id, layout, size_bytes, stored_as)), 0) "
    "FROM extract_details",
    "extract_log": "SELECT count(*), coalesce(sum(hash(extract_id, action, done_by)), 0) FROM extract_log",
    "pilot_register": "SELECT count(*), coalesce(sum(hash(t)), 0) FROM pilot_register t",
    "areas": "SELECT count(*), coalesce(sum(hash(t)), 0) FROM areas t",
}


def state(db: Path) -> dict[str, tuple[int, int]]:
    Store(db).close()  # opens as the app does (replays the write-ahead log, checks the schema)
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchone() for name, sql in STATE_QUERIES.items()}  # type: ignore[misc]
    finally:
        con.close()


def big_cases(path: Path, n: int = 10_000) -> Path:
    rng = random.Random(6)
    lines = ["case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason,as_of"]
    for i in range(n):
        day = 1 + rng.randrange(28)
        month = 1 + rng.randrange(12)
        filed = f"2023-{month:02d}-{day:02d}" if rng.random() < 0.5 else ""
        lines.append(f"KILL-{i:06d},E23000014,2022-{month:02d}-{day:02d},{filed},,,2024-09-30")
    path.write_text("\n".join(lines) + "\n")
    return path


def env() -> dict[str, str]:
    return {
        **os.environ,
        "SOTERIA_USER": "crash-test",
        "SOTERIA_BACKUPS_KEEP": "2",
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def run_worker(db: Path, args: list[str], kill_after: float | None) -> float:
    """Run the operation; kill it kill_after seconds after "ready" (None: let it finish). Returns the
    seconds from ready to exit."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        cwd=PROJECT_ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    start = time.monotonic()
    if kill_after is None:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        return time.monotonic() - start
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    proc.communicate()
    return time.monotonic() - start


def test_sigkill_during_load_and_undo_leaves_before_or_after_never_a_mix(tmp_path) -> None:
    cases = big_cases(tmp_path / "cases_big.csv")
    base = tmp_path / "base.duckdb"
    for args in (["init"], ["ingest", str(SAMPLES_DIR / "metrics_sample.csv")]):
        with pytest.raises(SystemExit) as done:
            main(["--db", str(base), *args])
        assert done.value.code in (0, None)
    before_load = state(base)
    loaded = tmp_path / "loaded.duckdb"
    shutil.copyfile(base, loaded)
    load_seconds = run_worker(loaded, ["ingest", str(cases)], None)
    after_load = state(loaded)
    undone = tmp_path / "undone.duckdb"
    shutil.copyfile(loaded, undone)
    undo_seconds = run_worker(undone, ["undo", "2"], None)
    after_undo = state(undone)
    assert len({str(before_load), str(after_load), str(after_undo)}) == 3

    rng = random.Random(20261123)
    plans = []
    for i in range(KILLS_PER_OPERATION):
        plans.append(
            ("load", loaded.name, base, ["ingest", str(cases)], rng.uniform(0, 1.2 * load_seconds), i)
        )
        plans.append(("undo", undone.name, loaded, ["undo", "2"], rng.uniform(0, 1.2 * undo_seconds), i))

    def trial(plan):  # noqa: ANN001, ANN202
        op, _, source, args, delay, i = plan
        db = tmp_path / f"{op}-{i}" / "soteria.duckdb"
        db.parent.mkdir()
        shutil.copyfile(source, db)
        run_worker(db, args, delay)
        found = state(db)
        expected = (
            {"before": before_load, "after": after_load}
            if op == "load"
            else {
                "before": after_load,
                "after": after_undo,
            }
        )
        outcome = next((k for k, v in expected.items() if v == found), None)
        return op, round(delay, 3), outcome, found

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(trial, plans))
    mixed = [r for r in results if r[2] is None]
    assert not mixed, f"states that are neither before nor after: {mixed}"
    outcomes = {(op, outcome) for op, _, outcome, _ in results}
    # The kills spread over the operation: some landed before its commit, some after.
    assert ("load", "before") in outcomes and ("undo", "before") in outcomes, results
    assert len(results) >= 20
    print(f"\ncrash points survived: {len(results)}; outcomes: {sorted(outcomes)}")
