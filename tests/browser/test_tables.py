"""Tables at 1366 px, the commonest laptop width: no data table is cut off on the right, on any page or
in the Upload page's problems and preview. Each page's screenshot is saved under
test-artifacts/screenshots/ (`*-desktop.png`) for a person to look at. (At 390 px tables scroll inside
themselves, which tests/browser/test_responsive.py allows and screenshots.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.layout_checks import ARTIFACTS, LOAD, PAGES, page_path, wait_until_drawn
from tests.browser.layout_checks import full_page_screenshot as screenshot
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS

DESKTOP = {"viewport": {"width": 1366, "height": 768}}
# Pages that show at least one table on the demo data (their chart tables are opened by the test).
WITH_TABLES = {"overview", "evaluation", "report_to_file", "release_log", "extracts", "pilot_register"}

# Every grid (its own scroller) and wrapping table (its wrapper scrolls when the table is too wide):
# how wide its content is against the room it has.
TABLES_JS = """() => [...document.querySelectorAll("[data-testid='stDataFrame'], [data-testid='stTable']")]
  .filter((el) => el.checkVisibility())
  .map((el) => {
    const scroller = el.querySelector('.dvn-scroller') || el.querySelector('table')?.parentElement || el;
    const head = el.querySelector('th')?.innerText
      ?? el.closest("[data-testid='stVerticalBlock']")?.innerText.slice(0, 60);
    return {kind: el.getAttribute('data-testid'), content: scroller.scrollWidth,
            room: scroller.clientWidth, first: (head || '').replace(/\\s+/g, ' ').trim().slice(0, 60)};
  })"""


@pytest.fixture(scope="module")
def desktop(browser):
    context = browser.new_context(**DESKTOP)
    yield context.new_page()
    context.close()


def open_every_fold(page: Page) -> None:
    """Open each closed expander (a chart's data table is built only once opened), then wait for the
    run each opening starts."""
    closed = page.locator("[data-testid='stExpander'] details:not([open]) > summary")
    for _ in range(20):  # a rerun redraws the page: look for the next closed one each time
        if closed.count() == 0:
            return
        closed.first.click()
        wait_until_drawn(page)


def cut_off(page: Page) -> tuple[list[dict], int]:
    """The tables whose content is wider than their room, once the layout has settled (a grid measures
    its columns after it is drawn and an opening expander grows for a moment: look again for up to 3 s
    before calling a table cut off)."""
    for _ in range(10):
        tables = page.evaluate(TABLES_JS)
        cut = [t for t in tables if t["content"] > t["room"] + 1]
        if not cut:
            break
        page.wait_for_timeout(300)
    return cut, len(tables)


@pytest.mark.parametrize("name", PAGES)
def test_no_table_is_cut_off_at_1366_px(desktop, app_url, name):
    desktop.goto(app_url + page_path(name))
    wait_until_drawn(desktop)
    open_every_fold(desktop)
    cut, seen = cut_off(desktop)
    screenshot(desktop, ARTIFACTS / "screenshots" / f"{name}-desktop.png")
    assert cut == [], f"tables wider than the page at 1366 px (they scroll sideways): {cut}"
    if name in WITH_TABLES:
        assert seen, f"no table on {name}: the check looked at nothing"


def test_upload_problems_and_preview_fit_at_1366_px(desktop, app_url, tmp_path):
    broken = tmp_path / "west-midlands-broken.csv"  # problems with long rules and a value column
    broken.write_text(
        "area_code,month,metric,value\n"
        "E23000014,2024-07,referrals,-3\n"
        "E23000014,2024-13,referrals,12\n"
        "NOT-AN-AREA,2024-07,referrals,12\n"
    )
    desktop.goto(f"{app_url}/upload")
    expect(desktop.get_by_role("heading", name="Upload an extract")).to_be_visible(timeout=LOAD)
    desktop.locator("input[type='file']").set_input_files(str(broken))
    expect(desktop.get_by_text("Download the full list of problems (CSV)")).to_be_visible(timeout=LOAD)
    wait_until_drawn(desktop)
    cut, seen = cut_off(desktop)
    assert seen and cut == [], f"the problems table at 1366 px: {cut}"
    screenshot(desktop, ARTIFACTS / "screenshots" / "upload-problems-desktop.png")

    revision = tmp_path / "west-midlands-revision.csv"  # revises demo values: changes and revisions
    revision.write_text(
        "area_code,month,metric,value\nE23000014,2023-01,referrals,400\nE23000014,2023-02,referrals,1\n"
    )
    desktop.goto(f"{app_url}/upload")
    expect(desktop.get_by_role("heading", name="Upload an extract")).to_be_visible(timeout=LOAD)
    desktop.locator("input[type='file']").set_input_files(str(revision))
    expect(desktop.get_by_role("heading", name="Preview")).to_be_visible(timeout=LOAD)
    wait_until_drawn(desktop)
    cut, seen = cut_off(desktop)
    assert seen >= 2 and cut == [], f"the preview's tables at 1366 px: {cut}"
    screenshot(desktop, ARTIFACTS / "screenshots" / "upload-preview-desktop.png")
