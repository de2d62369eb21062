from __future__ import annotations

from datetime import date, datetime

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from soteria.analysis.compare import (
    Headline,
    Selection,
    assign_arms,
    baseline_change,
    charge_rate_series,
    per_area_series,
    pilot_starts,
    pilot_vs_control,
)

# Two pilot Areas, three controls (one leaving in October 2022), one force that must be ignored.
REGISTER = pl.DataFrame(
    {
        "area_code": ["P1", "P2", "C1", "C2", "C3", "F1"],
        "area_name": ["Pilot one", "Pilot two", "Control one", "Control two", "Control three", "A force"],
        "area_kind": ["cps_area"] * 5 + ["force"],
        "wave": [
            "2021 pathfinder",
            "2021 pathfinder",
            "October 2022",
            "National rollout",
            "National rollout",
            "2021 pathfinder",
        ],
        "pilot_start": [
            date(2021, 6, 1),
            date(2021, 6, 1),
            date(2022, 10, 1),
            date(2023, 7, 10),
            date(2023, 7, 10),
            date(2021, 6, 1),
        ],
        "is_assumption": [True] * 6,
        "source": ["test"] * 6,
    }
)
CONSTANT = {"P1": 10.0, "P2": 10.0, "C1": 4.0, "C2": 4.0, "C3": 4.0, "F1": 99.0}


def months(start: date = date(2019, 1, 1), end: date = date(2023, 12, 1)) -> pl.Series:
    return pl.date_range(start, end, "1mo", eager=True).alias("month")


def long_values(level: dict[str, float], metric: str = "referrals") -> pl.DataFrame:
    return (
        pl.DataFrame({"area_code": list(level), "value": list(level.values())})
        .join(months().to_frame(), how="cross")
        .select("area_code", "month", pl.lit(metric).alias("metric"), "value")
    )


def set_value(values: pl.DataFrame, area: str, month: date, value: float | None) -> pl.DataFrame:
    hit = (pl.col("area_code") == area) & (pl.col("month") == month)
    return values.with_columns(value=pl.when(hit).then(pl.lit(value, pl.Float64)).otherwise("value"))


def row(frame: pl.DataFrame, period: date, arm: str) -> dict:
    rows = frame.filter(pl.col("period") == period, pl.col("arm") == arm).to_dicts()
    assert len(rows) == 1
    return rows[0]


# -- Selection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grain": "region"}, "grain must be one of"),
        ({"metric": "arrests"}, "metric must be one of"),
        ({"frequency": "year"}, "frequency must be"),
        ({"start": date(2023, 8, 1)}, "must be before end"),
        ({"start": datetime(2019, 1, 1)}, "start must be a date"),
        ({"end": "2023-07-10"}, "end must be a date"),
        ({"pilot_waves": "2021 pathfinder"}, "pilot_waves must be a list"),
        ({"pilot_waves": ()}, "at least one pilot wave"),
        ({"pilot_waves": ("",)}, "pilot_waves must be a list"),
        ({"excluded_controls": ("CPS-SE|CPS-WX",)}, "may not contain"),
        ({"baseline_year": 2018}, "baseline year 2018 must lie wholly inside"),
        ({"baseline_year": 2023}, "baseline year 2023 must lie wholly inside"),
        ({"start": date(2019, 1, 2)}, "baseline year 2019 must lie wholly inside"),
        ({"baseline_year": True}, "baseline_year must be a year"),
        ({"baseline_year": "2019"}, "baseline_year must be a year"),
    ],
)
def test_selection_rejects_bad_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Selection(**kwargs)


def test_selection_defaults_and_normalised_lists() -> None:
    sel = Selection(
        pilot_waves=["October 2022", "2021 pathfinder", "October 2022"],  # type: ignore[arg-type]
        excluded_controls=["CPS-WX", "CPS-SE"],
    )  # type: ignore[arg-type]
    assert sel.pilot_waves == ("2021 pathfinder", "October 2022")
    assert sel.excluded_controls == ("CPS-SE", "CPS-WX")
    assert Selection().end == date(2023, 7, 10)
    assert Selection().grain == "cps_area" and Selection().frequency == "quarter"


@pytest.mark.parametrize(
    "sel",
    [
        Selection(),
        Selection(
            grain="force",
            metric="charges",
            start=date(2018, 3, 5),
            end=date(2022, 12, 31),
            frequency="month",
            pilot_waves=("2021 pathfinder", "October 2022"),
            excluded_controls=("E23000032", "E23000033"),
            baseline_year=2020,
        ),
    ],
)
def test_query_params_round_trip(sel: Selection) -> None:
    params = sel.to_query_params()
    assert all(isinstance(v, str) for v in params.values())
    assert Selection.from_query_params(params) == sel


def test_query_params_defaults_unknown_keys_and_errors() -> None:
    assert Selection.from_query_params({"page": "trends"}) == Selection()
    assert Selection.from_query_params({"excluded_controls": ""}).excluded_controls == ()
    assert Selection.from_query_params({"frequency": "month"}).frequency == "month"
    with pytest.raises(ValueError, match="start must be a date like"):
        Selection.from_query_params({"start": "01/01/2019"})
    with pytest.raises(ValueError, match="baseline_year must be a year like"):
        Selection.from_query_params({"baseline_year": "twenty"})


@pytest.mark.parametrize(
    ("start", "end", "frequency", "first", "last"),
    [
        (date(2019, 1, 1), date(2023, 7, 10), "quarter", date(2019, 1, 1), date(2023, 4, 1)),
        (date(2019, 1, 1), date(2023, 7, 10), "month", date(2019, 1, 1), date(2023, 6, 1)),
        (date(2018, 12, 2), date(2023, 6, 30), "quarter", date(2019, 1, 1), date(2023, 4, 1)),
        (date(2018, 12, 2), date(2023, 6, 29), "month", date(2019, 1, 1), date(2023, 5, 1)),
        (date(2018, 11, 1), date(2020, 12, 31), "quarter", date(2019, 1, 1), date(2020, 10, 1)),
    ],
)
def test_whole_periods(start: date, end: date, frequency: str, first: date, last: date) -> None:
    sel = Selection(start=start, end=end, frequency=frequency)
    assert sel.whole_periods() == (first, last)


def test_describe() -> None:
    assert Selection().describe() == (
        "CPS Areas, quarterly, Jan-Mar 2019 to Apr-Jun 2023; pilot: 2021 pathfinder; "
        "controls: all other CPS Areas before their own start; index: 2019 average = 100"
    )
    sel = Selection(grain="force", frequency="month", excluded_controls=("E23000032", "E23000033"))
    assert sel.describe({"E23000032": "Kent"}) == (
        "Police force areas, monthly, Jan 2019 to Jun 2023; pilot: 2021 pathfinder; "
        "controls: all other police force areas before their own start, excluding Kent, E23000033; "
        "index: 2019 average = 100"
    )


# -- arms ----------------------------------------------------------------------------------------


def test_assign_arms() -> None:
    sel = Selection(excluded_controls=("C3", "P2"))  # excluding a pilot Area does not remove it
    expected = pl.DataFrame(
        {
            "area_code": ["C1", "C2", "C3", "P1", "P2"],
            "area_name": ["Control one", "Control two", "Control three", "Pilot one", "Pilot two"],
            "arm": ["control", "control", "excluded", "pilot", "pilot"],
            "pilot_start": [
                date(2022, 10, 1),
                date(2023, 7, 10),
                date(2023, 7, 10),
                date(2021, 6, 1),
                date(2021, 6, 1),
            ],
            "wave": [
                "October 2022",
                "National rollout",
                "National rollout",
                "2021 pathfinder",
                "2021 pathfinder",
            ],
        }
    )
    assert_frame_equal(assign_arms(REGISTER, sel), expected)
    assert assign_arms(REGISTER, Selection(grain="force"))["area_code"].to_list() == ["F1"]


def test_assign_arms_needs_register_columns() -> None:
    with pytest.raises(ValueError, match="lacks columns"):
        assign_arms(REGISTER.drop("area_kind"), Selection())


def test_pilot_starts() -> None:
    assert pilot_starts(REGISTER, Selection()) == [date(2021, 6, 1)]
    both = Selection(pilot_waves=("2021 pathfinder", "October 2022"))
    assert pilot_starts(REGISTER, both) == [date(2021, 6, 1), date(2022, 10, 1)]


# -- pilot_vs_control ------------------------------------------------------------------------------


@pytest.mark.parametrize("frequency", ["month", "quarter"])
def test_constant_values_index_exactly_100(frequency: str) -> None:
    out = pilot_vs_control(long_values(CONSTANT), REGISTER, Selection(frequency=frequency))
    assert out.columns == ["period", "arm", "total", "areas", "mean_per_area", "index"]
    assert out.schema["period"] == pl.Date and out.schema["areas"] == pl.Int64
    assert out["index"].to_list() == [100.0] * out.height
    per = 3 if frequency == "quarter" else 1  # a quarter's value is the sum of its months
    assert set(out.filter(arm="pilot")["mean_per_area"]) == {10.0 * per}
    assert set(out.filter(arm="control")["mean_per_area"]) == {4.0 * per}
    assert out.filter(arm="pilot")["areas"].unique().to_list() == [2]
    # Data run to December 2023 but the window ends at the national rollout.
    assert out["period"].max() == (date(2023, 6, 1) if frequency == "month" else date(2023, 4, 1))
    assert out["period"].min() == date(2019, 1, 1)


@pytest.mark.parametrize(
    ("frequency", "period", "c1_counted"),
    [
        ("month", date(2022, 9, 1), True),
        ("month", date(2022, 10, 1), False),  # the start month is not wholly before the start
        ("quarter", date(2022, 7, 1), True),
        ("quarter", date(2022, 10, 1), False),
        ("month", date(2023, 6, 1), False),  # C2 and C3 start 10 July 2023: their June is clean
    ],
)
def test_control_leaves_at_its_own_start(frequency: str, period: date, c1_counted: bool) -> None:
    level = {**CONSTANT, "C1": 1.0}
    out = pilot_vs_control(long_values(level), REGISTER, Selection(frequency=frequency))
    per = 3 if frequency == "quarter" else 1
    r = row(out, period, "control")
    assert r["areas"] == (3 if c1_counted else 2)
    assert r["total"] == per * (9.0 if c1_counted else 8.0)


@pytest.mark.parametrize(
    ("start", "frequency", "period", "c1_counted"),
    [
        (date(2022, 11, 15), "quarter", date(2022, 10, 1), False),  # Nov start: Oct-Dec not clean
        (date(2022, 11, 15), "month", date(2022, 10, 1), True),
        (date(2022, 11, 15), "month", date(2022, 11, 1), False),
        (date(2023, 1, 1), "quarter", date(2022, 10, 1), True),  # quarter ends the day before the start
    ],
)
def test_quarter_counts_only_if_all_months_before_start(
    start: date, frequency: str, period: date, c1_counted: bool
) -> None:
    register = REGISTER.with_columns(
        pilot_start=pl.when(pl.col("area_code") == "C1").then(pl.lit(start)).otherwise("pilot_start")
    )
    out = pilot_vs_control(long_values(CONSTANT), register, Selection(frequency=frequency))
    assert row(out, period, "control")["areas"] == (3 if c1_counted else 2)


def test_excluded_controls_are_left_out() -> None:
    level = {**CONSTANT, "C3": 100.0}
    sel = Selection(frequency="month", excluded_controls=("C3",))
    out = pilot_vs_control(long_values(level), REGISTER, sel)
    r = row(out, date(2020, 1, 1), "control")
    assert (r["areas"], r["total"], r["mean_per_area"]) == (2, 8.0, 4.0)
    with_c3 = row(
        pilot_vs_control(long_values(level), REGISTER, Selection(frequency="month")),
        date(2020, 1, 1),
        "control",
    )
    assert (with_c3["areas"], with_c3["total"]) == (3, 108.0)


def test_missing_values_are_not_zeros() -> None:
    values = set_value(long_values(CONSTANT), "C2", date(2020, 2, 1), None)
    monthly = pilot_vs_control(values, REGISTER, Selection(frequency="month"))
    r = row(monthly, date(2020, 2, 1), "control")
    assert (r["areas"], r["total"], r["mean_per_area"], r["index"]) == (2, 8.0, 4.0, 100.0)
    # One missing month makes the area's whole quarter unknown; an absent row does the same.
    values = values.filter(~((pl.col("area_code") == "P1") & (pl.col("month") == date(2020, 5, 1))))
    quarterly = pilot_vs_control(values, REGISTER, Selection())
    assert row(quarterly, date(2020, 1, 1), "control")["areas"] == 2
    assert row(quarterly, date(2020, 4, 1), "pilot")["areas"] == 1
    assert row(quarterly, date(2020, 4, 1), "pilot")["mean_per_area"] == 30.0


def test_period_with_no_contributing_area_has_null_total() -> None:
    values = long_values(CONSTANT).with_columns(
        value=pl.when(pl.col("area_code").str.starts_with("C") & (pl.col("month") == date(2021, 3, 1)))
        .then(None)
        .otherwise("value")
    )
    r = row(pilot_vs_control(values, REGISTER, Selection(frequency="month")), date(2021, 3, 1), "control")
    assert r == {
        "period": date(2021, 3, 1),
        "arm": "control",
        "total": None,
        "areas": 0,
        "mean_per_area": None,
        "index": None,
    }


def test_index_against_baseline_year_and_zero_baseline() -> None:
    values = long_values({"P1": 10.0, "P2": 10.0, "C1": 0.0, "C2": 0.0, "C3": 0.0}).with_columns(
        value=pl.when(pl.col("area_code").str.starts_with("P") & (pl.col("month").dt.year() >= 2021))
        .then(25.0)
        .otherwise("value")
    )
    out = pilot_vs_control(values, REGISTER, Selection(frequency="month"))
    assert row(out, date(2019, 6, 1), "pilot")["index"] == 100.0
    assert row(out, date(2021, 1, 1), "pilot")["index"] == 250.0
    assert out.filter(arm="control")["index"].null_count() == out.filter(arm="control").height
    later = pilot_vs_control(values, REGISTER, Selection(frequency="month", baseline_year=2021))
    assert row(later, date(2019, 6, 1), "pilot")["index"] == 40.0


def test_partial_periods_at_both_ends_are_dropped() -> None:
    sel = Selection(frequency="month", start=date(2019, 1, 15), end=date(2022, 3, 30), baseline_year=2020)
    out = pilot_vs_control(long_values(CONSTANT), REGISTER, sel)
    assert (out["period"].min(), out["period"].max()) == (date(2019, 2, 1), date(2022, 2, 1))


# -- per-area series and charge rates -------------------------------------------------------------


def test_per_area_series() -> None:
    values = set_value(long_values(CONSTANT), "C1", date(2019, 1, 1), 16.0)  # C1 quarter 1: 24
    out = per_area_series(values, REGISTER, Selection(excluded_controls=("C3",)))
    assert out.columns == [
        "area_code",
        "area_name",
        "arm",
        "pilot_start",
        "period",
        "value",
        "index",
        "in_control",
    ]
    assert set(out["area_code"]) == {"P1", "P2", "C1", "C2", "C3"}
    c1 = out.filter(area_code="C1")
    assert c1["value"][0] == 24.0
    assert c1["index"][0] == pytest.approx(160.0)  # 24 over its own 2019 mean, (24 + 12 * 3) / 4 = 15
    assert c1.filter(pl.col("in_control").not_())["period"].min() == date(2022, 10, 1)
    assert out.filter(arm="pilot")["in_control"].any() is False
    assert out.filter(arm="excluded")["in_control"].any() is False
    assert out.filter(area_code="P1")["index"].unique().to_list() == [100.0]


def test_charge_rate_is_a_ratio_of_sums() -> None:
    charges = long_values({"P1": 9.0, "P2": 10.0, "C1": 1.0, "C2": 2.0, "C3": 3.0}, "charges")
    decisions = long_values({"P1": 10.0, "P2": 100.0, "C1": 2.0, "C2": 2.0, "C3": 3.0}, "charging_decisions")
    values = pl.concat([set_value(charges, "C3", date(2020, 1, 1), None), decisions])
    out = charge_rate_series(values, REGISTER, Selection(frequency="month"))
    assert out.columns == [
        "period",
        "arm",
        "charges",
        "charging_decisions",
        "areas",
        "charge_rate_pct",
        "withheld",
    ]
    pilot = row(out, date(2019, 1, 1), "pilot")
    assert (pilot["charges"], pilot["charging_decisions"]) == (19.0, 110.0)
    assert pilot["charge_rate_pct"] == pytest.approx(19 / 110 * 100)  # mean of ratios would be 50
    # Controls: 7 decisions is too few for a rate; C3's missing numerator drops its denominator too.
    control = row(out, date(2019, 1, 1), "control")
    assert control["charging_decisions"] == 7.0
    assert (control["charge_rate_pct"], control["withheld"]) == (None, True)
    gap = row(out, date(2020, 1, 1), "control")
    assert (gap["charges"], gap["charging_decisions"], gap["areas"]) == (3.0, 4.0, 2)
    quarterly = charge_rate_series(values, REGISTER, Selection(), min_decisions=5)
    q = row(quarterly, date(2019, 1, 1), "control")
    assert (q["charges"], q["charging_decisions"]) == (18.0, 21.0)
    assert (q["charge_rate_pct"], q["withheld"]) == (pytest.approx(600 / 7), False)


# -- headline ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "post_from", "post_periods"),
    [("month", date(2021, 6, 1), 25), ("quarter", date(2021, 7, 1), 8)],
)
def test_headline(frequency: str, post_from: date, post_periods: int) -> None:
    values = long_values(CONSTANT).with_columns(
        value=pl.when(pl.col("area_code").str.starts_with("P") & (pl.col("month") >= date(2021, 6, 1)))
        .then(15.0)
        .otherwise("value")
    )
    h = baseline_change(
        pilot_vs_control(values, REGISTER, Selection(frequency=frequency)),
        pilot_starts(REGISTER, Selection(frequency=frequency)),
        Selection(frequency=frequency),
    )
    assert isinstance(h, Headline)
    assert (h.latest_pilot_start, h.post_period_from, h.post_period_to) == (
        date(2021, 6, 1),
        post_from,
        date(2023, 6, 30),
    )
    assert h.post_periods == post_periods
    assert h.pilot_change_pct == pytest.approx(50.0)
    assert h.control_change_pct == pytest.approx(0.0)
    assert h.difference_pct_points == pytest.approx(50.0)
    per = 3 if frequency == "quarter" else 1
    assert (h.pilot_baseline_mean_per_area, h.pilot_post_mean_per_area) == (10.0 * per, 15.0 * per)


def test_headline_without_post_period() -> None:
    values = long_values(CONSTANT).filter(pl.col("month") < date(2021, 1, 1))
    h = baseline_change(
        pilot_vs_control(values, REGISTER, Selection()), pilot_starts(REGISTER, Selection()), Selection()
    )
    assert h.post_periods == 0 and h.post_period_from is None and h.post_period_to is None
    assert h.pilot_change_pct is None and h.difference_pct_points is None
    assert h.pilot_baseline_mean_per_area == 30.0


@pytest.mark.parametrize("frequency", ["month", "quarter"])
def test_arm_series_agree_with_per_area_rows(frequency: str) -> None:
    rng = np.random.default_rng(7)
    values = long_values(CONSTANT).with_columns(
        value=pl.Series(
            np.where(
                rng.random(len(CONSTANT) * 60) < 0.1,
                np.nan,
                rng.poisson(12, len(CONSTANT) * 60).astype(float),
            )
        ).fill_nan(None)
    )
    sel = Selection(frequency=frequency, excluded_controls=("C2",))
    per_area = per_area_series(values, REGISTER, sel)
    counts = (pl.col("arm") == "pilot") | pl.col("in_control")
    counted = per_area.filter(counts, pl.col("value").is_not_null())
    expected = counted.group_by("period", "arm").agg(
        pl.col("value").sum().alias("total"), areas=pl.len().cast(pl.Int64)
    )
    got = pilot_vs_control(values, REGISTER, sel).filter(pl.col("areas") > 0).select(expected.columns)
    assert_frame_equal(got, expected, check_row_order=False)
    assert got.height > 0
