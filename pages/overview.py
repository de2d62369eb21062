"""Overview: the headline figures, pilot against control, and what the data covers."""

import streamlit as st

from soteria import summaries, ui
from soteria.compare import Selection

ui.page_header(
    "Is Operation Soteria working?",
    "Pilot areas against control areas, over the evaluation window that ends when no untreated control "
    "area remains (10 July 2023). Choose what to compare in the sidebar.",
)
sel = ui.selection_sidebar(metric_choice=False, frequency_choice=False)
result = ui.evaluation(sel)

st.markdown("**The pilot's effect: pilot areas against what the control areas predict** (95% intervals)")
cols = st.columns(3)
for col, card in zip(cols, summaries.headline_cards(result), strict=True):
    with col.container(border=True):
        st.metric(card.label, card.value, card.delta, delta_color="off", delta_arrow="off", help=card.help)
        st.markdown(card.sentence)
st.markdown("[How these are estimated, and the checks on them](evaluation)")

st.subheader("What the data covers")
st.markdown(summaries.coverage(ui.data_span(), ui.latest_extract()))
st.caption(
    "Raw changes in pilot areas mix the pilot's effect with the national rise in referrals, so the figures "
    "above compare each pilot area with what the control areas predict for it. "
    + ("" if sel == Selection() else "These figures follow the choices in the sidebar.")
)
