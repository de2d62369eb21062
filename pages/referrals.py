"""Referral volumes: pilot against control over time, and per area."""

import streamlit as st

from soteria import ui
from soteria.outputs import descriptive_charts

ui.page_header(
    "Referral volumes",
    "Police referrals to the CPS (and the other monthly measures) in pilot areas against control areas. "
    "A control area counts only before its own pilot start.",
)
sel = ui.selection_sidebar()
series = ui.analyses().pilot_vs_control(sel)
if series.is_empty():
    st.info("No data for this selection. Widen the period or choose another pilot group.")
    st.stop()

measures = descriptive_charts.MEASURES
measure = st.radio("Show", list(measures), format_func=lambda k: measures[k], horizontal=True)
# Charts, tables and downloads all come from the chart registry, after disclosure control.
ui.chart(f"{sel.metric}_pilot_vs_control", sel, measure=measure)

st.subheader("Each area")
# Small multiples are drawn only when asked: one panel per area is heavy for a phone and rarely the
# first thing a reader needs.
if st.toggle("Show a small chart for each area", key="each_area"):
    ui.chart(f"{sel.metric}_by_area", sel)
else:
    st.caption("One panel per area, each marking the area's own start. Switch on to draw them.")
