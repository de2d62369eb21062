"""What changed: each load, newest first, with the measures and areas it added or revised."""

import streamlit as st

from soteria import ui
from soteria.outputs import export
from soteria.outputs.release_log import extract_heading, release_log

ui.page_header(
    "What changed",
    "Every load of data, newest first, with what it changed: for each measure and area, how many values "
    "it added, how many it revised and how many it sent again unchanged, over which periods (case "
    "extracts: cases, over all their forces). Counts of values only: the figures themselves are on the "
    "other pages. A load that was undone changed nothing that stands.",
)
store = ui.store()
names = dict(store.areas().select("area_code", "area_name").iter_rows())
log = release_log(store.changes_by_extract(), store.extract_list(), names)
if log.is_empty():
    st.info("No data have been loaded yet.")
    st.stop()
# One section per load, the newest open: a load's own details once, not repeated on every row.
for number, (_, part) in enumerate(log.group_by("Extract", maintain_order=True)):
    with st.expander(extract_heading(part.row(0, named=True)), expanded=number == 0):
        ui.data_table(part.select("Measure", "Area", "New", "Revised", "Unchanged", "Periods"))
st.download_button(
    "Download the whole log (CSV)",
    data=export.frame_to_csv(log),
    file_name="what_changed.csv",
    mime="text/csv",
    on_click="ignore",
)
