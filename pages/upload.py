"""Upload: validate an area-month metrics or case timeline CSV, preview it, then commit or cancel."""

from datetime import date

import streamlit as st

from soteria import export, ingest, summaries, ui

ui.page_header(
    "Upload an extract",
    "Load an area-month metrics CSV (`area_code, month, metric, value`) or a case timeline CSV "
    "(`case_ref, force_code, reported_on, file_submitted_on, closed_on, closure_reason`). Nothing is "
    "stored until you commit, and nothing is stored if any row fails.",
)
upload = st.file_uploader("Extract file (CSV)", type=["csv"])
as_of = st.date_input(
    "Extract as-of date (for case timelines: open cases are followed up to it)", date.today()
)
if upload is None:
    st.stop()

store = ui.store()
parsed = ingest.read_extract(upload.getvalue(), upload.name, store.areas(), as_of=as_of)
if parsed.problems:
    st.error(summaries.problems_headline(parsed))
    problems = summaries.problems_frame(parsed.problems)
    st.dataframe(problems, hide_index=True)
    st.download_button(
        "Download the full list of problems (CSV)",
        data=export.frame_to_csv(problems),
        file_name=f"{upload.name}.problems.csv",
        mime="text/csv",
        on_click="ignore",
    )
    st.stop()

preview = ingest.preview(store, parsed)
st.subheader("Preview")
st.markdown("\n".join(f"- {line.strip()}" for line in preview.lines()))
st.dataframe(summaries.preview_frame(preview), hide_index=True)
if preview.already_loaded:
    st.info("This exact file has been loaded before; committing it again would change nothing.")
    st.stop()
if st.button("Commit this extract", type="primary"):
    extract_id = ingest.commit(store, parsed, loaded_by=ui.current_user())
    st.success(f"Committed as extract {extract_id}. Every page now shows the new data.")
