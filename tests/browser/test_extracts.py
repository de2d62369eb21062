"""In a real browser, on a database for real data: upload a case extract, preview, commit, see it on the
Extracts page, undo it after confirming."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from soteria.config import SAMPLES_DIR
from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
from soteria.store import Store
from tests.browser.conftest import start_app
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
LOAD = 60_000  # ms


@pytest.fixture
def real_app(tmp_path):
    db = tmp_path / "real.duckdb"
    store = Store(db)
    store.replace_reference(read_areas(), read_force_cps_area())
    store.replace_pilot_register(read_pilot_register(), changed_by="test")
    store.close()
    proc, url = start_app(db)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_upload_preview_commit_then_undo(browser, real_app):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{real_app}/upload")
    expect(page.get_by_role("heading", name="Upload an extract")).to_be_visible(timeout=LOAD)
    page.locator("input[type='file']").set_input_files(str(SAMPLES_DIR / "cases_sample.csv"))
    expect(page.get_by_role("heading", name="Preview")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("6 rows read")).to_be_visible()
    page.get_by_role("button", name="Commit this extract").click()
    expect(page.get_by_text("Committed cases_sample.csv as extract 1")).to_be_visible(timeout=LOAD)

    page.get_by_role("link", name="Extracts", exact=True).click()
    expect(page.get_by_role("heading", name="Extract 1: cases_sample.csv")).to_be_visible(timeout=LOAD)
    expect(page.get_by_role("button", name="Download the file as loaded")).to_be_visible()
    # No address in the page serves the raw extract to a request without the session's cookie
    raw = (SAMPLES_DIR / "cases_sample.csv").read_bytes()
    links = page.eval_on_selector_all(
        "[href*='/media/'], [src*='/media/']", "els => els.map(e => e.href || e.src)"
    )
    stranger = browser.new_context()
    for link in links:
        assert raw not in stranger.request.get(link).body()
    stranger.close()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the file as loaded").click()
    assert open(download.value.path(), "rb").read() == raw  # the admin (local mode) gets it on demand
    undo = page.get_by_role("button", name="Undo extract 1")
    expect(undo).to_be_disabled()
    page.get_by_text("Yes, undo extract 1").click()
    expect(undo).to_be_enabled()
    undo.click()
    expect(page.get_by_text("Undone extract 1: 0 values and 6 cases taken out")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("Extract 1 was already undone")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    page.close()
