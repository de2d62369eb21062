"""Chart export timings through the one long-lived Kaleido/Chromium (real browser, no mocks).

Prints the cold first export (starts the browser), then medians of warm exports: PNG (10 runs), SVG
and PDF, for a pilot-vs-control chart (66 months, with export text), and PNG of a 44-panel small
multiples chart. Run:
    .venv/bin/python -m benchmarks.bench_export
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

import numpy as np
import plotly.graph_objects as go
import polars as pl

from soteria.charts.figures import ChartText, pilot_vs_control_chart, small_multiples_chart, with_export_text
from soteria.outputs.export import figure_to_image, stop_export_server

RUNS = 10
STARTS = [date(2021, 6, 1), date(2022, 10, 1)]
TEXT = ChartText(
    "Police referrals to the CPS: pilot against control areas",
    "Index, 2019 = 100",
    "Benchmark data",
    ("Control areas count only before their own pilot start.",),
)


def series_figure() -> go.Figure:
    rng = np.random.default_rng(1)
    months = pl.date_range(date(2018, 1, 1), date(2023, 6, 1), "1mo", eager=True).to_list()
    frame = pl.DataFrame(
        {
            "period": months * 2,
            "arm": ["pilot"] * len(months) + ["control"] * len(months),
            "total": rng.poisson(300, 2 * len(months)),
            "areas": [5] * len(months) + [9] * len(months),
        }
    ).with_columns(mean_per_area=pl.col("total") / pl.col("areas"), index=pl.col("total") / 3.0)
    fig = pilot_vs_control_chart(frame, STARTS, "index", TEXT)
    return with_export_text(fig, TEXT, synthetic=True)


def small_multiples_figure() -> go.Figure:
    rng = np.random.default_rng(2)
    quarters = pl.date_range(date(2018, 1, 1), date(2023, 4, 1), "3mo", eager=True).to_list()
    rows = []
    for a in range(44):
        arm = "pilot" if a < 5 else "control"
        start = STARTS[0] if a < 5 else STARTS[1] if a < 19 else date(2023, 7, 10)
        for p, v in zip(quarters, rng.poisson(20, len(quarters)), strict=True):
            rows.append(
                {
                    "area_code": f"A{a:02d}",
                    "area_name": f"Force {a:02d}",
                    "arm": arm,
                    "pilot_start": start,
                    "period": p,
                    "value": int(v),
                    "index": float(v) * 5,
                    "in_control": arm == "control" and p < start,
                }
            )
    text = ChartText("Referrals by force", "Count per quarter")
    fig = small_multiples_chart(pl.DataFrame(rows), STARTS, text)
    return with_export_text(fig, TEXT, synthetic=True)


def median_s(fn: Callable[[], bytes], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    stop_export_server()  # make sure the first export below is a cold start
    fig, grid = series_figure(), small_multiples_figure()
    t0 = time.perf_counter()
    png = figure_to_image(fig, "png")
    report("cold first export (starts Chromium), PNG", time.perf_counter() - t0, f"{len(png):,} bytes")
    report(
        f"warm PNG 1100x{fig.layout.height} @2x, median of {RUNS}",
        median_s(lambda: figure_to_image(fig, "png")),
    )
    report(f"warm SVG, median of {RUNS}", median_s(lambda: figure_to_image(fig, "svg")))
    report(f"warm PDF, median of {RUNS}", median_s(lambda: figure_to_image(fig, "pdf")))
    report(
        f"warm PNG 44-panel small multiples 1100x{grid.layout.height} @2x, median of 5",
        median_s(lambda: figure_to_image(grid, "png"), 5),
    )


def report(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<66} {seconds:7.3f} s  {extra}".rstrip())


if __name__ == "__main__":
    main()
