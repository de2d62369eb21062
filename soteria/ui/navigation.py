"""The dashboard's pages, in the order the navigation lists them: written once, for app.py and for the
first run of a deep link.

Streamlit finds the `pages/` folder beside app.py and, until some session has called `st.navigation`,
runs a deep link (/referrals) as the page script alone ("pages/ directory" mode), without app.py's
gate, navigation and layout. Calling the public `st.navigation` switches the whole server to app.py's
navigation for good (documented: "the pages/ directory will be ignored across all sessions"), and a
rerun then lands on the same page through app.py, since a page is identified by its address.
"""

from __future__ import annotations

import streamlit as st

from soteria.config import PROJECT_ROOT

# A flat list: Streamlit's sectioned navigation renders list markup that screen readers misread.
PAGES = (
    ("pages/overview.py", "Overview", ":material/dashboard:"),
    ("pages/areas.py", "Areas at a glance", ":material/grid_view:"),
    ("pages/area.py", "One area", ":material/location_on:"),
    ("pages/referrals.py", "Referral volumes", ":material/trending_up:"),
    ("pages/report_to_file.py", "Report-to-file times", ":material/timer:"),
    ("pages/evaluation.py", "Evaluation", ":material/science:"),
    ("pages/victims.py", "Victims' groups", ":material/groups:"),
    ("pages/report.py", "Report pack", ":material/description:"),
    ("pages/methodology.py", "Methodology and quality", ":material/menu_book:"),
    ("pages/release_log.py", "What changed", ":material/change_history:"),
    ("pages/upload.py", "Upload an extract", ":material/upload_file:"),
    ("pages/extracts.py", "Extracts", ":material/history:"),
    ("pages/pilot_register.py", "Pilot register", ":material/event:"),
    ("pages/value_map.py", "Value mappings", ":material/swap_horiz:"),
    ("pages/source_profiles.py", "Source profiles", ":material/table_view:"),
    ("pages/release.py", "Release and notices", ":material/campaign:"),
)
CHANGE_PAGES = {
    "upload",
    "extracts",
    "pilot_register",
    "value_map",
    "source_profiles",
}  # pages that change data: evaluators and admins
ADMIN_PAGES = {"release"}  # admins only


def pages(can_change_data: bool = True, can_publish: bool = True) -> list[st.Page]:
    """The navigation's pages; without the right to change data, none of the pages that do; without
    the right to publish, not the release page."""
    made = [
        # Absolute paths: the same pages whichever script Streamlit runs as the entry point.
        st.Page(PROJECT_ROOT / path, title=title, icon=icon, default=i == 0)
        for i, (path, title, icon) in enumerate(PAGES)
    ]
    return [
        p
        for p in made
        if (can_change_data or p.url_path not in CHANGE_PAGES)
        and (can_publish or p.url_path not in ADMIN_PAGES)
    ]


def run_through_app(in_app: bool) -> None:
    """A page run that did not come through app.py (`in_app` False): switch Streamlit to app.py's
    navigation and run again, landing on the same page with the app's gate and layout.

    Only ever on a session's first run, whatever that run was: a rerun later could drop a widget event
    (a click), and a page run as a script of its own (a test) has no app.py to land on."""
    if st.session_state.get("_navigation_checked"):
        return
    st.session_state["_navigation_checked"] = True
    if not in_app:
        st.navigation(pages(), position="hidden")
        st.rerun()
