"""A newly started server opened by forty sessions at once, across every page of the navigation (what a
published link does): no session sees an error. Run in a fresh interpreter (tests/first_use_probe.py),
since this one has long imported everything; before `soteria.ui.warm` 9 of 80 runs failed with
"partially initialized module 'pandas' has no attribute 'Series'"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from soteria.demo.build import build_demo
from soteria.store import Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_forty_sessions_on_a_fresh_server_see_no_error(tmp_path) -> None:
    db = tmp_path / "fresh.duckdb"
    store = Store(db)
    build_demo(store, cases=15_000)
    store.close()
    done = subprocess.run(
        [sys.executable, "-m", "tests.first_use_probe", str(db), "40"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["runs"] == 80 and report["errors"] == [], report["errors"][:5]
