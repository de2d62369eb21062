"""Report-to-file times: Kaplan-Meier share of cases filed by day t, by arm, before and after the start."""

import streamlit as st

from soteria import charts, summaries, ui

ui.page_header(
    "Report-to-file times",
    "Days from a rape being reported to the police until the police file reaches the CPS. Many cases are "
    "still open or closed without a file, so these are Kaplan-Meier estimates: open cases count until "
    "the extract date, and no figure is a median of completed cases alone.",
)
sel = ui.selection_sidebar(metric_choice=False, frequency_choice=False)
curves = ui.computed("km_curves", sel)
table = ui.computed("km_summary", sel)
if curves.is_empty():
    st.info("No case timelines for this selection. Widen the period or choose another pilot group.")
    st.stop()

text = charts.ChartText(
    title="Share of cases with a file at the CPS, by days since report", subtitle=sel.describe()
)
ui.chart_block(
    charts.km_chart(curves, text), curves, "report_to_file_km", sel, summaries.report_to_file(table), text
)

st.subheader("Median days from report to file")
st.dataframe(summaries.report_to_file_table(table), hide_index=True)
st.subheader("Numbers at risk")
st.caption("Cases still without a file and still followed at each day since report.")
st.dataframe(ui.computed("numbers_at_risk", sel), hide_index=True)
with st.expander("How these figures are made"):
    st.markdown(summaries.REPORT_TO_FILE_METHOD)
