"""Entry point: `streamlit run app.py`. Navigation over the thin pages in pages/."""

import streamlit as st

from soteria.ui import access as ui_access

st.set_page_config(page_title="Operation Soteria evaluation", page_icon=":material/balance:", layout="wide")

# A flat list: Streamlit's sectioned navigation renders list markup that screen readers misread.
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/areas.py", title="Areas at a glance", icon=":material/grid_view:"),
    st.Page("pages/area.py", title="One area", icon=":material/location_on:"),
    st.Page("pages/referrals.py", title="Referral volumes", icon=":material/trending_up:"),
    st.Page("pages/report_to_file.py", title="Report-to-file times", icon=":material/timer:"),
    st.Page("pages/evaluation.py", title="Evaluation", icon=":material/science:"),
    st.Page("pages/report.py", title="Report pack", icon=":material/description:"),
    st.Page("pages/upload.py", title="Upload an extract", icon=":material/upload_file:"),
    st.Page("pages/extracts.py", title="Extracts", icon=":material/history:"),
    st.Page("pages/pilot_register.py", title="Pilot register", icon=":material/event:"),
]

# Who may do what is checked on every run, before any page: a signed-out user gets the sign-in page and
# nothing else; a viewer's navigation has no page that changes data (and those pages refuse them anyway).
access = ui_access.gate()
if access.needs_sign_in:
    sign_in = st.Page(ui_access.sign_in_page, title="Sign in", url_path="sign-in")
    st.navigation([sign_in], position="hidden").run()
    st.stop()
CHANGE_PAGES = {"upload", "extracts", "pilot_register"}
shown = [p for p in PAGES if access.can("change_data") or p.url_path not in CHANGE_PAGES]
with ui_access.gated_run(access):
    st.navigation(shown).run()
