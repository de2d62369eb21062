"""Server CPU per warm page run: where a page run's time goes on the server.

Starts the dashboard as its own process (`streamlit run`, headless, on 127.0.0.1) on a demo database,
opens one websocket session (what a browser tab opens), runs each page until its caches are warm, then
runs it RUNS more times and reads the server process's CPU time (user + system, /proc) before and after:
CPU per run is what every concurrent session pays, whatever the network. Target: the Overview at most
40 ms, every page at most 100 ms (issue "Forty leaders at once").

With --profile PAGE the same warm runs are profiled inside one process instead (cProfile on the script
thread) and the top functions by cumulative time are printed.

Run: .venv/bin/python benchmarks/page_cpu.py [--runs 20] [--cases 150000] [--pages overview,areas]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = {
    "overview": "",
    "areas": "areas",
    "area": "area",
    "referrals": "referrals",
    "report_to_file": "report_to_file",
    "evaluation": "evaluation",
    "report": "report",
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SOTERIA_DB": str(db)}
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the dashboard did not start")


def measure(url: str, pid: int, pages: list[str], runs: int) -> dict[str, tuple[float, float]]:
    from tests.live_sessions import Session

    session = Session(url)
    out = {}
    for page in pages:
        for _ in range(3):  # cold, then warm caches
            first = session.run(page_name=PAGES[page])
            assert not first.exceptions, first.exceptions
        walls = []
        time.sleep(0.2)
        before = cpu_seconds(pid)
        for _ in range(runs):
            walls.append(session.run(page_name=PAGES[page]).seconds)
        time.sleep(0.2)  # let the server finish sending before reading its CPU
        # The mean over the runs: /proc counts CPU in 10 ms ticks, too coarse for one run. The idle
        # server's own CPU over the pauses is in it, so the figure errs high.
        out[page] = ((cpu_seconds(pid) - before) / runs * 1000, statistics.median(walls) * 1000)
    session.close()
    return out


def profile(db: Path, page: str, runs: int) -> None:
    import cProfile
    import pstats
    import threading

    from tests.live_sessions import Session, served_app

    profiler = cProfile.Profile()
    with served_app(db) as url:
        session = Session(url)
        for _ in range(3):
            session.run(page_name=PAGES[page])
        threading.setprofile(lambda *_: None)
        import streamlit.runtime.scriptrunner.script_runner as sr

        original = sr.ScriptRunner._run_script

        def profiled(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            profiler.enable()
            try:
                return original(self, *args, **kwargs)
            finally:
                profiler.disable()

        sr.ScriptRunner._run_script = profiled  # type: ignore[method-assign]
        for _ in range(runs):
            session.run(page_name=PAGES[page])
        sr.ScriptRunner._run_script = original  # type: ignore[method-assign]
        session.close()
    stats = pstats.Stats(profiler)
    print(f"{page}: {runs} warm runs, script thread only")
    stats.sort_stats("cumulative").print_stats(35)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cases", type=int, default=150_000)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--profile", metavar="PAGE")
    parser.add_argument("--db", type=Path, help="an existing demo database (else one is built)")
    args = parser.parse_args()
    from soteria.demo.build import build_demo
    from soteria.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.duckdb"
        if not db.exists():
            store = Store(db)
            build_demo(store, cases=args.cases)
            store.close()
        if args.profile:
            profile(db, args.profile, args.runs)
            return 0
        from tests.live_sessions import _free_port

        port = _free_port()
        proc = start_server(db, port)
        try:
            results = measure(f"http://127.0.0.1:{port}", proc.pid, args.pages.split(","), args.runs)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(
        f"Warm page runs, one session, {args.runs} runs each (server CPU: mean; wall time: median), "
        f"{args.cases:,} cases"
    )
    ok = True
    for page, (cpu, wall) in results.items():
        budget = 40 if page == "overview" else 100
        ok &= cpu <= budget
        print(f"  {page:<16} CPU {cpu:6.0f} ms   wall {wall:6.0f} ms   (budget {budget} ms CPU)")
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
