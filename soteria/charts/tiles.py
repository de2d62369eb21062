"""Equal-area tile maps of police force areas and CPS Areas (pure: polars frames in, plotly figure out).

Forces differ wildly in size (the City of London is tiny), so every area gets one equal square tile in
a roughly geographic grid (data/reference/tiles_<grain>.csv: area_code, row, col, short; row 0 is the
top, col 0 the left). No boundary file and no WebGL: tiles are SVG shapes, the labels and hover points
one SVG scatter trace.

Reading the map never rests on colour alone: each tile carries its short name and the value's label,
the colour scale is colour-blind safe (cividis; PuOr when diverging around a midpoint), tile text is
black or white, whichever contrasts more with its fill, and pilot waves differ by outline width and
dash. British Transport Police (national, no geography) sits in its own corner tile.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from plotly.colors import get_colorscale, sample_colorscale

from soteria.charts import style as cs
from soteria.config import REFERENCE_DIR
from soteria.domain import GRAINS
from soteria.reference import read_areas

SEQUENTIAL = "cividis"  # designed for colour-vision deficiency; dark blue (low) to yellow (high)
DIVERGING = "PuOr"  # ColorBrewer's colour-blind-safe purple-orange; orange below, purple above
NO_DATA_FILL = "#E8E8E8"
OUTLINE_COLOUR = "#111111"
TILE = 0.8  # filled square's side in grid units
OUTLINE = 0.92  # the wave outline's square: a white ring keeps it visible against any fill
NATIONAL = {"BTP": "National force: no geography"}

# Outline by wave, in the order the waves started (earliest first). Width and dash differ, never colour.
WAVE_OUTLINES: list[dict[str, object]] = [
    {"width": 5.0, "dash": "solid"},
    {"width": 3.0, "dash": "dash"},
    {"width": 1.0, "dash": "solid"},
    {"width": 2.5, "dash": "dot"},
    {"width": 2.0, "dash": "dashdot"},
    {"width": 2.0, "dash": "longdash"},
]
NO_WAVE_OUTLINE: dict[str, object] = {"width": 0.6, "dash": "dot"}
VALUE_COLUMNS = ("area_code", "area_name", "value", "label", "wave")


def tiles_path(grain: str, folder: Path = REFERENCE_DIR) -> Path:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {sorted(GRAINS)}, got {grain!r}")
    return folder / f"tiles_{grain}.csv"


def read_tiles(grain: str, folder: Path = REFERENCE_DIR) -> pl.DataFrame:
    """area_code, area_name, short, row, col for every area of the grain (row 0 at the top)."""
    tiles = pl.read_csv(
        tiles_path(grain, folder),
        schema={"area_code": pl.String, "row": pl.Int64, "col": pl.Int64, "short": pl.String},
    )
    names = read_areas(folder).filter(pl.col("area_kind") == grain).select("area_code", "area_name")
    return (
        tiles.join(names, on="area_code", how="left")
        .select("area_code", "area_name", "short", "row", "col")
        .sort("row", "col")
    )


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of an 'rgb(r, g, b)' or '#rrggbb' colour."""
    if rgb.startswith("#"):
        channels = [int(rgb[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(float(v)) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour(fill: str) -> str:
    """Black or white, whichever has the higher WCAG contrast ratio against `fill`."""
    lum = _luminance(fill)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#FFFFFF"


def number(value: float) -> str:
    """A value as a tile shows it when no label is given: three significant figures, no exponent."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"


def wave_outlines(waves: Sequence[str]) -> dict[str, dict[str, object]]:
    """Outline style for each wave, in the order given (earliest start first)."""
    return {w: WAVE_OUTLINES[i % len(WAVE_OUTLINES)] for i, w in enumerate(waves)}


def _wave_order(values: pl.DataFrame, wave_order: Sequence[str] | None) -> list[str]:
    present = values.get_column("wave").drop_nulls().unique().to_list()
    if wave_order is not None:
        return [w for w in wave_order if w in present] + sorted(w for w in present if w not in wave_order)
    if "pilot_start" in values.columns:
        firsts = values.drop_nulls("wave").group_by("wave").agg(pl.col("pilot_start").min())
        return firsts.sort("pilot_start", "wave").get_column("wave").to_list()
    return sorted(present)


def _colour_range(values: list[float], midpoint: float | None) -> tuple[float, float]:
    if not values:
        return (0.0, 1.0) if midpoint is None else (midpoint - 1, midpoint + 1)
    lo, hi = min(values), max(values)
    if midpoint is not None:
        reach = max(abs(hi - midpoint), abs(lo - midpoint)) or 1.0
        return midpoint - reach, midpoint + reach
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def tile_map_chart(
    values: pl.DataFrame,
    grain: str,
    title: str,
    colour_title: str,
    *,
    subtitle: str = "",
    midpoint: float | None = None,
    colorscale: str | None = None,
    wave_order: Sequence[str] | None = None,
    tiles: pl.DataFrame | None = None,
) -> go.Figure:
    """A tile map: one square per area of `grain`, filled by `value`, outlined by pilot wave.

    `values`: area_code, area_name, value (number or null), label (the value as shown, e.g. "+25%" or
    "[c]"; null to show the number), wave (null: not in any wave), and optionally pilot_start (orders
    the waves' outlines; `wave_order` overrides). Areas of the grain missing from `values` are drawn as
    "no data". `midpoint` switches to a diverging scale centred on it (e.g. 0 for a change).
    Each tile's point carries customdata [area_code, area_name, shown value, wave], so a click
    (Streamlit's on_select) gives the area_code as points[i]["customdata"][0].
    """
    missing = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing:
        raise ValueError(f"tile map values lack columns {missing}")
    layout = read_tiles(grain) if tiles is None else tiles
    unknown = sorted(set(values.get_column("area_code").to_list()) - set(layout.get_column("area_code")))
    if unknown:
        raise ValueError(f"areas not on the {GRAINS.get(grain, grain)} tile map: {', '.join(unknown)}")
    if values.get_column("area_code").is_duplicated().any():
        raise ValueError("tile map values have more than one row for an area")
    order = _wave_order(values, wave_order)
    outlines = wave_outlines(order)
    frame = layout.join(
        values.select(
            "area_code",
            pl.col("area_name").alias("given_name"),
            pl.col("value").cast(pl.Float64),
            pl.col("label").cast(pl.String),
            pl.col("wave").cast(pl.String),
        ),
        on="area_code",
        how="left",
    ).with_columns(pl.coalesce("given_name", "area_name", "area_code").alias("area_name"))

    shown_values = frame.get_column("value").drop_nulls().drop_nans().to_list()
    one_side = (
        midpoint is not None
        and bool(shown_values)
        and (min(shown_values) >= midpoint or max(shown_values) <= midpoint)
    )
    if one_side and colorscale is None:
        # Every value on one side of the midpoint (every area rose): a diverging scale would spend half
        # its colours on falls no area had. Sequential instead, anchored at the midpoint.
        assert midpoint is not None
        scale_name = SEQUENTIAL
        cmin, cmax = (
            (midpoint, max(shown_values)) if min(shown_values) >= midpoint else (min(shown_values), midpoint)
        )
        if cmin == cmax:
            cmax = cmin + 1
    else:
        scale_name = colorscale or (DIVERGING if midpoint is not None else SEQUENTIAL)
        cmin, cmax = _colour_range(shown_values, midpoint)
    scale = get_colorscale(scale_name)

    fig = cs.base_layout(go.Figure(), title, subtitle, height=_height(layout), top=150, legend_px=16)
    shapes, xs, ys, texts, text_colours, custom, hover = [], [], [], [], [], [], []
    half, ring = TILE / 2, OUTLINE / 2
    for row in frame.iter_rows(named=True):
        value = row["value"]
        has_value = value is not None and value == value  # NaN is no data too
        fill = sample_colorscale(scale, [(value - cmin) / (cmax - cmin)])[0] if has_value else NO_DATA_FILL
        shown = row["label"] if row["label"] is not None else (number(value) if has_value else "no data")
        outline = outlines.get(row["wave"], NO_WAVE_OUTLINE) if row["wave"] else NO_WAVE_OUTLINE
        x, y = row["col"], -row["row"]
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "layer": "below",
                "x0": x - half,
                "x1": x + half,
                "y0": y - half,
                "y1": y + half,
                "fillcolor": fill,
                "line": {"width": 0},
            }
        )
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "layer": "below",
                "x0": x - ring,
                "x1": x + ring,
                "y0": y - ring,
                "y1": y + ring,
                "line": {"color": OUTLINE_COLOUR, **outline},
            }
        )
        xs.append(x)
        ys.append(y)
        short = html.escape(row["short"] or row["area_code"])
        texts.append(f"<b>{short}</b><br>{html.escape(shown)}")
        text_colours.append(text_colour(fill))
        wave = row["wave"] or "not in a pilot wave"
        custom.append([row["area_code"], row["area_name"], shown, wave])
        national = NATIONAL.get(row["area_code"])
        hover.append(
            f"<b>{html.escape(row['area_name'])}</b>"
            + (f" ({national})" if national else "")
            + f"<br>{html.escape(colour_title)}: {html.escape(shown)}<br>Pilot wave: {html.escape(wave)}"
        )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers+text",
            text=texts,
            textposition="middle center",
            textfont={"size": 12, "color": text_colours},
            customdata=custom,
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
            name="Areas",
            # Transparent square markers cover the tiles so that hover and click work anywhere on them.
            marker={"symbol": "square", "size": 44, "color": "rgba(0,0,0,0)", "line": {"width": 0}},
        )
    )
    fig.add_trace(
        go.Scatter(  # the colour bar alone: no points of its own
            x=[None],
            y=[None],
            mode="markers",
            showlegend=False,
            hoverinfo="skip",
            name=colour_title,
            marker={
                "colorscale": scale_name,
                "cmin": cmin,
                "cmax": cmax,
                "color": [cmin],
                "showscale": True,
                # Below the map, not beside it: on a phone a side bar would take half the tiles' width.
                "colorbar": {
                    "title": {"text": colour_title, "side": "top"},
                    "orientation": "h",
                    "x": 0.5,
                    "xanchor": "center",
                    "y": -0.02,
                    "yanchor": "top",
                    "thickness": 12,
                    "len": 0.8,
                },
            },
        )
    )
    for wave in [*order, None]:
        if wave is None and frame.get_column("wave").null_count() == 0:
            continue
        style = outlines.get(wave, NO_WAVE_OUTLINE) if wave else NO_WAVE_OUTLINE
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=wave or "not in a pilot wave",
                line={"color": OUTLINE_COLOUR, **style},
                hoverinfo="skip",
            )
        )
    for code in NATIONAL:
        spot = frame.filter(pl.col("area_code") == code)
        if spot.height:
            fig.add_annotation(
                x=spot["col"][0],
                y=-spot["row"][0] - ring,
                yanchor="top",
                showarrow=False,
                text="National (no geography)",
                font={"size": 11, "color": cs.TEXT_COLOUR},
                xanchor="left",
                xshift=-28,
            )
    rows, cols = int(layout["row"].max()), int(layout["col"].max())  # type: ignore[arg-type]  # a polars scalar
    fig.update_layout(
        shapes=shapes,
        plot_bgcolor="#FFFFFF",
        hovermode="closest",
        legend_title_text="Tile outline shows the pilot wave:",
        margin={"r": 20, "b": 110},
    )
    fig.update_xaxes(visible=False, range=[-0.6, cols + 0.6], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-rows - 0.8, 0.6], fixedrange=True, scaleanchor="x", scaleratio=1)
    return fig


def _height(layout: pl.DataFrame) -> int:
    return 260 + 70 * (int(layout["row"].max()) + 1)  # type: ignore[arg-type]  # a polars scalar
