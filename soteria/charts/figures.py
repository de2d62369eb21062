"""Chart builders: pure functions from polars frames to plotly figures (no streamlit, no I/O).

The same figure serves the page, the export and the tests. Missing values are gaps, never zeros; only
SVG traces (go.Scatter) are used, so a page of many charts cannot exhaust the browser's WebGL contexts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from soteria.charts import style as cs
from soteria.domain import MIN_CASES

Measure = Literal["index", "mean_per_area", "total"]


@dataclass(frozen=True)
class ChartText:
    title: str
    subtitle: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()


def _span(frame: pl.DataFrame, col: str) -> tuple[date | None, date | None]:
    values = frame.get_column(col).drop_nulls()
    return (values.min(), values.max()) if len(values) else (None, None)  # type: ignore[return-value]  # a polars scalar


def _arm_series(
    fig: go.Figure,
    series: pl.DataFrame,
    starts: list[date],
    y: pl.Expr,
    y_hover: str,
    custom: list[str],
    custom_hover: str,
) -> None:
    """One line per arm; open markers before the first pilot start, filled from it."""
    first = min(starts) if starts else None
    for arm, style in cs.ARMS.items():
        part = series.filter(pl.col("arm") == arm).sort("period")
        if part.is_empty():
            continue
        periods = part.get_column("period").to_list()
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=part.select(y).to_series().to_list(),
                name=style.label,
                mode="lines+markers",
                connectgaps=False,
                line={"color": style.colour, "dash": style.dash, "width": 2.5},
                marker={
                    "color": style.colour,
                    "size": 8,
                    "line": {"color": style.colour, "width": 1.5},
                    "symbol": [cs.symbol(arm, "before" if first and p < first else "after") for p in periods],
                },
                customdata=part.select(custom).rows(),
                hovertemplate=(
                    f"<b>{style.label}</b><br>Period from %{{x|%d %b %Y}}<br>{y_hover}<br>{custom_hover}"
                    "<extra></extra>"
                ),
            )
        )


def _time_axes(fig: go.Figure, series: pl.DataFrame, starts: list[date]) -> None:
    lo, hi = _span(series, "period")
    cs.add_start_markers(fig, starts, lo, hi)
    fig.update_xaxes(title_text="Period", tickformat="%b %Y", showline=True, linecolor="#888888")
    if starts:
        fig.update_layout(legend_title_text="Open markers: before the first pilot start.")


def pilot_vs_control_chart(
    series: pl.DataFrame, starts: list[date], measure: Measure, text: ChartText
) -> go.Figure:
    """Pilot and control arms over time for one measure, with a dotted line at each pilot start."""
    if measure not in cs.MEASURE_LABELS:
        raise ValueError(f"measure must be one of {sorted(cs.MEASURE_LABELS)}, not {measure!r}")
    label = cs.MEASURE_LABELS[measure]
    fmt = ",.0f" if measure == "total" else ",.1f"
    fig = cs.base_layout(go.Figure(), text.title, text.subtitle)
    _arm_series(
        fig,
        series,
        starts,
        pl.col(measure),
        f"{label}: %{{y:{fmt}}}",
        ["total", "areas"],
        "Total: %{customdata[0]:,}<br>Areas: %{customdata[1]}",
    )
    _time_axes(fig, series, starts)
    fig.update_yaxes(title_text=label, rangemode="tozero", tickformat=",")
    return fig


def charge_rate_chart(series: pl.DataFrame, starts: list[date], text: ChartText) -> go.Figure:
    """Charge rate (charges / legal decisions) by arm, shown as a percentage.

    Takes `charge_rate` as a share (0-1), or `charge_rate_pct` (0-100) as compare.charge_rate_series
    gives it. Rates from fewer than 10 legal decisions, or flagged `withheld`, are gaps.
    """
    rate = pl.col("charge_rate") if "charge_rate" in series.columns else pl.col("charge_rate_pct") / 100
    shown = pl.col("charging_decisions").fill_null(0) >= MIN_CASES
    if "withheld" in series.columns:
        shown = shown & ~pl.col("withheld").fill_null(True)
    fig = cs.base_layout(go.Figure(), text.title, text.subtitle)
    _arm_series(
        fig,
        series,
        starts,
        pl.when(shown).then(rate).otherwise(None),
        "Charge rate: %{y:.1%}",
        ["charges", "charging_decisions"],
        "Charged: %{customdata[0]:,} of %{customdata[1]:,} legal decisions",
    )
    _time_axes(fig, series, starts)
    fig.update_yaxes(title_text="Charge rate (charges / legal decisions)", range=[0, 1], tickformat=".0%")
    return fig


def _legend_key(fig: go.Figure, name: str, line: dict[str, Any]) -> None:
    """A legend entry for a line style drawn as shapes (shapes have no legend of their own)."""
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=name, line=line, hoverinfo="skip"))


def small_multiples_chart(
    per_area: pl.DataFrame,
    starts: list[date],
    text: ChartText,
    value: Literal["value", "index"] = "value",
    columns: int = 4,
    y_title: str = "",
) -> go.Figure:
    """One small panel per area (pilot areas first), each with the area's own pilot start marked;
    `y_title` says once, beside the panels, what their vertical axes count.

    Control areas count only for periods before their own start (`in_control`); later periods are
    drawn as a thin grey dotted line. `starts` (the pilot arm's starts) are faint lines in every panel.
    """
    areas = (
        per_area.select("area_code", "area_name", "arm", "pilot_start")
        .unique(subset="area_code", keep="first")
        .sort(pl.col("arm") != "pilot", "area_name")
    )
    n = max(areas.height, 1)
    cols = max(1, min(columns, n))
    rows = math.ceil(n / cols)
    height = 150 + rows * 200
    titles = [f"{a['area_name']} ({a['arm']})" for a in areas.iter_rows(named=True)]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_xaxes="all",
        subplot_titles=titles,
        vertical_spacing=min(0.3, 70 / (rows * 200)) if rows > 1 else 0.1,
        horizontal_spacing=0.05,
        y_title=y_title or ("Index (baseline = 100)" if value == "index" else "Count"),
    )
    fig.update_annotations(font_size=13)
    cs.base_layout(fig, text.title, text.subtitle, height=height, top=130, legend_px=30)
    lo, hi = _span(per_area, "period")
    seen: set[str] = set()
    # Collected and added once: per-panel add_trace/add_shape copy the whole figure each time.
    new_traces: list[go.Scatter] = []
    trace_rows: list[int] = []
    trace_cols: list[int] = []
    shapes: list[dict[str, Any]] = []
    for i, area in enumerate(areas.iter_rows(named=True)):
        r, c = divmod(i, cols)
        part = per_area.filter(pl.col("area_code") == area["area_code"]).sort("period")
        own, arm = area["pilot_start"], area["arm"]
        style = cs.ARMS.get(arm, cs.ARMS["control"])
        periods = part.get_column("period").to_list()
        y = part.get_column(value).to_list()
        counted = (
            part.select(pl.when(pl.col("in_control").fill_null(False)).then(pl.col(value)).otherwise(None))
            .to_series()
            .to_list()
        )
        symbols = [
            cs.symbol(arm if arm in cs.ARMS else "control", "before" if own and p < own else "after")
            for p in periods
        ]
        shown = "Index: %{y:,.1f}" if value == "index" else "Count: %{y:,}"
        hover = f"<b>{area['area_name']}</b> ({arm})<br>%{{x|%b %Y}}<br>{shown}<extra></extra>"
        traces: list[tuple[str, list[Any], cs.ArmStyle | None]] = [(style.label, y, style)]
        if arm != "pilot":
            traces = [
                ("Control area after its own start (not counted)", y, None),
                ("Control area, counted as control", counted, style),
            ]
        for name, ys, st in traces:
            line = (
                {"color": st.colour, "dash": st.dash, "width": 2}
                if st
                else {"color": cs.MUTED_COLOUR, "dash": "dot", "width": 1.2}
            )
            new_traces.append(
                go.Scatter(
                    x=periods,
                    y=ys,
                    name=name,
                    legendgroup=name,
                    showlegend=name not in seen,
                    mode="lines+markers" if st else "lines",
                    connectgaps=False,
                    line=line,
                    marker={"color": line["color"], "size": 5, "symbol": symbols},
                    hovertemplate=hover,
                )
            )
            trace_rows.append(r + 1)
            trace_cols.append(c + 1)
            seen.add(name)
        axis = "" if i == 0 else str(i + 1)
        for d, own_line in [(s, False) for s in sorted(set(starts)) if s != own] + [(own, True)]:
            if d is None or lo is None or not (lo <= d <= hi):
                continue
            shapes.append(
                dict(
                    type="line",
                    x0=d,
                    x1=d,
                    y0=0,
                    y1=1,
                    xref=f"x{axis}",
                    yref=f"y{axis} domain",
                    layer="below",
                    line={"color": "#222222", "width": 1.5, "dash": "dot"}
                    if own_line
                    else {"color": "#BBBBBB", "width": 1},
                )
            )
    fig.add_traces(new_traces, rows=trace_rows, cols=trace_cols)
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes])
    _legend_key(fig, "Area's own pilot start", {"color": "#222222", "width": 1.5, "dash": "dot"})
    if starts:
        _legend_key(fig, "Pilot arm start", {"color": "#BBBBBB", "width": 1})
    for j in range(areas.height, rows * cols):
        fig.update_xaxes(visible=False, row=j // cols + 1, col=j % cols + 1)
        fig.update_yaxes(visible=False, row=j // cols + 1, col=j % cols + 1)
    fig.update_xaxes(showticklabels=True, tickformat="%Y", nticks=6, tickfont_size=11)
    fig.update_yaxes(rangemode="tozero", tickfont_size=11, nticks=4)
    return fig


def _marker_sizes(days: list[float], span: float, k: int, marks: int = 10) -> list[int]:
    """Markers on a step line at about `marks` evenly spaced days (offset by line k), not at every step."""
    sizes = [0] * len(days)
    if not days or span <= 0:
        return sizes
    step = span / marks
    targets = [step * (i + 0.25 + 0.15 * k) for i in range(marks)]
    j = 0
    for target in targets:
        while j < len(days) and (days[j] is None or days[j] < target):
            j += 1
        if j < len(days):
            sizes[j] = 9
    return sizes


def km_chart(curves: pl.DataFrame, text: ChartText) -> go.Figure:
    """Kaplan-Meier: share of cases filed with the CPS by day t, by arm and period, with 95% bands."""
    fig = cs.base_layout(go.Figure(), text.title, text.subtitle, top=120, legend_px=12)
    span = float(curves.get_column("day").max() or 0) if curves.height else 0.0  # type: ignore[arg-type]  # a polars scalar
    lines: list[go.Scatter] = []
    for arm, style in cs.ARMS.items():
        for period, period_label in cs.PERIOD_LABELS.items():
            part = curves.filter((pl.col("arm") == arm) & (pl.col("period") == period)).sort("day")
            if part.is_empty():
                continue
            name = f"{style.label}, {period_label.lower()}"
            days = part.get_column("day").to_list()
            band = {
                "x": days,
                "mode": "lines",
                "line": {"width": 0, "shape": "hv"},
                "connectgaps": False,
                "legendgroup": name,
                "showlegend": False,
                "hoverinfo": "skip",
            }
            fig.add_trace(go.Scatter(y=part.get_column("upper").to_list(), name=f"{name} (upper)", **band))
            fig.add_trace(
                go.Scatter(
                    y=part.get_column("lower").to_list(),
                    name=f"{name} (lower)",
                    fill="tonexty",
                    fillcolor=cs.rgba(style.colour, 0.12),
                    **band,
                )
            )
            lines.append(
                go.Scatter(
                    x=days,
                    y=part.get_column("share_filed").to_list(),
                    name=name,
                    legendgroup=name,
                    mode="lines+markers",
                    connectgaps=False,
                    cliponaxis=False,
                    line={
                        "color": style.colour,
                        "dash": cs.KM_DASH[(arm, period)],
                        "width": cs.KM_WIDTH[period],
                        "shape": "hv",
                    },
                    marker={
                        "color": style.colour,
                        "symbol": cs.symbol(arm, period),
                        "line_width": 1.5,
                        "size": _marker_sizes(days, span, len(lines)),
                        "line_color": style.colour,
                    },
                    customdata=part.select("lower", "upper").rows(),
                    hovertemplate=(
                        f"<b>{name}</b><br>Day %{{x}}<br>Filed by this day: %{{y:.1%}}"
                        "<br>95% interval: %{customdata[0]:.1%} to %{customdata[1]:.1%}<extra></extra>"
                    ),
                )
            )
    fig.add_traces(lines)
    fig.update_xaxes(
        title_text="Days from report to file at the CPS",
        rangemode="tozero",
        showline=True,
        linecolor="#888888",
    )
    fig.update_yaxes(title_text="Share of cases filed", range=[0, 1], tickformat=".0%")
    fig.update_layout(legend_title_text="Shaded: 95% interval.", legend_itemsizing="constant")
    return fig


def with_export_text(fig: go.Figure, text: ChartText, synthetic: bool) -> go.Figure:
    """A copy of `fig` carrying its own title, subtitle, source, notes and (if synthetic) the demo label."""
    out = go.Figure(fig)
    cs.set_titles(out, text.title, text.subtitle)
    cs.add_export_block(out, cs.export_lines(text.source, text.notes, synthetic))
    return out
