"""One area against its control group and England and Wales, on a hand-built series."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from soteria.analysis import area_view
from soteria.analysis.compare import Selection, per_area_series, pilot_vs_control
from soteria.charts import area
from soteria.charts.figures import ChartText
from soteria.disclosure import per_area as publish_per_area
from tests.analysis.test_areas import REGISTER, SEL, START, values


def lines(area: str = "P", small_area: bool = False) -> pl.DataFrame:
    """Without the small area S by default: S's tiny counts would withhold P too (secondary suppression)."""
    keep = pl.col("area_code") != "S" if not small_area else pl.lit(True)
    vals, reg = values().filter(keep), REGISTER.filter(keep)
    raw = per_area_series(vals, reg, SEL)
    published = publish_per_area(raw, SEL.baseline_year).frame
    return area_view.area_lines(published, pilot_vs_control(vals, reg, SEL), raw, area, 2019)


def at(frame: pl.DataFrame, line: str, month: date) -> float | None:
    return frame.filter(pl.col("line") == line, pl.col("period") == month)["index"].item()


def test_three_indexed_lines_area_controls_and_the_nation():
    frame = lines()
    assert set(frame["line"]) == {"area", "control", "england_wales"}
    assert at(frame, "area", date(2021, 6, 1)) == pytest.approx(200.0)
    assert at(frame, "control", date(2021, 6, 1)) == pytest.approx(120.0)  # Q and R, 10 -> 12 a month
    # nation: 30 a month in 2019 (10 + 10 + 10), 44 in 2021 (20 + 12 + 12)
    assert at(frame, "england_wales", date(2021, 6, 1)) == pytest.approx(44 / 30 * 100)
    with_small = lines(small_area=True)  # the nation counts every area, withheld ones too, as an index
    assert at(with_small, "england_wales", date(2021, 6, 1)) == pytest.approx(44 / 31 * 100)


def test_a_withheld_area_is_a_gap_not_a_zero():
    frame = lines("S", small_area=True)  # 1 referral a month, then none: every month withheld
    assert (
        frame.filter(pl.col("line") == "area")["index"].null_count()
        == frame.filter(pl.col("line") == "area").height
    )
    assert "Area S has no published value" in area_view.summary(frame, "Area S", 2019)


def test_role_sentences():
    reg = REGISTER
    assert area_view.role_sentence(area_view.role(reg, SEL, "P"), SEL) == (
        "Area P is a pilot area in this comparison (Pathfinder, started 1 January 2021)."
    )
    q = area_view.role_sentence(area_view.role(reg, SEL, "Q"), SEL)
    assert q == "Area Q is a control area in this comparison (Rollout, started 10 July 2023)."
    excluded = Selection(**{**SEL.__dict__, "excluded_controls": ("Q",)})
    assert "is excluded from the control group" in area_view.role_sentence(
        area_view.role(reg, excluded, "Q"), excluded
    )
    with pytest.raises(ValueError, match="is not an area"):
        area_view.role(reg, SEL, "nowhere")


def test_chart_tells_lines_apart_without_colour_and_labels_them_directly():
    fig = area.area_chart(lines(), "Area P", START, ChartText("Title", "Subtitle"))
    traces = [(t.name, t.line.dash, t.marker.symbol) for t in fig.data]
    assert traces == [
        ("Area P", "solid", "circle"),
        ("Control group", "dash", "square"),
        ("England and Wales", "dot", "diamond"),
    ]
    labels = {a.text for a in fig.layout.annotations}
    assert {"Area P", "Control group", "England and Wales"} <= labels, labels
    assert all(t.type == "scatter" for t in fig.data)  # SVG, never WebGL


def test_summary_states_first_and_last_values():
    text = area_view.summary(lines(), "Area P", 2019)
    assert text.startswith("Index (2019 average = 100): Area P from 100 in Jan 2019 to 200 in Dec 2021")
    assert "Control group from 100 in Jan 2019 to 120 in Dec 2021" in text


def test_end_labels_that_would_touch_are_moved_apart_and_the_axis_ends_with_the_data():
    fig = area.area_chart(lines(), "Area P", START, ChartText("Title", "Subtitle"))
    frame = lines().filter(pl.col("index").is_not_null())
    top = fig.layout.yaxis.range[1]
    names = {"Area P", "Control group", "England and Wales"}
    heights = sorted(a.y for a in fig.layout.annotations if a.text in names)
    assert len(heights) == 3
    assert all(b - a >= area.LABEL_GAP * top - 1e-9 for a, b in zip(heights, heights[1:], strict=False))
    assert max(heights) <= top
    last = frame["period"].max()
    assert date.fromisoformat(str(fig.layout.xaxis.range[1])[:10]) < last + timedelta(days=31)


def test_spread_moves_labels_only_as_far_as_it_must():
    assert area.spread([10.0, 50.0, 90.0], gap=5, top=100) == [10.0, 50.0, 90.0]  # far apart: unmoved
    assert area.spread([50.0, 51.0], gap=5, top=100) == [50.0, 55.0]  # the upper one moves up
    assert area.spread([99.0, 98.0], gap=5, top=100) == [100.0, 95.0]  # order kept, under the top
    placed = area.spread([30.0, 31.0, 32.0, 200.0], gap=10, top=210)
    assert placed[:3] == [30.0, 40.0, 50.0] and placed[3] == 200.0
