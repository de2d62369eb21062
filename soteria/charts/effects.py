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


ROBUST_NAME = "Sensitivity range: if trends could differ as much as before the start (M = 1)"


# A sensitivity range can be many times wider than the interval (long windows after the start): the
# axis shows it up to this multiple of the interval's reach and says where it runs to beyond that.
ROBUST_REACH = 3.0


def _robust_bar(r: dict, colour: str, first: bool, reach: float) -> go.Scatter:
    """The sensitivity range as a wide pale bar behind the interval (one legend entry for all rows),
    cut at the axis' edge `reach`."""
    lo, hi = r["robust_lower"], r["robust_upper"]
    return go.Scatter(
        x=[max(lo, -reach), min(hi, reach)], y=[r["outcome"]] * 2, mode="lines",
        line={"color": cs.rgba(colour, 0.3), "width": 14},
        name=ROBUST_NAME, legendgroup="robust", showlegend=first,
        hovertemplate=(f"<b>{r['outcome']}</b><br>Sensitivity range (M = 1): {lo:,.1f} to {hi:,.1f} "
                       f"{UNIT_AXIS[r['unit']]}<extra></extra>"),
    )  # fmt: skip


def effects_chart(frame: pl.DataFrame, text: ChartText) -> go.Figure:
    """``frame``: outcome (label), unit, estimate, lower, upper, finding (bool), in drawing order, and
    optionally robust_lower / robust_upper (the sensitivity range, drawn behind the interval)."""
    rows = max(frame.height, 1)
    fig = make_subplots(rows=rows, cols=1, vertical_spacing=0.22 if rows > 1 else 0.0)
    cs.base_layout(fig, text.title, text.subtitle, height=190 + 150 * rows, top=130, legend_px=16)
    robust_shown = False
    for i, r in enumerate(frame.iter_rows(named=True), 1):
        colour = cs.PILOT_COLOUR if r["finding"] else cs.MUTED_COLOUR
        word = "" if r["finding"] else " (not a finding: a check failed)"
        interval_reach = max(abs(r["lower"]), abs(r["upper"]), 1.0) * 1.15
        reach = interval_reach
        if r.get("robust_lower") is not None and r.get("robust_upper") is not None:
            widest = max(abs(r["robust_lower"]), abs(r["robust_upper"])) * 1.1
            reach = max(reach, min(widest, ROBUST_REACH * interval_reach))
            fig.add_trace(_robust_bar(r, colour, not robust_shown, reach), row=i, col=1)
            robust_shown = True
            for end, side in ((r["robust_lower"], -1), (r["robust_upper"], 1)):
                if abs(end) > reach:  # cut at the edge: say where it runs to
                    fig.add_annotation(
                        x=side * reach, y=r["outcome"], showarrow=False,
                        text=f"runs to {end:,.0f}".replace("-", "\u2212"),
                        xanchor="right" if side > 0 else "left", yshift=16, font={"size": 11},
                        row=i, col=1,
                    )  # fmt: skip
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
        fig.add_vline(x=0, line=ZERO_LINE, row=i, col=1)
        fig.update_xaxes(
            range=[-reach, reach], title_text=f"{UNIT_AXIS[r['unit']]}; 0 = none", zeroline=False,
            row=i, col=1,
        )  # fmt: skip
        fig.update_yaxes(showticklabels=True, tickfont={"size": 14}, row=i, col=1)
    fig.update_layout(showlegend=robust_shown)
    return fig
