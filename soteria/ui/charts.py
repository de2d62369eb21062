"""A chart on a page: its title as a heading, its summary, and one click away its data table and
downloads (the same figure and published table that the exports use)."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from soteria import disclosure as dc
from soteria.charts import style as chart_style
from soteria.outputs import chart_files, chart_output
from soteria.ui import tables
from soteria.ui.data import release


def table(published_table: dc.Published) -> None:
    """A published table as people read it, with the legend of any symbol it uses."""
    tables.table(published_table.display(headings=True))
    legend = published_table.legend()
    if legend:
        st.caption("  \n".join(legend))


TABLE_AND_DOWNLOADS = "Data table and downloads for this chart"
DOWNLOADS = (
    ("png", "Download chart (PNG)"),
    ("svg", "Download chart (SVG)"),
    ("pdf", "Download chart (PDF)"),
    ("csv", "Download data (CSV)"),
    ("xlsx", "Download data (Excel)"),
)


def page_figure(output: chart_output.ChartOutput) -> go.Figure:
    """The figure without its in-chart title: on a page the title is a real heading (screen readers list
    headings, not SVG text) and the subtitle a caption. Built once per cached chart."""

    def build() -> go.Figure:
        fig = go.Figure(output.figure)
        top = fig.layout.margin.t or chart_style.BASE_MARGIN["t"]
        fig.update_layout(title=None, margin_t=max(int(top) - PAGE_TITLE_PX, 40))
        if fig.layout.legend.title.text:  # a title above the keys lets them wrap on a phone
            fig.update_layout(legend_title_side="top")
        return fig

    return output.kept("page", build)


# No mode bar: downloads sit in the expander under every chart, and on a phone the bar covered the
# legend. Dragging still zooms and a double click resets.
PAGE_CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}
PAGE_TITLE_PX = 80  # the title and subtitle lines an in-chart title takes


def show_chart(output: chart_output.ChartOutput, select_key: str | None = None) -> object:
    """A chart under its title as a heading, its one-sentence summary, and one click away its data table
    (the text alternative, after disclosure control, with the symbol legend) and its downloads: PNG, SVG
    and PDF from the export server, CSV and Excel of the published table. Every download is made only
    when clicked. With `select_key`, clicking a point reruns the page and the selection is returned."""
    st.markdown(f"#### {output.text.title}")
    if output.text.subtitle:
        st.caption(output.text.subtitle)
    options = {"on_select": "rerun", "selection_mode": "points", "key": select_key} if select_key else {}
    event = st.plotly_chart(  # type: ignore[call-overload]  # on_select given only with a key
        page_figure(output), config=PAGE_CHART_CONFIG, theme=None, alt=output.summary, **options
    )
    st.caption(output.summary)
    if output.caption:
        st.caption(output.caption)
    # The table and downloads are built only once opened: a data grid costs the browser about as much as
    # a chart, and five buttons under every chart were five more tab stops and elements on each load.
    box = st.expander(TABLE_AND_DOWNLOADS, key=f"table-{output.stem}", on_change="rerun")
    if box.open:
        with box:
            table(output.table)
            st.caption(output.table.note.summary())
            for col, (fmt, label) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS, strict=True):
                col.download_button(
                    label,
                    data=_download(output, fmt),
                    file_name=output.file_name(fmt),
                    mime=chart_files.EXPORT_FORMATS[fmt],
                    on_click="ignore",
                    key=f"download-{output.stem}-{fmt}",
                )
    return event


def _download(output: chart_output.ChartOutput, fmt: str) -> Callable[[], bytes]:
    # Called only on click (Streamlit runs it lazily), so a page run never waits for Chromium.
    now = release()
    return lambda: chart_files.export_chart(output, fmt, now)
