"""The page's choices: the selection in the sidebar, mirrored in the address and the session, so that a
view can be shared as a link and moving between pages keeps it."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from soteria.analysis import compare
from soteria.domain import GRAINS, METRICS
from soteria.ui.data import area_names, register, register_waves


def _new_page() -> bool:
    """True on the first run of a page in this session's visit to it (set by `page_header`)."""
    return st.session_state.get("_new_page", True)


def _seed(key: str, value: object, from_address: bool) -> None:
    # Widgets are keyed and seeded through session state, never through index=/value=/default=: a widget
    # whose default follows the address changes identity when the address does, and Streamlit would drop
    # the user's next change with the old widget.
    if from_address or key not in st.session_state:
        st.session_state[key] = value


def address_choice(key: str, options: list[str], default: str | None) -> None:
    """Seed the keyed widget `key` from the address parameter of the same name: when the session has
    no value yet, or when the address was changed from outside (a shared link, a page link) since this
    session last wrote it. Call `remember_choice` with the widget's value after creating it."""
    asked, last = st.query_params.get(key), st.session_state.get(f"_address_{key}")
    changed = (asked is not None and asked != last) or _new_page()
    valid = asked if asked in options else last if last in options else default
    _seed(key, valid, changed)
    if st.session_state[key] not in options:
        st.session_state[key] = default


def remember_choice(key: str, value: str) -> None:
    st.query_params[key] = value
    st.session_state[f"_address_{key}"] = value


def selection_sidebar(
    metric_choice: bool = True,
    frequency_choice: bool = True,
    keep_params: tuple[str, ...] = (),
    folded: bool = False,
) -> compare.Selection:
    """Widgets for grain, period, frequency, pilot waves and excluded controls, mirrored in the URL.

    `folded`: the widgets sit in a closed sidebar expander, drawn only once it is opened, with the
    current choices in words under it (the Overview: the answer first, the filters one click away)."""
    asked = st.query_params.to_dict()
    last = st.session_state.get("_selection")
    if not set(asked) & set(compare.Selection().to_query_params()) and last:
        asked = {**last, **asked}  # opened from the navigation: keep the view
    try:
        initial = compare.Selection.from_query_params(asked)
    except ValueError:
        initial = compare.Selection()
    # Seed the widgets when the address changed from outside this session (a shared link, a page link)
    # or the page is new: widgets are per page, so the last page's widget state does not carry over.
    outside = initial.to_query_params() != last or _new_page()
    waves = register_waves()
    _seed("grain", initial.grain, outside)
    _seed("metric", initial.metric, outside)
    _seed("period", (initial.start, initial.end), outside)
    _seed("frequency", initial.frequency, outside)
    _seed("pilot_waves", [w for w in initial.pilot_waves if w in waves], outside)
    _seed("excluded_controls", list(initial.excluded_controls), outside)
    if folded:
        box = st.sidebar.expander("What to compare", key="filters_open", on_change="rerun")
        if not box.open:
            return _remember(initial, keep_params, say=True)
    with box if folded else st.sidebar:
        if not folded:
            st.header("What to compare")
        grain = st.radio("Compare by", list(GRAINS), format_func=GRAINS.get, key="grain")
        metric = initial.metric
        if metric_choice:
            metric = st.selectbox(
                "Measure", list(METRICS), format_func=lambda m: METRICS[m].label, key="metric"
            )
        period = st.slider(
            "Period", min_value=date(2019, 1, 1), max_value=date(2024, 6, 30), format="MMM YYYY", key="period"
        )
        frequency = initial.frequency
        if frequency_choice:
            frequency = st.radio(
                "Frequency",
                ["month", "quarter"],
                format_func=str.capitalize,
                horizontal=True,
                key="frequency",
            )
        pilot_waves = st.multiselect("Pilot group: areas that started in", waves, key="pilot_waves")
        reg = register()
        candidates = reg.filter(pl.col("area_kind") == grain, ~pl.col("wave").is_in(pilot_waves))
        names = dict(zip(candidates["area_code"], candidates["area_name"], strict=True))
        # A change of grain or pilot group can leave excluded areas that are no longer candidates.
        st.session_state["excluded_controls"] = [
            c for c in st.session_state["excluded_controls"] if c in names
        ]
        excluded = st.multiselect(
            "Exclude from the control group",
            list(names),
            format_func=lambda c: names.get(c, c),
            help="For example Areas that ran their own improvement work (CPS South East, CPS Wessex).",
            key="excluded_controls",
        )
    try:
        sel = compare.Selection(
            grain=grain,
            metric=metric,
            start=period[0],  # type: ignore[index]  # a range slider gives two dates
            end=period[1],  # type: ignore[index]
            frequency=frequency,
            pilot_waves=tuple(pilot_waves),
            excluded_controls=tuple(excluded),
            baseline_year=initial.baseline_year,
        )
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
        raise
    return _remember(sel, keep_params)


def _remember(sel: compare.Selection, keep_params: tuple[str, ...], say: bool = False) -> compare.Selection:
    """Write the selection to the address and the session; `say`: also in words (filters folded)."""
    if say:
        words = sel.describe(area_names(sel.grain), index=False)
        st.sidebar.caption(f"Now comparing: {words}. Open to change.")
    kept = {k: st.query_params[k] for k in keep_params if k in st.query_params}  # a page's own choices
    st.query_params.from_dict({**sel.to_query_params(), **kept})
    st.session_state["_selection"] = sel.to_query_params()
    return sel
