"""Time loading extracts end to end against DuckDB loading the same CSV, and measure peak memory.

Run: .venv/bin/python benchmarks/bench_ingest.py [--cases 1000000] [--repeat 3]

- Case timelines: a seeded 1,000,000-row case CSV (about 46 MB). Ours = `ingest_file` (read, check every
  row, diff against the store, keep the original file, commit in one transaction) into a fresh database
  holding the reference tables. Baseline = DuckDB alone: `CREATE TABLE cases AS SELECT * FROM
  read_csv(...)` into a fresh database file (the same kind of target; an in-memory table is shown too).
  Budget: ours at most 2 x the baseline (medians of the runs, measured in the same run of this script),
  peak memory (max RSS of the process doing the load) under 1.5 GB.
- Metrics: the largest valid area-month file there can be (every area x metric x month from 2015-01 to
  last month: about 50,000 rows; 100,000 distinct monthly keys do not exist), a 100,000-row MoJ CJS
  Delivery Data Dashboard CSV (most rows skipped, as in a real release) and a 100,000-row metrics file
  with duplicated keys (timed to its verdict: invalid, nothing written). Budget: each under 2 s.
- Hostile: one area-month-metric key repeated on 1,000,000 rows (31 MB), timed to its verdict.
  Budget: under 5 s and 1 GB peak.

Each measurement runs in its own process, so that peak memory and caches are its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AS_OF = date(2024, 9, 30)
CASE_RATIO_BUDGET = 2.0
MEMORY_BUDGET_MB = 1536
METRICS_BUDGET_S = 2.0
HOSTILE_BUDGET_S, HOSTILE_BUDGET_MB = 5.0, 1024  # one key on a million rows: verdict in bounded work


# -- generated files -------------------------------------------------------------------------


def make_cases(path: Path, n: int, seed: int = 1) -> None:
    import numpy as np
    import polars as pl

    from soteria.reference import read_areas

    rng = np.random.default_rng(seed)
    forces = read_areas().filter(pl.col("area_kind") == "force")["area_code"].to_numpy()
    reported = np.datetime64("2019-01-01") + rng.integers(0, 1900, n).astype("timedelta64[D]")
    filed = reported + rng.integers(1, 400, n).astype("timedelta64[D]")
    closed = filed + rng.integers(1, 300, n).astype("timedelta64[D]")
    as_of = np.datetime64(AS_OF.isoformat())
    has_file = (rng.random(n) < 0.6) & (filed <= as_of)
    has_close = (rng.random(n) < 0.5) & (closed <= as_of) & has_file
    reasons = np.array(["police_nfa", "victim_withdrawal", "charged", "cps_no_charge", "other"])
    frame = pl.DataFrame(
        {
            "case_ref": pl.int_range(0, n, eager=True).cast(pl.String).str.zfill(8).str.pad_start(8),
            "force_code": forces[rng.integers(0, len(forces), n)],
            "reported_on": reported,
            "file_submitted_on": pl.Series(filed).set(pl.Series(~has_file), None),
            "closed_on": pl.Series(closed).set(pl.Series(~has_close), None),
            "closure_reason": pl.Series(reasons[rng.integers(0, 5, n)]).set(pl.Series(~has_close), None),
        }
    ).with_columns(
        ("C-" + pl.col("case_ref")).alias("case_ref"),
        pl.col("reported_on", "file_submitted_on", "closed_on").cast(pl.Date),
    )
    frame.write_csv(path)


def make_metrics_grid(path: Path) -> int:
    import polars as pl

    from soteria.domain import METRICS
    from soteria.reference import read_areas

    months = pl.date_range(date(2015, 1, 1), date(AS_OF.year, AS_OF.month, 1), "1mo", eager=True)
    grid = (
        read_areas()
        .select("area_code")
        .join(pl.DataFrame({"month": months}), how="cross")
        .join(pl.DataFrame({"metric": list(METRICS)}), how="cross")
    )
    grid = grid.with_columns(
        pl.col("month").dt.strftime("%Y-%m"), (pl.int_range(pl.len()) % 97).alias("value")
    )
    grid.write_csv(path)
    return grid.height


def make_metrics_duplicates(path: Path, n: int = 100_000) -> None:
    import polars as pl

    grid = pl.read_csv(path.with_name("metrics_grid.csv"), infer_schema=False)
    pl.concat([grid, grid, grid]).head(n).write_csv(path)


def make_repeated_key(path: Path, n: int = 1_000_000) -> None:
    """A hostile metrics file: one (area, month, metric) on every row (31 MB)."""
    path.write_bytes(b"area_code,month,metric,value\n" + b"E23000014,2024-07,referrals,41\n" * n)


def make_cjs(path: Path, n: int = 100_000) -> None:
    import polars as pl

    from soteria.ingest.cjs import CJS_METRICS
    from soteria.reference import read_areas

    areas = read_areas()
    levels = pl.concat(
        [
            areas.filter(pl.col("area_kind") == "cps_area").select(
                pl.lit("CPS area").alias("geographic_granularity"),
                pl.col("area_name").alias("geographic_area_name"),
            ),
            areas.filter(pl.col("area_kind") == "force", pl.col("area_code") != "BTP").select(
                pl.lit("Police force area").alias("geographic_granularity"),
                pl.col("area_name").alias("geographic_area_name"),
            ),
            pl.DataFrame(
                {"geographic_granularity": ["National"], "geographic_area_name": ["England and Wales"]}
            ),
            pl.DataFrame(
                {
                    "geographic_granularity": ["LCJB area"] * 40,
                    "geographic_area_name": [f"LCJB {i}" for i in range(40)],
                }
            ),
        ]
    )
    metrics = [*CJS_METRICS, *(f"Published measure number {i}" for i in range(1, 9))]
    quarters = [f"{y} Q{q}" for y in range(2015, 2024) for q in range(1, 5)] + ["2024 Q1", "2024 Q2"]
    frame = (
        levels.join(pl.DataFrame({"metric_name": metrics}), how="cross")
        .join(pl.DataFrame({"time_period": quarters}), how="cross")
        .join(pl.DataFrame({"offence_type": ["Adult rape", "All offences"]}), how="cross")
        .head(n)
        .with_columns(
            pl.lit("Police referral to prosecution by the Crown Prosecution Service (CPS)").alias("stage"),
            pl.lit("Improving outcomes").alias("priority_area"),
            pl.lit("quarter").alias("date_granularity"),
            (pl.int_range(pl.len()) % 211).cast(pl.String).alias("value"),
            pl.lit(None, pl.String).alias("reason_for_missing_data"),
        )
    )
    columns = [
        "offence_type",
        "stage",
        "priority_area",
        "metric_name",
        "geographic_granularity",
        "geographic_area_name",
        "date_granularity",
        "time_period",
        "value",
        "reason_for_missing_data",
    ]
    frame.select(columns).write_csv(path)


# -- measured children -----------------------------------------------------------------------


def child(what: str, csv: Path, db: Path) -> dict[str, float | str]:
    if what in ("duckdb-file", "duckdb-memory"):
        import duckdb

        started, cpu = time.perf_counter(), time.process_time()
        con = duckdb.connect(str(db) if what == "duckdb-file" else ":memory:")
        con.execute("CREATE TABLE cases AS SELECT * FROM read_csv(?)", [str(csv)])
        con.close()
        seconds = time.perf_counter() - started
        status = "loaded"
    else:
        from soteria.ingest.load import ingest_file
        from soteria.reference import read_areas, read_force_cps_area
        from soteria.store import Store

        store = Store(db)
        store.replace_reference(read_areas(), read_force_cps_area())
        started, cpu = time.perf_counter(), time.process_time()
        result = ingest_file(store, csv, "benchmark", as_of=AS_OF)
        store.close()
        seconds = time.perf_counter() - started
        status = result.status
    cpu = time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "status": status}


def measure(what: str, csv: Path, folder: Path, run: int) -> dict:
    db = folder / f"{what}-{csv.stem}-{run}.duckdb"
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(csv), str(db)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("WHAT", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), Path(args.child[2]))))
        return 0
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = folder / "cases.csv"
        make_cases(cases, args.cases)
        print(f"case timelines: {args.cases:,} rows, {cases.stat().st_size / 1_048_576:.1f} MiB")
        runs: dict[str, list[dict]] = {"duckdb-file": [], "duckdb-memory": [], "ours": []}
        for run in range(args.repeat):
            for what in runs:
                runs[what].append(measure(what, cases, folder, run))
        for what, results in runs.items():
            times = ", ".join(f"{r['seconds']:.2f}" for r in results)
            peak = max(r["peak_mb"] for r in results)
            cpu = statistics.median(r["cpu"] for r in results)
            print(
                f"  {what:<14} median {statistics.median(r['seconds'] for r in results):6.2f} s  ({times})  "
                f"CPU {cpu:5.2f} s  peak RSS {peak:,.0f} MB  [{results[0]['status']}]"
            )
        base = statistics.median(r["seconds"] for r in runs["duckdb-file"])
        ours = statistics.median(r["seconds"] for r in runs["ours"])
        peak = max(r["peak_mb"] for r in runs["ours"])
        ratio = ours / base
        ok &= ratio <= CASE_RATIO_BUDGET and peak < MEMORY_BUDGET_MB and runs["ours"][0]["status"] == "loaded"
        memory_base = statistics.median(r["seconds"] for r in runs["duckdb-memory"])
        cpu_ratio = statistics.median(r["cpu"] for r in runs["ours"]) / statistics.median(
            r["cpu"] for r in runs["duckdb-file"]
        )
        print(
            f"  ratio ours / DuckDB (file): {ratio:.2f} (budget {CASE_RATIO_BUDGET:.1f}); "
            f"ours / DuckDB (memory): {ours / memory_base:.2f}; "
            f"CPU time ours / DuckDB (file): {cpu_ratio:.2f}; "
            f"peak {peak:,.0f} MB (budget {MEMORY_BUDGET_MB:,} MB)"
        )

        grid = folder / "metrics_grid.csv"
        n_grid = make_metrics_grid(grid)
        duplicates = folder / "metrics_duplicates.csv"
        make_metrics_duplicates(duplicates)
        cjs = folder / "cjs.csv"
        make_cjs(cjs)
        for label, path in (
            (f"metrics, every key ({n_grid:,} rows)", grid),
            ("MoJ CJS CSV (100,000 rows)", cjs),
            ("metrics with duplicates (100,000 rows)", duplicates),
        ):
            results = [measure("ours", path, folder, run) for run in range(args.repeat)]
            median = statistics.median(r["seconds"] for r in results)
            ok &= median < METRICS_BUDGET_S
            print(
                f"  {label:<40} median {median:5.2f} s  [{results[0]['status']}]  "
                f"peak RSS {max(r['peak_mb'] for r in results):,.0f} MB (budget {METRICS_BUDGET_S:.0f} s)"
            )
        hostile = folder / "repeated_key.csv"
        make_repeated_key(hostile)
        results = [measure("ours", hostile, folder, run) for run in range(args.repeat)]
        median = statistics.median(r["seconds"] for r in results)
        peak = max(r["peak_mb"] for r in results)
        ok &= median < HOSTILE_BUDGET_S and peak < HOSTILE_BUDGET_MB and results[0]["status"] == "invalid"
        print(
            f"  {'one key on 1,000,000 rows (hostile)':<40} median {median:5.2f} s  "
            f"[{results[0]['status']}]  "
            f"peak RSS {peak:,.0f} MB (budget {HOSTILE_BUDGET_S:.0f} s, {HOSTILE_BUDGET_MB:,} MB)"
        )
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
