"""Report-to-file times: the share of all cases filed by day t (closures competing), by arm, before and after
the start."""

import streamlit as st

from soteria import ui
from soteria.outputs import summaries
from soteria.ui import charts as ui_charts

ui.page_header(
    "Report-to-file times",
    "Days from a rape being reported to the police until the police file reaches the CPS. Many cases are "
    "closed without a file (no further action, the victim withdrew) and many are still open: the chart "
    "shows the share of all reported cases with a file by each day, closures competing (open cases "
    "count until the extract date), and no figure is a median of completed cases alone.",
)
sel = ui.selection_sidebar(metric_choice=False, frequency_choice=False)
if ui.analyses().filing_curves(sel).is_empty():
    st.info("No case timelines for this selection. Widen the period or choose another pilot group.")
    st.stop()

# Chart, tables and downloads come from the chart registry, after disclosure control.
ui.chart("report_to_file_share_filed", sel)

st.subheader("How many cases were filed, and how fast")
ui_charts.table(ui.published("km_summary", sel))
st.subheader("Numbers at risk")
st.caption("Cases still without a file and still followed at each day since report.")
ui_charts.table(ui.published("numbers_at_risk", sel))
with st.expander("How these figures are made"):
    st.markdown(summaries.REPORT_TO_FILE_METHOD)
