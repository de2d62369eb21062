"""The pilot's effect on each outcome, drawn: the estimate, its 95% interval and the zero line (pure).

One row per outcome, each on its own scale (per cent of what the controls predict for referrals,
percentage points for the charge rate and the share filed within a year): one shared axis would put
unlike units side by side. An estimate whose checks fail is drawn in grey with "not a finding".
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from soteria.charts import style as cs
from soteria.charts.figures import ChartText

UNIT_AXIS = {"percent": "% of what controls predict", "points": "percentage points", "days": "days"}
ZERO_LINE = {"color": "#555555", "width": 1.2}


def effects_chart(frame: pl.DataFrame, text: ChartText) -> go.Figure:
    """``frame``: outcome (label), unit, estimate, lower, upper, finding (bool), in drawing order."""
    rows = max(frame.height, 1)
    fig = make_subplots(rows=rows, cols=1, vertical_spacing=0.22 if rows > 1 else 0.0)
    cs.base_layout(fig, text.title, text.subtitle, height=190 + 150 * rows, top=130, legend_px=16)
    for i, r in enumerate(frame.iter_rows(named=True), 1):
        colour = cs.PILOT_COLOUR if r["finding"] else cs.MUTED_COLOUR
        word = "" if r["finding"] else " (not a finding: a check failed)"
        fig.add_trace(
            go.Scatter(
                x=[r["estimate"]],
                y=[r["outcome"]],
                mode="markers",
                marker={"color": colour, "size": 12, "symbol": "diamond"},
                error_x={"type": "data", "symmetric": False, "array": [r["upper"] - r["estimate"]],
                         "arrayminus": [r["estimate"] - r["lower"]], "color": colour, "thickness": 2.5,
                         "width": 10},
                name=f"{r['outcome']}{word}",
                showlegend=False,
                hovertemplate=(f"<b>{r['outcome']}</b>{word}<br>Effect: %{{x:,.1f}} {UNIT_AXIS[r['unit']]}"
                               f"<br>95% interval: {r['lower']:,.1f} to {r['upper']:,.1f}<extra></extra>"),
            ),
            row=i,
            col=1,
        )  # fmt: skip
        reach = max(abs(r["lower"]), abs(r["upper"]), 1.0) * 1.15
        fig.add_vline(x=0, line=ZERO_LINE, row=i, col=1)
        fig.update_xaxes(
            range=[-reach, reach], title_text=f"{UNIT_AXIS[r['unit']]}; 0 = none", zeroline=False,
            row=i, col=1,
        )  # fmt: skip
        fig.update_yaxes(showticklabels=True, tickfont={"size": 14}, row=i, col=1)
    return fig
