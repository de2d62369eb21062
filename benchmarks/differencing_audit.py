"""The differencing audit on the embedded demo: every pair of selections the attack subtracts, how many
withheld counts it recovers from the published tables (target 0) and from the exact ones, and how far
published totals and the pilot-vs-control index move from the truth.

Run:   .venv/bin/python benchmarks/differencing_audit.py [--db PATH]   (about a minute and a half)
Prints a Markdown table (one row per grain) for the README; exit 1 if anything is recovered or a total
lies beyond its stated bound.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from soteria.analysis.compare import Selection  # noqa: E402
from soteria.outputs import audit  # noqa: E402
from soteria.outputs.data import Analyses, store_analyses  # noqa: E402
from soteria.store import Store  # noqa: E402

METRICS = ("victim_withdrawals", "referrals", "charges")
GRAIN = {"force": "Police force areas", "cps_area": "CPS Areas"}


def run(data: Analyses, grain: str) -> tuple[audit.Figures, float]:
    found, checks = [], []
    started = time.perf_counter()
    for metric in METRICS:
        for frequency in ("month", "quarter"):
            sel = Selection(grain=grain, metric=metric, frequency=frequency)
            for s in (sel, replace(sel, end=date(2022, 12, 31))):
                found += audit.attempts(data, s)
                checks.append(audit.totals_check(data, s))
    found += audit._case_exclusions(data, Selection(grain=grain))
    return audit.figures(found, checks), time.perf_counter() - started


def index_rows(data: Analyses) -> list[str]:
    """The pilot-vs-control index at CPS Area grain, published against exact, per metric and frequency."""
    rows = []
    for metric in METRICS:
        for frequency in ("quarter", "month"):
            check = audit.totals_check(data, Selection(grain="cps_area", metric=metric, frequency=frequency))
            change = check.get_column("index_change").drop_nulls().cast(pl.Float64)
            steps = check.sort("period").group_by("arm").agg(pl.col("exact_index").diff().abs().median())
            natural = float(steps.get_column("exact_index").mean())  # type: ignore[arg-type]
            median, largest = float(change.median() or 0.0), float(change.max() or 0.0)  # type: ignore[arg-type]
            rows.append(f"| {metric} | {frequency} | {median:.2f} | {largest:.2f} | {natural:.1f} |")
    return rows


def report(data: Analyses) -> bool:
    started = time.perf_counter()
    data.published_values("force"), data.published_values("cps_area")
    print(f"perturbing every monthly count, both grains: {time.perf_counter() - started:.2f} s\n")
    rows, failed = [], False
    for grain in GRAIN:
        f, seconds = run(data, grain)
        failed |= f.recovered > 0 or f.beyond_bound > 0
        rows.append(
            f"| {GRAIN[grain]} | {f.attempts:,} | {f.withheld:,} | **{f.recovered}** | "
            f"{f.recovered_from_exact:,} | {f.totals_checked:,} | {f.beyond_bound} | "
            f"{f.largest_total_error:.0f} |"
        )
        print(f"{grain}: {seconds:.1f} s", file=sys.stderr)
    print(
        "| Grain | Differences tried | Withheld counts reached | Recovered | Recovered if unperturbed "
        "| Published totals checked | Beyond the bound | Largest total error |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print("\nThe pilot-vs-control index at CPS Area grain, published against exact (index points):\n")
    print(
        "| Metric | Frequency | Median change | Largest change | Exact index: median step between periods |"
    )
    print("|---|---|---:|---:|---:|")
    print("\n".join(index_rows(data)))
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing database (default: build the 150,000-case demo)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
        db = Path(args.db) if args.db else Path(folder) / "soteria.duckdb"
        if not args.db:
            from soteria.demo.build import build_demo

            writer = Store(db)
            summary = build_demo(writer)
            writer.close()
            print(f"demo database: {summary['cases']:,} cases, built in {summary['seconds']:.1f} s\n")
        store = Store(db, read_only=True)
        try:
            failed = report(store_analyses(store))
        finally:
            store.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
