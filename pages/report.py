"""Report pack: the charts and headline findings you choose as one PDF, PowerPoint deck or HTML report."""

import streamlit as st

from soteria import ui
from soteria.outputs import pack as report
from soteria.outputs import registry

ui.page_header(
    "Report pack",
    "Choose charts and headline findings, then build the whole pack in one step: a PDF (cover with the "
    "findings in plain English, one chart per page, method notes), a PowerPoint deck (one chart per "
    "slide, the summary in the notes) and an HTML report that works offline. Every figure is after "
    "disclosure control.",
)
sel = ui.selection_sidebar(metric_choice=False)
names = st.multiselect(
    "Charts",
    list(registry.CHARTS),
    default=list(registry.DEFAULT_PACK),
    format_func=lambda n: registry.CHARTS[n].label,
    key="report-charts",
)
headlines = st.multiselect(
    "Headline findings on the cover",
    list(report.HEADLINES),
    default=list(report.HEADLINES),
    format_func=lambda k: report.HEADLINES[k],
    key="report-headlines",
)
labels = {"pdf": "PDF", "pptx": "PowerPoint", "html": "HTML (works offline)"}
formats = st.multiselect(
    "Formats", list(labels), default=list(labels), format_func=lambda k: labels[k], key="report-formats"
)
choice = (
    ui.version(),
    tuple(sorted(sel.to_query_params().items())),
    tuple(names),
    tuple(headlines),
    tuple(formats),
)
if st.button("Build the report pack", type="primary", disabled=not names or not formats):
    with st.spinner(f"Building {len(names)} chart(s) in {len(formats)} format(s)..."):
        pack = ui.report_pack(sel, names, headlines)
        st.session_state["report-pack"] = (choice, report.files(pack, formats))
built = st.session_state.get("report-pack")
if built and built[0] == choice:
    st.success("The report pack is ready.")
    for name, data in built[1].items():
        ext = name.rsplit(".", 1)[-1]
        what = "everything (ZIP, with each chart's data)" if ext == "zip" else labels[ext]
        st.download_button(
            f"Download {what}",
            data=data,
            file_name=name,
            mime=report.PACK_MIME[ext],
            on_click="ignore",
            key=f"pack-{ext}",
        )
elif built:
    st.info("The choices changed since the pack was built: build it again to download.")
