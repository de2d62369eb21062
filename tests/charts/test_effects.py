"""The effect chart: each outcome on its own scale, its interval, the zero line in view, failures grey."""

from __future__ import annotations

import polars as pl

from soteria.charts import style as cs
from soteria.charts.effects import effects_chart
from soteria.charts.figures import ChartText
from soteria.outputs.registry import DEFAULT_PACK

FRAME = pl.DataFrame(
    {
        "outcome": ["Police referrals", "Charge rate"],
        "unit": ["percent", "points"],
        "estimate": [21.5, 4.0],
        "lower": [2.5, 1.0],
        "upper": [46.1, 7.0],
        "finding": [True, False],
    }
)


def test_each_outcome_has_its_interval_scale_and_zero_line():
    fig = effects_chart(FRAME, ChartText(title="t", subtitle="s"))
    first, second = fig.data
    assert first.error_x.array == (46.1 - 21.5,) and first.error_x.arrayminus == (21.5 - 2.5,)
    assert fig.layout.xaxis.title.text.startswith("% of what controls predict")
    assert fig.layout.xaxis2.title.text.startswith("percentage points")
    for axis, row in (
        (fig.layout.xaxis, FRAME.row(0, named=True)),
        (fig.layout.xaxis2, FRAME.row(1, named=True)),
    ):
        low, high = axis.range
        assert low < 0 < high and low <= row["lower"] and high >= row["upper"]  # zero always in view
    assert sum(1 for s in fig.layout.shapes if s.x0 == 0 and s.x1 == 0) == 2
    assert first.marker.color == cs.PILOT_COLOUR and second.marker.color == cs.MUTED_COLOUR
    assert "not a finding" in second.name


def test_the_sensitivity_range_is_drawn_behind_the_interval_and_kept_in_view():
    frame = FRAME.with_columns(robust_lower=pl.Series([-30.0, None]), robust_upper=pl.Series([80.0, None]))
    fig = effects_chart(frame, ChartText(title="t", subtitle="s"))
    bars = [t for t in fig.data if t.legendgroup == "robust"]
    assert len(bars) == 1 and bars[0].x == (-30.0, 80.0) and bars[0].showlegend
    assert fig.data.index(bars[0]) < 1  # drawn first: behind the estimate and its interval
    low, high = fig.layout.xaxis.range
    assert low <= -30 and high >= 80 and fig.layout.showlegend
    assert not effects_chart(FRAME, ChartText(title="t", subtitle="s")).layout.showlegend
    # a range far wider than the interval is cut at the axis' edge, which says where it runs to
    wide = frame.with_columns(robust_upper=pl.Series([58_731.0, None]))
    fig = effects_chart(wide, ChartText(title="t", subtitle="s"))
    low, high = fig.layout.xaxis.range
    assert high < 200 and [t for t in fig.data if t.legendgroup == "robust"][0].x[1] == high
    assert [a.text for a in fig.layout.annotations if "runs to" in (a.text or "")] == ["runs to 58,731"]


def test_the_default_report_pack_leads_with_the_effect():
    assert DEFAULT_PACK[0] == "pilot_effects"
