"""Pilot register: which area started the pilot on which date; edit in place or upload a CSV."""

import streamlit as st

from soteria import ui
from soteria.ingest import register
from soteria.outputs import export
from soteria.ui import access as ui_access

ui.page_header(
    "Pilot register",
    "Which areas joined the pilot, in which wave and on which date. Every page follows this table. "
    "Rows marked as an assumption are not confirmed by a public source.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
store = ui.store()
current = ui.register()
edited = st.data_editor(
    current.select(register.COLUMNS[:1] + ["area_name", "area_kind"] + register.COLUMNS[1:]),
    disabled=["area_code", "area_name", "area_kind"],
    hide_index=True,
    key="register-editor",
)
upload = st.file_uploader("Or replace the whole register from a CSV", type=["csv"])
st.download_button(
    "Download the register (CSV)",
    data=export.frame_to_csv(current),
    file_name="pilot_register.csv",
    mime="text/csv",
    on_click="ignore",
)

if st.button("Save changes", type="primary"):
    try:
        candidate = register.read_register_csv(upload.getvalue()) if upload else edited
    except ValueError as exc:
        st.error(f"{upload.name if upload else 'The register'}: {exc}")
        st.stop()
    typed, problems = register.validate(candidate, store.areas())
    if problems:
        st.error(
            "Nothing was saved. " + f"{len(problems)} problem(s) in {upload.name if upload else 'the table'}:"
        )
        st.markdown("\n".join(f"- {p}" for p in problems[:50]))
        st.stop()
    changed = store.replace_pilot_register(typed, changed_by=ui_access.current_user())
    st.success(f"Saved: {changed} area(s) changed. Every page now uses the new register.")

with st.expander("Change history"):
    st.dataframe(store.pilot_register_changes(), hide_index=True)
