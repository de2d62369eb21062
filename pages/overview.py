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
referrals = ui.computed("headline", sel)
charge_rate = ui.computed("charge_rate", sel)
times = ui.computed("km_summary", sel)

cols = st.columns(3)
for col, card in zip(cols, summaries.headline_cards(referrals, charge_rate, times), strict=True):
    with col.container(border=True):
        st.metric(card.label, card.value, card.delta, delta_color="off", help=card.help)
        st.caption(card.sentence)

st.subheader("What the data covers")
st.markdown(summaries.coverage(ui.store().data_span(), ui.store().latest_extract()))
st.caption(
    "Raw changes in pilot areas mix the pilot's effect with the national rise in referrals; the control "
    "areas show what happened without the pilot. "
    + ("" if sel == Selection() else "These figures follow the choices in the sidebar.")
)
