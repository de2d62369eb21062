"""Victims' groups: report to file and attrition by victim sex, age band and ethnic group, pilot
against control, with each group's effect and whether it differs."""

import streamlit as st

from soteria import ui
from soteria.domain import VICTIM_FIELD_LABELS
from soteria.evaluation.text.victims import CAUTION

ui.page_header(
    "Victims' groups",
    "Whether faster files reach every group of victims, or only some: for the victim's sex, age and "
    "ethnic group, the share of cases filed within a year, pilot against control, before and after the "
    "start, and the pilot's effect for each group with its 95% interval. 'Not known' and 'not stated' "
    "are groups of their own; cases from extracts that did not record the field are 'not recorded'.",
)
sel = ui.selection_sidebar(metric_choice=False, frequency_choice=False)
fields = list(VICTIM_FIELD_LABELS)
ui.address_choice("by", fields, "victim_age_band")  # the choice lives in the address: a view is a link
field = st.radio(
    "Victims' groups by", fields, format_func=VICTIM_FIELD_LABELS.__getitem__, horizontal=True, key="by"
)
ui.remember_choice("by", field)
short = str(field).removeprefix("victim_")
if set(ui.analyses().victims_summary(sel, str(field))["group"]) <= {"not_recorded"}:
    st.info(
        f"No case extract loaded so far records the victim's {VICTIM_FIELD_LABELS[str(field)].lower()}. "
        f"Load case timelines with a {field} column (Upload an extract; see the layout guide) to see "
        "these figures."
    )
    st.stop()
st.caption(CAUTION)
try:
    ui.chart(f"victims_{short}_effects", sel)
except ValueError as why:  # no pilot area starts in the window, or no case timelines
    st.info(f"No estimate for this selection: {why}. Widen the period or choose another pilot group.")
ui.chart(f"victims_{short}_shares", sel)
