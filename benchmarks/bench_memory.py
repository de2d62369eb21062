"""Peak memory of the real app while a real browser opens every page with different sidebar choices.

Builds a full demo database (150,000 cases) in a temporary folder, starts
`python -m streamlit run app.py` on a free port, waits for /_stcore/health, then drives Debian's
Chromium (Playwright) through every page in app.py's navigation, several cycles, each page with
several selections in its URL (`?grain=force&frequency=month`, ...), waiting each time until the run
has finished and every chart has drawn (`[data-testid='stPlotlyChart'] svg.main-svg`). In the first
cycle it also downloads each chart as PNG and SVG once, which starts the server's Kaleido Chromium
(a child of the app process; `--no-export` skips this).

A sampler polls /proc for the app process and all its descendants every 100 ms. Figures printed:
  app VmHWM       the kernel's peak resident set of the Streamlit process itself (exact);
  tree VmHWM      the sum of each process's own VmHWM over the app and every child it started (the
                  peaks need not coincide and shared pages count in each process: an upper bound);
  tree RSS peak   the largest sampled sum of VmRSS over the process and its children (counts pages
                  shared between processes more than once: an upper bound);
  tree PSS peak   the largest sampled sum of proportional set sizes (shared pages split fairly).
Target: tree VmHWM (app with children) under 1 GB; exit 1 if missed.

Run:
    .venv/bin/python benchmarks/bench_memory.py [--cycles N] [--cases N] [--empty-db] [--no-export]
`--empty-db` lets the app build the demo database itself on first start (as a fresh install does).
`--snapshot` runs the app from a copy of app.py, pages/, soteria/, .streamlit/config.toml and
data/reference/ taken at the start, so that edits made to the tree during the run (a shared working
tree) cannot mix old and new modules in the server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MB = 1024.0
LOAD_MS = 120_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# Sidebar choices, as the URL carries them (compare.Selection.to_query_params).
SELECTIONS: list[dict[str, str]] = [
    {},
    {"grain": "force", "frequency": "month"},
    {
        "grain": "force",
        "frequency": "quarter",
        "pilot_waves": "2021 pathfinder|October 2022",
        "metric": "charges",
    },
    {
        "grain": "cps_area",
        "frequency": "month",
        "excluded_controls": "CPS-SE|CPS-WX",
        "start": "2019-01-01",
        "end": "2024-06-30",
    },
]


# -- /proc sampling ------------------------------------------------------------------------------


def _status_kb(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """pid and every process below it (through /proc/<pid>/task/<tid>/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                try:
                    with open(f"/proc/{p}/task/{task}/children") as f:
                        todo.extend(int(c) for c in f.read().split())
                except (FileNotFoundError, ProcessLookupError):
                    continue
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


@dataclass
class Sampler:
    pid: int
    interval: float = 0.1
    app_hwm_kb: int = 0
    tree_rss_kb: int = 0
    tree_pss_kb: int = 0
    hwm_kb: dict[int, int] = field(default_factory=dict)  # peak VmHWM seen for each process
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> tuple[int, int]:
        pids = descendants(self.pid)
        for p in pids:
            self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), _status_kb(p, "VmHWM"))
        rss = sum(_status_kb(p, "VmRSS") for p in pids)
        pss = sum(_pss_kb(p) for p in pids)
        self.app_hwm_kb = self.hwm_kb[self.pid]
        self.tree_rss_kb = max(self.tree_rss_kb, rss)
        self.tree_pss_kb = max(self.tree_pss_kb, pss)
        return rss, pss

    @property
    def tree_hwm_kb(self) -> int:
        """Sum of each process's own peak: the brief's "VmHWM, children included" (an upper bound)."""
        return sum(self.hwm_kb.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.sample()


# -- the app and the browser -------------------------------------------------------------------


def navigation() -> list[tuple[str, str]]:
    """(page file, URL path) for every page the navigation lists (soteria/ui/navigation.py); '' for the
    default (the first)."""
    sys.path.insert(0, str(ROOT))
    from soteria.ui.navigation import PAGES

    listed = [path.removeprefix("pages/") for path, _, _ in PAGES]
    for path in sorted((ROOT / "pages").glob("*.py")):
        if path.name not in listed:
            print(f"note: pages/{path.name} is not in the navigation; not opened")
    return [(name, "" if i == 0 else name.removesuffix(".py")) for i, name in enumerate(listed)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot(to: Path) -> Path:
    """A copy of what the app runs from; returns its root."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("pages", "soteria", "data/reference"):
        shutil.copytree(ROOT / folder, to / folder, ignore=skip)
    shutil.copy2(ROOT / "app.py", to / "app.py")
    if (ROOT / ".streamlit" / "config.toml").exists():
        (to / ".streamlit").mkdir()
        shutil.copy2(ROOT / ".streamlit" / "config.toml", to / ".streamlit" / "config.toml")
    return to


def start_app(db: Path, log: Path, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=root, env={**os.environ, "SOTERIA_DB": str(db)}, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"Streamlit did not become healthy:\n{log.read_text()[-3000:]}")


def open_page(page, url: str) -> float:  # noqa: ANN001 - playwright Page
    """Load a URL and wait until the run has finished and every chart has drawn; seconds taken."""
    from playwright.sync_api import expect

    started = time.perf_counter()
    try:
        page.goto(url)
        expect(page.locator("h1").first).to_be_visible(timeout=LOAD_MS)
        # The app root says when the script run has finished. (Not the status widget: it also shows
        # "File change" while other people edit the source tree, and then never goes away.)
        finished = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
        expect(finished).to_have_count(1, timeout=LOAD_MS)
        charts = page.locator("[data-testid='stPlotlyChart']")
        for i in range(charts.count()):
            expect(charts.nth(i).locator("svg.main-svg").first).to_be_visible(timeout=LOAD_MS)
    except AssertionError as exc:
        raise RuntimeError(f"{url}: the page did not finish: {exc}") from exc
    exceptions = page.locator("[data-testid='stException']").count()
    if exceptions:
        raise RuntimeError(f"{url}: the page shows {exceptions} exception(s)")
    return time.perf_counter() - started


def download_charts(page) -> int:  # noqa: ANN001 - playwright Page
    """Download every chart on the page as PNG and SVG (Kaleido renders them in the server)."""
    n = 0
    for fmt in ("PNG", "SVG"):
        buttons = page.get_by_role("button", name=f"Download chart ({fmt})")
        for i in range(buttons.count()):
            with page.expect_download(timeout=LOAD_MS) as info:
                buttons.nth(i).click()
            if info.value.failure():
                raise RuntimeError(f"download failed: {info.value.failure()}")
            n += 1
    return n


def mb(kb: int) -> float:
    return kb / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--cases", type=int, default=None, help="demo cases (default: the demo's 150,000)")
    parser.add_argument("--empty-db", action="store_true", help="let the app build the demo database")
    parser.add_argument("--no-export", action="store_true", help="skip the PNG/SVG chart downloads")
    parser.add_argument("--snapshot", action="store_true", help="run the app from a copy of the tree")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not on PATH (apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    from soteria.demo.build import DEFAULT_CASES, build_demo
    from soteria.store import Store

    pages = navigation()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        db = Path(folder) / "soteria.duckdb"
        if not args.empty_db:
            store = Store(db)
            build_demo(store, cases=args.cases or DEFAULT_CASES)
            store.close()
        root = snapshot(Path(folder) / "app") if args.snapshot else ROOT
        proc, url = start_app(db, Path(folder) / "streamlit.log", root)
        sampler = Sampler(proc.pid).start()
        idle_rss, _ = sampler.sample()
        print(
            f"app pid {proc.pid} at {url}; database {'built by the app' if args.empty_db else 'prebuilt'}; "
            f"pages: {', '.join(p for p, _ in pages)}; {len(SELECTIONS)} selections x {args.cycles} cycles"
        )
        print(f"after start (idle): tree RSS {mb(idle_rss):.0f} MB")
        loads: dict[str, list[float]] = {}
        downloads = 0
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
                page = context.new_page()
                for cycle in range(1, args.cycles + 1):
                    for name, path in pages:
                        for sel in SELECTIONS:
                            query = f"?{urllib.parse.urlencode(sel)}" if sel else ""
                            seconds = open_page(page, f"{url}/{path}{query}")
                            loads.setdefault(name, []).append(seconds)
                            if cycle == 1 and not sel and not args.no_export:
                                downloads += download_charts(page)
                    rss, pss = sampler.sample()
                    print(
                        f"after cycle {cycle}: tree RSS now {mb(rss):.0f} MB, PSS now {mb(pss):.0f} MB; "
                        f"app VmHWM so far {mb(sampler.app_hwm_kb):.0f} MB"
                    )
                context.close()
                browser.close()
        except Exception:
            kept = Path(tempfile.gettempdir()) / f"bench-memory-{proc.pid}.log"
            shutil.copy2(Path(folder) / "streamlit.log", kept)
            log = kept.read_text(errors="replace")
            print(
                f"--- the app's log (last 4,000 characters; all of it in {kept}) ---\n{log[-4000:]}",
                file=sys.stderr,
            )
            raise
        finally:
            sampler.stop()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("\nbrowser-observed page load (goto until every chart has drawn), median over all selections:")
    for name, seconds in loads.items():
        print(
            f"  {name:<22} median {statistics.median(seconds):5.2f} s  max {max(seconds):5.2f} s"
            f"  (n={len(seconds)})"
        )
    print(
        f"\nchart downloads rendered by the server: {downloads}; child processes seen: "
        f"{len(sampler.hwm_kb) - 1}"
    )
    print(f"app VmHWM (Streamlit process alone):   {mb(sampler.app_hwm_kb):7.0f} MB")
    print(
        f"tree VmHWM (app + children, summed):   {mb(sampler.tree_hwm_kb):7.0f} MB"
        f"   target < {TARGET_MB:.0f} MB"
    )
    print(f"tree RSS peak (sampled sum):           {mb(sampler.tree_rss_kb):7.0f} MB")
    print(f"tree PSS peak (sampled sum):           {mb(sampler.tree_pss_kb):7.0f} MB")
    peak = sampler.tree_hwm_kb
    if mb(peak) >= TARGET_MB:
        print(f"MISSED: peak {mb(peak):.0f} MB >= {TARGET_MB:.0f} MB")
        return 1
    print("target met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
