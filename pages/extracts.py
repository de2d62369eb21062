"""Extracts: every load (file, SHA-256, kind, rows, who, when, status), its original file, and undo."""

import streamlit as st

from soteria import ui
from soteria.ingest import undo, views
from soteria.ui import access as ui_access

ui.page_header(
    "Extracts",
    "Every file loaded, newest first, with who loaded it and when. Choose one to download the file exactly "
    "as it was loaded, or to undo it: undo puts back exactly what was stored before that load.",
)
ui_access.require("change_data")  # server-side: a viewer gets a refusal, whatever route they came by
state = st.session_state
if "extracts_message" in state:
    st.success(state.pop("extracts_message"))
store = ui.store()
table = views.extracts_table(store)
if table.is_empty():
    st.info("No extract has been loaded yet: load one on the Upload an extract page.")
    st.stop()
# The SHA-256 is shown in full for the chosen extract below: in the list it would push the status off.
ui.data_table(table, order=[c for c in table.columns if c != "SHA-256"])

labels = {row["extract"]: views.extract_label(row) for row in table.iter_rows(named=True)}
chosen: int = st.selectbox("Extract", list(labels), format_func=lambda k: labels[k]) or next(iter(labels))
extract = store.extract(chosen)
assert extract is not None
st.subheader(f"Extract {chosen}: {extract['file_name']}")
st.markdown("\n".join(f"- {line}" for line in views.extract_summary(extract)))

if not views.has_original(store, extract):
    st.caption("No original file is kept for this load (synthetic demonstration data).")
elif ui_access.access().can("download_originals"):
    # Raw case-level data: admins only, and made on demand. Streamlit serves downloads from /media/ to
    # anyone holding the address, so the file must not sit behind an address in the page: a deferred
    # download exists only from the admin's click until Streamlit's next clean-up.
    st.download_button(
        "Download the file as loaded",
        data=views.original_loader(store, extract),
        file_name=extract["file_name"],
        on_click="ignore",
        help="The raw extract, with no disclosure control: handle it as the source data.",
    )
else:
    st.caption("The original file as loaded can be downloaded by an admin (it is raw case-level data).")

plan = undo.plan_undo(store, chosen)
if not plan.allowed:
    st.info(plan.message)
    st.stop()
st.markdown(plan.message)
confirmed = st.checkbox(f"Yes, undo extract {chosen}")
if st.button(f"Undo extract {chosen}", type="primary", disabled=not confirmed):
    try:
        counts = undo.undo(store, chosen, ui_access.current_user())
    except undo.UndoRefused as exc:
        st.error(str(exc))
        st.stop()
    state.extracts_message = (
        f"Undone extract {chosen}: {counts['values']:,} values and {counts['cases']:,} cases taken out, "
        f"{counts['values_restored']:,} values and {counts['cases_restored']:,} cases put back as they were."
    )
    st.rerun()
