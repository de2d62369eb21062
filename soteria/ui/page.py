"""What every page starts with: the stylesheet, sign-in and account, the pinned data version, the
title, the demo warning and the lead."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from soteria.domain import DEMO_LABEL
from soteria.ui import navigation
from soteria.ui.access import in_app_run, run_access, show_account, sign_in_page
from soteria.ui.data import is_demo, release
from soteria.ui.store import pin_version

ACCESSIBILITY_CSS = Path(__file__).with_name("static") / "accessibility.css"
FAVICON = Path(__file__).with_name("static") / "favicon.png"  # served by the app itself


def page_header(title: str, lead: str) -> None:
    navigation.run_through_app(in_app_run())
    # The one use of st.html: our own stylesheet from a file in the package (no data, no markup); a
    # style-only body is applied as a stylesheet and draws nothing.
    st.html(ACCESSIBILITY_CSS)
    st.session_state["_new_page"] = st.session_state.get("_page") != title
    st.session_state["_page"] = title
    who = run_access()
    if who.needs_sign_in:
        sign_in_page()
    show_account(who)
    pin_version()
    st.title(title)
    if is_demo():
        st.warning(f"**{DEMO_LABEL}.** Every figure on this page is made up for demonstration.", icon="⚠️")
    now = release()
    if now.notice:  # an admin's notice of a known data problem, on every page (Release and notices page)
        st.error(f"**Notice of a known data problem.** {now.notice}", icon="📢")
    st.markdown(lead)
    st.caption(now.schedule_line())  # after the lead: the answer first, then when it was last updated
