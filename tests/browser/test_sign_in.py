"""Sign-in for real: a local OpenID Connect provider (oidc-provider-mock), the app started with an [auth]
secrets section pointing at it (Streamlit's st.login), and Chromium signing in as a viewer and as an
evaluator. The viewer cannot reach upload, undo or register changes by navigation or URL, the command line
refuses the viewer's identity, and sign-out works."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from soteria.demo.build import build_demo
from soteria.store import Store
from tests.browser.conftest import ROOT, free_port
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
LOAD = 60_000
VIEWER, EVALUATOR = "vi@example.org", "ev@example.org"
CHANGE_PAGES = {"upload": "Upload an extract", "extracts": "Extracts", "pilot_register": "Pilot register"}


@pytest.fixture(scope="module")
def signed_app(tmp_path_factory):
    # Both are pinned in requirements-dev.txt: a missing one is a broken set-up, so it fails, never skips.
    import authlib  # noqa: F401 - Streamlit's st.login needs it
    import oidc_provider_mock as oidc

    folder = tmp_path_factory.mktemp("sso")
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
"{VIEWER}" = "viewer"
"{EVALUATOR}" = "evaluator"
"""
        )
        env = {**os.environ, "SOTERIA_DB": str(db)}
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
                "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets),
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            yield app, db
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def sign_in(page, app: str, email: str) -> None:
    page.goto(app)
    expect(page.get_by_role("heading", name="Operation Soteria evaluation")).to_be_visible(timeout=LOAD)
    # Signed out: the sign-in page and nothing else (no navigation, no data).
    expect(page.get_by_role("link", name="Referral volumes")).to_have_count(0)
    expect(page.get_by_text("Is Operation Soteria working?")).to_have_count(0)
    page.get_by_role("button", name="Sign in").click()
    # The provider's own page: authorise as this subject (its email claim is the subject).
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Is Operation Soteria working?")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible(timeout=LOAD)


def test_viewer_cannot_reach_change_pages_and_sign_out_works(browser, signed_app) -> None:
    app, _ = signed_app
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, app, VIEWER)
        expect(page.get_by_text("(viewer)")).to_be_visible()
        expect(page.get_by_role("link", name="Referral volumes")).to_be_visible()
        for title in CHANGE_PAGES.values():
            expect(page.get_by_role("link", name=title, exact=True)).to_have_count(0)
        for path, title in CHANGE_PAGES.items():
            page.goto(f"{app}/{path}")  # straight to the URL
            expect(page.get_by_role("heading", name="Is Operation Soteria working?")).to_be_visible(
                timeout=LOAD
            )
            expect(page.get_by_role("heading", name=title, exact=True)).to_have_count(0)
            expect(page.locator("input[type='file']")).to_have_count(0)
        page.goto(app)  # (a "page not found" notice from the last URL would cover the sidebar)
        expect(page.get_by_role("heading", name="Is Operation Soteria working?")).to_be_visible(timeout=LOAD)
        page.get_by_role("button", name="Sign out").click()
        # Streamlit ends the session at the provider too (RP-initiated logout): confirm there.
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=LOAD)
        page.goto(app)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=LOAD)
        expect(page.get_by_text("Is Operation Soteria working?")).to_have_count(0)
    finally:
        context.close()


def test_evaluator_reaches_the_change_pages(browser, signed_app) -> None:
    app, _ = signed_app
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, app, EVALUATOR)
        expect(page.get_by_text("(evaluator)")).to_be_visible()
        page.get_by_role("link", name="Upload an extract").click()
        expect(page.get_by_role("heading", name="Upload an extract")).to_be_visible(timeout=LOAD)
        expect(page.locator("input[type='file']")).to_have_count(1)
        page.goto(f"{app}/pilot_register")
        expect(page.get_by_role("heading", name="Pilot register")).to_be_visible(timeout=LOAD)
        expect(page.get_by_role("button", name="Save changes")).to_be_visible()
        expect(page.locator("[data-testid='stException']")).to_have_count(0)
    finally:
        context.close()


def test_the_command_line_refuses_the_viewer_identity(signed_app, tmp_path) -> None:
    _, db = signed_app
    copy = tmp_path / "copy.duckdb"  # the running app holds the database itself
    copy.write_bytes(Path(db).read_bytes())
    Store(copy).set_role(VIEWER, "viewer", "test")
    for args in (["ingest", "data/samples/metrics_sample.csv"], ["undo", "1"], ["restore", "x"]):
        result = subprocess.run(
            [sys.executable, "-m", "soteria", "--db", str(copy), *args],
            cwd=ROOT, env={**os.environ, "SOTERIA_USER": VIEWER}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 2, (args, result.stderr)
        assert "does not allow" in result.stderr and "Traceback" not in result.stderr
