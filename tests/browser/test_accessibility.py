"""axe-core on every page in real Chromium: no serious or critical WCAG violation."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from soteria.ui.navigation import PAGES as NAVIGATION
from tests.browser.conftest import wait_for_app_idle
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
ROOT = Path(__file__).resolve().parents[2]

# Every page the navigation lists (written once, in soteria/ui/navigation.py); never empty.
PAGES = [path.removeprefix("pages/").removesuffix(".py") for path, _, _ in NAVIGATION]
assert PAGES, "the navigation lists no page"


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violations(page, app_url, name):
    page.goto(f"{app_url}/{'' if name == 'overview' else name}")
    expect(page.locator("h1").first).to_be_visible(timeout=60_000)
    wait_for_app_idle(page)
    charts = page.locator("[data-testid='stPlotlyChart']")
    if charts.count():
        expect(charts.first.locator("svg.main-svg").first).to_be_visible(timeout=60_000)
    violations = Axe().run(page).response["violations"]
    serious = [
        (v["id"], v["impact"], [n["html"][:120] for n in v["nodes"][:3]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_every_overview_button_has_a_name_of_its_own(page, app_url):
    page.goto(app_url)
    expect(page.locator("h1").first).to_be_visible(timeout=60_000)
    wait_for_app_idle(page)
    names = [
        b.get_attribute("aria-label") or b.inner_text().strip() for b in page.get_by_role("button").all()
    ]
    in_main = [n for n in names if "estimated" in n]
    assert len(in_main) == 3 and len(set(in_main)) == 3, names
    assert "Help" not in names
