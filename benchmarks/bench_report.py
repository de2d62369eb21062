"""Chart export and report pack timings on the demo database (real Chromium, no mocks).

- warm export of one chart to PNG through the long-lived export server: median of 10;
- the report pack of the eight default charts built once and written as PDF, PowerPoint and HTML:
  total time (building the charts and findings, rendering every chart, assembling the three files);
- the export server is started once per process: the cold first export is reported separately.
Run:
    .venv/bin/python -m benchmarks.bench_report [--db PATH]   (default: a fresh demo in a temp folder)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from soteria.analysis.compare import Selection
from soteria.demo.build import build_demo
from soteria.outputs import chart_files, export
from soteria.outputs import pack as report
from soteria.outputs import registry as report_charts
from soteria.outputs.data import store_analyses
from soteria.store import Store

RUNS = 10


def line(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<70} {seconds:7.3f} s  {extra}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    db = args.db
    if db is None:
        db = folder / "demo.duckdb"
        writer = Store(db)
        build_demo(writer)
        writer.close()
    data = store_analyses(Store(db, read_only=True))
    sel = Selection()
    export.stop_export_server()
    chart = report_charts.build("referrals_pilot_vs_control", data, sel)
    t0 = time.perf_counter()
    chart_files.export_chart(chart, "png")
    line("cold first export (starts the export server), PNG", time.perf_counter() - t0)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        png = chart_files.export_chart(chart, "png")
        times.append(time.perf_counter() - t0)
    line(f"warm PNG export of one chart, median of {RUNS}", statistics.median(times), f"{len(png):,} bytes")
    starts = export._renderer._thread

    fresh = store_analyses(Store(db, read_only=True))  # no kept computations
    t0 = time.perf_counter()
    pack = report.build_pack(fresh, sel)
    built = time.perf_counter() - t0
    line(f"report pack: build {len(pack.outputs)} charts and the findings", built)
    sizes = []
    for fmt in report.PACK_FORMATS:
        t1 = time.perf_counter()
        data_bytes = report.render(pack, fmt)
        (folder / pack.file_name(fmt)).write_bytes(data_bytes)
        line(f"report pack: write {fmt.upper()}", time.perf_counter() - t1, f"{len(data_bytes):,} bytes")
        sizes.append(len(data_bytes))
    line(f"report pack of {len(pack.outputs)} charts in PDF + PPTX + HTML, total", time.perf_counter() - t0)
    assert export._renderer._thread is starts, "the export server was restarted"
    print(f"export server started once in this process; files in {folder}")


if __name__ == "__main__":
    main()
