"""Referral volumes: pilot against control over time, and per area."""

import streamlit as st

from soteria import charts, summaries, ui
from soteria.domain import METRICS

ui.page_header(
    "Referral volumes",
    "Police referrals to the CPS (and the other monthly measures) in pilot areas against control areas. "
    "A control area counts only before its own pilot start.",
)
sel = ui.selection_sidebar()
series = ui.computed("pilot_vs_control", sel)
if series.is_empty():
    st.info("No data for this selection. Widen the period or choose another pilot group.")
    st.stop()

measures = {"index": "Index (baseline year = 100)", "mean_per_area": "Mean per area", "total": "Total"}
measure = st.radio("Show", list(measures), format_func=measures.get, horizontal=True)
starts = ui.computed("pilot_starts", sel)
label = METRICS[sel.metric].label
text = charts.ChartText(title=f"{label}: pilot against control areas", subtitle=sel.describe())
fig = charts.pilot_vs_control_chart(series, starts, measure, text)
ui.chart_block(
    fig,
    series,
    f"{sel.metric}_pilot_vs_control",
    sel,
    summaries.pilot_vs_control(series, measure, label),
    text,
)

st.subheader("Each area")
per_area = ui.computed("per_area", sel)
area_text = charts.ChartText(title=f"{label} by area", subtitle=sel.describe())
ui.chart_block(
    charts.small_multiples_chart(per_area, starts, area_text),
    per_area,
    f"{sel.metric}_by_area",
    sel,
    summaries.per_area(per_area, label),
    area_text,
)
