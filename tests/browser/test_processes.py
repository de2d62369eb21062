"""Two dashboard processes behind HAProxy (`python -m soteria serve --processes 2`), signed in through
a real OpenID Connect provider: a commit through one process is seen through the other within seconds,
and a signed-in user stays signed in across page changes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from soteria.config import SAMPLES_DIR
from soteria.demo.build import build_demo
from soteria.store import Store
from tests.browser.conftest import CHROMIUM_ARGS, ROOT, free_port  # noqa: F401
from tests.browser.test_sign_in import EVALUATOR, sign_in
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
LOAD = 60_000


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    import oidc_provider_mock as oidc

    folder = tmp_path_factory.mktemp("serve")
    db = folder / "soteria.duckdb"
    store = Store(db)
    build_demo(store, cases=2000)
    store.close()
    with oidc.run_server_in_thread() as provider:
        port = free_port()
        app = f"http://localhost:{port}"
        secrets = folder / "secrets.toml"
        secrets.write_text(
            f"""[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "browser-test-cookie-secret-not-for-production"
client_id = "soteria-dashboard"
client_secret = "browser-test-secret"
server_metadata_url = "http://localhost:{provider.server_port}/.well-known/openid-configuration"

[soteria.roles]
"{EVALUATOR}" = "evaluator"
"""
        )
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "soteria", "--db", str(db), "serve", "--processes", "2",
                "--port", str(port), "--secrets", str(secrets),
            ],
            cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        out = proc.stdout.read().decode() if proc.stdout and proc.poll() is not None else ""
                        raise RuntimeError(f"serve did not start: {out}") from None
                    time.sleep(0.3)
            yield app, port
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def on_process(browser, port: int, server: str):
    """A browser pinned to one process (HAProxy's sticky cookie, as it would have set it)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "SOTERIA_SERVER", "value": server, "domain": "localhost", "path": "/"}])
    return context


def test_a_commit_through_one_process_is_seen_through_the_other(browser, two_processes) -> None:
    app, port = two_processes
    first, second = on_process(browser, port, "s1"), on_process(browser, port, "s2")
    try:
        writer, reader = first.new_page(), second.new_page()
        sign_in(writer, app, EVALUATOR)
        sign_in(reader, app, EVALUATOR)
        expect(reader.get_by_text("the latest extract is")).to_be_visible(timeout=LOAD)
        expect(reader.get_by_text("metrics_sample.csv")).to_have_count(0)
        # Signed in, the reader moves between pages and stays signed in.
        for link in ("Referral volumes", "Extracts", "Overview"):
            reader.get_by_role("link", name=link, exact=True).click()
            expect(reader.get_by_text(f"Signed in as {EVALUATOR}")).to_be_visible(timeout=LOAD)
        writer.get_by_role("link", name="Upload an extract").click()
        writer.locator("input[type='file']").set_input_files(str(SAMPLES_DIR / "metrics_sample.csv"))
        expect(writer.get_by_role("heading", name="Preview")).to_be_visible(timeout=LOAD)
        writer.get_by_role("button", name="Commit this extract").click()
        expect(writer.get_by_text("Committed metrics_sample.csv as extract")).to_be_visible(timeout=LOAD)
        # The other process, on its next run (within seconds), shows the new data version.
        deadline = time.monotonic() + 10
        while True:
            reader.reload()
            expect(reader.get_by_text(f"Signed in as {EVALUATOR}")).to_be_visible(timeout=LOAD)
            if (
                reader.get_by_text("latest: extract", exact=False).count()
                or not reader.get_by_text("no extract has been loaded").count()
            ):
                break
            assert time.monotonic() < deadline, "the second process still shows the old data"
            time.sleep(1)
        expect(reader.locator("[data-testid='stException']")).to_have_count(0)
        # Each page really came from its own process: HAProxy kept the cookies as set.
        cookies = {c["name"]: c["value"] for c in second.cookies() if c["name"] == "SOTERIA_SERVER"}
        assert cookies == {"SOTERIA_SERVER": "s2"}
    finally:
        first.close()
        second.close()
