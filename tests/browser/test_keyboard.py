"""Keyboard only (WCAG 2.2 AA 2.1.1 Keyboard, 2.4.7 Focus Visible): Tab reaches every control and shows
where focus is; the main journey works with Tab, Enter, Space and the arrow keys, without a mouse."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.layout_checks import (
    DESCRIBE_JS,
    FOCUS_STYLE_JS,
    LOAD,
    NO_TRANSITIONS,
    PAGES,
    page_path,
    shows_focus,
    wait_until_drawn,
)
from tests.browser_support import BROWSER_MARKS

pytestmark = BROWSER_MARKS
MAX_TABS = 200
TABLE_AND_DOWNLOADS = "Data table and downloads for this chart"  # the expander under every chart
SIDEBAR_CONTROLS = {  # widget label -> how many tab stops at least (the slider has two handles)
    "Compare by": 1,
    "Period": 2,
    "Pilot group: areas that started in": 1,
    "Exclude from the control group": 1,
}


@dataclass
class Stop:
    """One Tab stop: what had focus, and its focus styles while focused and with nothing focused."""

    what: dict
    focused: list[dict]
    unfocused: list[dict] | None = None

    @property
    def visible(self) -> bool:
        return shows_focus(self.focused, self.unfocused)

    @property
    def kind(self) -> str:
        if self.what["testid"] == "stSidebarNavLink":
            return "navigation link"
        if self.what["testid"] == "stRadioOption":
            return "radio button"
        if self.what["tag"] == "main":
            return "main region"
        return "other"


def tab_walk(page: Page, max_tabs: int = MAX_TABS) -> list[Stop]:
    """Press Tab until focus leaves the document or comes back to the first stop, recording each stop."""
    stops: list[Stop] = []
    handles = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        handle = page.evaluate_handle("document.activeElement")
        if handle.evaluate("(el) => el === document.body || el === null") or (
            handles and page.evaluate("([a, b]) => a === b", [handle, handles[0]])
        ):
            break
        stops.append(Stop(page.evaluate(DESCRIBE_JS, handle), page.evaluate(FOCUS_STYLE_JS, handle)))
        handles.append(handle)
    # The same boxes with nothing focused (a measurement, not a user action): a wrapper's ring counts
    # only if it is not there without focus. Read after the walk, not at the next stop, because the
    # next stop may sit inside the same wrapper (a multiselect's combobox, then its "Clear all").
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for stop, handle in zip(stops, handles, strict=True):
        stop.unfocused = handle.evaluate(f"(el) => el.isConnected ? ({FOCUS_STYLE_JS})(el) : null")
    return stops


def open_quietly(page: Page, url: str) -> None:
    page.goto(url)
    wait_until_drawn(page)
    # Focus styles are read as soon as focus lands: finish CSS transitions at once so the styles read
    # are the ones a person sees a moment later.
    page.add_style_tag(content=NO_TRANSITIONS)


def open_filters_by_keyboard(page: Page) -> None:
    """The Overview folds its filters into "What to compare": open it with Enter, then go back to the
    top of the page with Shift+Tab, so that the walk starts where a keyboard user's does."""
    press_tab_until(page, lambda w: "What to compare" in w["text"], "the folded filters")
    page.keyboard.press("Enter")
    expect(page.get_by_role("radiogroup", name="Compare by")).to_be_visible(timeout=LOAD)
    wait_until_drawn(page)
    for _ in range(MAX_TABS):
        if page.evaluate("() => document.activeElement === document.body"):
            return
        if page.evaluate("() => document.activeElement.dataset.testid === 'stSkipToContent'"):
            page.keyboard.press("Shift+Tab")  # before the first stop
            return
        page.keyboard.press("Shift+Tab")
    raise AssertionError("Shift+Tab never reached the top of the page")


@pytest.fixture(scope="module")
def overview_walk(browser, app_url) -> list[Stop]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_quietly(page, app_url)
    open_filters_by_keyboard(page)
    stops = tab_walk(page)
    context.close()
    return stops


def test_tab_reaches_every_page_link_and_sidebar_control(overview_walk):
    seen = [s.what for s in overview_walk]
    nav = {w["href"] for w in seen if w["testid"] == "stSidebarNavLink"}
    assert nav == {page_path(name) for name in PAGES}, f"navigation links reached by Tab: {sorted(nav)}"

    in_sidebar = [w for w in seen if w["in_sidebar"] and w["widget"]]
    for label, at_least in SIDEBAR_CONTROLS.items():
        reached = [w for w in in_sidebar if w["widget"] == label]
        assert len(reached) >= at_least, f"{label!r}: {len(reached)} tab stops; sidebar stops: {in_sidebar}"
    assert {"Period — start", "Period — end"} <= {w["aria_label"] for w in seen}, "both Period handles"

    main_links = [w for w in seen if w["tag"] == "a" and not w["in_sidebar"] and w["text"]]
    assert any(w["text"].startswith("How these are estimated") for w in main_links), main_links


# Kinds of tab stop, tested apart so that one kind's problem cannot hide another's. Page links, radio
# options and the main region had no visible focus in Streamlit's own styles; the app's stylesheet
# (soteria/ui/static/accessibility.css) gives them an outline.
FOCUS_KINDS = [
    pytest.param(kind, id=kind.replace(" ", "-"))
    for kind in ("navigation link", "radio button", "main region", "other")
]


@pytest.mark.parametrize("kind", FOCUS_KINDS)
def test_every_tab_stop_shows_focus(overview_walk, kind):
    stops = [s for s in overview_walk if s.kind == kind]
    assert stops, f"no {kind} among the tab stops: {[s.what for s in overview_walk]}"
    hidden = [(s.what, s.focused) for s in stops if not s.visible]
    assert hidden == [], f"{len(hidden)} of {len(stops)} {kind} tab stops show no focus: {hidden}"


def press_tab_until(page: Page, predicate, what: str, max_tabs: int = 80) -> dict:
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        seen = page.evaluate(f"() => ({DESCRIBE_JS})(document.activeElement)")
        if predicate(seen):
            return seen
    raise AssertionError(f"{what} not reached in {max_tabs} Tab presses")


def frequency_radio(page: Page) -> None:
    press_tab_until(page, lambda w: w["widget"] == "Frequency", "the Frequency radio")


def change_by_key(page: Page, key: str, frequency: str, timeout: float = LOAD) -> None:
    """Press an arrow key on the focused Frequency radio: the URL (the shareable selection) follows and
    the first chart is drawn again at the new frequency."""
    trace = page.locator("[data-testid='stPlotlyChart'] g.trace path").first
    before = trace.get_attribute("d")
    page.keyboard.press(key)
    expect(page).to_have_url(re.compile(rf"[?&]frequency={frequency}(&|$)"), timeout=timeout)
    expect(page.get_by_role("radio", name=frequency.capitalize())).to_be_checked()
    expect(trace).not_to_have_attribute("d", before or "", timeout=LOAD)
    wait_until_drawn(page)


def test_keyboard_journey_overview_to_referral_chart_table_and_download(page, app_url):
    # A shared link asking for monthly figures; the navigation keeps the view, so Quarter is a change.
    page.goto(f"{app_url}/?frequency=month")
    wait_until_drawn(page)

    press_tab_until(page, lambda w: w["href"] == "/referrals", "the Referral volumes link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Referral volumes")).to_be_visible(timeout=LOAD)
    wait_until_drawn(page)
    expect(page.get_by_role("radio", name="Month")).to_be_checked()

    frequency_radio(page)
    change_by_key(page, "ArrowRight", "quarter")

    press_tab_until(page, lambda w: w["text"].endswith(TABLE_AND_DOWNLOADS), "the data table expander")
    page.keyboard.press("Enter")
    table = page.locator("[data-testid='stExpander']").first.locator("[data-testid='stDataFrame']")
    expect(table).to_be_visible(timeout=LOAD)

    press_tab_until(page, lambda w: w["text"] == "Download data (CSV)", "the Download data (CSV) button")
    with page.expect_download(timeout=LOAD) as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_frequency_can_be_changed_back_and_forth_by_keyboard(page, app_url):
    page.goto(f"{app_url}/referrals")
    wait_until_drawn(page)
    frequency_radio(page)
    change_by_key(page, "ArrowLeft", "month")
    change_by_key(page, "ArrowRight", "quarter", timeout=10_000)  # a rerun takes a second or two


def test_data_table_toolbar_shows_focus(page, app_url):
    open_quietly(page, f"{app_url}/referrals")
    press_tab_until(page, lambda w: w["text"].endswith(TABLE_AND_DOWNLOADS), "the data table expander")
    page.keyboard.press(" ")  # Space opens it too
    expect(
        page.locator("[data-testid='stExpander']").first.locator("[data-testid='stDataFrame']")
    ).to_be_visible()
    toolbar = [s for s in tab_walk(page, max_tabs=6) if s.what["testid"] == "stBaseButton-elementToolbar"]
    assert toolbar, "no toolbar button reached"
    hidden = [s.what["aria_label"] for s in toolbar if not s.visible]
    assert hidden == [], f"toolbar buttons focused but not visible: {hidden}"
