"""Time the full synthetic demo build (150,000 cases) into a fresh database file, three times.

Run: .venv/bin/python benchmarks/bench_demo.py [--cases N] [--repeat N]
Prints each run, the median seconds and the database size. Budget: under 15 s (target about 5 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soteria.demo.build import DEFAULT_CASES, build_demo  # noqa: E402
from soteria.store import Store  # noqa: E402

BUDGET_SECONDS = 15.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    seconds: list[float] = []
    size = 0
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, args.repeat + 1):
            path = Path(folder) / f"bench-{run}.duckdb"
            started = time.perf_counter()
            store = Store(path)  # opening and migrating counts: the app pays for it on first start
            summary = build_demo(store, cases=args.cases)
            store.close()
            seconds.append(time.perf_counter() - started)
            size = path.stat().st_size
            print(
                f"run {run}: {seconds[-1]:.2f} s (build_demo {summary['seconds']:.2f} s), "
                f"{summary['metric_rows']:,} metric rows, {summary['cases']:,} cases"
            )
    median = statistics.median(seconds)
    print(f"median: {median:.2f} s over {args.repeat} runs (budget {BUDGET_SECONDS:.0f} s)")
    print(f"database size: {size / 1_048_576:.1f} MiB")
    return 0 if median < BUDGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
