"""Victims' groups, drawn (pure): each group's report-to-file effect with its 95% interval against the
zero line and the effect on all cases, and each group's share filed within a year by arm and period.

All groups of a field share one axis: they are in one unit (percentage points, or per cent), so their
intervals can be compared by eye. A group with too few cases has no marker and is said in the note.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from soteria.charts import style as cs
from soteria.charts.figures import ChartText

ZERO_LINE = {"color": "#555555", "width": 1.2}
ALL_CASES_LINE = {"color": cs.PILOT_COLOUR, "width": 1.5, "dash": "dot"}


def _height(groups: int) -> int:
    return 260 + 48 * max(groups, 1)


def group_effects_chart(frame: pl.DataFrame, text: ChartText, all_cases: float | None) -> go.Figure:
    """``frame``: label, estimate, lower, upper (null where none could be made), top to bottom."""
    fig = go.Figure()
    cs.base_layout(fig, text.title, text.subtitle, height=_height(frame.height), top=130, legend_px=16)
    drawn = frame.filter(pl.col("estimate").is_not_null())
    fig.add_trace(
        go.Scatter(
            x=drawn["estimate"].to_list(),
            y=drawn["label"].to_list(),
            mode="markers",
            marker={"color": cs.PILOT_COLOUR, "size": 11, "symbol": "diamond"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (drawn["upper"] - drawn["estimate"]).to_list(),
                "arrayminus": (drawn["estimate"] - drawn["lower"]).to_list(),
                "color": cs.PILOT_COLOUR,
                "thickness": 2.5,
                "width": 8,
            },
            name="Effect on the group's share filed within a year (95% interval)",
            customdata=drawn.select("lower", "upper").rows(),
            hovertemplate="<b>%{y}</b><br>Effect: %{x:,.1f} points<br>95% interval: %{customdata[0]:,.1f} "
            "to %{customdata[1]:,.1f}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line=ZERO_LINE)
    if all_cases is not None:
        fig.add_trace(
            go.Scatter(
                x=[all_cases, all_cases],
                y=[frame["label"][0], frame["label"][-1]],
                mode="lines",
                line=ALL_CASES_LINE,
                name=f"All cases: {all_cases:+.1f} points".replace("-", "\u2212"),
                hoverinfo="skip",
            )
        )
    reach = max([abs(v) for v in (*drawn["lower"].to_list(), *drawn["upper"].to_list())] + [1.0]) * 1.1
    fig.update_xaxes(range=[-reach, reach], title_text="percentage points; 0 = no effect", zeroline=False)
    fig.update_yaxes(
        categoryorder="array", categoryarray=frame["label"].to_list()[::-1], tickfont={"size": 14}
    )
    return fig


def group_shares_chart(frame: pl.DataFrame, text: ChartText) -> go.Figure:
    """``frame``: label, arm, period, filed_by_365 (a fraction; null where withheld), in group order."""
    labels = list(dict.fromkeys(frame["label"].to_list()))
    fig = go.Figure()
    cs.base_layout(fig, text.title, text.subtitle, height=_height(len(labels)), top=130, legend_px=16)
    for arm in ("pilot", "control"):
        for period in ("before", "after"):
            part = frame.filter(pl.col("arm") == arm, pl.col("period") == period)
            name = f"{cs.ARMS[arm].label}, {'before' if period == 'before' else 'after'} the start"
            fig.add_trace(
                go.Scatter(
                    x=(part["filed_by_365"] * 100).to_list(),
                    y=part["label"].to_list(),
                    mode="markers",
                    marker={"color": cs.ARMS[arm].colour, "size": 11, "symbol": cs.symbol(arm, period),
                            "line": {"width": 2, "color": cs.ARMS[arm].colour}},
                    name=name,
                    hovertemplate=f"<b>%{{y}}</b><br>{name}: %{{x:.1f}}%<extra></extra>",
                )
            )  # fmt: skip
    fig.update_xaxes(title_text="% of the group's cases filed within a year", rangemode="tozero")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], tickfont={"size": 14})
    return fig
