"""Streamlit glue shared by the pages: the store, caches keyed on the data version, shared widgets.

The only module in `soteria/` that imports streamlit. Caches hold polars frames (immutable, so
sharing them between sessions is safe) and are keyed on the store's data version, so a commit or
a register edit is seen by every page on its next run.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from soteria import charts, compare, export, survival
from soteria.config import database_path
from soteria.demo import ensure_demo
from soteria.domain import DEMO_LABEL, GRAINS, METRICS
from soteria.storage import StorageError, Store, open_store


@st.cache_resource(show_spinner="Preparing the database (first start builds the demo data)...")
def _open(path: str) -> Store:
    store = open_store(path)
    ensure_demo(store)
    return store


def store() -> Store:
    """The process's store; stops the page with a plain message if the database cannot be used."""
    try:
        return _open(str(database_path()))
    except StorageError as exc:
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


def version() -> str:
    return store().data_version()


def current_user() -> str:
    return getpass.getuser()


@st.cache_resource(max_entries=8, show_spinner=False)
def _register(path: str, data_version: str) -> pl.DataFrame:
    return store().pilot_register()


@st.cache_resource(max_entries=8, show_spinner=False)
def _values(path: str, data_version: str, grain: str) -> pl.DataFrame:
    return store().metric_values(list(METRICS), grain)


@st.cache_resource(max_entries=4, show_spinner=False)
def _cases(path: str, data_version: str) -> pl.DataFrame:
    return store().cases()


@st.cache_resource(max_entries=4, show_spinner=False)
def _force_cps_area(path: str, data_version: str) -> pl.DataFrame:
    return store().force_cps_area()


def register() -> pl.DataFrame:
    return _register(str(store().path), version())


def values(grain: str) -> pl.DataFrame:
    return _values(str(store().path), version(), grain)


def _key(sel: compare.Selection) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(sel.to_query_params().items()))


@st.cache_resource(max_entries=64, show_spinner=False)
def _computed(path: str, data_version: str, what: str, key: tuple[tuple[str, str], ...]) -> object:
    sel = compare.Selection.from_query_params(dict(key))
    reg = _register(path, data_version)
    if what == "pilot_vs_control":
        return compare.pilot_vs_control(_values(path, data_version, sel.grain), reg, sel)
    if what == "per_area":
        return compare.per_area_series(_values(path, data_version, sel.grain), reg, sel)
    if what == "charge_rate":
        return compare.charge_rate_series(_values(path, data_version, sel.grain), reg, sel)
    if what == "pilot_starts":
        return compare.pilot_starts(reg, sel)
    if what == "headline":
        return compare.headline(_values(path, data_version, sel.grain), reg, sel)
    if what == "time_to_file":
        return survival.time_to_file(
            _cases(path, data_version), reg, _force_cps_area(path, data_version), sel
        )
    if what == "km_curves":
        return survival.km_curves(_computed(path, data_version, "time_to_file", key))
    if what == "numbers_at_risk":
        return survival.numbers_at_risk(_computed(path, data_version, "time_to_file", key))
    if what == "km_summary":
        return survival.summary(_computed(path, data_version, "time_to_file", key))
    raise ValueError(f"unknown computation {what!r}")


def computed(what: str, sel: compare.Selection):  # noqa: ANN201 - returns what the domain function returns
    """A domain computation for a selection, cached until the data changes."""
    return _computed(str(store().path), version(), what, _key(sel))


# -- page furniture --------------------------------------------------------------------------


def is_demo() -> bool:
    return store().meta().get("dataset") == "demo"


def _leave_legacy_navigation() -> None:
    # On a fresh server, the first run of a deep link (/referrals) goes through Streamlit's legacy
    # pages/ folder mode before app.py has ever called st.navigation: the page then runs without the
    # app's navigation and layout. Switching the flag off and rerunning lands on the same page in app.py.
    from streamlit.runtime.pages_manager import PagesManager

    # Only on a session's first run, so no widget event is ever dropped by the rerun.
    if PagesManager.uses_pages_directory and not st.session_state.get("_navigation_checked"):
        st.session_state["_navigation_checked"] = True
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(title: str, lead: str) -> None:
    _leave_legacy_navigation()
    st.title(title)
    if is_demo():
        st.warning(f"**{DEMO_LABEL}.** Every figure on this page is made up for demonstration.", icon="⚠️")
    st.markdown(lead)


def selection_sidebar(metric_choice: bool = True, frequency_choice: bool = True) -> compare.Selection:
    """Widgets for grain, period, frequency, pilot waves and excluded controls, mirrored in the URL."""
    try:
        initial = compare.Selection.from_query_params(st.query_params.to_dict())
    except ValueError:
        initial = compare.Selection()
    reg = register()
    with st.sidebar:
        st.header("What to compare")
        grain = st.radio(
            "Compare by", list(GRAINS), index=list(GRAINS).index(initial.grain), format_func=GRAINS.get
        )
        metric = initial.metric
        if metric_choice:
            names = list(METRICS)
            metric = st.selectbox(
                "Measure", names, index=names.index(initial.metric), format_func=lambda m: METRICS[m].label
            )
        period = st.slider(
            "Period",
            min_value=date(2019, 1, 1),
            max_value=date(2024, 6, 30),
            value=(initial.start, initial.end),
            format="MMM YYYY",
        )
        frequency = initial.frequency
        if frequency_choice:
            frequency = st.radio(
                "Frequency",
                ["month", "quarter"],
                index=["month", "quarter"].index(initial.frequency),
                format_func=str.capitalize,
                horizontal=True,
            )
        waves = reg.select("wave", "pilot_start").unique().sort("pilot_start")["wave"].to_list()
        pilot_waves = st.multiselect(
            "Pilot group: areas that started in",
            waves,
            default=[w for w in initial.pilot_waves if w in waves],
        )
        candidates = reg.filter(pl.col("area_kind") == grain, ~pl.col("wave").is_in(pilot_waves))
        names = dict(zip(candidates["area_code"], candidates["area_name"], strict=True))
        excluded = st.multiselect(
            "Exclude from the control group",
            list(names),
            default=[c for c in initial.excluded_controls if c in names],
            format_func=names.get,
            help="For example Areas that ran their own improvement work (CPS South East, CPS Wessex).",
        )
    try:
        sel = compare.Selection(
            grain=grain,
            metric=metric,
            start=period[0],
            end=period[1],
            frequency=frequency,
            pilot_waves=tuple(pilot_waves),
            excluded_controls=tuple(excluded),
            baseline_year=initial.baseline_year,
        )
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
        raise
    st.query_params.from_dict(sel.to_query_params())
    return sel


def export_text(text: charts.ChartText) -> charts.ChartText:
    """The chart's text with the source line an exported image needs to stand on its own."""
    latest = store().latest_extract()
    source = "Source: " + (
        f"{latest['file_name']} (extract {latest['extract_id']})" if latest else "no extract"
    )
    return replace(text, source=f"{source}; data version {version()}")


def chart_block(
    fig: go.Figure,
    table: pl.DataFrame,
    chart: str,
    sel: compare.Selection,
    summary: str,
    text: charts.ChartText,
) -> None:
    """A chart, its one-sentence summary, its data table (the text alternative) and its downloads."""
    st.plotly_chart(fig, config={"displaylogo": False}, theme=None, alt=summary)
    st.caption(summary)
    with st.expander("Data table for this chart", expanded=False):
        st.dataframe(table, hide_index=True)
    for col, fmt, mime in zip(
        st.columns(3), ("png", "svg", "csv"), ("image/png", "image/svg+xml", "text/csv"), strict=True
    ):
        data = export.frame_to_csv(table) if fmt == "csv" else _renderer(fig, text, fmt)
        col.download_button(
            "Download data (CSV)" if fmt == "csv" else f"Download chart ({fmt.upper()})",
            data=data,
            file_name=export.export_file_name(chart, sel.grain, sel.start, sel.end, fmt),
            mime=mime,
            on_click="ignore",
            key=f"download-{chart}-{fmt}",
        )


def _renderer(fig: go.Figure, text: charts.ChartText, fmt: str) -> Callable[[], bytes]:
    # Called only on click (Streamlit runs it lazily), so a page run never waits for Chromium.
    full_text = export_text(text)
    synthetic = is_demo()
    return lambda: export.figure_to_image(charts.with_export_text(fig, full_text, synthetic), fmt)
