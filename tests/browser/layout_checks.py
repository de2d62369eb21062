"""Shared browser checks for the responsive and keyboard tests: page readiness, layout and focus snapshots.

The JavaScript here runs in the page (`page.evaluate`); the Python helpers decide what counts as a
failure, so a failing test can print what the browser measured.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from soteria.ui.navigation import PAGES as NAVIGATION

ROOT = Path(__file__).resolve().parents[2]

# Every page the navigation lists (written once, in soteria/ui/navigation.py); never empty.
PAGES = [path.removeprefix("pages/").removesuffix(".py") for path, _, _ in NAVIGATION]
assert PAGES, "the navigation lists no page"
LOAD = 60_000  # ms: the first page load builds the demo database
ARTIFACTS = ROOT / "test-artifacts"


def page_path(name: str) -> str:
    return "/" if name == "overview" else f"/{name}"


DRAWN_JS = """() => {
  const charts = [...document.querySelectorAll("[data-testid='stPlotlyChart']")];
  return document.querySelectorAll("[data-testid='stSkeleton']").length === 0
    && charts.every((c) => c.querySelector("svg.main-svg .trace, svg.main-svg .shapelayer path"));
}"""


def wait_until_drawn(page: Page) -> None:
    """The page's script has finished (h1 shown, the run over, the status widget gone) and everything is
    drawn: no element still a placeholder while its code loads (a chart is one until plotly's bundle
    has arrived), every chart with its traces."""
    expect(page.locator("h1").first).to_be_visible(timeout=LOAD)
    # The status widget shows only after a script has run for a moment, so also wait for the run to end.
    expect(page.locator("[data-testid='stApp']")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=LOAD
    )
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=LOAD)
    page.wait_for_function(DRAWN_JS, polling="raf", timeout=LOAD)
    page.evaluate("document.fonts.ready.then(() => true)")


# -- layout ---------------------------------------------------------------------------------------

# Text that must wrap inside the viewport. Data tables (glide grid, drawn on a canvas in its own
# horizontal scroller; st.table, whose wrapping cells scroll sideways inside their own box on a
# phone: WCAG 1.4.10 excepts data tables, whose meaning needs rows and columns side by side) and
# plotly charts (fixed-size SVG with their own pan/zoom) are made to scroll or scale inside
# themselves, so text inside them is left out on purpose; so is the sidebar while Streamlit has
# collapsed it off-canvas on a narrow screen (it is translated to x < 0 and reopened with its toggle
# button).
TEXT_SELECTOR = (
    "h1, h2, h3, h4, p, li, label, [data-testid='stMarkdownContainer'], [data-testid='stMetricValue']"
)
SCROLLS_ON_PURPOSE = "[data-testid='stDataFrame'], [data-testid='stTable'], [data-testid='stPlotlyChart']"
COLLAPSED_SIDEBAR = "[data-testid='stSidebar'][data-collapsed='true']"

LAYOUT_JS = """([textSelector, exempt, collapsed]) => {
  const width = window.innerWidth;
  const shown = (el) => el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  const offenders = [];
  for (const el of document.querySelectorAll(textSelector)) {
    if (el.closest(exempt) || el.closest(collapsed) || !shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > width + 1 || r.left < -1) {
      offenders.push({
        tag: el.tagName.toLowerCase(),
        testid: el.closest('[data-testid]')?.getAttribute('data-testid') ?? null,
        text: (el.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 80),
        left: Math.round(r.left), right: Math.round(r.right), width: Math.round(r.width),
      });
    }
  }
  // Streamlit's document does not scroll: stApp clips (overflow hidden) and stMain is the scroller,
  // so a too-wide page shows up as a horizontal scroll in stMain, not in the document.
  const scrollers = [];
  for (const el of document.querySelectorAll("[data-testid='stMain'], [data-testid='stAppViewContainer']")) {
    if (el.scrollWidth > el.clientWidth + 1) {
      scrollers.push({testid: el.getAttribute('data-testid'), scrollWidth: el.scrollWidth,
                      clientWidth: el.clientWidth});
    }
  }
  // A table wider than its box must scroll inside it, or its right-hand columns are cut off unreachably.
  const unreachable = [];
  for (const box of document.querySelectorAll("[data-testid='stTable']")) {
    const table = box.querySelector('table');
    if (!table || table.getBoundingClientRect().width <= box.clientWidth + 1) continue;
    let scroller = table.parentElement;
    const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    while (scroller && scroller !== box && !scrolls(scroller)) {
      scroller = scroller.parentElement;
    }
    if (!scroller || scroller === box || scroller.getBoundingClientRect().right > width + 1) {
      unreachable.push({text: (table.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 80),
                        tableWidth: Math.round(table.getBoundingClientRect().width),
                        boxWidth: box.clientWidth});
    }
  }
  return {innerWidth: width, scrollWidth: document.scrollingElement.scrollWidth, scrollers, offenders,
          unreachable};
}"""


def layout(page: Page) -> dict:
    return page.evaluate(LAYOUT_JS, [TEXT_SELECTOR, SCROLLS_ON_PURPOSE, COLLAPSED_SIDEBAR])


# The h1, the first paragraph after it (the demonstration-data warning on demo data) and the page's
# lead sentence (the first paragraph after the h1 that is not inside an alert).
HEADLINE_JS = """() => {
  const h1 = document.querySelector('h1');
  const after = [...document.querySelectorAll("[data-testid='stMain'] p")].filter(
    (p) => h1.compareDocumentPosition(p) & Node.DOCUMENT_POSITION_FOLLOWING && p.innerText.trim());
  const lead = after.find((p) => !p.closest("[data-testid='stAlert']"));
  const describe = (el, role) => {
    if (!el) return {role, missing: true};
    const r = el.getBoundingClientRect();
    return {role, text: el.innerText.replace(/\\s+/g, ' ').trim().slice(0, 80),
            fontSize: parseFloat(getComputedStyle(el).fontSize),
            visible: el.checkVisibility({opacityProperty: true, visibilityProperty: true}) && r.width > 0,
            left: Math.round(r.left), right: Math.round(r.right)};
  };
  return [describe(h1, 'h1'), describe(after[0], 'first paragraph'), describe(lead, 'lead paragraph')];
}"""


def headline(page: Page) -> list[dict]:
    return page.evaluate(HEADLINE_JS)


def full_page_screenshot(page: Page, path: Path) -> None:
    """The whole page, not just the viewport. Streamlit scrolls inside stMain, not the document, so
    Playwright's full_page would stop at the viewport: grow the viewport to the content's height for
    the shot (same width, so the same layout), then restore it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    assert size is not None
    height = page.evaluate(
        "() => { const m = document.querySelector(\"[data-testid='stMain']\");"
        " return m ? m.scrollHeight : document.scrollingElement.scrollHeight; }"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 12_000))})
    try:
        page.wait_for_function(DRAWN_JS, polling="raf", timeout=LOAD)  # charts redraw for the new size
        page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.screenshot(path=str(path), full_page=True, animations="disabled", scale="css")
    finally:
        page.set_viewport_size(size)


# -- focus ----------------------------------------------------------------------------------------

DESCRIBE_JS = """(el) => {
  const testid = el.closest('[data-testid]')?.getAttribute('data-testid') ?? null;
  const box = el.closest("[data-testid='stElementContainer']");
  const label = box?.querySelector("[data-testid='stWidgetLabel']");
  const link = el.getAttribute('href') ? new URL(el.getAttribute('href'), location.href) : null;
  return {
    tag: el.tagName.toLowerCase(),
    role: el.getAttribute('role'),
    aria_label: el.getAttribute('aria-label'),
    text: (el.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 60),
    href: link ? link.pathname + link.hash : null,
    testid,
    widget: label ? label.innerText.replace(/\\s+/g, ' ').trim() : null,
    in_sidebar: !!el.closest("[data-testid='stSidebar']"),
  };
}"""

# Focus-relevant styles of the element and of up to 3 ancestors (Streamlit draws the ring of radios,
# sliders and selects on a wrapper). `area` is how much of the box can be seen: clipped by ancestors
# that hide overflow, zero when it or an ancestor is transparent or hidden - a ring on a visually
# hidden input (1x1 clipped wrapper) or on an opacity-0 toolbar is not a visible focus indicator.
FOCUS_STYLE_JS = """(el) => {
  const area = (node) => {
    let r = node.getBoundingClientRect();
    let left = r.left, top = r.top, right = r.right, bottom = r.bottom, opacity = 1;
    for (let n = node; n && n !== document.documentElement; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.visibility === 'hidden' || s.display === 'none') return 0;
      opacity *= parseFloat(s.opacity);
      if (n !== node && (s.overflowX !== 'visible' || s.overflowY !== 'visible' || s.clip !== 'auto')) {
        const c = n.getBoundingClientRect();
        left = Math.max(left, c.left); top = Math.max(top, c.top);
        right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom);
      }
    }
    if (opacity < 0.1) return 0;
    return Math.max(0, right - left) * Math.max(0, bottom - top);
  };
  const out = [];
  let n = el;
  for (let level = 0; level <= 3 && n && n !== document.body; level++, n = n.parentElement) {
    const s = getComputedStyle(n);
    out.push({
      level,
      focus_within: n.matches(':focus-within'),
      outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
        ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : null,
      shadow: s.boxShadow !== 'none' ? s.boxShadow : null,
      border: ['Top', 'Right', 'Bottom', 'Left'].map(
        (side) => ['Width', 'Style', 'Color'].map((part) => s['border' + side + part]).join(' ')
      ).join(' / '),
      background: s.backgroundColor,
      area: area(n),
    });
  }
  return out;
}"""

NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def shows_focus(focused: list[dict], unfocused: list[dict] | None) -> bool:
    """A focus indicator can be seen: on the element or on a wrapper within 3 levels that matches
    :focus-within, an outline or box-shadow (or a border change) that the same box does not have when
    focus has moved on, on a box that is not clipped away or transparent. A background tint alone does
    not count (WCAG 2.2 AA, 2.4.7 and 1.4.11: the faint tints here are about 1.1:1 against the page)."""
    for i, f in enumerate(focused):
        if (f["level"] > 0 and not f["focus_within"]) or f["area"] < 4:
            continue
        u = unfocused[i] if unfocused and i < len(unfocused) else None
        if (f["outline"] or f["shadow"]) and (
            u is None or (f["outline"], f["shadow"]) != (u["outline"], u["shadow"])
        ):
            return True
        if u is not None and f["border"] != u["border"]:
            return True
    return False
