"""Upload: read an extract (CSV, Excel, Parquet), check every row, preview the change, commit or cancel."""

import streamlit as st

from soteria import ui
from soteria.ingest import load as ingest
from soteria.ingest import readers, source_profiles, views
from soteria.ui import access as ui_access
from soteria.ui import upload as forms

ui.page_header(
    "Upload an extract",
    "Load area-month metrics (long or wide), area-by-quarter tables, case timelines, or the MoJ CJS "
    "Delivery Data Dashboard CSV, as CSV, Excel (.xlsx) or Parquet; the layouts are described in "
    "`docs/extracts.md`, and a file with a source's own column names is matched once and saved as a "
    "source profile. Every row is checked and you see exactly what would change before anything is "
    "stored; nothing is stored if any row fails. Every load can be undone on the Extracts page.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
state = st.session_state
state.setdefault("upload_round", 0)
if "upload_message" in state:
    st.info(state.pop("upload_message"))
forms.committed()
store = ui.store()
upload = st.file_uploader("Extract file", type=views.FILE_TYPES, key=f"extract-upload-{state.upload_round}")
left, middle, right = st.columns(3)
kind = (
    left.selectbox("Kind of extract", list(views.KIND_CHOICES), format_func=lambda k: views.KIND_CHOICES[k])
    or "detect"
)
# A text field, not a date picker: what is typed counts as soon as the field loses focus.
as_of, as_of_problem = views.parse_as_of(
    middle.text_input(
        "As-of date of the extract",
        placeholder="2024-09-30 or 30/09/2024",
        help="The date the extract was taken. Case timelines need it (unless the file has an as_of "
        "column): open cases are followed up to this day. Metrics default to today.",
    )
)
with right:
    profile_name = forms.profile_box(store)
if as_of_problem:
    st.error(f"As-of date: {as_of_problem}")
    st.stop()
if upload is None:
    st.stop()

data = upload.getvalue()
sheets = readers.sheet_names(data)
sheet = None
if len(sheets) > 1:
    sheet = st.selectbox("Sheet", sheets, index=None, placeholder="Choose a sheet")
    if sheet is None:
        st.info(f"{upload.name} has {len(sheets)} sheets: choose the one to load.")
        st.stop()

profile = source_profiles.load_profile(store, profile_name)
metric = forms.chosen_metric()
key = (
    metric,
    upload.file_id,
    kind,
    as_of,
    sheet,
    profile and profile.to_json(),
    store.data_version(),
    views.mapping_key(store),
)
if state.get("upload_key") != key:
    bar = st.progress(0.0, text="Reading the file")

    def report(label: str, fraction: float) -> None:
        bar.progress(fraction, text=label)

    state.upload_result = views.read_and_preview(
        store, data, upload.name, as_of, kind, sheet, report, profile, metric
    )
    state.upload_key = key
    bar.empty()
parsed, shown = state.upload_result

if shown is None:
    forms.metric_box(parsed)
    forms.problems(parsed)
    forms.value_mapping_forms(store, parsed)
    if profile is None:
        forms.column_mapping_form(store, parsed, views.kind_value(kind))
    st.stop()

st.subheader("Preview")
heading = views.preview_heading(shown)
st.markdown("\n".join(f"- {line}" for line in heading))
changes = views.changes_table(shown)
ui.data_table(changes)
if shown.revisions is not None and not shown.revisions.is_empty():
    st.markdown(f"**Revised values, largest first** ({shown.large_revisions:,} by more than 50%)")
    names = dict(store.areas().select("area_code", "area_name").iter_rows())
    ui.data_table(views.revisions_table(shown, names))
if shown.changed_cases is not None and not shown.changed_cases.is_empty():
    st.markdown("**Changed cases** (the first 1,000, by case reference)")
    ui.data_table(shown.changed_cases)
if shown.already_loaded:
    st.info("This exact file has been loaded before; committing it again would change nothing.")
    st.stop()


def start_again() -> None:
    """A fresh uploader and no cached result: the page returns to its empty state."""
    state.upload_round += 1
    state.pop("upload_key", None), state.pop("upload_result", None)


commit_column, cancel_column = st.columns(2)
if cancel_column.button("Cancel"):
    start_again()
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
    # The preview and its buttons go; what was stored is shown in their place.
    forms.remember_commit(extract_id, upload.name, heading, changes)
    start_again()
    st.rerun()
