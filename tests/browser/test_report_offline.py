"""The HTML report pack opens offline in real Chromium: every chart draws and nothing is fetched."""

from __future__ import annotations

from pathlib import Path

from soteria.analysis.compare import Selection
from soteria.outputs import pack as report
from soteria.outputs.data import store_analyses


def test_html_report_opens_offline_and_fetches_nothing(browser, demo_store, tmp_path: Path) -> None:
    pack = report.build_pack(
        store_analyses(demo_store),
        Selection(),
        ["referrals_pilot_vs_control", "referrals_by_area", "report_to_file_share_filed"],
        ["report_to_file"],
    )
    path = tmp_path / "pack.html"
    path.write_bytes(report.render(pack, "html"))
    requests: list[str] = []
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3")
        assert page.locator("details table").count() == 3
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    assert outside == [], outside
