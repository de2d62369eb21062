"""The dashboard makes no request beyond its own server: every page, opened in a real browser, loads
everything (scripts, fonts, icons, the favicon) from 127.0.0.1. A Material icon as favicon made the
browser fetch it from fonts.gstatic.com."""

from __future__ import annotations

from tests.browser.conftest import wait_for_app_idle
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
PAGES = ("", "areas", "area", "referrals", "report_to_file", "evaluation", "report", "upload", "extracts")


def test_no_page_requests_anything_from_outside(page, app_url) -> None:
    outside: list[str] = []

    def record(request) -> None:  # noqa: ANN001 - playwright's Request
        if not request.url.startswith((app_url, "data:", "blob:", "about:")):
            outside.append(request.url)

    page.on("request", record)
    for path in PAGES:
        page.goto(f"{app_url}/{path}")
        page.wait_for_selector("[data-testid='stMain']", timeout=60_000)
        wait_for_app_idle(page)
    assert outside == []
