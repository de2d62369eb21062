"""Source profiles: each source's own column names matched to a layout, saved by name so that its next
file loads in one step (made on the Upload page; listed, edited and deleted here)."""

import polars as pl
import streamlit as st

from soteria import ui
from soteria.ingest import source_profiles
from soteria.ui import access as ui_access

ui.page_header(
    "Source profiles",
    "A source profile says which of a source's own columns ('Crime Reference', 'Date Reported') is which "
    "of the dashboard's (case_ref, reported_on). One is saved on the Upload page when a file's columns "
    "are not recognised; choose it there (or `ingest --profile NAME`) and the next file from the same "
    "source loads in one step. Case and spaces in column names do not matter.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
store = ui.store()
table = source_profiles.profiles_table(store)
if table.is_empty():
    st.info(
        "No source profile yet. Upload a file whose columns are not recognised and confirm the proposed "
        "match, or use `python -m soteria profiles --save NAME --kind cases --map "
        "'Crime Reference=case_ref' ...`."
    )
else:
    ui.data_table(table, long_text=["columns (the file's → the layout's)"])
    name = st.selectbox("Profile to edit or delete", table["profile"].to_list())
    profile = source_profiles.load_profile(store, name)
    if profile is not None:
        rows = pl.DataFrame(
            {"file column": list(profile.columns), "column": list(profile.columns.values())},
            schema={"file column": pl.String, "column": pl.String},
        )
        edited = st.data_editor(
            rows,
            num_rows="dynamic",
            hide_index=True,
            key=f"profile-editor-{profile.name}",
            column_config={
                "file column": st.column_config.TextColumn("The file's column", required=True),
                "column": st.column_config.SelectboxColumn(
                    f"Column of a {profile.kind} file",
                    options=list(source_profiles.targets(profile.kind)),
                    required=True,
                ),
            },
        )
        save, delete = st.columns(2)
        if save.button("Save changes", type="primary"):
            frame = pl.DataFrame(edited).drop_nulls()
            problems = source_profiles.save_profile(
                store,
                profile.name,
                profile.kind,
                dict(zip(frame["file column"], frame["column"], strict=True)),
                ui_access.current_user(),
            )
            if problems:
                st.error("Nothing was saved: " + "; ".join(problems))
            else:
                st.success(f"Saved the profile '{profile.name}'.")
        sure = delete.checkbox(f"Yes, delete '{profile.name}'")
        if delete.button("Delete this profile", disabled=not sure):
            store.delete_source_profile(profile.name, ui_access.current_user())
            st.session_state["profile_deleted"] = profile.name
            st.rerun()
if "profile_deleted" in st.session_state:
    st.success(f"Deleted the profile '{st.session_state.pop('profile_deleted')}'.")
with st.expander("Change history"):
    ui.data_table(store.source_profile_changes())
