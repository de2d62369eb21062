"""What changed: each load, newest first, with the measures and areas it added or revised."""

import streamlit as st

from soteria import ui
from soteria.outputs.release_log import release_log

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
else:
    st.dataframe(log, hide_index=True, column_config={"File": st.column_config.TextColumn(width="medium")})
