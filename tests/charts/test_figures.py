"""Chart builders are pure: check the figures' structure, no browser needed."""

from __future__ import annotations

import json
import math
from datetime import date

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest

from soteria.charts import style as cs
from soteria.charts.figures import (
    ChartText,
    charge_rate_chart,
    km_chart,
    pilot_vs_control_chart,
    small_multiples_chart,
    with_export_text,
)
from soteria.domain import DEMO_LABEL

START = date(2021, 6, 1)
LATER = date(2022, 10, 1)
TEXT = ChartText("Police referrals to the CPS", subtitle="Mean per area per quarter")


def quarters(n: int = 12, first: date = date(2020, 1, 1)) -> list[date]:
    return [
        date(first.year + (first.month - 1 + 3 * i) // 12, (first.month - 1 + 3 * i) % 12 + 1, 1)
        for i in range(n)
    ]


def make_series() -> pl.DataFrame:
    rows = []
    for arm, areas in (("pilot", 5), ("control", 9)):
        for i, p in enumerate(quarters()):
            total = 50 * areas + 10 * i
            rows.append(
                {
                    "period": p,
                    "arm": arm,
                    "total": total,
                    "areas": areas,
                    "mean_per_area": total / areas,
                    "index": 100 + i,
                }
            )
    frame = pl.DataFrame(rows)
    # one suppressed control period: must show as a gap
    gap = (pl.col("arm") == "control") & (pl.col("period") == date(2020, 10, 1))
    return frame.with_columns(
        pl.when(gap).then(None).otherwise(pl.col(c)).alias(c) for c in ("total", "mean_per_area", "index")
    )


def make_rates() -> pl.DataFrame:
    rows = []
    for arm in ("pilot", "control"):
        for i, p in enumerate(quarters()):
            decisions = 8 if (arm == "pilot" and i == 2) else 200
            charges = int(decisions * 0.6)
            rows.append(
                {
                    "period": p,
                    "arm": arm,
                    "charges": charges,
                    "charging_decisions": decisions,
                    "charge_rate": charges / decisions,
                }
            )
    return pl.DataFrame(rows)


AREAS = [
    ("CPS-NE", "North East", "pilot", START),
    ("CPS-SW", "South West", "pilot", START),
    ("CPS-EM", "East Midlands", "control", LATER),
    ("CPS-WX", "Wessex", "control", date(2023, 7, 10)),
    ("CPS-CYM", "Cymru/Wales", "pilot", START),
]


def make_per_area() -> pl.DataFrame:
    rows = []
    for code, name, arm, start in AREAS:
        for i, p in enumerate(quarters()):
            value = None if (code == "CPS-WX" and i == 4) else 10 + i
            rows.append(
                {
                    "area_code": code,
                    "area_name": name,
                    "arm": arm,
                    "pilot_start": start,
                    "period": p,
                    "value": value,
                    "index": None if value is None else 10.0 * value,
                    "in_control": arm == "control" and p < start,
                }
            )
    return pl.DataFrame(rows)


def make_curves() -> pl.DataFrame:
    rows = []
    for arm in ("pilot", "control"):
        for period, rate in (("before", 0.003), ("after", 0.005)):
            for day in range(0, 400, 20):
                share = 1 - math.exp(-rate * day)
                rows.append(
                    {
                        "arm": arm,
                        "period": period,
                        "day": day,
                        "share_filed": share,
                        "lower": max(0.0, share - 0.05),
                        "upper": min(1.0, share + 0.05),
                        "at_risk": 300 - day // 2,
                    }
                )
    return pl.DataFrame(rows)


def all_figures() -> dict[str, go.Figure]:
    return {
        "pilot_vs_control": pilot_vs_control_chart(make_series(), [START], "index", TEXT),
        "charge_rate": charge_rate_chart(make_rates(), [START], TEXT),
        "small_multiples": small_multiples_chart(make_per_area(), [START], TEXT),
        "km": km_chart(make_curves(), TEXT),
    }


def by_name(fig: go.Figure) -> dict[str, go.Scatter]:
    return {t.name: t for t in fig.data}


@pytest.mark.parametrize("name", ["pilot_vs_control", "charge_rate", "small_multiples", "km"])
def test_common_style_and_svg_only(name: str) -> None:
    fig = all_figures()[name]
    assert fig.layout.title.text == TEXT.title
    assert fig.layout.title.subtitle.text == TEXT.subtitle
    assert fig.layout.template == pio.templates["plotly_white"]
    assert fig.data and all(t.type == "scatter" for t in fig.data)
    data_json = json.dumps(fig.to_dict()["data"], default=str).lower()
    assert "scattergl" not in data_json and "gl" not in {t.type[-2:] for t in fig.data}  # no WebGL
    assert fig.layout.font.size >= 12
    assert all(t.hovertemplate or t.hoverinfo == "skip" for t in fig.data if t.x != (None,))


@pytest.mark.parametrize("measure", ["index", "mean_per_area", "total"])
def test_pilot_vs_control_traces_styles_and_gaps(measure: str) -> None:
    fig = pilot_vs_control_chart(make_series(), [START], measure, TEXT)
    traces = by_name(fig)
    assert list(traces) == ["Pilot areas", "Control areas"]
    pilot, control = traces["Pilot areas"], traces["Control areas"]
    assert (pilot.line.color, pilot.line.dash) == (cs.PILOT_COLOUR, "solid")
    assert (control.line.color, control.line.dash) == (cs.CONTROL_COLOUR, "dash")
    assert control.connectgaps is False and pilot.connectgaps is False
    assert control.y[3] is None and 0 not in control.y  # the suppressed period is a gap, not zero
    # before the start: open markers; from it: filled; the shape tells the arm
    assert pilot.marker.symbol[0] == "circle-open" and pilot.marker.symbol[-1] == "circle"
    assert control.marker.symbol[0] == "square-open" and control.marker.symbol[-1] == "square"
    assert fig.layout.yaxis.rangemode == "tozero"
    assert cs.MEASURE_LABELS[measure] in pilot.hovertemplate


def test_start_markers_only_inside_data_range() -> None:
    fig = pilot_vs_control_chart(make_series(), [START, START, LATER, date(2030, 1, 1)], "total", TEXT)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [s.x0 for s in lines] == [START, LATER]
    assert all(s.line.dash == "dot" and s.yref == "paper" for s in lines)
    labels = [a.text for a in fig.layout.annotations]
    assert labels == ["Pilot starts 1 Jun 2021", "Pilot starts 1 Oct 2022"]


def test_unknown_measure_is_rejected() -> None:
    with pytest.raises(ValueError, match="measure"):
        pilot_vs_control_chart(make_series(), [START], "median", TEXT)  # type: ignore[arg-type]


def test_empty_series_gives_an_empty_figure() -> None:
    empty = make_series().clear()
    fig = pilot_vs_control_chart(empty, [START], "index", TEXT)
    assert len(fig.data) == 0 and not fig.layout.shapes
    assert fig.layout.title.text == TEXT.title


def test_charge_rate_is_a_percentage_and_withholds_small_bases() -> None:
    fig = charge_rate_chart(make_rates(), [START], TEXT)
    pilot = by_name(fig)["Pilot areas"]
    assert pilot.y[2] is None  # 8 legal decisions: below the minimum of 10, withheld
    assert all(v is None or 0 <= v <= 1 for v in pilot.y)
    assert fig.layout.yaxis.tickformat == ".0%" and tuple(fig.layout.yaxis.range) == (0, 1)
    assert "legal decisions" in pilot.hovertemplate
    assert [s.x0 for s in fig.layout.shapes] == [START]


def test_charge_rate_accepts_percentages_and_withheld_flags() -> None:
    rates = make_rates()
    pct = rates.with_columns(
        charge_rate_pct=pl.col("charge_rate") * 100, withheld=pl.col("period") == date(2020, 4, 1)
    ).drop("charge_rate")
    pilot = by_name(charge_rate_chart(pct, [START], TEXT))["Pilot areas"]
    assert pilot.y[0] == pytest.approx(0.6) and pilot.y[1] is None and pilot.y[2] is None


def test_small_multiples_panels_order_starts_and_gaps() -> None:
    fig = small_multiples_chart(make_per_area(), [START], TEXT)
    titles = [a.text for a in fig.layout.annotations if a.text != "Count"]  # the side title is its own
    assert titles == [
        "Cymru/Wales (pilot)",
        "North East (pilot)",
        "South West (pilot)",
        "East Midlands (control)",
        "Wessex (control)",
    ]
    # one dotted own-start line per area whose start is inside the data range (not Wessex: 2023)
    own = [s for s in fig.layout.shapes if s.line.dash == "dot"]
    assert sorted(s.x0 for s in own) == [START, START, START, LATER]
    east_midlands_axis = fig.get_subplot(1, 4).xaxis.plotly_name.replace("axis", "")
    assert [s.x0 for s in own if s.xref == east_midlands_axis] == [LATER]
    real = [t for t in fig.data if t.x != (None,)]
    assert len(real) == 3 + 2 * 2  # pilots one line each; controls: counted + not counted
    counted = [t for t in real if t.name == "Control area, counted as control"]
    wessex = counted[1]
    assert wessex.y[4] is None and wessex.connectgaps is False
    east_midlands = counted[0]  # counted only before its own start (Oct 2022)
    assert all((v is None) == (p >= LATER) for p, v in zip(east_midlands.x, east_midlands.y, strict=True))
    assert len({t.xaxis for t in real}) == 5
    matches = [fig.layout[f"xaxis{i if i > 1 else ''}"].matches for i in range(1, 9)]
    assert matches.count(None) == 1 and len(set(matches)) == 2  # every panel shares one x range


def test_small_multiples_can_show_the_index() -> None:
    fig = small_multiples_chart(make_per_area(), [], TEXT, value="index", columns=2)
    assert by_name(fig)["Pilot areas"].y[0] == 100.0
    assert fig.layout.height > 620  # three rows of panels


def test_km_four_step_lines_with_bands() -> None:
    fig = km_chart(make_curves(), TEXT)
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == [
        "Pilot areas, before pilot start",
        "Pilot areas, after pilot start",
        "Control areas, before pilot start",
        "Control areas, after pilot start",
    ]
    assert all(t.line.shape == "hv" for t in fig.data)
    assert len({t.line.dash for t in lines}) == 4  # every line unique without colour
    assert {t.line.color for t in lines} == {cs.PILOT_COLOUR, cs.CONTROL_COLOUR}
    assert {t.marker.symbol for t in lines} == {"circle", "circle-open", "square", "square-open"}
    widths = {t.name.split(", ")[1]: t.line.width for t in lines}
    assert widths["after pilot start"] > widths["before pilot start"]
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == 4 and all("rgba" in b.fillcolor for b in bands)
    assert fig.layout.xaxis.title.text == "Days from report to file at the CPS"
    assert tuple(fig.layout.yaxis.range) == (0, 1) and fig.layout.yaxis.tickformat == ".0%"
    assert "at risk" not in lines[0].hovertemplate  # weekly numbers at risk are not published


def test_km_missing_group_is_left_out() -> None:
    curves = make_curves().filter(~((pl.col("arm") == "control") & (pl.col("period") == "before")))
    fig = km_chart(curves, TEXT)
    assert "Control areas, before pilot start" not in by_name(fig)


def test_with_export_text_is_a_copy_that_stands_on_its_own() -> None:
    fig = pilot_vs_control_chart(make_series(), [START], "index", TEXT)
    before = fig.to_json()
    text = ChartText(
        "Referrals, pilot vs control",
        "Index, 2019 = 100",
        "Demo extract 3 (2023-09-01)",
        ("Control areas count only before their own pilot start.",),
    )
    out = with_export_text(fig, text, synthetic=True)
    assert fig.to_json() == before  # the page's figure is untouched
    texts = [a.text for a in out.layout.annotations]
    assert f"<b>{DEMO_LABEL}</b>" in texts
    assert "Source: Demo extract 3 (2023-09-01)" in texts
    assert "Note: Control areas count only before their own pilot start." in texts
    again = with_export_text(fig, ChartText("t", source="Source: file.csv"), synthetic=False)
    assert "Source: file.csv" in [a.text for a in again.layout.annotations]
    assert out.layout.title.text == text.title and out.layout.title.subtitle.text == text.subtitle
    assert out.layout.margin.b > fig.layout.margin.b and out.layout.height > fig.layout.height
    plain = with_export_text(fig, ChartText("t"), synthetic=False)
    assert not any(DEMO_LABEL in (a.text or "") for a in plain.layout.annotations)


def test_long_notes_are_wrapped() -> None:
    fig = with_export_text(km_chart(make_curves(), TEXT), ChartText("t", notes=("word " * 80,)), False)
    notes = [a.text for a in fig.layout.annotations if a.yshift and a.yshift < 0]
    assert len(notes) >= 3 and all(len(n) <= cs.WRAP_CHARS for n in notes)


def test_long_titles_wrap_and_push_the_plot_down() -> None:
    short = km_chart(make_curves(), TEXT)
    long_text = ChartText("A very long title " * 8, "and an even longer subtitle " * 8)
    long = km_chart(make_curves(), long_text)
    assert "<br>" in long.layout.title.text and "<br>" in long.layout.title.subtitle.text
    assert long.layout.margin.t > short.layout.margin.t
    # exporting with short text again gives the space back
    again = with_export_text(long, TEXT, synthetic=False)
    assert again.layout.margin.t == short.layout.margin.t


def test_km_markers_are_sparse_on_dense_step_lines() -> None:
    fig = km_chart(make_curves(), TEXT)
    line = by_name(fig)["Pilot areas, after pilot start"]
    shown = [s for s in line.marker.size if s]
    assert 3 <= len(shown) <= 10 < len(line.x)


def test_figures_serialise_to_json() -> None:
    for fig in all_figures().values():
        assert json.loads(fig.to_json())["layout"]["title"]["text"] == TEXT.title


def test_small_multiples_say_once_what_their_vertical_axes_count() -> None:
    fig = small_multiples_chart(make_per_area(), [START], TEXT, y_title="Police referrals to the CPS a month")
    side = [a for a in fig.layout.annotations if a.text == "Police referrals to the CPS a month"]
    assert len(side) == 1 and side[0].textangle == -90
    index = small_multiples_chart(make_per_area(), [], TEXT, value="index")
    assert any(a.text == "Index (baseline = 100)" for a in index.layout.annotations)
