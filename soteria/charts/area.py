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


LABEL_GAP = 0.065  # of the y axis: end labels of 13 px text on a ~300 px plot do not touch
TOP = 1.08  # headroom above the highest value, for its label


def spread(ys: list[float], gap: float, top: float) -> list[float]:
    """Label heights near `ys` at least `gap` apart and at most `top`, in the order of `ys`: each label
    stays at its line's end unless it would touch its neighbour, and then moves as little as it can."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    placed = [ys[i] for i in order]
    for k in range(1, len(placed)):  # upwards: each at least a gap above the one below
        placed[k] = max(placed[k], placed[k - 1] + gap)
    shift = max(0.0, placed[-1] - top) if placed else 0.0
    placed = [p - shift for p in placed]  # the whole stack down, if it ran over the top
    for k in range(len(placed) - 2, -1, -1):  # and downwards again, keeping the gaps
        placed[k] = min(placed[k], placed[k + 1] - gap)
    out = [0.0] * len(ys)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def area_chart(frame: pl.DataFrame, area_name: str, start: date | None, text: ChartText) -> go.Figure:
    """The area, its control group and England and Wales as indexes, each labelled at its end (labels
    moved apart where the ends are close); the x axis ends with the data."""
    fig = cs.base_layout(go.Figure(), text.title, text.subtitle, height=520)
    names = {"area": area_name, **LINE_LABELS}
    ends: list[tuple[str, date, float]] = []
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
        if end:
            ends.append((line, *end))
    shown = frame.filter(pl.col("index").is_not_null())
    high = float(shown["index"].max() or 100.0) * TOP  # type: ignore[arg-type]  # a polars scalar
    heights = spread([y for _, _, y in ends], LABEL_GAP * high, high)
    for (line, x, _), y in zip(ends, heights, strict=True):
        colour = LINES[line][0] if line != "control" else "#A04000"  # darker: 4.5:1 as text
        fig.add_annotation(  # a direct label, so the lines can be told apart without legend or colour
            x=x, y=y, text=names[line], showarrow=False, xanchor="left", xshift=8,
            font={"color": colour, "size": 13},
        )  # fmt: skip
    lo, hi = shown["period"].min(), shown["period"].max()
    if start is not None:
        cs.add_start_markers(fig, [start], lo, hi)  # type: ignore[arg-type]  # a polars scalar
    fig.add_hline(y=100, line={"color": "#888888", "width": 1})
    fig.update_xaxes(title_text="Period", tickformat="%b %Y", showline=True, linecolor="#888888")
    if lo is not None and hi is not None:  # no axis running months past the data
        pad = (hi - lo) * 0.02  # type: ignore[operator]  # polars date scalars
        fig.update_xaxes(range=[lo - pad, hi + pad])  # type: ignore[operator]
    fig.update_yaxes(title_text="Index (baseline year average = 100)", range=[0, high])
    fig.update_layout(margin_r=150)
    return fig
