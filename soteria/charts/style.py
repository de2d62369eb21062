"""Shared look of every chart: palette, line styles, fonts, layout and the export text block.

Okabe-Ito colours are safe for the common forms of colour blindness, and no meaning rests on colour
alone: the arms also differ by dash and marker shape, the periods by marker fill, line width and dash.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go

from soteria.domain import DEMO_LABEL

PILOT_COLOUR = "#0072B2"  # Okabe-Ito blue
CONTROL_COLOUR = "#D55E00"  # Okabe-Ito vermillion
MUTED_COLOUR = "#7F7F7F"
TEXT_COLOUR = "#222222"
FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, sans-serif"


@dataclass(frozen=True)
class ArmStyle:
    label: str
    colour: str
    dash: str
    symbol: str


ARMS: dict[str, ArmStyle] = {
    "pilot": ArmStyle("Pilot areas", PILOT_COLOUR, "solid", "circle"),
    "control": ArmStyle("Control areas", CONTROL_COLOUR, "dash", "square"),
}

PERIOD_LABELS = {"before": "Before pilot start", "after": "After pilot start"}

# Survival curves: one dash per (arm, period) so every line is unique without colour; "after" lines
# are thicker with filled markers, "before" lines thinner with open markers.
KM_DASH = {
    ("pilot", "after"): "solid",
    ("pilot", "before"): "dot",
    ("control", "after"): "dash",
    ("control", "before"): "dashdot",
}
KM_WIDTH = {"after": 3.0, "before": 1.6}

MEASURE_LABELS = {
    "index": "Index (baseline = 100)",
    "mean_per_area": "Mean per area",
    "total": "Total",
}

BASE_MARGIN = {"l": 70, "r": 30, "t": 120, "b": 70}
LINE_PX = 17  # height of one line of export text
WRAP_CHARS = 150
TITLE_CHARS, TITLE_LINE_PX = 90, 26
SUBTITLE_CHARS, SUBTITLE_LINE_PX = 140, 18


def symbol(arm: str, period: str) -> str:
    """Marker symbol: shape tells the arm, fill tells the period (open = before the pilot start)."""
    base = ARMS[arm].symbol
    return base if period == "after" else f"{base}-open"


def rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def start_label(d: date) -> str:
    return f"Pilot starts {d.day} {d:%b %Y}"


def base_layout(
    fig: go.Figure, title: str, subtitle: str, *, height: int = 620, top: int = 150, legend_px: int = 40
) -> go.Figure:
    """Template, fonts, title and subtitle, legend `legend_px` above the plot area, fixed margins."""
    margin = dict(BASE_MARGIN, t=top)
    plot_px = max(height - margin["t"] - margin["b"], 100)
    fig.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT_FAMILY, "size": 14, "color": TEXT_COLOUR},
        title={
            "subtitle": {"font": {"size": 14, "color": "#444444"}},
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "pad": {"l": 14, "t": 14},
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 20},
        },
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1 + legend_px / plot_px,
            "yanchor": "bottom",
            "font": {"size": 13},
            "title": {"font": {"size": 12, "color": "#444444"}},
        },
        margin=margin,
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 13}},
        hovermode="closest",
    )
    set_titles(fig, title, subtitle)
    return fig


def _wrapped(text: str, width: int) -> str:
    """Wrap at `width` characters with <br>; already wrapped text is re-wrapped, not wrapped twice."""
    words = " ".join(re.split(r"\s*<br\s*/?>\s*", text))
    return "<br>".join(textwrap.wrap(words, width)) if len(words) > width else words


def _extra_px(fig: go.Figure) -> int:
    title = fig.layout.title
    return TITLE_LINE_PX * (title.text or "").count("<br>") + SUBTITLE_LINE_PX * (
        title.subtitle.text or ""
    ).count("<br>")


def set_titles(fig: go.Figure, title: str, subtitle: str, width_px: int = 1100) -> None:
    """Set the title and subtitle, wrapping long ones (for a figure `width_px` wide) and growing the top
    margin to keep them clear."""
    before = _extra_px(fig)
    ratio = width_px / 1100
    fig.update_layout(
        title_text=_wrapped(title, int(TITLE_CHARS * ratio)),
        title_subtitle_text=_wrapped(subtitle, int(SUBTITLE_CHARS * ratio)),
    )
    fig.update_layout(margin_t=int(fig.layout.margin.t or BASE_MARGIN["t"]) + _extra_px(fig) - before)


TITLE_BLOCK_PX = 60  # the title and subtitle's one line each, with the padding above them


def without_titles(fig: go.Figure) -> go.Figure:
    """A copy with no title or subtitle, its top margin shrunk by theirs: for documents (the PDF and
    HTML reports, slides) that set the title as real text above the chart, so it is read once."""
    out = go.Figure(fig)
    top = int(out.layout.margin.t or BASE_MARGIN["t"]) - _extra_px(out) - TITLE_BLOCK_PX
    out.update_layout(title_text="", title_subtitle_text="", margin_t=max(top, 40))
    return out


def add_start_markers(fig: go.Figure, starts: list[date], lo: date | None, hi: date | None) -> None:
    """Dotted vertical line at each distinct pilot start inside [lo, hi], labelled above the plot."""
    if lo is None or hi is None:
        return
    shown = sorted({d for d in starts if lo <= d <= hi})
    span = max((hi - lo).days, 1)
    level, previous = 0, None
    for d in shown:
        # labels of starts close together go on alternate rows so they never overlap
        level = 1 - level if previous is not None and (d - previous).days < 0.25 * span else 0
        previous = d
        fig.add_shape(
            type="line",
            x0=d,
            x1=d,
            y0=0,
            y1=1,
            xref="x",
            yref="paper",
            line={"color": "#333333", "width": 1.5, "dash": "dot"},
            layer="below",
        )
        fig.add_annotation(
            x=d,
            y=1,
            xref="x",
            yref="paper",
            yanchor="bottom",
            xanchor="center",
            yshift=2 + 17 * level,
            text=start_label(d),
            showarrow=False,
            font={"size": 12, "color": "#333333"},
        )


def export_lines(source: str, notes: tuple[str, ...], synthetic: bool) -> list[str]:
    """The text block under an exported chart, wrapped, one HTML line per entry."""
    lines: list[str] = []
    if synthetic:
        lines.append(f"<b>{DEMO_LABEL}</b>")
    if source:
        prefixed = source if source.lower().startswith("source:") else f"Source: {source}"
        lines.extend(textwrap.wrap(prefixed, WRAP_CHARS))
    for note in notes:
        lines.extend(textwrap.wrap(f"Note: {note}", WRAP_CHARS))
    return lines


def add_export_block(fig: go.Figure, lines: list[str], axis_px: int = 62) -> None:
    """Place the lines below the x axis title, aligned with the figure's left edge; grow the margin."""
    left = int(fig.layout.margin.l or BASE_MARGIN["l"])
    for i, line in enumerate(lines):
        fig.add_annotation(
            text=line,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="top",
            xshift=-(left - 12),
            yshift=-(axis_px + i * LINE_PX),
            showarrow=False,
            align="left",
            font={"size": 12, "color": TEXT_COLOUR},
        )
    bottom = max(int(fig.layout.margin.b or BASE_MARGIN["b"]), axis_px + len(lines) * LINE_PX + 12)
    fig.update_layout(margin={"b": bottom})
    if fig.layout.height:
        fig.update_layout(height=int(fig.layout.height) + len(lines) * LINE_PX)
