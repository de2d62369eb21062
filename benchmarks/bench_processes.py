"""Many leaders at once: page-run latency and throughput for one process and for two behind HAProxy.

For each number of processes (1, 2), starts `python -m soteria serve --processes P` on a copy of a demo
database (every request goes through HAProxy either way), warms every process's caches, then for each
number of sessions (20, 40, 80) opens that many websocket sessions at once (what browser tabs open
when a link is shared) and has each run the page twice, all at the same moment. Prints, in one run:
p50 and p95 of the page-run time (request to the run's end), errors, throughput (runs per second of
wall time) and the servers' CPU per run (all dashboard processes, from /proc), and the throughput
ratio of two processes to one at each load. Targets (issue "Forty leaders at once"): one process, 40
sessions: p95 under 3 s; 80 sessions: no error; two processes: throughput at least 1.6 times one's.

The clients run in this process on the same two cores, so the servers get less than the whole machine.

Run: .venv/bin/python benchmarks/bench_processes.py [--sessions 20,40,80] [--processes 1,2]
     [--page overview|mix|PAGE] [--cases 150000] [--db DEMO.duckdb]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.page_cpu import PAGES, cpu_seconds  # noqa: E402
from tests.live_sessions import Session, _free_port  # noqa: E402

# "mix": sessions spread over the pages a published finding sends leaders to.
MIX = ("overview", "areas", "referrals", "report_to_file")


def dashboard_pids(serve_pid: int) -> list[int]:
    """The Streamlit processes `serve` started (its children other than HAProxy)."""
    children = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    return [int(c) for c in children if b"streamlit" in Path(f"/proc/{c}/cmdline").read_bytes()]


def start(db: Path, processes: int, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "soteria", "--db", str(db), "serve", "--processes", str(processes),
         "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200 and len(dashboard_pids(proc.pid)) == processes:
                    return proc
        except OSError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("serve did not start")


def burst(url: str, sessions: int, page: str, runs: int = 2) -> tuple[list[float], list[str], float]:
    """`sessions` sessions at once, each running the page `runs` times: times, errors, wall seconds."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(sessions + 1)

    def visit(i: int) -> None:
        try:
            s = Session(url)
        except Exception as exc:  # noqa: BLE001 - every failure counts
            with lock:
                errors.append(f"connect: {exc}")
            barrier.wait(timeout=300)
            return
        barrier.wait(timeout=300)
        try:
            for _ in range(runs):
                name = MIX[i % len(MIX)] if page == "mix" else page
                r = s.run(page_name=PAGES[name], timeout=300)
                with lock:
                    times.append(r.seconds)
                    errors.extend(r.exceptions)
        except Exception as exc:  # noqa: BLE001
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            s.close()

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    barrier.wait(timeout=300)
    began = time.monotonic()
    for t in threads:
        t.join()
    return times, errors, time.monotonic() - began


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the dashboard processes now (a leak shows as growth from burst to burst)."""
    total = 0
    for pid in pids:
        line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS"))
        total += int(line.split()[1])
    return total / 1024


def warm(url: str, sessions: int) -> None:
    """Every page of the mix, twice, from sessions spread over the processes: every cache warm."""

    def visit() -> None:
        s = Session(url)
        for name in MIX * 2:
            s.run(page_name=PAGES[name], timeout=300)
        s.close()

    threads = [threading.Thread(target=visit) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else (values or [0.0])[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="20,40,80")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--page", default="overview", choices=[*PAGES, "mix"])
    parser.add_argument("--cases", type=int, default=150_000)
    parser.add_argument("--db", type=Path, help="a demo database to copy (else one is built)")
    args = parser.parse_args()
    loads = [int(n) for n in args.sessions.split(",")]
    results: dict[tuple[int, int], dict[str, float]] = {}  # (processes, burst number): figures
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.duckdb"
        if args.db:
            shutil.copyfile(args.db, source)
        else:
            from soteria.demo.build import build_demo
            from soteria.store import Store

            store = Store(source)
            build_demo(store, cases=args.cases)
            store.close()
        for processes in [int(n) for n in args.processes.split(",")]:
            db = Path(tmp) / f"p{processes}" / "soteria.duckdb"
            db.parent.mkdir()
            shutil.copyfile(source, db)
            port = _free_port()
            serve = start(db, processes, port)
            url = f"http://127.0.0.1:{port}"
            try:
                pids = dashboard_pids(serve.pid)
                warm(url, 4 * processes)
                for k, sessions in enumerate(loads):
                    before = sum(cpu_seconds(p) for p in pids)
                    times, errors, wall = burst(url, sessions, args.page)
                    cpu = sum(cpu_seconds(p) for p in pids) - before
                    results[(processes, k)] = {
                        "sessions": sessions,
                        "p50": statistics.median(times) if times else 0.0,
                        "p95": p95(times),
                        "errors": len(errors),
                        "runs": len(times),
                        "throughput": len(times) / wall if wall else 0.0,
                        "cpu_ms": cpu / max(len(times), 1) * 1000,
                        "rss": rss_mb(pids),
                    }
                    if errors:
                        print(f"  {processes} process(es), {sessions} sessions, first error: {errors[0]}")
            finally:
                serve.terminate()
                serve.wait(timeout=60)
    print(f"{args.page}: sessions opened at once, two runs each, through HAProxy")
    print(f"{'processes':>9} {'sessions':>8} {'runs':>5} {'p50 s':>6} {'p95 s':>6} {'errors':>6} "
          f"{'runs/s':>7} {'CPU/run':>8} {'RSS after':>10}")  # fmt: skip
    for (processes, _), r in sorted(results.items()):
        sessions = int(r["sessions"])
        print(
            f"{processes:>9} {sessions:>8} {r['runs']:>5.0f} {r['p50']:>6.2f} {r['p95']:>6.2f} "
            f"{r['errors']:>6.0f} {r['throughput']:>7.1f} {r['cpu_ms']:>6.0f} ms {r['rss']:>7.0f} MB"
        )
    ok = all(r["errors"] == 0 for r in results.values())
    ok &= all(r["p95"] < 3.0 for (p, _), r in results.items() if p == 1 and r["sessions"] == 40)
    for k, sessions in enumerate(loads):
        one, two = results.get((1, k)), results.get((2, k))
        if one and two and one["throughput"]:
            ratio = two["throughput"] / one["throughput"]
            print(f"throughput, two processes / one, {sessions} sessions: {ratio:.2f} (target 1.6)")
    print("targets met" if ok else "TARGETS MISSED (errors, or p95 at 40 sessions on one process)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
