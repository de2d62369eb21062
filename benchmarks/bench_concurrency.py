"""Page-run latency of 20 concurrent sessions, with and without an extract committing meanwhile.

Serves the real app (in this process, so that the commits go through the app's own store, as the
Upload page's do) on a demo database, opens SESSIONS websocket sessions (what browser tabs open) and
has each run the Overview repeatedly:
  IDLE    no write: every run is served from the caches of one data version;
  COMMIT  meanwhile a metrics extract is committed (after --every seconds) and undone (after as many
          again): each is a new data version, so the next runs recompute (and a run that a commit
          overtakes starts again on the new version, so that no run shows two versions).
Prints the median and the 95th percentile of the page-run time (request sent to the run's end) for
each. Target: no error in any run (exit 1 otherwise); the latencies are reported in the README's
"Security and reliability" section, not gated (20 sessions share one interpreter's CPU).

Run:
    .venv/bin/python benchmarks/bench_concurrency.py [--sessions 20] [--runs 10] [--cases 15000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from soteria.config import SAMPLES_DIR  # noqa: E402
from soteria.demo.build import build_demo  # noqa: E402
from soteria.ingest.load import ingest_file  # noqa: E402
from soteria.ingest.undo import undo  # noqa: E402
from soteria.store import Store, open_store  # noqa: E402
from tests.live_sessions import Session, served_app  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(url: str, sessions: int, runs: int) -> tuple[list[float], int]:
    def browse(_: int) -> tuple[list[float], int]:
        session = Session(url)
        times, errors = [], 0
        try:
            for _ in range(runs):
                run = session.run()
                times.append(run.seconds)
                errors += len(run.exceptions)
        finally:
            session.close()
        return times, errors

    with ThreadPoolExecutor(max_workers=sessions) as pool:
        results = list(pool.map(browse, range(sessions)))
    return [t for times, _ in results for t in times], sum(e for _, e in results)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10, help="page runs per session and phase")
    parser.add_argument("--cases", type=int, default=15_000)
    parser.add_argument("--every", type=float, default=2.0, help="seconds before the commit, then the undo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "soteria.duckdb"
        writer = Store(db)
        build_demo(writer, cases=args.cases)
        writer.close()
        with served_app(db) as url:
            Session(url).run()  # warm: a running server has computed its pages once
            idle, idle_errors = measure(url, args.sessions, args.runs)
            store = open_store(db)
            stop = threading.Event()
            writes = [0]

            def commit_and_undo() -> None:
                # As evaluators do: a load, then (later) an undo, each a new data version.
                if stop.wait(args.every):
                    return
                result = ingest_file(store, SAMPLES_DIR / "metrics_sample.csv", "bench")
                writes[0] += 1
                if stop.wait(args.every):
                    return
                undo(store, result.extract_id, "bench")  # type: ignore[arg-type]
                writes[0] += 1

            thread = threading.Thread(target=commit_and_undo)
            thread.start()
            busy, busy_errors = measure(url, args.sessions, args.runs)
            stop.set()
            thread.join()
    print(f"{args.sessions} sessions x {args.runs} Overview runs each, demo data with {args.cases:,} cases")
    print(f"{'':8} {'median':>8} {'p95':>8} {'runs':>6} {'errors':>6}")
    for label, times, errors in (("idle", idle, idle_errors), ("commit", busy, busy_errors)):
        print(
            f"{label:8} {statistics.median(times) * 1000:>6.0f}ms {p95(times) * 1000:>6.0f}ms "
            f"{len(times):>6} {errors:>6}"
        )
    print(f"commits and undos during the COMMIT phase: {writes[0]}")
    return 1 if idle_errors or busy_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
