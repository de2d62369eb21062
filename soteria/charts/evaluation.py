"""Figures for the evaluation page: event study and synthetic control (pure: frames in, figures out).

Same look as ``soteria.charts.figures`` (palette, fonts, export text); only SVG traces (go.Scatter). Pilot and
synthetic/control lines differ by dash and marker shape as well as colour; periods before the start have
open markers, after it filled ones. Report-to-file curves reuse ``soteria.charts.figures.km_chart``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from soteria import disclosure as dc
from soteria.charts import evaluation_text
from soteria.charts import style as cs
from soteria.charts.effects import effects_chart
from soteria.charts.figures import ChartText, km_chart
from soteria.evaluation import text
from soteria.evaluation.outcome import EvaluationResult
from soteria.evaluation.text.effects import effects_frame, effects_summary

START_LINE = {"color": "#333333", "width": 1.5, "dash": "dot"}
ZERO_LINE = {"color": "#555555", "width": 1}


def event_study_chart(frame: pl.DataFrame, y_label: str, step: str, text: ChartText) -> go.Figure:
    """Estimate per period since the start (event time) with its 95% interval; 0 = the start period.

    ``frame``: event_time, period, estimate, lower, upper and, when given, uniform_lower/uniform_upper
    (the simultaneous band, drawn as a shaded area behind the pointwise intervals). ``step``: 'month' or
    'quarter'.
    """
    fig = cs.base_layout(go.Figure(), text.title, text.subtitle, top=130, legend_px=16)
    pilot = cs.ARMS["pilot"]
    if "uniform_lower" in frame.columns and frame["uniform_lower"].is_not_null().any():
        band = frame.sort("event_time")
        x = band["event_time"].to_list()
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=band["uniform_upper"].to_list() + band["uniform_lower"].to_list()[::-1],
                fill="toself",
                fillcolor=cs.rgba(pilot.colour, 0.12),
                line={"width": 0},
                name="Simultaneous 95% band (judge the whole path by this)",
                hoverinfo="skip",
            )
        )
    for when, part in (("before", frame.filter(pl.col("event_time") < 0)),
                       ("after", frame.filter(pl.col("event_time") >= 0))):  # fmt: skip
        if part.is_empty():
            continue
        est = part["estimate"]
        fig.add_trace(
            go.Scatter(
                x=part["event_time"].to_list(),
                y=est.to_list(),
                name=f"{cs.PERIOD_LABELS[when]} (95% interval)",
                mode="markers",
                marker={"color": pilot.colour, "size": 8, "symbol": cs.symbol("pilot", when),
                        "line": {"color": pilot.colour, "width": 1.5}},
                error_y={"type": "data", "symmetric": False, "array": (part["upper"] - est).to_list(),
                         "arrayminus": (est - part["lower"]).to_list(), "color": cs.rgba(pilot.colour, 0.55),
                         "thickness": 1.2, "width": 0},
                customdata=part.select(pl.col("period").dt.strftime("%b %Y"), "lower", "upper").rows(),
                hovertemplate=(f"<b>%{{customdata[0]}}</b> ({step} %{{x}} from the start)<br>Estimate: "
                               "%{y:,.2f}<br>95% interval: %{customdata[1]:,.2f} to %{customdata[2]:,.2f}"
                               "<extra></extra>"),
            )
        )  # fmt: skip
    fig.add_hline(y=0, line=ZERO_LINE, layer="below")
    fig.add_vline(x=-0.5, line=START_LINE, layer="below")
    fig.add_annotation(x=-0.5, y=1, xref="x", yref="paper", yanchor="bottom", text="Pilot starts",
                       showarrow=False, font={"size": 12, "color": "#333333"})  # fmt: skip
    fig.update_xaxes(title_text=f"{step.capitalize()}s since the pilot start (0 = first)",
                     zeroline=False, showline=True, linecolor="#888888")  # fmt: skip
    fig.update_yaxes(title_text=y_label, zeroline=False)
    fig.update_layout(legend_title_text="Difference from what the controls predict:")
    return fig


def synth_chart(frame: pl.DataFrame, start: date, y_label: str, text: ChartText) -> go.Figure:
    """Two panels: the pilot area against its synthetic control, and the gap between them.

    ``frame``: period, actual, synthetic, gap, after_start.
    """
    titles = ("Pilot area and its synthetic control", "Gap: actual minus synthetic")
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.64, 0.36],
        vertical_spacing=0.08,
        subplot_titles=titles,
    )
    fig.update_annotations(font_size=13)
    cs.base_layout(fig, text.title, text.subtitle, height=680, top=140, legend_px=34)
    periods = frame["period"].to_list()
    after = frame["after_start"].to_list()
    for key, name, col in (
        ("pilot", "Pilot area (actual)", "actual"),
        ("control", "Synthetic control", "synthetic"),
    ):
        style = cs.ARMS[key]
        fig.add_trace(
            go.Scatter(
                x=periods, y=frame[col].to_list(), name=name, mode="lines+markers",
                line={"color": style.colour, "dash": style.dash, "width": 2.2},
                marker={"color": style.colour, "size": 6, "line": {"color": style.colour, "width": 1.2},
                        "symbol": [cs.symbol(key, "after" if a else "before") for a in after]},
                hovertemplate=f"<b>{name}</b><br>%{{x|%b %Y}}: %{{y:,.1f}}<extra></extra>",
            ),
            row=1, col=1,
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=periods, y=frame["gap"].to_list(), name="Gap (actual minus synthetic)", mode="lines+markers",
            line={"color": cs.TEXT_COLOUR, "width": 1.8}, marker={"color": cs.TEXT_COLOUR, "size": 5,
            "symbol": ["diamond" if a else "diamond-open" for a in after]},
            hovertemplate="<b>Gap</b><br>%{x|%b %Y}: %{y:+,.1f}<extra></extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    fig.add_hline(y=0, line=ZERO_LINE, row=2, col=1)
    for row in (1, 2):
        fig.add_vline(x=start, line=START_LINE, row=row, col=1)
    fig.add_annotation(x=start, y=1, xref="x", yref="paper", yanchor="bottom", text=cs.start_label(start),
                       showarrow=False, font={"size": 12, "color": "#333333"}, yshift=18)  # fmt: skip
    fig.update_xaxes(tickformat="%b %Y", showline=True, linecolor="#888888")
    fig.update_yaxes(title_text=y_label, row=1, col=1)
    fig.update_yaxes(title_text="Gap", row=2, col=1)
    fig.update_layout(legend_title_text="Open markers: before the start.")
    return fig


# -- the page's charts, ready to cache ------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    """A figure with what ``ui.chart_block`` shows beside it: data table, file name, summary, texts."""

    fig: go.Figure
    table: pl.DataFrame
    name: str
    summary: str
    text: ChartText


def thin_steps(curves: pl.DataFrame, points: int = 300) -> pl.DataFrame:
    """At most about ``points`` rows per arm and period for drawing (the last row in each of ``points``
    equal slices of days, so every step keeps its end value); the full curve stays in the data table."""
    span = float(curves["day"].max() or 1.0) if curves.height else 1.0  # type: ignore[arg-type]  # a polars scalar
    cell = (pl.col("day") / span * points).floor()
    return (
        curves.with_columns(_cell=cell)
        .group_by("arm", "period", "_cell", maintain_order=True)
        .agg(pl.all().last())
        .drop("_cell")
        .sort("arm", "period", "day")
        .select(curves.columns)
    )


def chart(result: EvaluationResult, chart_id: str) -> ChartSpec:
    """'event_study/<outcome>', 'synthetic/<outcome>/<area_code>', 'report_to_file/<estimator>' or
    'effects' (every headline effect)."""
    kind, _, rest = chart_id.partition("/")
    sub = text.subtitle(result)
    if kind == "event_study":
        o = result.outcomes[rest]
        frame = text.event_study_frame(o)
        t = evaluation_text.event_chart_text(o, sub)
        fig = event_study_chart(frame, text.event_axis(o), o.info["frequency"], t)
        return ChartSpec(fig, frame, f"{rest}_event_study", text.event_study_summary(o), t)
    if kind == "synthetic":
        outcome, _, code = rest.partition("/")
        o = result.outcomes[outcome]
        r = text.synth_for(o, code)
        name = text.area_names(result).get(code, code)
        frame = text.synth_frame(r, 1 if o.info["frequency"] == "month" else 3)
        t = evaluation_text.synth_chart_text(o, name, sub)
        fig = synth_chart(frame, text.first_after(frame), text.synth_axis(o), t)
        return ChartSpec(fig, frame, f"{outcome}_synthetic_{code}", text.synth_sentence(r, name, o), t)
    if kind == "report_to_file":
        # As published (read weekly, cut below 10 at risk), as on the Report-to-file page: the raw
        # steps would show at-risk counts of 1 to 4 in the hover and the data table.
        curves = dc.km_curves(text.curves_for(result, rest)).frame
        t = evaluation_text.curves_chart_text(rest, sub)
        fig = km_chart(thin_steps(curves), t)
        # room for a legend of four long entries that wraps to two rows under the subtitle
        fig.update_layout(margin_t=int(fig.layout.margin.t) + 40, height=int(fig.layout.height) + 40)
        return ChartSpec(fig, curves, f"report_to_file_{rest}", text.curves_summary(result.curves, rest), t)  # type: ignore[arg-type]  # set when cases exist
    if kind == "effects":
        frame = effects_frame(result)
        t = ChartText(
            title="The pilot's effect on each outcome, with its 95% interval",
            subtitle=sub,
            notes=(
                "Each outcome on its own scale: referrals in per cent of what the control areas predict, "
                "the charge rate and the share filed within a year in percentage points. An interval that "
                "crosses the zero line is consistent with no effect. Intervals by randomisation inference. "
                "The pale bar, where drawn, is the sensitivity range: the robust 95% interval if the gap "
                "between pilot and control trends could change after the start as much as its largest "
                "change before (Rambachan and Roth, M = 1).",
            ),
        )
        return ChartSpec(effects_chart(frame, t), frame, "pilot_effects", effects_summary(result), t)
    raise ValueError(f"unknown chart {chart_id!r}")
