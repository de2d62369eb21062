"""One area against its control group and England and Wales, drawn as indexes, each line labelled."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from soteria.analysis.area_view import LINE_LABELS, end_point
from soteria.charts import style as cs
from soteria.charts.figures import ChartText

LINES = {  # name -> (colour, dash, marker): no line relies on colour alone
    "area": (cs.PILOT_COLOUR, "solid", "circle"),
    "control": (cs.CONTROL_COLOUR, "dash", "square"),
    "england_wales": ("#444444", "dot", "diamond"),
}


def area_chart(frame: pl.DataFrame, area_name: str, start: date | None, text: ChartText) -> go.Figure:
    """The area, its control group and England and Wales as indexes, each labelled at its end."""
    fig = cs.base_layout(go.Figure(), text.title, text.subtitle, height=520)
    names = {"area": area_name, **LINE_LABELS}
    for line, (colour, dash, symbol) in LINES.items():
        part = frame.filter(pl.col("line") == line).sort("period")
        if part.is_empty():
            continue
        fig.add_trace(
            go.Scatter(
                x=part["period"].to_list(),
                y=part["index"].to_list(),
                name=names[line],
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "dash": dash, "width": 3 if line == "area" else 2},
                marker={"color": colour, "symbol": symbol, "size": 7},
                hovertemplate=f"<b>{names[line]}</b><br>%{{x|%b %Y}}<br>Index: %{{y:.1f}}<extra></extra>",
            )
        )
        end = end_point(frame, line, False)
        if end:  # a direct label, so the lines can be told apart without the legend or colour
            fig.add_annotation(
                x=end[0], y=end[1], text=names[line], showarrow=False, xanchor="left", xshift=8,
                font={"color": colour if line != "control" else "#A04000", "size": 13},
            )  # fmt: skip
    lo, hi = frame["period"].min(), frame["period"].max()
    if start is not None:
        cs.add_start_markers(fig, [start], lo, hi)  # type: ignore[arg-type]  # a polars scalar
    fig.add_hline(y=100, line={"color": "#888888", "width": 1})
    fig.update_xaxes(title_text="Period", tickformat="%b %Y", showline=True, linecolor="#888888")
    fig.update_yaxes(title_text="Index (baseline year average = 100)", rangemode="tozero")
    fig.update_layout(margin_r=150)
    return fig
