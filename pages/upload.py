"""Upload: read an extract (CSV, Excel, Parquet), check every row, preview the change, commit or cancel."""

import streamlit as st

from soteria import ui
from soteria.ingest import load as ingest
from soteria.ingest import readers, value_map, views
from soteria.ui import access as ui_access

ui.page_header(
    "Upload an extract",
    "Load area-month metrics (long or wide), case timelines, or the MoJ CJS Delivery Data Dashboard CSV, "
    "as CSV, Excel (.xlsx) or Parquet; the layouts are described in `docs/extracts.md`. Every row is "
    "checked and you see exactly what would change before anything is stored; nothing is stored if any "
    "row fails. Every load can be undone on the Extracts page.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
state = st.session_state
state.setdefault("upload_round", 0)
if "upload_message" in state:
    st.info(state.pop("upload_message"))
upload = st.file_uploader("Extract file", type=views.FILE_TYPES, key=f"extract-upload-{state.upload_round}")
left, middle, right = st.columns(3)
kind = (
    left.selectbox("Kind of extract", list(views.KIND_CHOICES), format_func=lambda k: views.KIND_CHOICES[k])
    or "detect"
)
as_of = middle.date_input(
    "As-of date of the extract",
    value=None,
    help="The date the extract was taken. Case timelines need it (unless the file has an as_of column): "
    "open cases are followed up to this day. Metrics default to today.",
)
if upload is None:
    st.stop()

data = upload.getvalue()
sheets = readers.sheet_names(data)
sheet = None
if len(sheets) > 1:
    sheet = right.selectbox("Sheet", sheets, index=None, placeholder="Choose a sheet")
    if sheet is None:
        st.info(f"{upload.name} has {len(sheets)} sheets: choose the one to load.")
        st.stop()

store = ui.store()
key = (upload.file_id, kind, as_of, sheet, store.data_version(), views.mapping_key(store))
if state.get("upload_key") != key:
    bar = st.progress(0.0, text="Reading the file")

    def report(label: str, fraction: float) -> None:
        bar.progress(fraction, text=label)

    state.upload_result = views.read_and_preview(store, data, upload.name, as_of, kind, sheet, report)
    state.upload_key = key
    bar.empty()
parsed, shown = state.upload_result

if shown is None:
    st.error(views.problems_headline(parsed))
    for field, values in views.unmapped(parsed).items():
        # Map a force's own words there and then: saved to the value mapping, and the file checked again.
        with st.form(f"map-{field}"):
            st.markdown(f"**Values of {field} the mapping does not know** (see Value mappings)")
            options = list(value_map.FIELDS[field])
            chosen = {
                v: st.selectbox(f"Map “{v}” to", options, index=None, key=f"map-{field}-{v}") for v in values
            }
            if st.form_submit_button("Save these mappings and check the file again"):
                picked = {v: c for v, c in chosen.items() if c}
                if picked:
                    note, who = f"added while loading {upload.name}", ui_access.current_user()
                    problems = views.add_mappings(store, field, picked, note, who)
                    if problems:
                        st.error("Nothing was saved: " + "; ".join(problems[:5]))
                        st.stop()
                    st.rerun()
    st.dataframe(views.problems_table(parsed), hide_index=True)
    st.markdown("**Problems by rule**")
    st.dataframe(views.rule_counts(parsed), hide_index=True)
    st.download_button(
        "Download the full list of problems (CSV)",
        data=parsed.problems_csv,  # made on click: it quotes cells of the raw file (see pages/extracts.py)
        file_name=f"{upload.name}.problems.csv",
        mime="text/csv",
        on_click="ignore",
    )
    st.stop()

st.subheader("Preview")
st.markdown("\n".join(f"- {line}" for line in views.preview_heading(shown)))
st.dataframe(views.changes_table(shown), hide_index=True)
if shown.revisions is not None and not shown.revisions.is_empty():
    st.markdown(f"**Revised values, largest first** ({shown.large_revisions:,} by more than 50%)")
    names = dict(store.areas().select("area_code", "area_name").iter_rows())
    st.dataframe(views.revisions_table(shown, names), hide_index=True)
if shown.changed_cases is not None and not shown.changed_cases.is_empty():
    st.markdown("**Changed cases** (the first 1,000, by case reference)")
    st.dataframe(shown.changed_cases, hide_index=True)
if shown.already_loaded:
    st.info("This exact file has been loaded before; committing it again would change nothing.")
    st.stop()

commit_column, cancel_column = st.columns(2)
if cancel_column.button("Cancel"):
    state.upload_round += 1
    state.pop("upload_key", None), state.pop("upload_result", None)
    state.upload_message = f"Cancelled: nothing from {upload.name} was stored."
    st.rerun()
if commit_column.button("Commit this extract", type="primary"):
    committing = st.progress(0.8, text="Committing")

    def committed(label: str, fraction: float) -> None:
        committing.progress(fraction, text=label)

    try:
        extract_id = ingest.commit(store, parsed, ui_access.current_user(), shown, committed)
    except (ingest.ExtractConflict, ingest.StorageError) as exc:  # changed meanwhile; no disk space
        st.error(str(exc))
        st.stop()
    committing.empty()
    st.success(f"Committed as extract {extract_id}. Every page now shows the new data.")
    st.page_link("pages/extracts.py", label="Review, download or undo it on the Extracts page")
