"""Release and notices: when the next update is due, and a notice of a known data problem that every
page and every data download carries until it is taken down (admins)."""

from datetime import date

import streamlit as st

from soteria import ui
from soteria.outputs import release as rel
from soteria.ui import access as ui_access

ui.page_header(
    "Release and notices",
    "What every page and every data download says about the release: the date of the next update, and a "
    "notice of a known problem with the data (for example a force's extract found to be incomplete), "
    "shown at the top of every page until you take it down. 'Last updated' follows the extracts.",
)
ui_access.require("publish")  # server-side: only an admin reaches the controls, whatever the route
store = ui.store()
now = ui.release()
with st.form("release"):
    next_update = st.date_input(
        "Next update", value=now.next_update, min_value=date.today(), format="DD/MM/YYYY"
    )
    notice = st.text_area(
        "Notice of a known data problem (empty: none)", value=now.notice, max_chars=rel.MAX_NOTICE
    )
    contact = st.text_input(
        "Contact for questions about the statistics (on the Methodology and quality page)",
        value=store.meta().get(rel.CONTACT, ""),
        max_chars=200,
    )
    if st.form_submit_button("Save", type="primary"):
        problems = rel.check_settings(next_update, notice, date.today())
        if problems:
            st.error("Nothing was saved: " + "; ".join(problems))
        else:
            who = ui_access.current_user()
            store.set_meta(
                {
                    rel.NEXT_UPDATE: next_update.isoformat() if next_update else "",
                    rel.NOTICE: notice.strip(),
                    rel.NOTICE_SET: f"{who}|{date.today().isoformat()}" if notice.strip() else "",
                    rel.CONTACT: contact.strip(),
                }
            )
            st.session_state["release_saved"] = True
            st.rerun()
if st.session_state.pop("release_saved", False):
    st.success("Saved: every page and data download now says so.")
if now.notice_set:
    who, when = now.notice_set.split("|", 1)
    st.caption(f"The notice was set by {who} on {when}.")
