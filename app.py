"""Entry point: `streamlit run app.py`. Navigation over the thin pages in pages/."""

import streamlit as st

from soteria.ui import access as ui_access
from soteria.ui import navigation
from soteria.ui.page import FAVICON
from soteria.ui.warm import warm_up

# A local icon: a Material icon as favicon is fetched from fonts.gstatic.com, and the dashboard makes no
# request beyond its own server.
st.set_page_config(page_title="Operation Soteria evaluation", page_icon=str(FAVICON), layout="wide")
warm_up()  # before any page draws: concurrent first runs must not import plotly's pandas path at once

# Who may do what is checked on every run, before any page: a signed-out user gets the sign-in page and
# nothing else; a viewer's navigation has no page that changes data (and those pages refuse them anyway).
access = ui_access.gate()
if access.needs_sign_in:
    sign_in = st.Page(ui_access.sign_in_page, title="Sign in", url_path="sign-in")
    st.navigation([sign_in], position="hidden").run()
    st.stop()
with ui_access.gated_run(access):
    # expanded: every page link shown, no "View more" button folding the later ones away.
    st.navigation(navigation.pages(access.can("change_data"), access.can("publish")), expanded=True).run()
