"""A real Streamlit server and a real Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import require_chromium

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(db: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SOTERIA_DB": str(db), **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(
        f"Streamlit did not become healthy: {proc.stdout.read().decode() if proc.stdout else ''}"
    )


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> Iterator[str]:
    # An empty database: the app must build the demo data itself on first start.
    proc, url = start_app(tmp_path_factory.mktemp("browser") / "soteria.duckdb")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def wait_for_app_idle(page, quiet_ms: int = 1500, timeout_ms: int = 60_000) -> None:
    """Wait until the script run has finished: Streamlit shows its running indicator only after a
    delay, so 'no indicator now' is not enough; it must stay away for `quiet_ms`."""
    page.wait_for_function(
        """([quiet]) => {
            const busy = document.querySelector("[data-testid='stStatusWidget']") !== null;
            const now = performance.now();
            if (busy || window.__soteriaQuietSince === undefined) window.__soteriaQuietSince = now;
            if (busy) return false;
            return now - window.__soteriaQuietSince >= quiet;
        }""",
        arg=[quiet_ms],
        polling=100,
        timeout=timeout_ms,
    )
