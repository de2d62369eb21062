"""Value mappings: how the values forces write in coded fields (closure reasons, victims' sex, age and
ethnic group) become the dashboard's."""

import streamlit as st

from soteria import ui
from soteria.ingest import value_map
from soteria.ui import access as ui_access

ui.page_header(
    "Value mappings",
    "How each value a force writes in a coded field becomes one of the dashboard's codes: Home Office "
    "crime outcome codes (14 and 16: the victim does not support action; 15, 18 and 21: evidential or "
    "investigative no further action), victims' sex, age band and ethnic group (the ONS 2021 Census "
    "categories roll up to the five groups) and everyday words. Case, spaces and an 'outcome' prefix do not "
    "matter. A change applies to the next file you load; extracts already stored keep their codes.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
store = ui.store()
current = store.value_map()
st.caption(
    " ".join(f"{field} maps to one of: {', '.join(codes)}." for field, codes in value_map.FIELDS.items())
)
edited = st.data_editor(
    current,
    num_rows="dynamic",
    hide_index=True,
    key="value-map-editor",
    column_config={
        "field": st.column_config.SelectboxColumn("Field", options=list(value_map.FIELDS), required=True),
        "value": st.column_config.TextColumn("Value as written", required=True),
        "maps_to": st.column_config.SelectboxColumn("Maps to", options=value_map.all_codes(), required=True),
        "note": st.column_config.TextColumn("Note", width="large"),
    },
)
ui.save_controls(
    current,
    edited,
    what="mapping",
    file_name="value_map.csv",
    read_csv=value_map.read_csv,
    check=value_map.validate,
    replace=lambda typed, who: store.replace_value_map(typed, changed_by=who),
    saved=lambda n: f"Saved: {n} value(s) changed. The next file you load uses this mapping.",
    history=store.value_map_changes,
    undo=lambda who: store.undo_value_map_change(changed_by=who),
)
