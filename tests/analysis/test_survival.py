from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.utils import median_survival_times
from polars.testing import assert_frame_equal

from soteria.analysis.compare import Selection
from soteria.analysis.survival import (
    excluded_cases,
    km_curves,
    numbers_at_risk,
    share_filed_curve,
    summary,
    time_to_file,
)
from soteria.engine.survival import kaplan_meier, km_median

# -- the one estimator against lifelines' lung reference -------------------------------------------


@pytest.fixture(scope="module")
def lung() -> tuple[np.ndarray, np.ndarray]:
    df = load_lung()
    # R codes status 1 censored / 2 dead; lifelines ships it recoded as 0 / 1. Either way, dead = max.
    assert set(df["status"].unique()) in ({0, 1}, {1, 2})
    return df["time"].to_numpy(), (df["status"] == df["status"].max()).to_numpy().astype(int)


def cases_of(days, events) -> pl.DataFrame:
    return pl.DataFrame({"days": np.asarray(days, dtype=float), "event": np.asarray(events, dtype=np.int8)})


def test_lung_median_is_310_days(lung: tuple[np.ndarray, np.ndarray]) -> None:
    med = km_median(*lung)
    assert (med.estimate, med.lower, med.upper) == (310.0, 284.0, 361.0)


def test_lung_share_filed_curve_and_band_match_lifelines(lung: tuple[np.ndarray, np.ndarray]) -> None:
    days, dead = lung
    kmf = KaplanMeierFitter().fit(days, dead)
    curve = share_filed_curve(cases_of(days, dead), "kaplan_meier")
    assert curve.columns == ["day", "share_filed", "lower", "upper", "at_risk"]
    np.testing.assert_array_equal(curve["day"].to_numpy(), kmf.survival_function_.index.to_numpy())
    np.testing.assert_array_equal(curve["at_risk"].to_numpy()[1:], kmf.event_table["at_risk"].to_numpy()[1:])
    reference = kmf.survival_function_.iloc[:, 0].to_numpy()
    np.testing.assert_allclose(1 - curve["share_filed"].to_numpy(), reference, rtol=0, atol=1e-9)
    ci = kmf.confidence_interval_  # bounds on survival: the share filed's upper is 1 - its lower
    np.testing.assert_allclose(curve["lower"].to_numpy(), 1 - ci.iloc[:, 1].to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(curve["upper"].to_numpy(), 1 - ci.iloc[:, 0].to_numpy(), rtol=0, atol=1e-9)
    band = median_survival_times(ci)
    med = km_median(days, dead)
    assert (med.lower, med.upper) == (band.iloc[0, 0], band.iloc[0, 1])
    assert kmf.median_survival_time_ == med.estimate


@pytest.mark.parametrize(
    ("days", "filed"),
    [
        ([1, 2, 3, 3], [1, 1, 1, 1]),
        ([0, 0, 2, 3], [1, 0, 1, 0]),
        ([5, 5, 5], [0, 0, 0]),
        ([4.5, 1.5], [1, 0]),
    ],
)
def test_edge_curves_match_lifelines(days: list[float], filed: list[int]) -> None:
    kmf = KaplanMeierFitter().fit(days, filed)
    curve = kaplan_meier(days, filed)
    reference = kmf.survival_function_
    if reference.index[0] == 0 and 0 not in days:  # lifelines adds a day-0 row; the engine starts at events
        reference = reference.iloc[1:]
        ci = kmf.confidence_interval_.iloc[1:]
    else:
        ci = kmf.confidence_interval_
    np.testing.assert_allclose(curve["survival"].to_numpy(), reference.iloc[:, 0], atol=1e-12)
    np.testing.assert_allclose(curve["lower"].to_numpy(), ci.iloc[:, 0], atol=1e-12)
    np.testing.assert_allclose(curve["upper"].to_numpy(), ci.iloc[:, 1], atol=1e-12)


def test_share_filed_by_hand() -> None:
    cases = cases_of([2.0, 1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1, 0])
    km = share_filed_curve(cases, "kaplan_meier")
    assert km["day"].to_list() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert km["at_risk"].to_list() == [5, 5, 4, 2, 1]
    assert km["share_filed"].to_list() == pytest.approx([0.0, 0.2, 0.4, 0.7, 0.7])
    assert (km["lower"] <= km["share_filed"]).all() and (km["share_filed"] <= km["upper"]).all()
    assert km_median(cases["days"], cases["event"]).estimate == 3.0
    # With a closure competing, the share of all cases filed can never pass the share not closed.
    aj = share_filed_curve(cases_of([1.0, 2.0, 3.0, 4.0], [1, 2, 1, 0]), "aalen_johansen")
    assert aj["share_filed"].to_list() == pytest.approx([0.0, 0.25, 0.25, 0.5, 0.5])
    with pytest.raises(ValueError, match="estimator must be one of"):
        share_filed_curve(cases, "nelson_aalen")


@pytest.mark.parametrize(
    ("days", "filed", "message"),
    [
        ([1.0, -1.0], [1, 1], "non-negative"),
        ([1.0, float("nan")], [1, 0], "non-negative"),
        ([1.0, 2.0], [1], "same length"),
    ],
)
def test_kaplan_meier_rejects_bad_input(days: list[float], filed: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(days, filed)


def test_empty_curve_and_median_not_reached() -> None:
    empty = share_filed_curve(cases_of([], []), "kaplan_meier")
    assert empty.rows() == [(0.0, 0.0, 0.0, 0.0, 0)]
    # The median is not reached, but the band's upper edge passes one half: a lower limit only.
    med = km_median([10.0, 20.0, 30.0], [1, 0, 0])
    assert (med.estimate, med.lower, med.upper) == (float("inf"), 10.0, float("inf"))


# -- time_to_file -------------------------------------------------------------------------------------

REGISTER = pl.DataFrame(
    {
        "area_code": ["FP", "FQ", "FC", "FX", "FMET", "FCITY", "FBTP", "CPS-A", "CPS-B", "CPS-L1", "CPS-L2"],
        "area_name": [
            "Pilot",
            "Later pilot",
            "Control",
            "Excluded",
            "Met",
            "City",
            "BTP",
            "Area A",
            "Area B",
            "London one",
            "London two",
        ],
        "area_kind": ["force"] * 7 + ["cps_area"] * 4,
        "wave": [
            "2021 pathfinder",
            "2021 pathfinder",
            "October 2022",
            "National rollout",
            "National rollout",
            "National rollout",
            "National rollout",
            "2021 pathfinder",
            "October 2022",
            "2021 pathfinder",
            "National rollout",
        ],
        "pilot_start": [date(2021, 6, 1), date(2021, 9, 1), date(2022, 10, 1)]
        + [date(2023, 7, 10)] * 4
        + [date(2021, 6, 1), date(2022, 10, 1), date(2021, 6, 1), date(2023, 7, 10)],
    }
)
FORCE_CPS_AREA = pl.DataFrame(
    {
        "force_code": ["FP", "FQ", "FC", "FX", "FMET", "FMET", "FCITY", "FCITY", "FBTP"],
        "cps_area_code": [
            "CPS-A",
            "CPS-A",
            "CPS-B",
            "CPS-B",
            "CPS-L1",
            "CPS-L2",
            "CPS-L1",
            "CPS-L2",
            "CPS-A",
        ],
    }
)
AS_OF = date(2023, 12, 31)


def case(
    ref: str,
    force: str,
    reported: date,
    filed: date | None = None,
    closed: date | None = None,
    as_of: date = AS_OF,
) -> dict:
    return {
        "case_ref": ref,
        "force_code": force,
        "reported_on": reported,
        "file_submitted_on": filed,
        "closed_on": closed,
        "closure_reason": "police_nfa" if closed else None,
        "as_of": as_of,
    }


CASES = pl.DataFrame(
    [
        case("p-before-filed", "FP", date(2021, 5, 1), filed=date(2021, 6, 10)),
        case("p-after-open", "FP", date(2021, 7, 1), as_of=date(2022, 1, 1)),
        case("p-closed-first", "FP", date(2021, 8, 1), closed=date(2021, 8, 31)),
        case("p-reopened-filed", "FP", date(2021, 8, 1), filed=date(2021, 9, 30), closed=date(2021, 8, 11)),
        case("p-filed-then-closed", "FP", date(2021, 8, 1), filed=date(2021, 8, 3), closed=date(2022, 1, 1)),
        case("p-filed-on-as-of", "FP", date(2021, 8, 1), filed=date(2021, 8, 21), as_of=date(2021, 8, 21)),
        case("q-before-own-start", "FQ", date(2021, 7, 1), filed=date(2021, 7, 2)),  # FQ starts 1 Sep
        case("c-before", "FC", date(2021, 5, 15), filed=date(2021, 5, 25)),
        case("c-after", "FC", date(2021, 6, 1), filed=date(2021, 6, 2)),
        case("c-filed-after-own-start", "FC", date(2022, 9, 1), filed=date(2022, 12, 1)),
        case("c-filed-on-own-start", "FC", date(2022, 9, 21), filed=date(2022, 10, 1)),
        case("c-closed-after-own-start", "FC", date(2022, 9, 1), closed=date(2022, 11, 1)),
        case("c-reported-on-own-start", "FC", date(2022, 10, 1), filed=date(2022, 10, 5)),
        case("x-excluded", "FX", date(2021, 7, 1), filed=date(2021, 8, 1)),
        case("u-unknown-force", "FZ", date(2021, 7, 1)),
        case("d-file-before-report", "FP", date(2021, 7, 1), filed=date(2021, 6, 1)),
        case("o-outside-window", "FP", date(2018, 12, 31), filed=date(2019, 1, 5)),
        case("m-met", "FMET", date(2021, 7, 1)),
        case("m-city", "FCITY", date(2021, 7, 1)),
        case("b-btp", "FBTP", date(2021, 7, 1), filed=date(2021, 7, 11)),
    ]
)
FORCE_SEL = Selection(grain="force", excluded_controls=("FX",))


def test_time_to_file_at_force_grain() -> None:
    tte = time_to_file(CASES, REGISTER, None, FORCE_SEL)
    assert tte.columns == [
        "case_ref",
        "force_code",
        "reported_on",
        "area_code",
        "arm",
        "period",
        "days",
        "event",
        "closure_reason",
        "victim_sex",
        "victim_age_band",
        "victim_ethnicity",
    ]
    assert tte.schema["days"] == pl.Float64 and tte.schema["event"] == pl.Int8
    got = {r["case_ref"]: (r["arm"], r["period"], r["days"], r["event"]) for r in tte.to_dicts()}
    assert got == {
        "p-before-filed": ("pilot", "before", 31.0, 0),  # followed until FP's start, 1 June
        "p-after-open": ("pilot", "after", 184.0, 0),  # censored at its extract date
        "p-closed-first": ("pilot", "after", 30.0, 2),
        "p-reopened-filed": ("pilot", "after", 60.0, 1),
        "p-filed-then-closed": ("pilot", "after", 2.0, 1),
        "p-filed-on-as-of": ("pilot", "after", 20.0, 1),
        "q-before-own-start": ("pilot", "before", 1.0, 1),
        "c-before": ("control", "before", 10.0, 1),  # before the pilot arm's earliest start
        "c-after": ("control", "after", 1.0, 1),
        "c-filed-after-own-start": ("control", "after", 30.0, 0),  # censored at its own start
        "c-filed-on-own-start": ("control", "after", 10.0, 0),
        "c-closed-after-own-start": ("control", "after", 30.0, 0),
        "b-btp": ("control", "after", 10.0, 1),
        "m-met": ("control", "after", 739.0, 0),  # open: censored at its own start, 10 July 2023
        "m-city": ("control", "after", 739.0, 0),
    }


def test_excluded_case_counts_at_force_grain() -> None:
    counts = excluded_cases(CASES, REGISTER, None, FORCE_SEL)
    assert counts == {
        "control_after_own_start": 1,
        "dates_out_of_order": 1,
        "excluded_control": 1,
        "not_in_register": 1,
    }


def test_london_forces_are_excluded_at_cps_area_grain() -> None:
    sel = Selection(grain="cps_area", start=date(2019, 1, 1))
    tte = time_to_file(CASES, REGISTER, FORCE_CPS_AREA, sel)
    assert not {"m-met", "m-city"} & set(tte["case_ref"])
    assert tte.filter(case_ref="b-btp").row(0, named=True)["area_code"] == "CPS-A"  # one Area: kept
    assert tte.filter(case_ref="c-before")["area_code"].item() == "CPS-B"
    assert tte.filter(case_ref="x-excluded")["arm"].item() == "control"  # FX is only excluded as a force
    counts = excluded_cases(CASES, REGISTER, FORCE_CPS_AREA, sel)
    assert counts["shared_force"] == 2
    assert counts["unmapped_force"] == 1


def test_cps_area_grain_needs_the_force_map_and_a_pilot() -> None:
    with pytest.raises(ValueError, match="force_cps_area is needed"):
        time_to_file(CASES, REGISTER, None, Selection())
    with pytest.raises(ValueError, match="no force in the register belongs to pilot waves"):
        time_to_file(CASES, REGISTER, None, Selection(grain="force", pilot_waves=("Wave 9",)))


def test_window_is_inclusive_of_both_ends() -> None:
    sel = Selection(grain="force", start=date(2018, 1, 1), end=date(2021, 7, 1), baseline_year=2018)
    refs = set(time_to_file(CASES, REGISTER, None, sel)["case_ref"])
    assert "o-outside-window" in refs and "p-after-open" in refs and "p-closed-first" not in refs


# -- curves, summaries, numbers at risk ----------------------------------------------------------------


def tte_frame(groups: dict[tuple[str, str], tuple[list[float], list[int]]]) -> pl.DataFrame:
    rows = [
        {
            "case_ref": f"{arm}-{period}-{i}",
            "area_code": "A",
            "arm": arm,
            "period": period,
            "days": d,
            "event": e,
        }
        for (arm, period), (days, events) in groups.items()
        for i, (d, e) in enumerate(zip(days, events, strict=True))
    ]
    return pl.DataFrame(
        rows,
        schema={
            "case_ref": pl.String,
            "area_code": pl.String,
            "arm": pl.String,
            "period": pl.String,
            "days": pl.Float64,
            "event": pl.Int8,
        },
    )


TTE = tte_frame(
    {
        ("pilot", "after"): ([float(d) for d in range(1, 21)], [1] * 20),
        ("pilot", "before"): ([10.0, 20.0, 30.0, 40.0, 50.0], [1, 1, 0, 2, 1]),
        ("control", "before"): ([100.0] * 12, [0] * 6 + [2] * 6),
        ("control", "after"): ([30.0] * 6 + [400.0] * 6, [1] * 6 + [0] * 6),
    }
)


def test_km_curves_by_arm_and_period_withholding_small_groups() -> None:
    curves = km_curves(TTE)
    assert curves.columns == ["arm", "period", "day", "share_filed", "lower", "upper", "at_risk"]
    groups = curves.select("arm", "period").unique(maintain_order=True).rows()
    assert groups == [("pilot", "after"), ("control", "before"), ("control", "after")]
    pilot = curves.filter(arm="pilot", period="after")
    expected = share_filed_curve(cases_of(np.arange(1.0, 21.0), np.ones(20)), "kaplan_meier")
    assert_frame_equal(pilot.select("day", "share_filed", "lower", "upper", "at_risk"), expected)
    assert km_curves(TTE, min_cases=5).filter(arm="pilot", period="before").height == 6


def test_summary() -> None:
    out = summary(TTE)
    assert out.columns == [
        "arm",
        "period",
        "cases",
        "filed",
        "closed_before_file",
        "still_open",
        "median_days",
        "median_lower",
        "median_upper",
        "quarter_days",
        "filed_by_90",
        "filed_by_365",
        "filed_by_365_lower",
        "filed_by_365_upper",
        "median_if_none_closed",
        "withheld",
    ]
    rows = {(r["arm"], r["period"]): r for r in out.to_dicts()}
    assert list(rows) == [
        ("pilot", "before"),
        ("pilot", "after"),
        ("control", "before"),
        ("control", "after"),
    ]
    small = rows["pilot", "before"]
    assert (small["cases"], small["filed"], small["closed_before_file"], small["still_open"]) == (5, 3, 1, 1)
    assert small["withheld"] is True
    assert [small[k] for k in ("median_days", "median_lower", "median_upper", "filed_by_90")] == [None] * 4
    fast = rows["pilot", "after"]
    assert (fast["median_days"], fast["filed_by_90"], fast["filed_by_365"]) == (10.0, 1.0, 1.0)
    assert fast["median_lower"] <= 10.0 <= fast["median_upper"]
    never = rows["control", "before"]  # nobody filed; follow-up ends at day 100
    assert (never["median_days"], never["filed_by_90"], never["filed_by_365"]) == (None, 0.0, None)
    half = rows["control", "after"]
    assert (half["median_days"], half["filed_by_365"], half["withheld"]) == (30.0, 0.5, False)
    assert half["filed_by_365_lower"] < 0.5 < half["filed_by_365_upper"]


def test_summary_gives_a_median_only_where_half_of_all_cases_were_filed() -> None:
    """40 of 100 cases filed on day 10, 60 closed on day 5: the Kaplan-Meier median 'if none were
    closed' is day 10, but no day exists by which half of all cases were filed; a quarter were by day 10."""
    tte = pl.DataFrame(
        {
            "arm": ["pilot"] * 100,
            "period": ["after"] * 100,
            "days": [10.0] * 40 + [5.0] * 60,
            "event": [1] * 40 + [2] * 60,
        }
    )
    row = summary(tte).filter(arm="pilot", period="after").row(0, named=True)
    assert row["median_days"] is None and row["median_lower"] is None
    assert row["quarter_days"] == 10.0 and row["filed_by_365"] == pytest.approx(0.4)
    assert row["median_if_none_closed"] == 10.0


def test_summary_lists_arms_without_cases() -> None:
    out = summary(TTE.filter(arm="pilot"))
    assert out.filter(arm="control")["cases"].to_list() == [0, 0]
    assert out.filter(arm="control")["withheld"].all()


def test_numbers_at_risk() -> None:
    out = numbers_at_risk(TTE, days=(0, 30, 100, 365))
    assert out.columns == ["arm", "period", "day", "at_risk"]
    got = {(r["arm"], r["period"]): [] for r in out.to_dicts()}
    for r in out.to_dicts():
        got[r["arm"], r["period"]].append(r["at_risk"])
    # A case is at risk on its own last day (filed or censored that day).
    assert got == {
        ("pilot", "before"): [5, 3, 0, 0],
        ("pilot", "after"): [20, 0, 0, 0],
        ("control", "before"): [12, 12, 12, 0],
        ("control", "after"): [12, 12, 6, 6],
    }


def test_end_to_end_matches_hand_computed_days() -> None:
    reported = date(2021, 7, 1)
    cases = pl.DataFrame(
        [case(f"r{i}", "FP", reported, filed=reported + timedelta(days=i)) for i in range(1, 12)]
    )
    tte = time_to_file(cases, REGISTER, None, FORCE_SEL)
    row = summary(tte).filter(arm="pilot", period="after").row(0, named=True)
    assert (row["cases"], row["median_days"], row["filed_by_90"]) == (11, 6.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=60))
def test_share_filed_curve_matches_lifelines_on_random_samples(sample: list[tuple[int, bool]]) -> None:
    days = np.array([d for d, _ in sample], dtype=float)
    filed = np.array([f for _, f in sample], dtype=int)
    kmf = KaplanMeierFitter().fit(days, filed)
    curve = share_filed_curve(cases_of(days, filed), "kaplan_meier")
    # Both start at day 0 (after any day-0 events) and step at every distinct day: row for row.
    np.testing.assert_array_equal(curve["day"].to_numpy(), kmf.survival_function_.index.to_numpy())
    reference = kmf.survival_function_.iloc[:, 0].to_numpy()
    ci = kmf.confidence_interval_
    np.testing.assert_allclose(1 - curve["share_filed"].to_numpy(), reference, atol=1e-9)
    np.testing.assert_allclose(curve["upper"].to_numpy(), 1 - ci.iloc[:, 0], atol=1e-9)
    np.testing.assert_allclose(curve["lower"].to_numpy(), 1 - ci.iloc[:, 1], atol=1e-9)
    # Ties aside: lifelines computes S as exp(sum(log)), so an exact 0.5 can land a hair above it;
    # and it squeezes a one-row curve (every case on day 0) to a scalar, reporting no median.
    exact_half = bool((np.abs(1 - curve["share_filed"].to_numpy() - 0.5) < 1e-12).any())
    if days.max() > 0 and not exact_half:
        assert km_median(days, filed).estimate == kmf.median_survival_time_
