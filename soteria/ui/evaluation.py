"""The evaluation on a page: the run for the page's choices, the Overview's answer, the evaluation's
figures, and the choice of control areas."""

from __future__ import annotations

import streamlit as st

from soteria.analysis import compare
from soteria.charts import evaluation as evaluation_charts
from soteria.evaluation import answer
from soteria.evaluation.design import CONTROLS
from soteria.evaluation.outcome import EvaluationResult
from soteria.outputs.data import evaluation_selection, selection_key
from soteria.ui.data import analyses, source
from soteria.ui.selection import address_choice, remember_choice


def evaluation(sel: compare.Selection, control: str = "notyet") -> EvaluationResult:
    """Every estimate for the selection (grain, window, pilot waves, excluded controls) and control
    definition, kept until the data change; stops the page with the reason if none can be made."""
    data = analyses()
    key = ("evaluation", selection_key(evaluation_selection(sel)), control)
    try:
        if key in source().memo_of():
            return data.evaluation(sel, control)
        with st.spinner("Running the evaluation for these choices..."):
            return data.evaluation(sel, control)
    except ValueError as exc:
        st.error(f"No evaluation for these choices: {exc}.")
        st.stop()
        raise


def answer_markdown(sel: compare.Selection) -> str:
    """The Overview's answer in words (soteria.evaluation.answer) for the selection: once per data version
    and choices, like the evaluation it reads. Call `evaluation(sel)` first: it stops the page when no
    evaluation can be made."""
    data, src = analyses(), source()
    key = ("answer", selection_key(evaluation_selection(sel)))
    return src.memo(key, lambda: answer.markdown(data.evaluation(sel), src.force_cps_area()))


def evaluation_chart(sel: compare.Selection, control: str, chart: str) -> evaluation_charts.ChartSpec:
    """An evaluation figure with its table and texts (``charts.evaluation.chart``), built once per data
    version and choices: building plotly figures costs more than a page rerun may."""
    data = analyses()
    key = ("evaluation_chart", selection_key(evaluation_selection(sel)), control, chart)
    return source().memo(key, lambda: evaluation_charts.chart(data.evaluation(sel, control), chart))


def control_choice() -> str:
    """Sidebar choice of control areas for the evaluation, mirrored in the URL as `control`."""
    options = list(CONTROLS)
    address_choice("control", options, "notyet")
    choice = st.sidebar.radio(
        "Control areas",
        options,
        format_func=lambda c: CONTROLS[c].capitalize(),
        help="Not-yet-treated: areas that start later count as controls until their own start. "
        "Never-treated: only areas with no start inside the window.",
        key="control",
    )
    remember_choice("control", choice)
    return choice
