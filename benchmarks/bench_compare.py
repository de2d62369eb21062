"""Timings of the comparison and survival functions on realistic sizes (synthetic data, fixed seed).

58 areas x 66 months x 6 metrics, and 150,000 case timelines. Run:
    .venv/bin/python -m benchmarks.bench_compare
Target: each well under 200 ms.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

import numpy as np
import polars as pl

from soteria.analysis.compare import Selection, per_area_series, pilot_vs_control
from soteria.analysis.survival import km_curves, summary, time_to_file
from soteria.domain import METRICS
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register

RUNS = 7
N_CASES = 150_000
AS_OF = date(2024, 3, 31)


def build() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(20230710)
    areas = read_areas()
    register = read_pilot_register().join(areas.select("area_code", "area_name", "area_kind"), on="area_code")
    months = pl.date_range(date(2018, 1, 1), date(2023, 6, 1), "1mo", eager=True)  # 66 months
    values = (
        areas.select("area_code")
        .join(pl.DataFrame({"month": months}), how="cross")
        .join(pl.DataFrame({"metric": list(METRICS)}), how="cross")
    )
    counts = rng.poisson(25, values.height).astype(float)
    counts[rng.random(values.height) < 0.02] = np.nan  # a few suppressed or missing cells
    values = values.with_columns(value=pl.Series(counts).fill_nan(None))

    forces = areas.filter(area_kind="force")["area_code"].to_numpy()
    reported = date(2019, 1, 1).toordinal() + rng.integers(0, 1650, N_CASES)
    to_file = rng.exponential(250, N_CASES).astype(int)
    to_close = rng.exponential(400, N_CASES).astype(int)
    filed = reported + to_file
    closed = reported + to_close
    has_file = (filed <= AS_OF.toordinal()) & (rng.random(N_CASES) < 0.7)
    has_close = (closed <= AS_OF.toordinal()) & (rng.random(N_CASES) < 0.5)

    def dates(ordinals: np.ndarray, keep: np.ndarray) -> pl.Series:
        days = (ordinals - date(1970, 1, 1).toordinal()).astype("int32")
        return pl.select(pl.when(pl.Series(keep)).then(pl.Series(days).cast(pl.Date))).to_series()

    cases = pl.DataFrame(
        {
            "case_ref": [f"C{i:07d}" for i in range(N_CASES)],
            "force_code": rng.choice(forces, N_CASES),
        }
    ).with_columns(
        reported_on=dates(reported, np.ones(N_CASES, dtype=bool)),
        file_submitted_on=dates(filed, has_file),
        closed_on=dates(closed, has_close),
        closure_reason=pl.when(pl.Series(has_close)).then(pl.lit("police_nfa")),
        as_of=pl.lit(AS_OF),
    )
    return values, register, read_force_cps_area(), cases


def timed(label: str, fn: Callable[[], object]) -> None:
    fn()  # warm up
    runs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"{label:<52} median {statistics.median(runs):7.1f} ms  (min {min(runs):.1f}, max {max(runs):.1f})")


def main() -> None:
    values, register, fmap, cases = build()
    print(f"values: {values.height:,} rows; cases: {cases.height:,}")
    cps_q = Selection()
    force_m = Selection(grain="force", frequency="month", pilot_waves=("2021 pathfinder", "October 2022"))
    for name, sel in (("CPS Areas, quarterly", cps_q), ("forces, monthly", force_m)):
        timed(f"pilot_vs_control ({name})", lambda sel=sel: pilot_vs_control(values, register, sel))
        timed(f"per_area_series ({name})", lambda sel=sel: per_area_series(values, register, sel))

        def survival(sel: Selection = sel) -> None:
            tte = time_to_file(cases, register, fmap, sel)
            km_curves(tte)
            summary(tte)

        timed(f"time_to_file + km_curves + summary ({name})", survival)


if __name__ == "__main__":
    main()
