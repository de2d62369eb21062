"""The area journey in a real browser: the tile map opens an area, the link reopens the same view."""

import re

from playwright.sync_api import expect

from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
LOAD = 60_000


def test_choosing_a_tile_opens_that_area_and_its_address_reopens_it(page, app_url):
    page.goto(f"{app_url}/areas?grain=force&view=latest")
    expect(page.get_by_role("heading", name="Areas at a glance")).to_be_visible(timeout=LOAD)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    expect(chart.locator("svg.main-svg").first).to_be_visible(timeout=LOAD)
    tiles = chart.locator("g.scatterlayer g.trace").first.locator("path.point")
    expect(tiles).to_have_count(44)
    # The tile labelled "W Yks": its point carries the area code the page opens.
    label = chart.locator("g.scatterlayer g.textpoint", has_text="W Yks")
    index = label.evaluate("el => Array.from(el.parentNode.children).indexOf(el)")
    tiles.nth(index).click(force=True)

    expect(page).to_have_url(re.compile(r"/area\?.*grain=force.*&area=E23000010"), timeout=LOAD)
    expect(page.get_by_role("heading", name="West Yorkshire", exact=True)).to_be_visible(timeout=LOAD)
    similar = page.get_by_role("heading", name="Most similar areas before the pilot")
    expect(similar).to_be_visible(timeout=LOAD)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

    shared = page.url  # a colleague opens the link in a new tab: the same area and filters
    other = page.context.new_page()
    other.goto(shared)
    expect(other.get_by_role("heading", name="West Yorkshire", exact=True)).to_be_visible(timeout=LOAD)
    expect(other.get_by_role("radio", name="Police force area")).to_be_checked()
    other.close()


def test_navigating_between_pages_keeps_the_chosen_view(page, app_url):
    page.goto(f"{app_url}/referrals?grain=force&frequency=month")
    expect(page.get_by_role("heading", name="Referral volumes")).to_be_visible(timeout=LOAD)
    page.get_by_role("link", name="Areas at a glance").click()
    expect(page.get_by_role("heading", name="Areas at a glance")).to_be_visible(timeout=LOAD)
    expect(page.get_by_role("radio", name="Police force area")).to_be_checked()
    expect(page).to_have_url(re.compile(r"/areas\?grain=force"), timeout=LOAD)
