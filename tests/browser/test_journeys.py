"""The main journeys in a real browser: browse the findings, upload an extract."""

from playwright.sync_api import expect

from soteria.config import SAMPLES_DIR
from tests.browser.conftest import start_app
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
LOAD = 60_000  # ms: the first page load builds the demo database


def test_browse_overview_then_charts(page, app_url):
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Is Operation Soteria working?")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("Synthetic demonstration data - not official statistics").first).to_be_visible()
    expect(page.get_by_text("Police referrals: pilot effect").first).to_be_visible(timeout=LOAD)

    page.get_by_role("link", name="Referral volumes").click()
    expect(page.get_by_role("heading", name="Referral volumes")).to_be_visible(timeout=LOAD)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    expect(chart.locator("svg.main-svg").first).to_be_visible(timeout=LOAD)
    expect(chart.locator("g.trace").first).to_be_attached()
    page.get_by_text("Data table and downloads for this chart").first.click()
    expect(page.get_by_role("button", name="Download chart (PNG)").first).to_be_visible(timeout=LOAD)

    page.get_by_role("link", name="Report-to-file times").click()
    expect(page.get_by_role("heading", name="Report-to-file times")).to_be_visible(timeout=LOAD)
    expect(page.locator("[data-testid='stPlotlyChart'] svg.main-svg").first).to_be_visible(timeout=LOAD)
    expect(page.get_by_role("heading", name="How many cases were filed, and how fast")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_upload_preview_and_commit(page, app_url):
    page.goto(f"{app_url}/upload")
    expect(page.get_by_role("heading", name="Upload an extract")).to_be_visible(timeout=LOAD)
    page.locator("input[type='file']").set_input_files(str(SAMPLES_DIR / "metrics_sample.csv"))
    expect(page.get_by_role("heading", name="Preview")).to_be_visible(timeout=LOAD)
    page.get_by_role("button", name="Commit this extract").click()
    expect(page.get_by_text("Committed metrics_sample.csv as extract")).to_be_visible(timeout=LOAD)
    # The preview and its buttons give way to what was committed.
    expect(page.get_by_role("button", name="Commit this extract")).to_have_count(0)
    expect(page.get_by_role("heading", name="Preview")).to_have_count(0)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_the_as_of_date_counts_when_the_field_loses_focus(page, app_url, tmp_path):
    cases = tmp_path / "kent-cases.csv"
    cases.write_text(
        "case_ref,force_code,reported_on,file_submitted_on,closed_on,closure_reason\n"
        "BRW-AS-OF-1,Kent,2024-01-15,,,\n"
    )
    page.goto(f"{app_url}/upload")
    expect(page.get_by_role("heading", name="Upload an extract")).to_be_visible(timeout=LOAD)
    page.locator("input[type='file']").set_input_files(str(cases))
    expect(page.get_by_text("a case extract needs its as-of date")).to_be_visible(timeout=LOAD)
    field = page.get_by_role("textbox", name="As-of date of the extract")
    field.fill("30/09/2024")
    field.press("Tab")  # no Enter: leaving the field is enough
    expect(page.get_by_role("heading", name="Preview")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("as of 2024-09-30")).to_be_visible()


def test_a_shared_link_opens_the_page_with_the_app_navigation(browser, tmp_path):
    # The very first request to a fresh server is a deep link with a shared selection.
    proc, url = start_app(tmp_path / "soteria.duckdb")
    try:
        page = browser.new_page()
        page.goto(f"{url}/referrals?grain=force&frequency=month")
        expect(page.get_by_role("heading", name="Referral volumes")).to_be_visible(timeout=LOAD)
        expect(page.get_by_role("link", name="Report-to-file times")).to_be_visible()
        expect(page.get_by_role("radio", name="Police force area")).to_be_checked()
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
