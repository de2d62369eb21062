"""Tile maps: complete, non-overlapping layouts; one tile per area, outlines by wave, clickable codes."""

from __future__ import annotations

import json

import plotly.io as pio
import polars as pl
import pytest

from soteria.charts.tiles import (
    NO_DATA_FILL,
    OUTLINE,
    TILE,
    number,
    read_tiles,
    text_colour,
    tile_map_chart,
    wave_outlines,
)
from soteria.reference import read_areas, read_pilot_register

GRAINS = ("force", "cps_area")


def register(grain: str) -> pl.DataFrame:
    areas = read_areas().select("area_code", "area_name", "area_kind")
    return read_pilot_register().join(areas, on="area_code").filter(pl.col("area_kind") == grain)


def values(grain: str) -> pl.DataFrame:
    reg = register(grain)
    return reg.select(
        "area_code",
        "area_name",
        "wave",
        "pilot_start",
        value=pl.int_range(0, reg.height).cast(pl.Float64) - 10,
    ).with_columns(label=pl.format("{}", pl.col("value")))


def fill_rects(fig) -> list[dict]:
    return [s for s in fig.layout.shapes if s.fillcolor is not None]


def outline_rects(fig) -> list[dict]:
    return [s for s in fig.layout.shapes if s.fillcolor is None]


@pytest.mark.parametrize("grain", GRAINS)
def test_layout_has_every_area_once_and_no_overlaps(grain):
    tiles = read_tiles(grain)
    expected = set(read_areas().filter(pl.col("area_kind") == grain)["area_code"])
    assert tiles["area_code"].n_unique() == tiles.height == len(expected)
    assert set(tiles["area_code"]) == expected
    assert tiles.select("row", "col").is_duplicated().sum() == 0
    assert tiles["area_name"].null_count() == 0
    assert tiles["short"].null_count() == 0 and tiles["short"].str.len_chars().max() <= 6
    assert tiles["row"].min() == 0 and tiles["col"].min() == 0


def position(tiles: pl.DataFrame, name: str) -> tuple[int, int]:
    row = tiles.filter(pl.col("area_name") == name).row(0, named=True)
    return row["row"], row["col"]


def test_force_layout_is_roughly_geographic():
    tiles = read_tiles("force")
    n_rows, n_cols = tiles["row"].max(), tiles["col"].max()
    nbria, cornwall = position(tiles, "Northumbria"), position(tiles, "Devon and Cornwall")
    met, kent = position(tiles, "Metropolitan Police"), position(tiles, "Kent")
    assert nbria[0] == 0 and nbria[1] > n_cols / 2  # top, right of centre
    assert cornwall[0] == n_rows and cornwall[1] == 0  # bottom left
    assert met[0] >= n_rows - 1 and met[1] > n_cols / 2 and kent[0] == n_rows  # London in the south east
    wales = [position(tiles, n) for n in ("North Wales", "Gwent", "South Wales", "Dyfed-Powys")]
    english_cols = tiles.filter(pl.col("area_code").str.starts_with("E"))["col"]
    assert max(c for _, c in wales) <= 1 < english_cols.median()  # Wales on the west
    btp = position(tiles, "British Transport Police")
    assert btp == (0, 0)  # a corner of its own, away from every other tile
    others = tiles.filter(pl.col("area_code") != "BTP")
    assert min(abs(r - btp[0]) + abs(c - btp[1]) for r, c in others.select("row", "col").rows()) >= 3


def test_cps_layout_is_roughly_geographic():
    tiles = read_tiles("cps_area")
    assert position(tiles, "North East")[0] == 0
    assert position(tiles, "London North")[0] < position(tiles, "London South")[0]
    assert position(tiles, "Cymru/Wales")[1] == 0
    assert position(tiles, "South West")[0] == tiles["row"].max()


@pytest.mark.parametrize("grain", GRAINS)
def test_chart_has_one_tile_per_area_with_outlines_by_wave(grain):
    vals = values(grain)
    fig = tile_map_chart(vals, grain, "Referrals", "Change (%)")
    tiles = read_tiles(grain)
    fills, outlines = fill_rects(fig), outline_rects(fig)
    assert len(fills) == len(outlines) == tiles.height
    # one tile per grid cell, centred on it, none overlapping (equal squares, distinct centres)
    centres = {((s.x0 + s.x1) / 2, (s.y0 + s.y1) / 2) for s in fills}
    assert centres == {(c, -r) for r, c in tiles.select("row", "col").rows()}
    assert all(abs((s.x1 - s.x0) - TILE) < 1e-9 and abs((s.y1 - s.y0) - TILE) < 1e-9 for s in fills)
    assert all(abs((s.x1 - s.x0) - OUTLINE) < 1e-9 for s in outlines) and OUTLINE < 1
    # outlines differ by width and dash between waves, never by colour
    by_centre = {((s.x0 + s.x1) / 2, (s.y0 + s.y1) / 2): s.line for s in outlines}
    points = fig.data[0]
    styles = {}
    for (_code, _name, _shown, wave), x, y in zip(points.customdata, points.x, points.y, strict=True):
        line = by_centre[(x, y)]
        styles.setdefault(wave, set()).add((line.width, line.dash, line.color))
    assert all(len(s) == 1 for s in styles.values())
    distinct = {next(iter(s))[:2] for s in styles.values()}
    assert len(distinct) == len(styles) == vals["wave"].n_unique()
    assert len({next(iter(s))[2] for s in styles.values()}) == 1
    # the earliest wave has the heaviest outline
    earliest = vals.sort("pilot_start")["wave"][0]
    assert next(iter(styles[earliest]))[0] == max(w for w, _ in distinct)
    # a legend entry for each wave's outline
    legend = [t.name for t in fig.data if t.showlegend is not False and t.mode == "lines"]
    assert legend == vals.sort("pilot_start")["wave"].unique(maintain_order=True).to_list()


def test_points_carry_area_codes_names_and_values_for_hover_and_click():
    vals = values("cps_area")
    fig = tile_map_chart(vals, "cps_area", "Referrals", "Referrals a month")
    points = fig.data[0]
    codes = [c[0] for c in points.customdata]
    assert sorted(codes) == sorted(vals["area_code"])
    row = dict(zip(codes, points.hovertext, strict=True))["CPS-LS"]
    assert "London South" in row and "Referrals a month" in row and "2021 pathfinder" in row
    assert points.marker.symbol == "square" and "rgba(0,0,0,0)" in points.marker.color
    texts = dict(zip(codes, points.text, strict=True))
    assert texts["CPS-LS"].startswith("<b>Lon S</b>")
    # SVG only: no WebGL trace types
    spec = json.loads(pio.to_json(fig))
    assert {t["type"] for t in spec["data"]} == {"scatter"}


def test_missing_and_suppressed_values_are_no_data_tiles_not_zeros():
    vals = (
        values("force")
        .filter(pl.col("area_code") != "E23000034")
        .with_columns(
            value=pl.when(pl.col("area_code") == "BTP").then(None).otherwise("value"),
            label=pl.when(pl.col("area_code") == "BTP").then(pl.lit("[c]")).otherwise("label"),
        )
    )
    fig = tile_map_chart(vals, "force", "Referrals", "Referrals")
    points = fig.data[0]
    shown = {c[0]: c[2] for c in points.customdata}
    assert shown["BTP"] == "[c]" and shown["E23000034"] == "no data"
    fills = {((s.x0 + s.x1) / 2, (s.y0 + s.y1) / 2): s.fillcolor for s in fill_rects(fig)}
    tiles = read_tiles("force")
    for code in ("BTP", "E23000034"):
        r, c = tiles.filter(pl.col("area_code") == code).select("row", "col").row(0)
        assert fills[(c, -r)] == NO_DATA_FILL
    assert any("National" in (a.text or "") for a in fig.layout.annotations)


def test_text_keeps_contrast_with_its_tile():
    assert text_colour("#000000") == "#FFFFFF" and text_colour("#FFFFFF") == "#000000"
    assert text_colour("rgb(0, 34, 78)") == "#FFFFFF"  # cividis, low end
    assert text_colour("rgb(254, 232, 56)") == "#000000"  # cividis, high end
    fig = tile_map_chart(values("force"), "force", "Referrals", "Referrals")
    assert set(fig.data[0].textfont.color) == {"#000000", "#FFFFFF"}


def test_diverging_scale_is_centred_on_the_midpoint():
    fig = tile_map_chart(values("cps_area"), "cps_area", "Change", "Change (%)", midpoint=0)
    bar = fig.data[1].marker
    assert bar.showscale and bar.cmin == -bar.cmax and bar.colorscale is not None


def test_rejects_areas_of_another_grain_and_duplicates():
    with pytest.raises(ValueError, match="not on the"):
        tile_map_chart(values("force"), "cps_area", "t", "c")
    vals = values("cps_area")
    with pytest.raises(ValueError, match="more than one row"):
        tile_map_chart(pl.concat([vals, vals.head(1)]), "cps_area", "t", "c")
    with pytest.raises(ValueError, match="lack columns"):
        tile_map_chart(vals.drop("label"), "cps_area", "t", "c")
    with pytest.raises(ValueError, match="grain"):
        read_tiles("region")


def test_wave_outlines_follow_the_given_order():
    styles = wave_outlines(["first", "second"])
    assert styles["first"]["width"] > styles["second"]["width"]
    fig = tile_map_chart(
        values("cps_area").drop("pilot_start"),
        "cps_area",
        "t",
        "c",
        wave_order=["October 2022", "2021 pathfinder"],
    )
    legend = [t.name for t in fig.data if t.mode == "lines"]
    assert legend[:2] == ["October 2022", "2021 pathfinder"]


def test_unlabelled_values_show_as_plain_numbers():
    assert [number(v) for v in (12345.6, 1234.0, 123.4, 12.34, 1.234, 0.0)] == [
        "12,346",
        "1,234",
        "123",
        "12.3",
        "1.23",
        "0",
    ]
    vals = values("cps_area").with_columns(label=pl.lit(None, dtype=pl.String), value=pl.lit(2500.0))
    fig = tile_map_chart(vals, "cps_area", "t", "c")
    assert {c[2] for c in fig.data[0].customdata} == {"2,500"}


def test_when_every_area_rose_the_scale_is_sequential_from_the_midpoint():
    rose = values("cps_area").with_columns(value=pl.col("value").abs() + 1)
    fig = tile_map_chart(rose, "cps_area", "Change", "Change (%)", midpoint=0)
    bar = fig.data[1].marker
    assert bar.cmin == 0 and bar.cmax == rose["value"].max()
    sequential = tile_map_chart(rose, "cps_area", "Count", "Count").data[1].marker.colorscale
    assert bar.colorscale == sequential  # the sequential scale, not the diverging one
