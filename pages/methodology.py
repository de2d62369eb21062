"""Methodology and quality: sources, definitions, methods and their assumptions, revisions, disclosure
control, the release schedule and who to contact."""

import streamlit as st

from soteria import ui
from soteria.outputs import methodology
from soteria.outputs.release import CONTACT, NO_CONTACT

ui.page_header(
    "Methodology and quality",
    "Where the figures come from, what each measure means, how the pilot is compared with the control "
    "areas and what that assumes, how figures are revised and protected, and who to ask.",
)
contact = ui.store().meta().get(CONTACT) or NO_CONTACT
st.markdown(methodology.methodology_markdown(ui.release(), ui.is_demo(), contact))
