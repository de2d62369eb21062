"""Page run times through Streamlit's AppTest on a full demo database (150,000 cases).

For every page in the app's navigation (found in pages/, so new pages are included):
  COLD  a fresh AppTest with Streamlit's process-level caches cleared (st.cache_resource and
        st.cache_data), timing `at.run()` after `switch_page`: the page computes everything;
  WARM  the same AppTest run again (`at.run()`) with the caches warm: what a user pays for a rerun.
Each is repeated (default 7) and the medians are printed with their ratio. A one-line page
("import streamlit as st; st.write('x')") is measured the same way in the same run: AppTest's own
overhead is part of every figure, and the one-line page is the floor.

Not in COLD: Python imports (one untimed run of each page comes first and is printed as
"first run"), DuckDB's own buffer cache and the process-wide store connection.

Run:
    .venv/bin/python benchmarks/bench_pages.py [--repeat N] [--cases N] [--query grain=force&frequency=month]
Targets: warm < 200 ms and cold < 2 s for every page; exit 1 if one is missed.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit import config  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from soteria.demo.build import DEFAULT_CASES, build_demo  # noqa: E402
from soteria.store import Store, close_stores  # noqa: E402

WARM_TARGET_MS = 200.0
COLD_TARGET_MS = 2000.0
TIMEOUT_S = 120  # AppTest's default of 3 s is too short for a cold page on 150,000 cases
FLOOR_SCRIPT = "import streamlit as st\nst.write('x')\n"
FLOOR_NAME = "(floor: one-line page)"
# Clearing the caches outside a script run logs a harmless warning each time.
QUIET_LOGGERS = (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.caching.cache_resource_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
)


@dataclass
class Result:
    name: str
    first_ms: float
    cold_ms: list[float]
    warm_ms: list[float]

    @property
    def cold(self) -> float:
        return statistics.median(self.cold_ms)

    @property
    def warm(self) -> float:
        return statistics.median(self.warm_ms)


def navigation_pages() -> tuple[list[str], list[str]]:
    """Pages in pages/ that the navigation lists, and those it does not (reported, not measured)."""
    in_folder = sorted(p.name for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_"))
    listed = (ROOT / "soteria" / "ui" / "navigation.py").read_text()  # the page list, written once
    registered = set(re.findall(r"[\"']pages/([\w.-]+\.py)[\"']", listed))
    return [p for p in in_folder if p in registered], [p for p in in_folder if p not in registered]


def clear_caches() -> None:
    for name in QUIET_LOGGERS:  # AppTest resets the levels on every run
        logging.getLogger(name).setLevel(logging.ERROR)
    st.cache_resource.clear()
    st.cache_data.clear()


def _app(page: str | None, query: dict[str, str]) -> AppTest:
    if page is None:
        at = AppTest.from_string(FLOOR_SCRIPT, default_timeout=TIMEOUT_S)
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    for key, value in query.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(f"pages/{page}")
    return at


def _timed_run(at: AppTest, label: str) -> float:
    started = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - started) * 1000
    if at.exception:
        raise RuntimeError(f"{label}: the page raised: {[e.value for e in at.exception]}")
    # A page that stops early (an error, a refusal) would give a flattering figure: it must not count.
    if label != FLOOR_NAME and (at.error or not at.title):
        shown = [e.value for e in at.error] or ["no title: the page did not run"]
        raise RuntimeError(f"{label}: the page did not run through: {shown}")
    return ms


def measure(pages: list[str | None], repeat: int, query: dict[str, str]) -> list[Result]:
    """First runs in order, then `repeat` rounds over all pages (round-robin, so that load from other
    processes on the machine spreads over every page alike), each a cold run and a warm rerun."""
    results = []
    for page in pages:
        clear_caches()
        label = page or FLOOR_NAME
        # imports and first-time set-up; not in the medians
        results.append(Result(label, _timed_run(_app(page, query if page else {}), label), [], []))
    for _ in range(repeat):
        for page, result in zip(pages, results, strict=True):
            at = _app(page, query if page else {})
            clear_caches()
            result.cold_ms.append(_timed_run(at, result.name))
            result.warm_ms.append(_timed_run(at, result.name))
    return results


def print_table(results: list[Result], floor: Result) -> list[str]:
    missed: list[str] = []
    head = (
        f"{'page':<26}{'first run':>11}{'cold med':>10}{'warm med':>10}{'cold/warm':>11}"
        f"{'cold-floor':>12}{'warm-floor':>12}{'cold min-max':>16}{'warm min-max':>15}  target"
    )
    print(head)
    print("-" * len(head))
    for r in [*results, floor]:
        ok = []
        if r is not floor:
            if r.cold >= COLD_TARGET_MS:
                ok.append(f"COLD {r.cold:.0f} ms >= {COLD_TARGET_MS:.0f}")
            if r.warm >= WARM_TARGET_MS:
                ok.append(f"WARM {r.warm:.0f} ms >= {WARM_TARGET_MS:.0f}")
            missed.extend(f"{r.name}: {m}" for m in ok)
        verdict = "-" if r is floor else ("MISSED" if ok else "ok")
        print(
            f"{r.name:<26}{r.first_ms:>9.0f}ms{r.cold:>8.0f}ms{r.warm:>8.0f}ms{r.cold / r.warm:>10.1f}x"
            f"{r.cold - floor.cold:>10.0f}ms{r.warm - floor.warm:>10.0f}ms"
            f"{min(r.cold_ms):>8.0f}-{max(r.cold_ms):<6.0f}{min(r.warm_ms):>7.0f}-{max(r.warm_ms):<6.0f}"
            f"  {verdict}"
        )
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--query", default="", help="URL query string for every page, e.g. grain=force")
    parser.add_argument("--db", help="use this existing database instead of building a demo one")
    args = parser.parse_args()
    # AppTest has no server, hence no address; local single-user mode runs only on 127.0.0.1 (as
    # scripts/run.sh starts it), and refuses otherwise.
    config.set_option("server.address", "127.0.0.1")
    query = dict(urllib.parse.parse_qsl(args.query))
    pages, unregistered = navigation_pages()
    if unregistered:
        print(f"note: not in app.py's navigation, not measured: {', '.join(unregistered)}")

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        db = Path(args.db) if args.db else Path(folder) / "soteria.duckdb"
        if not args.db:
            started = time.perf_counter()
            store = Store(db)
            build_demo(store, cases=args.cases)
            store.close()
            print(f"demo database: {args.cases:,} cases, built in {time.perf_counter() - started:.1f} s")
        os.environ["SOTERIA_DB"] = str(db)
        print(f"pages: {', '.join(pages)}; {args.repeat} repeats; query: {args.query or '(defaults)'}\n")
        *results, floor = measure([*pages, None], args.repeat, query)
        missed = print_table(results, floor)
        close_stores()
    print(
        f"\ntargets: cold < {COLD_TARGET_MS:.0f} ms, warm < {WARM_TARGET_MS:.0f} ms (AppTest overhead "
        "included; the floor row is a one-line page measured the same way)"
    )
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
