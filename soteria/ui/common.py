"""Streamlit glue shared by the pages: caches keyed on the data version, the page header and the
shared widgets.

With ui_store (the connection and the pinned data version), ui_access (who may do what) and ui_charts
(a chart with its table and downloads), the only modules in `soteria/` that import streamlit. Caches
hold polars frames (immutable, so sharing them between sessions is safe) and are keyed on the store's
data version, so a commit or a register edit is seen by every page on its next run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from soteria.analysis import areas, compare, similar, survival
from soteria.charts import evaluation as evaluation_charts
from soteria.charts import figures as charts
from soteria.charts import tiles
from soteria.disclosure import rules as dc
from soteria.domain import DEMO_LABEL, GRAINS, METRICS
from soteria.evaluation import answer
from soteria.evaluation import run as evaluation_run
from soteria.outputs import pack as report
from soteria.outputs import registry as report_charts
from soteria.ui.access import run_access, show_account, sign_in_page
from soteria.ui.charts import show_chart
from soteria.ui.store import at_version, pin_version, store, version


@st.cache_resource(max_entries=8, show_spinner=False)
def _register(path: str, data_version: str) -> pl.DataFrame:
    return at_version(data_version, store().pilot_register)  # type: ignore[return-value]


@st.cache_resource(max_entries=8, show_spinner=False)
def _values(path: str, data_version: str, grain: str) -> pl.DataFrame:
    return at_version(data_version, lambda: store().metric_values(list(METRICS), grain))  # type: ignore[return-value]


@st.cache_resource(max_entries=4, show_spinner=False)
def _cases(path: str, data_version: str) -> pl.DataFrame:
    return at_version(data_version, store().cases)  # type: ignore[return-value]


@st.cache_resource(max_entries=4, show_spinner=False)
def _force_cps_area(path: str, data_version: str) -> pl.DataFrame:
    return at_version(data_version, store().force_cps_area)  # type: ignore[return-value]


def force_cps_area() -> pl.DataFrame:
    return _force_cps_area(str(store().path), version())


def register() -> pl.DataFrame:
    return _register(str(store().path), version())


@st.cache_resource(max_entries=8, show_spinner=False)
def _register_words(path: str, data_version: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    reg = _register(path, data_version)
    waves = reg.select("wave", "pilot_start").unique().sort("pilot_start")["wave"].to_list()
    names = {
        grain: dict(zip(part["area_code"], part["area_name"], strict=True))
        for (grain,), part in reg.partition_by("area_kind", as_dict=True).items()
    }
    return waves, names


def register_waves() -> list[str]:
    """The register's waves, earliest start first (once per data version: every page run needs them)."""
    return _register_words(str(store().path), version())[0]


def area_names(grain: str) -> dict[str, str]:
    """area_code -> area_name for one grain (once per data version)."""
    return _register_words(str(store().path), version())[1].get(grain, {})


def values(grain: str) -> pl.DataFrame:
    return _values(str(store().path), version(), grain)


def _key(sel: compare.Selection) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(sel.to_query_params().items()))


def _evaluation_key(sel: compare.Selection) -> tuple[tuple[str, str], ...]:
    # The evaluation uses neither the metric nor the frequency: one cache entry for all of them.
    return _key(report_charts.evaluation_selection(sel))


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


@st.cache_resource(max_entries=32, show_spinner=False)
def _tile_measure(path: str, data_version: str, key: tuple[tuple[str, str], ...], view: str) -> object:
    sel = compare.Selection.from_query_params(dict(key))
    return areas.tile_measure(
        _computed(path, data_version, "per_area", key),  # type: ignore[arg-type]
        _computed(path, data_version, "pilot_vs_control", key),  # type: ignore[arg-type]
        _register(path, data_version), sel, view,
    )  # fmt: skip


def tile_measure(sel: compare.Selection, view: str) -> areas.TileMeasure:
    """What each tile of the area explorer shows for `view` ('change', 'effect', 'latest')."""
    return _tile_measure(str(store().path), version(), _key(sel), view)


@st.cache_resource(max_entries=32, show_spinner=False)
def _tile_map(path: str, data_version: str, key: tuple[tuple[str, str], ...], view: str) -> go.Figure:
    sel = compare.Selection.from_query_params(dict(key))
    measure: areas.TileMeasure = _tile_measure(path, data_version, key, view)  # type: ignore[assignment]
    title = f"{areas.MEASURES[view]}: {GRAINS[sel.grain]}s"
    return tiles.tile_map_chart(
        measure.values,
        sel.grain,
        title,
        measure.colour_title,
        subtitle=measure.subtitle,
        midpoint=measure.midpoint,
    )


def tile_map(sel: compare.Selection, view: str) -> go.Figure:
    """The area explorer's tile map for `view`, cached until the data change. Treat it as read-only."""
    return _tile_map(str(store().path), version(), _key(sel), view)


@st.cache_resource(max_entries=64, show_spinner=False)
def _most_similar(path: str, data_version: str, grain: str, area_code: str, before: date) -> pl.DataFrame:
    return similar.most_similar(
        _values(path, data_version, grain), _register(path, data_version), area_code, grain, before, k=5
    )


def most_similar(grain: str, area_code: str, before: date) -> pl.DataFrame:
    """The five areas nearest to `area_code` in profile before `before` (soteria.analysis.similar)."""
    return _most_similar(str(store().path), version(), grain, area_code, before)


@st.cache_resource(max_entries=16, show_spinner="Running the evaluation for these choices...")
def _evaluation(path: str, data_version: str, key: tuple[tuple[str, str], ...], control: str) -> object:
    sel = compare.Selection.from_query_params(dict(key))
    return evaluation_run.run_evaluation(
        _values(path, data_version, sel.grain),
        _cases(path, data_version),
        _register(path, data_version),
        _force_cps_area(path, data_version),
        sel,
        control,
    )


def evaluation(sel: compare.Selection, control: str = "notyet") -> evaluation_run.EvaluationResult:
    """Every estimate for the selection (grain, window, pilot waves, excluded controls) and control
    definition, cached until the data change; stops the page with the reason if none can be made."""
    key = _evaluation_key(sel)
    try:
        return _evaluation(str(store().path), version(), key, control)  # type: ignore[return-value]
    except ValueError as exc:
        st.error(f"No evaluation for these choices: {exc}.")
        st.stop()
        raise


@st.cache_resource(max_entries=64, show_spinner=False)
def _answer(path: str, data_version: str, key: tuple[tuple[str, str], ...]) -> str:
    result = _evaluation(path, data_version, key, "notyet")
    return answer.markdown(result, _force_cps_area(path, data_version))  # type: ignore[arg-type]


def answer_markdown(sel: compare.Selection) -> str:
    """The Overview's answer in words (soteria.evaluation.answer) for the selection: once per data version and
    choices, like the evaluation it reads. Call `evaluation(sel)` first: it stops the page when no
    evaluation can be made."""
    return _answer(str(store().path), version(), _evaluation_key(sel))


@st.cache_resource(max_entries=64, show_spinner=False)
def _evaluation_chart(
    path: str, data_version: str, key: tuple[tuple[str, str], ...], control: str, chart: str
) -> evaluation_charts.ChartSpec:
    return evaluation_charts.chart(_evaluation(path, data_version, key, control), chart)  # type: ignore[arg-type]


def evaluation_chart(sel: compare.Selection, control: str, chart: str) -> evaluation_charts.ChartSpec:
    """An evaluation figure with its table and texts (``evaluation_charts.chart``), built once per data
    version and choices: building plotly figures costs more than a page rerun may."""
    key = _evaluation_key(sel)
    return _evaluation_chart(str(store().path), version(), key, control, chart)


def control_choice() -> str:
    """Sidebar choice of control areas for the evaluation, mirrored in the URL as `control`."""
    options = list(evaluation_run.CONTROLS)
    address_choice("control", options, "notyet")
    choice = st.sidebar.radio(
        "Control areas",
        options,
        format_func=lambda c: evaluation_run.CONTROLS[c].capitalize(),
        help="Not-yet-treated: areas that start later count as controls until their own start. "
        "Never-treated: only areas with no start inside the window.",
        key="control",
    )
    remember_choice("control", choice)
    return choice


# -- page furniture --------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner=False)
def _facts(path: str, data_version: str) -> tuple[bool, dict | None]:
    # Whether the data are the demo, and the latest extract: once per data version, not per chart.
    facts = lambda: (store().meta().get("dataset") == "demo", store().latest_extract())  # noqa: E731
    return at_version(data_version, facts)  # type: ignore[return-value]


@st.cache_resource(max_entries=8, show_spinner=False)
def _coverage(path: str, data_version: str) -> tuple[dict, dict | None]:
    return at_version(data_version, lambda: (store().data_span(), store().latest_extract()))  # type: ignore[return-value]


def data_span() -> dict:
    """What the data cover (Store.data_span) at this page run's data version."""
    return _coverage(str(store().path), version())[0]


def latest_extract() -> dict | None:
    """The latest loaded extract at this page run's data version."""
    return _coverage(str(store().path), version())[1]


def is_demo() -> bool:
    return _facts(str(store().path), version())[0]


def _leave_legacy_navigation() -> None:
    # On a fresh server, the first run of a deep link (/referrals) goes through Streamlit's legacy
    # pages/ folder mode before app.py has ever called st.navigation: the page then runs without the
    # app's navigation and layout. Switching the flag off and rerunning lands on the same page in app.py.
    from streamlit.runtime.pages_manager import PagesManager

    # Only on a session's first run, so no widget event is ever dropped by the rerun (the flag is set on
    # the first run whatever the mode: AppTest turns the legacy mode back on before every run).
    if not st.session_state.get("_navigation_checked"):
        st.session_state["_navigation_checked"] = True
        if PagesManager.uses_pages_directory:
            PagesManager.uses_pages_directory = False
            st.rerun()


ACCESSIBILITY_CSS = Path(__file__).with_name("static") / "accessibility.css"


def page_header(title: str, lead: str) -> None:
    _leave_legacy_navigation()
    # The one use of st.html: our own stylesheet from a file in the package (no data, no markup); a
    # style-only body is applied as a stylesheet and draws nothing.
    st.html(ACCESSIBILITY_CSS)
    st.session_state["_new_page"] = st.session_state.get("_page") != title
    st.session_state["_page"] = title
    who = run_access()
    if who.needs_sign_in:
        sign_in_page()
    show_account(who)
    pin_version()
    st.title(title)
    if is_demo():
        st.warning(f"**{DEMO_LABEL}.** Every figure on this page is made up for demonstration.", icon="⚠️")
    st.markdown(lead)


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
            format_func=names.get,
            help="For example Areas that ran their own improvement work (CPS South East, CPS Wessex).",
            key="excluded_controls",
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


def export_text(text: charts.ChartText) -> charts.ChartText:
    """The chart's text with the source line an exported image needs to stand on its own."""
    latest = _facts(str(store().path), version())[1]
    source = "Source: " + (
        f"{latest['file_name']} (extract {latest['extract_id']})" if latest else "no extract"
    )
    return replace(text, source=f"{source}; data version {version()}")


def chart_block(
    fig: go.Figure,
    table: pl.DataFrame | dc.Published,
    chart: str,
    sel: compare.Selection,
    summary: str,
    text: charts.ChartText,
    select_key: str | None = None,
) -> object:
    """A chart built by the page itself, shown as `show_chart` shows a registry chart. A plain table
    goes through disclosure control first (`disclosure.generic`), so the page, the CSV and the Excel
    download all show the same published figures."""
    published = table if isinstance(table, dc.Published) else dc.generic(table)
    full = export_text(text)
    full = replace(full, notes=(*full.notes, published.note.rule()))
    first, last = sel.start, sel.end
    metadata = (
        ("Title", text.title),
        ("Summary", summary),
        ("Subtitle", text.subtitle),
        ("Filters (as in the page address)", "&".join(f"{k}={v}" for k, v in sel.to_query_params().items())),
        ("Data version", version()),
        ("Source", full.source),
        ("Synthetic data", DEMO_LABEL if is_demo() else "No"),
        ("Disclosure control", published.note.text()),
        ("Symbols", "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())),
    )
    return show_chart(
        report_charts.ChartOutput(
            chart, chart, fig, published, summary, full, metadata, sel, is_demo(), (first, last)
        ),
        select_key,
    )


class _PageData:
    """report_charts.Data over this session's caches, at one data version."""

    def __init__(self, path: str, data_version: str) -> None:
        self.path, self.data_version = path, data_version

    def computed(self, what: str, sel: compare.Selection):  # noqa: ANN201 - what the domain returns
        return _computed(self.path, self.data_version, what, _key(sel))

    def register(self) -> pl.DataFrame:
        return _register(self.path, self.data_version)

    def provenance(self) -> report_charts.Provenance:
        return _provenance(self.path, self.data_version)

    def evaluation(self, sel: compare.Selection):  # noqa: ANN201 - an EvaluationResult
        return _evaluation(self.path, self.data_version, _evaluation_key(sel), "notyet")


@st.cache_resource(max_entries=8, show_spinner=False)
def _provenance(path: str, data_version: str) -> report_charts.Provenance:
    return at_version(
        data_version,
        lambda: report_charts.Provenance(  # type: ignore[return-value]
            data_version, tuple(store().extracts().to_dicts()), store().meta().get("dataset") == "demo"
        ),
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def _chart_output(
    path: str,
    data_version: str,
    name: str,
    key: tuple[tuple[str, str], ...],
    options: tuple[tuple[str, str], ...],
) -> report_charts.ChartOutput:
    sel = compare.Selection.from_query_params(dict(key))
    return report_charts.build(name, _PageData(path, data_version), sel, **dict(options))


def page_data() -> _PageData:
    return _PageData(str(store().path), version())


def chart_output(name: str, sel: compare.Selection, **options: str) -> report_charts.ChartOutput:
    """A registry chart (soteria.outputs.registry) for the selection, cached until the data change."""
    return _chart_output(str(store().path), version(), name, _key(sel), tuple(sorted(options.items())))


def chart(name: str, sel: compare.Selection, **options: str) -> report_charts.ChartOutput:
    """Show a registry chart with its summary, published data table and downloads."""
    output = chart_output(name, sel, **options)
    show_chart(output)
    return output


def published(name: str, sel: compare.Selection) -> dc.Published:
    """A page table after disclosure control: 'km_summary' or 'numbers_at_risk'."""
    data, threshold = page_data(), dc.threshold_from_env()
    if name == "km_summary":
        return report_charts.km_summary_table(report_charts.published_km_summary(data, sel, threshold))
    if name == "numbers_at_risk":
        return report_charts.published_numbers_at_risk(data, sel, threshold)
    raise ValueError(f"unknown table {name!r}")


def report_pack(sel: compare.Selection, names: list[str], headlines: list[str]) -> report.Pack:
    """The report pack for the selection, from the same cached charts the pages show."""
    outputs = [chart_output(name, sel) for name in names]
    return report.build_pack(page_data(), sel, names, headlines, outputs=outputs)
