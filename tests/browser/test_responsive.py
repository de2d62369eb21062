"""Every page usable on a phone (390 px) and at 200% zoom: no horizontal scrolling of text, readable
headline sentences (WCAG 2.2 AA: 1.4.10 Reflow, 1.4.4 Resize text). Each case saves a full-page
screenshot under test-artifacts/screenshots/ for a person to look at."""

import pytest

from tests.browser.layout_checks import (
    ARTIFACTS,
    DESCRIBE_JS,
    PAGES,
    headline,
    layout,
    page_path,
    wait_until_drawn,
)
from tests.browser.layout_checks import full_page_screenshot as screenshot
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS

VIEWPORTS = {
    # A phone in portrait: an iPhone 12-15 sized CSS viewport on a 3x screen, with touch.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
    # A 1280x800 desktop window zoomed to 200%. Browser zoom does not scale a finished page: it makes
    # each CSS pixel 2 device pixels, so the CSS viewport shrinks to 640x400 and the page is laid out
    # again at that width (media queries and all). That is exactly how Chromium lays out a zoomed page,
    # so a 640x400 viewport at device scale factor 2 is the zoomed window.
    "zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}
READABLE_PX = 16  # body text at least 16 CSS px


@pytest.fixture(scope="module")
def viewport_page(browser):
    """One page per viewport, reused by every page of the app (a new Streamlit session per goto)."""
    made: dict = {}

    def get(viewport: str):
        if viewport not in made:
            context = browser.new_context(**VIEWPORTS[viewport])
            made[viewport] = (context, context.new_page())
        return made[viewport][1]

    yield get
    for context, _ in made.values():
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", PAGES)
def test_page_reflows_without_horizontal_scrolling(viewport_page, app_url, name, viewport):
    page = viewport_page(viewport)
    page.goto(app_url + page_path(name))
    wait_until_drawn(page)
    measured = layout(page)
    top = headline(page)
    screenshot(page, ARTIFACTS / "screenshots" / f"{name}-{viewport}.png")

    assert measured["scrollWidth"] <= measured["innerWidth"] + 1, f"the document scrolls sideways: {measured}"
    assert measured["scrollers"] == [], f"the page scrolls sideways inside: {measured['scrollers']}"
    assert measured["unreachable"] == [], f"a table is cut off, not scrolled: {measured['unreachable']}"
    assert measured["offenders"] == [], (
        f"text beyond the {measured['innerWidth']} px viewport (left < 0 or right > width): "
        f"{measured['offenders']}"
    )
    for item in top:
        assert not item.get("missing"), f"no {item['role']} after the h1: {top}"
        assert item["visible"], f"{item['role']} is not visible: {item}"
        assert item["left"] >= -1 and item["right"] <= measured["innerWidth"] + 1, f"cut off: {item}"
        assert item["fontSize"] >= READABLE_PX, f"{item['role']} smaller than {READABLE_PX} px: {item}"


# Streamlit moves a collapsed sidebar off screen (translateX(-300px)) but leaves its links and widgets
# in the tab order; the app's stylesheet hides it, which takes them out (WCAG 2.4.7 / 2.4.11).
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_keyboard_focus_stays_on_screen_when_the_sidebar_is_collapsed(viewport_page, app_url, viewport):
    page = viewport_page(viewport)
    page.goto(app_url)
    wait_until_drawn(page)
    off_screen = []
    for _ in range(15):
        page.keyboard.press("Tab")
        focused = page.evaluate_handle("document.activeElement")
        rect = focused.evaluate("(el) => { const r = el.getBoundingClientRect(); return [r.left, r.right]; }")
        if rect[1] <= 0 or rect[0] >= page.viewport_size["width"]:
            off_screen.append((page.evaluate(DESCRIBE_JS, focused)["text"], [round(x) for x in rect]))
    assert off_screen == [], f"Tab focused elements outside the viewport: {off_screen}"
