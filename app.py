"""Entry point: `streamlit run app.py`. Navigation over the thin pages in pages/."""

import streamlit as st

st.set_page_config(page_title="Operation Soteria evaluation", page_icon=":material/balance:", layout="wide")

# A flat list: Streamlit's sectioned navigation renders list markup that screen readers misread.
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/referrals.py", title="Referral volumes", icon=":material/trending_up:"),
    st.Page("pages/report_to_file.py", title="Report-to-file times", icon=":material/timer:"),
    st.Page("pages/upload.py", title="Upload an extract", icon=":material/upload_file:"),
    st.Page("pages/pilot_register.py", title="Pilot register", icon=":material/event:"),
]

st.navigation(PAGES).run()
